"""The ``symparams`` command line.

Commands: ``derive MODEL`` (derivation table), ``count MODEL --json`` (exact
numbers), ``formula ARCH --json`` (symbolic costs), ``list``. Errors go to
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
        sys.stderr.write(f"symparams: error: {message}\n")
        raise SystemExit(2)


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="symparams", description="Closed-form transformer costs, exact.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("derive", help="derivation table: piece | formula | value")
    d.add_argument("model", help="preset name or path to a config.json")
    d.add_argument("--latex", action="store_true", help="LaTeX instead of Markdown")
    d.add_argument("--format", choices=("md", "latex"), default=None, help="output format")
    d.add_argument("--cost", default="params", help="which cost to derive (params)")
    d.add_argument("--dtype", default="fp32", help="dtype of the weights line (default fp32)")

    c = sub.add_parser("count", help="exact counts of one model")
    c.add_argument("model", help="preset name or path to a config.json")
    c.add_argument("--json", action="store_true", help="one JSON object on stdout")
    c.add_argument("--batch", type=int, default=1, help="batch size b (default 1)")
    c.add_argument("--seq", type=int, default=None, help="sequence length s (default: context length)")
    c.add_argument("--dtype", default="bf16", help="dtype of KV cache and activations (default bf16)")

    f = sub.add_parser("formula", help="symbolic costs of an architecture")
    f.add_argument("arch", help="architecture name (or a preset / config.json: its architecture)")
    f.add_argument("--json", action="store_true", help="one JSON object on stdout")
    f.add_argument("--leading", action="store_true", help="leading-order forms")
    f.add_argument("--latex", action="store_true", help="LaTeX instead of SymPy str()")

    sub.add_parser("list", help="presets and architectures")
    return p


def _count(args) -> str:
    from symparams.count import count_json

    data = count_json(args.model, batch=args.batch, seq=args.seq, dtype=args.dtype)
    if args.json:
        return json.dumps(data, indent=2)
    lines = [f"{data['model']} ({data['architecture']})"]
    for key, value in data["params"].items():
        if isinstance(value, int):
            lines.append(f"  params.{key}: {value:,}")
    return "\n".join(lines)


def _formula(args) -> str:
    from symparams.count import formula_json

    data = formula_json(args.arch, leading=args.leading, latex=args.latex)
    if args.json:
        return json.dumps(data, indent=2)
    return "\n".join(f"{key}: {value}" for key, value in data.items())


def _derive(args) -> str:
    from symparams.model import model
    from symparams.report import derivation

    fmt = "latex" if args.latex else (args.format or "md")
    return derivation(model(args.model), cost=args.cost, fmt=fmt, dtype=args.dtype)


def _list(args) -> str:
    from symparams.architectures import ARCHITECTURES
    from symparams.presets import PRESETS

    lines = ["architectures: " + ", ".join(sorted(ARCHITECTURES)), "presets:"]
    lines += [f"  {name:<20} {p.architecture:<12} {p.source}" for name, p in sorted(PRESETS.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0, or 2 on any error)."""
    args = _build_parser().parse_args(argv)
    handler = {"count": _count, "formula": _formula, "derive": _derive, "list": _list}[args.command]
    try:
        out = handler(args)
    except (SymparamsError, OSError) as exc:
        sys.stderr.write(f"symparams: error: {exc}\n")
        return 2
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
