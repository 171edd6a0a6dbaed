"""Markdown tables of breakdowns: piece | formula | value.

Formulas are inline LaTeX (``$…$``), which GitHub, Jupyter and most blog
engines render; numbers are exact with comma grouping.

>>> from symparams.families import architecture
>>> print(breakdown_table(architecture("gpt-classic").params()).splitlines()[2])
| token embedding | $V h$ |  |
"""

from __future__ import annotations

from symparams.printing.latex import latex
from symparams.printing.rows import breakdown_rows
from symparams.units import format_int

__all__ = ["breakdown_table", "markdown_table"]


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
        (row.text, f"${latex(row.expr)}$", "" if row.value is None else format_int(row.value, sep))
        for row in breakdown_rows(breakdown, values)
    ]
    out = markdown_table(("piece", "formula", "value"), cells)
    head = f"**{title}** — {breakdown.quantity}" if title else ""
    foot = f"\n\n_{breakdown.unit}; {breakdown.convention}_" if breakdown.convention else ""
    return (head + "\n\n" if head else "") + out + foot
