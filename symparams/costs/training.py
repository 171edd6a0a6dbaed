"""Training memory (weights, gradients, AdamW state, activations) and training time.

Model states follow the ZeRO paper (Rajbhandari et al. 2020): with ``Ψ``
parameters and mixed-precision AdamW, 2Ψ bytes of 16-bit weights, 2Ψ of 16-bit
gradients and ``K·Ψ`` = 12Ψ of optimizer state (fp32 master weights, first and
second moments) — 16 bytes per parameter. ZeRO stage 1 shards the optimizer
state over ``N_dp`` data-parallel devices, stage 2 the gradients too, stage 3
the weights too. A tensor-parallel degree ``t`` divides every model state by
``t`` (an approximation: replicated norms and biases are treated as sharded).

Precision recipes (bytes per parameter: weights + gradients + optimizer state):

- ``"mixed"``: 2 + 2 + 12 = 16 (bf16/fp16 weights and gradients, fp32 master + m + v);
- ``"mixed-18"``: 2 + 4 + 12 = 18 (gradients kept in fp32);
- ``"fp32"``: 4 + 4 + 8 = 16 (everything fp32, no master copy; as CS336 assumes).

>>> from symparams.families import architecture
>>> from symparams.symbols import b
>>> mem = training_memory(architecture("gpt-classic"), recipe="mixed", activations={"recompute": "selective"})
>>> alpha, beta = alpha_beta(mem.total)
>>> alpha
4*V*s + 34*h*l*s + 3*h*s
>>> beta
16*V*h + 192*h**2*l + 208*h*l
>>> max_batch(12, 100, 1000)
75
"""

from __future__ import annotations

from fractions import Fraction
from math import floor

from sympy import Expr, Rational, expand

from symparams._expr import as_expr
from symparams.breakdown import Breakdown, Piece
from symparams.errors import ConventionError, OptionError
from symparams.precision import RECIPES, Recipe, recipe
from symparams.precision import recipe as _recipe  # ``recipe`` is also training_memory's argument
from symparams.options import choose
from symparams.symbols import b as _b

__all__ = [
    "Recipe", "RECIPES", "recipe", "training_memory", "alpha_beta", "max_batch",
    "training_seconds", "mfu", "SECONDS_PER_DAY", "exact_number",
]

SECONDS_PER_DAY = 86_400
#: ZeRO stages (Rajbhandari et al. 2020): 0 none, 1 optimizer state, 2 + gradients, 3 + weights sharded
ZERO_STAGES = (0, 1, 2, 3)


def training_memory(arch, *, recipe: str = "mixed", zero: int = 0, n_dp=1, t=1,
                    sequence_parallel: bool = False, activations: dict | None = None,
                    activation_breakdown: Breakdown | None = None, b=_b) -> Breakdown:
    """Peak bytes per device of AdamW training: model states plus activations.

    ``zero`` is the ZeRO stage (0–3) over ``n_dp`` devices; ``t`` the
    tensor-parallel degree. ``activations`` are keyword arguments of
    :func:`symparams.costs.activations.activation_memory` (its dtype defaults
    to the recipe's: fp32 for ``"fp32"``, bf16 otherwise); or pass a ready
    ``activation_breakdown`` (as the CS336 accounting does).

    >>> from symparams.families import architecture
    >>> from symparams.symbols import n_dp
    >>> mem = training_memory(architecture("gpt-classic"), zero=3, n_dp=n_dp)
    >>> mem["weights"]
    (2*V*h + 2*l*(12*h**2 + 13*h))/n_dp
    """
    from symparams.costs.activations import activation_memory

    rec = _recipe(recipe)
    choose("zero", zero, ZERO_STAGES, error=ConventionError)
    params = arch.params().total
    n_dp, t = as_expr(n_dp), as_expr(t)
    shard = {"optimizer": zero >= 1, "gradients": zero >= 2, "weights": zero >= 3}
    pieces = []
    for key, per in (("weights", rec.weights), ("gradients", rec.gradients), ("optimizer", rec.optimizer)):
        divisor = t * (n_dp if shard[key] else 1)
        label = f"{key} ({per} bytes/parameter)" + (", ZeRO-sharded" if shard[key] else "")
        pieces.append(Piece(key, label, per * params / divisor))
    if activation_breakdown is None:
        options = {"dtype": "fp32" if rec.name == "fp32" else "bf16", "t": t,
                   "sequence_parallel": sequence_parallel, **(activations or {})}
        activation_breakdown = activation_memory(arch, b=b, **options)
    pieces.append(Piece("activations", "activations", activation_breakdown.total))
    conv = (f"AdamW, recipe {rec.name}: {rec.weights}+{rec.gradients}+{rec.optimizer} = {rec.total} "
            f"bytes/parameter ({rec.description}); ZeRO stage {zero} over N_dp={n_dp}; tensor parallel t={t}; "
            f"activations: {activation_breakdown.convention}")
    return Breakdown("training memory", "bytes", tuple(pieces), convention=conv)


