"""Serving encoders and encoder-decoders: every expected number an independent count in plain ints.

BERT-base (h 768, 12 layers, d_ff 3072, V 30522), ViT-B/16 (196 patches + [CLS]) and T5-small
(h 512, 6 + 6 layers, 8 heads, d_ff 2048, V 32128, 32 buckets; tied LM head) counted by hand:
matmul FLOPs at 2 per multiply-accumulate, bf16 bytes.
"""

from fractions import Fraction

import pytest

from symparams.devices import device
from symparams.errors import OptionError
from symparams.presets import model
from symparams.studies.inference import Setup
from symparams.studies.serving import kind, serve

VIT = "tests/fixtures/hf_configs/vit-base-patch16-224.json"
BART = "tests/fixtures/hf_configs/bart-large.json"
H100 = device("h100-sxm")


def _bert_forward(b, s, h=768, layers=12, d_ff=3072):
    per_layer = 2 * b * s * 4 * h * h + 2 * 2 * b * s * s * h + 2 * 2 * b * s * h * d_ff
    return layers * per_layer + 2 * b * h * h  # the pooler on the [CLS] token


def _roofline(flops, moved):
    return max(Fraction(flops, H100.flops("bf16")), Fraction(moved, H100.bandwidth))


def test_kinds():
    assert [kind(model(n)) for n in ("gpt2", "bert-base", VIT, "t5-small", BART)] == \
        ["decoder", "encoder", "encoder", "encoder-decoder", "encoder-decoder"]


@pytest.mark.parametrize("b,s", [(1, 128), (4, 512)])
def test_bert_one_forward(b, s):
    r = serve(model("bert-base"), "h100-sxm", batch=b, prompt=s)
    params = 109_482_240  # BertModel, transformers' count (tests/fixtures/transformers_params.json)
    fw = r["forward"]
    assert "prefill" not in r and "decode" not in r
    assert fw["flops"] == _bert_forward(b, s)
    assert fw["bytes"] == 2 * params
    seconds = _roofline(_bert_forward(b, s), 2 * params)
    assert Fraction(fw["seconds_exact"]) == seconds
    assert Fraction(fw["sequences_per_second_exact"]) == b / seconds
    assert Fraction(fw["tokens_per_second_exact"]) == b * s / seconds
    assert r["memory"]["kv_cache_bytes"] == 0 and r["memory"]["weights_bytes"] == 2 * params
    # residual stream + the widest intermediate (the MLP's 3072) per token, bf16; no logits
    assert r["memory"]["activations_bytes"] == 2 * b * s * (768 + 3072)


def test_bert_critical_batch_is_the_smallest_compute_bound_batch():
    crit = serve(model("bert-base"), "h100-sxm", prompt=64)["forward"]["critical_batch"]
    bounds = [serve(model("bert-base"), "h100-sxm", batch=b, prompt=64)["forward"]["bound"]
              for b in (crit - 1, crit)]
    assert bounds == ["memory", "compute"]


def test_encoder_refuses_gen_and_longer_than_positions():
    with pytest.raises(OptionError, match="--gen 1: bert-base is an encoder"):
        serve(model("bert-base"), "h100-sxm", prompt=128, gen=1)
    with pytest.raises(OptionError, match="--prompt = 513 tokens is beyond bert-base's 512 learned positions"):
        serve(model("bert-base"), "h100-sxm", prompt=513)
    assert serve(model("bert-base"), "h100-sxm", prompt=513, allow_longer=True)["forward"]["flops"] == \
        _bert_forward(1, 513)


def test_vit_length_is_the_image():
    r = serve(model(VIT), "h100-sxm", batch=2)
    b, s, h = 2, 197, 768
    patches = 2 * b * 196 * (3 * 16 * 16) * h
    assert r["workload"]["seq"] == 197
    assert r["forward"]["flops"] == patches + _bert_forward(b, s)
    with pytest.raises(OptionError, match="--prompt 196: vit-base-patch16-224 reads 197 tokens"):
        serve(model(VIT), "h100-sxm", prompt=196)


def test_encoder_fit():
    r = serve(model("bert-base"), "h100-sxm", prompt=512, fit=True)
    weights, per_sequence = 2 * 109_482_240, 2 * 512 * (768 + 3072)
    assert r["fit"]["max_batch"] == (80 * 10**9 - weights) // per_sequence
    assert r["fit"]["max_context"] == 512  # the position table, memory would allow far more
    assert r["fit"]["max_context_by_memory"] == (80 * 10**9 - weights) // (2 * (768 + 3072))


