"""Compiled evaluators: a cost formula turned into a function of its sizes.

:func:`evaluator` compiles a formula once (``sympy.lambdify`` over its
numerator and denominator in nested Horner form, integer coefficients only) and
then evaluates it in two modes:

* **exact** (:meth:`Evaluator.exact`, :meth:`Evaluator.exact_many`): Python
  ``int`` arithmetic, never a float, so no digit is lost at 10²⁷ or 10¹⁰⁰.
* **fast** (:meth:`Evaluator.fast`): vectorised over numpy arrays (or any array
  speaking the numpy protocol, e.g. Dask). ``dtype="int64"`` first bounds every
  intermediate value (the formula with absolute coefficients, at the largest
  size of each input, computed exactly); if that bound does not fit in int64
  the whole evaluation falls back to exact ``object`` arrays of Python ints —
  a result never wraps around. ``dtype="float64"`` is plain floating point
  (relative error a few ulps per operation).

numpy is imported only by the fast mode (extra ``fast``); ``import symparams``
does not import it.

>>> from symparams.symbols import h, l, V
>>> ev = evaluator(12*l*h**2 + 13*l*h + V*h)
>>> ev.exact(h=1600, l=48, V=50257)
1555969600
>>> ev.exact(h=10**9, l=10**9, V=50257)
12000000013000050257000000000
>>> ev.exact_many({"h": [768, 1600], "l": [12, 48], "V": [50257, 50257]})
[123651840, 1555969600]
>>> evaluator(h / (2*l)).exact(h=6, l=4)
Traceback (most recent call last):
...
symparams.errors.ConfigError: h/(2*l) is not a whole number at h=6, l=4 (= 6/8); check divisibility such as h % a == 0 or a % n_kv == 0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from math import lcm
from typing import Any, Mapping, Sequence

from sympy import Dummy, Expr, Max, Min, Poly, Symbol, cancel, fraction, lambdify, together

from symparams._expr import as_expr
from symparams.errors import ConfigError, MissingValueError
from symparams.symbols import DESCRIPTIONS, by_name

__all__ = ["Evaluator", "evaluator", "INT64_MAX"]

INT64_MAX = 2**63 - 1


def _symbol(key) -> Symbol:
    return key if isinstance(key, Symbol) else by_name(key)


def _horner(expr: Expr, gens: Sequence[Symbol]) -> Expr:
    """Nested Horner form of a polynomial in ``gens`` (first gen outermost)."""
    if not gens or expr.is_Number:
        return expr
    x, rest = gens[0], gens[1:]
    terms = Poly(expr, x).all_coeffs()[::-1]  # c0, c1, ..., cd
    acc = None
    gap = 0
    for c in reversed(terms):  # from the top degree down
        if acc is None:
            acc = _horner(c, rest)
            continue
        gap += 1
        if c != 0:
            acc = acc * x**gap + _horner(c, rest)
            gap = 0
    return acc * x**gap if gap else acc


def _integer_parts(expr: Expr, gens: Sequence[Symbol]) -> tuple[Expr, Expr]:
    """``expr`` as ``numerator / denominator``, both polynomials with integer coefficients."""
    num, den = fraction(cancel(together(expr)))
    for part in (num, den):
        if gens and not part.is_polynomial(*gens) or not gens and not part.is_Number:
            raise TypeError(f"{expr} is not a rational function of its size symbols")
    coeffs = [*Poly(num, *gens).coeffs(), *Poly(den, *gens).coeffs()] if gens else [num, den]
    scale = lcm(*(int(c.q) for c in coeffs))
    num, den = (num * scale).expand(), (den * scale).expand()
    if den.is_Number and den < 0:
        num, den = -num, -den
    return num, den


def _abs_poly(poly: Expr, gens: Sequence[Symbol]) -> list[tuple[int, tuple[int, ...]]]:
    """``[(|coefficient|, exponents)]``: bounds every intermediate of a Horner evaluation."""
    if not gens:
        return [(abs(int(poly)), ())]
    return [(abs(int(c)), m) for m, c in Poly(poly, *gens).terms()]


def _bound(terms, maxima: Sequence[int]) -> int:
    total = 0
    for c, exps in terms:
        for m, e in zip(maxima, exps):
            c *= m**e
        total += c
    return total


def _compile(args: Sequence[Symbol], body: Expr):
    # lambdify prints ``body`` with SymPy's Python code printer and compiles the
    # result; ``body`` is always built here from an internal SymPy expression,
    # never from text a user or a file supplied.  modules=[]: plain Python
    # operators only, so ints stay ints and numpy/Dask arrays broadcast.
    return lambdify(list(args), body, modules=[], cse=True, docstring_limit=0)


@dataclass(frozen=True, eq=False)
class Evaluator:
    """A formula compiled for repeated evaluation. Build with :func:`evaluator`.

    ``symbols`` are the formula's size symbols in argument order (sorted by
    name unless given); ``numerator`` / ``denominator`` are integer polynomials
    whose quotient is the formula (``Min``/``Max`` terms, such as a sliding
    window ``Min(s, w - 1)``, stand in them as placeholders evaluated first).
    """

    expr: Expr
    symbols: tuple[Symbol, ...]
    numerator: Expr
    denominator: Expr
    _num: Any = field(repr=False)
    _den: Any = field(repr=False)
    _num_terms: tuple = field(repr=False)
    _den_terms: tuple = field(repr=False)
    _atoms: tuple = field(repr=False, default=())  # (("min" | "max", (Evaluator, ...)), ...)

    @property
    def names(self) -> tuple[str, ...]:
        """Plain names of :attr:`symbols` (the keyword arguments accepted)."""
        return tuple(sym.name for sym in self.symbols)

    @property
    def is_polynomial(self) -> bool:
        """True when the denominator is 1 (no division at evaluation)."""
        return self.denominator == 1

    def _args(self, values: Mapping | None, kwargs: Mapping) -> list:
        given = {_symbol(k): v for k, v in {**(values or {}), **kwargs}.items()}
        missing = [sym for sym in self.symbols if sym not in given]
        if missing:
            names = ", ".join(f"{s.name} ({DESCRIPTIONS.get(s, s.name)})" for s in missing)
            raise MissingValueError(f"cannot evaluate {self.expr}: no value for {names}")
        return [given[sym] for sym in self.symbols]

    def _divide(self, num: int, den: int, args: Sequence[int]) -> int:
        q, r = divmod(num, den)
        if r:
            shown = ", ".join(f"{s.name}={v}" for s, v in zip(self.symbols, args))
            raise ConfigError(
                f"{self.expr} is not a whole number at {shown} (= {num}/{den}); "
                "check divisibility such as h % a == 0 or a % n_kv == 0"
            )
        return q

    def _raw(self, args: Sequence[int]) -> int:
        """Exact value at one config of validated ints."""
        full = (*args, *((min if op == "min" else max)(ev._raw(args) for ev in evs) for op, evs in self._atoms))
        num = self._num(*full)
        return num if self.is_polynomial else self._divide(num, self._den(*full), args)

    # -- exact mode ---------------------------------------------------------
    def exact(self, values: Mapping | None = None, /, **sizes) -> int:
        """The formula at one config, as an exact ``int`` (sizes by symbol or name).

        Raises :class:`~symparams.errors.ConfigError` for a size that is not a
        positive int or a result that is not whole, and
        :class:`~symparams.errors.MissingValueError` for a missing size.
        """
        args = self._args(values, sizes)
        for sym, v in zip(self.symbols, args):
            _check_size(sym, v)
        return self._raw(args)

    def exact_many(self, columns: Mapping, /) -> list[int]:
        """The formula at many configs: ``columns`` maps each symbol to a sequence of ints.

        Config ``i`` takes element ``i`` of every column; returns exact ints.
        """
        cols = [list(c) for c in self._args(columns, {})]
        lengths = {len(c) for c in cols}
        if len(lengths) > 1:
            raise ConfigError(f"columns differ in length: {dict(zip(self.names, map(len, cols)))}")
        for sym, col in zip(self.symbols, cols):
            if not all(type(v) is int and v > 0 for v in col):
                for v in col:
                    _check_size(sym, v)
        if not cols:
            return [self.exact()]
        if self._atoms or not self.is_polynomial:
            return [self._raw(args) for args in zip(*cols)]
        return list(map(self._num, *cols))

    # -- fast mode ------------------------------------------------------------
    def _bound(self, maxima: Sequence[int]) -> int:
        """An upper bound of every intermediate's magnitude when each size is ≤ its maximum."""
        extra = [max(ev._bound(maxima) for ev in evs) for _, evs in self._atoms]
        full = [*maxima, *extra]
        return max(_bound(self._num_terms, full), _bound(self._den_terms, full), *extra)

    def _vector(self, np, args: Sequence, floating: bool):
        extra = []
        for op, evs in self._atoms:
            vals = [ev._vector(np, args, floating) for ev in evs]
            acc = vals[0]
            for v in vals[1:]:
                both_int = isinstance(acc, int) and isinstance(v, int)
                acc = (min if op == "min" else max)(acc, v) if both_int else (
                    np.minimum if op == "min" else np.maximum)(acc, v)
            extra.append(acc)
        full = (*args, *extra)
        num = self._num(*full)
        if self.is_polynomial:
            return num + 0.0 if floating else num
        den = self._den(*full)
        if floating:
            return num / den
        q, r = num // den, num % den
        if bool(np.any(r != 0)):
            raise ConfigError(
                f"{self.expr} is not a whole number at some configs; "
                "check divisibility such as h % a == 0 or a % n_kv == 0"
            )
        return q

    def fast(self, values: Mapping | None = None, /, *, dtype: str = "int64", **arrays):
        """The formula over arrays of sizes (broadcast together), vectorised.

        ``dtype="int64"``: exact int64 results when every intermediate fits,
        otherwise exact ``object`` arrays of Python ints (never wrapped).
        ``dtype="float64"``: floating point. Inputs may be numpy arrays, any
        array implementing the numpy protocol (Dask), sequences or ints.
        """
        import numpy as np

        if dtype not in ("int64", "float64"):
            raise ConfigError(f"dtype={dtype!r} is not supported; use 'int64' or 'float64'")
        args = [_as_array(np, sym, x) for sym, x in zip(self.symbols, self._args(values, arrays))]
        if dtype == "float64":
            args = [x.astype(np.float64) if hasattr(x, "astype") else float(x) for x in args]
            out = self._vector(np, args, floating=True)
            return out if hasattr(out, "shape") else np.asarray(out, dtype=np.float64)
        maxima = [_extremes(np, sym, x) for sym, x in zip(self.symbols, args)]
        fits = all(m <= INT64_MAX for m in maxima) and self._bound(maxima) <= INT64_MAX
        if not fits:
            args = [_as_object(np, x) for x in args]
        out = self._vector(np, args, floating=False)
        return out if hasattr(out, "shape") else np.asarray(out, dtype=np.int64 if fits else object)


