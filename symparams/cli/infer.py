"""``symparams infer MODEL --device NAME``: prefill and decode latency and throughput on a device
(roofline), memory and whether it fits, with weight quantization, KV dtype and tensor parallelism."""

from __future__ import annotations


from fractions import Fraction

from symparams.cli._args import add_dtype, positive_int
from symparams.cli._output import add_json, json_text

HELP = "serving estimate on a device: prefill/decode seconds, tokens/s, memory (roofline)"
WEIGHTS = ("bf16", "fp16", "fp32", "int8", "int4", "fp8", "nf4")
KV = ("bf16", "fp16", "fp32", "fp8")


def group_size(text: str) -> int:
    """An argparse type: a positive group size, or -1 (one group per output channel, as GPTQ writes it)."""
    import argparse

    if text.strip() == "-1":
        return -1
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a group size (expected e.g. 128, or -1 per channel)")


def add_device(p) -> None:
    """``--device`` and the options that define a device by hand (shared with other commands)."""
    p.add_argument("--device", default=None, help="device id (symparams devices lists them), e.g. h100-sxm")
    p.add_argument("--peak-tflops", default=None, help="a device by hand: dense peak TFLOP/s (for --dtype)")
    p.add_argument("--bandwidth", default=None, help="a device by hand: memory bandwidth in TB/s")
    p.add_argument("--memory", default=None, help="a device by hand: memory in GB (10⁹ bytes)")
    p.add_argument("--interconnect", default=None, help="interconnect GB/s (both directions), for --tp on a "
                                                         "device given by hand")


def add_quantization(p, *, weights_flag: str = "--weights") -> None:
    p.add_argument("--format", dest="layout", choices=("gptq", "awq", "bnb"), default=None,
                   help="storage layout: int4 gptq (default) or awq; int8 gptq (default) or bnb (LLM.int8)")
    p.add_argument("--group-size", type=group_size, default=128,
                   help="input rows per scale of GPTQ/AWQ (default 128; -1: per output channel)")
    p.add_argument("--double-quant", action="store_true", help="nf4: quantize the absmax too (bitsandbytes)")
    p.add_argument("--keep-16bit", default=None,
                   help="modules kept in --dtype, Hugging Face names, comma-separated (default: lm_head and a "
                        "MoE router; 'none' quantizes them too); lookup tables, norms and biases always are")


def add_parser(sub) -> None:
    p = sub.add_parser("infer", help=HELP)
    p.add_argument("model", help="preset name or path to a config.json")
    add_device(p)
    p.add_argument("--batch", type=positive_int, default=1, help="sequences served together (default 1)")
    p.add_argument("--prompt", "--seq", dest="prompt", type=positive_int, default=None,
                   help="prompt tokens per sequence (an encoder-decoder's encoder input; an encoder's sequence; "
                        "default for a ViT: its image's n_p + 1 tokens, the only length it takes)")
    p.add_argument("--gen", type=positive_int, default=None,
                   help="generated tokens per sequence (decoders and encoder-decoders; an encoder has no decode)")
    add_dtype(p, "bf16", "the model: activations, compute, what is not quantized (--weights fp8 computes in fp8)")
    p.add_argument("--weights", choices=WEIGHTS, default=None, help="weight format (default: --dtype)")
    add_quantization(p)
    p.add_argument("--kv-dtype", choices=KV, default=None, help="KV cache dtype (default: --dtype)")
    p.add_argument("--tp", type=positive_int, default=1, help="tensor-parallel degree (devices; default 1)")
    p.add_argument("--fit", action="store_true", help="also the largest batch and the longest context that fit")
    p.add_argument("--strict", action="store_true", help="refuse (exit 2) a batch that does not fit")
    p.add_argument("--allow-longer", action="store_true", help="go on past the model's positions")
    add_json(p)


