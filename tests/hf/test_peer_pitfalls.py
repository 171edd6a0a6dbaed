"""Each way today's calculators get real models wrong (shared/reference/peer-pitfalls.md), as a test.

Expected numbers are worked out by hand from the published configs in
tests/fixtures/hf_configs (shapes as transformers lays them out), or are the
transformers 5.23 meta-device counts recorded in tests/test_hf_params.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import symparams
from symparams.components import MLP, GatedMLP
from symparams.hf import from_hf_config

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"


def config(name: str, **changes) -> dict:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    for key, value in changes.items():
        if value is ...:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def mlp_of(cfg: dict):
    arch = from_hf_config(cfg).architecture
    return next(c for c in arch.block if isinstance(c, MLP))


# ---- reading config.json --------------------------------------------------------------

@pytest.mark.parametrize("name", ["llama-2-7b", "gemma-7b", "qwen2-7b", "mistral-7b-v0.1"])
def test_gating_follows_the_family_not_the_width_ratio(name):
    # Llama-2 11008/4096 = 2.6875, Gemma 24576/3072 = 8, Qwen2 18944/3584 ≈ 5.29: all gated.
    assert isinstance(mlp_of(config(name)), GatedMLP)
    # a gated family stays gated at the "classic" ratio 4, and GPT-2 stays 2-matrix at 3.5
    assert isinstance(mlp_of(config("llama-2-7b", intermediate_size=4 * 4096)), GatedMLP)
    assert type(mlp_of(config("gpt2", n_inner=int(3.5 * 768)))) is MLP


def test_llama_ffn_width_is_not_a_multiple_of_h():
    # 3 · 4096 · 11008 per layer, 32 layers
    assert from_hf_config(config("llama-2-7b")).params["mlp"] == 32 * 3 * 4096 * 11008


def test_family_field_names():
    # GPT-2: n_embd/n_layer/n_head, n_inner absent → 4h: 8h² + 5h MLP per layer
    gpt2 = from_hf_config(config("gpt2"))
    assert gpt2.params["mlp"] == 12 * (8 * 768**2 + 5 * 768)
    # OPT: ffn_dim
    opt = from_hf_config(config("opt-125m"))
    assert opt.params["mlp"] == 12 * (2 * 768 * 3072 + 3072 + 768)
    # Falcon: no MLP width field → 4h, no biases
    falcon = from_hf_config(config("falcon-7b"))
    assert falcon.params["mlp"] == 32 * 2 * 4544 * 4 * 4544


def test_falcon_multi_query_is_one_kv_head():
    # multi_query: true → K and V of one 64-wide head; reading num_kv_heads blindly gives 71
    m = from_hf_config(config("falcon-7b"))
    per_token_bf16 = 32 * 2 * 1 * 64 * 2
    assert m.kv_cache_bytes(batch=1, tokens=1000, dtype="bf16") == 1000 * per_token_bf16
    assert m.params["attention"] == 32 * (4544 * (4544 + 2 * 64) + 4544 * 4544)


@pytest.mark.parametrize("name, tied", [("gemma-2b", True), ("gpt2", True), ("opt-125m", True),
                                        ("falcon-7b", True), ("llama-2-7b", False), ("pythia-160m", False)])
def test_tying_default_when_the_field_is_absent(name, tied):
    m = from_hf_config(config(name, tie_word_embeddings=...))
    head = m.architecture.component("output_head")
    assert head.tied is tied


def test_head_dim_given_differs_from_h_over_a():
    # Gemma-7B: h = 3072, a = 16, head_dim = 256 (not 192): q, k, v, o are 3072 × 4096 each
    m = from_hf_config(config("gemma-7b"))
    assert m.params["attention"] == 28 * 4 * 3072 * 4096
    assert m.kv_cache_bytes(batch=1, tokens=1, dtype="bf16") == 28 * 2 * 16 * 256 * 2
    # FLOPs of the score and value products use 16 heads of 256 at s = 8
    flops = m.forward_flops(batch=1, seq=8)
    assert flops["attention.scores"] == 28 * 2 * 16 * 8 * 256 * 8


def test_biases_no_flag_announces():
    # Qwen2-0.5B: biases on Q, K, V (896 + 2·128) but not on O; 24 layers
    qwen = from_hf_config(config("qwen2-0.5b"))
    weights = 896 * 896 + 2 * 896 * 128 + 896 * 896
    assert qwen.params["attention"] == 24 * (weights + 896 + 2 * 128)
    # Phi-2: the untied output head has a bias of V = 51,200
    phi = from_hf_config(config("phi-2"))
    assert phi.params["output_head"] == 2560 * 51200 + 51200


def test_one_layernorm_per_block_in_parallel_families():
    # Phi-2: 32 blocks × one LayerNorm (2h) + final LayerNorm (2h)
    assert from_hf_config(config("phi-2")).params["norm"] == 33 * 2 * 2560
    # Falcon-7B (parallel_attn, old architecture): one LayerNorm per block + final
    assert from_hf_config(config("falcon-7b")).params["norm"] == 33 * 2 * 4544


def test_opt_position_table_has_two_extra_rows():
    assert from_hf_config(config("opt-125m")).params["positions"] == (2048 + 2) * 768


def test_rotary_models_have_no_position_table():
    for name in ("llama-2-7b", "mistral-7b-v0.1", "qwen2-7b", "pythia-160m", "phi-2"):
        assert "positions" not in from_hf_config(config(name)).params.breakdown.keys()


def test_auto_map_configs_are_read_as_data():
    cfg = config("falcon-7b")
    assert "auto_map" in cfg
    assert from_hf_config(cfg).params.total == 6_921_720_704  # transformers 5.23, meta device


def test_moe_reads_experts_and_top_k():
    m = from_hf_config(config("mixtral-8x7b-v0.1"))
    assert m.params.total == 46_702_792_704  # all 8 experts (transformers 5.23, meta device)
    # per token per layer: router 2·h·E + top-2 experts of 3 matrices h × 14336
    per_token_layer = 2 * 4096 * 8 + 2 * 2 * 3 * 4096 * 14336
    flops = m.forward_flops(batch=1, seq=1)
    moe = sum(v for k, v in flops.as_dict().items() if k.startswith("moe."))
    assert moe == 32 * per_token_layer
    one = from_hf_config(config("mixtral-8x7b-v0.1", num_experts_per_tok=1)).forward_flops(batch=1, seq=1)
    assert one.total < flops.total


# ---- formulas ---------------------------------------------------------------------------

def test_kv_cache_has_the_factor_2_and_uses_n_kv_times_d_head():
    # Llama-3-8B: 32 layers, 8 KV heads of 128: K and V in bf16 per token
    m = from_hf_config(config("llama-3-8b"))
    assert m.kv_cache_bytes(batch=1, tokens=1, dtype="bf16") == 32 * 2 * 8 * 128 * 2
    # MHA Llama-2-7B: 4·l·h bytes per token in fp16 (worked example B's 4blh(s+n))
    assert from_hf_config(config("llama-2-7b")).kv_cache_bytes(batch=1, tokens=1, dtype="fp16") == 4 * 32 * 4096


def test_attention_flops_are_not_missing():
    # Llama-2-7B at s = 2048: score + value products are 4·s²·h per layer (no SDPA blind spot)
    flops = from_hf_config(config("llama-2-7b")).forward_flops(batch=1, seq=2048)
    assert flops["attention.scores"] + flops["attention.values"] == 32 * 4 * 2048**2 * 4096


def _count(*args):
    out = subprocess.run([sys.executable, "-m", "symparams.cli", "count", *args, "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_cli_flags_are_not_ignored():
    base = _count("gpt2", "--batch", "1", "--seq", "128")
    assert _count("gpt2", "--batch", "2", "--seq", "128")["flops"]["forward"] == 2 * base["flops"]["forward"]
    longer = _count("gpt2", "--batch", "1", "--seq", "256")
    assert longer["memory"]["kv_cache_bytes"] == 2 * base["memory"]["kv_cache_bytes"]
    fp32 = _count("gpt2", "--batch", "1", "--seq", "128", "--dtype", "fp32")
    assert fp32["memory"]["kv_cache_bytes"] == 2 * base["memory"]["kv_cache_bytes"]


def test_flop_convention_is_named_in_the_output():
    convention = _count("gpt2")["flops"]["convention"]
    assert "matmuls only" in convention and "2 FLOPs per multiply-accumulate" in convention
