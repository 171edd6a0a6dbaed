"""Serving in closed form: prefill and decode FLOPs and bytes, memory, and the roofline of a device.

Decode FLOPs are *derived*, not typed: under the exact causal count
(:data:`~symparams.conventions.CAUSAL_EXACT`: the query-key pairs each layer's
mask keeps) a forward pass over ``S`` tokens costs ``F(S)``; the token at
position ``S`` costs ``F(S) − F(S−1)`` when the earlier keys and values are
cached, and the ``n`` decode steps after a prompt of ``s`` tokens cost
``F(s+n) − F(s)`` (a telescoping sum, exact for every mask, windows
included). The *mean decode step* is that over ``n``; its bytes are the
weights (in their stored format, :mod:`~symparams.studies.quantization`) and
the mean KV cache it reads and writes, summed in closed form over the steps
(``min(s+i, w−1)`` of a window too). Activations are not counted as traffic
(they stay on chip for one token and are small beside the weights).

Time on a device is the roofline ``max(FLOPs/peak, bytes/bandwidth)`` per
phase; with tensor parallelism over ``t`` devices each holds ``1/t`` of the
weights, the KV cache and the FLOPs, and the phase adds its all-reduces over
the interconnect (:func:`allreduce_bytes`). The batch at which decoding turns
compute-bound is solved exactly (:func:`critical_batch`).

>>> from symparams.families import architecture
>>> decode_flops(architecture("gpt-classic"))
2*V*b*h + 24*b*h**2*l + 4*b*h*l*n + 4*b*h*l*s
>>> mean_decode_flops(architecture("gpt-classic"))   # the step at the mean position s + (n+1)/2
2*V*b*h + 24*b*h**2*l + 2*b*h*l*n + 4*b*h*l*s + 2*b*h*l
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

from sympy import Dummy, Expr, Ge, Integer, Max, Min, Piecewise, cancel, expand, factor, oo, summation

from symparams._expr import as_expr
from symparams.conventions import CAUSAL_EXACT, FlopConvention
from symparams.devices import Device, device as _lookup
from symparams.options import choose
from symparams.studies.quantization import Scheme, weight_bytes
from symparams.symbols import b as _b, n as _n, s as _s
from symparams.units import dtype_bytes
from symparams.values import evaluate_exact, normalize_values

__all__ = [
    "Setup", "prefill_flops", "decode_flops", "mean_decode_flops", "generation_flops", "summed_decode",
    "weights_bytes", "kv_bytes", "prefill_bytes", "decode_bytes", "mean_decode_bytes", "kv_cache_over_generation",
    "sum_over_steps", "allreduce_bytes", "decode_allreduce_bytes", "activation_bytes", "arithmetic_intensity",
    "Roofline", "roofline",
    "compute_bound_condition", "critical_batch", "KV_DTYPES", "inference_breakdowns", "derivation_parts",
]

#: the dtypes a KV cache is stored in (fp8: one byte per element, its per-tensor scales not counted)
KV_DTYPES = ("bf16", "fp16", "fp32", "fp8")

#: the names this module's devices had before :mod:`symparams.devices` (kept so earlier notebooks run)
LEGACY_NAMES = {"A100-SXM4-80GB": "a100-80gb", "H100-SXM5-80GB": "h100-sxm"}


def _device(name):
    """A device of :data:`symparams.devices.DEVICES` (or a :class:`~symparams.devices.Device`)."""
    return _lookup(LEGACY_NAMES.get(name, name) if isinstance(name, str) else name)


@dataclass(frozen=True)
class Setup:
    """How a model is served: the weight format, the compute and activation ``dtype`` (whose peak
    FLOP/s the roofline uses), the KV cache dtype, the tensor-parallel degree ``tp``, the modules
    kept in ``dtype`` (``keep``, Hugging Face names) and the FLOP convention."""

    weights: Scheme = Scheme("bf16")
    dtype: str = "bf16"
    kv_dtype: str = "bf16"
    tp: Expr = Integer(1)
    keep: tuple | None = None
    convention: FlopConvention = field(default=CAUSAL_EXACT)

    @property
    def peak_dtype(self) -> str:
        """The dtype whose peak FLOP/s applies: fp8 for fp8 weights (activations quantized per tensor as
        fp8 serving does), else ``dtype`` (the integer and nf4 formats are dequantized to it)."""
        return "fp8" if self.weights.name == "fp8" else self.dtype

    def __post_init__(self) -> None:
        choose("--kv-dtype", self.kv_dtype, KV_DTYPES)
        dtype_bytes(self.dtype)
        object.__setattr__(self, "tp", as_expr(self.tp))
        if self.keep is not None:
            object.__setattr__(self, "keep", tuple(self.keep))


def _forward(arch, convention: FlopConvention, tokens) -> Expr:
    from symparams.costs.flops import forward_flops

    return forward_flops(arch, convention, b=_b).total.xreplace({_s: as_expr(tokens)})


def prefill_flops(arch, convention: FlopConvention = CAUSAL_EXACT, *, tokens=_s, last_logits: bool = False) -> Expr:
    """FLOPs of the prompt: one forward pass over ``b × tokens`` (causal pairs only by default);
    ``last_logits``: the output head on the last position only (what generation computes).

    >>> from symparams.families import architecture
    >>> prefill_flops(architecture("gpt-classic"))
    2*V*b*h*s + 24*b*h**2*l*s + 2*b*h*l*s**2 + 2*b*h*l*s
    >>> prefill_flops(architecture("gpt-classic"), last_logits=True)
    2*V*b*h + 24*b*h**2*l*s + 2*b*h*l*s**2 + 2*b*h*l*s
    """
    full = _forward(arch, convention, tokens)
    if not last_logits:
        return expand(full)
    from symparams.costs.flops import matmul_flops

    logits = matmul_flops(arch, convention, lambda c, st, mm: mm.kind == "logits", b=_b)
    return expand(full - logits.xreplace({_s: as_expr(tokens)}) + logits.xreplace({_s: Integer(1)}))


def decode_flops(arch, *, position=_s + _n, convention: FlopConvention = CAUSAL_EXACT) -> Expr:
    """FLOPs of decoding one token per sequence at ``position``: ``F(position) − F(position − 1)``."""
    position = as_expr(position)
    return expand(_forward(arch, convention, position) - _forward(arch, convention, position - 1))


def generation_flops(arch, *, convention: FlopConvention = CAUSAL_EXACT) -> Expr:
    """FLOPs of a prompt of ``s`` tokens and ``n`` generated ones: prefill + Σ decode = ``F(s+n)``.

    >>> from symparams.families import architecture
    >>> arch = architecture("gpt-classic")
    >>> expand(generation_flops(arch) - prefill_flops(arch) - summed_decode(arch)) == 0
    True
    """
    return expand(_forward(arch, convention, _s + _n))


def summed_decode(arch, *, convention: FlopConvention = CAUSAL_EXACT) -> Expr:
    """Σ of :func:`decode_flops` over the ``n`` decode steps (positions ``s+1 … s+n``): ``F(s+n) − F(s)``."""
    return expand(_forward(arch, convention, _s + _n) - _forward(arch, convention, _s))


def mean_decode_flops(arch, *, convention: FlopConvention = CAUSAL_EXACT) -> Expr:
    """FLOPs of the mean decode step: :func:`summed_decode` over ``n``."""
    return expand(summed_decode(arch, convention=convention) / _n)


def sum_over_steps(expr, position=_s) -> Expr:
    """``Σ_{i=1..n} expr(position = s + i)`` in closed form, for ``expr`` linear in ``position`` and in
    ``min(position, c)`` terms (a KV cache: full layers hold every token, windowed ones ``min(·, w−1)``).

    ``Σ min(s+i, c) = u·s + u(u+1)/2 + (n−u)·c`` with ``u = max(0, min(n, c − s))`` steps below ``c``.

    >>> from symparams.symbols import s, w
    >>> sum_over_steps(3 * s)
    3*n**2/2 + 3*n*s + 3*n/2
    """
    expr, p = as_expr(expr), as_expr(position)
    i = Dummy("i", integer=True, positive=True)
    mins = sorted(expr.atoms(Min), key=str)
    if not mins:
        return expand(summation(expr.xreplace({p: _s + i}), (i, 1, _n)))
    out = Integer(0)
    marks = [Dummy(f"m{j}") for j in range(len(mins))]
    flat = expand(expr.xreplace(dict(zip(mins, marks))))
    rest = flat
    for mark, m in zip(marks, mins):
        coeff = flat.coeff(mark)
        args = [a for a in m.args if a != p]
        if len(args) != 1 or p not in m.args or coeff.has(p) or any(x.has(mark) for x in [coeff]):
            return expand(summation(expr.xreplace({p: _s + i}), (i, 1, _n)))
        c = args[0]
        u = Max(0, Min(_n, c - _s))
        out += coeff * (u * _s + u * (u + 1) / 2 + (_n - u) * c)
        rest -= coeff * mark
    rest = expand(rest)
    if rest.free_symbols & set(marks):
        return expand(summation(expr.xreplace({p: _s + i}), (i, 1, _n)))
    return out + expand(summation(rest.xreplace({p: _s + i}), (i, 1, _n)))


def weights_bytes(arch, setup: Setup = Setup()) -> Expr:
    """Bytes of the weights one device holds: the stored format's total over ``tp``."""
    return weight_bytes(arch, setup.weights, dtype=setup.dtype, keep=setup.keep).total / setup.tp


