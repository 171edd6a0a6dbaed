"""``symparams derive MODEL``: the derivation a post shows (piece | formula | value), as Markdown,
LaTeX, HTML or JSON."""

from __future__ import annotations

from symparams.cli._args import add_allow_longer, add_dtype, add_revision, add_workload
from symparams.cli._output import add_json, add_model_arguments, json_text

HELP = "derivation table: piece | formula | value"


def add_parser(sub) -> None:
    d = sub.add_parser("derive", help=HELP)
    add_model_arguments(d, "model", help="preset name, path to a config.json, or Hugging Face model id (org/name)")
    d.add_argument("--latex", action="store_true", help="LaTeX instead of Markdown")
    d.add_argument("--format", choices=("md", "latex", "html"), default=None,
                   help="output format (default md); html is a standalone page, its math in MathML (no network)")
    add_json(d, "the derivation as one JSON object: rows, totals, closed and leading-order forms")
    d.add_argument("--cost", default="params", help="which cost to derive: params, flops, memory, training, parallel or inference "
                        "(inference: prompt --seq, default the context less one token, and one decode step)")
    add_dtype(d, None, "the cost (KV cache, activations; the training recipe follows it); for params the "
                       "weights line (fp32 when not given)")
    add_workload(d)
    add_allow_longer(d)
    add_revision(d)
    d.add_argument("--style", default="aligned", help="LaTeX layout: aligned, align* or dollars ($$ per row)")
    d.add_argument("--tags", action="store_true", help="number the LaTeX rows with \\tag")
    d.add_argument("--grouping", default="comma", help="digit grouping of big numbers: comma, thin or none")


def run(args) -> str:
    from symparams.errors import OptionError
    from symparams.presets import model
    from symparams.reports.derivation import derivation, derivation_json

    m = model(args.model, revision=args.revision)
    if args.json:
        if args.latex or args.format is not None:
            raise OptionError("--json is a format of its own: leave out --latex / --format")
        return json_text(derivation_json(m, cost=args.cost, dtype=args.dtype, batch=args.batch, seq=args.seq,
                                         allow_longer=args.allow_longer))
    fmt = "latex" if args.latex else (args.format or "md")
    return derivation(m, cost=args.cost, fmt=fmt, dtype=args.dtype, batch=args.batch, seq=args.seq,
                      style=args.style, tags=args.tags, grouping=args.grouping, allow_longer=args.allow_longer)
