"""Hypothesis profiles for the property tests, chosen by ``HYPOTHESIS_PROFILE``; CI strictness.

* ``dev`` (default): 25 examples per property — quick local runs.
* ``ci``: 150 examples per property, and the oracle tests draw more configs
  (``.ci/run`` sets ``HYPOTHESIS_PROFILE=ci``).

Both are derandomized (the same examples on every run, so a CI failure
reproduces locally with the same profile), keep no example database, and have
no deadline (SymPy's first evaluation and building a model are slow-ish).
"""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# the tests' own helpers (independent/, _oracle.py, katex_harness.py) import by name from any subfolder
sys.path.insert(0, str(Path(__file__).resolve().parent))

_COMMON = dict(deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

settings.register_profile("dev", max_examples=25, **_COMMON)
settings.register_profile("ci", max_examples=150, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))



# Under CI (CI=true) every optional tool is installed by .ci/run, so a skip means an install
# step went missing: report it as a failure instead of letting the suite pass quietly.
import pytest  # noqa: E402

_STRICT = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true (an install step is missing?): {reason}"
