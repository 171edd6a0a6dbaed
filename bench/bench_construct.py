"""Goal 4: building an architecture and its formulas stays under 50 ms, cold.

Three kinds of architecture, each timed in a fresh process that has imported symparams
(*cold*: first use of every lazily imported module included) and, warm, rebuilt bypassing
every cache (*rebuild*):

- the built-in symbolic architectures (gpt-classic, gpt2, cs336);
- every Hugging Face family, from a shipped fixture config (config read, validated, built);
- ``dense-then-moe-61``: a 61-layer model built with the public API, 3 dense layers then 58
  mixture-of-experts layers (DeepSeek-V3's layout), as counted stacks: the cost is symbols
  times blocks, never one expression per layer.

Each build computes the params, forward FLOPs, KV cache and buffer formulas (expanded).
"""

from __future__ import annotations

import json
import subprocess

from _timing import ROOT, best_of, env, python

FIXTURES = ROOT / "tests" / "fixtures" / "hf_configs"

_COSTS = """
exprs = [arch.params().expanded, arch.forward_flops().expanded, arch.kv_cache(dtype="bf16").expanded,
         arch.buffers().expanded]
print(json.dumps(time.perf_counter() - t))
"""

_USER = """
from symparams import Architecture, Stack, once
from symparams.components import Attention, GatedMLP, MoE, OutputHead, RMSNorm, RotaryPositions, TokenEmbedding
from symparams.symbols import E, V, a, d_ff, d_head, d_sh, h, k, l, l_dense, n_kv, s_max

def dense_then_moe():
    attention = Attention(h, a, n_kv, d_head)
    return Architecture("dense-then-moe-61", "3 dense layers then 58 MoE layers", (
        once("embedding", TokenEmbedding(V, h), RotaryPositions(s_max, d_head, layout="inv_freq")),
        Stack("dense", l_dense, (RMSNorm(h), attention, RMSNorm(h), GatedMLP(h, d_ff))),
        Stack("moe", l - l_dense, (RMSNorm(h), attention, RMSNorm(h), MoE(h, d_ff, E, k, shared_d_ff=d_sh))),
        once("head", RMSNorm(h), OutputHead(h, V, tied=False)),
    ))
"""

# a fresh process that has imported symparams' core (and so SymPy); the rest is imported on first use, timed
_PREFIX = "import json, time, symparams, symparams.stacks, symparams.breakdown\n"

_COLD = {
    "builtin": _PREFIX + "from symparams.families import architecture\n"
               "t = time.perf_counter()\narch = architecture({name!r})\n" + _COSTS,
    "hf": _PREFIX + "t = time.perf_counter()\n"
          "arch = symparams.from_hf_config({path!r}).architecture\n" + _COSTS,
    "user": _PREFIX + _USER + "t = time.perf_counter()\narch = dense_then_moe()\n"
            "assert arch.params().at({{'l': 61, 'l_dense': 3, 'h': 7168, 'a': 128, 'n_kv': 128, "
            "'d_head': 56, 'd_ff': 2048, 'E': 256, 'k': 8, 'd_sh': 2048, 'V': 129280}}).total > 0\n" + _COSTS,
}


def _cold(kind: str, repeat: int, **fmt) -> float:
    times = []
    for _ in range(repeat):
        proc = subprocess.run([python(), "-c", _COLD[kind].format(**fmt)], capture_output=True, text=True,
                              check=True, env=env())
        times.append(json.loads(proc.stdout))
    return min(times)


def _rebuild_builtin(name):
    from symparams.costs.flops import forward_flops
    from symparams.costs.kv_cache import kv_cache
    from symparams.costs.params import buffers, parameters
    from symparams.families import ARCHITECTURES

    arch = ARCHITECTURES[name]()
    return [parameters(arch).expanded, forward_flops(arch).expanded, kv_cache(arch).expanded, buffers(arch).expanded]


def run(repeat: int = 3) -> dict:
    import compileall

    from symparams.families import ARCHITECTURES

    compileall.compile_dir(str(ROOT / "symparams"), quiet=1)  # as an installed package has it
    out = {}
    for name in sorted(ARCHITECTURES):
        _rebuild_builtin(name)
        out[name] = {"cold_s": _cold("builtin", repeat, name=name),
                     "rebuild_s": best_of(lambda: _rebuild_builtin(name), repeat=5)}
    for path in sorted(FIXTURES.glob("*.json")):
        out[f"hf/{path.stem}"] = {"cold_s": _cold("hf", repeat, path=str(path))}
    out["dense-then-moe-61"] = {"cold_s": _cold("user", repeat)}
    return out


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    print(json.dumps(run(), indent=1))
