"""A pytest plugin for mutation runs (``tools/mutation.sh`` loads it): before every test, empty every
``functools.lru_cache`` of the library.

mutmut forks each mutant's test run from a process that has already run the whole suite, and it
learns which tests reach a function by recording calls while that suite runs. The costs the library
memoises (per architecture, in ``symparams.costs``, ``symparams.values`` and the presets) would be served
from an earlier test, so a function would be recorded only for the first test that computed it, and
a mutant of it would never run under the others.
"""

import sys


def _caches():
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "symparams" or name.startswith("symparams.")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                yield clear


def pytest_runtest_setup(item):
    for clear in _caches():
        clear()
