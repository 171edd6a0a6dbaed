"""Rotary position embeddings (RoPE): no parameters, a cos/sin buffer.

The buffer holds a cosine and a sine for each of ``s_max`` positions and each
of the ``rotary_dim / 2`` frequency pairs: ``s_max · rotary_dim`` values, not
trainable. ``rotary_dim`` is ``d_head`` unless only part of each head rotates
(GPT-NeoX/Pythia ``rotary_pct``, Phi ``partial_rotary_factor``).

>>> from symparams.symbols import s_max, d_head
>>> rope = RotaryPositions(s_max, d_head)
>>> rope.params(), rope.buffer_elements()
(0, d_head*s_max)
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams.components.base import Component, Tensor

__all__ = ["RotaryPositions"]


@dataclass(frozen=True)
class RotaryPositions(Component):
    """RoPE with a precomputed ``(s_max, rotary_dim/2, 2)`` cos/sin table."""

    s_max: Expr
    rotary_dim: Expr
    key = "rope"
    label = "RoPE cos/sin buffer (not trainable)"

    def tensors(self) -> tuple[Tensor, ...]:
        pairs = self.rotary_dim / Integer(2)
        return (Tensor("rope.cos_sin", (self.s_max, pairs, Integer(2)), trainable=False),)
