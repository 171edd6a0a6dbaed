"""Pick and tally a uniform random sample of mutmut's mutants (``MUTATION_SAMPLE=N bash tools/mutation.sh``).

A full run over the library takes many hours on 2 cores; a uniform sample of N mutants estimates the
kill rate with a stated margin (95 % Wilson interval). Run inside the mutation folder:

    python mutation_sample.py pick N SEED > sample.txt      # names, one per line
    python mutation_sample.py tally sample.txt               # JSON: counts, rate, interval, survivors
    python mutation_sample.py fresh N SEED                   # the table builders' mutants, fresh processes
"""

import json
import math
import random
import re
import sys
from pathlib import Path

#: the functions that build field tables at import, before mutmut forks (their mutants are active only in a
#: fresh process: :func:`fresh`), and the families' test-config samplers
_TABLE_BUILDERS = r"\.x__(fields|bert_fields|family)__mutmut_|\.x_with_defaults__mutmut_"
_SAMPLERS = r"\.x__(sample|text_sample|sample_multimodal)__mutmut_|^symparams\.families\.sampling\."
TABLES = re.compile(_TABLE_BUILDERS)
#: mutants left out of the sampled score (tools/EQUIVALENT_MUTANTS.md)
EXCLUDED = re.compile(f"{_SAMPLERS}|{_TABLE_BUILDERS}")


def _metas():
    for path in sorted(Path("mutants").rglob("*.py.meta")):
        yield path, json.loads(path.read_text())


def names() -> list[str]:
    return sorted(name for _, meta in _metas() for name in meta.get("exit_code_by_key", {})
                  if not EXCLUDED.search(name))


def pick(n: int, seed: int) -> list[str]:
    every = names()
    return sorted(random.Random(seed).sample(every, min(n, len(every))))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def tally(sample: list[str]) -> dict:
    from mutmut.stats import status_by_exit_code

    sample = [name for name in sample if not EXCLUDED.search(name)]
    codes = {name: code for _, meta in _metas() for name, code in meta.get("exit_code_by_key", {}).items()}
    verdicts = {name: status_by_exit_code[codes.get(name)] for name in sample}
    counts: dict[str, int] = {}
    for v in verdicts.values():
        counts[v] = counts.get(v, 0) + 1
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    tested = killed + counts.get("survived", 0) + counts.get("no tests", 0)  # no test reaching it: not killed
    low, high = wilson(killed, tested)
    return {"population": sum(not EXCLUDED.search(n) for n in codes), "left out": sum(bool(EXCLUDED.search(n)) for n in codes),
            "sample": len(sample), "counts": counts, "tested": tested,
            "killed (timeouts included)": killed, "kill rate": round(killed / tested, 4) if tested else None,
            "95% interval": [round(low, 4), round(high, 4)],
            "survivors": sorted(n for n, v in verdicts.items() if v == "survived"),
            "no tests": sorted(n for n, v in verdicts.items() if v == "no tests")}


#: the tests that read the field tables: class defaults, parameter counts, the recorded variants, the errors
TABLE_TESTS = ["tests/hf/test_class_defaults.py", "tests/hf/test_params.py", "tests/hf/test_recorded_variants.py",
               "tests/hf/test_errors.py", "tests/hf/test_transformers_rules.py", "tests/hf/test_edge_paths.py",
               "tests/reports/test_golden.py"]


def fresh(n: int, seed: int) -> dict:
    """A sample of the table builders' mutants, each run in a fresh pytest process (so the tables are built
    with the mutant active) over :data:`TABLE_TESTS`."""
    import os
    import subprocess

    every = sorted(name for _, meta in _metas() for name in meta.get("exit_code_by_key", {}) if TABLES.search(name))
    sample = sorted(random.Random(seed).sample(every, min(n, len(every))))
    verdicts = {}
    for name in sample:
        run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                              "--import-mode=importlib", "-m", "not oracle", *TABLE_TESTS],
                             cwd="mutants", env={**os.environ, "MUTANT_UNDER_TEST": name},
                             capture_output=True, text=True, timeout=900)
        verdicts[name] = "survived" if run.returncode == 0 else "killed"
    killed = sum(v == "killed" for v in verdicts.values())
    low, high = wilson(killed, len(sample))
    return {"population": len(every), "sample": len(sample), "killed": killed,
            "kill rate": round(killed / len(sample), 4) if sample else None,
            "95% interval": [round(low, 4), round(high, 4)],
            "survivors": sorted(k for k, v in verdicts.items() if v == "survived")}


if __name__ == "__main__":
    if sys.argv[1] == "fresh":
        print(json.dumps(fresh(int(sys.argv[2]), int(sys.argv[3])), indent=1))
    elif sys.argv[1] == "pick":
        print("\n".join(pick(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(tally(Path(sys.argv[2]).read_text().split()), indent=1))
