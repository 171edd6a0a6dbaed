"""Hypothesis profiles for the property tests, chosen by ``HYPOTHESIS_PROFILE``.

* ``dev`` (default): 25 examples per property — quick local runs.
* ``ci``: 150 examples per property, and the oracle tests draw more configs
  (``.ci/run`` sets ``HYPOTHESIS_PROFILE=ci``).

Both are derandomized (the same examples on every run, so a CI failure
reproduces locally with the same profile), keep no example database, and have
no deadline (SymPy's first evaluation and building a model are slow-ish).
"""

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

settings.register_profile("dev", max_examples=25, **_COMMON)
settings.register_profile("ci", max_examples=150, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

