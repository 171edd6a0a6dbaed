"""Lookup tables: the token embedding and learned position embeddings.

A lookup is not a matmul, so neither contributes FLOPs.

>>> from symparams.symbols import V, h, s_max
>>> TokenEmbedding(V, h).params()
V*h
>>> LearnedPositions(s_max, h, offset=2).params()
h*(s_max + 2)
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams._expr import as_expr
from symparams.components.base import Activation, Component, Dropout, Tensor

__all__ = ["TokenEmbedding", "LearnedPositions"]


@dataclass(frozen=True)
class TokenEmbedding(Component):
    """The ``V × h`` table of token vectors.

    ``scaled`` adds the one-element ``embed_scale`` buffer (``√h``) that
    Gemma's embedding multiplies by; it is not a parameter.
    """

    V: Expr
    h: Expr
    scaled: bool = False
    key = "embedding"
    label = "token embedding"
    looked_up = True  # tokens are looked up in it (not so an allocated, unread table)

    def tensors(self) -> tuple[Tensor, ...]:
        table = Tensor("embed_tokens.weight", (self.V, self.h))
        if not self.scaled:
            return (table,)
        return (table, Tensor("embed_tokens.embed_scale", (), trainable=False))

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """With embedding dropout, its 1-byte mask (token ids are not counted)."""
        if not Dropout.of(dropout).embedding:
            return ()
        return (Activation("embedding.dropout_mask", b * s * self.h, role="mask", split="sequence"),)


@dataclass(frozen=True)
class LearnedPositions(Component):
    """A learned table of ``s_max (+ offset)`` position vectors of size ``h``.

    ``offset`` is the number of extra rows some families allocate (OPT: 2).
    ``causal_mask`` adds the ``s_max × s_max`` boolean lower-triangular
    buffer GPTBigCode keeps beside its position table (not a parameter).

    >>> from symparams.symbols import s_max, h
    >>> LearnedPositions(s_max, h, causal_mask=True).buffer_elements()
    s_max**2
    """

    s_max: Expr
    h: Expr
    offset: Expr = Integer(0)
    causal_mask: bool = False
    key = "positions"
    label = "learned positions"

    def tensors(self) -> tuple[Tensor, ...]:
        rows = as_expr(self.s_max) + as_expr(self.offset)
        table = Tensor("embed_positions.weight", (rows, self.h))
        if not self.causal_mask:
            return (table,)
        return (table, Tensor("causal_mask", (self.s_max, self.s_max), trainable=False))
