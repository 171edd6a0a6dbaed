"""Oracle: the KV cache after a prefill holds exactly the elements the formula says."""

import pytest
from hypothesis import given, settings, strategies as st

import symparams
from symparams.testing import sizes
from symparams.testing.hf_strategies import HF_MODEL_TYPES, hf_configs

from _oracle import (FIXTURE_NAMES, ORACLE_EXAMPLES, cs336_as_llama, fixture, flops_mode, gpt2_config, require_oracle,
                     workload)

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


def _library_elements(m, b, tokens, **lengths):
    return m.kv_cache_elements(batch=b, tokens=tokens, **lengths)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_real_config_kv_cache_full_size(name):
    from symparams.testing.oracle import hf_kv_cache_elements

    cfg = fixture(name)
    s, lengths = workload(cfg, 33)
    assert _library_elements(symparams.from_hf_config(cfg), 2, s, **lengths) == \
        hf_kv_cache_elements(cfg, 2, s, **lengths)


@pytest.mark.parametrize("model_type", HF_MODEL_TYPES)
def test_drawn_config_kv_cache(model_type):
    from symparams.testing.oracle import hf_kv_cache_elements

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(hf_configs(model_type), st.integers(1, 3), st.integers(1, 9))
    def check(cfg, b, s):
        s, lengths = workload(cfg, s)
        expected = hf_kv_cache_elements(cfg, b, s, mode=flops_mode(cfg), **lengths)
        assert _library_elements(symparams.from_hf_config(cfg), b, s, **lengths) == expected, cfg

    check()


@pytest.mark.parametrize("arch, to_hf", [("gpt2", gpt2_config), ("cs336", cs336_as_llama)])
def test_builtin_architectures_kv_cache(arch, to_hf):
    from symparams.testing.oracle import hf_kv_cache_elements

    bd = symparams.architecture(arch).kv_cache(dtype="fp16", tokens=symparams.symbols.s)

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(sizes(arch, max_seq=9, max_batch=3))
    def check(sz):
        assert bd.at(sz).total == 2 * hf_kv_cache_elements(to_hf(**sz), sz["b"], sz["s"]), sz

    check()
