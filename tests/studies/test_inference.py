"""Prefill, decode, KV traffic, the roofline and its crossovers: checked against loops over tokens,
hand counts in plain ints, and the roofline itself on both sides of every crossover."""

from fractions import Fraction
from math import ceil

import pytest
from hypothesis import given, strategies as st
from sympy import expand

import symparams
from symparams.devices import DEVICES, device
from symparams.families import architecture
from symparams.studies import inference as inf
from symparams.studies.inference import Setup
from symparams.studies.quantization import scheme
from symparams.symbols import V, b, h, l, n, s
from symparams.values import evaluate_exact, normalize_values

LLAMA = "tests/fixtures/hf_configs/llama-2-7b.json"
MISTRAL = "tests/fixtures/hf_configs/mistral-7b-v0.1.json"
SMALL = {"l": 2, "h": 8, "a": 2, "V": 11}


def _token_flops(position, sizes):
    """One token of the classic GPT by hand: 24lh² (linears) + 2Vh (logits) + 4·l·h·position (QKᵀ, AV)."""
    L, H, Vv = sizes["l"], sizes["h"], sizes["V"]
    return 24 * L * H * H + 2 * Vv * H + 4 * L * H * position


def test_decode_flops_by_hand():
    f = inf.decode_flops(architecture("gpt-classic"))
    assert expand(f - b * (24 * l * h**2 + 2 * V * h + 4 * l * h * (s + n))) == 0


@pytest.mark.parametrize("prompt, new", [(1, 1), (5, 3), (16, 9)])
def test_prefill_plus_decode_loop_equals_generation(prompt, new):
    arch = architecture("gpt-classic")
    vals = normalize_values({**SMALL, "b": 1, "s": prompt, "n": new})
    prefill = evaluate_exact(inf.prefill_flops(arch), vals)
    # the prompt, token by token, then each generated token: a loop, no algebra
    assert prefill == sum(_token_flops(p, SMALL) for p in range(1, prompt + 1))
    loop = prefill + sum(_token_flops(prompt + i, SMALL) for i in range(1, new + 1))
    assert evaluate_exact(inf.generation_flops(arch), vals) == loop
    assert evaluate_exact(inf.summed_decode(arch), vals) == loop - prefill
    assert evaluate_exact(inf.mean_decode_flops(arch), vals) == Fraction(loop - prefill, new)


def test_prefill_logits_at_last_position_only():
    arch = architecture("gpt-classic")
    vals = normalize_values({**SMALL, "b": 3, "s": 7})
    full = evaluate_exact(inf.prefill_flops(arch), vals)
    last = evaluate_exact(inf.prefill_flops(arch, last_logits=True), vals)
    assert full - last == 2 * SMALL["V"] * SMALL["h"] * 3 * (7 - 1)


@pytest.mark.parametrize("prompt, new", [(1, 1), (7, 4), (100, 50)])
def test_kv_over_generation_equals_loop(prompt, new):
    arch = architecture("gpt-classic")
    vals = normalize_values({**SMALL, "b": 3, "s": prompt, "n": new})
    per_token = 2 * 2 * SMALL["l"] * SMALL["h"] * 3  # K and V, bf16, l layers, b = 3
    expected = sum(per_token * (prompt + i) for i in range(1, new + 1))
    assert evaluate_exact(inf.kv_cache_over_generation(arch), vals) == expected


@given(st.integers(1, 40), st.integers(1, 40))
def test_windowed_kv_traffic_equals_loop(prompt, new):
    """Mistral's every layer windowed: each step holds min(position, w − 1) tokens, summed by a loop."""
    m = symparams.from_hf_config({"model_type": "mistral", "hidden_size": 16, "num_hidden_layers": 3,
                                  "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 32,
                                  "vocab_size": 50, "sliding_window": 20})
    vals = {**m.values, b: 2, s: prompt, n: new}
    per_token = 2 * 2 * 3 * 2 * 4 * 2  # K and V, bf16, 3 layers, 2 KV heads of 4, b = 2
    expected = sum(per_token * min(prompt + i, 20 - 1) for i in range(1, new + 1))
    assert evaluate_exact(inf.kv_cache_over_generation(m.architecture), vals) == expected


def test_sum_over_steps_of_a_window_by_hand():
    from symparams.symbols import w
    from sympy import Min

    total = inf.sum_over_steps(Min(s, w - 1), s)
    for prompt, new, window in [(1, 1, 2), (3, 10, 6), (10, 3, 6), (5, 5, 100)]:
        got = evaluate_exact(total, {s: prompt, n: new, w: window})
        assert got == sum(min(prompt + i, window - 1) for i in range(1, new + 1))


def test_llama_decode_is_memory_bound_and_prefill_compute_bound():
    m = symparams.from_hf_config(LLAMA)
    arch = m.architecture
    at = {**{k.name: v for k, v in m.values.items()}, "b": 1, "s": 4095, "n": 1}
    dec = inf.roofline(inf.decode_flops(arch), inf.decode_bytes(arch), "a100-80gb").at(at)
    assert dec["bound"] == "memory"
    # b = 1 decode: ~2 FLOPs per weight read of 2 bytes — intensity about 1, far below the ridge ~153
    assert Fraction(9, 10) < dec["intensity"] < Fraction(11, 10)
    assert dec["seconds"] >= Fraction(2 * 6_738_415_616, 2_039 * 10**9)
    pre = inf.roofline(inf.prefill_flops(arch), inf.prefill_bytes(arch), "a100-80gb").at({**at, "s": 4096})
    assert pre["bound"] == "compute"


