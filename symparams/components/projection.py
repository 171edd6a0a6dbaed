"""A standalone linear projection between widths (OPT's ``project_in/out``).

>>> from symparams.symbols import h, d_emb, b, s
>>> p = Projection("project_in", d_emb, h)
>>> p.params(), p.matmuls(b, s)[0].flops()
(d_emb*h, 2*b*d_emb*h*s)
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from symparams.components.base import Activation, Component, Linear, Matmul, Tensor

__all__ = ["Projection"]


@dataclass(frozen=True)
class Projection(Component):
    """``d_in → d_out`` applied to every token, bias if ``bias``."""

    name: str
    d_in: Expr
    d_out: Expr
    bias: bool = False
    key = "projection"

    @property
    def label(self) -> str:
        return f"projection {self.name}"

    def linear(self) -> Linear:
        return Linear(self.name, self.d_in, self.d_out, self.bias)

    def tensors(self) -> tuple[Tensor, ...]:
        return self.linear().tensors()

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        return (self.linear().matmul(b * s),)

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """Its input, for the weight gradient."""
        return (Activation(f"{self.name}.input", b * s * self.d_in, split="sequence"),)
