"""Goal 2: sweep throughput — exact ≥ 1e6 configs/s, fast ≥ 5e7 configs/s on 2 cores.

The formula is GPT-2 forward FLOPs (``2Vbhs + l(24bh²s + 4bhs²)``) with ``V``,
``b``, ``s`` fixed and ``h × l`` swept. Figures are configs per second, best of
a few runs, each run including compilation-cache lookups and result assembly.
"""

from __future__ import annotations

import os

from _timing import best_of

FIXED = {"V": 50257, "b": 1, "s": 2048}


def run(quick: bool = False) -> dict:
    from symparams.evaluators import evaluator
    from symparams.studies.sweep import formula, grid

    expr = formula("gpt2", "forward_flops")
    out: dict[str, float] = {}

    hs = list(range(64, 64 * 1001, 64))
    ls = list(range(1, 1001))
    axes = {"h": hs, "l": ls}
    grid(expr, {"h": hs[:2], "l": ls[:2]}, FIXED)  # compile once (cached afterwards)
    out["exact_grid_configs_per_s"] = len(hs) * len(ls) / best_of(lambda: grid(expr, axes, FIXED), repeat=3)

    ev = evaluator(expr)
    n = 200_000
    cols = {"V": [50257] * n, "b": [1] * n, "s": [2048] * n,
            "h": [64 * (1 + i % 1000) for i in range(n)], "l": [1 + i % 97 for i in range(n)]}
    out["exact_many_configs_per_s"] = n / best_of(lambda: ev.exact_many(cols), repeat=3)

    try:
        import numpy as np
    except ImportError:
        return out
    big_h = list(range(64, 64 * (2001 if quick else 4001), 64))
    big_l = list(range(1, 2001))
    big = {"h": big_h, "l": big_l}
    grid(expr, {"h": big_h[:2], "l": big_l[:2]}, FIXED, mode="fast")
    size = len(big_h) * len(big_l)
    out["fast_grid_configs"] = size
    out["fast_grid_configs_per_s"] = size / best_of(lambda: grid(expr, big, FIXED, mode="fast"), repeat=3)
    out["float_grid_configs_per_s"] = size / best_of(lambda: grid(expr, big, FIXED, mode="float"), repeat=3)

    rng = np.random.default_rng(0)
    m = 2_000_000 if quick else 8_000_000
    flat = {"h": rng.integers(1, 100_000, m), "l": rng.integers(1, 1000, m), **FIXED}
    out["fast_flat_configs_per_s"] = m / best_of(lambda: ev.fast(flat), repeat=3)

    try:
        import dask
        import dask.array as da
    except ImportError:
        return out
    workers = min(2, os.cpu_count() or 1)
    hd = da.from_array(np.array(big_h * 2, dtype=np.int64).reshape(-1, 1), chunks=(len(big_h) // 2, 1))
    ld = da.from_array(np.array(big_l, dtype=np.int64).reshape(1, -1), chunks=(1, len(big_l)))

    def dask_sweep():
        with dask.config.set(scheduler="threads", num_workers=workers):
            return ev.fast(h=hd, l=ld, **FIXED).compute()

    dask_sweep()
    out["dask_workers"] = workers
    out["dask_grid_configs_per_s"] = 2 * size / best_of(dask_sweep, repeat=3)
    return out
