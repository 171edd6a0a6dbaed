"""KV cache: the keys and values every attention layer keeps while generating.

For a prompt of ``s`` tokens and ``n`` generated ones, each layer caches
``2·b·(s+n)·n_kv·d_head`` values (K and V); times the bytes of the cache dtype.

>>> from symparams.architectures import architecture
>>> kv_cache(architecture("gpt-classic"), dtype="fp16").total
4*b*h*l*(n + s)
"""

from __future__ import annotations

from functools import lru_cache

from symparams.breakdown import Breakdown, Piece, merge_pieces
from symparams.symbols import b as _b, n as _n, s as _s
from symparams.units import dtype_bytes

__all__ = ["kv_cache"]


@lru_cache(maxsize=1024)
def kv_cache(arch, *, dtype: str = "bf16", tokens=None, b=_b) -> Breakdown:
    """Bytes of the KV cache for ``b`` sequences of ``tokens`` cached tokens.

    ``tokens`` defaults to ``s + n`` (prompt plus generated tokens).
    """
    tokens = _s + _n if tokens is None else tokens
    size = dtype_bytes(dtype)
    pieces = []
    for component, in_block in arch.parts():
        elements = component.kv_cache_elements(b, tokens)
        if elements != 0:
            pieces.append(Piece("kv_cache", f"{component.label}: K and V", size * elements, in_block=in_block))
    return Breakdown(
        "KV cache",
        "bytes",
        merge_pieces(pieces),
        layers=arch.layers,
        convention=f"K and V for every cached token, {dtype} ({size} bytes per element)",
    )
