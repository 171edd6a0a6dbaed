"""Forward-pass FLOPs, derived from the components' matmuls.

The default convention is :data:`symparams.conventions.FLOP_COUNTER`: what
PyTorch's ``FlopCounterMode`` reports for an eager model — matmuls only,
2 FLOPs per multiply-accumulate, the attention score and value products over
the full ``s × s`` (no causal halving), logits at every position.

>>> from symparams.architectures import architecture
>>> bd = forward_flops(architecture("gpt-classic"))
>>> bd.block
24*b*h**2*s + 4*b*h*s**2
>>> bd.total - bd.layers * bd.block
2*V*b*h*s
"""

from __future__ import annotations

from symparams.breakdown import Breakdown, Piece, merge_pieces
from symparams.conventions import FLOP_COUNTER, FlopConvention
from symparams.symbols import b as _b, s as _s

__all__ = ["forward_flops", "matmul_pieces"]


def matmul_pieces(arch, convention: FlopConvention, b=_b, s=_s) -> tuple[Piece, ...]:
    """One piece per matmul of every component, under ``convention``."""
    pieces = []
    for component, in_block in arch.parts():
        for mm in component.matmuls(b, s):
            flops = convention.matmul_flops(mm, s)
            key = f"{component.key}.{mm.name}"
            pieces.append(Piece(key, f"{component.label}: {mm.name}", flops, in_block=in_block))
    return merge_pieces(pieces)


def forward_flops(arch, convention: FlopConvention = FLOP_COUNTER, *, b=_b, s=_s) -> Breakdown:
    """Forward FLOPs of ``arch`` for ``b`` sequences of ``s`` tokens."""
    return Breakdown(
        "forward FLOPs",
        "FLOPs",
        matmul_pieces(arch, convention, b, s),
        layers=arch.layers,
        convention=convention.describe(),
    )
