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

from symparams.errors import OptionError, OptionTypeError, shown, type_name

__all__ = ["choose"]


def _type_error(error: type[Exception]) -> type[Exception]:
    """The ``TypeError`` refinement of ``error`` (``OptionTypeError`` for ``OptionError``, the
    matching ``...TypeError`` class of :mod:`symparams.errors` for its subclasses)."""
    if issubclass(error, TypeError):
        return error
    if error is OptionError:
        return OptionTypeError
    import symparams.errors as errors

    refined = getattr(errors, error.__name__.replace("Error", "TypeError"), None)
    return refined if isinstance(refined, type) and issubclass(refined, error) else error


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
        text = shown(value) if isinstance(value, str) else f"{shown(value)} ({type_name(value)})"
        if not any(type(value) is type(c) for c in options):  # the wrong type, not only a wrong value
            error = _type_error(error)
        raise error(f"{name}={text} is not one of: {listed}" + (f"; {hint}" if hint else ""))
    return options[value] if isinstance(options, Mapping) else value
