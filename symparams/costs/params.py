"""Parameter and buffer counts, derived from the components' tensor shapes.

>>> from symparams.families import architecture
>>> bd = parameters(architecture("gpt-classic"))
>>> bd.block
12*h**2 + 13*h
>>> buffers(architecture("cs336")).total
h*s_max/a
"""

from __future__ import annotations

from functools import lru_cache

from symparams.breakdown import Breakdown
from symparams.costs.collect import collect

__all__ = ["parameters", "buffers", "active_parameters", "embedding_parameters", "EMBEDDING_KEYS"]

#: component keys of the lookup tables (token, learned positions, token types)
EMBEDDING_KEYS = ("embedding", "positions", "token_types")


@lru_cache(maxsize=1024)
def parameters(arch) -> Breakdown:
    """Trainable parameters of ``arch``, one piece per component.

    A tied output head owns no weight and is left out; tensors shared by
    tying are counted once, as ``sum(p.numel() for p in model.parameters())``.
    """
    return collect(arch, lambda c, st: c.params(), quantity="parameters", unit="parameters",
                   convention="trainable weights; tied tensors counted once; buffers excluded", notes=arch.notes)


@lru_cache(maxsize=1024)
def buffers(arch) -> Breakdown:
    """Non-trainable buffer elements (e.g. RoPE tables), never parameters."""
    return collect(arch, lambda c, st: c.buffer_elements(), quantity="buffers", unit="elements",
                   convention="non-trainable buffers (not in the parameter count)")


@lru_cache(maxsize=1024)
def active_parameters(arch) -> Breakdown:
    """Parameters one token goes through: all of them, except that a mixture of experts
    counts its router, its ``k`` routed experts and its shared experts.

    >>> from symparams.families import architecture
    >>> active_parameters(architecture("gpt-classic")).total == parameters(architecture("gpt-classic")).total
    True
    """
    return collect(arch, lambda c, st: c.active_params(), quantity="active parameters", unit="parameters",
                   convention="parameters one token uses: router + top-k experts + shared experts of a MoE")


@lru_cache(maxsize=1024)
def embedding_parameters(arch) -> Breakdown:
    """Parameters of the lookup tables (token, learned position and token-type embeddings).

    This is what ``transformers`` excludes with ``exclude_embeddings=True`` and
    what Kaplan et al. leave out of ``N``; an untied output head is *not*
    included (it is a matmul like any other layer).
    """
    return collect(arch, lambda c, st: c.params() if c.key in EMBEDDING_KEYS else 0,
                   quantity="embedding parameters", unit="parameters",
                   convention="lookup tables: " + ", ".join(EMBEDDING_KEYS))
