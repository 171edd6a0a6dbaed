"""Property tests: every formula equals the independent count (tests/independent/).

The library derives costs from component shapes with SymPy; the independent
counter lists each reference implementation's tensors and matmuls with plain
ints. They must agree exactly on every drawn config (profile: conftest.py).
"""

import pytest
from hypothesis import given

import symparams
from symparams.families import architecture
from symparams.testing import sizes
from symparams.testing.hf_strategies import HF_MODEL_TYPES, hf_configs

import independent as ind
from _oracle import workload

_CLASSIC = {"gpt-classic": ind.gpt_classic_tensors, "gpt2": ind.gpt2_tensors, "cs336": ind.cs336_tensors}


@pytest.mark.parametrize("name", sorted(_CLASSIC))
def test_params_equal_independent_count(name):
    bd = architecture(name).params()

    @given(sizes(name))
    def check(sz):
        assert bd.at(sz).total == ind.params(_CLASSIC[name](**sz))

    check()


@given(sizes("cs336"))
def test_cs336_rope_buffer_equals_independent_count(sz):
    assert architecture("cs336").buffers().at(sz).total == ind.cs336_buffers(**sz)


@pytest.mark.parametrize("name", sorted(_CLASSIC))
def test_forward_flops_equal_independent_count(name):
    bd = architecture(name).forward_flops()

    @given(sizes(name))
    def check(sz):
        expected = ind.dense_forward_flops(ind.classic_matmuls(**sz, gated=(name == "cs336")))
        assert bd.at(sz).total == expected

    check()


@pytest.mark.parametrize("name", sorted(_CLASSIC))
def test_kv_cache_equals_independent_count(name):
    bd = architecture(name).kv_cache(dtype="fp16")

    @given(sizes(name))
    def check(sz):
        elements = ind.kv_cache_elements(l=sz["l"], b=sz["b"], tokens=sz["s"] + sz["n"],
                                         kv_heads=sz["a"], head_dim=sz["h"] // sz["a"])
        assert bd.at(sz).total == 2 * elements

    check()


# ---- Hugging Face families ----------------------------------------------------

@pytest.mark.parametrize("model_type", HF_MODEL_TYPES)
def test_hf_params_equal_independent_count(model_type):
    @given(hf_configs(model_type))
    def check(cfg):
        assert symparams.from_hf_config(cfg).params.total == ind.params(ind.hf_tensors(cfg)), cfg

    check()


@pytest.mark.parametrize("model_type", HF_MODEL_TYPES)
def test_hf_flops_and_kv_equal_independent_count(model_type):
    @given(hf_configs(model_type, max_seq=16, max_batch=3))
    def check(cfg):
        m = symparams.from_hf_config(cfg)
        b, (s, lengths) = 2, workload(cfg, 5)
        assert m.forward_flops(batch=b, seq=s, **lengths).total == \
            ind.dense_forward_flops(ind.hf_matmuls(cfg, b=b, s=s, **lengths)), cfg
        assert m.kv_cache_bytes(batch=b, tokens=s, dtype="fp16", **lengths) == \
            2 * ind.hf_kv_cache_elements(cfg, b=b, tokens=s, **lengths), cfg

    check()
