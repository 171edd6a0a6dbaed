"""Paths the preset, golden and oracle tests do not reach, each checked by value (found by mutation
testing: ``tools/mutation.sh``)."""

from __future__ import annotations

import pytest

from symparams.errors import ConfigError, OptionError
from symparams.hf import from_hf_config
from symparams.symbols import b, s

LLAMA = {"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "intermediate_size": 96, "vocab_size": 128, "max_position_embeddings": 64}
PHI3 = {**LLAMA, "model_type": "phi3", "pad_token_id": 0}
NEOX = {"model_type": "gpt_neox", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 96, "vocab_size": 128, "max_position_embeddings": 64, "rotary_pct": 0.5}


def _error(cfg) -> str:
    with pytest.raises(ConfigError) as err:
        from_hf_config(cfg)
    return str(err.value)


def test_a_rope_dict_without_a_type_is_the_default_rope():
    plain = from_hf_config(LLAMA)
    for rope in ({"factor": 2.0}, {"type": "default"}, {"rope_type": "default"}):
        m = from_hf_config({**LLAMA, "rope_scaling": rope})
        assert (m.params.total, m.buffers.total) == (plain.params.total, plain.buffers.total)


def test_phi3_reads_rope_type_or_type():
    longrope = {"short_factor": [1.0] * 8, "long_factor": [1.0] * 8, "original_max_position_embeddings": 32}
    assert from_hf_config({**PHI3, "rope_scaling": {"rope_type": "longrope", **longrope}}).params.total > 0
    assert from_hf_config({**PHI3, "rope_scaling": {"type": "longrope", **longrope}}).params.total > 0
    for rope in ({"rope_type": "linear", "factor": 2.0}, {"type": "linear", "factor": 2.0}):
        assert "Phi3Config accepts 'default' and 'longrope' only" in _error({**PHI3, "rope_scaling": rope})


def test_rope_messages_name_what_transformers_needs():
    assert "needs 'factor' (transformers refuses it without)" in _error({**LLAMA, "rope_scaling": {"rope_type": "linear"}})


def test_neox_rotary_fraction_in_the_rope_dict_must_agree():
    same = from_hf_config({**NEOX, "rope_parameters": {"rope_type": "default", "partial_rotary_factor": 0.5}})
    assert same.buffers.total == from_hf_config(NEOX).buffers.total
    message = _error({**NEOX, "rope_parameters": {"rope_type": "default", "partial_rotary_factor": 0.25}})
    assert "'rotary_pct' = 0.5 and rope_parameters.partial_rotary_factor = 0.25 differ" in message


def test_layer_types_a_family_does_not_read():
    assert from_hf_config({**LLAMA, "layer_types": ["full_attention"] * 2}).params.total > 0
    assert "field 'layer_types'" in _error({**LLAMA, "layer_types": ["sliding_attention"] * 2})


def test_deepseek_messages():
    v2 = {"model_type": "deepseek_v2", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
          "intermediate_size": 96, "moe_intermediate_size": 32, "vocab_size": 128, "n_routed_experts": 4,
          "num_experts_per_tok": 2, "kv_lora_rank": 16, "q_lora_rank": None, "qk_nope_head_dim": 8,
          "qk_rope_head_dim": 4, "v_head_dim": 8, "max_position_embeddings": 64}
    assert "knows greedy and group_limited_greedy; expected one of them" in _error({**v2, "topk_method": "best"})
    v3 = {**v2, "model_type": "deepseek_v3", "n_group": 1, "topk_group": 1, "first_k_dense_replace": 1,
          "num_key_value_heads": 4,
          "head_dim": None}
    assert ": field 'head_dim' = null is refused: DeepseekV3Config keeps it" in _error(v3)


def test_gptj_rotary_dim_null_and_sizes_are_checked():
    gptj = {"model_type": "gptj", "n_embd": 64, "n_layer": 1, "n_head": 4, "vocab_size": 32, "n_positions": 16}
    assert from_hf_config({**gptj, "rotary_dim": 16}).buffers.total == 16 * 16  # sin/cos, head_dim wide
    # null: transformers sizes the sin/cos table by n_embd, wider than a head
    assert "field 'rotary_dim' = null: GPT-J's sin/cos table then covers n_embd = 64" in \
        _error({**gptj, "rotary_dim": None})
    assert "field 'n_embd' = 66 is not divisible by 'n_head' = 4" in _error({**gptj, "n_embd": 66})


def test_mt5_is_named_mt5():
    mt5 = {"model_type": "mt5", "d_model": 64, "num_layers": 1, "num_heads": 4, "d_kv": 16, "d_ff": 96,
           "vocab_size": 32}
    assert from_hf_config(mt5).architecture.name == "mt5"


def test_vit_labels_and_sides():
    vit = {"model_type": "vit", "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4,
           "intermediate_size": 96, "patch_size": 4, "image_size": 8}
    two = from_hf_config(vit).with_head.params.total - from_hf_config(vit).params.total
    three = from_hf_config({**vit, "id2label": {"0": "a", "1": "b", "2": "c"}})
    assert three.with_head.params.total - three.params.total == two + 65  # one more class: 64 weights + a bias
    assert "must be a positive integer or a list of two" in _error({**vit, "image_size": [8, 0]})


def test_modernbert_first_layer_kind_follows_layer_types():
    from symparams.conventions import parse_convention

    mb = {"model_type": "modernbert", "hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4,
          "intermediate_size": 96, "vocab_size": 64, "pad_token_id": 0, "local_attention": 4}
    masked = parse_convention("causal=exact")
    flops = {first: from_hf_config({**mb, "layer_types": [first, "full_attention", "full_attention"]})
             .forward_flops(batch=1, seq=32, convention=masked).total
             for first in ("full_attention", "sliding_attention")}
    assert flops["sliding_attention"] < flops["full_attention"]


def test_encoders_hold_transformers_buffer_names():
    import symparams

    for m in (from_hf_config("tests/fixtures/hf_configs/bert-base-uncased.json"), symparams.model("bert-base")):
        names = {t.name for c, _ in m.architecture.parts() for t in c.tensors() if not t.trainable}
        assert {"position_ids", "token_type_ids"} <= names, names


def test_encoder_head_notes():
    for path, words in (("roberta-base", "head: RobertaForMaskedLM (built without the pooler)"),
                        ("modernbert-base", "head: ModernBertForMaskedLM — dense + activation + LayerNorm")):
        m = from_hf_config(f"tests/fixtures/hf_configs/{path}.json")
        assert any(words in note for note in m.architecture.head_model.notes), m.architecture.head_model.notes


def test_saved_activations_default_to_dropout_sites_on():
    import symparams

    for name in ("deepseek-v3", "vit-base-patch16-224", "mixtral-8x7b-v0.1", "gpt2"):
        for c, _ in symparams.model(name).architecture.parts():
            assert c.saved_activations(b, s) == c.saved_activations(b, s, dropout=True), (name, c)


def test_mla_quadratic_tensors():
    from symparams.components.mla import MLA
    from symparams.symbols import a, d_nope, d_rope, d_v, h, r_kv

    mla = MLA(h, a, d_nope, d_rope, d_v, r_kv)
    quadratic = {t.name for t in mla.saved_activations(b, s, dropout=True) if t.quadratic}
    assert quadratic == {"mla.softmax", "mla.dropout_mask", "mla.dropout_output"}
    assert {t.name for t in mla.op_outputs(b, s) if t.quadratic} >= {"mla.scores", "mla.softmax"}


def test_moe_dispatch_and_shared_expert_matmul_kinds():
    from symparams.components.moe import MoE
    from symparams.symbols import E, d_ff, h, k

    with pytest.raises(OptionError, match=r"^dispatch='bogus'"):
        MoE(h, d_ff, E, k, dispatch="bogus")
    import symparams

    moe = next(c for c, _ in symparams.model("qwen1.5-moe-a2.7b").architecture.parts() if isinstance(c, MoE))
    kinds = {mm.name: mm.kind for mm in moe.matmuls(b, s)}
    assert {kinds[n] for n in kinds if n.startswith("shared_expert.")} == {"linear"}, kinds


def test_chunked_mask_describes_its_chunk():
    from symparams.components.mask import Mask

    assert Mask("chunked", 8).describe().startswith("chunked (c = 8): ")
    assert Mask("window", 4).describe().startswith("window (w = 4): ")


def test_registry_costs_of_training_state_memory_and_saved_tensors():
    from sympy import Expr

    import symparams
    from symparams.components import Linear
    from symparams.conventions import parse_convention
    from symparams.costs.flops import matmul_flops
    from symparams.costs.registry import breakdown
    from symparams.costs.saved_tensors import saved_tensors
    from symparams.values import evaluate, normalize_values

    arch = symparams.model("gpt2").architecture
    state = breakdown(arch, "training_state_bytes", parse_convention("default"))
    assert [p.key for p in state.pieces] == ["weights", "gradients", "optimizer"]
    assert state.total == 16 * arch.params().total
    sizes = normalize_values({**symparams.model("gpt2").values, "b": 1, "s": 64})
    bf16, fp32, full = (evaluate(breakdown(arch, "training_bytes", parse_convention(c), dtype=d).total, sizes)
                        for c, d in (("default", "bf16"), ("default", "fp32"), ("full-recompute", "bf16")))
    assert full < bf16 < fp32  # the activations follow the dtype and the recompute policy
    assert "no dropout" in saved_tensors(arch, dropout=False).convention
    assert matmul_flops(arch) == breakdown(arch, "forward_flops", parse_convention("default")).total
    assert isinstance(Linear("x", 4, 8).d_in, Expr) and isinstance(Linear("x", 4, 8).d_out, Expr)


def test_t5_encoder_length_defaults_to_n_positions(tmp_path):
    import json

    from symparams.reports.count import count_json

    t5 = {"model_type": "t5", "d_model": 64, "num_layers": 1, "num_heads": 4, "d_kv": 16, "d_ff": 96,
          "vocab_size": 32}
    path = tmp_path / "t5.json"
    path.write_text(json.dumps({**t5, "n_positions": 48}))
    assert count_json(str(path), decoder_seq=8)["workload"]["seq"] == 48  # the encoder reads n_positions tokens
    assert from_hf_config(t5).params.total > 0  # n_positions is optional


def test_opt_projections_between_a_narrower_embedding_and_the_width():
    opt = {"model_type": "opt", "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "ffn_dim": 96,
           "vocab_size": 32, "max_position_embeddings": 16, "word_embed_proj_dim": 32}
    names = [c.name for c, _ in from_hf_config(opt).architecture.parts() if c.key == "projection"]
    assert names == ["project_in", "project_out"], names  # transformers' module names


def test_negative_powers_evaluate_exactly():
    from fractions import Fraction

    from symparams.symbols import a, h
    from symparams.values import evaluate_exact, normalize_values

    assert evaluate_exact(h / a**2 + h / a**3, normalize_values({"h": 12, "a": 2})) == Fraction(3) + Fraction(3, 2)
