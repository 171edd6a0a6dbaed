"""Run every benchmark in one process tree and print a table, then one JSON line.

    python bench/run.py                 # everything (the oracle needs torch + transformers)
    python bench/run.py --quick         # smaller sweeps, oracle on 4 presets
    python bench/run.py --no-oracle     # skip goal 1

Goals (issue 8): (1) params + FLOPs + KV cache of every preset ≥ 1000× faster
than the transformers oracle, warm; (2) sweeps ≥ 1e6 configs/s exact and
≥ 5e7 configs/s fast on 2 cores; (3) ``symparams count gpt2-xl --json`` end to
end ≤ 1.3 × ``python -c 'import sympy'``; (4) formula construction < 50 ms per
architecture; (issue 16) ``symparams count`` over 1,000 config files in one call ≥ 200 configs/s,
``--version``/``--help`` without SymPy. The last line of output is JSON with every figure by name.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import bench_batch  # noqa: E402
import bench_construct  # noqa: E402
import bench_oracle  # noqa: E402
import bench_startup  # noqa: E402
import bench_sweep  # noqa: E402


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    import sympy

    info = {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "sympy": sympy.__version__}
    for mod in ("numpy", "dask", "torch", "transformers"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            pass
    return info


def _fmt(x, unit=""):
    if x is None:
        return "—"
    if unit == "us":
        return f"{1e6 * x:.0f} µs"
    if unit == "/s":
        return f"{x:,.3g} configs/s"
    if unit == "ms":
        return f"{1000 * x:.1f} ms"
    if unit == "x":
        return f"{x:,.0f}×" if x >= 100 else f"{x:.2f}×"
    return str(x)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sweeps, oracle on 4 presets, fewer runs")
    p.add_argument("--no-oracle", action="store_true", help="skip the transformers comparison")
    args = p.parse_args(argv)

    results = {"machine": machine()}
    results["construct"] = bench_construct.run(repeat=2 if args.quick else 3)
    results["sweep"] = bench_sweep.run(quick=args.quick)
    results["startup"] = bench_startup.run(runs=8 if args.quick else 20)
    results["batch"] = bench_batch.run(200 if args.quick else 1000)
    results["oracle"] = {"skipped": "--no-oracle"} if args.no_oracle else bench_oracle.run(limit=4 if args.quick else None)

    rows = []  # (figure, value, goal, met)
    sw, st, co, orc = results["sweep"], results["startup"], results["construct"], results["oracle"]
    if "presets" in orc:
        for name, r in orc["presets"].items():
            if "error" in r:
                rows.append((f"oracle/{name}", r["error"][:60], "", "error"))
                continue
            agree = "n/a (shapes only)" if r["agree"] is None else ("agree" if all(r["agree"].values()) else f"DIFFER {r['agree']}")
            comp = f"; compiled {_fmt(r['compiled_speedup'], 'x')}" if r.get("compiled_speedup") else ""
            rows.append((f"oracle/{name}", f"{_fmt(r['symparams_s'], 'ms')} vs {r['oracle_s']:.2f} s = {_fmt(r['speedup'], 'x')}{comp}",
                         "≥ 1000×", f"{'yes' if r['speedup'] >= 1000 else 'NO'}; {agree}"))
        rows.append(("oracle min speedup (Model API)", _fmt(orc["min_speedup"], "x"), "≥ 1000×", "yes" if orc["min_speedup"] >= 1000 else "NO"))
        if orc.get("min_compiled_speedup"):
            rows.append(("oracle min speedup (compiled)", _fmt(orc["min_compiled_speedup"], "x"), "≥ 1000×",
                         "yes" if orc["min_compiled_speedup"] >= 1000 else "NO"))
    else:
        rows.append(("oracle", orc.get("skipped", ""), "≥ 1000×", "skipped"))
    for key, goal, need in [("exact_grid_configs_per_s", "≥ 1e6/s", 1e6), ("exact_many_configs_per_s", "", None),
                            ("fast_grid_configs_per_s", "≥ 5e7/s", 5e7), ("float_grid_configs_per_s", "", None),
                            ("fast_flat_configs_per_s", "", None), ("dask_grid_configs_per_s", "≥ 5e7/s", 5e7)]:
        if key in sw:
            rows.append((f"sweep {key.replace('_configs_per_s', '')}", _fmt(sw[key], "/s"), goal,
                         "" if need is None else ("yes" if sw[key] >= need else "NO")))
    for key in ("python_s", "import_sympy_s", "import_symparams_s", "cli_count_json_s"):
        rows.append((f"startup {key[:-2]}", _fmt(st[key], "ms"), "", ""))
    rows.append(("CLI / import sympy (wall)", f"{st['cli_over_sympy']:.2f}×", "≤ 1.3×", "yes" if st["cli_over_sympy"] <= 1.3 else "NO"))
    rows.append(("CLI / import sympy (CPU)", f"{st['cli_over_sympy_cpu']:.2f}× ({_fmt(st['cli_count_json_cpu_s'], 'ms')} / "
                 f"{_fmt(st['import_sympy_cpu_s'], 'ms')})", "≤ 1.3×", "yes" if st["cli_over_sympy_cpu"] <= 1.3 else "NO"))
    ba = results["batch"]
    rows.append((f"count {ba['configs']:,} configs in one call", f"{ba['configs_per_s']:,.0f} configs/s wall, "
                 f"{ba['configs_per_cpu_s']:,.0f}/s CPU", "≥ 200/s",
                 "yes" if ba["configs_per_s"] >= 200 and ba["documents"] == ba["configs"] else "NO"))
    rows.append(("--version / --help", f"{_fmt(ba['version_s'], 'ms')} / {_fmt(ba['help_s'], 'ms')}, "
                 f"imports {ba['help_imports']}", "no SymPy", "yes" if ba["help_imports"] == "[]" else "NO"))
    hf = {name: r for name, r in co.items() if name.startswith("hf/")}
    for name, r in co.items():
        if name in hf:
            continue
        rebuild = f", rebuild {_fmt(r['rebuild_s'], 'ms')}" if "rebuild_s" in r else ""
        rows.append((f"construct {name}", f"cold {_fmt(r['cold_s'], 'ms')}{rebuild}",
                     "< 50 ms", "yes" if r["cold_s"] < 0.05 else "NO"))
    if hf:
        slowest = max(hf, key=lambda n: hf[n]["cold_s"])
        rows.append((f"construct {len(hf)} HF fixtures (cold)", f"max {_fmt(hf[slowest]['cold_s'], 'ms')} "
                     f"({slowest[3:]}), min {_fmt(min(r['cold_s'] for r in hf.values()), 'ms')}", "< 50 ms",
                     "yes" if hf[slowest]["cold_s"] < 0.05 else "NO"))

    m = results["machine"]
    print(f"machine: {m['nproc']} × {m['cpu']}, Python {m['python']}, SymPy {m['sympy']}"
          + "".join(f", {k} {m[k]}" for k in ("numpy", "dask", "torch", "transformers") if k in m))
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(f"{'figure':<{width}} | {'measured':<{vwidth}} | goal     | met")
    print(f"{'-' * width}-|-{'-' * vwidth}-|----------|----")
    for fig, val, goal, met in rows:
        print(f"{fig:<{width}} | {val:<{vwidth}} | {goal:<8} | {met}")
    print(json.dumps(results, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
