"""``symparams finetune MODEL``: LoRA, QLoRA or full fine-tuning — trainable parameters (as PEFT prints
them), memory and FLOPs per step."""

from __future__ import annotations


from fractions import Fraction

from symparams.cli._args import add_dtype, add_workload, positive_int
from symparams.cli._output import add_json, json_text

HELP = "fine-tuning estimate: LoRA/QLoRA/full trainable parameters, memory, FLOPs per step"


def add_parser(sub) -> None:
    p = sub.add_parser("finetune", help=HELP)
    p.add_argument("model", help="preset name or path to a config.json")
    p.add_argument("--lora-rank", type=positive_int, default=None, help="LoRA rank r (e.g. 16)")
    p.add_argument("--lora-targets", default=None,
                   help="modules to adapt, the model's own Hugging Face names, comma-separated, or all-linear "
                        "(default: the modules holding the attention's query and value projections)")
    p.add_argument("--quant", choices=("nf4",), default=None, help="QLoRA: frozen weights in nf4 (bitsandbytes)")
    p.add_argument("--double-quant", action="store_true", help="nf4 with double quantization of the absmax")
    p.add_argument("--full", action="store_true", help="full fine-tuning (every weight trained, AdamW mixed)")
    p.add_argument("--freeze-embeddings", action="store_true", help="full: keep the lookup tables frozen")
    p.add_argument("--gradient-checkpointing", action="store_true", help="recompute each layer in backward")
    add_workload(p)
    p.add_argument("--decoder-seq", type=positive_int, default=None,
                   help="an encoder-decoder's decoder length (--seq is its encoder's; default: the model's own)")
    add_dtype(p, "bf16", "the model (weights not quantized, activations)")
    p.add_argument("--device", default=None, help="device id: also say whether it fits (symparams devices)")
    add_json(p)


def run(args) -> str:
    from symparams.errors import OptionError
    from symparams.presets import model
    from symparams.studies.finetune import finetune

    if args.full and args.lora_rank is not None:
        raise OptionError("--full and --lora-rank: choose full fine-tuning or LoRA")
    if not args.full and args.lora_rank is None:
        raise OptionError("give --lora-rank r (LoRA, QLoRA with --quant nf4) or --full")
    if args.freeze_embeddings and not args.full:
        raise OptionError("--freeze-embeddings applies to --full (LoRA freezes every base weight)")
    device = None
    if args.device is not None:
        from symparams.devices import device as _device

        try:
            device = _device(args.device)
        except OptionError as exc:
            raise OptionError(f"--device: {exc}") from None
    out = finetune(model(args.model), rank=args.lora_rank, targets=args.lora_targets, quant=args.quant,
                   double_quant=args.double_quant, full=args.full, freeze_embeddings=args.freeze_embeddings,
                   gradient_checkpointing=args.gradient_checkpointing, batch=args.batch, seq=args.seq,
                   dtype=args.dtype, device=device, decoder_seq=args.decoder_seq)
    return json_text(out) if args.json else text(out)


def text(out: dict) -> str:
    """A human summary of :func:`symparams.studies.finetune.finetune`'s result, every unit named."""
    from symparams.units import format_decimal, scientific

    p, mem, fl = out["params"], out["memory"], out["flops"]
    share = format_decimal(Fraction(100 * p["trainable"], p["total"]), 4)
    head = f"{out['model']}: {out['method']}"
    if "lora" in out:
        head += f" rank {out['lora']['rank']} on {', '.join(out['lora']['targets'])} ({out['lora']['modules']} modules)"
    w = out["workload"]
    lines = [
        head,
        f"trainable params: {p['trainable']:,} || all params: {p['total']:,} || trainable%: {share}",
        f"memory (batch {w['batch']}, seq {w['seq']:,}"
        + (f" encoder + {w['decoder_seq']:,} decoder tokens" if w.get("decoder_seq") else "")
        + f"): weights {_gb(mem['weights_bytes'])} GB + adapters "
        f"{_gb(mem['adapter_bytes'])} + gradients {_gb(mem['gradient_bytes'])} + optimizer "
        f"{_gb(mem['optimizer_bytes'])} + activations {_gb(mem['activations_bytes'])} = "
        f"{_gb(mem['total_bytes'])} GB",
        f"FLOPs per step: forward {scientific(fl['forward'])} + backward {scientific(fl['backward'])} + recompute "
        f"{scientific(fl['recompute'])} + AdamW {scientific(fl['optimizer'])} = {scientific(fl['step'])}",
    ]
    if "fits" in out:
        lines.append(f"{'fits' if out['fits'] else 'does NOT fit'} in {out['device']['name']}'s "
                     f"{_gb(out['device']['memory_bytes'])} GB")
    lines.append("GB = 10⁹ bytes; exact figures: --json")
    return "\n".join(lines)


def _gb(value: int) -> str:
    from symparams.units import format_decimal

    return format_decimal(Fraction(value, 10**9), 3)
