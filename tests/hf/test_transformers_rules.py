"""Rules transformers' config classes and constructors apply that no single field states, found by the
mutation suite (``tests/oracle/test_mutations.py``): each config here is one transformers 5.23 refuses
(or builds differently), and symparams must refuse it naming the field, or count what it builds."""

from __future__ import annotations

import pytest

from symparams.errors import ConfigError
from symparams.hf import from_hf_config

LLAMA = {"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "intermediate_size": 96, "vocab_size": 128, "max_position_embeddings": 64}
BERT = {"model_type": "bert", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 96, "vocab_size": 128, "max_position_embeddings": 64}
LLAMA3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 32}


def _refused(cfg, *words):
    with pytest.raises(ConfigError) as err:
        from_hf_config(cfg)
    for word in words:
        assert word in str(err.value), (word, str(err.value))
    return str(err.value)


@pytest.mark.parametrize("cfg, field, rows", [
    ({**BERT, "pad_token_id": 128}, "pad_token_id", 128),  # nn.Embedding(128, h, padding_idx=128)
    ({**BERT, "pad_token_id": -129}, "pad_token_id", 128),
    ({**BERT, "vocab_size": 1, "model_type": "roberta", "max_position_embeddings": 8}, "pad_token_id", 1),
    ({**BERT, "model_type": "roberta", "max_position_embeddings": 1}, "max_position_embeddings", 1),  # positions pad
    ({**LLAMA, "model_type": "phi3", "vocab_size": 8}, "pad_token_id", 8),  # Phi3Config's class default 32000
    ({**LLAMA, "pad_token_id": 500}, "pad_token_id", 128),
])
def test_a_pad_token_outside_its_table_is_refused(cfg, field, rows):
    _refused(cfg, "'pad_token_id'", f"{rows}-row table", field)


@pytest.mark.parametrize("cfg", [
    {**BERT, "pad_token_id": 127}, {**BERT, "pad_token_id": -128}, {**BERT, "pad_token_id": None},
    {**LLAMA, "pad_token_id": 0},
    {"model_type": "gpt2", "n_embd": 64, "n_layer": 1, "n_head": 4, "vocab_size": 16, "n_positions": 8,
     "pad_token_id": 50},  # GPT-2 builds no padding_idx
])
def test_a_pad_token_inside_its_table_or_unused_is_counted(cfg):
    assert from_hf_config(cfg).params.total > 0