def kv_bytes(arch, setup: Setup = Setup(), tokens=_s + _n) -> Expr:
    """Bytes of the KV cache one device holds for ``b`` sequences of ``tokens`` tokens."""
    from symparams.costs.kv_cache import kv_cache

    return kv_cache(arch, dtype=setup.kv_dtype, tokens=as_expr(tokens), b=_b).total / setup.tp

def _setup(weight_dtype, kv_dtype, setup):
    return setup if setup is not None else Setup(Scheme(weight_dtype), weight_dtype, kv_dtype)


def prefill_bytes(arch, *, weight_dtype: str = "bf16", kv_dtype: str = "bf16", tokens=_s,
                  setup: Setup | None = None) -> Expr:
    """Bytes moved by the prefill: the weights read once, the K and V of ``tokens`` written.

    >>> from symparams.families import architecture
    >>> prefill_bytes(architecture("gpt-classic"))
    2*V*h + 4*b*h*l*s + 24*h**2*l + 26*h*l
    """
    st = _setup(weight_dtype, kv_dtype, setup)
    return expand(weights_bytes(arch, st) + kv_bytes(arch, st, tokens))


def decode_bytes(arch, *, weight_dtype: str = "bf16", kv_dtype: str = "bf16", position=_s + _n,
                 setup: Setup | None = None) -> Expr:
    """Bytes moved by the decode step at ``position``: the weights, and the KV cache of ``position``
    tokens (the ``position − 1`` cached read, the new token's written).

    >>> from symparams.families import architecture
    >>> decode_bytes(architecture("gpt-classic"))
    2*V*h + 4*b*h*l*n + 4*b*h*l*s + 24*h**2*l + 26*h*l
    """
    st = _setup(weight_dtype, kv_dtype, setup)
    from symparams.studies.seq2seq import decode_weights_bytes

    return expand(decode_weights_bytes(arch, st) + kv_bytes(arch, st, position))


