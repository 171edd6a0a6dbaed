"""One cost under two conventions, and their difference, symbolically.

>>> from symparams.families import architecture
>>> from symparams.conventions import DEFAULT, parse_convention
>>> d = diff("forward_flops", architecture("gpt-classic"), DEFAULT, parse_convention("causal-half"))
>>> d.difference
2*b*h*l*s**2
>>> d.at({"l": 12, "h": 768, "V": 50257, "b": 1, "s": 1024})["difference"] == 2 * 768 * 12 * 1024**2
True
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, expand, factor

from symparams.conventions import Convention, as_convention
from symparams.costs.registry import breakdown

__all__ = ["ConventionDiff", "diff", "difference"]


@dataclass(frozen=True)
class ConventionDiff:
    """``cost`` under conventions ``a`` and ``b``, and ``a − b`` (expanded, then factored)."""

    cost: str
    a: Convention
    b: Convention
    expr_a: Expr
    expr_b: Expr
    difference: Expr

    def at(self, values) -> dict:
        """Both values, their difference and ratio a/b, exact (ints or Fractions)."""
        from symparams.values import evaluate_exact, normalize_values

        sizes = normalize_values(values)
        va, vb = (evaluate_exact(e, sizes) for e in (self.expr_a, self.expr_b))
        as_int = lambda x: int(x) if x.denominator == 1 else x  # noqa: E731
        return {"a": as_int(va), "b": as_int(vb), "difference": as_int(va - vb),
                "ratio": as_int(va / vb) if vb else None}

    def _repr_latex_(self) -> str:
        from symparams.printing.reprs import convention_diff_latex

        return convention_diff_latex(self)


def diff(cost: str, arch, a, b, *, dtype: str = "bf16") -> ConventionDiff:
    """``cost`` (a name of :data:`~symparams.costs.registry.COSTS`) under ``a`` minus under ``b``."""
    ca, cb = as_convention(a), as_convention(b)
    ea = breakdown(arch, cost, ca, dtype=dtype).total
    eb = breakdown(arch, cost, cb, dtype=dtype).total
    return ConventionDiff(cost, ca, cb, ea, eb, factor(expand(ea - eb)))


def difference(first, second, cost: str = "params", convention=None, *, dtype: str = "bf16"):
    """``cost`` of architecture ``first`` minus that of ``second``, multiplied out then factored:
    how a variant differs from its base, symbolically.

    >>> from dataclasses import replace
    >>> from symparams.families import architecture
    >>> base = architecture("gpt-classic")
    >>> no_bias = base.map_components(lambda c: replace(c, qkv_bias=False, o_bias=False)
    ...                               if c.key == "attention" else c, name="no-attention-bias")
    >>> difference(no_bias, base)
    -4*h*l
    """
    ea = breakdown(first, cost, convention, dtype=dtype).total
    eb = breakdown(second, cost, convention, dtype=dtype).total
    return factor(expand(ea - eb))
