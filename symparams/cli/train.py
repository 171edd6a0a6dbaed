"""``symparams train MODEL --gpus N``: training at scale — per-device memory, pipeline bubble,
communication, time and cost under data, tensor, sequence, pipeline and expert parallelism."""

from __future__ import annotations

from fractions import Fraction

from symparams.cli._args import positive_decimal, positive_int, positive_whole
from symparams.cli._output import add_json, json_text

HELP = "training at scale: per-device memory, bubble, communication, time and cost (DP/ZeRO/TP/SP/PP/EP)"

OPTIMIZERS = ("adamw", "adamw-fp32", "adam-8bit", "adafactor", "sgd", "lion")


def add_parser(sub) -> None:
    p = sub.add_parser("train", help=HELP, description=HELP + ". Data parallel = gpus / (tp × pp).")
    p.add_argument("model", help="preset name or path to a config.json (anything 'count' takes)")
    p.add_argument("--gpus", type=positive_int, required=True, help="devices N")
    p.add_argument("--tp", type=positive_int, default=1, help="tensor-parallel degree (default 1)")
    p.add_argument("--pp", type=positive_int, default=1, help="pipeline stages (default 1)")
    p.add_argument("--ep", type=positive_int, default=1,
                   help="expert-parallel degree, over the data-parallel ranks (default 1)")
    p.add_argument("--virtual-stages", type=positive_int, default=1,
                   help="model chunks per device: the interleaved 1F1B schedule when > 1 (default 1)")
    p.add_argument("--zero", type=int, choices=(0, 1, 2, 3), default=0, help="ZeRO stage (default 0)")
    p.add_argument("--micro-batch", type=positive_int, default=1, help="sequences per micro-batch b (default 1)")
    p.add_argument("--global-batch", type=positive_int, default=None,
                   help="sequences per optimizer step (default: micro-batch × data parallel, one micro-batch)")
    p.add_argument("--seq", type=positive_int, default=None,
                   help="sequence length (default: context length); an encoder-decoder's encoder input")
    p.add_argument("--decoder-seq", type=positive_int, default=None,
                   help="an encoder-decoder's decoder length (default: the model's own, e.g. a T5 preset's 114)")
    p.add_argument("--sequence-parallel", action="store_true", help="Megatron sequence parallelism (with --tp)")
    p.add_argument("--recompute", choices=("none", "selective", "full"), default="none",
                   help="activation recomputation (default none)")
    p.add_argument("--attention", choices=("eager", "flash"), default="eager",
                   help="attention kernel: eager keeps the s×s scores, flash does not (default eager)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adamw", help="optimizer (default adamw, mixed "
                   "precision: 2 + 2 + 12 bytes per parameter)")
    p.add_argument("--offload", choices=("none", "optimizer", "optimizer+params"), default="none",
                   help="what lives in host memory (default none)")
    p.add_argument("--tokens", type=positive_whole, default=None, help="training tokens of the run (e.g. 2e12)")
    speed = p.add_mutually_exclusive_group()
    speed.add_argument("--tflops", type=positive_decimal, default=None,
                       help="achieved TFLOP/s per GPU (model FLOPs, 10^12 FLOP/s)")
    speed.add_argument("--device", default=None, help="device whose peak × --mfu is the achieved throughput")
    p.add_argument("--mfu", type=positive_decimal, default=None, help="model FLOPs utilisation for --device (0–1]")
    p.add_argument("--price-per-gpu-hour", type=positive_decimal, default=None, help="dollars per GPU-hour")
    p.add_argument("--fit", metavar="DEVICE", default=None,
                   help="also report the largest micro-batch and the smallest tp × pp that fit DEVICE's memory")
    p.add_argument("--gpus-per-node", type=positive_int, default=8,
                   help="largest tensor-parallel degree --fit tries (default 8)")
    add_json(p, "one JSON object on stdout (exact numbers)")
    p.add_argument("--derive", choices=("md", "latex", "html"), default=None,
                   help="print the derivation (piece | formula | value) at this configuration instead")


def _throughput(args) -> tuple[Fraction | None, str]:
    from symparams.errors import OptionError

    if args.mfu is not None and args.device is None:
        raise OptionError("--mfu needs --device (the peak it is a fraction of); or give --tflops")
    if args.tflops is not None:
        from symparams.studies.plan import number_text

        return args.tflops * 10**12, f"--tflops {number_text(args.tflops)}"
    if args.device is None:
        return None, ""
    if args.mfu is None:
        raise OptionError(f"--device {args.device} needs --mfu (the fraction of its peak achieved)")
    from symparams.devices import device
    from symparams.studies.optimizers import optimizer
    from symparams.studies.plan import achieved_flops

    dev = device(args.device)
    dtype = optimizer(args.optimizer).dtype
    peak = dev.flops(dtype)
    from symparams.studies.plan import number_text

    return (achieved_flops(peak, args.mfu),
            f"{dev.name} {dtype} peak {number_text(Fraction(peak, 10**12))} TFLOP/s × MFU {number_text(args.mfu)}")


def run(args) -> str:
    from symparams.presets import model
    from symparams.reports.train import train_json, train_text
    from symparams.studies.plan import TrainingPlan

    flops, source = _throughput(args)
    plan = TrainingPlan(
        gpus=args.gpus, tp=args.tp, pp=args.pp, ep=args.ep, virtual=args.virtual_stages,
        micro_batch=args.micro_batch, global_batch=args.global_batch, seq=args.seq, zero=args.zero,
        decoder_seq=args.decoder_seq,
        sequence_parallel=args.sequence_parallel, recompute=args.recompute, attention=args.attention,
        optimizer=args.optimizer, offload=args.offload, tokens=args.tokens, flops_per_second=flops,
        price_per_hour=args.price_per_gpu_hour)
    m = model(args.model)
    if args.derive is not None:
        from symparams.reports.derivation import derivation

        return derivation(m.with_head, cost="parallel", fmt=args.derive, batch=args.micro_batch, seq=args.seq, parallel=plan)
    data = train_json(m, plan, fit_device=args.fit, gpus_per_node=args.gpus_per_node, throughput=source)
    return json_text(data) if args.json else train_text(data)
