"""Shapes as plain ints: a tensor table's parameter count, linear and LayerNorm tensors."""

from __future__ import annotations

from math import prod

__all__ = ["params", "linear", "layernorm", "kv_cache_elements", "dense_forward_flops"]


def params(tensors: dict[str, tuple[int, ...]]) -> int:
    """Sum of ``numel`` over named shapes."""
    return sum(prod(shape) for shape in tensors.values())


def layernorm(prefix, h):
    return {f"{prefix}.weight": (h,), f"{prefix}.bias": (h,)}


def linear(prefix, d_in, d_out, bias):
    out = {f"{prefix}.weight": (d_out, d_in)}
    if bias:
        out[f"{prefix}.bias"] = (d_out,)
    return out


def dense_forward_flops(matmuls) -> int:
    """2 FLOPs per multiply-accumulate."""
    return sum(2 * m * k * n * c for m, k, n, c in matmuls)


def kv_cache_elements(*, l, b, tokens, kv_heads, head_dim):
    """K and V of shape ``(b, kv_heads, tokens, head_dim)`` per layer."""
    return l * 2 * b * kv_heads * tokens * head_dim
