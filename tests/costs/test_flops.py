"""FLOPs: forward, backward, step, AdamW, per token, Kaplan/PaLM, recomputation, conventions.

Expected values come from the literature formulas (Narayanan et al. 2021 / the classic
GPT derivation: l(24bsh² + 4bs²h) + 2bshV), hand arithmetic, or torch's FlopCounterMode.
"""

from fractions import Fraction

import pytest
from sympy import expand

from symparams.stacks import decoder
from symparams.families import architecture
from symparams.components import Attention, GatedMLP, OutputHead, RMSNorm, TokenEmbedding
from symparams.conventions import CONVENTIONS, WITH_ELEMENTWISE
from symparams.costs.flops import (
    ADAMW_FLOPS_PER_PARAM, adamw_flops, approximation_error, backward_flops, flops_per_token,
    forward_flops, kaplan_flops, palm_flops, recompute_flops, train_step_flops,
)
from symparams.errors import ConventionError
from symparams.models import Model
from symparams.presets import model
from symparams.symbols import V, a, b, h, l, n_kv, d_head, d_ff, s

GPT = architecture("gpt-classic")
FWD = l * (24 * b * s * h**2 + 4 * b * s**2 * h) + 2 * b * s * h * V  # the literature's formula


def test_forward_is_the_literature_formula():
    assert expand(forward_flops(GPT).total - FWD) == 0


def test_gpt2_small_forward_number():
    # the number: GPT-2 small, b=1, s=1024, FlopCounterMode
    assert model("gpt2").forward_flops(batch=1, seq=1024).total == 291_648_307_200


@pytest.mark.parametrize("name", ["gpt-classic", "gpt2", "cs336"])
def test_backward_is_two_matmuls_per_forward_matmul(name):
    arch = architecture(name)
    fwd, bwd = forward_flops(arch), backward_flops(arch)
    assert fwd.keys() == bwd.keys()
    for key in fwd.keys():
        assert expand(bwd[key] - 2 * fwd[key]) == 0, key


def test_step_without_optimizer_is_three_forwards():
    step = train_step_flops(GPT, optimizer=False)
    assert expand(step.total - 3 * FWD) == 0
    assert model("gpt2").train_step_flops(seq=1024, optimizer=False).total == 3 * 291_648_307_200


def test_adamw_flops_per_parameter():
    assert ADAMW_FLOPS_PER_PARAM == 3 + 4 + 5 + 2  # m, v, update, weight decay
    assert expand(adamw_flops(GPT).total - 14 * (12 * l * h**2 + 13 * l * h + V * h)) == 0
    step = train_step_flops(GPT)
    assert expand(step.total - 3 * FWD - 14 * (12 * l * h**2 + 13 * l * h + V * h)) == 0


def test_full_recompute_is_the_8N_rule():
    # every block's forward again: 4 × forward, less the (not recomputed) logits
    step = train_step_flops(GPT, "full-recompute", optimizer=False)
    assert expand(step.total - (4 * FWD - 2 * b * s * h * V)) == 0
    per_token = flops_per_token(GPT, "recompute=full")
    assert expand(per_token - (96 * l * h**2 + 16 * l * h * s + 6 * h * V)) == 0


def test_selective_recompute_adds_the_attention_products():
    assert expand(recompute_flops(GPT, "recompute=selective").total - 4 * b * s**2 * h * l) == 0
    assert recompute_flops(GPT).total == 0
    with pytest.raises(ConventionError, match="recompute='some'"):
        recompute_flops(GPT, "recompute=some")


def test_kaplan_and_palm_forms():
    N = 12 * l * h**2 + 13 * l * h  # non-embedding parameters (Kaplan et al. 2020)
    assert expand(kaplan_flops(GPT) - 6 * N) == 0
    # PaLM's N is every parameter (shared input/output embedding included)
    assert expand(palm_flops(GPT) - (6 * (N + V * h) + 12 * l * h * s)) == 0


def test_approximation_errors_exact_at_gpt2_small_shapes():
    m = Model("gpt2-small-classic", GPT, {"l": 12, "h": 768, "a": 12, "V": 50257})
    L, H, S, Vv = 12, 768, 1024, 50257
    exact = 72 * L * H**2 + 12 * L * H * S + 6 * H * Vv  # 3 × forward per token
    kaplan = 6 * (12 * L * H**2 + 13 * L * H)
    palm = kaplan + 6 * H * Vv + 12 * L * H * S  # PaLM's N includes the (tied) embedding
    assert approximation_error(m, "kaplan", seq=S) == Fraction(exact - kaplan, exact)
    assert approximation_error(m, "palm", seq=S) == Fraction(exact - palm, exact)
    assert m.flops_per_token(S) == exact
    with pytest.raises(ConventionError):
        approximation_error(m, "chinchilla", seq=S)


def test_gqa_swiglu_forward_from_shapes():
    arch = decoder("toy", "toy", embed=(TokenEmbedding(V, h),),
                   block=(RMSNorm(h), Attention(h, a, n_kv, d_head), RMSNorm(h), GatedMLP(h, d_ff)),
                   final=(RMSNorm(h), OutputHead(h, V, tied=False)))
    tokens = b * s
    block = (2 * tokens * h * a * d_head * 2 + 2 * tokens * h * n_kv * d_head * 2  # q, o and k, v
             + 2 * 2 * b * a * s * s * d_head + 3 * 2 * tokens * h * d_ff)
    assert expand(forward_flops(arch).block - block) == 0


def test_named_conventions():
    causal = CONVENTIONS["causal-half"]
    assert expand(forward_flops(GPT, causal).total - (FWD - 2 * b * s**2 * h * l)) == 0
    macs = CONVENTIONS["macs"]
    assert expand(2 * forward_flops(GPT, macs).total - FWD) == 0


def test_elementwise_convention_adds_the_named_counts():
    extra = expand(forward_flops(GPT, WITH_ELEMENTWISE).total - FWD)
    # per layer: 2 LayerNorms 5/elem; 4 attention biases; scale + softmax 6/score; MLP biases 4h + h; GELU 4h
    per_layer = 2 * 5 * b * s * h + 4 * b * s * h + 6 * b * a * s**2 + 5 * b * s * h + 4 * b * s * h
    assert expand(extra - l * per_layer) == 0
    assert "elementwise" in WITH_ELEMENTWISE.describe()
    ratio = Fraction(model("gpt2").value(extra.xreplace({b: 1, s: 1024})), 291_648_307_200)
    assert 0 < ratio < Fraction(1, 100)


@pytest.mark.oracle
def test_backward_matches_flop_counter_mode():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from torch.utils.flop_counter import FlopCounterMode

    cfg = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=100, n_positions=32,
                                  attn_implementation="eager")
    net = transformers.GPT2LMHeadModel(cfg)
    x = torch.randint(0, 100, (3, 32))
    with FlopCounterMode(display=False) as counter:
        net(x).logits.sum().backward()
    m = Model("tiny-gpt2", architecture("gpt2"), {"l": 2, "h": 64, "a": 4, "V": 100, "s_max": 32})
    assert m.train_step_flops(3, 32, optimizer=False).total == counter.get_total_flops()


def test_count_json_flops_keys():
    from symparams.reports.count import count_json

    flops = count_json("gpt2", batch=1, seq=1024)["flops"]
    assert flops["forward"] == 291_648_307_200
    assert flops["backward"] == 2 * 291_648_307_200
    assert flops["train_step"] == 3 * 291_648_307_200 + 14 * 124_439_808
    assert flops["per_token"] == 3 * 291_648_307_200 // 1024
