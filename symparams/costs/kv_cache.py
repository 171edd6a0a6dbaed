"""KV cache: the keys and values every cached attention layer keeps while generating.

For a prompt of ``s`` tokens and ``n`` generated ones, each causal layer caches
``2·b·(s+n)·n_kv·d_head`` values (K and V) — fewer for a sliding-window or
chunked layer (at most ``w − 1`` tokens), none for bidirectional
self-attention, the encoder's ``s_enc`` tokens for cross-attention — times the
bytes of the cache dtype.

>>> from symparams.families import architecture
>>> kv_cache(architecture("gpt-classic"), dtype="fp16").total
4*b*h*l*(n + s)
"""

from __future__ import annotations

from functools import lru_cache

from symparams._expr import as_expr
from symparams.breakdown import Breakdown
from symparams.costs.collect import collect
from symparams.symbols import b as _b, n as _n, s as _s
from symparams.units import dtype_bytes

__all__ = ["kv_cache", "kv_cache_elements"]


@lru_cache(maxsize=1024)
def kv_cache_elements(arch, *, tokens=None, b=_b) -> Breakdown:
    """Elements (K and V values) cached for ``b`` sequences after ``tokens`` tokens.

    ``tokens`` defaults to ``s + n`` (prompt plus generated tokens); it replaces
    ``s`` in each stack's length (a decoder's ``s``; an encoder's ``s_enc`` stays).

    >>> from symparams.families import architecture
    >>> kv_cache_elements(architecture("gpt-classic")).total
    2*b*h*l*(n + s)
    """
    tokens = _s + _n if tokens is None else as_expr(tokens)

    def measure(component, stack):
        elements = component.kv_cache_elements(b, stack.seq.xreplace({_s: tokens}))
        return [("kv_cache", f"{component.label}: K and V", elements)]

    return collect(arch, measure, quantity="KV cache", unit="elements",
                   convention="K and V for every cached token")


@lru_cache(maxsize=1024)
def kv_cache(arch, *, dtype: str = "bf16", tokens=None, b=_b) -> Breakdown:
    """Bytes of the KV cache for ``b`` sequences after ``tokens`` tokens:
    :func:`kv_cache_elements` times the bytes of ``dtype``.

    ``tokens`` defaults to ``s + n`` (prompt plus generated tokens).
    """
    size = dtype_bytes(dtype)
    elements = kv_cache_elements(arch, tokens=tokens, b=b)
    return elements.map(lambda e: size * e, unit="bytes",
                        convention=f"{elements.convention}, {dtype} ({size} bytes per element)")
