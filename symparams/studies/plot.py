"""Plots of exact costs (extra ``plot``: matplotlib, imported only when a plot is drawn).

Each plot function returns a matplotlib ``Figure`` (it shows in Jupyter) and
writes a PNG when given ``path``. The numbers behind them are plain functions
that need no matplotlib:

>>> shares = flop_shares(__import__("symparams").model("cs336-gpt2-xl"))
>>> sorted(shares)
['attention (s² products)', 'attention projections', 'feed-forward', 'output head']
>>> sum(shares.values())
Fraction(1, 1)
>>> round(float(shares["feed-forward"]), 4)
0.6691
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from symparams.errors import OptionError, SymparamsError
from symparams.options import choose
from symparams.studies.accounting import SIZES
from symparams.studies.analysis import flop_shares

__all__ = [
    "PLOTS", "flop_share_vs_size", "flop_share_vs_context", "memory_by_batch", "memory_bytes",
    "memory_vs_batch", "params_vs_shape", "plot_cli", "PlotUnavailableError", "memory_by_model_parallel",
    "memory_vs_model_parallel", "tokens_vs_batch",
]

CONTEXTS = (256, 512, 1024, 2048, 4096, 8192, 16384)
_COLORS = {"attention projections": "#4C72B0", "attention (s² products)": "#8172B3",
           "feed-forward": "#55A868", "output head": "#C44E52"}


class PlotUnavailableError(ImportError, SymparamsError):
    """matplotlib is not installed (install the extra: ``pip install symparams[plot]``)."""


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailableError(
            "plots need matplotlib, which is not installed; fix: pip install 'symparams[plot]'"
        ) from None
    if "matplotlib.pyplot" not in __import__("sys").modules and not _in_notebook():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _in_notebook() -> bool:
    import sys

    return "ipykernel" in sys.modules


def _figure(plt, **kwargs):
    """A figure that is not kept by pyplot (no duplicate display in Jupyter)."""
    fig = plt.figure(**kwargs)
    plt.close(fig)
    return fig


def _save(fig, path):
    if path is not None:
        fig.savefig(Path(path), dpi=130, bbox_inches="tight")
    return fig


def _models(models):
    from symparams.models import Model
    from symparams.presets import model

    return [m if isinstance(m, Model) else model(m) for m in models]


def _stacked_bars(ax, xs, shares_list, xlabel):
    groups = list(dict.fromkeys(g for shares in shares_list for g in shares))
    bottom = [0.0] * len(xs)
    positions = range(len(xs))
    for g in groups:
        heights = [100 * float(shares.get(g, 0)) for shares in shares_list]
        bars = ax.bar(positions, heights, bottom=bottom, label=g, color=_COLORS.get(g))
        for bar, hgt, base in zip(bars, heights, bottom):
            if hgt >= 3:
                ax.text(bar.get_x() + bar.get_width() / 2, base + hgt / 2, f"{hgt:.1f}%",
                        ha="center", va="center", fontsize=8, color="white")
        bottom = [b + hh for b, hh in zip(bottom, heights)]
    ax.set_xticks(list(positions), [str(x) for x in xs])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of forward FLOPs (%)")
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)


def flop_share_vs_size(models=SIZES, *, seq: int | None = None, path=None):
    """Stacked bars: FLOP share per component for each model (GPT-2 small … XL by default)."""
    plt = _pyplot()
    ms = _models(models)
    shares = [flop_shares(m, seq=seq) for m in ms]
    fig = _figure(plt, figsize=(8, 4.2))
    ax = fig.add_subplot()
    _stacked_bars(ax, [m.name for m in ms], shares, "model")
    ctx = f"s = {seq:,}" if seq else "s = context length"
    ax.set_title(f"Forward FLOPs by component ({ctx}, FlopCounterMode convention)", fontsize=10)
    return _save(fig, path)


def flop_share_vs_context(model="cs336-gpt2-xl", *, seqs=CONTEXTS, path=None):
    """Stacked bars: FLOP share per component as the context grows (the CS336 question)."""
    plt = _pyplot()
    (m,) = _models([model])
    shares = [flop_shares(m, seq=s) for s in seqs]
    fig = _figure(plt, figsize=(8, 4.2))
    ax = fig.add_subplot()
    _stacked_bars(ax, [f"{s:,}" for s in seqs], shares, "context length s (tokens)")
    ax.set_title(f"{m.name}: forward FLOPs by component vs context length", fontsize=10)
    return _save(fig, path)


def memory_by_batch(m, batches, *, seq: int | None = None, mode: str = "training", dtype: str = "bf16",
                    **options) -> dict[str, list[int]]:
    """Bytes per memory piece for each batch size (exact ints).

    ``mode="training"``: the pieces of :meth:`Model.training_memory` (weights,
    gradients, optimizer state, activations; ``options`` go to it, e.g.
    ``recipe="fp32"``). ``mode="inference"``: the weights in ``dtype`` and the
    KV cache of ``seq`` tokens per sequence.
    """
    bd = memory_bytes(m, mode=mode, dtype=dtype, **options)
    out: dict[str, list[int]] = {}
    for i, b in enumerate(batches):
        ev = m.evaluate(bd, b, seq)
        for p in bd.pieces:
            out.setdefault(p.label, [0] * len(batches))[i] += ev.value(bd.contribution(p))
    return out


def memory_bytes(m, *, mode: str = "training", dtype: str = "bf16", **options):
    """The symbolic memory :func:`memory_by_batch` draws: ``mode="training"``: AdamW training memory
    (weights, gradients, optimizer state, activations; ``options`` go to
    :func:`~symparams.costs.training.training_memory`); ``mode="inference"``: the weights in ``dtype``
    and the KV cache of ``s`` tokens per sequence."""
    from symparams.breakdown import Breakdown, Piece
    from symparams.costs.training import training_memory
    from symparams.symbols import s
    from symparams.units import dtype_bytes

    choose("mode", mode, ("training", "inference"))
    if mode == "inference":
        weights = Piece("weights", f"weights ({dtype})", m.architecture.params().total * dtype_bytes(dtype))
        cache = Piece("kv_cache", "KV cache", m.architecture.kv_cache(dtype=dtype, tokens=s).total)
        return Breakdown("inference memory", "bytes", (weights, cache))
    options.setdefault("activations", {"dtype": dtype})
    return training_memory(m.architecture, **options)


def memory_vs_batch(model="cs336-gpt2-xl", *, batches=None, seq: int | None = None, mode: str = "training",
                    dtype: str = "bf16", device_gb: float = 80.0, path=None, **options):
    """Stacked memory against batch size, with a horizontal line at the device memory (GB = 10⁹ bytes).

    The largest batch that fits is found exactly and marked; the default
    batch sizes are the powers of two up to twice it (1 to 8 when not even one
    sequence fits, which the title then says).
    """
    plt = _pyplot()
    (m,) = _models([model])
    device = int(Fraction(repr(device_gb)) * 10**9)  # the decimal as written: 0.1 GB is 10**8 bytes
    from symparams.studies.analysis import largest_fitting
    from symparams.symbols import b

    memory = memory_bytes(m, mode=mode, dtype=dtype, **options).total
    best = largest_fitting(memory, device, b, m.workload(1, seq))
    if batches is None:
        top = max(best * 2, 8 if best == 0 else 2)
        batches = list(range(1, top + 1)) if top <= 16 else [2**i for i in range(top.bit_length())]
    batches = list(batches)
    linear = batches == list(range(batches[0], batches[-1] + 1))
    parts = memory_by_batch(m, batches, seq=seq, mode=mode, dtype=dtype, **options)
    fig = _figure(plt, figsize=(8, 4.2))
    ax = fig.add_subplot()
    ax.stackplot(batches, *[[v / 1e9 for v in vals] for vals in parts.values()], labels=list(parts), alpha=0.85)
    ax.axhline(device_gb, color="black", linestyle="--", linewidth=1, label=f"device memory ({device_gb:g} GB)")
    if best:
        ax.axvline(best, color="grey", linestyle=":", linewidth=1.2, label=f"largest batch that fits: {best:,}")
    if not linear:
        ax.set_xscale("log", base=2)
    _plain_ticks(ax, batches)
    ax.set_xlabel("batch size b (sequences)")
    ax.set_ylabel("memory (GB = 10⁹ bytes)")
    s = seq or m.default_seq()
    what = "training memory (AdamW)" if mode == "training" else "inference memory"
    title = f"{m.name}: {what} vs batch size (s = {s:,}, {dtype})"
    if best == 0:
        title += f"\nnot even b = 1 fits in {device_gb:g} GB: shard (ZeRO, tensor parallel) or recompute"
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_ylim(0, max(device_gb * 1.15, ax.get_ylim()[1]))
    return _save(fig, path)


def _plain_ticks(ax, xs):
    from matplotlib.ticker import NullFormatter

    ax.set_xticks(list(xs), [f"{x:,}" for x in xs])
    ax.xaxis.set_minor_formatter(NullFormatter())


def _scaled(m, **changes) -> dict:
    """The model's sizes with some changed; ``h`` keeps ``d_ff/h`` when ``d_ff`` is a size."""
    from symparams.symbols import d_ff, h

    values = {sym.name: v for sym, v in m.values.items()}
    if "h" in changes and d_ff in m.values:
        ratio = Fraction(m.values[d_ff], m.values[h])
        values["d_ff"] = int(ratio * changes["h"])
    values.update(changes)
    return values


