"""Each family's class defaults (what transformers uses for an absent key) equal transformers 5.23's.

``fixtures/transformers_class_defaults.json`` was measured from transformers 5.23 (each config
class's declared field default; the partial rotary factor from a default instance's
``rope_parameters``): an independent source. The default test pins every family's table to it
(a changed default literal — Gemma's ``head_dim`` 256, Mistral's 8 KV heads, a flag — fails here);
the oracle tests keep the fixture equal to the live transformers and check the activation and
alias tables against ``ACT2FN`` and each config class's ``attribute_map``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from symparams.families import FAMILIES
from symparams.hf.fields import ACTIVATIONS, DERIVED, REQUIRED, WEIGHTED_ACTIVATIONS

DEFAULTS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "transformers_class_defaults.json")
                      .read_text())


def _table_defaults(model_type):
    return {spec.key: spec.default for spec in FAMILIES[model_type].fields.values()
            if spec.default is not REQUIRED and spec.default is not DERIVED}


#: keys a family reads that its config class neither declares nor sets (read from its kwargs only, or no longer
#: read by transformers 5.23 and refused unless they hold the one value it builds): no class default to pin
UNDECLARED = {"bert": {"position_embedding_type"}, "electra": {"position_embedding_type"},
              "roberta": {"position_embedding_type"}, "modernbert": {"global_attn_every_n_layers"},
              "qwen3_moe": {"max_window_layers"}}


def test_every_family_is_pinned():
    assert sorted(DEFAULTS) == sorted(FAMILIES)


@pytest.mark.parametrize("model_type", sorted(DEFAULTS))
def test_family_defaults_are_transformers_class_defaults(model_type):
    ours = _table_defaults(model_type)
    assert set(ours) - set(DEFAULTS[model_type]) == UNDECLARED.get(model_type, set())
    ours = {k: v for k, v in ours.items() if k not in UNDECLARED.get(model_type, ())}
    assert ours == DEFAULTS[model_type]
    assert all(type(ours[k]) is type(v) for k, v in DEFAULTS[model_type].items())


def test_class_default_head_dim_is_used_when_absent():
    # GemmaConfig / Gemma2Config: head_dim 256; Qwen3Config: 128 (not hidden / heads)
    from symparams.hf import from_hf_config
    from symparams.symbols import d_head

    for model_type, expected in (("gemma", 256), ("gemma2", 256), ("qwen3", 128)):
        cfg = {"model_type": model_type, "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4,
               "num_key_value_heads": 4, "intermediate_size": 32, "vocab_size": 16}
        assert from_hf_config(cfg).values[d_head] == expected == DEFAULTS[model_type]["head_dim"]


@pytest.mark.oracle
@pytest.mark.parametrize("model_type", sorted(FAMILIES))
def test_defaults_fixture_is_live_transformers(model_type):
    pytest.importorskip("transformers", reason="oracle tests need transformers (extra 'oracle')")
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    cls = CONFIG_MAPPING[model_type]
    instance, declared = cls(), getattr(cls, "__dataclass_fields__", {})
    live, ours = {}, _table_defaults(model_type)
    for name, spec in FAMILIES[model_type].fields.items():
        if spec.default is REQUIRED or spec.default is DERIVED:
            continue
        if name == "rotary_fraction":
            live[spec.key] = instance.rope_parameters.get("partial_rotary_factor")
        elif spec.key in declared and declared[spec.key].default is not dataclasses.MISSING:
            live[spec.key] = declared[spec.key].default
        elif hasattr(instance, spec.key):
            live[spec.key] = getattr(instance, spec.key)
        else:
            # a key the class reads only from its kwargs (ModernBERT's global_attn_every_n_layers) or no longer
            # reads (BERT's position_embedding_type, refused unless it is the one value transformers builds)
            ours.pop(spec.key)
    assert ours == live


@pytest.mark.oracle
@pytest.mark.parametrize("model_type", sorted(FAMILIES))
def test_aliases_cover_attribute_map(model_type):
    # every name transformers maps onto a field the family reads is one of that field's aliases
    pytest.importorskip("transformers", reason="oracle tests need transformers (extra 'oracle')")
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    for alias, target in getattr(CONFIG_MAPPING[model_type], "attribute_map", {}).items():
        reading = [(spec.key, *spec.aliases) for spec in FAMILIES[model_type].fields.values()
                   if alias in (spec.key, *spec.aliases) or target in (spec.key, *spec.aliases)]
        # some field reads both names (so a conflict between them is refused); another field may read the
        # class field itself for a purpose of its own (T5's decoder depth copies num_layers)
        assert not reading or any(alias in names and target in names for names in reading), \
            (model_type, alias, target, reading)


@pytest.mark.oracle
def test_activations_are_act2fn():
    pytest.importorskip("torch", reason="oracle tests need torch (extra 'oracle')")
    pytest.importorskip("transformers", reason="oracle tests need transformers (extra 'oracle')")
    from transformers.activations import ACT2CLS, ACT2FN

    assert ACTIVATIONS | WEIGHTED_ACTIVATIONS == set(ACT2CLS)
    assert not ACTIVATIONS & WEIGHTED_ACTIVATIONS
    for name in ACT2CLS:
        weights = sum(p.numel() for p in ACT2FN[name].parameters())
        assert (weights > 0) == (name in WEIGHTED_ACTIVATIONS), name


@pytest.mark.parametrize("extra", [
    {"new_decoder_architecture": True, "num_kv_heads": 2},  # null norms: 2 per layer (FalconDecoderLayer)
    {"new_decoder_architecture": True, "num_kv_heads": 2, "num_ln_in_parallel_attn": 1},
    {"new_decoder_architecture": False, "parallel_attn": True},  # old architecture in parallel: 1 norm
    {"new_decoder_architecture": False, "parallel_attn": False},  # sequential: 2 norms
])
def test_falcon_norm_defaults_match_the_independent_count(extra):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import independent as ind
    from symparams.hf import from_hf_config

    cfg = {"model_type": "falcon", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
           "vocab_size": 32, "multi_query": False, **extra}
    assert from_hf_config(cfg).params.total == ind.params(ind.hf_tensors(cfg))
