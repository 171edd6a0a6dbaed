"""``symparams compare MODEL --convention A --convention B``: two conventions side by side."""

from __future__ import annotations

import json

from symparams.cli._args import add_workload, positive_int

HELP = "two conventions side by side: formula, value, difference"


def add_parser(sub) -> None:
    cm = sub.add_parser("compare", help=HELP)
    cm.add_argument("model", help="preset name or path to a config.json")
    cm.add_argument("--convention", action="append", required=True,
                    help="convention spec (give exactly two), e.g. default, causal-half, macs, 6N, "
                         "kaplan, palm, mixed-18, kv-no-x2, or key=value items")
    add_workload(cm)
    cm.add_argument("--window", type=positive_int, default=None, help="sliding-window size w (causal=window)")
    cm.add_argument("--json", action="store_true", help="one JSON object on stdout")


def run(args) -> str:
    from symparams.errors import ConventionError
    from symparams.reports.count import compare_json

    if len(args.convention) != 2:
        raise ConventionError(f"compare needs exactly two --convention options, got {len(args.convention)}")
    data = compare_json(args.model, *args.convention, batch=args.batch, seq=args.seq, window=args.window)
    if args.json:
        return json.dumps(data, indent=2)
    wl = data["workload"]
    lines = [f"{data['model']}  (b={wl['batch']}, s={wl['seq']})",
             f"  A = {data['a']['convention']}", f"  B = {data['b']['convention']}"]
    fmt = lambda v: f"{v:,}" if isinstance(v, int) else v  # noqa: E731
    for cost, row in data["costs"].items():
        lines += [f"{cost} ({row['unit']}):",
                  f"  A      {fmt(row['a_value']):>28}   {row['a']}",
                  f"  B      {fmt(row['b_value']):>28}   {row['b']}",
                  f"  A − B  {fmt(row['difference_value']):>28}   {row['difference']}"]
    return "\n".join(lines)
