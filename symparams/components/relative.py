"""T5's relative position bias: a learned scalar per (relative-position bucket, head).

Each attention score gets ``bias[bucket(j − i), head]`` added; the buckets
(``n_rb`` of them, ``relative_attention_num_buckets``) are computed from the
positions, the table is looked up — no matmul, so no FLOPs. T5 keeps one table
in the first layer of each stack (``block.0.layer.0.SelfAttention.
relative_attention_bias``) and every later layer of the stack reuses the bias
it computed; UMT5 keeps one in every layer.

>>> from symparams.symbols import n_rb, a
>>> RelativePositionBias(n_rb, a).params()
a*n_rb
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from symparams.components.base import Component, Tensor

__all__ = ["RelativePositionBias"]


@dataclass(frozen=True)
class RelativePositionBias(Component):
    """An ``n_rb × a`` table of relative-position biases (a lookup: counted with the position tables)."""

    n_rb: Expr
    a: Expr
    shared: bool = True
    key = "positions"

    @property
    def label(self) -> str:
        where = "held by the first layer, reused by every layer of the stack" if self.shared else "one per layer"
        return f"relative position bias ({where})"

    def tensors(self) -> tuple[Tensor, ...]:
        return (Tensor("relative_attention_bias.weight", (self.n_rb, self.a)),)
