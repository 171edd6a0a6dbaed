"""Goal 4: formula construction time per architecture (< 50 ms).

Two figures per architecture: *cold* — a fresh process that has imported
symparams builds the architecture and its params, FLOPs, KV cache and buffer
formulas (expanded), first use of every lazily imported module included; and
*rebuild* — in a warm process, the same built again bypassing every cache.
"""

from __future__ import annotations

import json
import subprocess

from _timing import best_of, env, python

_COLD = """
import json, time, symparams
from symparams.families import architecture
t = time.perf_counter()
arch = architecture({name!r})
exprs = [arch.params().expanded, arch.forward_flops().expanded, arch.kv_cache(dtype="bf16").expanded,
         arch.buffers().expanded]
print(json.dumps(time.perf_counter() - t))
"""


def _rebuild(name):
    from symparams.families import ARCHITECTURES
    from symparams.costs.flops import forward_flops
    from symparams.costs.kv_cache import kv_cache
    from symparams.costs.params import buffers, parameters

    arch = ARCHITECTURES[name]()
    return [parameters(arch).expanded, forward_flops(arch).expanded, kv_cache(arch).expanded, buffers(arch).expanded]


def run(repeat: int = 3) -> dict:
    from symparams.families import ARCHITECTURES

    out = {}
    for name in sorted(ARCHITECTURES):
        colds = []
        for _ in range(repeat):
            proc = subprocess.run([python(), "-c", _COLD.format(name=name)], capture_output=True, text=True,
                                  check=True, env=env())
            colds.append(json.loads(proc.stdout))
        _rebuild(name)
        out[name] = {"cold_s": min(colds), "rebuild_s": best_of(lambda: _rebuild(name), repeat=5)}
    return out
