"""What serving needs before any figure: the kind of model (decoder, encoder, encoder-decoder),
its workload checked against the options, and exact numbers for JSON — shared by
:mod:`symparams.studies.serving` (generation) and :mod:`symparams.studies.encoder_serving`
(one forward pass).

>>> from symparams.presets import model
>>> kind(model("gpt2")), kind(model("bert-base")), kind(model("t5-small"))
('decoder', 'encoder', 'encoder-decoder')
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

from symparams.errors import OptionError
from symparams.studies.inference import Setup
from symparams.symbols import b as _b, n as _n, s as _s, s_max as _s_max

__all__ = ["KINDS", "DIGITS", "decimal", "exact", "kind", "served", "resolve_workload", "workload_values",
           "check_setup", "check_positions", "phase_seconds"]

#: what a model does when served: generate (a decoder, an encoder-decoder) or encode once
KINDS = ("decoder", "encoder", "encoder-decoder")

DIGITS = 20


def decimal(value: Fraction, digits: int = DIGITS) -> str:
    """An exact rational as a decimal string of ``digits`` significant digits (integer arithmetic).

    >>> decimal(Fraction(1, 3)), decimal(Fraction(10**400, 7))[:8]
    ('0.33333333333333333333', '1.428571')
    """
    value = Fraction(value)
    with localcontext() as ctx:
        ctx.prec = digits
        return str(Decimal(value.numerator) / Decimal(value.denominator))


def exact(value: Fraction) -> str:
    """``"p/q"`` (or ``"p"``) of an exact rational."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _count(value: Fraction):
    return value.numerator if value.denominator == 1 else decimal(value)


def kind(m) -> str:
    """``"encoder-decoder"`` (an ``s_enc`` stack), ``"encoder"`` (no attention layer caches keys and
    values: every mask bidirectional), else ``"decoder"``.

    >>> from symparams.presets import model
    >>> kind(model("gpt2")), kind(model("bert-base")), kind(model("t5-small"))
    ('decoder', 'encoder', 'encoder-decoder')
    """
    from symparams.costs.kv_cache import kv_cache

    arch = m.architecture
    if arch.is_encoder_decoder:
        return "encoder-decoder"
    return "decoder" if kv_cache(arch).total != 0 else "encoder"


def served(m):
    """The model served: an encoder-decoder with its LM head (generation needs the logits); any
    other model as it is (a causal LM ends in its head; an encoder's base model, ``AutoModel``)."""
    return m.with_head if kind(m) == "encoder-decoder" else m


def resolve_workload(m, prompt: int | None, gen: int | None) -> tuple[int, int | None]:
    """``(prompt, gen)`` checked against the kind of model, naming the option: an encoder refuses
    ``--gen`` (it has no decode), the others need it; a model that fixes its length (a ViT's
    ``n_p + 1`` tokens per image) defaults ``--prompt`` to it and refuses another.

    >>> from symparams.presets import model
    >>> resolve_workload(model("tests/fixtures/hf_configs/vit-base-patch16-224.json"), None, None)
    (197, None)
    >>> resolve_workload(model("bert-base"), 128, 1)
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --gen 1: bert-base is an encoder: it has no autoregressive decode and no KV cache (one forward over the --prompt tokens); leave --gen out
    """
    from symparams.lengths import check_fixed_length, fixed_length

    what = kind(m)
    if what == "encoder" and gen is not None:
        raise OptionError(f"--gen {gen}: {m.name} is an encoder: it has no autoregressive decode and no KV cache "
                          "(one forward over the --prompt tokens); leave --gen out")
    if what != "encoder" and gen is None:
        raise OptionError(f"missing --gen: {m.name} is a{'n encoder-' if what != 'decoder' else ' '}decoder; give "
                          "--gen N (generated tokens per sequence)")
    fixed = fixed_length(m)
    if prompt is None:
        if fixed is None:
            raise OptionError(f"missing --prompt: give --prompt N ({'the encoder input' if what != 'decoder' else 'prompt'}"
                              " tokens per sequence)")
        return fixed, gen
    check_fixed_length(m, prompt, "--prompt")
    return prompt, gen


