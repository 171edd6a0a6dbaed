"""``symparams count MODEL…``: every exact count of one or several models (``--json``: one JSON
object; for several models one per line, in order)."""

from __future__ import annotations

from symparams.cli._args import add_allow_longer, add_dtype, add_revision, add_workload, positive_int
from symparams.cli._output import PartialFailure, add_json, add_model_arguments, json_lines, json_text

HELP = "exact counts of one or several models"


def add_parser(sub) -> None:
    c = sub.add_parser("count", help=HELP)
    add_model_arguments(c, "model", nargs="+",
                        help="preset names, config.json paths or Hugging Face model ids (org/name), one or more")
    add_json(c, "one JSON object on stdout; for several models one object per line, in order")
    add_workload(c)
    add_dtype(c, "bf16", "weights, KV cache and activations; the training recipe follows it "
                         "(fp32: fp32 recipe, bf16/fp16: mixed precision)")
    c.add_argument("--decoder-seq", type=positive_int, default=None,
                   help="decoder length of an encoder-decoder (T5, BART); --seq is then the encoder's")
    c.add_argument("--convention", default=None,
                   help="cost convention spec, e.g. 'macs', 'causal-half', 'kaplan', 'palm', 'mac=1,causal=exact'")
    c.add_argument("--causal", choices=("full", "half", "exact", "window"), default=None,
                   help="how attention's query-key pairs are counted: full (dense s×k, default), half, "
                        "exact (the pairs each layer's mask keeps), window (every causal layer as a window)")
    c.add_argument("--window", type=positive_int, default=None, help="sliding-window size w for --causal window")
    add_allow_longer(c)
    add_revision(c)


def run(args) -> str:
    from symparams.cli import _os_error
    from symparams.errors import OptionError, SymparamsError
    from symparams.presets import PRESETS
    from symparams.reports.count import count_json, count_text

    def is_repo_id(name) -> bool:  # a core preset needs no config reader (keeps `count gpt2-xl` light)
        if name in PRESETS:
            return False
        from symparams.hf.hub import is_repo_id as repo

        return repo(name)

    spec = args.convention
    if args.causal is not None:
        spec = ",".join(filter(None, (spec, f"causal={args.causal}")))
    names = list(args.model)
    if args.revision is not None and not any(map(is_repo_id, names)):
        raise OptionError(f"--revision {args.revision} is for Hugging Face model ids (org/name); "
                          f"none given ({', '.join(names)})")
    documents, errors = [], []
    for name in names:
        try:
            documents.append(count_json(name, batch=args.batch, seq=args.seq, dtype=args.dtype, convention=spec,
                                        window=args.window, allow_longer=args.allow_longer, decoder_seq=args.decoder_seq,
                                        revision=args.revision if is_repo_id(name) else None))
        except (SymparamsError, OSError) as exc:
            if len(names) == 1:
                raise
            message = _os_error(exc) if isinstance(exc, OSError) else str(exc)
            errors.append(message if name in message else f"{name}: {message}")
    if args.json:
        out = json_text(documents[0]) if len(names) == 1 else json_lines(documents)
    else:
        out = "\n\n".join(count_text(d) for d in documents)
    if errors:
        raise PartialFailure(out, errors)
    return out
