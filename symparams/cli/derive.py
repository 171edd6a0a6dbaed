"""``symparams derive MODEL``: the derivation a post shows (piece | formula | value), as Markdown,
LaTeX or HTML."""

from __future__ import annotations

from symparams.cli._args import add_workload

HELP = "derivation table: piece | formula | value"


def add_parser(sub) -> None:
    d = sub.add_parser("derive", help=HELP)
    d.add_argument("model", help="preset name or path to a config.json")
    d.add_argument("--latex", action="store_true", help="LaTeX instead of Markdown")
    d.add_argument("--format", choices=("md", "latex", "html"), default=None, help="output format (default md)")
    d.add_argument("--cost", default="params", help="which cost to derive: params, flops, memory, training or inference "
                        "(prompt --seq, default the context less one token, and one decode step)")
    d.add_argument("--dtype", default=None,
                   help="dtype of the cost (KV cache, ...); for params the weights line (default fp32)")
    add_workload(d)
    d.add_argument("--style", default="aligned", help="LaTeX layout: aligned, align* or dollars ($$ per row)")
    d.add_argument("--tags", action="store_true", help="number the LaTeX rows with \\tag")
    d.add_argument("--grouping", default="comma", help="digit grouping of big numbers: comma, thin or none")


def run(args) -> str:
    from symparams.presets import model
    from symparams.reports.derivation import derivation

    fmt = "latex" if args.latex else (args.format or "md")
    return derivation(model(args.model), cost=args.cost, fmt=fmt, dtype=args.dtype, batch=args.batch,
                      seq=args.seq, style=args.style, tags=args.tags, grouping=args.grouping)
