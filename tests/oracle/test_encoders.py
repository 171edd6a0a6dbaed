"""Oracle: encoders and encoder-decoders with their heads, against transformers 5.23.

Base models (the family's ``auto_class``, ``AutoModel``) are covered by the parametrised tests over every
fixture and family; here: the head models (the family's ``head_class``: BertForPreTraining,
T5ForConditionalGeneration, ViTForImageClassification, ...) — parameters, forward FLOPs at two shapes —
the encoder-decoder cache after encoding and decoding, split into self- and cross-attention, and the
built-in ``bert`` and ``t5`` architectures on drawn sizes.
"""

import json

import pytest
from hypothesis import given, settings, strategies as st

import symparams
from symparams.costs.kv_cache import kv_cache_split
from symparams.families import FAMILIES
from symparams.symbols import s as _s
from symparams.testing import sizes
from symparams.testing.hf_strategies import HF_MODEL_TYPES, hf_configs

from _oracle import BUILTIN_AS_HF, FIXTURES, ORACLE_EXAMPLES, fixture, require_oracle, workload

pytestmark = pytest.mark.oracle

HEADED = tuple(mt for mt in HF_MODEL_TYPES if FAMILIES[mt].head_class is not None)
HEAD_FIXTURES = sorted(json.loads((FIXTURES.parent / "transformers_head_params.json").read_text()))


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


def _split(m, b, s, lengths):
    split = kv_cache_split(m.architecture, dtype="fp32", tokens=_s)  # 4 bytes per element
    return {kind: m.evaluate(bd, b, s, **lengths).total // 4 for kind, bd in split.items()}


@pytest.mark.parametrize("name", HEAD_FIXTURES)
def test_fixture_head_params(name):
    from symparams.testing.oracle import hf_param_count

    cfg = fixture(name)
    assert symparams.from_hf_config(cfg).with_head.params.total == hf_param_count(cfg, head=True)


@pytest.mark.parametrize("name", HEAD_FIXTURES)
def test_fixture_head_flops_two_shapes(name):
    from symparams.testing.oracle import hf_forward_flops, shrink_config

    full, small = fixture(name), shrink_config(fixture(name))
    for cfg, b, seq in ((full, 1, 64), (small, 2, 7)):
        s, lengths = workload(cfg, seq)
        m = symparams.from_hf_config(cfg)
        assert m.with_head.forward_flops(b, s, **lengths).total == hf_forward_flops(cfg, b, s, head=True, **lengths)


@pytest.mark.parametrize("name", [n for n in HEAD_FIXTURES
                                  if symparams.from_hf_config(fixture(n)).architecture.is_encoder_decoder])
def test_fixture_cache_after_encoding_and_decoding(name):
    from symparams.testing.oracle import hf_kv_cache_split

    cfg = fixture(name)
    m = symparams.from_hf_config(cfg)
    for b, s_enc, s in ((1, 40, 9), (2, 7, 13)):
        assert _split(m, b, s, {"s_enc": s_enc}) == hf_kv_cache_split(cfg, b, s, s_enc=s_enc), (b, s_enc, s)


@pytest.mark.parametrize("model_type", HEADED)
def test_drawn_head_models(model_type):
    from symparams.testing.oracle import hf_forward_flops, hf_kv_cache_split, hf_param_count

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(hf_configs(model_type), st.integers(1, 3), st.integers(1, 9))
    def check(cfg, b, seq):
        m = symparams.from_hf_config(cfg)
        assert m.with_head.params.total == hf_param_count(cfg, head=True), cfg
        s, lengths = workload(cfg, seq)
        assert m.with_head.forward_flops(b, s, **lengths).total == \
            hf_forward_flops(cfg, b, s, head=True, **lengths), cfg
        if m.architecture.is_encoder_decoder:
            assert _split(m, b, s, lengths) == hf_kv_cache_split(cfg, b, s, **lengths), cfg

    check()


@pytest.mark.parametrize("arch", ["bert", "t5"])
def test_builtin_encoders_on_drawn_sizes(arch):
    from symparams.testing.oracle import hf_forward_flops, hf_param_count

    base = symparams.architecture(arch)
    head = base.with_head

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(sizes(arch, max_seq=9, max_batch=3, min_positions=16))
    def check(sz):
        cfg = BUILTIN_AS_HF[arch](**sz)
        assert base.params().at(sz).total == hf_param_count(cfg), sz
        assert head.params().at(sz).total == hf_param_count(cfg, head=True), sz
        lengths = {"s_enc": sz["s_enc"]} if "s_enc" in sz else {}
        for bd, with_head in ((base.forward_flops(), False), (head.forward_flops(), True)):
            assert bd.at(sz).total == hf_forward_flops(cfg, sz["b"], sz["s"], head=with_head, **lengths), sz

    check()


@pytest.mark.parametrize("cfg", [
    {"model_type": "t5", "d_model": 64, "hidden_size": 32, "num_layers": 2, "num_hidden_layers": 1, "num_heads": 4,
     "d_ff": 16, "vocab_size": 50},
    {"model_type": "bart", "d_model": 64, "encoder_layers": 2, "num_hidden_layers": 1, "decoder_layers": 1,
     "encoder_attention_heads": 4, "num_attention_heads": 2, "decoder_attention_heads": 4, "encoder_ffn_dim": 8,
     "decoder_ffn_dim": 8, "vocab_size": 50, "pad_token_id": 0, "bos_token_id": 0, "eos_token_id": 0,
     "decoder_start_token_id": 0, "forced_eos_token_id": 0},
    {"model_type": "distilbert", "dim": 64, "hidden_size": 32, "n_layers": 2, "num_hidden_layers": 1, "n_heads": 4,
     "hidden_dim": 8, "vocab_size": 50},
], ids=["t5", "bart", "distilbert"])
def test_attribute_map_conflicts_are_refused_where_transformers_picks_one(cfg):
    # transformers builds these (its attribute_map name wins silently); symparams refuses the ambiguity,
    # and once the two names agree, counts exactly what transformers builds
    from symparams.errors import ConfigError
    from symparams.testing.oracle import hf_forward_flops, hf_param_count

    assert hf_param_count(cfg) > 0
    with pytest.raises(ConfigError, match="same size with different values"):
        symparams.from_hf_config(cfg)
    pairs = {"hidden_size": ("d_model", "dim"), "num_hidden_layers": ("num_layers", "encoder_layers", "n_layers"),
             "num_attention_heads": ("num_heads", "encoder_attention_heads", "n_heads")}
    agreeing = dict(cfg)
    for name, others in pairs.items():
        for other in others:
            if name in cfg and other in cfg:
                agreeing[other] = cfg[name]
    m = symparams.from_hf_config(agreeing)
    assert m.params.total == hf_param_count(agreeing)
    s, lengths = workload(agreeing, 5)
    assert m.forward_flops(2, s, **lengths).total == hf_forward_flops(agreeing, 2, s, **lengths)


def test_t5_decoder_depth_is_the_num_layers_field():
    # T5Config copies num_layers (the key, else the class default 6) into num_decoder_layers before the
    # alias num_hidden_layers overrides num_layers: a config with only num_hidden_layers = 3 builds a
    # 3-layer encoder and a 6-layer decoder
    from symparams.testing.oracle import hf_param_count

    cfg = {"model_type": "t5", "d_model": 32, "num_hidden_layers": 3, "num_heads": 4, "d_ff": 16, "vocab_size": 50}
    m = symparams.from_hf_config(cfg)
    assert (m.value(symparams.symbols.l), m.value(symparams.symbols.l_dec)) == (3, 6)
    assert m.params.total == hf_param_count(cfg)