def test_compute_bound_condition_is_an_inequality_in_b_and_s():
    m = symparams.from_hf_config(LLAMA)
    cond = inf.compute_bound_condition(m.architecture, "a100-80gb", m.values)
    assert cond.lhs.free_symbols <= {b, s, n}
    assert not bool(cond.lhs.xreplace({b: 1, s: 100, n: 1}) >= 0)
    assert bool(cond.lhs.xreplace({b: 512, s: 1, n: 1}) >= 0)


def _bound_at(m, dev, setup, batch, prompt, gen):
    at = {**m.values, b: batch, s: prompt, n: gen}
    f = evaluate_exact(inf.mean_decode_flops(m.architecture) / setup.tp, at)
    by = evaluate_exact(inf.mean_decode_bytes(m.architecture, setup), at)
    return "compute" if f / dev.flops(setup.peak_dtype) >= by / dev.bandwidth else "memory"


@pytest.mark.parametrize("name", ["h100-sxm", "a100-80gb", "mi300x", "l4"])
def test_llama_2_7b_turns_compute_bound_where_the_roofline_does(name):
    """The regression of issue 15: the crossover is finite at short contexts, and the roofline agrees
    on both sides of it; at long contexts the KV cache outruns the ridge and it is never reached."""
    m = symparams.from_hf_config(LLAMA)
    dev = device(name)
    bstar = inf.critical_batch(m.architecture, dev, m.values)
    short = bstar.xreplace({s: 16, n: 16})
    assert short.is_finite
    first = ceil(Fraction(int(short.p), int(short.q)))
    assert _bound_at(m, dev, Setup(), first, 16, 16) == "compute"
    assert _bound_at(m, dev, Setup(), first - 1, 16, 16) == "memory"
    assert bstar.xreplace({s: 4000, n: 96}).is_infinite
    assert _bound_at(m, dev, Setup(), 10**7, 4000, 96) == "memory"


@given(st.integers(1, 5), st.sampled_from([64, 128, 256]), st.integers(1, 300), st.integers(1, 300),
       st.sampled_from(sorted(DEVICES)))
def test_critical_batch_is_exact_on_both_sides(layers, width, prompt, gen, name):
    m = symparams.model("cs336-gpt2-small")
    m = symparams.models.Model("x", m.architecture, {**{k.name: v for k, v in m.values.items()},
                                                     "l": layers, "h": width, "a": 4, "d_ff": 4 * width})
    dev = device(name)
    bstar = inf.critical_batch(m.architecture, dev, m.values).xreplace({s: prompt, n: gen})
    if bstar.is_infinite:
        assert _bound_at(m, dev, Setup(), 10**9, prompt, gen) == "memory"
        return
    first = ceil(Fraction(int(bstar.p), int(bstar.q)))
    assert _bound_at(m, dev, Setup(), first, prompt, gen) == "compute"
    if first > 1:
        assert _bound_at(m, dev, Setup(), first - 1, prompt, gen) == "memory"


def test_weights_and_kv_bytes_by_format_and_tp():
    m = symparams.from_hf_config(LLAMA)
    P = 6_738_415_616
    at = {**m.values, b: 2, s: 100, n: 28}
    assert evaluate_exact(inf.weights_bytes(m.architecture), at) == 2 * P
    assert evaluate_exact(inf.weights_bytes(m.architecture, Setup(tp=4)), at) == Fraction(2 * P, 4)
    kv = 2 * 2 * 32 * 4096 * 2 * 128  # K, V; bf16; layers; width; batch 2; 128 tokens
    assert evaluate_exact(inf.kv_bytes(m.architecture, Setup()), at) == kv
    assert evaluate_exact(inf.kv_bytes(m.architecture, Setup(kv_dtype="fp8")), at) == kv // 2
    assert evaluate_exact(inf.weights_bytes(m.architecture, Setup(weights=scheme("fp8"))), at) < P + 10**9


def test_allreduce_bytes_by_hand():
    arch = architecture("gpt-classic")
    at = normalize_values({**SMALL, "b": 3, "s": 5})
    # 2 all-reduces per layer of b·s·h bf16 values; a ring sends 2(t−1)/t of each
    assert evaluate_exact(inf.allreduce_bytes(arch, Setup(tp=4), s), at) == Fraction(2 * 3, 4) * 2 * 2 * 3 * 5 * 8 * 2
    assert evaluate_exact(inf.allreduce_bytes(arch, Setup(), s), at) == 0


def test_activation_bytes_by_hand():
    arch = architecture("gpt-classic")
    at = normalize_values({**SMALL, "b": 3, "s": 5})
    # residual stream h and the MLP's 4h intermediate in bf16, last logits in fp32
    assert evaluate_exact(inf.activation_bytes(arch), at) == 2 * 3 * 5 * (8 + 32) + 4 * 3 * 11


def test_unknown_device_and_bad_kv_dtype():
    with pytest.raises(ValueError, match="device"):
        inf.roofline(1, 1, "tpu-v9")
    with pytest.raises(ValueError, match="--kv-dtype"):
        Setup(kv_dtype="int3")
