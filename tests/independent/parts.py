"""Pieces the newer decoder counters share: Q/K/V/O projections, gated and plain MLPs, the KV cache
of a layer (all in plain ints, as transformers' modeling files allocate them)."""

from __future__ import annotations

from independent.shapes import kv_cache_elements, linear

__all__ = ["get", "qkvo", "gated_mlp", "plain_mlp", "layer_kv", "attention_matmuls", "linear_matmuls"]


def get(cfg, key, default):
    """``cfg[key]``, or ``default`` when absent or null (the config class's default)."""
    value = cfg.get(key)
    return default if value is None else value


def qkvo(p, h, a, kv, hd, qkv_bias=False, o_bias=False, *, names=("q_proj", "k_proj", "v_proj", "o_proj")):
    q, k, v, o = names
    t = {}
    t.update(linear(f"{p}.{q}", h, a * hd, qkv_bias))
    t.update(linear(f"{p}.{k}", h, kv * hd, qkv_bias))
    t.update(linear(f"{p}.{v}", h, kv * hd, qkv_bias))
    t.update(linear(f"{p}.{o}", a * hd, h, o_bias))
    return t


def gated_mlp(p, h, inter, bias=False):
    t = {}
    t.update(linear(f"{p}.gate_proj", h, inter, bias))
    t.update(linear(f"{p}.up_proj", h, inter, bias))
    t.update(linear(f"{p}.down_proj", inter, h, bias))
    return t


def plain_mlp(p, h, inter, bias, names=("up_proj", "down_proj")):
    t = {}
    t.update(linear(f"{p}.{names[0]}", h, inter, bias))
    t.update(linear(f"{p}.{names[1]}", inter, h, bias))
    return t


def linear_matmuls(tensors, tokens):
    """``(tokens, d_in, d_out, 1)`` for every 2-D ``.weight`` of an ``nn.Linear`` (stored out × in)."""
    return [(tokens, shape[1], shape[0], 1) for name, shape in tensors.items()
            if name.endswith(".weight") and len(shape) == 2 and "embed" not in name and "norm" not in name]


def attention_matmuls(b, s, a, qk, v=None):
    """The score and value products of one layer: every query head over every key."""
    return [(s, qk, s, b * a), (s, s, qk if v is None else v, b * a)]


def layer_kv(*, b, tokens, kv, hd, window=None):
    """K and V of one layer after a prefill; a sliding (or chunked) layer keeps ``window − 1`` tokens."""
    return kv_cache_elements(l=1, b=b, kv_heads=kv, head_dim=hd, tokens=tokens if window is None else min(tokens, window - 1))