def alpha_beta(expr, b=_b) -> tuple[Expr, Expr]:
    """``expr`` as ``α·b + β`` (expanded, collected in ``b``); refuses anything not linear in ``b``."""
    e = expand(as_expr(expr))
    alpha, beta = e.coeff(b, 1), e.coeff(b, 0)
    if alpha.has(b) or beta.has(b) or expand(alpha * b + beta - e) != 0:
        raise ConventionError(f"{expr} is not linear in {b}")
    return alpha, beta


def max_batch(alpha, beta, memory_bytes: int) -> int:
    """Largest integer ``b`` with ``α·b + β ≤ memory_bytes`` (0 if not even one fits).

    Memory is in bytes: 80 GB is ``80 * 10**9``, 80 GiB is ``80 * 2**30``.
    ``α`` and ``β`` may be exact fractions (a 4-bit dtype has half-byte
    elements); floats are refused, so the answer is never off by one.

    >>> max_batch(15_517_753_344, 34_032_921_600, 80 * 10**9)
    2
    >>> max_batch(Fraction(3, 2), 0, 7)
    4
    """
    alpha, beta = exact_number(alpha, "alpha"), exact_number(beta, "beta")
    memory_bytes = exact_number(memory_bytes, "memory_bytes")
    if alpha <= 0:
        raise OptionError(f"alpha={alpha} bytes per sequence must be positive")
    return max(0, floor((memory_bytes - beta) / alpha))


def exact_number(value, name: str) -> Fraction:
    """An int, Fraction, SymPy rational or decimal string (``"19.5e12"``) as a Fraction; floats refused.

    >>> exact_number("19.5e12", "peak"), exact_number(Rational(1, 2), "mfu")
    (Fraction(19500000000000, 1), Fraction(1, 2))
    """
    if isinstance(value, Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, bool) or isinstance(value, float):
        raise OptionError(f"{name}={value!r}: pass an int, a Fraction or a decimal string "
                          f"(e.g. Fraction('19.5e12')), not a float — counts stay exact")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value)
        except ValueError:
            raise OptionError(f"{name}={value!r} is not a decimal number") from None
    raise OptionError(f"{name}={value!r}: expected an int, Fraction or decimal string")


def training_seconds(flops_per_step, steps, peak_flops_per_second, mfu) -> Fraction:
    """Wall-clock seconds of ``steps`` steps: ``steps · flops / (peak · MFU)``, exact.

    >>> training_seconds(10**15, 100, Fraction("19.5e12"), Fraction(1, 2))
    Fraction(400000, 39)
    """
    flops = exact_number(flops_per_step, "flops_per_step")
    peak = exact_number(peak_flops_per_second, "peak_flops_per_second")
    util = exact_number(mfu, "mfu")
    if peak <= 0 or not 0 < util <= 1:
        raise OptionError(f"peak={peak} must be > 0 and 0 < mfu={util} <= 1")
    return exact_number(steps, "steps") * flops / (peak * util)


def mfu(flops_per_step, step_seconds, peak_flops_per_second) -> Fraction:
    """Model FLOPs utilisation: achieved model FLOP/s over the device peak (a Fraction).

    >>> mfu(10**15, 200, 10**13)
    Fraction(1, 2)
    """
    achieved = exact_number(flops_per_step, "flops_per_step") / exact_number(step_seconds, "step_seconds")
    return achieved / exact_number(peak_flops_per_second, "peak_flops_per_second")
