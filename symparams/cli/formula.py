"""``symparams formula ARCH``: the symbolic costs of an architecture."""

from __future__ import annotations

from symparams.cli._output import add_json, json_text

HELP = "symbolic costs of an architecture"


def add_parser(sub) -> None:
    f = sub.add_parser("formula", help=HELP)
    f.add_argument("arch", help="architecture name (or a preset / config.json: its architecture)")
    add_json(f)
    f.add_argument("--leading", action="store_true", help="leading-order forms")
    f.add_argument("--latex", action="store_true", help="LaTeX instead of SymPy str()")


def run(args) -> str:
    from symparams.reports.count import formula_json, formula_text

    data = formula_json(args.arch, leading=args.leading, latex=args.latex)
    return json_text(data) if args.json else formula_text(data)
