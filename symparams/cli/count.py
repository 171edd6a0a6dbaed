"""``symparams count MODEL``: every exact count of one model (``--json``: one JSON object)."""

from __future__ import annotations

import json

from symparams.cli._args import DTYPES, add_workload, positive_int

HELP = "exact counts of one model"


def add_parser(sub) -> None:
    c = sub.add_parser("count", help=HELP)
    c.add_argument("model", help="preset name or path to a config.json")
    c.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add_workload(c)
    c.add_argument("--decoder-seq", type=positive_int, default=None,
                   help="decoder length of an encoder-decoder (T5, BART); --seq is then the encoder's")
    c.add_argument("--dtype", default="bf16", choices=DTYPES,
                   help="dtype of weights, KV cache and activations: bf16, fp16 or fp32 (default bf16)")
    c.add_argument("--convention", default=None,
                   help="cost convention spec, e.g. 'macs', 'causal-half', 'kaplan', 'palm', 'mac=1,causal=exact'")
    c.add_argument("--causal", choices=("full", "half", "exact", "window"), default=None,
                   help="how attention's query-key pairs are counted: full (dense s×k, default), half, "
                        "exact (the pairs each layer's mask keeps), window (every causal layer as a window)")
    c.add_argument("--window", type=positive_int, default=None, help="sliding-window size w for --causal window")


def run(args) -> str:
    from symparams.reports.count import count_json, count_text

    spec = args.convention
    if args.causal is not None:
        spec = ",".join(filter(None, (spec, f"causal={args.causal}")))
    data = count_json(args.model, batch=args.batch, seq=args.seq, dtype=args.dtype,
                      convention=spec, window=args.window, decoder_seq=args.decoder_seq)
    return json.dumps(data, indent=2) if args.json else count_text(data)