def kv_cache_over_generation(arch, *, dtype: str = "bf16", setup: Setup | None = None) -> Expr:
    """Σ of the KV cache bytes over the ``n`` decode steps (positions ``s+1 … s+n``), closed form.

    >>> from sympy import factor
    >>> from symparams.families import architecture
    >>> factor(kv_cache_over_generation(architecture("gpt-classic"), dtype="fp16"))
    2*b*h*l*n*(n + 2*s + 1)
    """
    st = setup if setup is not None else Setup(kv_dtype=dtype)
    return sum_over_steps(kv_bytes(arch, st, _s), _s)


def mean_decode_bytes(arch, setup: Setup = Setup()) -> Expr:
    """Bytes of the mean decode step: the weights it reads (:func:`decode_weights_bytes`), and the KV
    cache summed over the steps over ``n``."""
    from symparams.studies.seq2seq import decode_weights_bytes

    return decode_weights_bytes(arch, setup) + kv_cache_over_generation(arch, setup=setup) / _n


#: the sublayers whose row-parallel output is all-reduced (Megatron): attention (self, cross or MLA) and MLP
_ALL_REDUCED = ("attention", "mla", "mlp", "moe")


def _stack_allreduce(arch, setup: Setup, tokens, stacks) -> Expr:
    """The all-reduces of the layer stacks among ``stacks``: one after each attention and each MLP of a
    layer (one per layer with a parallel residual, which adds both to one sum), of ``b × seq × h``
    activations, ``seq`` the stack's own length with ``s`` set to ``tokens`` (an encoder's layers run
    over ``s_enc``); a ring all-reduce sends ``2(t−1)/t`` of the message from each device."""
    from symparams.symbols import h

    out = Integer(0)
    for st in stacks:
        if not st.layers:
            continue
        sublayers = 1 if arch.parallel_residual else sum(1 for c in st.block if c.key in _ALL_REDUCED)
        out += st.count * sublayers * _b * st.seq.xreplace({_s: as_expr(tokens)}) * h * dtype_bytes(setup.dtype)
    t = setup.tp
    return expand(2 * (t - 1) / t * out)


