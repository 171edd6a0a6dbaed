"""KV cache: the keys and values every attention layer keeps while generating.

For a prompt of ``s`` tokens and ``n`` generated ones, each layer caches
``2·b·(s+n)·n_kv·d_head`` values (K and V); times the bytes of the cache dtype.

>>> from symparams.architectures import architecture
>>> kv_cache(architecture("gpt-classic"), dtype="fp16").total
4*b*h*l*(n + s)
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from symparams.breakdown import Breakdown, Piece, merge_pieces
from symparams.symbols import b as _b, n as _n, s as _s
from symparams.units import dtype_bytes

__all__ = ["kv_cache", "kv_cache_elements"]


@lru_cache(maxsize=1024)
def kv_cache_elements(arch, *, tokens=None, b=_b) -> Breakdown:
    """Elements (K and V values) cached for ``b`` sequences of ``tokens`` tokens.

    ``tokens`` defaults to ``s + n`` (prompt plus generated tokens).

    >>> from symparams.architectures import architecture
    >>> kv_cache_elements(architecture("gpt-classic")).total
    2*b*h*l*(n + s)
    """
    tokens = _s + _n if tokens is None else tokens
    pieces = []
    for component, in_block in arch.parts():
        elements = component.kv_cache_elements(b, tokens)
        if elements != 0:
            pieces.append(Piece("kv_cache", f"{component.label}: K and V", elements, in_block=in_block))
    return Breakdown(
        "KV cache",
        "elements",
        merge_pieces(pieces),
        layers=arch.layers,
        convention="K and V for every cached token",
    )


@lru_cache(maxsize=1024)
def kv_cache(arch, *, dtype: str = "bf16", tokens=None, b=_b) -> Breakdown:
    """Bytes of the KV cache for ``b`` sequences of ``tokens`` cached tokens:
    :func:`kv_cache_elements` times the bytes of ``dtype``.

    ``tokens`` defaults to ``s + n`` (prompt plus generated tokens).
    """
    size = dtype_bytes(dtype)
    elements = kv_cache_elements(arch, tokens=tokens, b=b)
    return Breakdown(
        "KV cache",
        "bytes",
        tuple(replace(p, expr=size * p.expr) for p in elements.pieces),
        layers=arch.layers,
        convention=f"{elements.convention}, {dtype} ({size} bytes per element)",
    )
