"""Sweeps over grids of configs and budgets: every mode agrees with exact substitution."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from symparams.errors import ConfigError, MissingValueError, OptionError
from symparams.evaluators import INT64_MAX
from symparams.studies.sweep import fit, formula, grid
from symparams.symbols import a, h, l, s, s_max
from symparams.values import evaluate as _evaluate, normalize_values


def evaluate(expr, sizes):
    return _evaluate(expr, normalize_values(sizes))

np = pytest.importorskip("numpy", reason="fast sweeps need numpy (extra 'fast')")

GPT2_FIXED = {"V": 50257, "s_max": 1024}
# GPT-2 small … XL parameter counts from Hugging Face (worked-examples.md)
HF_GPT2 = {(768, 12): 124_439_808, (1024, 24): 354_823_168, (1280, 36): 774_030_080, (1600, 48): 1_557_611_200}

axis = st.lists(st.integers(1, 10**7), min_size=1, max_size=5, unique=True)


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_grid_reproduces_published_gpt2_counts(mode):
    g = grid(formula("gpt2", "params"), {"h": [768, 1024, 1280, 1600], "l": [12, 24, 36, 48]}, GPT2_FIXED, mode=mode)
    assert g.shape == (4, 4) and g.size == 16
    for i, j in zip(range(4), range(4)):
        assert g.values[i][j] == list(HF_GPT2.values())[i]


def test_ties_give_worked_example_a():
    # CS336 decoder at GPT-2 XL shapes with d_ff = 4h: 2,127,057,600 (worked example A)
    g = grid(formula("cs336"), {"h": [1600], "l": [48]}, {"V": 50257}, ties={"d_ff": 4 * h})
    assert g.values == [[2_127_057_600]]


@settings(max_examples=30, deadline=None)
@given(hs=axis, ls=axis, ss=st.lists(st.integers(1, 10**5), min_size=1, max_size=3, unique=True))
def test_grid_modes_agree_with_substitution(hs, ls, ss):
    expr = formula("gpt2", "forward_flops")
    fixed = {"V": 50257, "b": 3}
    axes = {"h": hs, "s": ss, "l": ls}
    exact = grid(expr, axes, fixed)
    fast = grid(expr, axes, fixed, mode="fast")
    flt = grid(expr, axes, fixed, mode="float")
    assert fast.values.shape == exact.shape == (len(hs), len(ss), len(ls))
    for (sizes, value), fast_value, float_value in zip(exact.configs(), fast.values.flat, flt.values.flat):
        want = evaluate(expr, {**sizes, **fixed})
        assert value == want == fast_value
        assert abs(float_value - want) <= 1e-12 * want
    assert exact.array().tolist() == fast.values.tolist()


def test_fast_grid_beyond_int64_is_exact_objects():
    # FLOPs at l = 10^4, h = 10^6: above 2^63, must not wrap
    g = grid(formula("gpt2", "forward_flops"), {"h": [10**6], "l": [10**4]}, {"V": 50257, "b": 8, "s": 8192}, mode="fast")
    want = 2 * 50257 * 8 * 10**6 * 8192 + 10**4 * (24 * 8 * 10**12 * 8192 + 4 * 8 * 10**6 * 8192**2)
    assert want > INT64_MAX
    assert g.values.dtype == object and g.values[0, 0] == want


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_single_axis(mode):
    g = grid(12 * l * h**2 + 13 * l * h, {"l": [1, 2, 3]}, {"h": 10}, mode=mode)
    assert list(g.values) == [1330, 2660, 3990] and g.shape == (3,)


def test_axis_absent_from_formula_broadcasts():
    g = grid(12 * l * h**2, {"h": [1, 2], "s": [5, 6, 7], "l": [1]}, mode="fast")
    assert g.values.shape == (2, 3, 1)
    assert g.values[:, :, 0].tolist() == [[12, 12, 12], [48, 48, 48]]
    assert grid(12 * l * h**2, {"h": [1, 2], "s": [5, 6, 7], "l": [1]}).values == [[[12]] * 3, [[48]] * 3]


def test_higher_degree_inner_axis_and_rational():
    expr = h**3 * l + s_max * h / a
    axes = {"a": [1, 2], "l": [3], "h": [2, 4, 6]}
    g = grid(expr, axes, {"s_max": 10})
    for sizes, value in g.configs():
        assert value == evaluate(expr, {**sizes, "s_max": 10})
    with pytest.raises(ConfigError, match="not a whole number"):
        grid(expr, {"a": [4], "l": [1], "h": [2]}, {"s_max": 1})


def test_grid_with_sliding_window_min():
    from sympy import Min

    from symparams.symbols import w

    expr = 4 * l * h * Min(s, w - 1)  # K and V of a sliding-window layer after a prefill of s tokens
    axes = {"s": [1, 4095, 4096, 8192], "l": [1, 32]}
    exact = grid(expr, axes, {"h": 4096, "w": 4096})
    fast = grid(expr, axes, {"h": 4096, "w": 4096}, mode="fast")
    for (sizes, value), fast_value in zip(exact.configs(), fast.values.flat):
        assert value == fast_value == 4 * sizes["l"] * 4096 * min(sizes["s"], 4095)


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_fit_keeps_exactly_the_configs_within_budget(mode):
    P = formula("gpt2", "params")
    axes = {"h": [768, 1024, 1280, 1600], "l": [12, 24, 36, 48]}
    budget = 774_030_080  # gpt2-large, from Hugging Face
    found = fit(P, budget, axes, GPT2_FIXED, mode=mode)
    costs = [c["cost"] for c in found]
    assert costs == sorted(costs, reverse=True) and costs[0] == budget
    inside = {(c["h"], c["l"]) for c in found}
    for hv in axes["h"]:
        for lv in axes["l"]:
            value = evaluate(P, {"h": hv, "l": lv, **GPT2_FIXED})
            assert ((hv, lv) in inside) == (value <= budget)
    assert (768, 12) in inside and (1600, 48) not in inside


def test_fit_accepts_whole_float_budget_only():
    assert fit(l * h, 1e3, {"h": [10, 100], "l": [10]}) == [{"h": 100, "l": 10, "cost": 1000}, {"h": 10, "l": 10, "cost": 100}]
    with pytest.raises(OptionError, match="budget"):
        fit(l * h, 10.5, {"h": [1], "l": [1]})
    # 1e23 is stored as 99,999,999,999,999,991,611,392: a budget off by 8·10⁶ is refused, not truncated
    with pytest.raises(OptionError, match=r"10\*\*23"):
        fit(l * h, 1e23, {"h": [1], "l": [1]})
    assert fit(l * h, 1e21, {"h": [10**11], "l": [10**10]})[0]["cost"] == 10**21


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: grid(l * h, {"h": [1]}), MissingValueError, "l"),
        (lambda: grid(l * h, {}), OptionError, "at least one axis"),
        (lambda: grid(l * h, {"h": [], "l": [1]}), OptionError, "h has no values"),
        (lambda: grid(l * h, {"h": [0], "l": [1]}), ConfigError, "h=0"),
        (lambda: grid(l * h, {"h": [1], "l": [1]}, {"s": -1}), ConfigError, "s=-1"),
        (lambda: grid(l * h, {"h": [1], "l": [1]}, mode="gpu"), OptionError, "mode='gpu'"),
        (lambda: formula("gpt2", "latency"), OptionError, "cost='latency'"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_formula_is_the_expanded_cost():
    from symparams.symbols import V, b, n

    assert formula("gpt-classic") == 12 * l * h**2 + 13 * l * h + V * h  # worked example B
    assert formula("gpt-classic", "kv_cache_bytes", dtype="fp16") == 4 * b * h * l * s + 4 * b * h * l * n
    assert s in formula("gpt2", "forward_flops").free_symbols


@settings(max_examples=60, deadline=None)
@given(coeffs=st.lists(st.integers(0, 10**6), min_size=1, max_size=5), hs=axis,
       ss=st.lists(st.integers(1, 10**4), min_size=1, max_size=4, unique=True))
def test_exact_grid_of_each_inner_degree(coeffs, hs, ss):
    # the inner loop has one form per degree in the last axis (0, 1, 2, higher), with or without a constant term
    expr = sum(c * (h + 1) * s**k for k, c in enumerate(coeffs)) + s  # the constant term is 0 when coeffs[0] is
    sweep = grid(expr, {"h": hs, "s": ss})
    for sizes, value in sweep.configs():
        assert value == evaluate(expr, sizes), (coeffs, sizes)


def test_exact_grid_of_an_inner_axis_the_formula_lacks():
    sweep = grid(3 * h**2, {"h": [2, 5], "s": [1, 7, 9]})
    assert sweep.values == [[12, 12, 12], [75, 75, 75]]


def test_fit_beyond_int64_returns_exact_costs():
    # the fast grid falls back to exact object arrays past int64: their costs are plain ints
    found = fit(12 * l * h**2, 10**40, {"h": [10**12], "l": [10**6, 10**7]}, mode="fast")
    assert sorted(row["cost"] for row in found) == [12 * 10**30, 12 * 10**31]
    assert all(type(row["cost"]) is int for row in found)


def test_fit_costs_are_python_ints_in_int64_too():
    found = fit(12 * l * h**2, 10**12, {"h": [64, 128], "l": [2, 4]}, mode="fast")
    assert found and all(type(row["cost"]) is int for row in found)
