"""Normalisation layers: LayerNorm (gain γ and shift β) and RMSNorm (gain γ).

Elementwise, so they contribute no matmul FLOPs.

>>> from symparams.symbols import h
>>> LayerNorm(h).params(), RMSNorm(h).params(), LayerNorm(h, bias=False).params()
(2*h, h, h)
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from symparams.components.base import Activation, Component, Tensor

__all__ = ["LayerNorm", "RMSNorm"]


@dataclass(frozen=True)
class LayerNorm(Component):
    """LayerNorm over ``h`` features: γ, and β unless ``bias=False``."""

    h: Expr
    bias: bool = True
    key = "norm"
    label = "LayerNorm"

    def tensors(self) -> tuple[Tensor, ...]:
        gain = Tensor("norm.weight", (self.h,))
        return (gain, Tensor("norm.bias", (self.h,))) if self.bias else (gain,)

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """Its input (``2·b·s·h`` bytes in 16-bit, Korthikanti et al. 2022)."""
        return (Activation("norm.input", b * s * self.h, split="sequence"),)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        return (Activation("norm.output", b * s * self.h, split="sequence"),)

    def elementwise_flops(self, b, s):
        """5 FLOPs per element with γ and β, 4 without (DeepSpeed's profiler count)."""
        return (5 if self.bias else 4) * b * s * self.h


@dataclass(frozen=True)
class RMSNorm(Component):
    """RMSNorm over ``h`` features: one gain vector γ."""

    h: Expr
    key = "norm"
    label = "RMSNorm"

    def tensors(self) -> tuple[Tensor, ...]:
        return (Tensor("norm.weight", (self.h,)),)

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """Its input."""
        return (Activation("norm.input", b * s * self.h, split="sequence"),)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        return (Activation("norm.output", b * s * self.h, split="sequence"),)

    def elementwise_flops(self, b, s):
        """4 FLOPs per element: square, sum, scale by the reciprocal RMS, multiply by γ."""
        return 4 * b * s * self.h
