"""Where a model trains with dropout decides which masks activation memory counts.

Sites per family are read from the config's probability fields (transformers
5.23 modeling code: GPT-2 embd/attn/resid_pdrop, OPT ``dropout`` on residuals
and ``attention_dropout`` on probabilities, Phi-2 ``resid_pdrop`` only, Llama
``attention_dropout`` only, ...). Expected byte counts are Korthikanti et al.
2022's per-layer terms, written out here.
"""

import json
from pathlib import Path

import pytest
from sympy import expand

import symparams
from symparams.components import Dropout
from symparams.costs.activations import activation_memory
from symparams.errors import ConfigError
from symparams.symbols import a, b, h, s

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"


def _config(name, **changes):
    return json.loads((FIXTURES / f"{name}.json").read_text()) | changes


@pytest.mark.parametrize("name, sites", [
    ("gpt2", Dropout(True, True, True)),
    ("opt-125m", Dropout(embedding=False, attention=False, residual=True)),
    ("phi-2", Dropout(embedding=False, attention=False, residual=True)),
    ("llama-3-8b", Dropout.of(False)),
    ("pythia-160m", Dropout.of(False)),
    ("falcon-7b", Dropout.of(False)),
])
def test_sites_read_from_the_config(name, sites):
    assert symparams.from_hf_config(FIXTURES / f"{name}.json").architecture.dropout == sites


def test_class_defaults_when_fields_are_absent():
    gpt2 = {k: v for k, v in _config("gpt2").items() if not k.endswith("pdrop")}
    assert symparams.from_hf_config(gpt2).architecture.dropout == Dropout.of(True)  # GPT2Config: 0.1
    llama = _config("llama-2-7b")
    assert symparams.from_hf_config(llama).architecture.dropout == Dropout.of(False)  # LlamaConfig: 0.0
    assert symparams.from_hf_config(_config("llama-2-7b", attention_dropout=0.1)).architecture.dropout == \
        Dropout(embedding=False, attention=True, residual=False)


@pytest.mark.parametrize("value", [1.0, -0.1, "0.1", True])
def test_bad_probability_is_rejected(value):
    with pytest.raises(ConfigError, match="attention_dropout"):
        symparams.from_hf_config(_config("llama-2-7b", attention_dropout=value))


def test_korthikanti_terms_follow_the_sites():
    arch = symparams.architecture("gpt-classic")
    full = activation_memory(arch, dtype="fp16").block
    assert expand(full - (34 * b * s * h + 5 * b * s**2 * a)) == 0
    # no attention dropout: no b·a·s² mask (1 byte) and no dropout output (2 bytes)
    no_attn = activation_memory(arch, dtype="fp16", dropout=Dropout(True, False, True)).block
    assert expand(full - no_attn - 3 * b * s**2 * a) == 0
    # no residual dropout: two b·s·h masks of 1 byte fewer
    no_resid = activation_memory(arch, dtype="fp16", dropout=Dropout(True, True, False)).block
    assert expand(full - no_resid - 2 * b * s * h) == 0
    # the default is the architecture's own sites
    assert activation_memory(symparams.architecture("cs336")).block == \
        activation_memory(symparams.architecture("cs336"), dropout=False).block


def test_llama_counts_no_masks():
    arch = symparams.from_hf_config(FIXTURES / "llama-3-8b.json").architecture
    names = {p.key for p in activation_memory(arch).pieces}
    assert not any("dropout" in n for n in names)


def test_moe_activations_route_k_copies():
    m = symparams.from_hf_config(FIXTURES / "mixtral-8x7b-v0.1.json")
    pieces = {p.key: p.expr for p in activation_memory(m.architecture, dtype="bf16").pieces}
    # each of the k = 2 experts a token goes to keeps its gated-MLP tensors: 4·d_ff per token pair
    assert pieces["moe.experts.act_input"] == m.architecture.component("moe").k * 2 * b * s * \
        m.architecture.component("moe").d_ff
    assert m.value(pieces["moe.router_probs"].subs({b: 1, s: 1})) == 4 * 8  # fp32 softmax over E = 8
