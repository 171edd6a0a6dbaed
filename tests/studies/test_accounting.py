"""The CS336 assignment-1 accounting questions, checked against hand arithmetic and the seed posts.

Sources: /work/shared/reference/worked-examples.md (A) and the seed post 000_285f372ac915d1c0
(parameters 2,127,057,600; fp32 load 8,508,230,400 bytes, which the post calls "≈ 7.9239 GB":
that number is GiB — 8.5082 GB). The assignment text (adamwAccounting d) states the A100 fp32
peak as 19.5 teraFLOP/s, 50 % MFU, 400K steps, batch 1,024, backward = 2 × forward.
"""

from fractions import Fraction

from symparams.studies import accounting as acc
from symparams.presets import model

V, S = 50257, 1024
SHAPES = {"cs336-gpt2-small": (12, 768, 12), "cs336-gpt2-medium": (24, 1024, 16),
          "cs336-gpt2-large": (36, 1280, 20), "cs336-gpt2-xl": (48, 1600, 25)}


def pieces(L, H, s):
    """Forward matmul FLOPs by group, by hand: QKVO 4·2sh², QKᵀ and AV 2s²h each, SwiGLU 3·2sh·4h, logits 2shV."""
    d_ff = 4 * H
    return {
        "attention projections (Q, K, V, O)": L * 4 * 2 * s * H * H,
        "attention scores QKᵀ": L * 2 * s * s * H,
        "attention over values": L * 2 * s * s * H,
        "feed-forward (SwiGLU W1, W3, W2)": L * 3 * 2 * s * H * d_ff,
        "output head (logits)": 2 * s * H * V,
    }


def test_parameters_and_load_bytes_match_the_seed_post():
    m = model("cs336-gpt2-xl")
    assert m.params.total == 2_127_057_600
    assert m.weights_bytes("fp32") == 8_508_230_400
    # the post writes "≈ 7.9239 GB": correct digits, wrong unit (it is GiB)
    assert round(8_508_230_400 / 2**30, 4) == 7.9239
    assert round(8_508_230_400 / 10**9, 4) == 8.5082


def test_forward_matmul_flops_xl():
    expected = sum(pieces(48, 1600, 1024).values())
    assert expected == 4_513_336_524_800  # also the figure published solutions give
    assert acc.forward_matmul_flops() == expected


def test_shares_across_sizes():
    by = acc.shares_by_size()
    for name, (L, H, _) in SHAPES.items():
        hand = pieces(L, H, S)
        total = sum(hand.values())
        assert by[name] == {k: Fraction(v, total) for k, v in hand.items()}
    # the FFN and projections grow, attention products and logits shrink with size
    ffn = [by[n]["feed-forward (SwiGLU W1, W3, W2)"] for n in SHAPES]
    logits = [by[n]["output head (logits)"] for n in SHAPES]
    assert ffn == sorted(ffn) and logits == sorted(logits, reverse=True)


def test_long_context():
    hand = pieces(48, 1600, 16_384)
    total = sum(hand.values())
    assert acc.forward_matmul_flops(seq=16_384) == total == 149_522_795_724_800
    shares = acc.long_context_shares()
    assert shares == {k: Fraction(v, total) for k, v in hand.items()}
    attention = shares["attention scores QKᵀ"] + shares["attention over values"]
    assert Fraction(1, 2) < attention < Fraction(3, 5)  # 55 %: the s² products now dominate


def test_peak_adamw_memory_and_max_batch():
    L, H, A = 48, 1600, 25
    P = 2_127_057_600
    # fp32 outputs per layer: 2 RMSNorms 2sh, QKV 3sh, QKᵀ and softmax 2as², AV sh, O sh, W1 4sh, SiLU 4sh, W2 sh
    per_layer = 16 * S * H + 2 * A * S * S
    alpha = 4 * (L * per_layer + S * H + 2 * S * V)  # + final RMSNorm sh, logits sV, cross-entropy sV
    beta = 4 * 4 * P  # params, grads, m, v
    pm = acc.adamw_peak_memory()
    assert (pm.alpha, pm.beta) == (alpha, beta) == (15_517_753_344, 34_032_921_600)
    assert pm.bytes_at(2) == 2 * alpha + beta
    assert acc.max_batch_in(80 * 10**9) == (80 * 10**9 - beta) // alpha == 2
    assert acc.max_batch_in(80 * 2**30) == 3


def test_adamw_step_flops():
    assert acc.adamw_step_flops() == 14 * 2_127_057_600 == 29_778_806_400


def test_training_days():
    flops = 400_000 * 3 * 1024 * 4_513_336_524_800  # steps × (forward + 2 × forward) × batch
    seconds = Fraction(flops) / (Fraction(195, 10) * 10**12 * Fraction(1, 2))
    days = acc.training_days()
    assert days == seconds / 86_400
    assert 6583 < days < 6584
    assert acc.training_days(optimizer=True) > days
