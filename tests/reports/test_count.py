"""One cost path: every figure of one ``count`` document follows the one convention it names."""

import pytest

from symparams.reports.count import count_json

CONVENTIONS = [None, "default", "6N", "kaplan", "palm", "causal-half", "causal-exact", "macs", "with-elementwise",
               "full-recompute", "selective-recompute", "6N,full-recompute", "mac=1,causal=exact", "backward=1"]
MODELS = ["gpt2", "cs336-gpt2-small", "mixtral-8x7b-v0.1", "gemma-2-2b", "qwen1.5-moe-a2.7b", "falcon-7b"]


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("spec", CONVENTIONS)
def test_figures_are_consistent(name, spec):
    d = count_json(name, batch=2, seq=256, convention=spec)
    f = d["flops"]
    assert sum(f["by_piece"].values()) == f["forward"]
    assert sum(f["by_stack"].values()) == f["forward"]
    recompute = f.get("recompute", 0)
    assert f["train_step"] == f["forward"] + f["backward"] + recompute + f["optimizer"]
    assert f["per_token"] * 2 * 256 == f["forward"] + f["backward"] + recompute
    assert sum(d["params"]["by_stack"].values()) == d["params"]["total"]


@pytest.mark.parametrize("name", ["mixtral-8x7b-v0.1", "qwen1.5-moe-a2.7b"])
def test_six_n_of_a_mixture_of_experts_uses_its_active_parameters(name):
    d = count_json(name, batch=1, seq=128, convention="6N")
    active, total = d["params"]["active"], d["params"]["total"]
    assert active < total
    assert d["flops"]["forward"] == 2 * active * 128  # 2 FLOPs per active parameter per token
    assert d["flops"]["per_token"] == 6 * active
    kaplan = count_json(name, batch=1, seq=128, convention="kaplan")
    assert kaplan["flops"]["per_token"] == 6 * (active - d["params"]["embedding"])


def test_the_convention_is_named_once_and_followed():
    d = count_json("gpt2", seq=1024, convention="6N")
    assert d["flops"]["convention_name"] == "6N"
    assert d["flops"]["forward"] == 2 * 124_439_808 * 1024  # GPT-2 small: 6N's forward is 2N per token
    assert d["flops"]["backward"] == 2 * d["flops"]["forward"]


def test_kv_factor_of_the_convention():
    full, half = count_json("gpt2", seq=512), count_json("gpt2", seq=512, convention="kv-no-x2")
    assert half["memory"]["kv_cache_bytes"] * 2 == full["memory"]["kv_cache_bytes"]
