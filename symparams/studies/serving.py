"""Serving one model on one device: the closed forms of :mod:`symparams.studies.inference` evaluated
exactly for a workload, as the JSON of ``symparams infer``.

Every figure is an exact number. Counts (FLOPs, bytes) are JSON integers (the
mean decode step's, a mean over the ``n`` steps, is a decimal string in the
rare case it is not whole: windowed layers). Seconds and rates have no exact
JSON form: each is a decimal string rounded to 20 significant digits, with the
exact rational beside it as ``"p/q"`` under the same key plus ``_exact`` —
computed with integers, never through a float (which would overflow or round).

>>> from symparams.presets import model
>>> r = serve(model("tests/fixtures/hf_configs/llama-2-7b.json"), "h100-sxm", batch=1, prompt=512, gen=128)
>>> r["decode"]["bound"], r["prefill"]["bound"], r["fits"]
('memory', 'compute', True)
>>> r["decode"]["tokens_per_second"]   # 3.35 TB/s over 2·6,738,415,616 weight bytes + 576.5 tokens of KV
'243.12212473179521967'

Three kinds of model (:func:`kind`), each served as it runs:

* a *decoder* (a causal LM): the prefill over the ``prompt`` and ``gen`` decode steps;
* an *encoder* (BERT, ViT): one forward over ``prompt`` tokens per sequence — no decode, no KV
  cache, so ``gen`` is refused; the result has a ``forward`` phase with sequences/s and tokens/s
  (see :mod:`symparams.studies.encoder_serving`). A model that fixes its own length (a ViT's
  ``n_p + 1`` tokens per image) takes that length and refuses another;
* an *encoder-decoder* (T5, BART), with its LM head: the prefill is the encoder over the
  ``prompt`` (``s_enc`` tokens) and the decoder's first step (its start token, ``s = 1``); the
  ``gen`` decode steps run the decoder only, its self-attention cache growing from 1 token, its
  cross-attention reading the ``s_enc`` cached tokens (:mod:`symparams.studies.seq2seq`).

>>> r = serve(model("t5-small"), "h100-sxm", prompt=512, gen=64)
>>> r["kind"], r["memory"]["kv_cache_bytes"] == 6 * 2 * 512 * 2 * (512 + 65)   # layers × K,V × h × bf16 × tokens
('encoder-decoder', True)
"""

from __future__ import annotations

from fractions import Fraction
from math import floor

from symparams.devices import device as _device
from symparams.errors import OptionError
from symparams.studies import inference as inf
from symparams.studies.inference import Setup
from symparams.studies.serving_checks import (  # noqa: F401  (re-exported: this module's public names)
    DIGITS, KINDS, _count, check_positions, check_setup, decimal, exact, kind, phase_seconds, resolve_workload, served,
    workload_values,
)
from symparams.symbols import b as _b, n as _n, s as _s, s_max as _s_max
from symparams.values import evaluate_exact

__all__ = ["serve", "decimal", "exact", "check_setup", "max_batch", "max_context", "phase_seconds",
           "throughput_by_batch", "kind", "KINDS", "served", "workload_values", "resolve_workload"]

def _values(m, batch, prompt, gen):
    return workload_values(m, batch, prompt, gen)


def _memory(m, setup):
    arch = m.architecture
    return {"weights_bytes": inf.weights_bytes(arch, setup), "kv_cache_bytes": inf.kv_bytes(arch, setup),
            "activations_bytes": inf.activation_bytes(arch, setup)}


def max_batch(m, dev, setup: Setup, *, prompt: int, gen: int) -> int:
    """The largest batch whose serving memory (weights, KV cache of ``prompt + gen`` tokens, prefill
    activations) fits the device, exactly (memory is ``α·b + β``)."""
    total = sum(_memory(m, setup).values())
    at = {k: v for k, v in workload_values(m, 1, prompt, gen).items() if k != _b}
    beta = evaluate_exact(total.xreplace({_b: 0}), at)
    alpha = evaluate_exact(total.xreplace({_b: 1}), at) - beta
    return max(0, floor((dev.memory_bytes - beta) / alpha))


def max_context(m, dev, setup: Setup, *, batch: int, gen: int, limit: int = 2**40) -> int:
    """The longest context (prompt + ``gen`` tokens) whose serving memory at ``batch`` fits the device:
    memory grows with the prompt, so the largest prompt is found by exact bisection (0 if none fits)."""
    total = sum(_memory(m, setup).values())

    from symparams.studies.analysis import largest_where

    prompt = largest_where(lambda p: evaluate_exact(total, _values(m, batch, p, gen)) <= dev.memory_bytes, limit)
    return prompt + gen if prompt else 0


