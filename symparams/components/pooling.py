"""Heads that read only the first ([CLS]) token of each sequence: a pooler, a classifier.

They run on ``b`` rows, one per sequence, not on ``b·s`` tokens: BERT's pooler
costs ``2·b·h²`` FLOPs, not ``2·b·s·h²`` (``hidden_states[:, 0]`` before the
dense layer, as ``BertPooler`` and ``ViTPooler`` do).

>>> from symparams.symbols import h, b, s, n_cls
>>> pool = Pooler(h, h)
>>> pool.params(), pool.matmuls(b, s)[0].flops()
(h**2 + h, 2*b*h**2)
>>> Classifier(h, n_cls).matmuls(b, s)[0].flops()
2*b*h*n_cls
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from symparams.components.base import Activation, Component, Linear, Matmul, Tensor

__all__ = ["Pooler", "Classifier"]


@dataclass(frozen=True)
class _FirstToken(Component):
    """A dense ``d_in → d_out`` map applied to the first token of each of ``b`` sequences."""

    d_in: Expr
    d_out: Expr
    bias: bool = True
    name = "dense"

    def linear(self) -> Linear:
        return Linear(f"{self.key}.{self.name}", self.d_in, self.d_out, self.bias)

    def tensors(self) -> tuple[Tensor, ...]:
        return self.linear().tensors()

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        return (self.linear().matmul(b, kind=self.kind),)

    kind = "linear"

    def elementwise_flops(self, b, s) -> Expr:
        return self.linear().bias_flops(b)


@dataclass(frozen=True)
class Pooler(_FirstToken):
    """``tanh(dense(x[:, 0]))``: BERT's and ViT's pooler (``h → d_out``, default ``h``)."""

    activation: str = "tanh"
    key = "pooler"

    @property
    def label(self) -> str:
        return f"pooler (first token: dense + {self.activation})"

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """The dense layer's input and the activation's output (tanh's backward reads its output)."""
        return (Activation("pooler.input", b * self.d_in, split="sequence"),
                Activation("pooler.act_output", b * self.d_out))

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        return (Activation("pooler.dense", b * self.d_out), Activation("pooler.act", b * self.d_out))

    def elementwise_flops(self, b, s) -> Expr:
        """The bias add and the activation (1 per element each)."""
        return super().elementwise_flops(b, s) + b * self.d_out


@dataclass(frozen=True)
class Classifier(_FirstToken):
    """``d_in → d_out`` logits from the first token (BERT's next-sentence head, ViT's classifier)."""

    key = "classifier"
    name = "out"
    kind = "logits"

    @property
    def label(self) -> str:
        return "classifier (first token)"

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """Its input, and the logits in fp32 for the cross-entropy."""
        return (Activation("classifier.input", b * self.d_in, split="sequence"),
                Activation("classifier.logits", b * self.d_out, role="fp32"))

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        return (Activation("classifier.out", b * self.d_out),)
