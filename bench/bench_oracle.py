"""Goal 1: exact params + forward FLOPs + KV cache of every preset vs the oracle (≥ 1000× faster warm).

The oracle is ``symparams.testing.oracle``: ``transformers`` builds the model on
the ``meta`` device for the parameter count, and under ``FakeTensorMode`` for
one forward pass counted by ``FlopCounterMode`` and one prefill whose KV cache
is measured. Presets with a shipped ``config.json`` use it; the core presets
use the ``GPT2Config`` of their shapes (``l, h, a, V, s_max``) — for ``cs336``
presets that is a timing comparison only (transformers has no CS336 model).

Both sides are timed warm: the oracle after one full warm-up run (imports,
first-call dispatch), symparams after its formulas are built; symparams'
time is ``model(name)`` + ``params.total`` + ``forward_flops(...).total`` +
``kv_cache_bytes(...)`` — the user-facing path, not a precompiled function —
and, second figure, the same three numbers from evaluators compiled once
(:func:`symparams.evaluators.evaluator`, the sweep path), checked equal.
"""

from __future__ import annotations

import json
import time
import warnings

from _timing import best_of

BATCH, SEQ = 1, 512
#: an encoder-decoder's encoder reads S_ENC tokens, its decoder SEQ
S_ENC = 512


def _lengths(m) -> dict:
    return {"s_enc": S_ENC} if m.architecture.is_encoder_decoder else {}


def _presets() -> dict[str, tuple[str, dict | None]]:
    """``{preset name: (kind, HF config dict)}``; kind is "hf", "gpt2" or "gpt2-shapes"."""
    from symparams.presets import PRESETS

    out: dict[str, tuple[str, dict | None]] = {}
    for name, p in sorted(PRESETS.items()):
        if p.architecture in ("bert", "t5"):  # encoders: no causal-LM forward over SEQ tokens to time here
            continue
        v = p.values
        cfg = {"model_type": "gpt2", "n_layer": v["l"], "n_embd": v["h"], "n_head": v["a"],
               "vocab_size": v["V"], "n_positions": v["s_max"]}
        out[name] = ("gpt2" if p.architecture == "gpt2" else "gpt2-shapes", cfg)
    try:
        from symparams.hf.presets import HF_PRESETS
    except ImportError:
        return out
    for name, p in sorted(HF_PRESETS.items()):
        out[name] = ("hf", json.loads(p.path.read_text()))
    return out


def _symparams(name: str) -> tuple[int, int, int]:
    from symparams.presets import model
    from symparams.units import dtype_bytes

    m = model(name)
    kv = m.kv_cache_bytes(batch=BATCH, tokens=SEQ, dtype="fp32", **_lengths(m)) // int(dtype_bytes("fp32"))
    return m.params.total, m.forward_flops(batch=BATCH, seq=SEQ, **_lengths(m)).total, kv


def _compiled(name: str):
    """``() -> (params, FLOPs, KV elements)`` from evaluators compiled once (the sweep path)."""
    from symparams.evaluators import evaluator
    from symparams.presets import model
    from symparams.symbols import s as _s
    from symparams.units import dtype_bytes

    m = model(name)
    arch = m.architecture
    sizes = m.workload(BATCH, SEQ, **_lengths(m))
    evs = [evaluator(arch.params()), evaluator(arch.forward_flops()), evaluator(arch.kv_cache(dtype="fp32", tokens=_s))]
    per = int(dtype_bytes("fp32"))

    def run():
        p, f, kv = (ev.exact(sizes) for ev in evs)
        return p, f, kv // per

    return run


def _oracle(cfg: dict) -> tuple[int, int, int]:
    import symparams
    from symparams.testing.oracle import hf_forward_flops, hf_kv_cache_elements, hf_param_count

    lengths = _lengths(symparams.from_hf_config(cfg))
    return (hf_param_count(cfg), hf_forward_flops(cfg, BATCH, SEQ, **lengths),
            hf_kv_cache_elements(cfg, BATCH, SEQ, **lengths))


def run(limit: int | None = None) -> dict:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"oracle needs torch + transformers (extra 'oracle'): {exc}"}
    warnings.filterwarnings("ignore")
    presets = _presets()
    warm = presets["gpt2"][1]
    if limit:
        presets = dict(list(presets.items())[:limit])
    _oracle(warm)  # warm-up: imports and first dispatch
    rows = {}
    for name, (kind, cfg) in presets.items():
        try:
            ours = _symparams(name)
        except Exception as exc:  # a preset another module cannot build yet
            rows[name] = {"kind": kind, "error": f"symparams: {type(exc).__name__}: {exc}"}
            continue
        t_ours = best_of(lambda: _symparams(name), repeat=5, number=3)
        try:
            compiled = _compiled(name)
            same = compiled() == ours
            t_compiled = best_of(compiled, repeat=5, number=20)
        except (TypeError, ValueError) as exc:  # a formula that is not a rational function (e.g. min(s, w))
            same, t_compiled = f"{type(exc).__name__}: {exc}"[:80], None
        start = time.perf_counter()
        try:
            theirs = _oracle(cfg)
        except Exception as exc:
            rows[name] = {"kind": kind, "error": f"oracle: {type(exc).__name__}: {exc}"}
            continue
        t_oracle = time.perf_counter() - start
        rows[name] = {
            "kind": kind,
            "symparams_s": t_ours,
            "oracle_s": t_oracle,
            "speedup": t_oracle / t_ours,
            "compiled_s": t_compiled,
            "compiled_speedup": t_oracle / t_compiled if t_compiled else None,
            "compiled_same": same,
            "agree": {"params": ours[0] == theirs[0], "flops": ours[1] == theirs[1], "kv": ours[2] == theirs[2]}
            if kind != "gpt2-shapes" else None,
        }
    timed = [r for r in rows.values() if "speedup" in r]
    return {
        "batch": BATCH,
        "seq": SEQ,
        "presets": rows,
        "min_speedup": min(r["speedup"] for r in timed) if timed else None,
        "median_speedup": sorted(r["speedup"] for r in timed)[len(timed) // 2] if timed else None,
        "min_compiled_speedup": min((r["compiled_speedup"] for r in timed if r["compiled_speedup"]), default=None),
        "all_agree": all(all(r["agree"].values()) for r in timed if r["agree"] is not None),
    }
