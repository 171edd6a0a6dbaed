"""The rows of a breakdown as every printer shows them: each piece, one subtotal per layer
stack after its pieces, then the total.

>>> from symparams.families import architecture
>>> [r.text for r in breakdown_rows(architecture("gpt-classic").params())]
['token embedding', 'LayerNorm, each (×2 per block)', 'multi-head self-attention', 'MLP (GELU, 2 matrices)', 'one block (×l)', 'total parameters']
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Add, Expr

__all__ = ["Row", "breakdown_rows", "block_title", "times_text"]


def block_title(stack: str) -> str:
    """How one block of a layer stack is called: ``one block``, ``one moe block``."""
    return "one block" if stack in ("", "block") else f"one {stack} block"


def times_text(count) -> str:
    """``count`` as the text after ``×``: ``2``, ``l``, ``(l - l_local)``."""
    return f"({count})" if isinstance(count, Add) else str(count)


@dataclass(frozen=True)
class Row:
    """One printed row: words, an optional ``×times`` (with ``per``, e.g. " per block"), the
    formula, its value (None without sizes), and what it is (``piece``, ``block``, ``total``)."""

    words: str
    expr: Expr
    value: int | None = None
    times: Expr | None = None
    per: str = ""
    kind: str = "piece"

    @property
    def text(self) -> str:
        """The label as plain text: ``RMSNorm, each (×2 per block)``."""
        if self.times is None:
            return self.words
        return f"{self.words} (×{times_text(self.times)}{self.per})"


def breakdown_rows(breakdown, values=None) -> list[Row]:
    """Each piece, one subtotal after the last piece of each layer stack, then the total."""
    from symparams.values import evaluate

    def value(expr):
        return None if values is None else evaluate(expr, values)

    pieces = breakdown.pieces
    last = {p.stack: i for i, p in enumerate(pieces) if breakdown.is_repeated(p)}
    rows = []
    for i, p in enumerate(pieces):
        repeated = breakdown.is_repeated(p)
        times = p.count if p.count != 1 else None
        # a row of one instance that stands for several says so, so the rows add up to the block
        words = p.label if times is None else f"{p.label}, each"
        rows.append(Row(words, p.expr, value(p.expr), times, " per block" if repeated and times is not None else ""))
        if repeated and last[p.stack] == i:
            per_block = breakdown.per_block(p.stack)
            rows.append(Row(block_title(p.stack), per_block, value(per_block), breakdown.count_of(p.stack),
                            kind="block"))
    rows.append(Row(f"total {breakdown.quantity}", breakdown.total, value(breakdown.total), kind="total"))
    return rows
