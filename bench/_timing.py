"""Timing helpers shared by the benchmarks (no third-party imports)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, repeat: int = 5, number: int = 1) -> float:
    """Smallest wall time of ``repeat`` runs of ``number`` calls, per call (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def env() -> dict:
    """Environment for subprocesses: this checkout first on ``sys.path``."""
    out = dict(os.environ)
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    return out


def command_times(commands: dict[str, list[str]], runs: int = 15, warmup: int = 3) -> dict[str, dict]:
    """Wall times of whole processes, interleaved so load changes hit every command alike.

    Uses ``hyperfine`` when installed (its JSON export), else ``subprocess``.
    Returns ``{name: {"median": s, "min": s, "cpu": mean user+system s, "runs": n, "tool": ...}}``;
    CPU time is steadier than wall time on a machine shared with other work.
    """
    if shutil.which("hyperfine"):
        import json
        import shlex
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "hf.json"
            args = ["hyperfine", "-N", "--warmup", str(warmup), "--runs", str(runs), "--export-json", str(out),
                    "--style", "none"]
            for name, cmd in commands.items():
                args += ["-n", name, shlex.join(cmd)]
            subprocess.run(args, check=True, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            data = json.loads(out.read_text())
        return {r["command"]: {"median": r["median"], "min": r["min"], "cpu": r["user"] + r["system"],
                               "runs": len(r["times"]), "tool": "hyperfine"}
                for r in data["results"]}
    import resource

    samples: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, cmd in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, check=True, env=env(), stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if i >= warmup:
                samples[name].append(wall)
                cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {name: {"median": statistics.median(x), "min": min(x), "cpu": statistics.mean(cpu[name]),
                   "runs": len(x), "tool": "subprocess"}
            for name, x in samples.items()}


def python() -> str:
    return sys.executable
