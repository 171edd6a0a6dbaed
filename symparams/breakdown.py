"""A cost as named pieces: the value object every cost function returns.

A :class:`Breakdown` holds pieces (one formula per component instance, with how
many instances there are per block) and the stacks they belong to, with each
layer stack's repeat count. It derives each block's total and the model total
from them: ``Σ count·(one block) + Σ the pieces that occur once``. Bound to
sizes with :meth:`Breakdown.at`, it becomes an :class:`Evaluation` of exact
integers.

>>> from symparams.symbols import h, l, V
>>> bd = Breakdown("parameters", "parameters", (
...     Piece("embedding", "token embedding", V*h, stack="embedding"),
...     Piece("norm", "LayerNorm", 2*h, count=2, stack="block"),
...     Piece("mlp", "MLP", 8*h**2 + 5*h, stack="block"),
... ), repeats={"block": l})
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
from symparams.errors import OptionError
from symparams.values import evaluate, normalize_values

__all__ = ["Piece", "Breakdown", "Evaluation", "merge_pieces"]


@dataclass(frozen=True)
class Piece:
    """One named piece of a cost.

    ``expr`` is the cost of one instance; there are ``count`` instances in one
    block of ``stack`` (a layer stack, repeated as its breakdown's
    ``repeats`` say) or, for a stack that occurs once, in the model.
    """

    key: str
    label: str
    expr: Expr
    count: Expr = Integer(1)
    stack: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "expr", as_expr(self.expr))
        object.__setattr__(self, "count", as_expr(self.count))

    @property
    def per_block(self) -> Expr:
        """This piece's share of one block (or of the model, for a part that occurs once)."""
        return self.count * self.expr


def merge_pieces(pieces) -> tuple[Piece, ...]:
    """Merge pieces with the same key, label, stack and formula, adding counts."""
    merged: dict[tuple, Piece] = {}
    for p in pieces:
        ident = (p.key, p.label, p.stack, p.expr)
        if ident in merged:
            merged[ident] = replace(merged[ident], count=merged[ident].count + p.count)
        else:
            merged[ident] = p
    return tuple(merged.values())


def _repeats(value) -> tuple[tuple[str, Expr], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((str(name), as_expr(count)) for name, count in items)


@dataclass(frozen=True)
class Breakdown:
    """A symbolic cost: named pieces, the layer stacks they repeat in, and the total.

    ``quantity`` says what is measured ("parameters", "forward FLOPs"), ``unit``
    its unit, ``convention`` how it was counted (one line, shown in every
    output). ``repeats`` maps each layer stack to its count; a piece whose
    stack is not there occurs once.
    """

    quantity: str
    unit: str
    pieces: tuple[Piece, ...]
    repeats: tuple[tuple[str, Expr], ...] = ()
    convention: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "pieces", tuple(self.pieces))
        object.__setattr__(self, "repeats", _repeats(self.repeats))
        object.__setattr__(self, "notes", tuple(self.notes))

    # ---- stacks ----
    @cached_property
    def _counts(self) -> dict[str, Expr]:
        return dict(self.repeats)

    def count_of(self, stack: str) -> Expr:
        """How many times a block of ``stack`` occurs (1 for a part that occurs once)."""
        return self._counts.get(stack, Integer(1))

    def is_repeated(self, piece: Piece) -> bool:
        """Whether ``piece`` sits in a layer stack."""
        return piece.stack in self._counts

    def per_block(self, stack: str) -> Expr:
        """Cost of one block of the layer stack ``stack``."""
        return sum_exprs(p.per_block for p in self.pieces if p.stack == stack)

    @property
    def stacks(self) -> list[str]:
        """The stacks that have pieces here, in order."""
        return list(dict.fromkeys(p.stack for p in self.pieces))

    def by_stack(self) -> dict[str, Expr]:
        """Model-wide total of each stack (``count × block`` for layer stacks)."""
        return {st: self.count_of(st) * self.per_block(st) for st in self.stacks}

    @cached_property
    def block(self) -> Expr:
        """Cost of one block of the one layer stack (0 if the cost has no repeated piece).

        With several layer stacks there is no single block: use :meth:`per_block`.
        """
        stacks = [name for name, _ in self.repeats if any(p.stack == name for p in self.pieces)]
        if len(stacks) > 1:
            raise OptionError(f"{self.quantity} has {len(stacks)} layer stacks ({', '.join(stacks)}); "
                              "use .per_block(name) for one of them")
        return self.per_block(stacks[0]) if stacks else Integer(0)

    @property
    def layers(self) -> Expr:
        """The repeat count of the one layer stack (see :attr:`block`)."""
        stacks = [(name, count) for name, count in self.repeats if any(p.stack == name for p in self.pieces)]
        if len(stacks) != 1:
            raise OptionError(f"{self.quantity} has {len(stacks)} layer stacks; use .count_of(name)")
        return stacks[0][1]

    @property
    def has_block(self) -> bool:
        return any(self.is_repeated(p) for p in self.pieces)

    def contribution(self, piece: Piece) -> Expr:
        """``piece``'s share of the model total."""
        return self.count_of(piece.stack) * piece.per_block

    @cached_property
    def total(self) -> Expr:
        """Cost of the whole model: ``Σ count · block`` over layer stacks, plus the pieces outside them."""
        terms = []
        for st in self.stacks:
            if st in self._counts:
                terms.append(self._counts[st] * self.per_block(st))
            else:
                terms.extend(p.per_block for p in self.pieces if p.stack == st)
        return sum_exprs(terms)

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
        """Model-wide contribution of all pieces with this key (over every stack)."""
        found = [self.contribution(p) for p in self.pieces if p.key == key]
        if not found:
            raise KeyError(f"no piece {key!r}; pieces: {', '.join(self.keys())}")
        return sum_exprs(found)

    def map(self, change, **fields) -> "Breakdown":
        """The same breakdown with ``change(expr)`` applied to every piece (e.g. × bytes per element)."""
        pieces = tuple(replace(p, expr=change(p.expr)) for p in self.pieces)
        return replace(self, pieces=pieces, **fields)

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

    def per_block(self, stack: str) -> int:
        return self.value(self.breakdown.per_block(stack))

    def by_stack(self) -> dict[str, int]:
        """Model-wide total of each stack."""
        return {st: self.value(e) for st, e in self.breakdown.by_stack().items()}

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
