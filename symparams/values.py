"""Concrete sizes for the symbols, and exact evaluation of formulas at them.

A value mapping may be keyed by symbols or by their plain names; every value
must be a positive Python ``int`` (``bool`` and floats are refused, so a count
can never silently become inexact).

>>> from symparams.symbols import h, l, V
>>> sizes = normalize_values({"h": 768, l: 12})
>>> evaluate(12*l*h**2 + 13*l*h, sizes)
85054464
>>> evaluate(V*h, sizes)
Traceback (most recent call last):
...
symparams.errors.MissingValueError: cannot evaluate V*h: no value for V (vocabulary size)
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Mapping

from sympy import Expr, Integer, Max, Min, Rational, Symbol

from symparams._expr import as_expr
from symparams.errors import ConfigError, ConfigTypeError, MissingValueError, shown, type_name
from symparams.symbols import DESCRIPTIONS, by_name

__all__ = ["normalize_values", "evaluate", "evaluate_exact"]


def normalize_values(values: Mapping, *, source: str = "values") -> dict[Symbol, int]:
    """Return ``{Symbol: int}`` from a mapping keyed by symbols or names.

    Raises
    ------
    ConfigError
        If a value is not a positive integer (the message names the symbol).
    UnknownSymbolError
        If a key names no symbol.
    """
    if not isinstance(values, Mapping):
        raise ConfigTypeError(f"{source}: sizes {shown(values)} ({type_name(values)}) must be a mapping such as "
                              "{'h': 768, 'l': 12}")
    out: dict[Symbol, int] = {}
    for key, value in values.items():
        if not isinstance(key, (Symbol, str)):
            raise ConfigTypeError(f"{source}: key {shown(key)} ({type_name(key)}) must be a size symbol or its name "
                                  "such as 'h'")
        sym = key if isinstance(key, Symbol) else by_name(key)
        if isinstance(value, Integer):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            fix = "pass int(value)" if hasattr(value, "__index__") and not isinstance(value, bool) else \
                "pass a positive int"
            raise ConfigTypeError(
                f"{source}: {sym.name}={shown(value)} ({type_name(value)}) must be a positive integer (a Python int); "
                f"{fix} — {sym.name} is the {DESCRIPTIONS.get(sym, sym.name)}"
            )
        if value <= 0:
            raise ConfigError(
                f"{source}: {sym.name}={shown(value)} must be a positive integer — "
                f"{sym.name} is the {DESCRIPTIONS.get(sym, sym.name)}"
            )
        out[sym] = value
    return out


def _missing(expr: Expr, values: Mapping[Symbol, int]) -> list[Symbol]:
    return sorted((s for s in expr.free_symbols if s not in values), key=lambda s: s.name)


def _compile(expr):
    """``expr`` as a Python function of the values with Python ints and Fractions (several times faster
    than ``xreplace`` on cost formulas, no SymPy objects built), or None for a node it does not know, so
    the caller can fall back."""
    if expr.is_Symbol:
        return lambda v: v[expr]
    if expr.is_Integer or expr.is_Rational:
        const = int(expr) if expr.is_Integer else Fraction(int(expr.p), int(expr.q))
        return lambda v: const
    if expr.is_Add or expr.is_Mul or isinstance(expr, (Min, Max)):
        parts = [_compile(arg) for arg in expr.args]
        if any(p is None for p in parts):
            return None
        if expr.is_Add:
            return lambda v: sum(p(v) for p in parts)
        if expr.is_Mul:
            def product(v):
                out = 1
                for p in parts:
                    out *= p(v)
                return out
            return product
        pick = min if isinstance(expr, Min) else max
        return lambda v: pick(p(v) for p in parts)
    if expr.is_Pow and expr.exp.is_Integer:
        base, exp = _compile(expr.base), int(expr.exp)
        if base is None:
            return None
        if exp >= 0:
            return lambda v: base(v) ** exp
        return lambda v: Fraction(1, base(v) ** -exp)
    return None


@lru_cache(maxsize=16384)
def _plan(expr):
    """The symbols ``expr`` needs and its compiled function (None: evaluate with ``xreplace``), once
    per expression: a batch of configs of one family evaluates the same formulas again and again."""
    return frozenset(expr.free_symbols), _compile(expr)


def evaluate_exact(expr, values: Mapping[Symbol, int]) -> Fraction:
    """Evaluate ``expr`` at ``values`` to an exact :class:`~fractions.Fraction`."""
    expr = as_expr(expr)
    needed, fast_fn = _plan(expr)
    if not all(sym in values for sym in needed):
        missing = _missing(expr, values)
        names = ", ".join(f"{s.name} ({DESCRIPTIONS.get(s, s.name)})" for s in missing)
        raise MissingValueError(f"cannot evaluate {expr}: no value for {names}")
    if fast_fn is not None:
        return Fraction(fast_fn(values))
    result = expr.xreplace({s: Integer(values[s]) for s in expr.free_symbols})
    if not isinstance(result, Rational):
        raise TypeError(f"{expr} did not evaluate to a rational number: {result}")
    return Fraction(int(result.p), int(result.q))


def evaluate(expr, values: Mapping[Symbol, int]) -> int:
    """Evaluate ``expr`` at ``values`` to an exact Python ``int``.

    Raises
    ------
    MissingValueError
        If a symbol of ``expr`` has no value.
    ConfigError
        If the result is not a whole number — the sizes break a divisibility
        the formula assumes (for example ``h`` not divisible by ``a``).
    """
    exact = evaluate_exact(expr, values)
    if exact.denominator != 1:
        shown = ", ".join(f"{s.name}={values[s]}" for s in sorted(as_expr(expr).free_symbols, key=str))
        raise ConfigError(
            f"{expr} is not a whole number at {shown} (= {exact}); "
            "check divisibility such as h % a == 0 or a % n_kv == 0"
        )
    return exact.numerator