def _check_size(sym: Symbol, v) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise ConfigError(f"{sym.name}={v!r} must be a positive integer ({DESCRIPTIONS.get(sym, sym.name)})")


def _as_array(np, sym: Symbol, x):
    if isinstance(x, int) and not isinstance(x, bool):
        _check_size(sym, x)
        return x if x <= INT64_MAX else np.asarray(x, dtype=object)
    if not hasattr(x, "dtype") or not hasattr(x, "__array_ufunc__"):
        x = np.asarray(x)
    kind = x.dtype.kind
    if kind not in "iuO":
        raise ConfigError(
            f"{sym.name}: sizes must be integers, got an array of dtype {x.dtype}; "
            "pass integer arrays (use dtype='float64' for float output)"
        )
    return x


def _extremes(np, sym: Symbol, x) -> int:
    """The largest element of ``x`` as an int, after checking every element is ≥ 1."""
    if isinstance(x, int):
        return x
    lo, hi = x.min(), x.max()
    lo, hi = int(lo), int(hi)  # computes a Dask reduction here, nothing else
    if lo < 1:
        raise ConfigError(f"{sym.name}={lo} must be a positive integer ({DESCRIPTIONS.get(sym, sym.name)})")
    return hi


def _as_object(np, x):
    if isinstance(x, int):
        return x
    return x.astype(object) if hasattr(x, "astype") else np.asarray(x, dtype=object)


