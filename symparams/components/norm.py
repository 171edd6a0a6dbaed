"""Normalisation layers: LayerNorm (gain γ and shift β) and RMSNorm (gain γ).

Elementwise, so they contribute no matmul FLOPs.

>>> from symparams.symbols import h
>>> LayerNorm(h).params(), RMSNorm(h).params(), LayerNorm(h, bias=False).params()
(2*h, h, h)
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from symparams.components.base import Component, Tensor

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


@dataclass(frozen=True)
class RMSNorm(Component):
    """RMSNorm over ``h`` features: one gain vector γ."""

    h: Expr
    key = "norm"
    label = "RMSNorm"

    def tensors(self) -> tuple[Tensor, ...]:
        return (Tensor("norm.weight", (self.h,)),)
