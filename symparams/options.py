"""The one check of an option against its choices.

Every function that takes a named option (an output format, a dtype, a cost
name, a recomputation strategy, ...) checks it here, so every refusal reads the
same and raises the same :class:`~symparams.errors.OptionError` (a
``ValueError``): the option's name, the value given, and the choices.

>>> choose("format", "md", ("md", "latex", "html"))
'md'
>>> choose("format", "pdf", ("md", "latex", "html"))
Traceback (most recent call last):
...
symparams.errors.OptionError: format='pdf' is not one of: md, latex, html
>>> choose("recompute", "full", {"none": 0, "full": 2})
2
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from symparams.errors import OptionError

__all__ = ["choose"]


def choose(name: str, value: Any, choices: Iterable | Mapping, *, error: type[Exception] = OptionError,
           hint: str = "") -> Any:
    """``value`` if it is one of ``choices``; for a mapping, the value it maps to.

    Raises ``error`` (:class:`OptionError` unless a more specific subclass of
    ``ValueError`` is asked for) naming ``name``, the value and the choices;
    ``hint`` is appended (e.g. how to define a new device).
    """
    options = choices if isinstance(choices, Mapping) else tuple(choices)
    try:
        known = value in options
    except TypeError:  # an unhashable value (a list as a dtype) is not one of the choices
        known = False
    if not known:
        listed = ", ".join(str(c) for c in options)
        shown = repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"
        raise error(f"{name}={shown} is not one of: {listed}" + (f"; {hint}" if hint else ""))
    return options[value] if isinstance(options, Mapping) else value
