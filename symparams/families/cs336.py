"""Worked example A: the CS336 assignment-1 decoder.

Pre-norm, RMSNorm, causal multi-head attention with RoPE, SwiGLU FFN of width
``d_ff``, no biases anywhere, untied output head. RoPE's cos/sin table is a
non-trainable buffer of ``s_max · d_head`` values, reported apart.

>>> from sympy import expand
>>> from symparams.symbols import l, h, V, d_ff
>>> expand(cs336().params().total - (V*h + l*(2*h + 4*h**2 + 3*h*d_ff) + h + h*V))
0
"""

from __future__ import annotations

from symparams.stacks import Architecture, decoder
from symparams.components import Attention, Dropout, GatedMLP, OutputHead, RMSNorm, RotaryPositions, TokenEmbedding
from symparams.symbols import V, a, d_ff, h, s_max

__all__ = ["cs336"]


def cs336() -> Architecture:
    """RMSNorm + RoPE + SwiGLU decoder, no biases, untied head."""
    return decoder(
        "cs336",
        "CS336 decoder (RMSNorm, RoPE, SwiGLU, no biases, untied head)",
        embed=(TokenEmbedding(V, h), RotaryPositions(s_max, h / a)),
        block=(
            RMSNorm(h),
            Attention(h, a, a, h / a),
            RMSNorm(h),
            GatedMLP(h, d_ff, activation="silu"),
        ),
        final=(RMSNorm(h), OutputHead(h, V, tied=False)),
        notes=("RoPE buffer: s_max·d_head values with d_head = h/a, not trainable",),
        dropout=Dropout.of(False),  # the assignment's model has no dropout
    )