def serve(m, device, *, batch: int = 1, prompt: int | None = None, gen: int | None = None, setup: Setup = Setup(),
          allow_longer: bool = False, fit: bool = False) -> dict:
    """The serving estimate of model ``m`` on ``device``: the JSON ``symparams infer`` prints (an
    encoder's: :func:`symparams.studies.encoder_serving.encode`)."""
    prompt, gen = resolve_workload(m, prompt, gen)
    if kind(m) == "encoder":
        from symparams.studies.encoder_serving import encode

        return encode(m, device, batch=batch, seq=prompt, setup=setup, allow_longer=allow_longer, fit=fit)
    dev = _device(device)
    m = served(m)
    check_setup(m, dev, setup, batch=batch, prompt=prompt, gen=gen, allow_longer=allow_longer)
    arch = m.architecture
    at = _values(m, batch, prompt, gen)
    ev = lambda e: evaluate_exact(e, at)  # noqa: E731
    pre_f, pre_b = ev(inf.prefill_flops(arch, setup.convention, last_logits=True) / setup.tp), ev(inf.prefill_bytes(arch, setup=setup))
    pre_c = ev(inf.allreduce_bytes(arch, setup, _s))
    dec_f = ev(inf.mean_decode_flops(arch, convention=setup.convention) / setup.tp)
    from symparams.studies.inference import decode_allreduce_bytes

    dec_b, dec_c = ev(inf.mean_decode_bytes(arch, setup)), ev(decode_allreduce_bytes(arch, setup))
    pre_t, pre_bound = phase_seconds(pre_f, pre_b, pre_c, dev, setup.peak_dtype)
    dec_t, dec_bound = phase_seconds(dec_f, dec_b, dec_c, dev, setup.peak_dtype)
    memory = {k: ev(v).__ceil__() for k, v in _memory(m, setup).items()}
    memory["total_bytes"] = sum(memory.values())
    sizes = {k: v for k, v in at.items() if k not in (_b, _s, _n)}
    formula = inf.critical_batch(arch, dev, sizes, setup=setup)
    bstar = formula.xreplace({_s: at[_s], _n: gen})
    critical = None if bstar.is_infinite else Fraction(int(bstar.p), int(bstar.q)).__ceil__()
    total = pre_t + gen * dec_t
    out = {
        "model": m.name,
        "device": {"name": dev.name, "title": dev.title, "dtype": setup.peak_dtype,
                   "flops_per_second": dev.flops(setup.peak_dtype), "bytes_per_second": dev.bandwidth,
                   "memory_bytes": dev.memory_bytes, "interconnect_bytes_per_second": dev.interconnect,
                   "source": dev.source},
        "setup": {"weights": setup.weights.name, "weights_format": setup.weights.describe(), "dtype": setup.dtype,
                  "kv_dtype": setup.kv_dtype, "tp": int(setup.tp), "flop_convention": setup.convention.describe()},
        "kind": kind(m),
        "workload": {"batch": batch, "prompt": prompt, "gen": gen,
                     "positions": m.values.get(_s_max)},
        "prefill": {"flops": _count(pre_f), "bytes": _count(pre_b), "communication_bytes": _count(pre_c),
                    "seconds": decimal(pre_t), "seconds_exact": exact(pre_t), "bound": pre_bound},
        "decode": {"flops_per_token": _count(dec_f), "bytes_per_token": _count(dec_b),
                   "communication_bytes_per_token": _count(dec_c),
                   "seconds_per_token": decimal(dec_t), "seconds_per_token_exact": exact(dec_t),
                   "tokens_per_second": decimal(batch / dec_t), "tokens_per_second_exact": exact(batch / dec_t),
                   "bound": dec_bound, "critical_batch": critical,
                   "critical_batch_formula": str(formula)},
        "total": {"seconds": decimal(total), "seconds_exact": exact(total)},
        "memory": memory,
        "fits": memory["total_bytes"] <= dev.memory_bytes,
        "conventions": {
            "decode": "the mean decode step (one new token in each of the b sequences), over positions "
                      "s+1 … s+n; tokens_per_second = b / seconds_per_token; critical_batch: the smallest batch "
                      "at which it is compute-bound (null: none, the KV cache outruns the ridge), "
                      "critical_batch_formula: that batch's exact root in s and n",
            "time": "max(FLOPs / peak, bytes / bandwidth) per phase, plus tensor-parallel all-reduces over "
                    "the interconnect (half its two-way figure per direction); no overlap, no kernel overheads",
            "flops": "the FLOP convention above; the prefill computes the logits of its last position only",
            "bytes": "weights read once per pass, the KV cache read and written; activations not counted",
            "memory": "per device: weights, the KV cache of prompt + gen tokens, the prefill's peak transient "
                      "activations (residual stream, widest intermediate, last logits in fp32)",
            "units": "FLOPs, bytes, FLOP/s, bytes/s; seconds as 20-digit decimals with exact rationals",
        },
    }
    if kind(m) == "encoder-decoder":
        out["workload"].update({"encoder_tokens": prompt, "decoder_tokens": 1 + gen})
        out["memory"]["kv_cache"] = _kv_split(arch, setup, at)
        out["conventions"]["encoder-decoder"] = (
            "the model with its LM head; prompt = the encoder's s_enc input tokens; the prefill runs the encoder "
            "over them and the decoder's first step (its start token, s = 1), writing the cross-attention cache of "
            "the s_enc tokens; the gen decode steps run the decoder only (positions 2 … 1 + gen: the encoder's "
            "weights are not read again), its self-attention cache growing to 1 + gen tokens, its cross-attention "
            "reading the s_enc cached ones; all-reduces: 2 per encoder layer, 3 per decoder layer (self-attention, "
            "cross-attention, MLP); fit.max_context is the longest prompt")
    if any(c.key == "moe" for c, _ in arch.parts()):
        out["conventions"]["bytes"] += ("; a mixture of experts reads every expert's weights each step, an upper "
                                        "bound while b·k < E (a token touches k of the E experts)")
    if fit and kind(m) == "encoder-decoder":
        from symparams.lengths import position_limits
        from symparams.symbols import s_enc

        by_memory = max_context(m, dev, setup, batch=batch, gen=gen) - gen  # the longest prompt
        positions = position_limits(m).get(s_enc)
        capped = by_memory if positions is None or allow_longer else min(by_memory, positions)
        out["fit"] = {"max_batch": max_batch(m, dev, setup, prompt=prompt, gen=gen), "max_context": capped,
                      "max_context_by_memory": by_memory}
    elif fit:
        by_memory = max_context(m, dev, setup, batch=batch, gen=gen)
        positions = m.values.get(_s_max)
        capped = by_memory if positions is None or allow_longer else min(by_memory, positions)
        out["fit"] = {"max_batch": max_batch(m, dev, setup, prompt=prompt, gen=gen), "max_context": capped,
                      "max_context_by_memory": by_memory}
    return out


