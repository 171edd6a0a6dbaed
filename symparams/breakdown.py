"""A cost as named pieces: the value object every cost function returns.

A :class:`Breakdown` holds pieces (one formula per component instance, with how
many instances there are, inside the repeated block or once per model) and
derives the block total and the model total from them. Bound to sizes with
:meth:`Breakdown.at`, it becomes an :class:`Evaluation` of exact integers.

>>> from symparams.symbols import h, l, V
>>> bd = Breakdown("parameters", "parameters", (
...     Piece("embedding", "token embedding", V*h),
...     Piece("norm", "LayerNorm", 2*h, count=2, in_block=True),
...     Piece("mlp", "MLP", 8*h**2 + 5*h, in_block=True),
... ))
>>> bd.block
8*h**2 + 9*h
>>> bd.total
V*h + l*(8*h**2 + 9*h)
>>> bd.at({"h": 4, "l": 2, "V": 10}).total
368
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterator, Mapping

from sympy import Expr, Integer, Symbol, expand

from symparams._expr import as_expr, sum_exprs
from symparams.symbols import l as _layers
from symparams.values import evaluate, normalize_values

__all__ = ["Piece", "Breakdown", "Evaluation"]


@dataclass(frozen=True)
class Piece:
    """One named piece of a cost.

    ``expr`` is the cost of one instance; there are ``count`` instances per
    block (``in_block=True``, repeated over the layers) or per model.
    """

    key: str
    label: str
    expr: Expr
    count: Expr = Integer(1)
    in_block: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "expr", as_expr(self.expr))
        object.__setattr__(self, "count", as_expr(self.count))

    def contribution(self, layers: Expr = _layers) -> Expr:
        """This piece's share of the model total."""
        per = self.count * self.expr
        return layers * per if self.in_block else per


def merge_pieces(pieces) -> tuple[Piece, ...]:
    """Merge pieces with the same key, label, place and formula, adding counts."""
    merged: dict[tuple, Piece] = {}
    for p in pieces:
        ident = (p.key, p.label, p.in_block, p.expr)
        if ident in merged:
            merged[ident] = replace(merged[ident], count=merged[ident].count + p.count)
        else:
            merged[ident] = p
    return tuple(merged.values())


@dataclass(frozen=True)
class Breakdown:
    """A symbolic cost: named pieces, the block they repeat in, and the total.

    ``quantity`` says what is measured ("parameters", "forward FLOPs"), ``unit``
    its unit, ``convention`` how it was counted (one line, shown in every output).
    """

    quantity: str
    unit: str
    pieces: tuple[Piece, ...]
    layers: Expr = _layers
    convention: str = ""
    notes: tuple[str, ...] = field(default=())

    @cached_property
    def block(self) -> Expr:
        """Cost of one repeated block (layer)."""
        return sum_exprs(p.count * p.expr for p in self.pieces if p.in_block)

    @cached_property
    def total(self) -> Expr:
        """Cost of the whole model: ``layers · block`` plus the pieces outside it."""
        outside = [p.contribution(self.layers) for p in self.pieces if not p.in_block]
        return sum_exprs([self.layers * self.block, *outside]) if self.has_block else sum_exprs(outside)

    @property
    def has_block(self) -> bool:
        return any(p.in_block for p in self.pieces)

    @cached_property
    def expanded(self) -> Expr:
        """The total multiplied out: ``12*h**2*l + 13*h*l + V*h``."""
        return expand(self.total)

    def keys(self) -> list[str]:
        """Piece keys, in order, each once."""
        return list(dict.fromkeys(p.key for p in self.pieces))

    def __iter__(self) -> Iterator[Piece]:
        return iter(self.pieces)

    def __getitem__(self, key: str) -> Expr:
        """Model-wide contribution of all pieces with this key."""
        found = [p.contribution(self.layers) for p in self.pieces if p.key == key]
        if not found:
            raise KeyError(f"no piece {key!r}; pieces: {', '.join(self.keys())}")
        return sum_exprs(found)

    def at(self, values: Mapping, *, name: str = "") -> "Evaluation":
        """Bind sizes: an :class:`Evaluation` whose numbers are exact ints."""
        return Evaluation(self, normalize_values(values), name)

    @property
    def free_symbols(self) -> set[Symbol]:
        return set(self.total.free_symbols)

    def __repr__(self) -> str:
        return f"<Breakdown {self.quantity} = {self.total}; pieces: {', '.join(self.keys())}>"

    def __str__(self) -> str:
        from symparams.printing.text import breakdown_text

        return breakdown_text(self)

    def _repr_latex_(self) -> str:
        from symparams.printing.latex import breakdown_latex

        return "$$" + breakdown_latex(self) + "$$"

    def _repr_markdown_(self) -> str:
        from symparams.printing.markdown import breakdown_table

        return breakdown_table(self)


@dataclass(frozen=True)
class Evaluation:
    """A :class:`Breakdown` at concrete sizes: every number an exact ``int``."""

    breakdown: Breakdown
    values: Mapping[Symbol, int]
    name: str = ""

    def value(self, expr) -> int:
        """Any expression at these sizes, exactly."""
        return evaluate(expr, self.values)

    @cached_property
    def total(self) -> int:
        return self.value(self.breakdown.total)

    @cached_property
    def block(self) -> int:
        return self.value(self.breakdown.block)

    @property
    def formula(self) -> Expr:
        return self.breakdown.total

    def __getitem__(self, key: str) -> int:
        return self.value(self.breakdown[key])

    def as_dict(self) -> dict[str, int]:
        """Model-wide total of each piece key, plus ``total``."""
        out = {key: self[key] for key in self.breakdown.keys()}
        out["total"] = self.total
        return out

    def __int__(self) -> int:
        return self.total

    def __repr__(self) -> str:
        of = f" of {self.name}" if self.name else ""
        return f"<Evaluation {self.breakdown.quantity}{of} = {self.total:,} {self.breakdown.unit}>"

    def __str__(self) -> str:
        from symparams.printing.text import breakdown_text

        return breakdown_text(self.breakdown, self.values)

    def _repr_markdown_(self) -> str:
        from symparams.printing.markdown import breakdown_table

        return breakdown_table(self.breakdown, self.values, title=self.name)

    def _repr_latex_(self) -> str:
        from symparams.printing.latex import breakdown_latex

        return "$$" + breakdown_latex(self.breakdown, self.values) + "$$"
