"""Markdown tables of breakdowns: piece | formula | value.

Formulas are inline LaTeX (``$…$``), which GitHub, Jupyter and most blog
engines render; numbers are exact with comma grouping.

>>> from symparams.architectures import architecture
>>> print(breakdown_table(architecture("gpt-classic").params()).splitlines()[2])
| token embedding | $V h$ |  |
"""

from __future__ import annotations

from symparams.printing.latex import latex
from symparams.units import format_int

__all__ = ["breakdown_rows", "breakdown_table", "markdown_table"]


def breakdown_rows(breakdown, values=None) -> list[tuple[str, object, int | None]]:
    """(label, formula, value or None) rows: each piece, one block after the
    block's pieces, then the total."""
    from symparams.values import evaluate

    def value(expr):
        return None if values is None else evaluate(expr, values)

    last_in_block = max((i for i, p in enumerate(breakdown.pieces) if p.in_block), default=None)
    rows = []
    for i, p in enumerate(breakdown.pieces):
        label = p.label
        if p.count != 1:
            label += f" (×{p.count}{' per block' if p.in_block else ''})"
        rows.append((label, p.expr, value(p.expr)))
        if i == last_in_block:
            rows.append((f"one block (×{breakdown.layers})", breakdown.block, value(breakdown.block)))
    rows.append((f"total {breakdown.quantity}", breakdown.total, value(breakdown.total)))
    return rows


def markdown_table(header: tuple[str, ...], rows) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def breakdown_table(breakdown, values=None, *, title: str = "", sep: str = ",") -> str:
    """The breakdown as a Markdown table, with a line naming the convention.

    ``sep`` groups the digits of the values (``","``, or ``"\u2009"`` for a thin space).
    """
    cells = [
        (label, f"${latex(expr)}$", "" if v is None else format_int(v, sep))
        for label, expr, v in breakdown_rows(breakdown, values)
    ]
    out = markdown_table(("piece", "formula", "value"), cells)
    head = f"**{title}** — {breakdown.quantity}" if title else ""
    foot = f"\n\n_{breakdown.unit}; {breakdown.convention}_" if breakdown.convention else ""
    return (head + "\n\n" if head else "") + out + foot
