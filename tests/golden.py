"""Golden outputs: what the command line prints for every preset, and what every plot draws.

``fixtures/golden.json.gz`` holds, for each preset and bundled Hugging Face config, the JSON of
``count`` (the default workload, and batch-2 ones under masked-pair / elementwise, Kaplan / 18-byte /
selective-recompute / MAC, and PaLM / full-recompute / causal-half / fp32 conventions), of ``compare``
under two conventions, of ``derive`` for every cost, and of ``formula`` for each architecture; each
error the command gives instead (its stderr line); each component's own tables (tensors, matmuls and
their backward, saved tensors, op outputs, elementwise FLOPs, KV cache); the classic GPT's saved-tensor
tables; the message of every refused variant of the mutation record; and, for each plot, the data its figure holds (titles, labels, scales, every line's and bar's
numbers, colours and styles, every text). ``tests/reports/test_golden.py`` and
``tests/studies/test_plot_golden.py`` recompute them and compare, so a change in any name, note,
formula, number or drawing shows up as a diff.

The counts themselves are checked against transformers and independent counts elsewhere; this file
pins everything the user reads around them. After a deliberate change of the output, remake it::

    python tests/golden.py            # rewrites tests/fixtures/golden.json.gz (needs matplotlib)
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import math
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parent / "fixtures" / "golden.json.gz"
COSTS = ("params", "flops", "memory", "training", "inference", "parallel")


def model_names() -> list[str]:
    from symparams.hf.presets import HF_PRESETS
    from symparams.presets import PRESETS

    return sorted(set(PRESETS) | set(HF_PRESETS))


def architecture_names() -> list[str]:
    from symparams.families import ARCHITECTURES

    return sorted(ARCHITECTURES)


def run(args: list[str]):
    """The command's JSON (without its ``version`` field), or ``"exit N: <stderr>"``."""
    from symparams.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code
    if code != 0:
        return f"exit {code}: {err.getvalue()}"
    text = out.getvalue()
    try:
        objs = [json.loads(text)]
    except json.JSONDecodeError:  # several models: one object per line
        objs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for obj in objs:
        obj.pop("version", None)
    return objs[0] if len(objs) == 1 else objs


def commands(name: str) -> list[list[str]]:
    import symparams

    enc_dec = symparams.model(name).architecture.is_encoder_decoder
    lengths = ["--batch", "2", "--seq", "64", *(["--decoder-seq", "16"] if enc_dec else [])]
    return [["count", name, "--json"],
            ["count", name, "--json", "--convention", "with-elementwise", "--causal", "exact", *lengths],
            ["count", name, "--json", "--convention", "kaplan,mixed-18,selective-recompute,kv-no-x2,macs", *lengths],
            ["count", name, "--json", "--convention", "palm,full-recompute,causal-half", "--dtype", "fp32", *lengths],
            ["compare", name, "--json", "--convention", "default", "--convention", "6N", *lengths],
            *(["derive", name, "--json", "--cost", cost, "--batch", "2", "--seq", "64"] for cost in COSTS),
            ["derive", name, "--json", "--cost", "inference", "--dtype", "fp32", "--batch", "2", "--seq", "64"]]


def model_outputs(name: str) -> dict:
    return {" ".join(args): run(args) for args in commands(name)}


def formula_outputs(name: str) -> dict:
    return {" ".join(args): run(args) for args in (["formula", name, "--json"], ["formula", name, "--json", "--leading"])}


def _act(a) -> list:
    return [a.name, str(a.numel), a.role, a.split, bool(a.quadratic)]


def _mm(mm) -> list:
    return [mm.name, str(mm.m), str(mm.k), str(mm.n), str(mm.count), mm.kind, str(mm.pairs)]


def component_tables(name: str) -> list:
    """Each distinct component of the model (and of its head model): what it says of its own shapes and costs,
    as strings of SymPy expressions: tensors, matmuls (and their backward), saved tensors with and without
    dropout, op outputs, elementwise FLOPs, KV-cache elements."""
    import symparams
    from symparams.symbols import b, s

    arch = symparams.model(name).architecture
    seen, out = set(), []
    for a in (arch, arch.head_model) if arch.head_model is not None else (arch,):
        for c, _ in a.parts():
            if repr(c) in seen:
                continue
            seen.add(repr(c))
            out.append({
                "component": repr(c), "label": getattr(c, "label", None),
                "tensors": [[t.name, [str(d) for d in t.shape], t.trainable] for t in c.tensors()],
                "matmuls": [[_mm(mm), *map(_mm, mm.backward())] for mm in c.matmuls(b, s)],
                "saved": [_act(x) for x in c.saved_activations(b, s)],
                "saved without dropout": [_act(x) for x in c.saved_activations(b, s, dropout=False)],
                "op outputs": [_act(x) for x in c.op_outputs(b, s)],
                "elementwise": str(c.elementwise_flops(b, s)), "kv cache": str(c.kv_cache_elements(b, s)),
            })
    return out


