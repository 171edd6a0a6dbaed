"""``symparams plot KIND MODEL… -o PNG`` (extra ``plot``: matplotlib)."""

from __future__ import annotations

from symparams.cli._args import positive_float, positive_int
from symparams.cli._output import add_json, json_text

HELP = "write a plot as PNG (needs matplotlib: extra 'plot')"


def add_parser(sub) -> None:
    pl = sub.add_parser("plot", help=HELP)
    pl.add_argument("kind", help="flop-share-size, flop-share-context, memory-batch, params-shape or "
                                        "tokens-batch (decode tokens/s vs batch per device; --seq: the prompt)")
    pl.add_argument("models", nargs="+", help="preset names or config.json paths")
    pl.add_argument("-o", "--output", required=True, help="PNG file to write")
    pl.add_argument("--seq", type=positive_int, default=None, help="sequence length s (default: context length)")
    pl.add_argument("--device-gb", type=positive_float, default=80.0, help="device memory line in GB (memory-batch)")
    add_json(pl, 'one JSON object on stdout: {"output": PNG, "kind": ..., "models": [...]}')


def run(args) -> str:
    from symparams.studies.plot import plot_cli

    line = plot_cli(args.kind, args.models, args.output, seq=args.seq, device_gb=args.device_gb)
    if args.json:
        return json_text({"output": str(args.output), "kind": args.kind, "models": list(args.models)})
    return line