# ---- T5-small, an encoder-decoder ------------------------------------------------------------------

H, L, D_FF, V, A, NRB = 512, 6, 2048, 32128, 8, 32


def _t5_encoder(b, e):
    return L * (2 * b * e * 4 * H * H + 2 * 2 * b * e * e * H + 2 * 2 * b * e * H * D_FF)


def _t5_decoder_token(b, e, p):
    """FLOPs of the decoder at position ``p`` (``p`` keys in its causal self-attention), one token."""
    self_attn = 2 * b * 4 * H * H + 2 * 2 * b * p * H
    cross = 2 * b * 2 * H * H + 2 * 2 * b * e * H  # q and o; scores and values over the e encoder tokens
    return L * (self_attn + cross + 2 * 2 * b * H * D_FF) + 2 * b * H * V


def _t5_cross_kv_projections(b, e):
    return L * 2 * 2 * b * e * H * H


def _t5_decoder_weights():
    return V * H + NRB * A + H + L * (8 * H * H + 2 * H * D_FF + 3 * H)


@pytest.mark.parametrize("b,e,n", [(1, 512, 63), (3, 100, 9)])
def test_t5_small_prefill_and_decode(b, e, n):
    r = serve(model("t5-small"), "h100-sxm", batch=b, prompt=e, gen=n)
    pre, dec, mem = r["prefill"], r["decode"], r["memory"]
    assert pre["flops"] == _t5_encoder(b, e) + _t5_cross_kv_projections(b, e) + _t5_decoder_token(b, e, 1)
    kv_token = L * 2 * H * 2  # self-attention K and V per decoder token per sequence, bf16
    kv_cross = L * 2 * e * H * 2
    assert pre["bytes"] == 2 * 60_506_624 + b * (kv_token + kv_cross)
    steps = [_t5_decoder_token(b, e, 1 + i) for i in range(1, n + 1)]
    assert Fraction(sum(steps), n) == dec["flops_per_token"]
    mean_kv = Fraction(sum(b * (kv_token * (1 + i) + kv_cross) for i in range(1, n + 1)), n)
    assert dec["bytes_per_token"] == 2 * _t5_decoder_weights() + mean_kv
    step = _roofline(Fraction(sum(steps), n), 2 * _t5_decoder_weights() + mean_kv)
    assert Fraction(dec["seconds_per_token_exact"]) == step
    assert Fraction(dec["tokens_per_second_exact"]) == b / step
    assert mem["kv_cache"] == {"self_bytes": b * kv_token * (1 + n), "cross_bytes": b * kv_cross}
    assert mem["kv_cache_bytes"] == b * (kv_token * (1 + n) + kv_cross)
    assert r["workload"]["encoder_tokens"] == e and r["workload"]["decoder_tokens"] == 1 + n


def test_t5_tensor_parallel_all_reduces():
    r = serve(model("t5-small"), "h100-sxm", batch=2, prompt=64, gen=8, setup=Setup(tp=2))
    ring = Fraction(2 * (2 - 1), 2)  # a ring all-reduce sends 2(t-1)/t of the message
    assert r["prefill"]["communication_bytes"] == ring * (L * 2 * 2 * 64 * H * 2 + L * 3 * 2 * 1 * H * 2)
    assert r["decode"]["communication_bytes_per_token"] == ring * L * 3 * 2 * H * 2


def test_encoder_decoder_needs_gen_and_honours_both_position_tables():
    with pytest.raises(OptionError, match="missing --gen"):
        serve(model("t5-small"), "h100-sxm", prompt=64)
    with pytest.raises(OptionError, match="the decoder's 1 \\+ --gen = 1,025 tokens is beyond bart-large's 1,024"):
        serve(model(BART), "h100-sxm", prompt=16, gen=1024)
    with pytest.raises(OptionError, match="the encoder's --prompt = 1,025 tokens"):
        serve(model(BART), "h100-sxm", prompt=1025, gen=8)
    assert serve(model(BART), "h100-sxm", prompt=1024, gen=1023)["fits"]


def test_decoders_keep_their_json():
    r = serve(model("gpt2"), "h100-sxm", prompt=128, gen=16)
    assert r["kind"] == "decoder" and {"prefill", "decode", "total", "memory", "fits"} <= set(r)
    assert "kv_cache" not in r["memory"]
