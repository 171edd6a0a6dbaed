"""Forward FLOPs and KV cache of Hugging Face configs, against transformers.

Convention: PyTorch ``FlopCounterMode`` on the eager model, ``use_cache=False``,
matmuls only, 2 FLOPs per multiply-accumulate, attention over the full s×s.
The fixed numbers below were measured with transformers 5.23.0 / torch 2.13.0
under FlopCounterMode (tests/fixtures/hf_configs/ORACLE_NOTES.md, batch 1,
seq 128, full-size models under FakeTensorMode) — an independent source. The
``oracle`` tests re-measure every family live on shrunk configs, including
variants (biases, projections, Falcon's architectures, MoE sizes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import symparams
from symparams.hf import from_hf_config

from _oracle import workload

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

# FlopCounterMode totals, batch 1, seq 128, transformers 5.23 (ORACLE_NOTES.md)
MEASURED_FLOPS_B1_S128 = {
    "llama-2-7b": 1_700_001_742_848,
    "gpt2": 32_228_179_968,
    "mixtral-8x7b-v0.1": 3_272_228_208_640,
    "bloom-560m": 144_686_710_784,  # ALiBi scores via baddbmm (counted like bmm); ORACLE_NOTES.md
}


def _config(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def kv_elements(m, batch: int, seq: int, **lengths) -> int:
    """Elements of K and V cached after a prefill of ``seq`` tokens."""
    return m.kv_cache_elements(batch=batch, tokens=seq, **lengths)


@pytest.mark.parametrize("name", sorted(MEASURED_FLOPS_B1_S128))
def test_flops_equal_measured(name):
    flops = symparams.model(name).forward_flops(batch=1, seq=128).total
    assert flops == MEASURED_FLOPS_B1_S128[name]


def test_kv_cache_heads():
    # ORACLE_NOTES: Gemma-2B caches 1 head of 256, Falcon-7B one head of 64 (multi_query).
    assert kv_elements(symparams.model("gemma-2b"), 1, 10) == 18 * 2 * 10 * 1 * 256
    assert kv_elements(symparams.model("falcon-7b"), 1, 10) == 32 * 2 * 10 * 1 * 64
    assert kv_elements(symparams.model("llama-3-8b"), 2, 10) == 32 * 2 * 2 * 10 * 8 * 128


def test_sliding_window_cache_keeps_w_minus_1_tokens():
    # ORACLE_NOTES: with sliding_window 8, prefills of 8, 9 and 16 tokens all leave 7 tokens per layer.
    cfg = _config("mistral-7b-v0.1") | {"sliding_window": 8}
    m = from_hf_config(cfg)
    per_token = 32 * 2 * 8 * 128  # layers · (K and V) · KV heads · head size
    assert [kv_elements(m, 1, s) for s in (5, 7, 8, 9, 16)] == [per_token * n for n in (5, 7, 7, 7, 7)]


def test_gemma2_windows_every_other_layer():
    # Gemma2Config: layer_types default "sliding_attention" on layers 0, 2, 4, … (13 of 26);
    # a sliding layer's DynamicSlidingWindowLayer keeps the last sliding_window − 1 = 4095 tokens.
    m = symparams.model("gemma-2-2b")
    per_token = 2 * 4 * 256  # (K and V) · KV heads · head_dim
    assert kv_elements(m, 1, 8192) == 13 * per_token * 4095 + 13 * per_token * 8192
    assert kv_elements(m, 2, 100) == 26 * 2 * per_token * 100  # below the window every layer holds every token
    odd = from_hf_config(_config("gemma-2-2b") | {"num_hidden_layers": 3, "sliding_window": 4})
    assert kv_elements(odd, 1, 10) == 2 * per_token * 3 + 1 * per_token * 10  # layers 0 and 2 slide


def _variants():
    """(label, fixture, overrides, dropped keys) for shrunk configs."""
    out = [(f"{n}", n, {}, ()) for n in NAMES]
    out += [
        ("opt proj_dim != hidden, post-LN", "opt-125m", {"word_embed_proj_dim": 64, "do_layer_norm_before": False}, ()),
        ("opt no final norm, no bias, untied", "opt-125m",
         {"_remove_final_layer_norm": True, "enable_bias": False, "tie_word_embeddings": False}, ()),
        ("opt norms without affine", "opt-125m", {"layer_norm_elementwise_affine": False}, ()),
        ("falcon new arch", "falcon-7b", {"new_decoder_architecture": True, "num_kv_heads": 2}, ()),
        ("falcon new arch one norm", "falcon-7b",
         {"new_decoder_architecture": True, "num_kv_heads": 2, "num_ln_in_parallel_attn": 1}, ()),
        ("falcon alibi", "falcon-7b", {"alibi": True}, ()),
        ("falcon MHA with biases", "falcon-7b", {"multi_query": False, "bias": True}, ()),
        ("falcon sequential, ffn 200, untied", "falcon-7b",
         {"parallel_attn": False, "ffn_hidden_size": 200, "tie_word_embeddings": False}, ()),
        ("phi qk_layernorm, GQA, tied", "phi-2",
         {"qk_layernorm": True, "num_key_value_heads": 2, "tie_word_embeddings": True}, ()),
        ("llama attention and MLP biases", "llama-3-8b", {"attention_bias": True, "mlp_bias": True}, ()),
        ("llama head_dim 48", "llama-3.2-1b", {"head_dim": 48}, ()),
        ("gpt2 n_inner, untied", "gpt2", {"n_inner": 200, "tie_word_embeddings": False}, ()),
        ("neox no attention bias, sequential, tied", "pythia-160m",
         {"attention_bias": False, "use_parallel_residual": False, "tie_word_embeddings": True}, ()),
        ("gemma without head_dim (class default 256)", "gemma-7b", {}, ("head_dim",)),
        ("qwen2 without num_key_value_heads (class default 32)", "qwen2-7b",
         {"num_attention_heads": 32, "hidden_size": 1024}, ("num_key_value_heads",)),
        ("mistral without num_key_value_heads (class default 8)", "mistral-7b-v0.1",
         {"num_attention_heads": 16, "hidden_size": 512}, ("num_key_value_heads",)),
        ("mixtral 4 experts, top-3", "mixtral-8x7b-v0.1", {"num_local_experts": 4, "num_experts_per_tok": 3}, ()),
        ("mistral sliding window 6", "mistral-7b-v0.1", {"sliding_window": 6}, ()),
        ("mistral sliding window 10", "mistral-7b-v0.1", {"sliding_window": 10}, ()),
        ("mixtral sliding window 4", "mixtral-8x7b-v0.1", {"sliding_window": 4}, ()),
        ("mistral no sliding window", "mistral-7b-v0.1", {"sliding_window": None}, ()),
        ("gemma2 sliding window 6 (layers 0, 2 windowed)", "gemma-2-2b", {"sliding_window": 6, "layers": 3}, ()),
        ("gemma2 window 6, layer_types given", "gemma-2-2b",
         {"sliding_window": 6, "layer_types": ["full_attention", "sliding_attention"]}, ()),
        ("gemma2 window 6, every layer sliding", "gemma-2-2b",
         {"sliding_window": 6, "layer_types": ["sliding_attention"] * 2}, ()),
        ("gemma2 no sliding layers", "gemma-2-2b",
         {"sliding_window": 6, "layer_types": ["full_attention"] * 2}, ()),
        ("gemma2 MHA, attention bias, untied", "gemma-2-2b",
         {"num_key_value_heads": 4, "attention_bias": True, "tie_word_embeddings": False}, ()),
        ("qwen2_moe 6 experts, top-3, no qkv bias, tied", "qwen1.5-moe-a2.7b",
         {"num_experts": 6, "num_experts_per_tok": 3, "qkv_bias": False, "tie_word_embeddings": True}, ()),
        ("qwen2_moe GQA", "qwen1.5-moe-a2.7b", {"num_key_value_heads": 2}, ()),
        ("olmo2 GQA, attention bias, tied", "olmo-2-1124-7b",
         {"num_key_value_heads": 2, "attention_bias": True, "tie_word_embeddings": True}, ()),
        ("olmo2 head_dim 48", "olmo-2-1124-7b", {"head_dim": 48}, ()),
        ("stablelm qk_layernorm, GQA, parallel residual, tied", "stablelm-2-1_6b",
         {"qk_layernorm": True, "num_key_value_heads": 2, "use_parallel_residual": True, "tie_word_embeddings": True},
         ()),
        ("stablelm no qkv bias, rotary 0.5", "stablelm-2-1_6b", {"use_qkv_bias": False, "partial_rotary_factor": 0.5},
         ()),
        ("qwen3 attention bias, untied", "qwen3-0.6b-base", {"attention_bias": True, "tie_word_embeddings": False}, ()),
        ("qwen3 head_dim 48, MHA", "qwen3-0.6b-base", {"head_dim": 48, "num_key_value_heads": 4}, ()),
        ("starcoder2 no bias, untied", "starcoder2-3b", {"use_bias": False, "tie_word_embeddings": False}, ()),
        ("starcoder2 sliding window 6", "starcoder2-3b", {"sliding_window": 6}, ()),
        ("starcoder2 no sliding window", "starcoder2-3b", {"sliding_window": None}, ()),
        ("gpt_bigcode MHA (multi_query false)", "santacoder", {"multi_query": False}, ()),
        ("gpt_bigcode n_inner null, untied", "santacoder", {"n_inner": None, "tie_word_embeddings": False}, ()),
        ("bloom untied, 3 heads, dropout", "bloom-560m",
         {"tie_word_embeddings": False, "n_head": 3, "hidden_size": 48, "hidden_dropout": 0.1}, ()),
        ("bloom sizes under their other names n_embed, num_hidden_layers (a conflict is refused)", "bloom-560m",
         {"n_embed": 96, "num_hidden_layers": 3}, ("hidden_size", "n_layer")),
        ("bloom pretraining_tp 2, slow_but_exact (sliced dense matmuls)", "bloom-560m",
         {"pretraining_tp": 2, "slow_but_exact": True}, ()),
    ]
    return out


VARIANTS = _variants()


@pytest.mark.oracle
@pytest.mark.parametrize("label, name, overrides, dropped", VARIANTS, ids=[v[0] for v in VARIANTS])
@pytest.mark.parametrize("batch, seq", [(1, 16), (3, 7)])
def test_against_live_transformers(label, name, overrides, dropped, batch, seq):
    pytest.importorskip("torch", reason="oracle tests need torch (extra 'oracle')")
    pytest.importorskip("transformers", reason="oracle tests need transformers (extra 'oracle')")
    from symparams.testing.oracle import (
        hf_forward_flops, hf_kv_cache_elements, hf_param_count, shrink_config,
    )

    cfg = shrink_config(_config(name), **overrides)
    for key in dropped:
        cfg.pop(key)
    m = from_hf_config(cfg)
    assert m.params.total == hf_param_count(cfg)
    seq, lengths = workload(cfg, seq)  # an encoder-decoder's encoder length, a ViT's one patch at least
    assert m.forward_flops(batch=batch, seq=seq, **lengths).total == hf_forward_flops(cfg, batch, seq, **lengths)
    assert kv_elements(m, batch, seq, **lengths) == hf_kv_cache_elements(cfg, batch, seq, **lengths)
