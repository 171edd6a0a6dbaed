"""Oracle: issue 13's families against transformers 5.23 itself, on variants of the fixtures.

Parameters and buffers on the meta device, forward FLOPs under FlopCounterMode at two shapes, the
KV cache after a prefill; and MLA's expanded cache form against the per-head keys and values
transformers expands from its latent cache.
"""

import json

import pytest
from hypothesis import given, settings

import symparams
from symparams.components.mla import with_mla_cache
from symparams.costs.kv_cache import kv_cache_elements
from symparams.symbols import b, s
from symparams.testing.hf_strategies import hf_configs

from _oracle import FIXTURES, ORACLE_EXAMPLES, flops_mode, require_oracle

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


def _config(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


_LONGROPE = {"type": "longrope", "short_factor": [1.0] * 12, "long_factor": [2.0] * 12}

VARIANTS = [
    ("deepseek-v3 direct queries, attention bias, 2 shared", "deepseek-v3", 3,
     {"q_lora_rank": None, "attention_bias": True, "n_shared_experts": 2}),
    ("deepseek-v3 every layer MoE, top-1, tied", "deepseek-v3", 2,
     {"first_k_dense_replace": 0, "num_experts_per_tok": 1, "tie_word_embeddings": True}),
    ("deepseek-v2-lite low-rank queries, biases", "deepseek-v2-lite", 3,
     {"q_lora_rank": 64, "mlp_bias": True, "attention_bias": True}),
    ("deepseek-v2-lite group-limited routing, no shared", "deepseek-v2-lite", 2,
     {"topk_method": "group_limited_greedy", "n_group": 4, "topk_group": 2, "n_shared_experts": 0}),
    ("qwen3-moe sparse step 2, layer 0 dense", "qwen3-30b-a3b", 4, {"decoder_sparse_step": 2, "mlp_only_layers": [0]}),
    ("qwen3-moe sliding window 6, attention bias", "qwen3-30b-a3b", 2,
     {"use_sliding_window": True, "sliding_window": 6, "attention_bias": True}),
    ("qwen2-moe sparse step 2, windowed", "qwen1.5-moe-a2.7b", 4,
     {"decoder_sparse_step": 2, "use_sliding_window": True, "sliding_window": 6, "max_window_layers": 3}),
    ("olmoe GQA, attention bias, clip_qkv, tied", "olmoe-1b-7b-0924", 2,
     {"num_key_value_heads": 2, "attention_bias": True, "clip_qkv": 8.0, "tie_word_embeddings": True,
      "num_experts": 8, "num_experts_per_tok": 2}),
    ("gemma3 window 6, pattern 2", "gemma-3-1b-pt", 4, {"sliding_window": 6, "sliding_window_pattern": 2}),
    ("gemma3 layer_types, bias, untied, GQA", "gemma-3-1b-pt", 2,
     {"sliding_window": 6, "layer_types": ["sliding_attention", "full_attention"], "sliding_window_pattern": 2,
      "attention_bias": True, "tie_word_embeddings": False, "num_key_value_heads": 2, "num_attention_heads": 4}),
    ("gemma3 every layer global", "gemma-3-1b-pt", 2, {"sliding_window_pattern": 1}),
    ("gemma3 multimodal's text model, window 6", "gemma-3-4b-pt", 3, {"sliding_window": 6}),
    ("phi3 window 6", "phi-3-mini-4k-instruct", 2, {"sliding_window": 6}),
    ("phi3 partial rotary 0.75, GQA, tied, no window", "phi-3-mini-4k-instruct", 2,
     {"sliding_window": None, "partial_rotary_factor": 0.75, "num_key_value_heads": 2, "tie_word_embeddings": True}),
    ("phi3 longrope", "phi-3-mini-4k-instruct", 2,
     {"rope_scaling": _LONGROPE, "original_max_position_embeddings": 64, "max_position_embeddings": 256,
      "partial_rotary_factor": 0.75}),
    ("gptj n_inner 200, tied", "gpt-j-6b", 2, {"n_inner": 200, "tie_word_embeddings": True}),
    ("granite biases, untied", "granite-3.1-8b-base", 2,
     {"attention_bias": True, "mlp_bias": True, "tie_word_embeddings": False}),
    ("cohere qk norm, GQA", "c4ai-command-r-v01", 2, {"use_qk_norm": True, "num_key_value_heads": 2}),
    ("cohere attention bias, untied", "c4ai-command-r-v01", 2, {"attention_bias": True, "tie_word_embeddings": False}),
    ("cohere2 window 6, pattern 2", "c4ai-command-r7b-12-2024", 4, {"sliding_window": 6, "sliding_window_pattern": 2}),
    ("cohere2 layer_types", "c4ai-command-r7b-12-2024", 3,
     {"sliding_window": 5, "layer_types": ["sliding_attention", "full_attention", "sliding_attention"],
      "sliding_window_pattern": 2}),
    ("nemotron full rotary, biases", "minitron-8b-base", 2,
     {"partial_rotary_factor": 1.0, "attention_bias": True, "mlp_bias": True}),
    ("nemotron rope_parameters' rotary fraction", "minitron-8b-base", 2,
     {"rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.25}}),
    ("llama4 chunk 4", "llama-4-scout-17b-16e", 4, {"attention_chunk_size": 4}),
    ("llama4 Maverick-like interleaving, no qk norm", "llama-4-scout-17b-16e", 4,
     {"interleave_moe_layer_step": 2, "use_qk_norm": False, "no_rope_layer_interval": 2, "attention_chunk_size": 5}),
    ("llama4 moe_layers and layer_types given", "llama-4-scout-17b-16e", 3,
     {"moe_layers": [0, 2], "layer_types": ["full_attention", "chunked_attention", "chunked_attention"],
      "attention_chunk_size": 3}),
]


@pytest.mark.parametrize("label, name, layers, overrides", VARIANTS, ids=[v[0] for v in VARIANTS])
@pytest.mark.parametrize("batch, seq", [(1, 16), (3, 7)])
def test_against_live_transformers(label, name, layers, overrides, batch, seq):
    from symparams.testing.oracle import (
        hf_buffer_count, hf_forward_flops, hf_kv_cache_elements, hf_param_count, shrink_config,
    )

    cfg = shrink_config(_config(name), layers=layers, **overrides)
    m = symparams.from_hf_config(cfg)
    mode = flops_mode(cfg)
    assert m.params.total == hf_param_count(cfg)
    assert m.buffers.total == hf_buffer_count(cfg)
    assert m.forward_flops(batch=batch, seq=seq).total == hf_forward_flops(cfg, batch, seq, mode=mode)
    assert m.kv_cache_elements(batch=batch, tokens=seq) == hf_kv_cache_elements(cfg, batch, seq, mode=mode)


NEW_TYPES = ("deepseek_v2", "deepseek_v3", "qwen3_moe", "olmoe", "gemma3_text", "gemma3", "phi3", "gptj", "granite",
             "cohere", "cohere2", "nemotron", "llama4_text", "llama4")


@pytest.mark.parametrize("model_type", NEW_TYPES)
def test_drawn_config_buffers(model_type):
    from symparams.testing.oracle import hf_buffer_count

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(hf_configs(model_type))
    def check(cfg):
        assert symparams.from_hf_config(cfg).buffers.total == hf_buffer_count(cfg), cfg

    check()


def _expanded_elements(cfg, batch, seq):
    """Elements of the per-head keys and values transformers expands from its latent cache in a prefill
    (every MLA layer's ``expand_kv`` output)."""
    import torch
    from transformers.models.deepseek_v2 import modeling_deepseek_v2 as v2
    from transformers.models.deepseek_v3 import modeling_deepseek_v3 as v3

    from symparams.testing.oracle import _run_forward

    seen = []
    originals = {cls: cls.expand_kv for cls in (v2.DeepseekV2Attention, v3.DeepseekV3Attention)}

    def recording(original):
        def expand_kv(self, kv_nope, k_rot):
            keys, values = original(self, kv_nope, k_rot)
            seen.append(keys.numel() + values.numel())
            return keys, values
        return expand_kv

    try:
        for cls, original in originals.items():
            cls.expand_kv = recording(original)
        with torch.no_grad():
            _run_forward(cfg, batch, seq, mode="real", use_cache=True, count_flops=False)
    finally:
        for cls, original in originals.items():
            cls.expand_kv = original
    return sum(seen)


@pytest.mark.parametrize("name", ["deepseek-v3", "deepseek-v2-lite"])
def test_mla_expanded_cache_form_is_transformers_expansion(name):
    from symparams.testing.oracle import hf_kv_cache_elements, shrink_config

    cfg = shrink_config(_config(name), layers=3)
    m = symparams.from_hf_config(cfg)
    expanded = kv_cache_elements(with_mla_cache(m.architecture, "expanded"), tokens=s)
    assert expanded.at({**m.values, b: 2, s: 5}).total == _expanded_elements(cfg, 2, 5)
    assert m.kv_cache_elements(batch=2, tokens=5) == hf_kv_cache_elements(cfg, 2, 5, mode="real")
