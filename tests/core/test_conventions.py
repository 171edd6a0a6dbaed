"""Conventions as explicit choices: each one checked against a count made another way
(brute-force loops over query/key pairs, hand-derived formulas, published sizes)."""

import json
from fractions import Fraction
import subprocess
import sys

import pytest
from sympy import Integer, expand

import symparams
from symparams.families import architecture
from symparams.conventions import (
    CAUSAL_EXACT, CAUSAL_HALF, CONVENTIONS, DEFAULT, FLOP_COUNTER, MACS, SLIDING_WINDOW,
    Convention, convention, parse_convention,
)
from symparams.costs.diff import diff
from symparams.costs.flops import forward_flops, matmul_flops, training_flops
from symparams.costs.registry import breakdown
from symparams.errors import ConventionError
from symparams.symbols import b, h, l, n, s, w
from symparams.values import normalize_values

GPT2 = {"l": 12, "h": 768, "a": 12, "V": 50257, "s_max": 1024}


def test_existing_conventions_unchanged():
    assert FLOP_COUNTER.flops_per_mac == 2 and FLOP_COUNTER.attention == "dense"
    assert CAUSAL_HALF.attention == "half" and CAUSAL_EXACT.attention == "masked"
    assert MACS.flops_per_mac == 1
    assert convention("FlopCounterMode") is FLOP_COUNTER
    assert {"FlopCounterMode", "causal-half", "macs"} <= set(CONVENTIONS)
    assert symparams.model("gpt2-xl").forward_flops(batch=1, seq=1024).total == 3_506_703_564_800


def _pairs(seq, window=None):
    """Query/key pairs a causal (optionally windowed) mask keeps, counted by brute force."""
    return sum(1 for i in range(seq) for j in range(seq) if j <= i and (window is None or i - j < window))


def _attention_flops(conv, seq, window=None):
    """Model-wide attention-product FLOPs of a one-layer classic GPT at b = 1, s = seq."""
    arch = architecture("gpt-classic")
    expr = matmul_flops(arch, conv, lambda c, st, mm: mm.kind == "attention")
    values = {l: 1, b: 1, h: 4, s: seq} | ({} if window is None else {w: window})
    return expr.xreplace(values)


@pytest.mark.parametrize("seq", [1, 2, 3, 7, 16, 33])
def test_exact_causal_counts_pairs(seq):
    # QKᵀ and AV: 2 products × 2 FLOPs × d_head × pairs per head; a·d_head = h = 4
    assert _attention_flops(CAUSAL_EXACT, seq) == 2 * 2 * 4 * _pairs(seq)


@pytest.mark.parametrize("seq, window", [(8, 1), (8, 3), (8, 8), (20, 5), (33, 17), (5, 40)])
def test_sliding_window_counts_pairs(seq, window):
    assert _attention_flops(SLIDING_WINDOW, seq, window) == 2 * 2 * 4 * _pairs(seq, window)


def test_window_equal_to_sequence_is_exact_causal():
    arch = architecture("gpt-classic")
    windowed = forward_flops(arch, SLIDING_WINDOW).total.xreplace({w: s})
    assert expand(windowed - forward_flops(arch, CAUSAL_EXACT).total) == 0


def test_causal_count_follows_the_sequence_length_given():
    # forward over 3 tokens: pairs(3) = 6 per head, 2 products × 2 FLOPs × d_head each
    at_3 = matmul_flops(architecture("gpt-classic"), CAUSAL_EXACT, lambda c, st, mm: mm.kind == "attention")
    assert expand(at_3.xreplace({s: Integer(3)}) - l * b * 4 * h * 6) == 0


def test_macs_halve_every_matmul():
    arch = architecture("gpt2")
    assert expand(forward_flops(arch).total - 2 * forward_flops(arch, "macs").total) == 0


def test_causal_half_difference_is_half_the_attention_products():
    # attention products of a classic layer: QKᵀ and AV, each 2·b·s²·h FLOPs (hand derivation)
    d = diff("forward_flops", architecture("gpt-classic"), DEFAULT, parse_convention("causal-half"))
    assert expand(d.difference - l * (2 * b * s**2 * h)) == 0


def test_embeddings_in_n_matches_published_non_embedding_count():
    # GPT-2 small: 124,439,808 parameters, of which V·h + 1024·h are the two lookup tables
    n = breakdown(architecture("gpt2"), "N", "embeddings=exclude").total
    assert symparams.evaluate(n, normalize_values(GPT2)) == 124_439_808 - 50257 * 768 - 1024 * 768


def test_six_n_and_palm_conventions():
    arch = architecture("gpt-classic")
    n = arch.params().total
    assert expand(training_flops(arch, "6N") - 6 * n * b * s) == 0
    palm = training_flops(arch, "palm")
    assert expand(palm - (6 * n * b * s + 12 * l * h * b * s**2)) == 0  # PaLM's 12·l·h·s per token
    full = training_flops(arch, "6N,full-recompute")
    assert expand(full - 8 * n * b * s) == 0  # "8 FLOPs per parameter per token with recomputation"