def allreduce_bytes(arch, setup: Setup = Setup(), tokens=_s) -> Expr:
    """Bytes each device sends for the tensor-parallel all-reduces of a forward pass over ``b × tokens``.

    Megatron-style: one all-reduce after each attention and each MLP of every layer (one per layer
    with a parallel residual; an encoder-decoder's decoder layers have three: self-attention,
    cross-attention, MLP) of ``b·seq·h`` activations in ``dtype``; a ring all-reduce sends
    ``2(t−1)/t`` of the message from each device. 0 at ``t = 1``.
    """
    return _stack_allreduce(arch, setup, tokens, arch.stacks)


def decode_allreduce_bytes(arch, setup: Setup = Setup()) -> Expr:
    """Bytes each device sends for the tensor-parallel all-reduces of one decode step (one token per
    sequence): :func:`allreduce_bytes` at one token; an encoder-decoder's decoder layers only (three
    all-reduces a layer: self-attention, cross-attention, MLP).

    >>> from symparams.families import architecture
    >>> decode_allreduce_bytes(architecture("t5").with_head, Setup(tp=2))
    6*b*h*l_dec
    """
    if not arch.is_encoder_decoder:
        return allreduce_bytes(arch, setup, 1)
    from symparams.studies.seq2seq import decoder_stacks

    return _stack_allreduce(arch, setup, 1, decoder_stacks(arch))


def activation_bytes(arch, setup: Setup = Setup(), tokens=_s) -> Expr:
    """Peak transient activations of a prefill over ``b × tokens`` (no autograd): the residual stream
    and the widest non-quadratic intermediate of a layer (each component's ``op_outputs``; attention
    scores are not stored by fused kernels) in ``dtype``, and the last position's logits in fp32."""
    from symparams.symbols import V, h

    logits = any(mm.kind == "logits" for c, st in arch.parts() for mm in c.matmuls(_b, st.seq))
    last = 4 * _b * V if logits else Integer(0)
    if arch.is_encoder_decoder:
        from symparams.studies.seq2seq import peak_per_stack

        return dtype_bytes(setup.dtype) * peak_per_stack(arch, tokens) + last
    widths = {h}
    for c, st in arch.parts():
        if st.layers:
            for act in c.op_outputs(_b, _s):
                if not act.quadratic:
                    widths.add(cancel(act.numel / (_b * _s)))
    widest = Max(*widths)
    return (dtype_bytes(setup.dtype) * _b * as_expr(tokens) * (h + widest) + last)


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
class Roofline:
    """Time lower bound ``max(F/peak, B/bandwidth)`` and when the work is compute-bound."""

    flops: Expr
    bytes_moved: Expr
    device: Device
    dtype: str = "bf16"

    @property
    def peak(self) -> int:
        return self.device.flops(self.dtype)

    @property
    def seconds(self) -> Expr:
        return Max(self.flops / self.peak, self.bytes_moved / self.device.bandwidth)

    @property
    def compute_bound(self):
        """The inequality ``F·bandwidth ≥ B·peak`` (intensity at or above the ridge)."""
        return Ge(expand(self.flops * self.device.bandwidth - self.bytes_moved * self.peak), 0)

    def at(self, values: Mapping) -> dict:
        """Seconds (exact Fraction), the bound, and the intensity at ``values``."""
        sizes = normalize_values(values)
        f, by = evaluate_exact(self.flops, sizes), evaluate_exact(self.bytes_moved, sizes)
        tc, tm = f / self.peak, by / self.device.bandwidth
        return {"seconds": max(tc, tm), "bound": "compute" if tc >= tm else "memory",
                "intensity": f / by, "ridge": Fraction(self.peak, self.device.bandwidth)}

    def _repr_latex_(self) -> str:
        from symparams.printing.reprs import roofline_latex

        return roofline_latex(self)