def _split_atoms(expr: Expr) -> tuple[Expr, dict]:
    """Replace each outermost ``Min``/``Max`` by a placeholder: ``(body, {atom: placeholder})``."""
    atoms: dict = {}

    def visit(e):
        if isinstance(e, (Min, Max)):
            if e not in atoms:
                atoms[e] = Dummy(f"m{len(atoms)}", integer=True)
            return atoms[e]
        if not e.args or not e.has(Min, Max):
            return e
        return e.func(*(visit(arg) for arg in e.args))

    return visit(expr), atoms


@lru_cache(maxsize=512)
def _build(expr: Expr, symbols: tuple[Symbol, ...]) -> Evaluator:
    body, atoms = _split_atoms(expr)
    gens_all = (*symbols, *atoms.values())
    num, den = _integer_parts(body, gens_all)
    # Horner order: lowest degree outermost (fewest operations on broadcast arrays).
    degree = {s: (Poly(num, s).degree() if s in num.free_symbols else 0) for s in gens_all}
    gens = sorted(gens_all, key=lambda s: (degree[s], s.name))
    return Evaluator(
        expr, symbols, num, den,
        _compile(gens_all, _horner(num, gens)), _compile(gens_all, _horner(den, gens)),
        tuple(_abs_poly(num, gens_all)), tuple(_abs_poly(den, gens_all)),
        tuple(("min" if isinstance(atom, Min) else "max", tuple(_build(arg, symbols) for arg in atom.args))
              for atom in atoms),
    )


def evaluator(expr, symbols: Sequence | None = None) -> Evaluator:
    """Compile ``expr`` (an expression or anything with ``.total``) into an :class:`Evaluator`.

    ``symbols`` fixes the argument order and may list symbols the formula does
    not use; by default the formula's own symbols, sorted by name. Compiled
    evaluators are cached per (formula, symbols).

    >>> from symparams.families import architecture
    >>> ev = evaluator(architecture("gpt2").params())
    >>> ev.names
    ('V', 'h', 'l', 's_max')
    >>> ev.exact(V=50257, h=1600, l=48, s_max=1024)
    1557611200
    """
    if not isinstance(expr, Expr) and hasattr(expr, "total"):
        expr = expr.total
    expr = as_expr(expr)
    if symbols is None:
        syms = tuple(sorted(expr.free_symbols, key=lambda s: s.name))
    else:
        syms = tuple(_symbol(s) for s in symbols)
        unknown = expr.free_symbols - set(syms)
        if unknown:
            raise MissingValueError(
                f"{expr} uses {', '.join(sorted(s.name for s in unknown))}, not in symbols={[s.name for s in syms]}"
            )
    return _build(expr, syms)
