"""Parameter and buffer counts, derived from the components' tensor shapes.

>>> from symparams.architectures import architecture
>>> bd = parameters(architecture("gpt-classic"))
>>> bd.block
12*h**2 + 13*h
>>> buffers(architecture("cs336")).total
h*s_max/a
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr

from symparams._expr import sum_exprs
from symparams.breakdown import Breakdown, Piece, merge_pieces

__all__ = ["parameters", "buffers", "embedding_params"]

EMBEDDING_KEYS = ("embedding", "positions")


def _pieces(arch, measure) -> tuple[Piece, ...]:
    pieces = []
    for component, in_block in arch.parts():
        expr = measure(component)
        if expr != 0:
            pieces.append(Piece(component.key, component.label, expr, in_block=in_block))
    return merge_pieces(pieces)


@lru_cache(maxsize=1024)
def parameters(arch) -> Breakdown:
    """Trainable parameters of ``arch``, one piece per component.

    A tied output head owns no weight and is left out; tensors shared by
    tying are counted once, as ``sum(p.numel() for p in model.parameters())``.
    """
    return Breakdown(
        "parameters",
        "parameters",
        _pieces(arch, lambda c: c.params()),
        layers=arch.layers,
        convention="trainable weights; tied tensors counted once; buffers excluded",
        notes=arch.notes,
    )


@lru_cache(maxsize=1024)
def buffers(arch) -> Breakdown:
    """Non-trainable buffer elements (e.g. RoPE cos/sin tables), never parameters."""
    return Breakdown(
        "buffers",
        "elements",
        _pieces(arch, lambda c: c.buffer_elements()),
        layers=arch.layers,
        convention="non-trainable buffers (not in the parameter count)",
    )


def embedding_params(arch) -> Expr:
    """Parameters of the lookup tables (token and learned position embeddings).

    This is what ``transformers`` excludes with ``exclude_embeddings=True`` and
    what Kaplan et al. leave out of ``N``; an untied output head is *not*
    included (it is a matmul like any other layer).
    """
    return sum_exprs(c.params() for c, _ in arch.parts() if c.key in EMBEDDING_KEYS)
