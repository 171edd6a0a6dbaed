"""Oracle: forward FLOPs equal FlopCounterMode on an eager model, exactly.

FlopCounterMode under FakeTensorMode, ``attn_implementation="eager"`` (SDPA is
not counted on CPU), ``use_cache=False``: the library's default convention
(:data:`symparams.FLOP_COUNTER`) must give the same integer.
"""

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


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_real_config_flops_full_size(name):
    """The published config itself (fake tensors: no memory), one sequence of 64 tokens."""
    from symparams.testing.oracle import hf_forward_flops

    cfg = fixture(name)
    s, lengths = workload(cfg, 64)
    assert symparams.from_hf_config(cfg).forward_flops(batch=1, seq=s, **lengths).total == \
        hf_forward_flops(cfg, 1, s, **lengths)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_shrunk_real_config_flops(name):
    from symparams.testing.oracle import hf_forward_flops, shrink_config

    cfg = shrink_config(fixture(name))
    s, lengths = workload(cfg, 7)
    expected = hf_forward_flops(cfg, 2, s, mode=flops_mode(cfg), **lengths)
    assert symparams.from_hf_config(cfg).forward_flops(batch=2, seq=s, **lengths).total == expected


@pytest.mark.parametrize("model_type", HF_MODEL_TYPES)
def test_drawn_config_flops(model_type):
    from symparams.testing.oracle import hf_forward_flops

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(hf_configs(model_type), st.integers(1, 3), st.integers(1, 9))
    def check(cfg, b, s):
        s, lengths = workload(cfg, s)
        expected = hf_forward_flops(cfg, b, s, mode=flops_mode(cfg), **lengths)
        assert symparams.from_hf_config(cfg).forward_flops(batch=b, seq=s, **lengths).total == expected, cfg

    check()


@pytest.mark.parametrize("arch, to_hf", [("gpt2", gpt2_config), ("cs336", cs336_as_llama)])
def test_builtin_architectures_flops(arch, to_hf):
    from symparams.testing.oracle import hf_forward_flops

    bd = symparams.architecture(arch).forward_flops()

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(sizes(arch, max_seq=9, max_batch=3))
    def check(sz):
        assert bd.at(sz).total == hf_forward_flops(to_hf(**sz), sz["b"], sz["s"]), sz

    check()


@pytest.mark.parametrize("name", ["gpt2", "cs336-gpt2-small"])
def test_builtin_presets_flops(name):
    from symparams.testing.oracle import hf_forward_flops

    m = symparams.model(name)
    values = {k.name: v for k, v in m.values.items()}
    cfg = gpt2_config(**values) if m.architecture.name == "gpt2" else cs336_as_llama(**values)
    assert m.forward_flops(batch=1, seq=128).total == hf_forward_flops(cfg, 1, 128)
