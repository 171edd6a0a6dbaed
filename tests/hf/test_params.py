"""Parameter counts from Hugging Face configs, against transformers.

``TRANSFORMERS_PARAMS`` (``tests/fixtures/transformers_params.json``) was measured with transformers 5.23.0 (torch 2.13.0,
CPU) on the ``meta`` device: ``sum(p.numel() for p in
AutoModelForCausalLM.from_config(cfg).parameters())`` — tied weights once
(see tests/fixtures/hf_configs/SOURCES.md and ORACLE_NOTES.md). That is an
independent source, not symparams' output; each also equals the count the
model's publisher states. The ``oracle`` tests re-measure it live.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import symparams
from symparams.errors import ConfigError
from symparams.hf import from_hf_config
from symparams.hf.presets import HF_PRESETS
from symparams.symbols import V, a, d_ff, d_head, h, l, n_kv, s_max, E, k

from _oracle import published_params

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"

TRANSFORMERS_PARAMS = published_params()
NAMES = sorted(TRANSFORMERS_PARAMS)


def _config(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_every_fixture_is_in_the_table():
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_params_equal_transformers(name):
    assert from_hf_config(FIXTURES / f"{name}.json").params.total == TRANSFORMERS_PARAMS[name]


@pytest.mark.parametrize("name", NAMES)
def test_dict_file_and_folder_agree(name, tmp_path):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.json").write_text((FIXTURES / f"{name}.json").read_text())
    by_folder = from_hf_config(folder)
    assert by_folder.name == name
    assert from_hf_config(_config(name)).params.total == by_folder.params.total == TRANSFORMERS_PARAMS[name]


@pytest.mark.parametrize("name", sorted(HF_PRESETS))
def test_shipped_presets(name):
    m = symparams.model(name)
    assert m.name == name and m.params.total == TRANSFORMERS_PARAMS[name]
    assert HF_PRESETS[name].path.read_text() == (FIXTURES / f"{name}.json").read_text()


def test_llama_2_7b_published_count():
    assert symparams.model("llama-2-7b").params.total == 6_738_415_616


def test_mixtral_active_params():
    # Mistral AI: 46.7B total, 12.9B active per token (2 of 8 experts).
    m = symparams.model("mixtral-8x7b-v0.1")
    expert = 3 * 4096 * 14336
    assert m.params.total - m.active_params == 32 * 6 * expert  # 6 idle experts per layer
    assert round(m.active_params / 1e9, 1) == 12.9


def test_qwen_moe_active_params():
    # Qwen: Qwen1.5-MoE-A2.7B has 14.3B parameters, 2.7B activated (4 of 60 routed experts + the shared one).
    m = symparams.model("qwen1.5-moe-a2.7b")
    routed = 3 * 2048 * 1408
    assert m.params.total - m.active_params == 24 * 56 * routed  # 56 idle routed experts per layer
    assert round(m.active_params / 1e9, 1) == 2.7


def test_dense_active_equals_total():
    m = symparams.model("llama-3-8b")
    assert m.active_params == m.params.total


@pytest.mark.parametrize("name, symbols", [
    ("llama-2-7b", {V, h, l, d_ff}),  # multi-head: n_kv = a, and a cancels in 4h²
    ("llama-3-8b", {V, h, l, a, n_kv, d_ff}),
    ("llama-3.2-1b", {V, h, l, a, n_kv, d_ff, d_head}),  # head_dim given
    ("gemma-7b", {V, h, l, a, d_ff, d_head}),  # multi-head with head_dim given
    ("mixtral-8x7b-v0.1", {V, h, l, a, n_kv, d_ff, E}),
    ("gpt2", {V, h, l, s_max}),
    ("falcon-7b", {V, h, l, a}),  # MQA: one KV head, a literal 1
    ("bloom-560m", {V, h, l}),  # ALiBi: no position table, so no s_max
])
def test_formulas_are_readable(name, symbols):
    formula = symparams.model(name).architecture.params().expanded
    assert formula.free_symbols == symbols
    assert k not in formula.free_symbols


def test_llama_formula_by_hand():
    # Touvron et al.: embed + head (untied) + l (q, o: h^2 each; k, v: h*n_kv*h/a; SwiGLU 3 h d_ff; 2 norms) + norm
    expected = 2 * V * h + l * (2 * h**2 + 2 * h * n_kv * h / a + 3 * h * d_ff + 2 * h) + h
    assert (symparams.model("llama-3-8b").architecture.params().expanded - expected).expand() == 0
    # Llama-2-7B is multi-head (n_kv = a): 4h^2 per attention
    mha = expected.subs(n_kv, a)
    assert (symparams.model("llama-2-7b").architecture.params().expanded - mha).expand() == 0


def test_bloom_formula_by_hand():
    # BLOOM (Le Scao et al. 2022): tied embedding + its LayerNorm; per layer fused QKV and dense with biases,
    # 4h MLP with biases, two LayerNorms; final LayerNorm — no position table (ALiBi)
    expected = V * h + 2 * h + l * (3 * h * h + 3 * h + h * h + h + 8 * h * h + 5 * h + 4 * h) + 2 * h
    assert (symparams.model("bloom-560m").architecture.params().expanded - expected).expand() == 0
    assert symparams.model("bloom-560m").embedding_params == 250_880 * 1024  # the LayerNorm is not a table


def test_bloom_field_names():
    # BloomConfig reads n_embed for hidden_size and num_hidden_layers / num_attention_heads (attribute_map)
    # for n_layer / n_head: either name gives the same sizes; both names with different values are refused
    # (transformers keeps one silently), both with the same value are fine
    base = {k: v for k, v in _config("bloom-560m").items() if k not in ("hidden_size", "n_layer", "n_head")}
    other = from_hf_config(base | {"n_embed": 512, "num_hidden_layers": 2, "num_attention_heads": 8})
    assert other.values == from_hf_config(base | {"hidden_size": 512, "n_layer": 2, "n_head": 8}).values
    assert from_hf_config(base | {"hidden_size": 512, "n_embed": 512, "n_layer": 2, "n_head": 8}).values == other.values
    with pytest.raises(ConfigError, match="'n_embed' = 512 and 'hidden_size' = 1024"):
        from_hf_config(_config("bloom-560m") | {"n_embed": 512})


def test_name_from_name_or_path_for_dicts():
    assert from_hf_config(_config("llama-2-7b")).name == "meta-llama/Llama-2-7b-hf"
    assert from_hf_config(_config("gemma-2b")).name == "gemma"
    assert from_hf_config(_config("gemma-2b"), name="g").name == "g"


def test_auto_map_is_read_as_data():
    cfg = _config("falcon-7b")
    assert "auto_map" in cfg
    assert from_hf_config(cfg).params.total == TRANSFORMERS_PARAMS["falcon-7b"]


@pytest.mark.oracle
@pytest.mark.parametrize("name", NAMES)
def test_params_against_live_transformers(name):
    pytest.importorskip("torch", reason="oracle tests need torch (extra 'oracle')")
    pytest.importorskip("transformers", reason="oracle tests need transformers (extra 'oracle')")
    from symparams.testing.oracle import hf_param_count

    assert from_hf_config(_config(name)).params.total == hf_param_count(_config(name))


# Non-trainable buffer elements, measured with transformers 5.23.0 on the meta device
# (``sum(b.numel() for b in model.buffers())``, tests/fixtures/hf_configs/ORACLE_NOTES.md):
# rotary models hold inv_freq and original_inv_freq (rotary_dim/2 each); Gemma adds embed_scale;
# GPTBigCode keeps a bool causal mask of n_positions × n_positions.
TRANSFORMERS_BUFFERS = {
    "falcon-7b": 64, "gemma-2b": 257, "gemma-7b": 257, "gpt2": 0, "gpt2-xl": 0, "llama-2-7b": 128,
    "llama-3-8b": 128, "llama-3.2-1b": 64, "mistral-7b-v0.1": 128, "mixtral-8x7b-v0.1": 128,
    "opt-125m": 0, "opt-6.7b": 0, "phi-2": 32, "pythia-160m": 16, "pythia-6.9b": 32,
    "qwen2-0.5b": 64, "qwen2-7b": 128, "qwen3-0.6b-base": 128, "qwen1.5-moe-a2.7b": 128, "olmo-2-1124-7b": 128,
    "gemma-2-2b": 257, "starcoder2-3b": 128,
    "stablelm-2-1_6b": 16,  # partial_rotary_factor 0.25 of head_dim 64
    "santacoder": 2048 * 2048,  # GPTBigCode's non-persistent n_positions² boolean causal mask
    "bloom-560m": 0,  # ALiBi slopes are computed in forward, not held as a buffer
    # BERT-style embeddings keep position_ids (and token_type_ids) rows of max_position_embeddings (int64)
    "bert-base-uncased": 2 * 512, "roberta-base": 2 * 514, "distilbert-base-uncased": 512,
    "electra-small-discriminator": 2 * 512,
    "modernbert-base": 2 * 64,  # inv_freq + original_inv_freq (head_dim/2 each) of the global and local rotary
    "t5-small": 0, "flan-t5-base": 0, "vit-base-patch16-224": 0,
    "bart-large": 0,  # final_logits_bias (1 × V) belongs to BartForConditionalGeneration, not BartModel
    # issue 13's families (transformers 5.23, meta device)
    "deepseek-v3": 64 + 58 * 256,  # rotary (qk_rope_head_dim) + e_score_correction_bias of each MoE layer's router
    "deepseek-v2-lite": 64, "qwen3-30b-a3b": 128, "olmoe-1b-7b-0924": 128, "phi-3-mini-4k-instruct": 96,
    "gpt-j-6b": 28 * 2048 * 64,  # a sin/cos table of n_positions × rotary_dim in every attention layer
    "granite-3.1-8b-base": 128, "c4ai-command-r-v01": 128, "c4ai-command-r7b-12-2024": 128,
    "minitron-8b-base": 64,  # partial_rotary_factor 0.5 of head_dim 128
    "gemma-3-1b-pt": 1 + 2 * 256, "gemma-3-4b-pt": 1 + 2 * 256,  # embed_scale + a rotary table per layer kind
    "llama-4-scout-17b-16e": 128,
}


def _buffers(name: str) -> int:
    m = from_hf_config(FIXTURES / f"{name}.json")
    return m.buffers.total if m.architecture.buffers().pieces else 0


@pytest.mark.parametrize("name", NAMES)
def test_buffers_equal_transformers(name):
    assert _buffers(name) == TRANSFORMERS_BUFFERS[name]


@pytest.mark.oracle
@pytest.mark.parametrize("name", NAMES)
def test_buffers_against_live_transformers(name):
    pytest.importorskip("torch", reason="oracle tests need torch (extra 'oracle')")
    pytest.importorskip("transformers", reason="oracle tests need transformers (extra 'oracle')")
    from symparams.testing.oracle import hf_buffer_count

    assert _buffers(name) == hf_buffer_count(_config(name))
