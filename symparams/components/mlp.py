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

from sympy import Expr

from symparams.components.base import Component, Linear, Matmul, Tensor

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
