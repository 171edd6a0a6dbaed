"""Normalisation layers: LayerNorm (gain γ and shift β) and RMSNorm (gain γ).

Elementwise, so they contribute no matmul FLOPs. ``groups`` applies one norm
of width ``h`` to that many slices of each token with the same weights — a
per-head Q/K norm (Qwen3, Phi ``qk_layernorm``) normalises ``a`` query heads of
``d_head`` with one gain of size ``d_head``: its parameters are those of one
slice, its activations and elementwise work those of all of them.

>>> from symparams.symbols import h, a, d_head, b, s
>>> LayerNorm(h).params(), RMSNorm(h).params(), LayerNorm(h, bias=False).params()
(2*h, h, h)
>>> q_norm = RMSNorm(d_head, groups=a)
>>> q_norm.params(), q_norm.saved_activations(b, s)[0].numel
(d_head, a*b*d_head*s)
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams.components.base import Activation, Component, Tensor

__all__ = ["LayerNorm", "RMSNorm"]


def _normed(name: str, norm, b, s) -> Activation:
    """A tensor of the normalised width: per-head norms are split with the heads
    under tensor parallelism, full-width norms only with sequence parallelism."""
    return Activation(name, b * s * norm.h * norm.groups, split="sequence" if norm.groups == 1 else "tensor")


@dataclass(frozen=True)
class LayerNorm(Component):
    """LayerNorm over ``h`` features: γ, and β unless ``bias=False``."""

    h: Expr
    bias: bool = True
    groups: Expr = Integer(1)
    key = "norm"

    @property
    def label(self) -> str:
        return "LayerNorm" if self.groups == 1 else "LayerNorm (per head)"

    def tensors(self) -> tuple[Tensor, ...]:
        gain = Tensor("norm.weight", (self.h,))
        return (gain, Tensor("norm.bias", (self.h,))) if self.bias else (gain,)

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """Its input (``2·b·s·h`` bytes in 16-bit, Korthikanti et al. 2022)."""
        return (_normed("norm.input", self, b, s),)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        return (_normed("norm.output", self, b, s),)

    def elementwise_flops(self, b, s):
        """5 FLOPs per element with γ and β, 4 without (DeepSpeed's profiler count)."""
        return (5 if self.bias else 4) * b * s * self.h * self.groups


@dataclass(frozen=True)
class RMSNorm(Component):
    """RMSNorm over ``h`` features: one gain vector γ."""

    h: Expr
    groups: Expr = Integer(1)
    key = "norm"

    @property
    def label(self) -> str:
        return "RMSNorm" if self.groups == 1 else "RMSNorm (per head)"

    def tensors(self) -> tuple[Tensor, ...]:
        return (Tensor("norm.weight", (self.h,)),)

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """Its input."""
        return (_normed("norm.input", self, b, s),)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        return (_normed("norm.output", self, b, s),)

    def elementwise_flops(self, b, s):
        """4 FLOPs per element: square, sum, scale by the reciprocal RMS, multiply by γ."""
        return 4 * b * s * self.h * self.groups
