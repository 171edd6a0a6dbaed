"""The ``symparams`` command line.

Commands: ``derive MODEL`` (derivation table), ``count MODEL --json`` (exact
numbers), ``formula ARCH --json`` (symbolic costs), ``plot KIND MODEL… -o PNG``, ``compare MODEL --convention A --convention B``, ``list``. Errors go to
stderr as one line with exit code 2; nothing is printed on stdout then.
"""

from __future__ import annotations

import argparse
import json
import sys

from symparams.errors import SymparamsError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, nothing on stdout
        sys.stderr.write(f"symparams: error: {message}; see '{self.prog} --help'\n")
        raise SystemExit(2)


def _positive_int(text: str) -> int:
    """An argparse type: a positive integer written in decimal digits (``8``, not ``8.0`` or ``0``)."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer (expected e.g. 8)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer (expected 1 or more)")
    return value


def _positive_float(text: str) -> float:
    """An argparse type: a positive, finite number (``80``, ``40.5``)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (expected e.g. 80)") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number (expected e.g. 80)")
    return value


def _os_error(exc: OSError) -> str:
    """One line for an OS error: the path, what went wrong, what is expected."""
    if exc.filename is None:
        return str(exc)
    reason = exc.strerror or type(exc).__name__
    return f"{exc.filename}: cannot read ({reason}); expected a path to a config.json or a folder holding one"


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="symparams", description="Closed-form transformer costs, exact.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("derive", help="derivation table: piece | formula | value")
    d.add_argument("model", help="preset name or path to a config.json")
    d.add_argument("--latex", action="store_true", help="LaTeX instead of Markdown")
    d.add_argument("--format", choices=("md", "latex", "html"), default=None, help="output format (default md)")
    d.add_argument("--cost", default="params", help="which cost to derive: params, flops, memory or training")
    d.add_argument("--dtype", default=None,
                   help="dtype of the cost (KV cache, ...); for params the weights line (default fp32)")
    d.add_argument("--batch", type=_positive_int, default=1, help="batch size b (default 1)")
    d.add_argument("--seq", type=_positive_int, default=None, help="sequence length s (default: context length)")
    d.add_argument("--style", default="aligned", help="LaTeX layout: aligned, align* or dollars ($$ per row)")
    d.add_argument("--tags", action="store_true", help="number the LaTeX rows with \\tag")
    d.add_argument("--grouping", default="comma", help="digit grouping of big numbers: comma, thin or none")

    pl = sub.add_parser("plot", help="write a plot as PNG (needs matplotlib: extra 'plot')")
    pl.add_argument("kind", help="flop-share-size, flop-share-context, memory-batch or params-shape")
    pl.add_argument("models", nargs="+", help="preset names or config.json paths")
    pl.add_argument("-o", "--output", required=True, help="PNG file to write")
    pl.add_argument("--seq", type=_positive_int, default=None, help="sequence length s (default: context length)")
    pl.add_argument("--device-gb", type=_positive_float, default=80.0, help="device memory line in GB (memory-batch)")

    c = sub.add_parser("count", help="exact counts of one model")
    c.add_argument("model", help="preset name or path to a config.json")
    c.add_argument("--json", action="store_true", help="one JSON object on stdout")
    c.add_argument("--batch", type=_positive_int, default=1, help="batch size b (default 1)")
    c.add_argument("--seq", type=_positive_int, default=None, help="sequence length s (default: context length)")
    c.add_argument("--dtype", default="bf16", choices=("bf16", "fp16", "fp32"),
                   help="dtype of weights, KV cache and activations: bf16, fp16 or fp32 (default bf16)")
    c.add_argument("--convention", default=None,
                   help="FLOP convention spec, e.g. 'macs', 'causal-half', 'palm', 'mac=1,causal=exact'")
    c.add_argument("--causal", choices=("full", "half", "exact", "window"), default=None,
                   help="fraction of the s×s attention products counted (default full)")
    c.add_argument("--window", type=_positive_int, default=None, help="sliding-window size w for --causal window")

    cm = sub.add_parser("compare", help="two conventions side by side: formula, value, difference")
    cm.add_argument("model", help="preset name or path to a config.json")
    cm.add_argument("--convention", action="append", required=True,
                    help="convention spec (give exactly two), e.g. default, causal-half, macs, 6N, "
                         "kaplan, palm, mixed-18, kv-no-x2, or key=value items")
    cm.add_argument("--batch", type=_positive_int, default=1, help="batch size b (default 1)")
    cm.add_argument("--seq", type=_positive_int, default=None, help="sequence length s (default: context length)")
    cm.add_argument("--window", type=_positive_int, default=None, help="sliding-window size w (causal=window)")
    cm.add_argument("--json", action="store_true", help="one JSON object on stdout")

    f = sub.add_parser("formula", help="symbolic costs of an architecture")
    f.add_argument("arch", help="architecture name (or a preset / config.json: its architecture)")
    f.add_argument("--json", action="store_true", help="one JSON object on stdout")
    f.add_argument("--leading", action="store_true", help="leading-order forms")
    f.add_argument("--latex", action="store_true", help="LaTeX instead of SymPy str()")

    sub.add_parser("list", help="presets and architectures")
    return p


