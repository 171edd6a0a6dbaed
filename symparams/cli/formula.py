"""``symparams formula ARCH``: the symbolic costs of an architecture."""

from __future__ import annotations

import json

HELP = "symbolic costs of an architecture"


def add_parser(sub) -> None:
    f = sub.add_parser("formula", help=HELP)
    f.add_argument("arch", help="architecture name (or a preset / config.json: its architecture)")
    f.add_argument("--json", action="store_true", help="one JSON object on stdout")
    f.add_argument("--leading", action="store_true", help="leading-order forms")
    f.add_argument("--latex", action="store_true", help="LaTeX instead of SymPy str()")


def run(args) -> str:
    from symparams.reports.count import formula_json, formula_text

    data = formula_json(args.arch, leading=args.leading, latex=args.latex)
    return json.dumps(data, indent=2) if args.json else formula_text(data)
