"""The fast evaluators on Dask arrays: same code, computed by Dask's local scheduler (extra 'dask')."""

from __future__ import annotations

import pytest

try:
    import dask
    import dask.array as da
    import numpy as np
except ImportError:  # marker 'dask': tests/conftest.py deselects this module without the extra (fails under CI)
    dask = da = np = None

pytestmark = pytest.mark.dask

from symparams.families import architecture  # noqa: E402
from symparams.evaluators import INT64_MAX, evaluator  # noqa: E402


def _flops_by_hand(V, b, h, l, s):
    # FLOP_COUNTER convention for GPT-2: 24 b s h^2 l + 4 b s^2 h l (attention) + 2 V b s h (logits)
    return 2 * V * b * h * s + l * (24 * b * h * h * s + 4 * b * h * s * s)


def test_dask_arrays_compute_on_a_local_scheduler():
    ev = evaluator(architecture("gpt2").forward_flops())
    hs = np.arange(64, 64 * 401, 64, dtype=np.int64)
    ls = np.arange(1, 301, dtype=np.int64)
    H = da.from_array(hs.reshape(-1, 1), chunks=(100, 1))
    L = da.from_array(ls.reshape(1, -1), chunks=(1, 100))
    out = ev.fast(h=H, l=L, V=50257, b=1, s=2048)
    assert isinstance(out, da.Array)  # lazy: nothing computed yet but the min/max reductions
    assert out.numblocks == (4, 3)
    with dask.config.set(scheduler="threads", num_workers=2):
        got = out.compute()
    assert got.dtype == np.int64 and got.shape == (400, 300)
    want = ev.fast(h=hs.reshape(-1, 1), l=ls.reshape(1, -1), V=50257, b=1, s=2048)
    assert np.array_equal(got, want)
    for i, j in [(0, 0), (399, 299), (123, 45)]:
        assert got[i, j] == _flops_by_hand(50257, 1, int(hs[i]), int(ls[j]), 2048)


def test_dask_overflow_falls_back_to_exact_objects():
    ev = evaluator(architecture("gpt2").forward_flops())
    H = da.from_array(np.array([10**6, 1600], dtype=np.int64), chunks=1)
    out = ev.fast(h=H, l=10**4, V=50257, b=8, s=8192)
    got = out.compute(scheduler="synchronous")
    assert got.dtype == object
    assert got[0] == _flops_by_hand(50257, 8, 10**6, 10**4, 8192) > INT64_MAX
    assert got[1] == _flops_by_hand(50257, 8, 1600, 10**4, 8192)


def test_dask_float_mode():
    ev = evaluator(architecture("cs336").params())
    h = da.from_array(np.array([1600, 4096]), chunks=1)
    got = ev.fast(h=h, l=48, d_ff=6400, V=50257, dtype="float64").compute()
    assert got.dtype == np.float64
    assert abs(got[0] - 2_127_057_600) <= 1e-12 * 2_127_057_600  # worked example A
