"""LoRA, QLoRA and full fine-tuning: adapter counts and memory by hand in plain ints, the module names
each family offers, refusals, and the FLOPs of a step against the forward and backward they are made of."""

from pathlib import Path

import pytest

import symparams
from symparams.errors import OptionError
from symparams.families import architecture
from symparams.studies import lora
from symparams.studies.finetune import finetune
from symparams.studies.modules import target_names
from symparams.studies.quantization import scheme, weight_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
LLAMA = symparams.from_hf_config(FIXTURES / "llama-2-7b.json")
LLAMA3 = symparams.from_hf_config(FIXTURES / "llama-3-8b.json")


@pytest.mark.parametrize("targets, per_layer", [
    (("q_proj", "v_proj"), (4096 + 4096) * 2),
    (("q_proj", "k_proj", "v_proj", "o_proj"), (4096 + 4096) * 4),
    (("gate_proj", "up_proj", "down_proj"), (4096 + 11008) * 3),
])
def test_llama_2_adapters_by_hand(targets, per_layer):
    assert LLAMA.value(lora.adapter_params(LLAMA.architecture, 8, targets).total) == 32 * 8 * per_layer


def test_llama_3_gqa_adapters_by_hand():
    # q: 4096 → 4096, v: 4096 → 8 KV heads × 128 = 1024
    assert LLAMA3.value(lora.adapter_params(LLAMA3.architecture, 16, ("q_proj", "v_proj")).total) == \
        32 * 16 * ((4096 + 4096) + (4096 + 1024))


def test_embedding_and_head_adapters():
    # an nn.Embedding adapter: A is r × V, B is h × r; the head is a linear h → V
    assert LLAMA.value(lora.adapter_params(LLAMA.architecture, 4, ("embed_tokens", "lm_head")).total) == \
        2 * 4 * (32000 + 4096)


@pytest.mark.parametrize("fixture, default", [
    ("llama-2-7b", ("q_proj", "v_proj")), ("gpt2", ("c_attn",)), ("pythia-160m", ("query_key_value",)),
    ("falcon-7b", ("query_key_value",)), ("bloom-560m", ("query_key_value",)), ("opt-125m", ("q_proj", "v_proj")),
    ("phi-2", ("q_proj", "v_proj")), ("santacoder", ("c_attn",)),
])
def test_default_targets_hold_query_and_value(fixture, default):
    assert lora.default_targets(symparams.from_hf_config(FIXTURES / f"{fixture}.json").architecture) == default


def test_family_module_names():
    names = {f.stem: set(target_names(symparams.from_hf_config(f).architecture))
             for f in FIXTURES.glob("*.json")}
    assert names["gpt2"] == {"c_attn", "c_proj", "c_fc", "wte", "wpe", "lm_head"}
    assert names["pythia-160m"] == {"query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h", "embed_in",
                                    "lm_head"}
    assert names["phi-2"] == {"q_proj", "k_proj", "v_proj", "dense", "fc1", "fc2", "embed_tokens", "lm_head"}
    assert names["mixtral-8x7b-v0.1"] == {"q_proj", "k_proj", "v_proj", "o_proj", "embed_tokens", "lm_head"}
    # PEFT maps gate_proj/up_proj/down_proj onto a MoE family's fused experts: not offered, refused
    assert "shared_expert_gate" in names["qwen1.5-moe-a2.7b"]
    assert not {"shared_expert.gate_proj", "gate_proj", "down_proj"} & names["qwen1.5-moe-a2.7b"]


def test_bad_targets_name_the_valid_ones():
    with pytest.raises(OptionError, match=r"'q_proj' is not a module of gpt2; its modules are: c_attn, c_fc"):
        lora.targets_of(symparams.model("gpt2").architecture, "q_proj")
    mixtral = symparams.from_hf_config(FIXTURES / "mixtral-8x7b-v0.1.json").architecture
    with pytest.raises(OptionError, match="'down_proj' onto the experts' fused 3-D parameters"):
        lora.targets_of(mixtral, "down_proj")
    with pytest.raises(OptionError, match="router of moe"):
        lora.targets_of(mixtral, "gate")
    with pytest.raises(OptionError, match="target_parameters"):
        lora.targets_of(mixtral, "all-linear")
    with pytest.raises(OptionError, match="--lora-rank=0"):
        lora.adapter_params(LLAMA.architecture, 0)