def _count(args) -> str:
    from symparams.count import count_json

    spec = args.convention
    if args.causal is not None:
        spec = ",".join(filter(None, (spec, f"causal={args.causal}")))
    data = count_json(args.model, batch=args.batch, seq=args.seq, dtype=args.dtype,
                      convention=spec, window=args.window)
    if args.json:
        return json.dumps(data, indent=2)
    from symparams.count import count_text

    return count_text(data)


def _compare(args) -> str:
    from symparams.count import compare_json
    from symparams.errors import ConventionError

    if len(args.convention) != 2:
        raise ConventionError(f"compare needs exactly two --convention options, got {len(args.convention)}")
    data = compare_json(args.model, *args.convention, batch=args.batch, seq=args.seq, window=args.window)
    if args.json:
        return json.dumps(data, indent=2)
    wl = data["workload"]
    lines = [f"{data['model']}  (b={wl['batch']}, s={wl['seq']})",
             f"  A = {data['a']['convention']}", f"  B = {data['b']['convention']}"]
    for cost, row in data["costs"].items():
        fmt = lambda v: f"{v:,}" if isinstance(v, int) else v  # noqa: E731
        unit = "bytes" if cost.endswith("bytes") else "FLOPs" if "flops" in cost else "parameters"
        lines += [f"{cost} ({unit}):",
                  f"  A      {fmt(row['a_value']):>28}   {row['a']}",
                  f"  B      {fmt(row['b_value']):>28}   {row['b']}",
                  f"  A − B  {fmt(row['difference_value']):>28}   {row['difference']}"]
    return "\n".join(lines)


def _formula(args) -> str:
    from symparams.count import formula_json, formula_text

    data = formula_json(args.arch, leading=args.leading, latex=args.latex)
    if args.json:
        return json.dumps(data, indent=2)
    return formula_text(data)


def _derive(args) -> str:
    from symparams.model import model
    from symparams.report import derivation

    fmt = "latex" if args.latex else (args.format or "md")
    return derivation(model(args.model), cost=args.cost, fmt=fmt, dtype=args.dtype, batch=args.batch,
                      seq=args.seq, style=args.style, tags=args.tags, grouping=args.grouping)


def _plot(args) -> str:
    from symparams.plot import plot_cli

    return plot_cli(args.kind, args.models, args.output, seq=args.seq, device_gb=args.device_gb)


def _list(args) -> str:
    from symparams.architectures import ARCHITECTURES
    from symparams.presets import PRESETS

    lines = ["architectures: " + ", ".join(sorted(ARCHITECTURES)), "presets:"]
    lines += [f"  {name:<20} {p.architecture:<12} {p.source}" for name, p in sorted(PRESETS.items())]
    from symparams.hf import SUPPORTED_MODEL_TYPES
    from symparams.hf.presets import HF_PRESETS

    lines += ["Hugging Face configs (model_type: " + ", ".join(SUPPORTED_MODEL_TYPES) + "):"]
    lines += [f"  {name:<20} {p.path.name:<24} {p.source}" for name, p in sorted(HF_PRESETS.items())]
    return "\n".join(lines)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0, or 2 on any error)."""
    args = _build_parser().parse_args(argv)
    handler = {"count": _count, "formula": _formula, "derive": _derive, "plot": _plot, "compare": _compare, "list": _list}[args.command]
    try:
        out = handler(args)
    except SymparamsError as exc:
        sys.stderr.write(f"symparams: error: {_one_line(str(exc))}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"symparams: error: {_one_line(_os_error(exc))}\n")
        return 2
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