def roofline(flops, bytes_moved, device: Device | str, dtype: str = "bf16") -> Roofline:
    """The roofline bound of ``flops`` and ``bytes_moved`` on ``device`` (a Device or a name of
    :data:`symparams.devices.DEVICES`) at the peak FLOP/s of ``dtype``.

    >>> from symparams.families import architecture
    >>> arch = architecture("gpt-classic")
    >>> r = roofline(decode_flops(arch), decode_bytes(arch), "a100-80gb")
    >>> r.at({"l": 48, "h": 1600, "V": 50257, "b": 1, "s": 1000, "n": 24})["bound"]
    'memory'
    """
    return Roofline(as_expr(flops), as_expr(bytes_moved), _device(device), dtype)


def _phase(arch, phase: str, setup: Setup, position):
    if phase == "prefill":
        return prefill_flops(arch, setup.convention, last_logits=True) / setup.tp, prefill_bytes(arch, setup=setup)
    choose("phase", phase, ("decode", "prefill"))
    if position is None:
        return mean_decode_flops(arch, convention=setup.convention) / setup.tp, mean_decode_bytes(arch, setup)
    return (decode_flops(arch, position=position, convention=setup.convention) / setup.tp,
            decode_bytes(arch, position=position, setup=setup))


def _sizes(values: Mapping) -> dict:
    return {k: Integer(v) for k, v in normalize_values(values).items() if k not in (_b, _s, _n)}


def compute_bound_condition(arch, device: Device | str, values: Mapping, *, phase: str = "decode",
                            setup: Setup = Setup(), position=None):
    """The compute-bound inequality of ``phase`` (``"decode"``: the mean step, or the step at
    ``position``; ``"prefill"``) in ``b``, ``s`` and ``n``, the model's other sizes from ``values``."""
    f, by = _phase(arch, phase, setup, position)
    cond = roofline(f, by, device, setup.peak_dtype).compute_bound
    return Ge(expand(cond.lhs.xreplace(_sizes(values))), 0)


def critical_batch(arch, device: Device | str, values: Mapping, *, setup: Setup = Setup(), position=None):
    """The batch ``b*`` at and above which decoding is compute-bound, exactly, as an expression in
    ``s`` and ``n`` (the mean step; or the step at ``position``).

    A decode step's FLOPs are ``b·f`` and its bytes ``W + b·k`` (weights once, a KV cache per
    sequence), so ``b·f/peak ≥ (W + b·k)/bandwidth`` exactly when ``b ≥ W·peak / (f·bandwidth −
    k·peak)`` — where that denominator is positive; ``oo`` (never) where the KV cache alone outruns
    the ridge (``k/f`` above ``bandwidth/peak``).

    >>> from symparams.symbols import s, n
    >>> from symparams.families import architecture
    >>> sizes = {"l": 48, "h": 1600, "V": 50257}
    >>> bstar = critical_batch(architecture("gpt-classic"), "a100-80gb", sizes)
    >>> bstar.xreplace({s: 1, n: 1})   # 157.86: the ridge 312/2.039 = 153.0, plus the KV cache and biases
    23339544000/147854147
    """
    f, by = _phase(arch, "decode", setup, position)
    dev = _device(device)
    peak = dev.flops(setup.peak_dtype)
    eq = expand((f * dev.bandwidth - by * peak).xreplace(_sizes(values)))
    alpha, beta = eq.coeff(_b, 1), -eq.coeff(_b, 0)
    if expand(alpha * _b - beta - eq) != 0:
        raise ValueError(f"decode cost is not linear in the batch: {eq}")
    content, primitive = alpha.as_content_primitive()  # content > 0: the condition on the primitive part
    return Piecewise((factor(beta / alpha), primitive > 0), (oo, True))