def test_training_bytes_16_vs_18():
    arch = architecture("cs336")
    d = diff("training_state_bytes", arch, parse_convention("mixed-18"), DEFAULT)
    assert expand(d.difference - 2 * arch.params().total) == 0
    assert sum(parse_convention("bytes=fp32").training_bytes) == 16


def test_kv_without_x2_is_half():
    arch = architecture("gpt-classic")
    d = diff("kv_cache_bytes", arch, DEFAULT, parse_convention("kv-no-x2"))
    assert expand(d.difference - 2 * b * (s + n) * h * l) == 0  # bf16: 2 bytes × b·(s+n)·h per layer, K only


def test_composition_is_left_to_right():
    c = parse_convention("macs,mac=2,causal=half")
    assert c.flops.flops_per_mac == 2 and c.flops.attention == "half"
    c = parse_convention("causal=half,macs")  # "macs" replaces the whole FLOP convention
    assert c.flops.attention == "dense" and c.flops.flops_per_mac == 1


def test_key_changes_keep_the_flop_convention_and_name_the_change():
    # causal=half on top of with-elementwise must still count the elementwise work
    c = parse_convention("causal=half", base=DEFAULT.replace(flops=convention("with-elementwise")))
    assert c.flops.elementwise and c.flops.attention == "half"
    # FlopCounterMode itself never halves: the changed convention says what was changed
    assert parse_convention("causal=half").flops.name == "FlopCounterMode,causal=half"


@pytest.mark.parametrize("recompute, extra", [
    ("selective", lambda: l * 4 * b * s**2 * h),                        # QKᵀ and AV once more: 2·2·b·s²·h
    ("full", lambda: l * (24 * b * s * h**2 + 4 * b * s**2 * h)),       # every block's forward once more
])
def test_recompute_adds_what_is_run_again(recompute, extra):
    arch = architecture("gpt-classic")
    step = training_flops(arch, f"recompute={recompute}")
    assert expand(step - training_flops(arch) - extra()) == 0


@pytest.mark.parametrize("spec", ["bogus", "causal=quarter", "mac=3", "colour=red", "method=7N"])
def test_bad_specs_raise_convention_error(spec):
    with pytest.raises(ConventionError):
        parse_convention(spec)


def test_bad_convention_fields():
    with pytest.raises(ConventionError, match="recompute"):
        Convention(recompute="sometimes")


def test_diff_value_at_preset():
    d = diff("forward_flops", architecture("gpt2"), DEFAULT, parse_convention("causal-half"))
    vals = d.at({**GPT2, "b": 1, "s": 1024})
    assert vals["difference"] == 2 * 1 * 1024**2 * 768 * 12
    assert vals["a"] - vals["b"] == vals["difference"]
    # whole values come back as ints (JSON-ready), the ratio of these two as an exact Fraction
    assert all(type(vals[k]) is int for k in ("a", "b", "difference")), vals
    assert vals["ratio"] == Fraction(vals["a"], vals["b"]) and type(vals["ratio"]) is Fraction


# ---- CLI ------------------------------------------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "symparams.cli", *args], capture_output=True, text=True)


def test_cli_compare_prints_both_and_difference():
    out = _cli("compare", "gpt2", "--convention", "default", "--convention", "causal-half", "--seq", "1024")
    assert out.returncode == 0, out.stderr
    assert "2*b*h*l*s**2" in out.stdout and "19,327,352,832" in out.stdout
    assert "A = default" in out.stdout and "B = causal-half" in out.stdout


def test_cli_compare_json():
    out = _cli("compare", "gpt2", "--convention", "mixed-18", "--convention", "default", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["costs"]["training_state_bytes"]["difference_value"] == 2 * 124_439_808


def test_cli_compare_needs_two():
    out = _cli("compare", "gpt2", "--convention", "default")
    assert out.returncode == 2 and out.stdout == "" and "exactly two" in out.stderr


def test_cli_count_convention_and_causal_keep_keys():
    base = json.loads(_cli("count", "gpt2", "--json").stdout)
    out = _cli("count", "gpt2", "--json", "--convention", "macs", "--causal", "half")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in ("forward", "by_piece", "convention"):
        assert key in data["flops"]
    assert data["params"] == base["params"] and data["memory"]["kv_cache_bytes"] == base["memory"]["kv_cache_bytes"]
    assert data["flops"]["forward"] == (base["flops"]["forward"] - 4 * 1024**2 * 768 * 12 // 2) // 2
    assert data["flops"]["convention_name"] == "macs,causal=half"


def test_cli_count_window():
    out = _cli("count", "gpt2", "--json", "--causal", "window", "--window", "1024")
    exact = _cli("count", "gpt2", "--json", "--causal", "exact")
    assert json.loads(out.stdout)["flops"]["forward"] == json.loads(exact.stdout)["flops"]["forward"]
    bad = _cli("count", "gpt2", "--causal", "window")
    assert bad.returncode == 2 and bad.stdout == ""