def device_of(args):
    """The device ``--device`` names, or the one ``--peak-tflops/--bandwidth/--memory`` define."""
    from symparams.devices import custom_device, device
    from symparams.errors import OptionError

    given = [args.peak_tflops, args.bandwidth, args.memory]
    if args.device is not None:
        if any(v is not None for v in given):
            raise OptionError("--device names a device; --peak-tflops/--bandwidth/--memory define one: give one")
        try:
            return device(args.device)
        except OptionError as exc:
            raise OptionError(f"--device: {exc}") from None
    if any(v is None for v in given):
        raise OptionError("give --device NAME (symparams devices lists them) or all of --peak-tflops, "
                          "--bandwidth and --memory")
    dtype = getattr(args, "dtype", "bf16")
    return custom_device(peak_tflops=args.peak_tflops, bandwidth_tbs=args.bandwidth, memory_gb=args.memory,
                         interconnect_gbs=args.interconnect, dtype=dtype)


def scheme_of(args, name: str):
    from symparams.studies.quantization import scheme

    return scheme(name, layout=args.layout, group_size=args.group_size, double_quant=args.double_quant)


def keep_of(args):
    if args.keep_16bit is None:
        return None
    return () if args.keep_16bit.strip() == "none" else tuple(k for k in args.keep_16bit.split(",") if k)


def run(args) -> str:
    from symparams.errors import OptionError
    from symparams.presets import model
    from symparams.studies.inference import Setup
    from symparams.studies.serving import serve

    m = model(args.model)
    from symparams.studies.serving import kind

    if args.kv_dtype is not None and kind(m) == "encoder":
        raise OptionError(f"--kv-dtype {args.kv_dtype}: {m.name} is an encoder: it caches no keys and values; "
                          "leave --kv-dtype out")
    dev = device_of(args)
    setup = Setup(scheme_of(args, args.weights or args.dtype), args.dtype, args.kv_dtype or args.dtype, args.tp,
                  keep_of(args))
    out = serve(m, dev, batch=args.batch, prompt=args.prompt, gen=args.gen, setup=setup,
                allow_longer=args.allow_longer, fit=args.fit or args.strict)
    if args.strict and not out["fits"]:
        if out["kind"] == "encoder":
            raise OptionError(f"--batch {args.batch} does not fit: {out['memory']['total_bytes']:,} bytes on "
                              f"{dev.name}'s {dev.memory_bytes:,}; the largest batch that fits is "
                              f"{out['fit']['max_batch']}")
        raise OptionError(f"--batch {args.batch} does not fit: {out['memory']['total_bytes']:,} bytes on "
                          f"{dev.name}'s {dev.memory_bytes:,}; the largest batch that fits is "
                          f"{out['fit']['max_batch']}")
    if args.json:
        return json_text(out)
    return text(out)


def text(out: dict) -> str:
    """A human summary of :func:`symparams.studies.serving.serve`'s result, every unit named."""
    from symparams.units import format_decimal

    if out.get("kind") == "encoder":
        return encoder_text(out)
    d, pre, dec, mem = out["device"], out["prefill"], out["decode"], out["memory"]
    w = out["workload"]
    encdec = out.get("kind") == "encoder-decoder"
    lines = [
        f"{out['model']} on {d['name']} ({d['title']}): {_units(d['flops_per_second'], 10**12)} TFLOP/s "
        f"{d['dtype']}, {_units(d['bytes_per_second'], 10**12)} TB/s, {_units(d['memory_bytes'], 10**9)} GB",
        f"setup: {out['setup']['weights_format']}; KV cache {out['setup']['kv_dtype']}; tp {out['setup']['tp']}",
        (f"workload: batch {w['batch']}, prompt {w['prompt']:,} encoder tokens + gen {w['gen']:,} decoder tokens "
         "(after the decoder's start token)" if encdec else
         f"workload: batch {w['batch']}, prompt {w['prompt']:,} + gen {w['gen']:,} tokens"),
        f"prefill{' (encoder + first decoder step)' if encdec else ''}: {_g(pre['flops'])} FLOPs, {_g(pre['bytes'])} bytes -> {_ms(pre['seconds'])} ms ({pre['bound']}-bound)",
        f"decode:  {_g(dec['flops_per_token'])} FLOPs, {_g(dec['bytes_per_token'])} bytes per step -> "
        f"{_ms(dec['seconds_per_token'])} ms/token, {format_decimal(Fraction(dec['tokens_per_second']), 1)} tokens/s "
        f"({dec['bound']}-bound; " + (f"compute-bound from batch {dec['critical_batch']:,})"
                                      if dec["critical_batch"] is not None else
                                      "never compute-bound at this context: the KV cache read per sequence "
                                      "outruns the ridge)"),
        f"memory:  weights {_gb(mem['weights_bytes'])} GB + KV cache {_gb(mem['kv_cache_bytes'])} GB "
        + (f"(self {_gb(mem['kv_cache']['self_bytes'])} + cross {_gb(mem['kv_cache']['cross_bytes'])}) "
           if encdec else "") +
        f"+ activations {_gb(mem['activations_bytes'])} GB = {_gb(mem['total_bytes'])} GB "
        f"({'fits' if out['fits'] else 'does NOT fit'} in {_units(d['memory_bytes'], 10**9)} GB)",
    ]
    if "fit" in out:
        fit = out["fit"]
        lines.append(f"fit: largest batch {fit['max_batch']:,}; longest {'prompt' if encdec else 'context'} at "
                     f"batch {w['batch']}: "
                     f"{fit['max_context']:,} tokens" + (f" (memory alone: {fit['max_context_by_memory']:,})"
                                                          if fit["max_context_by_memory"] != fit["max_context"]
                                                          else ""))
    lines.append("GB = 10⁹ bytes; exact figures: --json")
    return "\n".join(lines)


