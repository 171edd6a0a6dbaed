"""Rotary position embeddings (RoPE): no parameters, only buffers.

Two layouts are in use. ``"cos_sin"`` (CS336, many from-scratch models) holds
a cosine and a sine for each of ``s_max`` positions and each of the
``rotary_dim / 2`` frequency pairs: ``s_max · rotary_dim`` values.
``"inv_freq"`` (``transformers``) holds the ``rotary_dim / 2`` inverse
frequencies twice (``inv_freq`` and ``original_inv_freq``) and computes cos/sin
on the fly: ``rotary_dim`` values. Neither is trainable. ``rotary_dim`` is
``d_head`` unless only part of each head rotates (GPT-NeoX/Pythia
``rotary_pct``, Phi ``partial_rotary_factor``).

>>> from symparams.symbols import s_max, d_head
>>> rope = RotaryPositions(s_max, d_head)
>>> rope.params(), rope.buffer_elements()
(0, d_head*s_max)
>>> RotaryPositions(s_max, d_head, layout="inv_freq").buffer_elements()
d_head
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams.components.base import Component, Tensor
from symparams.options import choose

__all__ = ["RotaryPositions", "LAYOUTS"]

LAYOUTS = {"cos_sin": "cos/sin", "inv_freq": "inverse-frequency"}


@dataclass(frozen=True)
class RotaryPositions(Component):
    """RoPE: a ``(s_max, rotary_dim/2, 2)`` cos/sin table, or inverse frequencies."""

    s_max: Expr
    rotary_dim: Expr
    layout: str = "cos_sin"
    key = "rope"

    def __post_init__(self) -> None:
        choose("layout", self.layout, LAYOUTS)

    @property
    def label(self) -> str:
        return f"RoPE {LAYOUTS[self.layout]} buffer (not trainable)"

    def tensors(self) -> tuple[Tensor, ...]:
        pairs = self.rotary_dim / Integer(2)
        if self.layout == "inv_freq":
            return (Tensor("rope.inv_freq", (pairs,), trainable=False),
                    Tensor("rope.original_inv_freq", (pairs,), trainable=False))
        return (Tensor("rope.cos_sin", (self.s_max, pairs, Integer(2)), trainable=False),)