def params_vs_shape(models=("cs336-gpt2-xl",), *, layers=None, widths=None, path=None):
    """Two panels: parameters vs layers ``l`` (width fixed) and vs width ``h`` (depth fixed).

    Dashed lines are the leading-order forms, so the gap shows what the
    lower-order terms (biases, norms, embeddings) are worth.
    """
    from symparams.algebra import leading_order
    from symparams.values import evaluate, normalize_values

    plt = _pyplot()
    ms = _models(models)
    layers = list(layers or [4, 8, 12, 16, 24, 32, 48, 64, 96])
    widths = list(widths or [256, 512, 1024, 2048, 4096, 8192])
    fig = _figure(plt, figsize=(10, 4))
    axes = fig.subplots(1, 2)
    for m in ms:
        total = m.architecture.params().total
        lead = leading_order(total)
        for ax, sym, xs in ((axes[0], "l", layers), (axes[1], "h", widths)):
            exact = [evaluate(total, normalize_values(_scaled(m, **{sym: x}))) for x in xs]
            approx = [evaluate(lead, normalize_values(_scaled(m, **{sym: x}))) for x in xs]
            (line,) = ax.plot(xs, exact, marker="o", markersize=3, label=m.name)
            ax.plot(xs, approx, linestyle="--", color=line.get_color(), linewidth=1)
    fixed = ms[0]
    axes[0].set_xlabel(f"layers l (other sizes as {fixed.name})")
    axes[1].set_xlabel("width h (d_ff/h kept)")
    for ax, xs in zip(axes, (layers, widths)):
        ax.set_xscale("log", base=2)
        _plain_ticks(ax, xs)
        ax.set_yscale("log")
        ax.set_ylabel("parameters")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].legend(fontsize=8, title="solid: exact, dashed: leading order", title_fontsize=7)
    fig.suptitle("Parameters vs depth and width", fontsize=10)
    return _save(fig, path)


