"""The output head (unembedding): hidden states to vocabulary logits.

Tied to the token embedding, it owns no weight (the embedding's table is
reused) but still costs its matmul.

>>> from symparams.symbols import h, V, b, s
>>> OutputHead(h, V, tied=True).params(), OutputHead(h, V, tied=False).params()
(0, V*h)
>>> OutputHead(h, V, tied=True).matmuls(b, s)[0].flops()
2*V*b*h*s
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from symparams.components.base import Component, Linear, Matmul, Tensor

__all__ = ["OutputHead"]


@dataclass(frozen=True)
class OutputHead(Component):
    """``h → V`` projection; ``tied`` shares the embedding's weight."""

    h: Expr
    V: Expr
    tied: bool = True
    bias: bool = False
    key = "output_head"

    @property
    def label(self) -> str:
        return "output head (tied to embedding)" if self.tied else "output head (untied)"

    def linear(self) -> Linear:
        return Linear("lm_head", self.h, self.V, self.bias)

    def tensors(self) -> tuple[Tensor, ...]:
        weight, *bias = self.linear().tensors()
        return tuple(bias) if self.tied else (weight, *bias)

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        return (self.linear().matmul(b * s, kind="logits"),)
