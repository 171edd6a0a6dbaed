"""A pytest plugin for mutation runs (``tools/mutation.sh`` loads it): at the start of every pytest
session, empty every ``functools.lru_cache`` of the library.

mutmut forks each mutant's test run from a process that has already run the whole suite, so the
costs the library memoises (per architecture, in ``symparams.costs`` and ``symparams.values``) would be
served from the unmutated run, and a mutant of a component method they call would never run.
"""

import sys


def pytest_configure(config):
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "symparams" or name.startswith("symparams.")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()
