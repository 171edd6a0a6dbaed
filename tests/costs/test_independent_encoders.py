"""Property tests: encoders and encoder-decoders with their heads equal the independent count.

The base models are covered by ``test_independent_count.py`` (every family); here the head models
(parameters and forward FLOPs), the encoder-decoder cache split into self- and cross-attention, and the
built-in ``bert`` and ``t5`` architectures against the same counters through their Hugging Face configs.
"""

import pytest
from hypothesis import given, strategies as st

import symparams
from symparams.costs.kv_cache import kv_cache_split
from symparams.families import FAMILIES, architecture
from symparams.symbols import s as _s
from symparams.testing import sizes
from symparams.testing.hf_strategies import HF_MODEL_TYPES, hf_configs

import independent as ind
from _oracle import BUILTIN_AS_HF, workload

HEADED = tuple(mt for mt in HF_MODEL_TYPES if FAMILIES[mt].head_class is not None)


@pytest.mark.parametrize("model_type", HEADED)
def test_head_models_equal_independent_count(model_type):
    @given(hf_configs(model_type, max_seq=16), st.integers(1, 3), st.integers(1, 9))
    def check(cfg, b, seq):
        m = symparams.from_hf_config(cfg).with_head
        assert m.params.total == ind.params(ind.hf_tensors(cfg, head=True)), cfg
        s, lengths = workload(cfg, seq)
        expected = ind.dense_forward_flops(ind.hf_matmuls(cfg, b=b, s=s, head=True, **lengths))
        assert m.forward_flops(b, s, **lengths).total == expected, cfg

    check()


@pytest.mark.parametrize("model_type", [mt for mt in HEADED if ind.COUNTERS[mt] is ind.seq2seq])
def test_cache_split_equals_independent_count(model_type):
    from independent.seq2seq import kv_split

    @given(hf_configs(model_type), st.integers(1, 3), st.integers(1, 9), st.integers(1, 9))
    def check(cfg, b, s, s_enc):
        m = symparams.from_hf_config(cfg)
        split = kv_cache_split(m.architecture, dtype="fp16", tokens=_s)
        ours = {kind: m.evaluate(bd, b, s, s_enc=s_enc).total // 2 for kind, bd in split.items()}
        assert ours == kv_split(cfg, b=b, tokens=s, s_enc=s_enc), cfg

    check()


@pytest.mark.parametrize("name", ["bert", "t5"])
def test_builtin_encoders_equal_independent_count(name):
    base, head = architecture(name), architecture(name).with_head

    @given(sizes(name, min_positions=16))
    def check(sz):
        cfg = BUILTIN_AS_HF[name](**sz)
        lengths = {"s_enc": sz["s_enc"]} if "s_enc" in sz else {}
        for arch, with_head in ((base, False), (head, True)):
            assert arch.params().at(sz).total == ind.params(ind.hf_tensors(cfg, head=with_head)), sz
            matmuls = ind.hf_matmuls(cfg, b=sz["b"], s=sz["s"], head=with_head, **lengths)
            assert arch.forward_flops().at(sz).total == ind.dense_forward_flops(matmuls), sz
        tokens = {"tokens": sz["s"] + sz["n"]}
        expected = 2 * ind.hf_kv_cache_elements(cfg, b=sz["b"], **tokens, **lengths)  # fp16
        assert base.kv_cache(dtype="fp16").at(sz).total == expected, sz

    check()
