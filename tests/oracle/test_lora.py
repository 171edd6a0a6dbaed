"""Oracle: LoRA counts equal what PEFT reports, on transformers models built on the meta device.

For every published fixture (default targets and ``all-linear``) and for configs drawn for every
family (each module name symparams offers, one at a time), ``get_peft_model`` wraps the model and
``get_nb_trainable_parameters()`` — what ``print_trainable_parameters`` prints — is compared with
symparams' trainable and total counts. The names symparams offers are checked against the
model's own modules: every one is accepted by PEFT, and together they cover every ``nn.Linear``,
``Conv1D`` and ``nn.Embedding`` of the model (a ViT's ``Conv2d`` patch embedding is offered too).
"""

import pytest
from hypothesis import given, settings

import symparams
from symparams.studies.lora import adapter_params, targets_of
from symparams.studies.modules import fused_names, modules, target_names
from symparams.testing.hf_strategies import HF_MODEL_TYPES, hf_configs

from _oracle import FIXTURE_NAMES, ORACLE_EXAMPLES, fixture, require_oracle

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()
    pytest.importorskip("peft", reason="LoRA oracle needs peft: pip install 'symparams[oracle]'")


def _peft_counts(cfg, rank, targets):
    """(trainable, all) as PEFT counts them for ``targets`` on the model transformers builds."""
    import warnings

    from peft import LoraConfig, get_peft_model
    from symparams.testing.oracle import _meta_model

    model = _meta_model(cfg)
    gpt2_like = cfg["model_type"] == "gpt2"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapped = get_peft_model(model, LoraConfig(r=rank, target_modules=targets, fan_in_fan_out=gpt2_like))
    return wrapped.get_nb_trainable_parameters()


def _ours(cfg, rank, targets):
    m = symparams.from_hf_config(cfg)
    names = targets_of(m.architecture, targets)
    adapters = m.value(adapter_params(m.architecture, rank, names).total)
    return adapters, m.params.total + adapters


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@pytest.mark.parametrize("targets", [None, "all-linear"], ids=["default", "all-linear"])
def test_fixture_lora_counts_equal_peft(name, targets):
    cfg = fixture(name)
    m = symparams.from_hf_config(cfg)
    if targets == "all-linear" and any(mod.kind == "parameter" for mod in modules(m.architecture)):
        with pytest.raises(ValueError, match="target_parameters"):
            targets_of(m.architecture, targets)
        return
    peft_targets = list(targets_of(m.architecture, None)) if targets is None else targets
    assert _ours(cfg, 16, targets) == _peft_counts(cfg, 16, peft_targets)


@pytest.mark.parametrize("model_type", HF_MODEL_TYPES)
def test_every_offered_target_is_peft_exact(model_type):
    @settings(max_examples=max(1, ORACLE_EXAMPLES // 3))
    @given(hf_configs(model_type))
    def check(cfg):
        m = symparams.from_hf_config(cfg)
        for name in target_names(m.architecture):
            assert _ours(cfg, 4, [name]) == _peft_counts(cfg, 4, [name]), (name, cfg)

    check()


@pytest.mark.parametrize("model_type", HF_MODEL_TYPES)
def test_offered_names_cover_every_module(model_type):
    """Every Linear, Conv1D and Embedding of the transformers model is named by some offered target."""
    import torch
    from transformers.pytorch_utils import Conv1D

    from symparams.testing.oracle import _meta_model

    @settings(max_examples=max(1, ORACLE_EXAMPLES // 3))
    @given(hf_configs(model_type))
    def check(cfg):
        arch = symparams.from_hf_config(cfg).architecture
        names, fused = target_names(arch), fused_names(arch)
        model = _meta_model(cfg)
        for full, module in model.named_modules():
            if full.rsplit(".", 1)[-1] in fused:  # PEFT maps the name onto the fused experts (refused)
                continue
            # a zero-width layer a config asks for (DeepSeek with n_shared_experts = 0) has no weight to adapt
            if isinstance(module, (torch.nn.Linear, torch.nn.Embedding, Conv1D)) and module.weight.numel():
                assert any(full == n or full.endswith("." + n) for n in names), (full, names)

    check()
