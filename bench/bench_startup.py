"""Goal 3: ``symparams count gpt2-xl --json`` end to end ≤ 1.3 × ``python -c 'import sympy'``.

Whole processes, interleaved (hyperfine when installed, else subprocess),
median of the runs; also the mean CPU time (user + system) of each, steadier
than wall time when other work shares the machine. The CLI is started exactly as the console script does it
(``from symparams.cli import main``) with this checkout on ``PYTHONPATH``.
"""

from __future__ import annotations

from _timing import ROOT, command_times, python

CLI = "import sys; from symparams.cli import main; sys.exit(main())"


def run(runs: int = 15) -> dict:
    import compileall

    # an installed package has its bytecode compiled; write it for this checkout too (PYTHONDONTWRITEBYTECODE
    # would otherwise make every process compile symparams from source)
    compileall.compile_dir(str(ROOT / "symparams"), quiet=1)
    py = python()
    times = command_times(
        {
            "python": [py, "-c", "pass"],
            "import_sympy": [py, "-c", "import sympy"],
            "import_symparams": [py, "-c", "import symparams"],
            "cli_count_json": [py, "-c", CLI, "count", "gpt2-xl", "--json"],
        },
        runs=runs,
    )
    sympy = times["import_sympy"]["median"]
    return {
        **{f"{name}_s": t["median"] for name, t in times.items()},
        **{f"{name}_cpu_s": t["cpu"] for name, t in times.items()},
        "tool": times["python"]["tool"],
        "runs": times["python"]["runs"],
        "cli_over_sympy": times["cli_count_json"]["median"] / sympy,
        "import_over_sympy": times["import_symparams"]["median"] / sympy,
        "cli_over_sympy_cpu": times["cli_count_json"]["cpu"] / times["import_sympy"]["cpu"],
    }
