"""Crossovers, leading order, elasticities and budget solving: expected values derived by hand."""

from fractions import Fraction

import pytest
from sympy import Rational, expand

import symparams
from symparams.studies import analysis as an
from symparams.families import architecture
from symparams.conventions import CAUSAL_HALF
from symparams.errors import OptionError
from symparams.symbols import V, a, b, d_ff, h, l, n_dp, n_kv, s
from symparams.values import evaluate_exact, normalize_values

LLAMA = "tests/fixtures/hf_configs/llama-2-7b.json"


def test_attention_vs_dense_is_six_h():
    # per layer: attention products 4·b·s²·h vs projections 8·b·s·h² + MLP 16·b·s·h²
    assert an.seq_crossover(architecture("gpt-classic"), "attention", "dense") == 6 * h
    assert an.seq_crossover(architecture("gpt-classic"), "attention", "mlp") == 4 * h
    assert an.seq_crossover(architecture("gpt-classic"), "attention", "projections") == 2 * h


def test_causal_halving_doubles_the_crossover():
    assert an.seq_crossover(architecture("gpt-classic"), "attention", "mlp", CAUSAL_HALF) == 8 * h


def test_swiglu_crossover():
    # 4·b·s²·h (MHA, d_head·a = h) vs 6·b·s·h·d_ff → s = 3·d_ff/2
    assert an.seq_crossover(architecture("cs336"), "attention", "mlp") == Rational(3, 2) * d_ff


def test_crossover_is_where_they_are_equal():
    arch = architecture("gpt-classic")
    at = {s: 6 * h}
    assert expand((an.flops_of(arch, "attention") - an.flops_of(arch, "dense")).xreplace(at)) == 0


def test_kv_crossover_llama2_7b():
    m = symparams.from_hf_config(LLAMA)
    s_star = an.kv_weights_crossover(m.architecture)
    # bf16 both: P·2 bytes = b·s·2·l·h·2 bytes → s = P / (2·l·h) at b = 1
    value = evaluate_exact(s_star, {**m.values, **normalize_values({"b": 1})})
    assert value == Fraction(6_738_415_616, 2 * 32 * 4096)
    assert 25_705 < value < 25_706


def test_logits_width_threshold():
    arch = architecture("gpt-classic")
    # share = 2V / (2V + l(24h + 4s)) = 1/10  ⇔  h = (9V − 2ls) / (12 l)
    assert expand(an.logits_width(arch) - (9 * V - 2 * l * s) / (12 * l)) == 0
    # at the threshold the share is exactly the one asked for
    h_star = an.logits_width(arch, Rational(1, 5)).xreplace({V: 50257, l: 12, s: 1024})
    fwd = lambda g: an.flops_of(arch, g).xreplace({V: 50257, l: 12, s: 1024, b: 1, h: h_star})  # noqa: E731
    total = fwd("attention") + fwd("dense") + fwd("logits")
    assert fwd("logits") / total == Rational(1, 5)


def test_leading_view_remainder():
    v = an.leading_view(12 * l * h**2 + 13 * l * h + V * h)
    assert v.leading == 12 * l * h**2
    assert v.at({"l": 12, "h": 768, "V": 50257}) == Fraction(13 * 12 * 768 + 50257 * 768, 12 * 12 * 768**2)


def test_elasticities():
    assert an.elasticity(12 * l * h**2, h) == 2
    assert an.elasticity(4 * b * s**2 * h + 24 * b * s * h**2, s, {"b": 1, "s": 6, "h": 1}) == Fraction(3, 2)
    assert an.sensitivity(12 * l * h**2, h) == 24 * l * h


def test_gqa_savings():
    arch = symparams.from_hf_config(LLAMA).architecture
    assert expand(an.gqa_savings(arch) - (1 - n_kv / a)) == 0
    # K and V projections of a SwiGLU Llama layer: 2h² of its 4h² + 3h·d_ff scale with n_kv/a
    layer = an.gqa_savings(architecture("cs336"), "params")
    at = {V: 32000, l: 32, h: 4096, a: 32, n_kv: 8, d_ff: 11008}
    p = 32000 * 4096 * 2 + 32 * (4 * 4096**2 + 3 * 4096 * 11008 + 2 * 4096) + 4096
    assert layer.xreplace(at) == Rational(32 * 2 * 4096**2 * 24 // 32, p)


def test_largest_batch_matches_alpha_beta():
    from symparams.costs.training import alpha_beta, max_batch, training_memory

    xl = {"l": 48, "h": 1600, "a": 25, "V": 50257, "s": 1024}
    arch = architecture("gpt-classic")
    alpha, beta = alpha_beta(training_memory(arch).total)
    sizes = normalize_values(xl)
    expected = max_batch(int(alpha.xreplace(sizes)), int(beta.xreplace(sizes)), 80 * 10**9)
    assert an.largest_batch(arch, 80 * 10**9, xl) == expected == 6


def test_fewest_devices_zero3():
    # 16 bytes × 6,738,415,616 = 107.8 GB of model state: one 80 GB device is not enough, two are
    arch = symparams.from_hf_config(LLAMA).architecture
    sizes = {"l": 32, "h": 4096, "a": 32, "n_kv": 32, "V": 32000, "d_ff": 11008, "s": 4096, "b": 1, "s_max": 4096}
    assert an.fewest_devices(arch, 80 * 10**9, sizes, activations={"recompute": "full"}) == 2
    assert an.fewest_fitting(16 * 6_738_415_616 / n_dp, 10 * 10**9, n_dp) == 11  # ⌈107.81⌉/10


def test_largest_fitting_nothing_fits():
    assert an.largest_fitting(10**12 + b, 10**9) == 0


def test_fit_refuses_a_memory_that_does_not_grow_or_a_float_budget():
    # 1 GB whatever the batch: "largest batch" has no answer (it used to loop forever)
    with pytest.raises(OptionError, match="does not depend on b"):
        an.largest_fitting(10**9 + 0 * b, 8 * 10**9)
    # memory falling with n_dp: searching for the largest n_dp stops with an error
    with pytest.raises(OptionError, match="grow"):
        an.largest_fitting(16 * 10**9 / n_dp, 8 * 10**9, n_dp)
    with pytest.raises(OptionError, match="budget=80000000000.0"):
        an.largest_fitting(10**9 + b, 80e9)
    assert an.fewest_fitting(10**9 + 0 * n_dp, 8 * 10**9, n_dp) == 1


def test_bad_group():
    with pytest.raises(ValueError, match="group"):
        an.flops_of(architecture("gpt2"), "softmax")
