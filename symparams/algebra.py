"""Operations a user does on a cost formula: closed forms and leading order.

Leading order is exact and symbolic: the "large" symbols are scaled by ``t``,
and the terms with the top power of ``t`` are kept. Which symbols are large is
a choice, so it is an argument (the default: depth and widths).

>>> from symparams.symbols import l, h, V, s, b
>>> P = 12*l*h**2 + 13*l*h + V*h
>>> leading_order(P)
12*h**2*l
>>> round(float(relative_error(P, leading_order(P), {"l": 48, "h": 1600, "V": 50257})), 4)
0.0523
>>> leading_order(24*b*s*h**2 + 4*b*s**2*h, large=(s,))
4*b*h*s**2
>>> closed_form(V*h + l*(12*h**2 + 13*h))
V*h + l*(12*h**2 + 13*h)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Mapping

from sympy import Add, Dummy, Expr, Poly, ceiling, collect, expand, factor_terms, floor

from symparams._expr import as_expr
from symparams.symbols import d_dec, d_ff, d_head, h, l, l_dec
from symparams.values import evaluate_exact, normalize_values

__all__ = ["DEFAULT_LARGE", "closed_form", "leading_order", "relative_error", "by_powers"]

#: depth and widths; an encoder-decoder's decoder depth and MLP width grow with them
DEFAULT_LARGE = (l, h, d_ff, d_head, l_dec, d_dec)


def closed_form(expr, *, by=l) -> Expr:
    """Multiply out, then gather terms by ``by`` (layers by default): ``V h + l (…)``."""
    return collect(expand(as_expr(expr)), by)


def leading_order(expr, large: Iterable = DEFAULT_LARGE) -> Expr:
    """Terms of ``expr`` of top degree when the ``large`` symbols grow together.

    Each large symbol ``x`` is replaced by ``t·x``; the coefficient of the
    highest power of ``t`` is the leading-order form (exact, symbolic).

    >>> from sympy import ceiling
    >>> from symparams.symbols import V
    >>> leading_order(ceiling(l/2)*h**2 + l*h + V*h)   # alternating layers: half of them global
    h**2*ceiling(l/2)
    """
    expr = expand(as_expr(expr))
    large = [x for x in large if x in expr.free_symbols]
    if not large:
        return expr
    t = Dummy("t", positive=True)
    scaled = expand(expr.xreplace({x: t * x for x in large}))
    terms = Add.make_args(scaled)
    degrees = [_degree(term, t) for term in terms]
    top = max(degrees)
    kept = [term for term, deg in zip(terms, degrees) if deg == top]
    return expand(Add(*kept).xreplace({t: 1}))


def _degree(term: Expr, t) -> int:
    """Power of ``t`` a term grows as; ``ceiling(x)`` and ``floor(x)`` grow as ``x``
    (``ceiling(l/2)`` layers of one kind in an alternating stack)."""
    growth = term.replace(lambda e: isinstance(e, (ceiling, floor)), lambda e: e.args[0])
    return Poly(growth, t).degree() if growth.has(t) else 0


def relative_error(expr, approx, values: Mapping) -> Fraction:
    """``(expr − approx) / expr`` at ``values``, exact (a Fraction)."""
    sizes = normalize_values(values)
    exact = evaluate_exact(expr, sizes)
    return (exact - evaluate_exact(approx, sizes)) / exact


def by_powers(expr, symbol=h) -> dict[int, Expr]:
    """Coefficients of ``expr`` by power of ``symbol`` (``{2: 12*l, 1: V + 13*l}``)."""
    poly = Poly(expand(as_expr(expr)), symbol)
    return {int(m[0]): factor_terms(c) for m, c in zip(poly.monoms(), poly.coeffs())}