def workload_values(m, batch: int, prompt: int, gen: int | None) -> dict:
    """The sizes and lengths of a serving workload: a decoder's ``s = prompt``, ``n = gen``; an
    encoder-decoder's ``s_enc = prompt``, ``s = 1`` (the decoder's start token), ``n = gen``; an
    encoder's ``s = prompt``."""
    from symparams.symbols import s_enc

    at = {**m.values, _b: batch}
    what = kind(m)
    if what == "encoder-decoder":
        return {**at, s_enc: prompt, _s: 1, _n: gen}
    if what == "encoder":
        return {**at, _s: prompt}
    return {**at, _s: prompt, _n: gen}


def check_positions(m, prompt: int, gen: int | None, allow_longer: bool) -> None:
    """An encoder's or an encoder-decoder's learned position tables: the encoder's ``prompt`` tokens and
    the decoder's ``1 + gen`` each within their table (``allow_longer`` goes on)."""
    from symparams.lengths import position_limits
    from symparams.symbols import s_enc

    if allow_longer:
        return
    encdec = kind(m) == "encoder-decoder"
    need = {s_enc: ("the encoder's --prompt", prompt), _s: ("the decoder's 1 + --gen", 1 + gen)} if encdec else \
        {_s: ("--prompt", prompt)}
    for sym, limit in position_limits(m).items():
        if sym in need and need[sym][1] > limit:
            what, tokens = need[sym]
            raise OptionError(f"{what} = {tokens:,} tokens is beyond {m.name}'s {limit:,} learned positions; give "
                              "fewer, or --allow-longer to go on")


def check_setup(m, dev, setup: Setup, *, batch: int, prompt: int, gen: int, allow_longer: bool = False):
    """Refuse what cannot be served as asked, naming the option: a weight format or compute dtype the
    device has no units for, a tensor-parallel degree that does not divide the heads or that has no
    interconnect, a prompt and generation beyond the model's positions (``allow_longer`` goes on)."""
    if setup.dtype not in dev.peak:
        raise OptionError(f"--dtype {setup.dtype}: {dev.name} lists no {setup.dtype} peak (its datasheet lists "
                          f"{', '.join(dev.peak)})")
    from symparams.studies.quantization import check_quantization

    check_quantization(m, setup.weights, setup.keep)
    if setup.weights.name == "fp8" and "fp8" not in dev.peak:
        raise OptionError(f"--weights fp8: {dev.name} has no fp8 tensor cores (its datasheet lists "
                          f"{', '.join(dev.peak)}); use int8, int4 or nf4")
    t = int(setup.tp)
    if t > 1:
        if dev.interconnect <= 1:
            raise OptionError(f"--tp {t}: {dev.name} has no interconnect bandwidth; give --interconnect GB/s")
        for c, _ in m.architecture.parts():
            if c.key == "attention":
                heads, kv = m.value(c.a), m.value(c.n_kv)
                if heads % t or (kv % t and t % kv):
                    raise OptionError(f"--tp {t} must divide the {heads} attention heads and the {kv} KV heads "
                                      "(or be a multiple of them)")
    if kind(m) != "decoder":
        check_positions(m, prompt, gen, allow_longer)
    elif _s_max in m.values and prompt + gen > m.values[_s_max] and not allow_longer:
        raise OptionError(f"--prompt {prompt} + --gen {gen} = {prompt + gen} tokens is beyond {m.name}'s "
                          f"{m.values[_s_max]} positions; give --allow-longer to go on")


def phase_seconds(flops, bytes_moved, comm_bytes, dev, dtype) -> tuple[Fraction, str]:
    """``max(FLOPs/peak, bytes/bandwidth)`` plus the all-reduce time, and which bound is the max.

    The interconnect figure counts both directions, so one direction carries half of it.
    """
    compute, memory = Fraction(flops) / dev.flops(dtype), Fraction(bytes_moved) / dev.bandwidth
    link = Fraction(comm_bytes) * 2 / dev.interconnect if comm_bytes else Fraction(0)
    return max(compute, memory) + link, "compute" if compute >= memory else "memory"
