"""Issue 13: building the new families' architectures from their config.json (< 50 ms each).

    python bench/bench_families13.py

Two figures per shipped preset: *cold* — a fresh process that has imported symparams reads the
config and builds the architecture (every lazily imported module's first use included); *cold
+ formulas* — the same, then its params, forward FLOPs, KV cache and buffer formulas expanded;
*warm* — in a warm process, the config read, the architecture built and its formulas expanded
again, SymPy's cache and symparams' caches cleared (the family's stacks are symbols times blocks,
so a 61-layer DeepSeek-V3 is four stacks, not 61 layers).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from _timing import best_of, env, python  # noqa: E402

PRESETS = ("deepseek-v3", "deepseek-v2-lite", "qwen3-30b-a3b", "olmoe-1b-7b-0924", "gemma-3-1b-pt", "gemma-3-4b-pt",
           "phi-3-mini-4k-instruct", "gpt-j-6b", "granite-3.1-8b-base", "c4ai-command-r-v01",
           "c4ai-command-r7b-12-2024", "minitron-8b-base", "llama-4-scout-17b-16e")

_COLD = """
import json, time, symparams
from symparams.hf import build
from symparams.hf.presets import HF_PRESETS
from symparams.hf.reader import load
t = time.perf_counter()
arch, values = build(load(HF_PRESETS[{name!r}].path))
built = time.perf_counter() - t
exprs = [arch.params().expanded, arch.forward_flops().expanded, arch.kv_cache(dtype="bf16").expanded,
         arch.buffers().expanded]
print(json.dumps([built, time.perf_counter() - t]))
"""


def _warm(name):
    """Read the config, build the architecture and expand its formulas, every cache cleared first."""
    from sympy.core.cache import clear_cache

    from symparams.costs.flops import forward_flops
    from symparams.costs.kv_cache import kv_cache, kv_cache_elements
    from symparams.costs.params import buffers, parameters
    from symparams.hf import build
    from symparams.hf.presets import HF_PRESETS
    from symparams.hf.reader import load

    clear_cache()
    for fn in (parameters, forward_flops, kv_cache, kv_cache_elements, buffers):
        fn.cache_clear()
    arch = build(load(HF_PRESETS[name].path))[0]
    return [arch.params().expanded, arch.forward_flops().expanded, arch.kv_cache(dtype="bf16").expanded,
            arch.buffers().expanded]


def run(repeat: int = 3) -> dict:
    out = {}
    for name in PRESETS:
        colds = [json.loads(subprocess.run([python(), "-c", _COLD.format(name=name)], capture_output=True, text=True,
                                           check=True, env=env()).stdout) for _ in range(repeat)]
        out[name] = {"cold_s": min(c[0] for c in colds), "cold_formulas_s": min(c[1] for c in colds),
                     "warm_s": best_of(lambda: _warm(name), repeat=5)}
    return out


if __name__ == "__main__":
    results = run()
    for name, r in results.items():
        print(f"{name:28} cold {1000 * r['cold_s']:6.1f} ms   cold + formulas {1000 * r['cold_formulas_s']:6.1f} ms"
              f"   warm {1000 * r['warm_s']:6.1f} ms")
    print(json.dumps(results))
