"""Feed-forward blocks: the 2-matrix MLP and the gated 3-matrix MLP (SwiGLU).

>>> from symparams.symbols import h, d_ff
>>> MLP(h, 4*h, bias=True).params()
8*h**2 + 5*h
>>> GatedMLP(h, d_ff).params()
3*d_ff*h
>>> GatedMLP(h, d_ff).label
'SwiGLU'
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams.components.base import Activation, Component, Dropout, Linear, Matmul, Tensor

__all__ = ["MLP", "GatedMLP"]

_GATED_NAMES = {"silu": "SwiGLU", "swish": "SwiGLU", "gelu": "GeGLU", "gelu_tanh": "GeGLU"}


@dataclass(frozen=True)
class MLP(Component):
    """``down(act(up(x)))``: ``h → d_ff → h``, biases on both if ``bias``."""

    h: Expr
    d_ff: Expr
    bias: bool = False
    activation: str = "gelu"
    key = "mlp"

    @property
    def label(self) -> str:
        return f"MLP ({self.activation.upper()}, 2 matrices)"

    def linears(self) -> tuple[Linear, ...]:
        return (
            Linear("up_proj", self.h, self.d_ff, self.bias),
            Linear("down_proj", self.d_ff, self.h, self.bias),
        )

    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(t for lin in self.linears() for t in lin.tensors())

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        return tuple(lin.matmul(b * s) for lin in self.linears())

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """The up projection's input, the activation's input and output (the down
        projection's input) and, with dropout, the 1-byte output dropout mask
        (Korthikanti et al. 2022: ``19·b·s·h`` bytes for ``d_ff = 4h`` in 16-bit).

        >>> from symparams.symbols import h, b, s
        >>> sum(t.numel for t in MLP(h, 4 * h).saved_activations(b, s))
        10*b*h*s
        """
        tokens = b * s
        acts = [
            Activation("mlp.input", tokens * self.h, split="sequence"),
            Activation("mlp.act_input", tokens * self.d_ff),
            Activation("mlp.act_output", tokens * self.d_ff),
        ]
        if Dropout.of(dropout).residual:
            acts.append(Activation("mlp.dropout_mask", tokens * self.h, role="mask", split="sequence"))
        return tuple(acts)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        """Outputs of ``up_proj``, ``act`` and ``down_proj``."""
        up, down = self.linears()
        tokens = b * s
        return (
            Activation("mlp.up_proj", tokens * up.d_out),
            Activation("mlp.act", tokens * up.d_out),
            Activation("mlp.down_proj", tokens * down.d_out),
        )

    def elementwise_flops(self, b, s) -> Expr:
        """Bias adds (1 per output element) and the activation (1 per element)."""
        tokens = b * s
        return sum((lin.bias_flops(tokens) for lin in self.linears()), Integer(0)) + tokens * self.d_ff


@dataclass(frozen=True)
class GatedMLP(MLP):
    """``down(act(gate(x)) * up(x))``: three matrices (SwiGLU with ``silu``)."""

    activation: str = "silu"

    @property
    def label(self) -> str:
        return _GATED_NAMES.get(self.activation, f"gated MLP ({self.activation})")

    def linears(self) -> tuple[Linear, ...]:
        return (
            Linear("gate_proj", self.h, self.d_ff, self.bias),
            Linear("up_proj", self.h, self.d_ff, self.bias),
            Linear("down_proj", self.d_ff, self.h, self.bias),
        )

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """The input, the gate output (activation input), the activation output,
        the up output, their product (the down projection's input) and, with
        dropout, the 1-byte output dropout mask."""
        tokens = b * s
        acts = [
            Activation("mlp.input", tokens * self.h, split="sequence"),
            Activation("mlp.act_input", tokens * self.d_ff),
            Activation("mlp.act_output", tokens * self.d_ff),
            Activation("mlp.up_output", tokens * self.d_ff),
            Activation("mlp.down_input", tokens * self.d_ff),
        ]
        if Dropout.of(dropout).residual:
            acts.append(Activation("mlp.dropout_mask", tokens * self.h, role="mask", split="sequence"))
        return tuple(acts)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        """Outputs of ``gate_proj`` (W1), ``act`` (e.g. SiLU), ``up_proj`` (W3),
        ``gate_mul`` (their product) and ``down_proj`` (W2)."""
        tokens = b * s
        wide = tokens * self.d_ff
        return (
            Activation("mlp.gate_proj", wide),
            Activation("mlp.act", wide),
            Activation("mlp.up_proj", wide),
            Activation("mlp.gate_mul", wide),
            Activation("mlp.down_proj", tokens * self.h),
        )

    def elementwise_flops(self, b, s) -> Expr:
        """Bias adds, the activation (1 per element) and the gate product (1 per element)."""
        tokens = b * s
        biases = sum((lin.bias_flops(tokens) for lin in self.linears()), Integer(0))
        return biases + 2 * tokens * self.d_ff
