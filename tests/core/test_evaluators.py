"""Compiled evaluators: exact mode == symbolic substitution, fast mode never wraps."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from symparams.families import ARCHITECTURES, architecture
from symparams.errors import ConfigError, MissingValueError
from symparams.evaluators import INT64_MAX, evaluator
from symparams.symbols import SYMBOLS, V, a, b, by_name, d_ff, h, l, s, s_max
from symparams.values import evaluate

np = pytest.importorskip("numpy", reason="the fast evaluators need numpy (extra 'fast')")

COSTS = {
    "params": lambda arch: arch.params().total,
    "buffers": lambda arch: arch.buffers().total,
    "forward_flops": lambda arch: arch.forward_flops().total,
    "kv_cache_bytes": lambda arch: arch.kv_cache(dtype="bf16").total,
}
FORMULAS = [(name, cost) for name in sorted(ARCHITECTURES) for cost in COSTS]

# sizes up to 10**15 give counts far beyond 10**27 (h**2 * l * s …)
size = st.integers(min_value=1, max_value=10**15)


def _config(draw_sizes: dict, expr) -> dict:
    sizes = {sym: draw_sizes[sym.name] for sym in expr.free_symbols}
    if a in sizes:  # the formulas assume h % a == 0 (d_head = h / a)
        sizes[h] = sizes.get(h, 1) * sizes[a]
    return sizes


@pytest.mark.parametrize("name,cost", FORMULAS)
@settings(max_examples=40, deadline=None)
@given(data=st.fixed_dictionaries({sym.name: size for sym in SYMBOLS}))
def test_exact_equals_symbolic_substitution(name, cost, data):
    expr = COSTS[cost](architecture(name))
    sizes = _config(data, expr)
    assert evaluator(expr).exact(sizes) == evaluate(expr, sizes)


def test_exact_keeps_every_digit_beyond_1e27():
    # worked example B, 12 l h^2 + 13 l h + V h, evaluated by hand in Python ints
    ev = evaluator(architecture("gpt-classic").params())
    lv, hv, vv = 10**12 + 7, 10**9 + 3, 50257
    got = ev.exact(l=lv, h=hv, V=vv)
    assert got == 12 * lv * hv**2 + 13 * lv * hv + vv * hv
    assert got > 10**30 and isinstance(got, int)


def test_exact_matches_published_counts():
    # GPT-2 small … XL from Hugging Face (worked-examples.md); worked example A (CS336, 2,127,057,600)
    ev = evaluator(architecture("gpt2").params())
    shapes = {(12, 768): 124_439_808, (24, 1024): 354_823_168, (36, 1280): 774_030_080, (48, 1600): 1_557_611_200}
    cols = {"l": [k[0] for k in shapes], "h": [k[1] for k in shapes], "V": [50257] * 4, "s_max": [1024] * 4}
    assert ev.exact_many(cols) == list(shapes.values())
    cs = evaluator(architecture("cs336").params())
    assert cs.exact(l=48, h=1600, d_ff=6400, V=50257) == 2_127_057_600


@pytest.mark.parametrize("name,cost", FORMULAS)
@settings(max_examples=25, deadline=None)
@given(data=st.fixed_dictionaries({sym.name: st.integers(1, 4096) for sym in SYMBOLS}))
def test_fast_int64_equals_exact(name, cost, data):
    expr = COSTS[cost](architecture(name))
    sizes = _config(data, expr)
    ev = evaluator(expr)
    if not sizes:  # a constant (no buffers): a 0-d array
        assert ev.fast().tolist() == int(expr)
        return
    arrays = {sym: np.array([v, v + (0 if sym in (a, h) else 1)], dtype=np.int64) for sym, v in sizes.items()}
    if a in sizes:
        arrays[h] = arrays[a] * (sizes[h] // sizes[a])
    want = [evaluate(expr, {sym: int(x[i]) for sym, x in arrays.items()}) for i in range(2)]
    got = ev.fast(arrays)
    assert got.tolist() == want
    if max(want) <= INT64_MAX:
        assert got.dtype == np.int64


@settings(max_examples=40, deadline=None)
@given(data=st.fixed_dictionaries({sym.name: st.integers(1, 10**6) for sym in SYMBOLS}))
def test_fast_float64_within_tolerance(data):
    expr = architecture("cs336").forward_flops().total
    sizes = _config(data, expr)
    got = evaluator(expr).fast({sym: np.array([v]) for sym, v in sizes.items()}, dtype="float64")
    want = evaluate(expr, sizes)
    assert got.dtype == np.float64
    assert abs(float(got[0]) - want) <= 1e-12 * want


def test_overflow_falls_back_to_exact_never_wraps():
    expr = architecture("gpt2").forward_flops().total
    ev = evaluator(expr)
    sizes = {"l": 10**4, "h": 10**6, "V": 50257, "b": 8, "s": 8192}
    want = 2 * 50257 * 8 * 10**6 * 8192 + 10**4 * (24 * 8 * 10**12 * 8192 + 4 * 8 * 10**6 * 8192**2)
    assert want > INT64_MAX  # a wrapped int64 would differ
    got = ev.fast({k: np.array([v, 1], dtype=np.int64) for k, v in sizes.items()})
    assert got.dtype == object
    assert got[0] == want
    assert got[1] == ev.exact(l=1, h=1, V=1, b=1, s=1) == 2 + 24 + 4


def test_overflow_boundary_is_exact():
    ev = evaluator(l * h)
    edge = np.array([2**31, 2**32 - 1], dtype=np.int64)
    fits = ev.fast(l=edge, h=np.array([2**31 - 1, 2**31 - 1], dtype=np.int64))  # products < 2**63
    assert fits.dtype == np.int64
    assert fits.tolist() == [2**31 * (2**31 - 1), (2**32 - 1) * (2**31 - 1)]
    over = ev.fast(l=np.array([2**32]), h=np.array([2**31]))  # exactly 2**63: one past int64
    assert over.dtype == object and over[0] == 2**63


def test_intermediates_are_bounded_not_only_the_result():
    # (h**2 - h*l) at h=l=2**40: result 0, but h**2 = 2**80 would wrap in int64
    ev = evaluator(h**2 - h * l)
    got = ev.fast(h=np.array([2**40]), l=np.array([2**40]))
    assert got[0] == 0
    got = ev.fast(h=np.array([2**40]), l=np.array([2**40 - 1]))
    assert got[0] == 2**40 and got.dtype == object


def test_sizes_beyond_int64_are_accepted():
    got = evaluator(l * h).fast(l=np.array([10**20], dtype=object), h=3)
    assert got.tolist() == [3 * 10**20]


def test_rational_formula_divides_exactly():
    ev = evaluator(architecture("cs336").buffers())  # h * s_max / a (RoPE table)
    assert ev.fast(h=np.array([1600, 768]), a=np.array([25, 12]), s_max=1024).tolist() == [65_536, 65_536]
    assert ev.exact(h=1600, a=25, s_max=1024) == 65_536
    with pytest.raises(ConfigError, match="not a whole number"):
        ev.fast(h=np.array([1600]), a=np.array([7]), s_max=1)
    with pytest.raises(ConfigError, match="not a whole number"):
        ev.exact(h=1600, a=7, s_max=1)


def test_rational_coefficients_become_integer_arithmetic():
    ev = evaluator(h * l / 2 + h / 3)
    assert ev.denominator == 6
    assert ev.exact(h=6, l=4) == 14
    assert ev.exact_many({"h": [6, 12], "l": [4, 1]}) == [14, 10]


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda ev: ev.exact(h=3), MissingValueError, "no value for l"),
        (lambda ev: ev.exact(h=3, l=0), ConfigError, "l=0 must be a positive integer"),
        (lambda ev: ev.exact(h=3, l=2.0), ConfigError, "l=2.0 must be a positive integer"),
        (lambda ev: ev.exact(h=3, l=True), ConfigError, "l=True"),
        (lambda ev: ev.exact_many({"h": [1, 2], "l": [1]}), ConfigError, "differ in length"),
        (lambda ev: ev.exact_many({"h": [1, -2], "l": [1, 1]}), ConfigError, "h=-2"),
        (lambda ev: ev.exact_many({"h": [1, 0], "l": [1, 1]}), ConfigError, "h=0"),  # zero is no size either
        (lambda ev: ev.fast(h=np.array([1.5]), l=1), ConfigError, "dtype float64"),
        (lambda ev: ev.fast(h=np.array([0, 3]), l=1), ConfigError, "h=0"),
        (lambda ev: ev.fast(h=1, l=1, dtype="int32"), ConfigError, "dtype='int32'"),
    ],
)
def test_errors_name_the_field(call, error, match):
    with pytest.raises(error, match=match):
        call(evaluator(12 * l * h**2))


def test_min_max_terms_sliding_window():
    from symparams.symbols import w
    from sympy import Max, Min

    # KV cache of a sliding-window layer keeps min(s, w - 1) tokens (transformers 5)
    expr = 4 * l * h * Min(s, w - 1) + Max(h, 2 * s)
    ev = evaluator(expr)
    for sizes in [dict(l=2, h=8, s=10, w=5), dict(l=2, h=8, s=3, w=5), dict(l=1, h=1, s=1, w=1)]:
        by_hand = 4 * sizes["l"] * sizes["h"] * min(sizes["s"], sizes["w"] - 1) + max(sizes["h"], 2 * sizes["s"])
        assert ev.exact(sizes) == by_hand == evaluate(expr, {by_name(k): v for k, v in sizes.items()})
    got = ev.fast(l=np.array([2, 2]), h=8, s=np.array([10, 3]), w=5)
    assert got.tolist() == [4 * 2 * 8 * 4 + 20, 4 * 2 * 8 * 3 + 8] and got.dtype == np.int64
    big = ev.fast(l=np.array([10**9]), h=10**9, s=np.array([10**6]), w=10**7)
    assert big.dtype == object and big[0] == 4 * 10**24 + 10**9


def test_symbols_order_and_unused_symbols():
    ev = evaluator(V * h, symbols=["h", "V", "s"])
    assert ev.names == ("h", "V", "s")
    assert ev.exact(h=2, V=5, s=9) == 10
    with pytest.raises(MissingValueError, match="d_ff"):
        evaluator(d_ff * h, symbols=[h])


def test_constant_formula():
    assert evaluator(b * 0 + 7).exact() == 7
    assert evaluator(s_max - s_max + 3).fast().tolist() == 3


def test_import_symparams_does_not_import_numpy():
    code = "import sys, symparams, symparams.evaluators, symparams.studies.sweep; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_fractional_value_names_every_size():
    from symparams.values import normalize_values

    expr = architecture("cs336").buffers().total  # h * s_max / a
    with pytest.raises(ConfigError, match=r"is not a whole number at a=7, h=1600, s_max=1 \(= 1600/7\)"):
        evaluate(expr, normalize_values({"h": 1600, "a": 7, "s_max": 1}))
