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

from symparams.components.base import Activation, Component, Linear, Matmul, Tensor

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

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """The head's input and the logits, kept in fp32 for the cross-entropy
        (Korthikanti et al. 2022: ``2·b·s·h + 4·b·s·V`` bytes)."""
        return (
            Activation("output_head.input", b * s * self.h, split="sequence"),
            Activation("output_head.logits", b * s * self.V, role="fp32"),
        )

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        """Outputs of ``lm_head`` (the logits) and of ``cross_entropy`` (its
        log-softmax over the vocabulary, which autograd keeps: ``b·s·V``)."""
        return (
            Activation("output_head.lm_head", b * s * self.V),
            Activation("output_head.cross_entropy", b * s * self.V),
        )

    def elementwise_flops(self, b, s):
        """The bias add, if any (the loss is not part of the model)."""
        return self.linear().bias_flops(b * s)
