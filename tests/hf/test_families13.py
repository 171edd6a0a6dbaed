"""Issue 13's decoder families: published totals, layer stacks, the MLA cache forms, refused
configs, and independent counts of buffers and masked FLOPs.

Expected numbers come from the publishers' model cards (quoted), from transformers 5.23 measured
once (``tests/fixtures/transformers_params.json``) or from the independent counts of
``tests/independent/``; never from symparams' own output.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st
from sympy import factor

import symparams
from symparams.components.mla import MLA, with_mla_cache
from symparams.costs.kv_cache import kv_cache_elements
from symparams.errors import ConfigError
from symparams.reports.count import formula_json
from symparams.symbols import b, d_rope, l, l_dense, l_ld, l_local, n, r_kv, s
from symparams.testing import hf_configs

import independent as ind
from _oracle import FIXTURES, published_params

NEW_TYPES = ("deepseek_v2", "deepseek_v3", "qwen3_moe", "olmoe", "gemma3_text", "gemma3", "phi3", "gptj", "granite",
             "cohere", "cohere2", "nemotron", "llama4_text", "llama4")
NEW_FIXTURES = ("deepseek-v3", "deepseek-v2-lite", "qwen3-30b-a3b", "olmoe-1b-7b-0924", "gemma-3-1b-pt",
                "gemma-3-4b-pt", "phi-3-mini-4k-instruct", "gpt-j-6b", "granite-3.1-8b-base", "c4ai-command-r-v01",
                "c4ai-command-r7b-12-2024", "minitron-8b-base", "llama-4-scout-17b-16e")
TRANSFORMERS = published_params()


def _fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _billions(count, digits=1):
    """A count in billions, rounded half-up to ``digits`` decimals, exactly (no float)."""
    scale = 10 ** (9 - digits)
    return (count + scale // 2) // scale


# ---- published totals --------------------------------------------------------------

def test_deepseek_v3_model_card():
    # deepseek-ai/DeepSeek-V3 (README_WEIGHTS.md): main model 671B total, 36.6B activated "including 0.9B for
    # the output Head" (the input embedding is not activated); the MTP module's transformer layer is "structure
    # identical to the Main Model hidden layers", 11.5B; transformers builds the main model only.
    m = symparams.model("deepseek-v3")
    assert m.params.total == TRANSFORMERS["deepseek-v3"]
    assert _billions(m.params.total, 0) == 671
    assert _billions(m.active_params - m.embedding_params) == 366
    assert _billions(m.value(m.architecture.params().per_block("moe"))) == 115
    assert _billions(129_280 * 7168) == 9  # the 0.9B head


def test_deepseek_v2_lite_model_card():
    # deepseek-ai/DeepSeek-V2-Lite: 15.7B total, 2.4B activated (without the input embedding; 2.45B)
    m = symparams.model("deepseek-v2-lite")
    assert _billions(m.params.total) == 157
    assert 2_400_000_000 <= m.active_params - m.embedding_params < 2_500_000_000


def test_qwen3_30b_a3b_model_card():
    # Qwen/Qwen3-30B-A3B: 30.5B parameters, 3.3B activated, 29.9B non-embedding (embedding and head out)
    m = symparams.model("qwen3-30b-a3b")
    assert _billions(m.params.total) == 305
    assert 3_300_000_000 <= m.active_params < 3_400_000_000
    assert _billions(m.params.total - 2 * m.embedding_params) == 299


@pytest.mark.parametrize("name, total, active", [
    ("olmoe-1b-7b-0924", 69, 13),  # allenai: 6.9B total, 1.3B active
    ("phi-3-mini-4k-instruct", 38, None),  # microsoft: 3.8B
    ("c4ai-command-r-v01", 350, None),  # Cohere: 35B
    ("llama-4-scout-17b-16e", None, 172),  # Meta: 17B active (109B total with the vision tower, not counted)
])
def test_model_cards(name, total, active):
    """Published totals and active counts, in tenths of a billion."""
    m = symparams.model(name)
    assert m.params.total == TRANSFORMERS[name]
    if total is not None:
        assert _billions(m.params.total) == total
    if active is not None:
        assert _billions(m.active_params) == active


def test_gpt_j_model_card_difference():
    # EleutherAI/gpt-j-6b model card: 6,053,381,344 parameters; transformers builds 6,050,882,784
    # (the card counts mesh-transformer-jax's checkpoint): within 0.05 %
    m = symparams.model("gpt-j-6b")
    assert m.params.total == TRANSFORMERS["gpt-j-6b"]
    assert abs(6_053_381_344 - m.params.total) * 2000 < 6_053_381_344


def test_gemma_3_text_models():
    # google/gemma-3-1b-pt: 999,885,952 parameters (text only); gemma-3-4b-pt: the text model of a multimodal
    # config whose text_config leaves heads, KV heads, head_dim and vocabulary to Gemma3TextConfig's defaults
    assert symparams.model("gemma-3-1b-pt").params.total == 999_885_952
    m = symparams.model("gemma-3-4b-pt")
    assert m.params.total == TRANSFORMERS["gemma-3-4b-pt"]
    assert {sym.name: v for sym, v in m.values.items() if sym.name in ("a", "n_kv", "d_head", "V")} == \
        {"a": 8, "n_kv": 4, "d_head": 256, "V": 262_208}
    assert any("vision tower" in note for note in m.architecture.notes)


def test_cohere2_non_embedding_is_7b():
    # CohereForAI/c4ai-command-r7b-12-2024: "7B" with a tied 256k-token embedding of 1.05B beside it
    m = symparams.model("c4ai-command-r7b-12-2024")
    assert _billions(m.non_embedding_params) == 70


@pytest.mark.parametrize("name", NEW_FIXTURES)
def test_new_fixtures_equal_transformers(name):
    m = symparams.from_hf_config(FIXTURES / f"{name}.json")
    assert m.params.total == TRANSFORMERS[name] == ind.params(ind.hf_tensors(_fixture(name)))
    assert m.buffers.total == ind.COUNTERS[_fixture(name)["model_type"]].buffers(_fixture(name))


# ---- layer stacks --------------------------------------------------------------

def _stacks(m):
    return [(st.name, st.count, m.value(st.count)) for st in m.architecture.layer_stacks]


def test_deepseek_dense_then_moe():
    assert _stacks(symparams.model("deepseek-v3")) == [("dense", l_dense, 3), ("moe", l - l_dense, 58)]
    assert _stacks(symparams.model("deepseek-v2-lite")) == [("dense", l_dense, 1), ("moe", l - l_dense, 26)]
    every = symparams.from_hf_config(_fixture("deepseek-v2-lite") | {"first_k_dense_replace": 0})
    assert _stacks(every) == [("block", l, 27)]


def test_gemma3_five_local_to_one_global():
    assert _stacks(symparams.model("gemma-3-1b-pt")) == [("local", l_local, 22), ("global", l - l_local, 4)]
    m = symparams.from_hf_config(_fixture("gemma-3-1b-pt") | {"sliding_window_pattern": 2, "num_hidden_layers": 4})
    assert _stacks(m) == [("local", l_local, 2), ("global", l - l_local, 2)]


def test_llama4_chunked_and_global_times_dense_and_moe():
    scout = symparams.model("llama-4-scout-17b-16e")
    assert _stacks(scout) == [("chunked", l_local, 36), ("global", l - l_local, 12)]
    # Maverick's interleaving: MoE on odd layers, NoPE (global) on every 4th — global layers are all MoE
    text = _fixture("llama-4-scout-17b-16e")["text_config"] | {"interleave_moe_layer_step": 2,
                                                               "num_local_experts": 128}
    maverick = symparams.from_hf_config(_fixture("llama-4-scout-17b-16e") | {"text_config": text})
    assert _stacks(maverick) == [("chunked-dense", l_dense, 24), ("chunked-moe", l_local - l_dense, 12),
                                 ("global-moe", l - l_local, 12)]
    # Meta: Llama 4 Maverick (128 experts on every other layer) has 400B parameters, 17B active
    assert 400_000_000_000 <= maverick.params.total < 401_000_000_000
    assert _billions(maverick.active_params, 0) == 17


def test_llama4_all_four_kinds_bind_l_ld():
    text = _fixture("llama-4-scout-17b-16e")["text_config"]
    cfg = {**text, "model_type": "llama4_text", "num_hidden_layers": 8, "moe_layers": [1, 3, 5],
           "no_rope_layers": [1, 0, 1, 1, 0, 1, 1, 1]}
    # layers: 0 chunked-dense, 1 global-moe, 2 chunked-dense, 3 chunked-moe, 4 global-dense, 5 chunked-moe,
    # 6 chunked-dense, 7 chunked-dense
    m = symparams.from_hf_config(cfg)
    assert _stacks(m) == [("chunked-dense", l_ld, 4), ("chunked-moe", l_local - l_ld, 2),
                          ("global-dense", l_dense - l_ld, 1), ("global-moe", l + l_ld - l_dense - l_local, 1)]
    assert m.params.total == ind.params(ind.hf_tensors(cfg))


def test_qwen_moe_dense_layers():
    cfg = _fixture("qwen3-30b-a3b") | {"decoder_sparse_step": 2, "mlp_only_layers": [1]}
    m = symparams.from_hf_config(cfg)
    # MoE where (i + 1) % 2 == 0 (the 24 odd layers) but layer 1, which mlp_only_layers makes dense
    assert _stacks(m) == [("dense", l_dense, 25), ("moe", l - l_dense, 23)]
    assert m.params.total == ind.params(ind.hf_tensors(cfg))
    q2 = _fixture("qwen1.5-moe-a2.7b") | {"decoder_sparse_step": 3, "use_sliding_window": True, "sliding_window": 64,
                                           "max_window_layers": 12}
    names = [name for name, _, _ in _stacks(symparams.from_hf_config(q2))]
    assert names == ["local-dense", "local-moe", "global-dense", "global-moe"]


def test_deepseek_v3_builds_from_symbols_times_blocks():
    # 61 layers are two stacks: no expression per layer
    m = symparams.model("deepseek-v3")
    assert len(m.architecture.stacks) == 4
    assert m.architecture.params().total.free_symbols >= {l, l_dense}


# ---- MLA: the two cache forms ---------------------------------------------------

def test_mla_latent_cache_is_what_transformers_holds():
    # transformers 5.23 caches the normalised latent (kv_lora_rank) and the rotated shared key
    # (qk_rope_head_dim) per token and layer, one "head" each: b·l·s·(r_kv + d_rope)
    arch = symparams.model("deepseek-v3").architecture
    assert factor(kv_cache_elements(arch, tokens=s).expanded) == b * l * s * (d_rope + r_kv)
    assert formula_json("deepseek-v3")["kv_cache_bytes"] == "2*b*d_rope*l*n + 2*b*d_rope*l*s + 2*b*l*n*r_kv + 2*b*l*r_kv*s"
    m = symparams.model("deepseek-v3")
    assert m.kv_cache_elements(batch=1, tokens=4096) == ind.hf_kv_cache_elements(_fixture("deepseek-v3"), b=1,
                                                                                  tokens=4096)


def test_mla_expanded_cache():
    m = symparams.model("deepseek-v3")
    expanded = with_mla_cache(m.architecture, "expanded")
    total = kv_cache_elements(expanded, tokens=s).at({**m.values, b: 1, s: 4096}).total
    assert total == 61 * 4096 * 128 * ((128 + 64) + 128)  # keys a·(d_nope + d_rope), values a·d_v
    assert total // m.kv_cache_elements(batch=1, tokens=4096) == 71  # 40960 / 576 per token and layer
    with pytest.raises(symparams.errors.OptionError):
        MLA(1, 1, 1, 2, 1, 1, cache="compressed")


# ---- refused configs -------------------------------------------------------------

BAD = [
    ("deepseek-v3", {"first_k_dense_replace": 61}, ["'first_k_dense_replace' = 61", "fewer than num_hidden_layers"]),
    ("deepseek-v3", {"num_experts_per_tok": 257}, ["'num_experts_per_tok' = 257", "'n_routed_experts' = 256"]),
    ("deepseek-v3", {"num_key_value_heads": 8}, ["'num_key_value_heads' = 8", "num_attention_heads = 128"]),
    ("deepseek-v3", {"moe_layer_freq": 2}, ["'moe_layer_freq' = 2", "expected 1"]),
    ("deepseek-v3", {"n_group": 7}, ["'n_group' = 7", "does not divide"]),
    ("deepseek-v3", {"qk_rope_head_dim": 63}, ["'qk_rope_head_dim' = 63", "even"]),
    ("deepseek-v3", {"first_k_dense_replace": None}, ["'first_k_dense_replace' = null"]),
    ("deepseek-v2-lite", {"topk_method": "noaux_tc"}, ["'topk_method' = 'noaux_tc'", "greedy"]),
    ("deepseek-v2-lite", {"topk_method": "group_limited_greedy", "n_group": 3},
     ["'n_group' = 3", "'n_routed_experts' = 64"]),
    ("qwen3-30b-a3b", {"num_experts_per_tok": 129}, ["'num_experts_per_tok' = 129", "'num_experts' = 128"]),
    ("qwen3-30b-a3b", {"mlp_only_layers": [48]}, ["'mlp_only_layers' = [48]", "0..47"]),
    ("qwen3-30b-a3b", {"layer_types": ["full_attention"] * 48}, ["'layer_types'", "Qwen3MoeConfig"]),
    ("olmoe-1b-7b-0924", {"head_dim": 64}, ["head_dim", "hidden_size = 2048"]),
    ("olmoe-1b-7b-0924", {"num_experts_per_tok": 65}, ["'num_experts_per_tok' = 65", "'num_experts' = 64"]),
    ("gemma-3-1b-pt", {"layer_types": ["full_attention"] * 26}, ["'sliding_window_pattern' = 6", "contradicts",
                                                                 "'layer_types'"]),
    ("gemma-3-1b-pt", {"use_bidirectional_attention": True}, ["'use_bidirectional_attention'"]),
    ("gemma-3-1b-pt", {"sliding_window": None}, ["'sliding_window' = null"]),
    ("gemma-3-1b-pt", {"partial_rotary_factor": 0.5}, ["partial_rotary_factor = 0.5", "whole heads"]),
    ("gemma-3-4b-pt", {"text_config": [1]}, ["'text_config' = [1]", "gemma3_text"]),
    ("c4ai-command-r7b-12-2024", {"head_dim": 64}, ["'head_dim' = 64", "hidden_size // num_attention_heads = 128"]),
    ("c4ai-command-r7b-12-2024", {"sliding_window_pattern": 0}, ["'sliding_window_pattern' = 0"]),
    ("gpt-j-6b", {"rotary_dim": 300}, ["'rotary_dim' = 300", "at most the head size 256"]),
    ("gpt-j-6b", {"rotary_dim": None}, ["'rotary_dim' = null"]),
    ("gpt-j-6b", {"hidden_size": 2048}, ["'n_embd' = 4096", "'hidden_size' = 2048"]),
    ("phi-3-mini-4k-instruct", {"partial_rotary_factor": 0.33}, ["partial_rotary_factor 0.33", "rotates 31", "even"]),
    ("minitron-8b-base", {"rope_parameters": {"partial_rotary_factor": 2}}, ["'rope_parameters.partial_rotary_factor' = 2"]),
]


def _bad_config(name, changes):
    cfg = _fixture(name)
    if name == "llama-4-scout-17b-16e":
        return cfg | {"text_config": cfg["text_config"] | changes}
    return cfg | changes


BAD += [
    ("llama-4-scout-17b-16e", {"moe_layers": [48]}, ["'moe_layers' = [48]", "0..47"]),
    ("llama-4-scout-17b-16e", {"no_rope_layers": [1, 0]}, ["'no_rope_layers' = [1, 0]", "48"]),
    ("llama-4-scout-17b-16e", {"attention_chunk_size": None}, ["'attention_chunk_size' = null"]),
    ("llama-4-scout-17b-16e", {"num_experts_per_tok": 17}, ["'num_experts_per_tok' = 17", "'num_local_experts' = 16"]),
    ("llama-4-scout-17b-16e", {"layer_types": ["sliding_attention"] * 48}, ["'layer_types'", "chunked_attention"]),
]


@pytest.mark.parametrize("name, changes, parts", BAD, ids=[f"{n}: {sorted(c)[0]}" for n, c, _ in BAD])
def test_refused(name, changes, parts, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(_bad_config(name, changes)))
    with pytest.raises(ConfigError) as info:
        symparams.from_hf_config(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for part in parts:
        assert part in message, message


@pytest.mark.parametrize("name, changes, parts", BAD[:2] + BAD[14:15], ids=["dense", "top-k", "pattern"])
def test_cli_refuses(name, changes, parts, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(_bad_config(name, changes)))
    for command in (["count", str(path)], ["formula", str(path), "--json"]):
        proc = subprocess.run([sys.executable, "-m", "symparams", *command], capture_output=True, text=True)
        assert proc.returncode == 2 and proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1 and all(part in proc.stderr for part in parts)


# ---- readable closed forms ---------------------------------------------------------

@pytest.mark.parametrize("name", NEW_FIXTURES)
def test_formula_json(name):
    out = formula_json(str(FIXTURES / f"{name}.json"))
    assert set(out["stacks"]) >= {"embedding", "head"}
    m = symparams.from_hf_config(FIXTURES / f"{name}.json")
    symbols = set(out["symbols"])
    assert {sym.name for sym in m.values} <= symbols | {"s_max", "w", "c"}  # lengths bound only where used


# ---- independent counts on drawn configs ------------------------------------------

@pytest.mark.parametrize("model_type", NEW_TYPES)
def test_buffers_equal_independent_count(model_type):
    counter = ind.COUNTERS[model_type]

    @given(hf_configs(model_type))
    def check(cfg):
        m = symparams.from_hf_config(cfg)
        assert m.buffers.total == counter.buffers(cfg), cfg

    check()


def _pairs(seq, window=None, chunk=None):
    return sum(1 for i in range(seq) for j in range(i + 1)
               if (window is None or i - j < window) and (chunk is None or i // chunk == j // chunk))


def _masked(cfg, b_, s_):
    """Forward FLOPs with every layer's attention over the pairs its mask keeps (brute force): the
    independent dense count with each layer's two s×s products (heads × head size) replaced."""
    counter = ind.COUNTERS[cfg["model_type"]]
    if cfg["model_type"] == "llama4_text":
        t = counter.text_config(cfg)
        heads, hd = t["num_attention_heads"], t["head_dim"]
        kinds = [dict(chunk=t["attention_chunk_size"]) if k == "chunked_attention" else {} for k in counter._types(t)]
    elif cfg["model_type"] == "gemma3_text":
        t = counter.text_config(cfg)
        heads, hd = t["num_attention_heads"], t["head_dim"]
        kinds = [dict(window=t["sliding_window"]) if k == "sliding_attention" else {} for k in counter.layer_types(t)]
    else:
        z = counter._sizes(cfg)
        heads, hd = z["a"], z["hd"]
        kinds = [dict(window=w) if w else {} for w in counter.layer_windows(cfg)]
    dense = ind.dense_forward_flops(ind.hf_matmuls(cfg, b=b_, s=s_))
    per_pair = 2 * 2 * b_ * heads * hd  # QKᵀ and AV, 2 FLOPs per MAC, every head
    return dense - len(kinds) * per_pair * s_ * s_ + sum(per_pair * _pairs(s_, **kind) for kind in kinds)


@pytest.mark.parametrize("model_type", ["gemma3_text", "cohere2", "phi3", "llama4_text"])
def test_masked_flops_layer_by_layer(model_type):
    @given(hf_configs(model_type), st.integers(1, 2), st.integers(1, 14))
    def check(cfg, b_, s_):
        m = symparams.from_hf_config(cfg)
        assert m.forward_flops(b_, s_, convention="causal-exact").total == _masked(cfg, b_, s_), cfg

    check()
