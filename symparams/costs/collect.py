"""The one loop over an architecture's stacks that every cost is built by.

A cost is a *measure* of one component in one stack: an expression (one piece,
named by the component) or ``(key, label, expr)`` rows (several pieces, e.g.
one per matmul). :func:`collect` applies it to every component of every stack,
with the stack's own sequence length, and returns a
:class:`~symparams.breakdown.Breakdown` that knows each layer stack's count —
so ``count × Σ block`` is written in one place, never at each call site.

>>> from symparams.families import architecture
>>> bd = collect(architecture("gpt-classic"), lambda c, st: c.params(), quantity="parameters", unit="parameters")
>>> bd.block, bd.total
(12*h**2 + 13*h, V*h + l*(12*h**2 + 13*h))
"""

from __future__ import annotations

from typing import Callable, Iterable

from sympy import Basic

from symparams.breakdown import Breakdown, Piece, merge_pieces

__all__ = ["collect", "pieces_of"]

Measure = Callable[..., "Basic | int | Iterable[tuple[str, str, Basic]]"]


def pieces_of(arch, measure: Measure, *, stacks=None) -> tuple[Piece, ...]:
    """The pieces ``measure(component, stack)`` gives, zero pieces dropped, equal ones merged."""
    pieces = []
    for st in arch.stacks if stacks is None else stacks:
        for component in st.block:
            out = measure(component, st)
            rows = [(component.key, component.label, out)] if isinstance(out, (Basic, int)) else out
            for key, label, expr in rows:
                if expr != 0:
                    pieces.append(Piece(key, label, expr, stack=st.name))
    return merge_pieces(pieces)


def collect(arch, measure: Measure, *, quantity: str, unit: str, convention: str = "",
            notes: tuple[str, ...] = (), stacks=None) -> Breakdown:
    """A :class:`~symparams.breakdown.Breakdown` of ``measure`` over the stacks of ``arch``
    (or over ``stacks``, a selection of them)."""
    return Breakdown(quantity, unit, pieces_of(arch, measure, stacks=stacks), repeats=arch.repeats,
                     convention=convention, notes=notes)