# ---- the derivation ``derive MODEL --cost inference`` shows ------------------------------------

def _pieces_at(bd, change, quantity: str, convention: str):
    from dataclasses import replace

    from symparams.breakdown import Breakdown

    pieces = tuple(replace(p, expr=expand(change(p))) for p in bd.pieces)
    return Breakdown(quantity, bd.unit, tuple(p for p in pieces if p.expr != 0), bd.repeats,
                     convention=convention, notes=bd.notes)


def inference_breakdowns(arch, setup: Setup = Setup()) -> list:
    """The symbolic breakdowns of a generation, piece by piece: the prefill's FLOPs (``s`` prompt
    tokens, logits of the last one), the ``n`` decode steps' FLOPs, the weights in their stored format,
    the KV cache after ``s + n`` tokens, and the KV cache read and written over the decode steps."""
    from symparams.costs.flops import forward_flops
    from symparams.costs.kv_cache import kv_cache

    conv = setup.convention
    fwd = forward_flops(arch, conv, b=_b)
    logits = {f"{c.key}.{mm.name}" for c, st in arch.parts() for mm in c.matmuls(_b, st.seq) if mm.kind == "logits"}
    prefill = _pieces_at(fwd, lambda p: p.expr.xreplace({_s: Integer(1)}) if p.key in logits else p.expr,
                         "prefill FLOPs", f"{conv.describe()}; the prefill's logits at its last position only")
    decode = _pieces_at(fwd, lambda p: p.expr.xreplace({_s: _s + _n}) - p.expr, "decode FLOPs (n steps)",
                        f"{conv.describe()}; F(s+n) − F(s): the n tokens after the prompt, KV cached")
    cache = kv_cache(arch, dtype=setup.kv_dtype, tokens=_s, b=_b)
    final = _pieces_at(cache, lambda p: p.expr.xreplace({_s: _s + _n}), "KV cache", cache.convention +
                       "; after s + n tokens")
    traffic = _pieces_at(cache, lambda p: sum_over_steps(p.expr, _s), "KV cache traffic (n steps)",
                         cache.convention + "; read and written by each decode step, summed over the n steps")
    weights = weight_bytes(arch, setup.weights, dtype=setup.dtype, keep=setup.keep)
    return [prefill, decode, weights, final, traffic]


def derivation_parts(m, *, batch: int = 1, seq: int | None = None, gen: int | None = None,
                     dtype: str = "bf16", convention=None) -> list:
    """Evaluated :func:`inference_breakdowns` for model ``m``: a prompt of ``seq`` tokens (default: the
    context length less the generated ones) and ``gen`` generated tokens (default 1), weights and KV
    cache in ``dtype``.

    >>> from symparams.presets import model
    >>> [e.breakdown.quantity for e in derivation_parts(model("gpt2"))]
    ['prefill FLOPs', 'decode FLOPs (n steps)', 'weights', 'KV cache', 'KV cache traffic (n steps)']
    """
    from symparams.conventions import as_convention
    from symparams.costs.kv_cache import kv_cache
    from symparams.errors import OptionError

    if not m.architecture.is_encoder_decoder and kv_cache(m.architecture).total == 0:
        raise OptionError(f"--cost inference: {m.name} is an encoder: it has no decode and no KV cache (its one "
                          "forward pass is --cost flops)")
    gen = 1 if gen is None else gen
    seq = m.default_seq() - gen if seq is None else seq
    flops = CAUSAL_EXACT if convention is None else as_convention(convention).flops
    setup = Setup(Scheme(dtype), dtype, dtype, convention=flops)
    return [m.evaluate(bd, batch, seq, n=gen) for bd in inference_breakdowns(m.architecture, setup)]
