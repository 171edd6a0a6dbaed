"""Prefill, decode, KV traffic and roofline: checked against loops over tokens and hand counts."""

from fractions import Fraction

import pytest
from sympy import Integer, expand

import symparams
from symparams.studies import inference as inf
from symparams.families import architecture
from symparams.symbols import V, b, h, l, n, s
from symparams.values import evaluate_exact, normalize_values

LLAMA = "tests/fixtures/hf_configs/llama-2-7b.json"
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


@pytest.mark.parametrize("prompt, new", [(1, 1), (7, 4), (100, 50)])
def test_kv_over_generation_equals_loop(prompt, new):
    arch = architecture("gpt-classic")
    vals = normalize_values({**SMALL, "b": 3, "s": prompt, "n": new})
    per_token = 2 * 2 * SMALL["l"] * SMALL["h"] * 3  # K and V, bf16, l layers, b = 3
    expected = sum(per_token * (prompt + i) for i in range(1, new + 1))
    assert evaluate_exact(inf.kv_cache_over_generation(arch), vals) == expected


def test_llama_decode_is_memory_bound_and_prefill_compute_bound():
    m = symparams.from_hf_config(LLAMA)
    arch = m.architecture
    at = {**{k.name: v for k, v in m.values.items()}, "b": 1, "s": 4095, "n": 1}
    dec = inf.roofline(inf.decode_flops(arch), inf.decode_bytes(arch), "A100-SXM4-80GB").at(at)
    assert dec["bound"] == "memory"
    # b = 1 decode: ~2 FLOPs per weight read of 2 bytes — intensity about 1, far below the ridge ~153
    assert Fraction(9, 10) < dec["intensity"] < Fraction(11, 10)
    # memory time ≥ the weights alone over the bandwidth
    assert dec["seconds"] >= Fraction(2 * 6_738_415_616, 2_039 * 10**9)
    pre = inf.roofline(inf.prefill_flops(arch), inf.prefill_bytes(arch), "A100-SXM4-80GB").at(
        {**at, "s": 4096})
    assert pre["bound"] == "compute"


def test_compute_bound_condition_is_an_inequality_in_b_and_s():
    m = symparams.from_hf_config(LLAMA)
    cond = inf.compute_bound_condition(m.architecture, "A100-SXM4-80GB", m.values)
    assert cond.lhs.free_symbols <= {b, s, n}
    assert not bool(cond.lhs.xreplace({b: 1, s: 100, n: 1}) >= 0)
    assert bool(cond.lhs.xreplace({b: 512, s: 1, n: 1}) >= 0)


def test_critical_batch_near_ridge_for_short_context():
    m = symparams.from_hf_config(LLAMA)
    bstar = inf.critical_batch(m.architecture, "A100-SXM4-80GB", m.values).xreplace({s: 1, n: 1})
    ridge = Fraction(312 * 10**12, 2_039 * 10**9)
    assert 0.95 * float(ridge) < float(bstar) < 1.1 * float(ridge)


def test_unknown_device():
    with pytest.raises(ValueError, match="device"):
        inf.roofline(1, 1, "TPU-v9")
