"""The serving estimate: the JSON contract, every figure against a hand count or the roofline identity,
exact seconds, and the largest batch and longest context that fit (checked one step past them)."""

from fractions import Fraction
from pathlib import Path

import pytest

import symparams
from symparams.devices import device
from symparams.errors import OptionError
from symparams.studies.inference import Setup
from symparams.studies.quantization import scheme
from symparams.studies.serving import decimal, max_batch, max_context, serve

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
LLAMA = symparams.from_hf_config(FIXTURES / "llama-2-7b.json")
P, L, H, F, V = 6_738_415_616, 32, 4096, 11008, 32000


def _prefill_flops(b, s):
    """Llama-2-7B by hand: the linears per token, the causal pairs s(s+1)/2 of both products, the last logits."""
    return b * (2 * s * L * (4 * H * H + 3 * H * F) + 2 * L * H * s * (s + 1) + 2 * V * H)


@pytest.mark.parametrize("name", ["h100-sxm", "a100-80gb"])
@pytest.mark.parametrize("b, prompt, gen", [(1, 512, 128), (16, 2000, 48)])
def test_llama_2_7b_by_hand(name, b, prompt, gen):
    dev = device(name)
    r = serve(LLAMA, name, batch=b, prompt=prompt, gen=gen)
    assert set(r["device"]) >= {"name", "flops_per_second", "bytes_per_second", "memory_bytes"}
    assert set(r["prefill"]) >= {"flops", "bytes", "seconds", "bound"}
    assert set(r["decode"]) >= {"flops_per_token", "bytes_per_token", "seconds_per_token", "tokens_per_second", "bound"}
    assert set(r["memory"]) == {"weights_bytes", "kv_cache_bytes", "activations_bytes", "total_bytes"}
    kv_token = 2 * 2 * L * H  # bytes of K and V per token per sequence, bf16
    assert r["prefill"]["flops"] == _prefill_flops(b, prompt)
    assert r["prefill"]["bytes"] == 2 * P + b * prompt * kv_token
    mean_tokens = Fraction(2 * prompt + gen + 1, 2)  # positions s+1 … s+n
    assert Fraction(r["decode"]["bytes_per_token"]) == 2 * P + b * kv_token * mean_tokens
    step = max(Fraction(r["decode"]["flops_per_token"]) / dev.flops("bf16"),
               Fraction(r["decode"]["bytes_per_token"]) / dev.bandwidth)
    assert Fraction(r["decode"]["seconds_per_token_exact"]) == step
    assert Fraction(r["decode"]["tokens_per_second_exact"]) == b / step
    pre = max(Fraction(r["prefill"]["flops"], dev.flops("bf16")), Fraction(r["prefill"]["bytes"], dev.bandwidth))
    assert Fraction(r["prefill"]["seconds_exact"]) == pre
    assert Fraction(r["total"]["seconds_exact"]) == pre + gen * step
    assert r["decode"]["seconds_per_token"] == decimal(step)
    assert r["memory"]["kv_cache_bytes"] == b * (prompt + gen) * kv_token
    assert r["memory"]["weights_bytes"] == 2 * P
    assert r["fits"] == (r["memory"]["total_bytes"] <= dev.memory_bytes)


def test_decimal_seconds_have_no_float_limits():
    huge = Fraction(10**400 + 1, 3)
    assert decimal(huge).startswith("3.3333333333333333333E+399")
    assert decimal(Fraction(1, 10**500)) == "1E-500"


@pytest.mark.parametrize("name", ["l4", "h100-sxm"])
def test_largest_batch_and_context_are_exact(name):
    dev = device(name)
    best = max_batch(LLAMA, dev, Setup(), prompt=1024, gen=256)
    total = lambda **kw: serve(LLAMA, dev, allow_longer=True, **kw)["memory"]["total_bytes"]  # noqa: E731
    if best:
        assert total(batch=best, prompt=1024, gen=256) <= dev.memory_bytes
    assert total(batch=best + 1, prompt=1024, gen=256) > dev.memory_bytes
    longest = max_context(LLAMA, dev, Setup(), batch=2, gen=64)
    if longest:
        assert total(batch=2, prompt=longest - 64, gen=64) <= dev.memory_bytes
        assert total(batch=2, prompt=longest - 63, gen=64) > dev.memory_bytes


def test_quantized_weights_and_tp_change_what_they_should():
    base = serve(LLAMA, "h100-sxm", batch=4, prompt=256, gen=64)
    int4 = serve(LLAMA, "h100-sxm", batch=4, prompt=256, gen=64, setup=Setup(weights=scheme("int4")))
    assert int4["prefill"]["flops"] == base["prefill"]["flops"]
    assert int4["memory"]["weights_bytes"] < base["memory"]["weights_bytes"] // 3
    fp8 = serve(LLAMA, "h100-sxm", batch=4, prompt=256, gen=64, setup=Setup(weights=scheme("fp8")))
    assert fp8["device"]["dtype"] == "fp8" and fp8["device"]["flops_per_second"] == 1_978_900_000_000_000
    tp = serve(LLAMA, "h100-sxm", batch=4, prompt=256, gen=64, setup=Setup(tp=2))
    assert tp["memory"]["weights_bytes"] == base["memory"]["weights_bytes"] // 2
    # 2 all-reduces per layer of b·tokens·h bf16 values, a ring sends 2(t−1)/t = 1 of each at t = 2
    assert tp["prefill"]["communication_bytes"] == 2 * L * 4 * 256 * H * 2
    assert tp["decode"]["communication_bytes_per_token"] == 2 * L * 4 * 1 * H * 2


def test_refusals_name_the_option():
    with pytest.raises(OptionError, match="--weights fp8: a100-80gb has no fp8"):
        serve(LLAMA, "a100-80gb", prompt=8, gen=8, setup=Setup(weights=scheme("fp8")))
    with pytest.raises(OptionError, match="--prompt 4000 \\+ --gen 200 = 4200 tokens is beyond .* --allow-longer"):
        serve(LLAMA, "h100-sxm", prompt=4000, gen=200)
    assert serve(LLAMA, "h100-sxm", prompt=4000, gen=200, allow_longer=True)["workload"]["positions"] == 4096
    with pytest.raises(OptionError, match="--tp 3 must divide the 32 attention heads"):
        serve(LLAMA, "h100-sxm", prompt=8, gen=8, setup=Setup(tp=3))
    with pytest.raises(OptionError, match="--dtype fp16: tpu-v5e lists no fp16"):
        serve(LLAMA, "tpu-v5e", prompt=8, gen=8, setup=Setup(dtype="fp16", weights=scheme("fp16")))