@pytest.mark.parametrize("cfg, words", [
    ({**BERT, "rope_scaling": dict(LLAMA3)}, ["rope_theta"]),  # BertConfig has no rope_theta to fill in
    ({"model_type": "gptj", "n_embd": 64, "n_layer": 1, "n_head": 4, "vocab_size": 32, "rotary_dim": 8,
      "rope_scaling": dict(LLAMA3)}, ["rope_theta"]),  # GPT-J rotates, but its config class fills nothing in
    ({"model_type": "bloom", "hidden_size": 64, "n_layer": 1, "n_head": 4, "vocab_size": 32,
      "rope_parameters": {**LLAMA3, "rope_theta": 1e4}}, ["max_position_embeddings"]),
    ({**LLAMA, "head_dim": 24, "num_attention_heads": 6, "num_key_value_heads": 6},  # 64 % 6 != 0
     ["'hidden_size'", "even with a head_dim"]),
    ({"model_type": "t5", "d_model": 64, "num_layers": 1, "num_heads": 4, "d_kv": 16, "d_ff": 96, "vocab_size": 32,
      "relative_attention_num_buckets": 2}, ["'relative_attention_num_buckets'", "at least 4"]),
    ({**LLAMA, "model_type": "mixtral", "num_local_experts": 4, "num_experts_per_tok": 2,
      "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}, ["head_dim", "'dynamic'"]),
    ({**LLAMA, "model_type": "starcoder2", "head_dim": None, "rope_scaling": {"rope_type": "yarn", "factor": 2.0}},
     ["head_dim"]),
    ({**LLAMA, "model_type": "mixtral", "num_local_experts": 4, "num_experts_per_tok": 2,
      "rope_scaling": {"rope_type": "longrope", "short_factor": [1.0] * 8, "long_factor": [1.0] * 8,
                       "original_max_position_embeddings": 32}}, ["head_dim", "'longrope'"]),
    ({"model_type": "modernbert", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
      "intermediate_size": 96, "vocab_size": 64, "pad_token_id": 0,
      "rope_parameters": {"rope_type": "default", "rope_theta": 1e4}}, ["'rope_parameters'", "per layer type"]),
    ({"model_type": "modernbert", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
      "intermediate_size": 96, "vocab_size": 64, "pad_token_id": 0, "sliding_window": None}, ["'sliding_window'"]),
    ({**LLAMA, "model_type": "cohere", "head_dim": None}, ["'head_dim'", "null"]),
    ({**LLAMA, "model_type": "nemotron", "num_key_value_heads": None}, ["'num_key_value_heads'", "null"]),
    ({"model_type": "vit", "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4,
      "intermediate_size": 96, "patch_size": 4, "image_size": 8, "head_dim": None}, ["'head_dim'", "null"]),
])
def test_configs_transformers_refuses_are_refused(cfg, words):
    _refused(cfg, *words)


def test_the_same_rope_dicts_are_counted_where_the_config_class_fills_them_in():
    assert from_hf_config({**LLAMA, "rope_scaling": dict(LLAMA3)}).params.total > 0  # LlamaConfig has rope_theta
    assert from_hf_config({**BERT, "rope_scaling": {**LLAMA3, "rope_theta": 1e4}}).params.total > 0
    assert from_hf_config({**LLAMA, "model_type": "mixtral", "num_local_experts": 4, "num_experts_per_tok": 2,
                           "head_dim": 16, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}).params.total > 0


def test_modernbert_sliding_window_sets_the_local_radius():
    # ModernBertConfig: sliding_window = local_attention // 2, and a sliding_window key sets local_attention
    from symparams.symbols import w_side

    cfg = {"model_type": "modernbert", "hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4,
           "intermediate_size": 96, "vocab_size": 64, "pad_token_id": 0, "local_attention": 16}
    assert from_hf_config(cfg).values[w_side] == 8
    assert from_hf_config({**cfg, "sliding_window": 3}).values[w_side] == 3


def test_falcon_with_alibi_still_holds_the_rotary_buffers():
    # FalconModel builds rotary_emb whatever alibi says: inv_freq and original_inv_freq, head_dim / 2 each
    cfg = {"model_type": "falcon", "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
           "vocab_size": 256, "multi_query": True, "parallel_attn": True, "new_decoder_architecture": False}
    rotary, alibi = from_hf_config(cfg), from_hf_config({**cfg, "alibi": True})
    assert alibi.buffers.total == rotary.buffers.total == 2 * (128 // 4 // 2)
    assert alibi.params.total == rotary.params.total
    assert any("ALiBi" in note for note in alibi.architecture.notes)


REFUSED = [c for c, _ in test_configs_transformers_refuses_are_refused.pytestmark[0].args[1]] + \
    [c for c, _, _ in test_a_pad_token_outside_its_table_is_refused.pytestmark[0].args[1]]


@pytest.mark.oracle
@pytest.mark.parametrize("i", range(len(REFUSED)))
def test_transformers_refuses_them_too(i):
    # the rules above are transformers' own: its config class, constructor or first forward raises
    pytest.importorskip("transformers", reason="oracle tests need transformers (extra 'oracle')")
    import warnings

    import torch

    from symparams.testing import oracle

    cfg = REFUSED[i]
    with pytest.raises(Exception), warnings.catch_warnings():  # noqa: B017 - any of transformers' refusals
        warnings.simplefilter("ignore")
        with torch.device("meta"):
            oracle._build_model(dict(cfg))
        enc_dec = {"s_enc": 4} if cfg["model_type"] == "t5" else {}
        oracle._run_forward(dict(cfg), 1, 4, mode="real", use_cache=True, count_flops=False, **enc_dec)
