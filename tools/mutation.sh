#!/usr/bin/env bash
# Mutation testing of the library (mutmut 3): each mutant changes one thing in one function
# (n -> n + 1, < -> <=, and -> or, a string, a dropped argument, ...) and the tests that reach
# that function run against it; a mutant the tests do not notice "survives".
#
#   pip install mutmut==3.8.1          # a dev tool, not an extra: not part of CI's time budget
#   bash tools/mutation.sh             # every module below (about an hour on 2 cores)
#   bash tools/mutation.sh 'symparams/values.py'   # one glob
#   MUTANTS="name ..." bash tools/mutation.sh   # re-run some mutants (e.g. the survivors)
#   MUTATION_SAMPLE=600 MUTATION_SEED=1 bash tools/mutation.sh   # a uniform sample: kill rate ± 95 % interval
#   then: (cd "${MUTATION_DIR:-/tmp/symparams-mutation}" && mutmut results / mutmut show NAME)
#
# It works on a copy of the tree (MUTATION_DIR, default /tmp/symparams-mutation), so the
# checkout gets no mutants/ folder and no mutmut config. Tests run: the default suite without the
# oracle, notebook, KaTeX, Chromium and Dask tests (they reach every function and would make each
# mutant slow).
# Equivalent mutants left on purpose: tools/EQUIVALENT_MUTANTS.md.
# Each run starts with the library's lru_caches empty (tools/mutation_fresh.py: mutmut forks every
# mutant from a process that already ran the suite). Left out of the score (tools/mutation_sample.py
# EXCLUDED): the families' test-config samplers (`_sample`, sampling.py, not mutated at all: they draw the
# configs the tests check, a changed draw is still checked) and the functions that build field tables at
# import (`_fields`, `_bert_fields`, `_family`, `with_defaults`: they run before mutmut's fork, so their
# mutants are never active; the tables are data, pinned to transformers by tests/hf/test_class_defaults.py).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${MUTATION_DIR:-/tmp/symparams-mutation}"
mkdir -p "$work"
rm -rf "$work/symparams" "$work/tests"   # keep mutants/ (mutmut's cache of verdicts)
(cd "$root" && git ls-files -co --exclude-standard -z | tar --null -cf - -T -) | (cd "$work" && tar -xf -)
cd "$work"
if [ "$#" -gt 0 ]; then only=("$@"); else
  only=("symparams/components/*" "symparams/costs/*" "symparams/families/*" "symparams/values.py"
        "symparams/evaluators.py" "symparams/studies/sweep.py" "symparams/studies/plot.py")
fi
{
  echo "[mutmut]"
  echo "source_paths = symparams"
  echo "only_mutate ="; for g in "${only[@]}"; do echo "    $g"; done
  echo "do_not_mutate ="; echo "    symparams/families/sampling.py"
  echo "also_copy ="; for p in README.md tools; do echo "    $p"; done
  echo "pytest_add_cli_args ="   # one argument a line
  for arg in -p mutation_fresh -p no:cacheprovider -x -o addopts= --doctest-modules --import-mode=importlib -m "not oracle and not slow and not katex and not chromium and not dask"; do
    echo "    $arg"; done
  echo "pytest_add_cli_args_test_selection ="
  for t in tests/core tests/components tests/costs tests/hf tests/studies tests/cli tests/reports symparams; do
    echo "    $t"; done
  echo "timeout_multiplier = 10.0"
} > setup.cfg
# shellcheck disable=SC2086  # MUTANTS: names to re-run (e.g. the survivors), space-separated
export PYTHONPATH="$work/tools${PYTHONPATH:+:$PYTHONPATH}"   # tools/mutation_fresh.py, for pytest -p
if [ -n "${MUTATION_SAMPLE:-}" ]; then   # a uniform random sample of N mutants (tools/mutation_sample.py)
  # generate the mutants and collect the stats only (mutmut then says no mutant matches the filter)
  mutmut run --max-children "${MUTATION_JOBS:-2}" 'no-mutant-matches-this*' > /dev/null 2>&1 || true
  python "$root/tools/mutation_sample.py" pick "$MUTATION_SAMPLE" "${MUTATION_SEED:-0}" > sample.txt
  # shellcheck disable=SC2046  # one argument per name
  mutmut run --max-children "${MUTATION_JOBS:-2}" $(cat sample.txt)
  python "$root/tools/mutation_sample.py" tally sample.txt > sample-results.json
  echo "results: $work/sample-results.json"
  exit 0
fi
mutmut run --max-children "${MUTATION_JOBS:-2}" ${MUTANTS:-}
mutmut results --all true > mutation-results.txt || mutmut results > mutation-results.txt
echo "results: $work/mutation-results.txt"
