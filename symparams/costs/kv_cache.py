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

__all__ = ["kv_cache", "kv_cache_elements", "kv_cache_split"]


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


@lru_cache(maxsize=1024)
def kv_cache_split(arch, *, dtype: str = "bf16", tokens=None, b=_b) -> dict[str, Breakdown]:
    """The KV cache bytes of :func:`kv_cache`, split by attention kind: ``"self"`` (the cache a
    decoder's self-attention grows, ``tokens`` per sequence) and ``"cross"`` (an encoder-decoder's
    cross-attention cache over the encoder's ``s_enc`` tokens, filled once). They sum to :func:`kv_cache`.

    >>> from symparams.families import architecture
    >>> split = kv_cache_split(architecture("t5"), dtype="fp16", tokens=_s)
    >>> split["self"].total, split["cross"].total
    (4*b*h*l_dec*s, 4*b*h*l_dec*s_enc)
    """
    tokens = _s + _n if tokens is None else as_expr(tokens)
    size = dtype_bytes(dtype)

    def part(cross: bool) -> Breakdown:
        def measure(component, stack):
            if bool(getattr(component, "is_cross", False)) is not cross:
                return []
            elements = component.kv_cache_elements(b, stack.seq.xreplace({_s: tokens}))
            return [("kv_cache", f"{component.label}: K and V", size * elements)]

        kind = "cross-attention" if cross else "self-attention"
        return collect(arch, measure, quantity=f"KV cache ({kind})", unit="bytes",
                       convention=f"K and V for every cached token, {dtype} ({size} bytes per element)")

    return {"self": part(False), "cross": part(True)}
