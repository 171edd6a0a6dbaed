"""The masked-language-model head: transform (dense + activation + LayerNorm), then the decoder.

BERT's ``BertLMPredictionHead``, RoBERTa's ``RobertaLMHead``, DistilBERT's
``vocab_transform``/``vocab_layer_norm``/``vocab_projector``, ModernBERT's
``head`` + ``decoder``: ``dense h → width``, an activation, a LayerNorm over
``width``, then ``width → V`` logits whose weight is the token embedding's when
``tied``. It runs on every token (``b·s`` rows; transformers computes the
logits of every position, masked or not).

Biases: ``transform_bias`` on the dense layer, ``norm_bias`` on the LayerNorm,
``bias`` on the decoder. BERT and RoBERTa also hold a separate output bias
(``predictions.bias``) that transformers 5.23 ties to the decoder's bias only
together with the weights: ``loose_bias`` counts it when the head is untied.

>>> from symparams.symbols import h, V, b, s
>>> mlm = MaskedLMHead(h, V)
>>> mlm.params()
V + h**2 + 3*h
>>> [str(mm.flops()) for mm in mlm.matmuls(b, s)]
['2*b*h**2*s', '2*V*b*h*s']
>>> MaskedLMHead(h, V, tied=False, loose_bias=True).params() - mlm.params()
V*h + V
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams.components.base import Activation, Component, Linear, Matmul, Tensor
from symparams.components.norm import LayerNorm

__all__ = ["MaskedLMHead", "LogitsBias"]


@dataclass(frozen=True)
class MaskedLMHead(Component):
    """``decoder(norm(act(dense(x))))`` on every token: ``h → width → V``."""

    h: Expr
    V: Expr
    width: Expr | None = None
    tied: bool = True
    bias: bool = True
    transform_bias: bool = True
    norm_bias: bool = True
    loose_bias: bool = False
    activation: str = "gelu"
    key = "mlm_head"

    @property
    def label(self) -> str:
        return f"masked-LM head (dense + {self.activation} + LayerNorm, {'tied' if self.tied else 'untied'} decoder)"

    @property
    def inner(self) -> Expr:
        return self.h if self.width is None else self.width

    def linears(self) -> tuple[Linear, Linear]:
        return (Linear("transform.dense", self.h, self.inner, self.transform_bias),
                Linear("decoder", self.inner, self.V, self.bias))

    def norm(self) -> LayerNorm:
        return LayerNorm(self.inner, bias=self.norm_bias)

    def tensors(self) -> tuple[Tensor, ...]:
        dense, decoder = self.linears()
        weight, *bias = decoder.tensors()
        out = [*dense.tensors(), *(Tensor(f"transform.{t.name}", t.shape) for t in self.norm().tensors())]
        out += bias if self.tied else [weight, *bias]
        if self.loose_bias and not self.tied:
            out.append(Tensor("bias", (self.V,)))
        return tuple(out)

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        dense, decoder = self.linears()
        return (dense.matmul(b * s), decoder.matmul(b * s, kind="logits"))

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """The dense layer's input, the activation's input, the LayerNorm's input, the decoder's
        input and the logits in fp32 for the cross-entropy."""
        tokens = b * s
        wide = tokens * self.inner
        return (
            Activation("mlm_head.input", tokens * self.h, split="sequence"),
            Activation("mlm_head.act_input", wide, split="sequence"),
            Activation("mlm_head.norm_input", wide, split="sequence"),
            Activation("mlm_head.decoder_input", wide, split="sequence"),
            Activation("mlm_head.logits", tokens * self.V, role="fp32"),
        )

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        """Outputs of the dense layer, its activation, the LayerNorm, the decoder (the logits) and
        the cross-entropy's log-softmax."""
        tokens = b * s
        wide = tokens * self.inner
        return (
            Activation("mlm_head.dense", wide),
            Activation("mlm_head.act", wide),
            Activation("mlm_head.norm", wide),
            Activation("mlm_head.decoder", tokens * self.V),
            Activation("mlm_head.cross_entropy", tokens * self.V),
        )

    def elementwise_flops(self, b, s) -> Expr:
        """Bias adds (1 per output element), the activation (1 per element), the LayerNorm."""
        tokens = b * s
        dense, decoder = self.linears()
        return (dense.bias_flops(tokens) + tokens * self.inner + self.norm().elementwise_flops(b, s)
                + decoder.bias_flops(tokens))


@dataclass(frozen=True)
class LogitsBias(Component):
    """A fixed ``1 × V`` bias added to the LM head's logits (BART's ``final_logits_bias``): a buffer,
    not a parameter; 1 FLOP per logit.

    >>> from symparams.symbols import V, b, s
    >>> LogitsBias(V).buffer_elements(), LogitsBias(V).elementwise_flops(b, s)
    (V, V*b*s)
    """

    V: Expr
    key = "logits_bias"
    label = "final logits bias (buffer)"

    def tensors(self) -> tuple[Tensor, ...]:
        return (Tensor("final_logits_bias", (Integer(1), self.V), trainable=False),)

    def elementwise_flops(self, b, s) -> Expr:
        return b * s * self.V
