"""Turn numbers into SymPy objects without ever parsing text."""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable

from sympy import Add, Basic, Expr, Integer, Rational

__all__ = ["as_expr", "sum_exprs"]


def as_expr(value) -> Expr:
    """Return ``value`` as a SymPy expression: ints and Fractions exactly.

    Strings and floats are refused: a formula is built from symbols, never
    parsed, and a float inside a formula would make counts inexact.

    >>> as_expr(3), as_expr(Fraction(8, 3))
    (3, 8/3)
    >>> as_expr("h")
    Traceback (most recent call last):
    ...
    TypeError: expected an int, Fraction or SymPy expression, got str 'h'
    """
    if isinstance(value, Basic):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Integer(value)
    if isinstance(value, Fraction):
        return Rational(value.numerator, value.denominator)
    raise TypeError(
        f"expected an int, Fraction or SymPy expression, got {type(value).__name__} {value!r}"
    )


def sum_exprs(exprs: Iterable) -> Expr:
    """Sum expressions in one ``Add`` (one canonicalisation, not one per term)."""
    return Add(*(as_expr(e) for e in exprs))
