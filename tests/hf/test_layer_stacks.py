"""Families whose layers differ (Gemma 2's alternating windows, Qwen's ``use_sliding_window``) are
counted stack by stack, and equal an independent layer-by-layer count in FLOPs under every
counting and in KV cache."""

import json

import pytest
from hypothesis import given, strategies as st

import symparams
from symparams.testing import hf_configs

from symparams.symbols import w

import independent as ind
from _oracle import FIXTURES


def _pairs(seq, window):
    """Query-key pairs of one causal layer, by brute force (``window`` None: no window)."""
    return sum(1 for i in range(seq) for j in range(i + 1) if window is None or i - j < window)


def masked_forward(cfg, b, s):
    """Forward FLOPs with each layer's attention counted over the pairs its mask keeps:
    the dense matmuls of the independent count, with the s×s products replaced layer by layer."""
    h, l, a, inner, hd, kv, tie, V = ind.decoders._hf_sizes(cfg)
    dense = ind.dense_forward_flops(ind.hf_matmuls(cfg, b=b, s=s))
    dense_products = l * 2 * (2 * s * hd * s * b * a)  # QKᵀ and AV of every layer, full s×s
    masked = sum(2 * 2 * b * a * hd * _pairs(s, window) for window in ind.decoders.layer_windows(cfg))
    return dense - dense_products + masked


def test_gemma2_is_two_stacks_with_their_own_windows():
    m = symparams.from_hf_config(FIXTURES / "gemma-2-2b.json")
    stacks = {st.name: m.value(st.count) for st in m.architecture.layer_stacks}
    assert stacks == {"local": 13, "global": 13}  # 26 layers, sliding on 0, 2, 4, …
    local, full = m.architecture.stack("local").block[1], m.architecture.stack("global").block[1]
    assert (local.mask, local.window, m.values[w]) == ("window", w, 4096)
    assert (full.mask, full.window) == ("causal", None)


@pytest.mark.parametrize("model_type", ["gemma2", "qwen2", "qwen3", "qwen2_moe", "mistral", "starcoder2"])
def test_masked_flops_and_kv_layer_by_layer(model_type):
    @given(hf_configs(model_type), st.integers(1, 3), st.integers(1, 14))
    def check(cfg, b, s):
        m = symparams.from_hf_config(cfg)
        assert m.forward_flops(b, s, convention="causal-exact").total == masked_forward(cfg, b, s), cfg
        assert m.forward_flops(b, s).total == ind.dense_forward_flops(ind.hf_matmuls(cfg, b=b, s=s)), cfg
        assert m.kv_cache_elements(b, s) == ind.hf_kv_cache_elements(cfg, b=b, tokens=s), cfg

    check()


def test_gemma2_fixture_at_long_context():
    cfg = json.loads((FIXTURES / "gemma-2-2b.json").read_text())
    m = symparams.from_hf_config(cfg)
    # 13 layers hold min(8192, 4095) tokens, 13 hold 8192: 4 KV heads of 256, K and V, bf16
    assert m.kv_cache_bytes(1, 8192) == 2 * 2 * 4 * 256 * (13 * 4095 + 13 * 8192)
    assert m.forward_flops(1, 64, convention="causal-exact").total == masked_forward(cfg, 1, 64)


def test_half_counting_halves_causal_layers_only():
    m = symparams.from_hf_config(FIXTURES / "gemma-2-2b.json")
    dense, half = m.forward_flops(1, 64).total, m.forward_flops(1, 64, convention="causal-half").total
    h, l, a, inner, hd, kv, tie, V = ind.decoders._hf_sizes(json.loads((FIXTURES / "gemma-2-2b.json").read_text()))
    assert dense - half == l * 2 * (2 * 64 * hd * 64 * a) // 2
