"""Attention masks: which query-key pairs an attention layer keeps.

A mask is a fact about a layer, not a counting convention: a causal decoder
layer keeps the pairs ``j ≤ i``, a bidirectional encoder layer (or
cross-attention) every pair, a sliding-window layer the ``w`` most recent keys
(itself included), a chunked layer the earlier keys of its own chunk of ``c``
tokens. A FLOP convention then decides whether the kept pairs
(:meth:`Mask.pairs`), the dense ``s × k`` product an eager kernel computes, or
the literature's ½ are counted.

>>> from symparams.symbols import s, w
>>> Mask("causal").pairs(s, s)
s*(s + 1)/2
>>> Mask("full").pairs(s, 7)
7*s
>>> Mask("window", w).pairs(s, s)
(2*s - Min(s, w) + 1)*Min(s, w)/2
>>> [Mask("chunked", 4).pairs(n, n) for n in (3, 4, 10)]
[6, 10, 23]
>>> [Mask("local", 2).pairs(n, n) for n in (1, 3, 10)]
[1, 9, 44]
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Min, floor

from symparams._expr import as_expr
from symparams.errors import OptionError
from symparams.options import choose

__all__ = ["Mask", "MASKS"]

#: mask kinds, with what each keeps
MASKS = {
    "causal": "each query attends to itself and every earlier key",
    "full": "every query attends to every key (bidirectional self-attention, cross-attention)",
    "window": "each query attends to itself and the w − 1 keys before it (sliding window of w)",
    "chunked": "each query attends to itself and the earlier keys of its chunk of c tokens",
    "local": "each query attends to the keys within r positions on either side (bidirectional window)",
}


@dataclass(frozen=True)
class Mask:
    """A mask kind (:data:`MASKS`) and its size: ``w`` for a window, ``c`` for chunks."""

    kind: str = "causal"
    size: Expr | None = None

    def __post_init__(self) -> None:
        choose("mask", self.kind, MASKS)
        needs_size = self.kind in ("window", "chunked", "local")
        if needs_size and self.size is None:
            raise OptionError(f"mask={self.kind!r} needs a size (the window or chunk length)")
        if not needs_size and self.size is not None:
            raise OptionError(f"mask={self.kind!r} takes no size (got {self.size})")
        if self.size is not None:
            object.__setattr__(self, "size", as_expr(self.size))

    @property
    def causal(self) -> bool:
        """Whether later keys are hidden (causal, window, chunked): the literature halves these."""
        return self.kind in ("causal", "window", "chunked")

    def pairs(self, queries, keys) -> Expr:
        """Query-key pairs kept for ``queries`` queries over ``keys`` keys (one sequence, one head).

        Causal kinds assume self-attention (query ``i`` is key ``i``, ``keys = queries``).
        """
        q, k = as_expr(queries), as_expr(keys)
        if self.kind == "full":
            return q * k
        if self.kind == "causal":
            return q * (q + 1) / 2
        if self.kind == "window":
            m = Min(self.size, q)  # a window as long as the sequence is the causal triangle
            return m * (2 * q - m + 1) / 2
        if self.kind == "local":
            r = Min(self.size, q - 1)  # each side loses r(r+1)/2 pairs at the ends of the sequence
            return q * (2 * r + 1) - r * (r + 1)
        c = self.size
        whole = floor(q / c)  # full chunks, then the partial last one
        rest = q - c * whole
        return whole * c * (c + 1) / 2 + rest * (rest + 1) / 2

    def cached_tokens(self, tokens) -> Expr:
        """Tokens per sequence a KV cache holds after ``tokens`` tokens: all of them for causal and
        full masks; at most ``size − 1`` for windows and chunks, as transformers' sliding-window
        cache layer keeps them (it serves chunked layers too, with the chunk size as its window).

        >>> from symparams.symbols import s, w
        >>> Mask("window", w).cached_tokens(s)
        Min(s, w - 1)
        """
        n = as_expr(tokens)
        if self.kind in ("causal", "full", "local"):
            return n
        return Min(n, self.size - 1)

    def describe(self) -> str:
        letter = {"window": "w", "chunked": "c", "local": "r"}.get(self.kind, "")
        size = "" if self.size is None else f" ({letter} = {self.size})"
        return f"{self.kind}{size}: {MASKS[self.kind]}"

    def __str__(self) -> str:
        return self.kind if self.size is None else f"{self.kind}({self.size})"