def _kv_split(arch, setup: Setup, at) -> dict:
    """``memory.kv_cache`` of an encoder-decoder: the self-attention cache after the ``1 + gen`` decoder
    tokens and the cross-attention cache of the ``s_enc`` encoder tokens, per device, in bytes."""
    from symparams.costs.kv_cache import kv_cache_split

    split = kv_cache_split(arch, dtype=setup.kv_dtype, tokens=_s + _n, b=_b)
    return {f"{part}_bytes": (evaluate_exact(bd.total / setup.tp, at)).__ceil__() for part, bd in split.items()}


def throughput_by_batch(m, device, batches, *, prompt: int, gen: int, setup: Setup = Setup()) -> dict:
    """Decode tokens/s (exact Fractions, ``b / seconds per step``) for each batch size, and the largest
    batch that fits the device (``max_batch``): what ``plot tokens-batch`` draws.

    >>> from symparams.presets import model
    >>> t = throughput_by_batch(model("gpt2"), "l4", [1, 2], prompt=128, gen=128)
    >>> t["tokens_per_second"][1] > t["tokens_per_second"][0], t["max_batch"] > 2
    (True, True)
    """
    from symparams.studies.inference import decode_allreduce_bytes

    if kind(m) == "encoder":
        raise OptionError(f"{m.name} is an encoder: it does not decode, so it has no decode tokens/s by batch")
    dev = _device(device)
    m = served(m)
    arch = m.architecture
    flops = inf.mean_decode_flops(arch, convention=setup.convention) / setup.tp
    bytes_moved, comm = inf.mean_decode_bytes(arch, setup), decode_allreduce_bytes(arch, setup)
    rates = []
    for batch in batches:
        at = _values(m, batch, prompt, gen)
        step, _ = phase_seconds(evaluate_exact(flops, at), evaluate_exact(bytes_moved, at),
                                evaluate_exact(comm, at), dev, setup.peak_dtype)
        rates.append(batch / step)
    return {"tokens_per_second": rates, "max_batch": max_batch(m, dev, setup, prompt=prompt, gen=gen)}
