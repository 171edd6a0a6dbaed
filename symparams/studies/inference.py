"""Inference accounting: prefill and decode FLOPs and bytes, the KV cache over a
generation, arithmetic intensity and the roofline bound of a device.

Decode FLOPs are *derived*, not typed: under the exact causal count
(:data:`~symparams.conventions.CAUSAL_EXACT`: the query-key pairs each layer's
mask keeps, so a causal query sees itself and the tokens before it) a forward pass over ``S`` tokens costs ``F(S)``, and the token
at position ``S`` costs ``F(S) − F(S−1)`` when the earlier keys and values are
cached. Bytes moved count the weights read once per step and the KV cache read
(and the new K, V written); activations are not counted (they stay on chip for
one token, and are small beside the weights).

>>> from symparams.families import architecture
>>> from symparams.symbols import s, n
>>> decode_flops(architecture("gpt-classic"))
2*V*b*h + 24*b*h**2*l + 4*b*h*l*n + 4*b*h*l*s
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from sympy import Dummy, Expr, Ge, Integer, Max, cancel, expand, factor, solve, summation

from symparams._expr import as_expr
from symparams.conventions import CAUSAL_EXACT, FlopConvention
from symparams.options import choose
from symparams.symbols import b as _b, n as _n, s as _s
from symparams.units import dtype_bytes
from symparams.values import evaluate_exact, normalize_values

__all__ = [
    "prefill_flops", "decode_flops", "generation_flops", "prefill_bytes", "decode_bytes",
    "kv_cache_over_generation", "arithmetic_intensity", "Device", "DEVICES", "Roofline",
    "roofline", "compute_bound_condition", "critical_batch",
]


def _forward(arch, convention: FlopConvention, tokens) -> Expr:
    from symparams.costs.flops import forward_flops

    return forward_flops(arch, convention, b=_b).total.xreplace({_s: as_expr(tokens)})


def prefill_flops(arch, convention: FlopConvention = CAUSAL_EXACT, *, tokens=_s) -> Expr:
    """FLOPs of the prompt: one forward pass over ``b × tokens`` (causal pairs only by default).

    >>> from symparams.families import architecture
    >>> prefill_flops(architecture("gpt-classic"))
    2*V*b*h*s + 24*b*h**2*l*s + 2*b*h*l*s**2 + 2*b*h*l*s
    """
    return expand(_forward(arch, convention, tokens))


def decode_flops(arch, *, position=_s + _n, convention: FlopConvention = CAUSAL_EXACT) -> Expr:
    """FLOPs of decoding one token per sequence at ``position`` (it attends to ``position`` keys).

    ``F(position) − F(position − 1)`` of the forward FLOPs under ``convention``
    (the exact causal count, so the difference is one token's work).
    """
    position = as_expr(position)
    step = expand(_forward(arch, convention, position) - _forward(arch, convention, position - 1))
    return step


def generation_flops(arch, *, convention: FlopConvention = CAUSAL_EXACT) -> Expr:
    """FLOPs of a prompt of ``s`` tokens and ``n`` generated ones: prefill + Σ decode = ``F(s+n)``.

    >>> from symparams.families import architecture
    >>> arch = architecture("gpt-classic")
    >>> from sympy import expand
    >>> from symparams.symbols import s, n
    >>> expand(generation_flops(arch) - prefill_flops(arch) - summed_decode(arch)) == 0
    True
    """
    return expand(_forward(arch, convention, _s + _n))


def summed_decode(arch, *, convention: FlopConvention = CAUSAL_EXACT) -> Expr:
    """Σ over the ``n`` decode steps (positions ``s+1 … s+n``) of :func:`decode_flops`, in closed form."""
    i = Dummy("i", integer=True, positive=True)
    return expand(summation(decode_flops(arch, position=_s + i, convention=convention), (i, 1, _n)))


def _weights_bytes(arch, dtype: str) -> Expr:
    return arch.params().total * dtype_bytes(dtype)


def _kv(arch, dtype: str, tokens) -> Expr:
    from symparams.costs.kv_cache import kv_cache

    return kv_cache(arch, dtype=dtype, tokens=tokens, b=_b).total


def prefill_bytes(arch, *, weight_dtype: str = "bf16", kv_dtype: str = "bf16", tokens=_s) -> Expr:
    """Bytes moved by the prefill: the weights read once, the K and V of ``tokens`` written.

    >>> from symparams.families import architecture
    >>> prefill_bytes(architecture("gpt-classic"))
    2*V*h + 4*b*h*l*s + 24*h**2*l + 26*h*l
    """
    return expand(_weights_bytes(arch, weight_dtype) + _kv(arch, kv_dtype, tokens))


def decode_bytes(arch, *, weight_dtype: str = "bf16", kv_dtype: str = "bf16", position=_s + _n) -> Expr:
    """Bytes moved by one decode step: the weights, and the KV cache of ``position`` tokens
    (the ``position − 1`` cached read, the new token's written).

    >>> from symparams.families import architecture
    >>> decode_bytes(architecture("gpt-classic"))
    2*V*h + 4*b*h*l*n + 4*b*h*l*s + 24*h**2*l + 26*h*l
    """
    return expand(_weights_bytes(arch, weight_dtype) + _kv(arch, kv_dtype, as_expr(position)))


def kv_cache_over_generation(arch, *, dtype: str = "bf16") -> Expr:
    """Σ of the KV cache bytes over the ``n`` decode steps (positions ``s+1 … s+n``), closed form.

    The total KV traffic of a generation; divide by ``n`` for the mean cache size.

    >>> from symparams.families import architecture
    >>> factor(kv_cache_over_generation(architecture("gpt-classic"), dtype="fp16"))
    2*b*h*l*n*(n + 2*s + 1)
    """
    i = Dummy("i", integer=True, positive=True)
    return expand(summation(_kv(arch, dtype, _s + i), (i, 1, _n)))


def arithmetic_intensity(flops, bytes_moved) -> Expr:
    """FLOPs per byte moved, ``flops / bytes_moved``, as a reduced fraction.

    >>> from symparams.families import architecture
    >>> arch = architecture("gpt-classic")
    >>> from symparams.symbols import l, h, V, s, n
    >>> arithmetic_intensity(decode_flops(arch), decode_bytes(arch)).xreplace({s: 1, n: 1, l: 1, h: 1, V: 1})
    17*b/(4*b + 26)
    """
    return cancel(as_expr(flops) / as_expr(bytes_moved))


# ---- roofline -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Device:
    """A device's dense peak FLOP/s and memory bandwidth (bytes/s), exact integers."""

    name: str
    peak_flops: int
    bandwidth: int
    source: str = ""

    @property
    def ridge(self) -> Fraction:
        """FLOPs per byte at which compute and memory time are equal."""
        return Fraction(self.peak_flops, self.bandwidth)


DEVICES = {
    "A100-SXM4-80GB": Device("A100-SXM4-80GB", 312 * 10**12, 2_039 * 10**9,
                             "NVIDIA A100 datasheet: 312 TFLOP/s dense BF16, 2,039 GB/s HBM2e"),
    "H100-SXM5-80GB": Device("H100-SXM5-80GB", 989 * 10**12, 3_350 * 10**9,
                             "NVIDIA H100 datasheet: 989 TFLOP/s dense BF16, 3.35 TB/s HBM3"),
}


@dataclass(frozen=True)
class Roofline:
    """Time lower bound ``max(F/peak, B/bandwidth)`` and when the work is compute-bound."""

    flops: Expr
    bytes_moved: Expr
    device: Device

    @property
    def seconds(self) -> Expr:
        return Max(self.flops / self.device.peak_flops, self.bytes_moved / self.device.bandwidth)

    @property
    def compute_bound(self):
        """The inequality ``F·bandwidth ≥ B·peak`` (intensity at or above the ridge)."""
        return Ge(expand(self.flops * self.device.bandwidth - self.bytes_moved * self.device.peak_flops), 0)

    def at(self, values: Mapping) -> dict:
        """Seconds (exact Fraction), the bound, and the intensity at ``values``."""
        sizes = normalize_values(values)
        f, by = evaluate_exact(self.flops, sizes), evaluate_exact(self.bytes_moved, sizes)
        tc, tm = f / self.device.peak_flops, by / self.device.bandwidth
        return {"seconds": max(tc, tm), "bound": "compute" if tc >= tm else "memory",
                "intensity": f / by, "ridge": self.device.ridge}

    def _repr_latex_(self) -> str:
        from symparams.printing.reprs import roofline_latex

        return roofline_latex(self)


def roofline(flops, bytes_moved, device: Device | str) -> Roofline:
    """The roofline bound of ``flops`` and ``bytes_moved`` on ``device`` (a :class:`Device` or a name).

    >>> from symparams.families import architecture
    >>> arch = architecture("gpt-classic")
    >>> r = roofline(decode_flops(arch), decode_bytes(arch), "A100-SXM4-80GB")
    >>> r.at({"l": 48, "h": 1600, "V": 50257, "b": 1, "s": 1000, "n": 24})["bound"]
    'memory'
    """
    return Roofline(as_expr(flops), as_expr(bytes_moved), _device(device))


def _device(device: Device | str) -> Device:
    if isinstance(device, Device):
        return device
    return choose("device", device, DEVICES)


def compute_bound_condition(arch, device: Device | str, values: Mapping, *, phase: str = "decode",
                            weight_dtype: str = "bf16", kv_dtype: str = "bf16"):
    """The compute-bound inequality of ``phase`` ("decode" or "prefill") in ``b`` and ``s``
    (and ``n``), with the model's other sizes substituted from ``values``."""
    if phase == "decode":
        f, by = decode_flops(arch), decode_bytes(arch, weight_dtype=weight_dtype, kv_dtype=kv_dtype)
    elif phase == "prefill":
        f, by = prefill_flops(arch), prefill_bytes(arch, weight_dtype=weight_dtype, kv_dtype=kv_dtype)
    else:
        choose("phase", phase, ("decode", "prefill"))
    sizes = {k: Integer(v) for k, v in normalize_values(values).items() if k not in (_b, _s, _n)}
    cond = roofline(f, by, device).compute_bound
    return Ge(expand(cond.lhs.xreplace(sizes)), 0)


def critical_batch(arch, device: Device | str, values: Mapping, *, position=_s + _n,
                   weight_dtype: str = "bf16", kv_dtype: str = "bf16") -> Expr:
    """The batch ``b`` above which decoding at ``position`` is compute-bound, as a formula in ``s``
    (``n``) — ``oo`` never, when the KV cache alone outruns the ridge.

    >>> from symparams.symbols import s, n
    >>> from symparams.families import architecture
    >>> sizes = {"l": 48, "h": 1600, "V": 50257}
    >>> bstar = critical_batch(architecture("gpt-classic"), "A100-SXM4-80GB", sizes)
    >>> round(float(bstar.xreplace({s: 1, n: 1})), 1)   # ridge 312/2.039 = 153.0, + KV and biases
    157.9
    """
    from sympy import oo

    f = decode_flops(arch, position=position)
    by = decode_bytes(arch, weight_dtype=weight_dtype, kv_dtype=kv_dtype, position=position)
    device = _device(device)
    sizes = {k: Integer(v) for k, v in normalize_values(values).items() if k not in (_b, _s, _n)}
    eq = expand((f * device.bandwidth - by * device.peak_flops).xreplace(sizes))
    roots = solve(eq, _b)
    if not roots:
        return oo
    return factor(roots[0])