def encoder_text(out: dict) -> str:
    """The summary of an encoder's one forward pass (:func:`symparams.studies.encoder_serving.encode`)."""
    from symparams.units import format_decimal

    d, fw, mem, w = out["device"], out["forward"], out["memory"], out["workload"]
    lines = [
        f"{out['model']} on {d['name']} ({d['title']}): {_units(d['flops_per_second'], 10**12)} TFLOP/s "
        f"{d['dtype']}, {_units(d['bytes_per_second'], 10**12)} TB/s, {_units(d['memory_bytes'], 10**9)} GB",
        f"setup: {out['setup']['weights_format']}; tp {out['setup']['tp']}; encoder: one forward pass, no decode, "
        "no KV cache",
        f"workload: batch {w['batch']} × {w['seq']:,} tokens",
        f"forward: {_g(fw['flops'])} FLOPs, {_g(fw['bytes'])} bytes -> {_ms(fw['seconds'])} ms ({fw['bound']}-bound; "
        f"compute-bound from batch {fw['critical_batch']:,}), "
        f"{format_decimal(Fraction(fw['sequences_per_second']), 1)} sequences/s, "
        f"{format_decimal(Fraction(fw['tokens_per_second']), 1)} tokens/s",
        f"memory:  weights {_gb(mem['weights_bytes'])} GB + activations {_gb(mem['activations_bytes'])} GB = "
        f"{_gb(mem['total_bytes'])} GB ({'fits' if out['fits'] else 'does NOT fit'} in "
        f"{_units(d['memory_bytes'], 10**9)} GB)",
    ]
    if "fit" in out:
        fit = out["fit"]
        lines.append(f"fit: largest batch {fit['max_batch']:,}; longest sequence at batch {w['batch']}: "
                     f"{fit['max_context']:,} tokens" + (f" (memory alone: {fit['max_context_by_memory']:,})"
                                                          if fit["max_context_by_memory"] != fit["max_context"]
                                                          else ""))
    lines.append("GB = 10⁹ bytes; exact figures: --json")
    return "\n".join(lines)


def _g(value) -> str:
    """An exact count in scientific notation, 4 significant digits (no float)."""
    from symparams.units import scientific

    return scientific(int(value))


def _ms(seconds: str) -> str:
    """Seconds (an exact decimal string) as milliseconds, 3 decimals."""
    from symparams.units import format_decimal

    return format_decimal(Fraction(seconds) * 1000, 3)


def _gb(value: int) -> str:
    from symparams.units import format_decimal

    return format_decimal(Fraction(value, 10**9), 3)


def _units(value: int, unit: int) -> str:
    """``value / unit`` without trailing zeros (``989.4``, ``80``), exact."""
    from symparams.units import format_decimal

    text = format_decimal(Fraction(value, unit), 4, "")
    return text.rstrip("0").rstrip(".") if "." in text else text