def saved_tensor_tables() -> dict:
    """``saved_tensors`` (eager PyTorch autograd, the classic GPT only) under each option."""
    from symparams.costs.saved_tensors import saved_tensors
    from symparams.families import architecture

    out = {}
    for name in ("gpt2", "gpt-classic"):
        arch = architecture(name)
        for dropout in (True, False):
            for loss in (True, False):
                bd = saved_tensors(arch, dtype="fp32", stats_dtype="fp32", dropout=dropout, loss=loss)
                out[f"{name} dropout={dropout} loss={loss}"] = {
                    "convention": bd.convention, "total": str(bd.total),
                    "pieces": [[p.key, p.label, str(p.expr)] for p in bd.pieces]}
    return out


def refusals() -> dict:
    """symparams' message for every variant of the mutation record it refuses."""
    from symparams.errors import SymparamsError
    from symparams.hf import from_hf_config

    out = {}
    for v in json.loads(gzip.decompress((PATH.parent / "mutation_variants.json.gz").read_bytes()))["variants"]:
        try:
            from_hf_config(v["config"])
        except SymparamsError as exc:
            out[v["label"]] = str(exc)
    return out


def _number(x):
    x = float(x)
    return x if math.isinf(x) or math.isnan(x) or x == 0 else float(f"{x:.10g}")


def _numbers(values) -> list:
    return [_number(v) for v in values]


def figure_data(fig) -> list[dict]:
    """What a matplotlib figure draws, as plain data (floats to 10 significant digits)."""
    from matplotlib.colors import to_hex

    axes = []
    for ax in fig.axes:
        legend = ax.get_legend()
        axes.append({
            "title": ax.get_title(), "title size": _number(ax.title.get_fontsize()),
            "figure size": _numbers(fig.get_size_inches()), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "xscale": ax.get_xscale(), "yscale": ax.get_yscale(),
            "xlim": _numbers(ax.get_xlim()), "ylim": _numbers(ax.get_ylim()),
            "xticks": _numbers(ax.get_xticks()), "xticklabels": [t.get_text() for t in ax.get_xticklabels()],
            "legend": [t.get_text() for t in legend.get_texts()] if legend else None,
            "lines": [{"label": ln.get_label(), "x": _numbers(ln.get_xdata()), "y": _numbers(ln.get_ydata()),
                       "color": to_hex(ln.get_color()), "style": ln.get_linestyle(),
                       "width": _number(ln.get_linewidth()), "marker": str(ln.get_marker())}
                      for ln in ax.get_lines()],
            "patches": [{"xy": _numbers(p.get_xy()), "width": _number(p.get_width()),
                         "height": _number(p.get_height()), "color": to_hex(p.get_facecolor()),
                         "label": p.get_label()}
                        for p in ax.patches if hasattr(p, "get_width")],
            "texts": [{"text": t.get_text(), "xy": _numbers(t.get_position()), "size": _number(t.get_fontsize()),
                       "align": [t.get_ha(), t.get_va()], "color": to_hex(t.get_color())} for t in ax.texts],
            "legend title": None if legend is None else [legend.get_title().get_text(),
                                                         _number(legend.get_title().get_fontsize())],
            "collections": [{"label": c.get_label(), "alpha": c.get_alpha()} for c in ax.collections],
            "suptitle": None if fig._suptitle is None else [fig._suptitle.get_text(),
                                                            _number(fig._suptitle.get_fontsize())],
        })
    return axes


PLOTS = {
    "flop_share_vs_size": {}, "flop_share_vs_context": {}, "memory_vs_batch": {},
    "memory_vs_batch inference": {"mode": "inference"}, "memory_vs_batch small device": {"device_gb": 40.0}, "params_vs_shape": {},
    "params_vs_shape two": {"models": ("cs336-gpt2-small", "llama-2-7b")}, "memory_vs_model_parallel": {},
    "tokens_vs_batch": {},
}


def plot_outputs() -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from symparams.studies import plot

    out = {}
    for key, kwargs in PLOTS.items():
        fig = getattr(plot, key.split()[0])(**kwargs)
        out[key] = figure_data(fig)
        plt.close(fig)
    return out


def first_difference(ours, theirs, path="") -> str | None:
    """Where two JSON values first differ, and how (None when equal)."""
    if type(ours) is not type(theirs):
        return f"{path or '/'}: {ours!r:.300} != {theirs!r:.300}"
    if isinstance(ours, dict):
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours or key not in theirs:
                return f"{path}/{key}: only in {'the output' if key in ours else 'the golden record'}"
            found = first_difference(ours[key], theirs[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(ours, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items != {len(theirs)} in the golden record"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if ours == theirs else f"{path or '/'}: {ours!r:.300} != {theirs!r:.300} (golden)"


def load() -> dict:
    return json.loads(gzip.decompress(PATH.read_bytes()))


def main() -> None:
    data = {"models": {name: model_outputs(name) for name in model_names()},
            "components": {name: component_tables(name) for name in model_names()},
            "saved tensors": saved_tensor_tables(), "refusals": refusals(),
            "formulas": {name: formula_outputs(name) for name in architecture_names()},
            "plots": plot_outputs()}
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    PATH.write_bytes(gzip.compress(raw, mtime=0))
    print(f"wrote {PATH} ({len(raw):,} bytes of JSON, {PATH.stat().st_size:,} gzipped)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