def _layouts(gpus: int, gpus_per_node: int):
    """``(t, N_pp)`` for each model-parallel size ``t·N_pp`` dividing ``gpus``: tensor parallelism up
    to a node, then pipeline stages (Narayanan et al. 2021's takeaway)."""
    out = []
    for product in (p for p in range(1, gpus + 1) if gpus % p == 0):
        tp = max(d for d in range(1, min(product, gpus_per_node) + 1) if product % d == 0)
        out.append((tp, product // tp))
    return out


def memory_by_model_parallel(m, *, gpus: int = 64, gpus_per_node: int = 8, **plan) -> dict:
    """Per-device bytes of the most loaded device for each layout of :func:`_layouts` that the
    model takes: ``{"layouts": [(t, N_pp), ...], "weights": [...], "gradients": [...],
    "optimizer": [...], "activations": [...], "total": [...]}`` (exact ints). ``plan`` are the
    other fields of :class:`~symparams.studies.plan.TrainingPlan`.

    >>> data = memory_by_model_parallel(__import__("symparams").model("llama-2-7b"), gpus=8, seq=4096,
    ...                                 global_batch=64, recompute="selective")
    >>> data["layouts"]
    [(1, 1), (2, 1), (4, 1), (8, 1)]
    >>> data["total"][0] > data["total"][-1]
    True
    """
    from symparams.errors import OptionError as _OptionError
    from symparams.studies.plan import TrainingPlan, estimate

    out: dict = {"layouts": [], "weights": [], "gradients": [], "optimizer": [], "activations": [], "total": []}
    for tp, pp in _layouts(gpus, gpus_per_node):
        try:
            est = estimate(m, TrainingPlan(gpus=gpus, tp=tp, pp=pp, **plan))
        except _OptionError:  # a layout the shapes or the batch cannot take
            continue
        out["layouts"].append((tp, pp))
        for key, value in est.memory_bytes().items():
            out[key].append(value)
    return out


def memory_vs_model_parallel(model="llama-2-7b", *, gpus: int = 64, seq: int | None = None,
                             device_gb: float = 80.0, gpus_per_node: int = 8, path=None, **plan):
    """Stacked per-device memory (weights, gradients, optimizer state, activations) against the
    model-parallel size ``t × N_pp`` on ``gpus`` devices, with the device memory as a line.

    Defaults: ZeRO 1, selective recomputation, a global batch of 512 sequences (``plan`` overrides
    them; e.g. ``zero=0``, ``recompute="full"``, ``global_batch=1024``).
    """
    plt = _pyplot()
    (m,) = _models([model])
    plan = {"zero": 1, "recompute": "selective", "global_batch": 512, **plan}
    data = memory_by_model_parallel(m, gpus=gpus, gpus_per_node=gpus_per_node, seq=seq, **plan)
    if not data["layouts"]:
        raise OptionError(f"{m.name} takes none of the layouts of {gpus} GPUs with these options")
    xs = list(range(len(data["layouts"])))
    fig = _figure(plt, figsize=(8, 4.2))
    ax = fig.add_subplot()
    keys = ("weights", "gradients", "optimizer", "activations")
    ax.stackplot(xs, *[[v / 1e9 for v in data[k]] for k in keys], labels=[f"{k}" for k in keys], alpha=0.85)
    ax.axhline(device_gb, color="black", linestyle="--", linewidth=1, label=f"device memory ({device_gb:g} GB)")
    ax.set_xticks(xs, [f"{tp}×{pp}" for tp, pp in data["layouts"]])
    ax.set_xlabel(f"model parallel t × N_pp (data parallel = {gpus} / (t·N_pp))")
    ax.set_ylabel("memory per device (GB = 10⁹ bytes)")
    s = seq or m.default_seq()
    ax.set_title(f"{m.name} on {gpus} GPUs: most loaded device vs t × N_pp (s = {s:,}, ZeRO {plan['zero']}, "
                 f"recompute {plan['recompute']}, B = {plan['global_batch']:,})", fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, path)


SERVING_DEVICES = ("l40s", "a100-80gb", "h100-sxm", "h200", "mi300x", "b200")


def tokens_vs_batch(model="gpt2-xl", *, devices=SERVING_DEVICES, prompt: int = 1024, gen: int = 256,
                    batches=None, setup=None, path=None):
    """Decode throughput (tokens/s, the roofline of :mod:`symparams.studies.serving`) against batch
    size, one line per device; each line stops at the largest batch that fits that device's memory
    (marked), and turns flat where the step is compute-bound."""
    from symparams.studies.inference import Setup
    from symparams.studies.serving import throughput_by_batch

    plt = _pyplot()
    (m,) = _models([model])
    setup = setup or Setup()
    batches = list(batches or [2**i for i in range(11)])
    fig = _figure(plt, figsize=(8, 4.4))
    ax = fig.add_subplot()
    for name in devices:
        data = throughput_by_batch(m, name, batches, prompt=prompt, gen=gen, setup=setup)
        fits = [(b, r) for b, r in zip(batches, data["tokens_per_second"]) if b <= data["max_batch"]]
        if not fits:
            continue
        if fits[-1][0] != data["max_batch"]:  # the largest batch that fits, itself
            top = throughput_by_batch(m, name, [data["max_batch"]], prompt=prompt, gen=gen, setup=setup)
            fits.append((data["max_batch"], top["tokens_per_second"][0]))
        (line,) = ax.plot([b for b, _ in fits], [float(r) for _, r in fits], marker="o", markersize=3,
                          label=f"{name} (fits up to b = {data['max_batch']:,})")
        ax.plot([fits[-1][0]], [float(fits[-1][1])], marker="s", color=line.get_color())
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    _plain_ticks(ax, batches)
    ax.set_xlabel("batch size b (sequences decoded together)")
    ax.set_ylabel("decode throughput (tokens/s)")
    ax.set_title(f"{m.name}: decode tokens/s vs batch (prompt {prompt:,} + {gen:,} generated, "
                 f"{setup.weights.name} weights, {setup.kv_dtype} KV cache; roofline)", fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


PLOTS = {
    "flop-share-size": lambda models, **kw: flop_share_vs_size(models, seq=kw["seq"], path=kw["path"]),
    "flop-share-context": lambda models, **kw: flop_share_vs_context(*_one(models), path=kw["path"]),
    "memory-batch": lambda models, **kw: memory_vs_batch(*_one(models), seq=kw["seq"],
                                                         device_gb=kw["device_gb"], path=kw["path"]),
    "params-shape": lambda models, **kw: params_vs_shape(models, path=kw["path"]),
    "memory-parallel": lambda models, **kw: memory_vs_model_parallel(*_one(models), seq=kw["seq"],
                                                                     device_gb=kw["device_gb"], path=kw["path"]),
    "tokens-batch": lambda models, **kw: tokens_vs_batch(*_one(models), prompt=kw["seq"] or 1024, path=kw["path"]),
}


def _one(models):
    if len(models) != 1:
        raise OptionError(f"this plot takes one model, got {len(models)}: {', '.join(models)}")
    return models


def plot_cli(kind: str, models, output, *, seq=None, device_gb: float = 80.0) -> str:
    """What ``symparams plot KIND MODEL… -o out.png`` does; returns the line to print."""
    choose("plot kind", kind, PLOTS)(list(models), seq=seq, device_gb=device_gb, path=output)
    return f"wrote {output}"
