"""Weight formats: bytes by hand in plain ints (each format's tensors as its library lays them out),
what stays in 16 bits and how to change it, and the shapes a format refuses."""

import json
from math import ceil
from pathlib import Path

import pytest

import symparams
from symparams.errors import OptionError
from symparams.studies.modules import modules
from symparams.studies.quantization import check_quantization, quantized_modules, scheme, weight_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
LLAMA = symparams.from_hf_config(FIXTURES / "llama-2-7b.json")
# Llama-2-7B's matrices per layer, (in features K, out features N): q, k, v, o, gate, up, down
LAYER = [(4096, 4096)] * 4 + [(4096, 11008)] * 2 + [(11008, 4096)]
VECTORS_PER_LAYER, FINAL_NORM, TABLE = 2 * 4096, 4096, 32000 * 4096


def _gptq(K, N, bits, g):
    groups = ceil(K / g) if g else 1
    return K * N * bits // 8 + groups * N * bits // 8 + 2 * groups * N + 4 * K


def _nf4(K, N, double):
    M = K * N
    blocks = ceil(M / 64)
    stored = ceil(M / 2) + 64
    return stored + (blocks + 4 * ceil(blocks / 256) + 1024 if double else 4 * blocks)


def _llama_total(per_matrix, kept_bytes=2):
    """32 layers of quantized matrices and bf16 norms; embeddings and head in bf16."""
    layer = sum(per_matrix(K, N) for K, N in LAYER) + kept_bytes * VECTORS_PER_LAYER
    return 32 * layer + kept_bytes * (2 * TABLE + FINAL_NORM)


@pytest.mark.parametrize("bits, group", [(4, 128), (4, 32), (8, 128), (4, None)])
def test_gptq_by_hand(bits, group):
    sch = scheme(f"int{bits}", group_size=group if group else -1)
    expected = _llama_total(lambda K, N: _gptq(K, N, bits, group))
    assert LLAMA.value(weight_bytes(LLAMA.architecture, sch).total) == expected


def test_awq_by_hand():
    expected = _llama_total(lambda K, N: K * N // 2 + (K // 128) * N // 2 + 2 * (K // 128) * N)
    assert LLAMA.value(weight_bytes(LLAMA.architecture, scheme("int4", layout="awq")).total) == expected


@pytest.mark.parametrize("double", [False, True])
def test_nf4_by_hand(double):
    expected = _llama_total(lambda K, N: _nf4(K, N, double))
    assert LLAMA.value(weight_bytes(LLAMA.architecture, scheme("nf4", double_quant=double)).total) == expected


def test_llm_int8_and_fp8_by_hand():
    assert LLAMA.value(weight_bytes(LLAMA.architecture, scheme("int8", layout="bnb")).total) == \
        _llama_total(lambda K, N: K * N + 4 * N + 1)
    assert LLAMA.value(weight_bytes(LLAMA.architecture, scheme("fp8")).total) == _llama_total(lambda K, N: K * N + 4)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_dense_formats_are_params_times_bytes(path):
    m = symparams.from_hf_config(path)
    for name, size in (("bf16", 2), ("fp32", 4)):
        assert m.value(weight_bytes(m.architecture, scheme(name), dtype=name).total) == size * m.params.total


def test_keep_16bit_moves_the_head():
    sch = scheme("int4")
    default = LLAMA.value(weight_bytes(LLAMA.architecture, sch).total)
    head_too = LLAMA.value(weight_bytes(LLAMA.architecture, sch, keep=()).total)
    assert default - head_too == 2 * TABLE - _gptq(4096, 32000, 4, 128)
    down_kept = LLAMA.value(weight_bytes(LLAMA.architecture, sch, keep=("lm_head", "down_proj")).total)
    assert down_kept - default == 32 * (2 * 11008 * 4096 - _gptq(11008, 4096, 4, 128))
    with pytest.raises(OptionError, match="--keep-16bit: 'dense' is not a module of llama"):
        weight_bytes(LLAMA.architecture, sch, keep=("dense",))


def test_tied_head_and_embeddings_never_quantized():
    m = symparams.from_hf_config(FIXTURES / "gemma-2b.json")  # tied head
    sch = scheme("nf4")
    kept = {mod.name for mod in modules(m.architecture)} - {mod.name for mod in
                                                           quantized_modules(m.architecture, sch, keep=())}
    assert kept == {"embed_tokens", "lm_head"}  # the table, and the head that is the table


def test_formats_refuse_what_they_cannot_pack():
    m = symparams.from_hf_config({"model_type": "llama", "hidden_size": 96, "num_hidden_layers": 1,
                                  "num_attention_heads": 4, "intermediate_size": 100, "vocab_size": 64})
    with pytest.raises(OptionError, match="--group-size 64: AWQ needs it to divide q_proj's 96"):
        check_quantization(m, scheme("int4", layout="awq", group_size=64))
    with pytest.raises(OptionError, match="gate_proj has 100 output features, not a multiple of 8"):
        check_quantization(m, scheme("int4"))
    check_quantization(m, scheme("nf4"))  # bitsandbytes blocks the flattened tensor: any shape
    with pytest.raises(OptionError, match="layout='awq'"):
        scheme("int8", layout="awq")
    with pytest.raises(OptionError, match="--double-quant applies to nf4"):
        scheme("int4", double_quant=True)
    with pytest.raises(OptionError, match="--weights"):
        scheme("int3")


def test_bitsandbytes_leaves_fused_experts_and_router():
    m = symparams.from_hf_config(FIXTURES / "mixtral-8x7b-v0.1.json")
    names = {mod.name for mod in quantized_modules(m.architecture, scheme("nf4"))}
    assert names == {"q_proj", "k_proj", "v_proj", "o_proj"}
    gptq = {mod.name for mod in quantized_modules(m.architecture, scheme("int4"))}
    assert gptq == names | {"experts.gate_up_proj", "experts.down_proj"}
    assert json.loads((FIXTURES / "mixtral-8x7b-v0.1.json").read_text())["num_local_experts"] == 8
