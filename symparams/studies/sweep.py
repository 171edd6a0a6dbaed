"""Sweeps: a cost formula over a grid of configs, and the configs that fit a budget.

:func:`grid` evaluates a formula at every combination of the ``axes`` values
(e.g. all ``h × l`` pairs), the other sizes ``fixed`` or ``tied`` to the axes
(``d_ff = 4h``). ``mode="exact"`` returns nested lists of Python ints and needs
nothing but SymPy; ``mode="fast"`` returns a numpy array (int64, or exact
``object`` when a value would not fit — never wrapped); ``mode="float"`` a
float64 array. :func:`fit` keeps the configs whose cost is within a budget.

>>> P = formula("gpt2", "params")
>>> P
V*h + 12*h**2*l + 13*h*l + h*s_max + 2*h
>>> g = grid(P, {"h": [768, 1600], "l": [12, 48]}, fixed={"V": 50257, "s_max": 1024})
>>> g.shape
(2, 2)
>>> g.values[1][1]   # gpt2-xl: h=1600, l=48
1557611200
>>> [(c["h"], c["l"], c["cost"]) for c in fit(P, 10**9, {"h": [768, 1600], "l": [12, 48]},
...                                           fixed={"V": 50257, "s_max": 1024})]
[(1600, 12, 450942400), (768, 48, 379603200), (768, 12, 124439808)]
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Iterator, Mapping

from sympy import Expr, Integer, Max, Min, Poly

from symparams._expr import as_expr
from symparams.errors import MissingValueError, OptionError
from symparams.options import choose
from symparams.evaluators import _check_size, _integer_parts, _symbol, evaluator

__all__ = ["Sweep", "formula", "grid", "fit"]

def formula(arch, cost: str = "params", *, dtype: str = "bf16", convention=None) -> Expr:
    """The expanded formula of a cost for an architecture (a name or an Architecture).

    ``cost`` is a name of :data:`symparams.costs.registry.COSTS` (or an alias);
    ``dtype`` sets the element size of byte costs.

    >>> formula("gpt-classic", "kv_cache_bytes", dtype="fp32")
    8*b*h*l*n + 8*b*h*l*s
    """
    from symparams.costs.registry import formula as registry_formula

    if isinstance(arch, str):
        from symparams.families import architecture

        arch = architecture(arch)
    return registry_formula(arch, cost, convention, dtype=dtype)


@dataclass(frozen=True, eq=False)
class Sweep:
    """A formula evaluated over a grid: ``values[i][j]…`` at ``axes[0][1][i]``, ``axes[1][1][j]``, …

    ``values`` is a nested list of ints (mode ``"exact"``) or a numpy array.
    """

    formula: Expr
    axes: tuple[tuple[str, tuple[int, ...]], ...]
    fixed: Mapping[str, int]
    values: object
    mode: str

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(vals) for _, vals in self.axes)

    @property
    def size(self) -> int:
        """Number of configs in the grid."""
        n = 1
        for dim in self.shape:
            n *= dim
        return n

    def array(self):
        """The values as a numpy array (``object`` dtype of exact ints in mode ``"exact"``)."""
        import numpy as np

        if self.mode != "exact":
            return self.values
        out = np.empty(self.shape, dtype=object)
        for index in product(*(range(n) for n in self.shape)):
            out[index] = _at(self.values, index)
        return out

    def configs(self) -> Iterator[tuple[dict[str, int], object]]:
        """Every ``({axis name: size}, value)`` pair, in grid order."""
        names = [name for name, _ in self.axes]
        for index in product(*(range(n) for n in self.shape)):
            sizes = {name: vals[i] for name, (_, vals), i in zip(names, self.axes, index)}
            yield sizes, _at(self.values, index)


def _at(values, index):
    for i in index:
        values = values[i]
    return values


def _prepare(expr, axes: Mapping, fixed: Mapping | None, ties: Mapping | None):
    """Substitute ties and fixed sizes; return the formula over the axis symbols only."""
    if not isinstance(expr, Expr) and hasattr(expr, "total"):
        expr = expr.total
    expr = as_expr(expr)
    if not axes:
        raise OptionError("axes: give at least one axis, e.g. {'h': [768, 1024], 'l': [12, 24]}")
    syms = tuple(_symbol(k) for k in axes)
    columns = []
    for sym, vals in zip(syms, axes.values()):
        vals = tuple(vals)
        if not vals:
            raise OptionError(f"axes: {sym.name} has no values")
        for v in vals:
            _check_size(sym, v)
        columns.append(vals)
    if ties:
        expr = expr.xreplace({_symbol(k): as_expr(v) for k, v in ties.items()})
    sizes = {}
    for key, v in (fixed or {}).items():
        sym = _symbol(key)
        _check_size(sym, v)
        sizes[sym] = Integer(v)
    expr = expr.xreplace(sizes)
    missing = expr.free_symbols - set(syms)
    if missing:
        names = ", ".join(sorted(s.name for s in missing))
        raise MissingValueError(f"{expr}: no axis, fixed value or tie for {names}")
    return expr, syms, columns


def grid(expr, axes: Mapping, fixed: Mapping | None = None, *, ties: Mapping | None = None,
         mode: str = "exact") -> Sweep:
    """Evaluate ``expr`` at every combination of the ``axes`` values.

    ``axes`` maps symbols (or names) to sequences of sizes, in the order of the
    result's dimensions; ``fixed`` gives the other sizes; ``ties`` replaces a
    symbol by an expression of others (``{"d_ff": 4*h}``). In mode ``"exact"``
    the last axis is the inner loop: put the axis of lowest degree last
    (``l`` for parameters) and each config costs one multiply-add.

    >>> from symparams.symbols import h, l
    >>> grid(12*l*h**2, {"h": [10**12], "l": [10**6, 10**7]}).values
    [[12000000000000000000000000000000, 120000000000000000000000000000000]]
    """
    choose("mode", mode, ("exact", "fast", "float"))
    expr, syms, columns = _prepare(expr, axes, fixed, ties)
    shape = tuple(len(c) for c in columns)
    fixed_out = {_symbol(k).name: int(v) for k, v in (fixed or {}).items()}
    named = tuple((sym.name, col) for sym, col in zip(syms, columns))
    if mode == "exact":
        values = _exact_grid(expr, syms, columns)
    else:
        values = _fast_grid(expr, syms, columns, shape, "int64" if mode == "fast" else "float64")
    return Sweep(expr, named, fixed_out, values, mode)


def _fast_grid(expr, syms, columns, shape, dtype):
    import numpy as np

    ev = evaluator(expr, syms)
    arrays = {}
    for i, (sym, col) in enumerate(zip(syms, columns)):
        dims = [1] * len(shape)
        dims[i] = len(col)
        arrays[sym] = np.asarray(col, dtype=object if max(col) > 2**63 - 1 else np.int64).reshape(dims)
    out = ev.fast(arrays, dtype=dtype)
    out = np.asarray(out)
    return out if out.shape == shape else np.broadcast_to(out, shape).copy()


def _row_function(coeffs: list, xs: tuple[int, ...]):
    """``cs -> [Σ cs[k]·x^k for x in xs]``, fastest form for the degree."""
    degree = len(coeffs) - 1
    if degree == 0:
        return lambda cs: [cs[0]] * len(xs)
    if degree == 1:
        return lambda cs: [cs[0] + cs[1] * x for x in xs] if cs[0] else [cs[1] * x for x in xs]
    if degree == 2:
        squares = [x * x for x in xs]
        return lambda cs: [cs[0] + cs[1] * x + cs[2] * x2 for x, x2 in zip(xs, squares)]
    powers = [[x**k for k in range(degree + 1)] for x in xs]
    return lambda cs: [sum(c * p for c, p in zip(cs, pw)) for pw in powers]


def _exact_grid(expr, syms, columns):
    if expr.has(Min, Max):  # e.g. a sliding window Min(s, w - 1): one compiled call per config
        ev = evaluator(expr, syms)
        xs = columns[-1]
        rows = [[ev._raw((*point, x)) for x in xs] for point in product(*columns[:-1])]
        return _nest(rows, [len(c) for c in columns[:-1]])
    num, den = _integer_parts(expr, syms)
    inner, outer = syms[-1], syms[:-1]
    xs = columns[-1]
    coeffs = Poly(num, inner).all_coeffs()[::-1] if inner in num.free_symbols else [num]
    coeff_fns = [evaluator(c, outer)._num for c in coeffs]
    row = _row_function(coeffs, xs)
    den_ev = evaluator(den, syms) if den != 1 else None
    rows = []
    for point in product(*columns[:-1]):
        values = row([f(*point) for f in coeff_fns])
        if den_ev is not None:
            values = [den_ev._divide(v, den_ev._num(*point, x), (*point, x)) for v, x in zip(values, xs)]
        rows.append(values)
    return _nest(rows, [len(c) for c in columns[:-1]])


def _nest(rows: list, outer_shape: list[int]):
    """Group a flat list of rows (C order over the outer axes) into nested lists."""
    if not outer_shape:  # a single axis: one row
        return rows[0]
    for n in reversed(outer_shape[1:]):
        rows = [rows[i:i + n] for i in range(0, len(rows), n)]
    return rows


def fit(expr, budget, axes: Mapping, fixed: Mapping | None = None, *, ties: Mapping | None = None,
        mode: str = "exact") -> list[dict]:
    """Configs of the grid whose cost is at most ``budget``, largest cost first.

    Each config is ``{axis name: size, ..., "cost": value}``. ``budget`` is an
    int (a float is accepted only when it is exactly the whole number it reads
    as: ``1e21`` is, ``1e23`` is not — it is stored as 99999999999999991611392).

    >>> from symparams.symbols import h, l
    >>> fit(12*l*h**2, 1e23, {"h": [10**5], "l": [1]})
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: budget=1e+23 is not exactly 100000000000000000000000 as a float; pass the int 10**23
    """
    if isinstance(budget, float) and budget.is_integer():
        written = int(Decimal(repr(budget)))
        if int(budget) != written:
            power = len(str(written)) - 1
            hint = f"10**{power}" if written == 10**power else str(written)
            raise OptionError(f"budget={budget!r} is not exactly {written} as a float; pass the int {hint}")
        budget = int(budget)
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise OptionError(f"budget={budget!r} must be an int (counts are exact)")
    sweep = grid(expr, axes, fixed, ties=ties, mode=mode)
    names = [name for name, _ in sweep.axes]
    if mode == "exact":
        found = [{**sizes, "cost": value} for sizes, value in sweep.configs() if value <= budget]
    else:
        import numpy as np

        values = sweep.values
        index = np.nonzero(values <= budget)
        found = [
            {**{name: sweep.axes[d][1][i] for d, (name, i) in enumerate(zip(names, idx))},
             "cost": values[idx].item() if hasattr(values[idx], "item") else values[idx]}
            for idx in zip(*(ix.tolist() for ix in index))
        ]
    return sorted(found, key=lambda c: c["cost"], reverse=True)
