"""``symparams compare A B``: two models side by side; ``symparams compare MODEL --convention A
--convention B``: one model under two conventions."""

from __future__ import annotations

from symparams.cli._args import add_allow_longer, add_dtype, add_revision, add_workload, positive_int
from symparams.cli._output import add_json, add_model_arguments, json_text

HELP = "two models side by side (A B), or one model under two conventions (MODEL --convention A --convention B)"


def add_parser(sub) -> None:
    cm = sub.add_parser("compare", help=HELP, description=HELP)
    add_model_arguments(cm, "model", nargs="+",
                        help="two models (presets, config.json paths, Hub ids); or one, with two --convention")
    cm.add_argument("--convention", action="append", default=None,
                    help="convention spec: with one model give exactly two (e.g. default, causal-half, macs, 6N, "
                         "kaplan, palm, mixed-18, kv-no-x2, or key=value items); with two models at most one, "
                         "used for both")
    add_workload(cm)
    cm.add_argument("--window", type=positive_int, default=None, help="sliding-window size w (causal=window)")
    add_dtype(cm, "bf16", "weights, KV cache and activations (the training recipe follows it)")
    add_allow_longer(cm)
    add_revision(cm)
    add_json(cm)


def _conventions(args) -> str:
    from symparams.errors import ConventionError, OptionError
    from symparams.reports.count import compare_json

    if len(args.model) != 1:
        raise OptionError(f"compare takes two models, or one model with two --convention; got {len(args.model)} "
                          f"models ({', '.join(args.model)})")
    conventions = args.convention or []
    if len(conventions) != 2:
        raise ConventionError(f"compare needs exactly two --convention options, got {len(conventions)}")
    data = compare_json(args.model[0], *conventions, batch=args.batch, seq=args.seq, window=args.window,
                        dtype=args.dtype, allow_longer=args.allow_longer, revision=args.revision)
    if args.json:
        return json_text(data)
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


def run(args) -> str:
    from symparams.errors import ConventionError
    from symparams.reports.compare import compare_models_json, compare_models_text

    if len(args.model) != 2:
        return _conventions(args)
    if args.convention is not None and len(args.convention) > 1:
        raise ConventionError(f"compare A B takes at most one --convention (used for both models), "
                              f"got {len(args.convention)}")
    data = compare_models_json(*args.model, batch=args.batch, seq=args.seq, dtype=args.dtype,
                               convention=(args.convention or [None])[0], window=args.window,
                               allow_longer=args.allow_longer, revision=args.revision)
    return json_text(data) if args.json else compare_models_text(data)
