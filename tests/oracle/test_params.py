"""Oracle: parameter counts equal what transformers builds on the meta device."""

import pytest
from hypothesis import given, settings

import symparams
from symparams.testing import sizes
from symparams.testing.hf_strategies import HF_MODEL_TYPES, hf_configs

import independent as ind
from _oracle import BUILTIN_AS_HF, FIXTURE_NAMES, ORACLE_EXAMPLES, cs336_as_llama, fixture, gpt2_config, require_oracle

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_real_config_params(name):
    from symparams.testing.oracle import hf_param_count

    cfg = fixture(name)
    expected = hf_param_count(cfg)
    assert symparams.from_hf_config(cfg).params.total == expected
    assert ind.params(ind.hf_tensors(cfg)) == expected


@pytest.mark.parametrize("name", sorted(symparams.PRESETS))
def test_builtin_presets_params(name):
    from symparams.testing.oracle import hf_param_count

    m = symparams.model(name)
    values = {k.name: v for k, v in m.values.items()}
    cfg = BUILTIN_AS_HF[m.architecture.name](**values)
    assert m.params.total == hf_param_count(cfg)


@pytest.mark.parametrize("model_type", HF_MODEL_TYPES)
def test_drawn_config_params(model_type):
    from symparams.testing.oracle import hf_param_count

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(hf_configs(model_type))
    def check(cfg):
        assert symparams.from_hf_config(cfg).params.total == hf_param_count(cfg), cfg

    check()


@pytest.mark.parametrize("arch, to_hf", [("gpt2", gpt2_config), ("cs336", cs336_as_llama)])
def test_builtin_architectures_on_drawn_sizes(arch, to_hf):
    from symparams.testing.oracle import hf_param_count

    bd = symparams.architecture(arch).params()

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(sizes(arch))
    def check(sz):
        assert bd.at(sz).total == hf_param_count(to_hf(**sz)), sz

    check()