def test_qlora_memory_by_hand():
    r = finetune(LLAMA, rank=16, quant="nf4", double_quant=True, batch=2, seq=256)
    adapters = 32 * 16 * (4096 + 4096) * 2
    assert r["params"] == {"trainable": adapters, "total": 6_738_415_616 + adapters, "base": 6_738_415_616,
                           "adapters": adapters, "frozen": 6_738_415_616}
    mem = r["memory"]
    assert mem["weights_bytes"] == LLAMA.value(weight_bytes(LLAMA.architecture, scheme("nf4", double_quant=True)).total)
    assert (mem["adapter_bytes"], mem["gradient_bytes"], mem["optimizer_bytes"]) == (4 * adapters, 4 * adapters,
                                                                                      8 * adapters)
    base_act = LLAMA.activation_bytes(2, 256, dtype="bf16")
    assert mem["activations_bytes"] == base_act + 2 * 2 * 256 * 16 * 64  # bf16 r-wide intermediates, 64 adapters
    assert mem["total_bytes"] == sum(v for k, v in mem.items() if k != "total_bytes")
    assert r["lora"]["modules"] == 64


def test_full_fine_tuning_memory_and_frozen_embeddings():
    P = 6_738_415_616
    full = finetune(LLAMA, full=True, batch=1, seq=128)
    assert full["params"]["trainable"] == P and full["params"]["total"] == P
    assert full["memory"]["weights_bytes"] + full["memory"]["gradient_bytes"] + full["memory"]["optimizer_bytes"] \
        == 16 * P
    frozen = finetune(LLAMA, full=True, freeze_embeddings=True, batch=1, seq=128)
    assert frozen["params"]["trainable"] == P - 32000 * 4096  # the untied head still trains
    assert frozen["memory"]["gradient_bytes"] == 2 * (P - 32000 * 4096)


def test_step_flops_by_hand_on_the_classic_gpt():
    """Classic GPT sizes: a frozen matmul's backward is its input gradient only (1× forward); the
    attention products still need both (2×); adapters 2× their own forward."""
    m = symparams.models.Model("x", architecture("gpt-classic"), {"l": 2, "h": 64, "a": 4, "V": 100, "s_max": 64})
    bs, S, H, L, V, r = 3, 16, 64, 2, 100, 4
    linear = L * 2 * bs * S * 12 * H * H + 2 * bs * S * V * H   # projections, MLP, logits
    products = L * 2 * 2 * bs * S * S * H                         # QKᵀ and AV, dense
    adapters = L * 2 * 2 * bs * S * r * (H + H)                   # q_proj and v_proj adapters
    out = finetune(m, rank=r, targets=("q_proj", "v_proj"), batch=bs, seq=S)
    assert out["flops"]["forward"] == linear + products + adapters
    assert out["flops"]["backward"] == linear + 2 * products + 2 * adapters
    assert out["flops"]["optimizer"] == 14 * out["params"]["trainable"]
    full = finetune(m, full=True, batch=bs, seq=S)
    assert full["flops"]["backward"] == 2 * (linear + products)
    ckpt = finetune(m, full=True, batch=bs, seq=S, gradient_checkpointing=True)
    assert ckpt["flops"]["recompute"] == linear + products - 2 * bs * S * V * H  # the layers, not the head


def test_finetune_refusals():
    with pytest.raises(OptionError, match="--full trains every weight"):
        finetune(LLAMA, full=True, rank=8)
    with pytest.raises(OptionError, match="--lora-rank is needed"):
        finetune(LLAMA)
    with pytest.raises(OptionError, match="QLoRA quantizes"):
        finetune(LLAMA, rank=8, quant="int4")
    with pytest.raises(OptionError, match="--double-quant needs --quant nf4"):
        finetune(LLAMA, rank=8, double_quant=True)


@pytest.mark.parametrize("name, targets, per_layer, layers", [
    # PEFT's defaults for BERT (query, value) and T5 (q, v in self- and cross-attention); the model with its
    # pretraining head keeps the base model's module names
    ("bert-base", ("query", "value"), 2 * 8 * (768 + 768), 12),
    ("t5-small", ("q", "v"), None, None),
])
def test_encoder_default_targets_with_their_head(name, targets, per_layer, layers):
    m = symparams.model(name)
    assert lora.default_targets(m.with_head.architecture) == targets == lora.default_targets(m.architecture)
    result = finetune(m, rank=8)
    # t5-small: 6 encoder layers × 2 (q, v) + 6 decoder layers × 4 (self and cross q, v), each 8·(512 + 512)
    expected = layers * per_layer if per_layer else (6 * 2 + 6 * 4) * 8 * (512 + 512)
    assert result["params"]["trainable"] == expected
