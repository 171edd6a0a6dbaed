"""Training memory (ZeRO, tensor parallel, recipes), α·b + β, max batch, training time, MFU.

ZeRO (Rajbhandari et al. 2020), Ψ parameters, K = 12 (mixed-precision Adam), N_d devices:
baseline (2 + 2 + K)Ψ; P_os 2Ψ + 2Ψ + KΨ/N_d; P_os+g 2Ψ + (2 + K)Ψ/N_d; P_os+g+p (2 + 2 + K)Ψ/N_d.
"""

from fractions import Fraction

import pytest
from sympy import expand

from symparams.families import architecture
from symparams.costs.training import (
    RECIPES, alpha_beta, exact_number, max_batch, mfu, training_memory, training_seconds,
)
from symparams.errors import ConventionError, OptionError
from symparams.presets import model
from symparams.symbols import V, b, h, l, n_dp, s, t

GPT = architecture("gpt-classic")
PSI = 12 * l * h**2 + 13 * l * h + V * h
K = 12


def states(stage, **kw):
    mem = training_memory(GPT, zero=stage, n_dp=n_dp, **kw)
    return expand(mem["weights"] + mem["gradients"] + mem["optimizer"])


def test_zero_stages_match_the_paper():
    assert expand(states(0) - (2 + 2 + K) * PSI) == 0
    assert expand(states(1) - (2 * PSI + 2 * PSI + K * PSI / n_dp)) == 0
    assert expand(states(2) - (2 * PSI + (2 + K) * PSI / n_dp)) == 0
    assert expand(states(3) - (2 + 2 + K) * PSI / n_dp) == 0


def test_tensor_parallel_divides_model_states():
    assert expand(states(0, t=t) - 16 * PSI / t) == 0


def test_recipes_bytes_per_parameter():
    assert {name: r.total for name, r in RECIPES.items()} == {"mixed": 16, "mixed-18": 18, "fp32": 16}
    assert (RECIPES["mixed-18"].weights, RECIPES["mixed-18"].gradients) == (2, 4)
    with pytest.raises(ConventionError, match="recipe='fp8' is not one of"):
        training_memory(GPT, recipe="fp8")
    with pytest.raises(ConventionError, match="zero=4"):
        training_memory(GPT, zero=4)


def test_alpha_beta_mixed_selective():
    mem = training_memory(GPT, activations={"recompute": "selective"})
    alpha, beta = alpha_beta(mem.total)
    # 34sbh per layer + embedding dropout mask sbh + head input 2sbh + fp32 logits 4sbV
    assert expand(alpha - (34 * s * h * l + 3 * s * h + 4 * s * V)) == 0
    assert expand(beta - 16 * PSI) == 0
    with pytest.raises(ConventionError, match="not linear"):
        alpha_beta(b**2 + 1)


def test_max_batch_exact_floor_and_units():
    assert max_batch(10, 5, 25) == 2
    assert max_batch(10, 5, 24) == 1
    assert max_batch(10, 30, 25) == 0  # nothing fits
    GB, GiB = 10**9, 2**30
    assert max_batch(GB, 0, 80 * GB) == 80
    assert max_batch(GB, 0, 80 * GiB) == 85  # 80 GiB = 85.9 GB
    # half-byte (int4) elements make α a fraction: 7 bytes hold ⌊7 / 1.5⌋ = 4 sequences, not 7 // 1 = 7
    assert max_batch(Fraction(3, 2), 0, 7) == 4
    with pytest.raises(OptionError, match="alpha=1.5"):
        max_batch(1.5, 0, 7)  # a float is refused, never truncated to 1


def test_training_seconds_exact():
    # 6·N·D style: 10^18 FLOPs at 10^15 FLOP/s and 40 % MFU = 2500 s
    assert training_seconds(10**15, 1000, 10**15, Fraction(2, 5)) == 2500
    assert training_seconds(1, 1, "19.5e12", Fraction(1, 2)) == Fraction(1, 9_750_000_000_000)
    assert mfu(6 * 10**15, 30, 10**15) == Fraction(1, 5)
    with pytest.raises(OptionError, match="not a float"):
        exact_number(19.5e12, "peak")
    with pytest.raises(OptionError, match="mfu"):
        training_seconds(1, 1, 10**12, 2)
    for args, name in (((1.5, 1, 1), "flops_per_step"), ((1, 1.5, 1), "step_seconds"),
                       ((1, 1, 1.5), "peak_flops_per_second")):
        with pytest.raises(OptionError, match=f"^{name}"):
            mfu(*args)


def test_model_training_memory_number():
    # GPT-2 small, mixed precision, b=1, s=1024, selective recomputation, bf16 activations:
    psi = 124_439_808
    L, H, S, Vv = 12, 768, 1024, 50257
    acts = L * 34 * S * H + 5 * S * H + 4 * S * Vv  # + emb mask, final LN, head input, fp32 logits
    mem = model("gpt2").training_memory(1, 1024, activations={"recompute": "selective"})
    assert mem.total == 16 * psi + acts
