"""Exceptions raised by symparams.

Each error also inherits the builtin it refines, so ``except ValueError`` keeps
working for callers who do not know symparams. Messages name the thing that was
wrong (field, value, file) and what would be accepted instead.

>>> issubclass(ConfigError, ValueError) and issubclass(ConfigError, SymparamsError)
True

A value of the wrong *type* given to the Python API (a float, a numpy or SymPy
number where an ``int`` is asked for, a list as a dtype, ``None`` as a
convention spec, ``model(123)``) raises the ``...TypeError`` subclass of the
error that call raises for a wrong value: it is both a ``TypeError`` and that
error (so ``except ConfigError`` and ``except TypeError`` both catch it), and
its message says what to pass instead.

>>> issubclass(ConfigTypeError, TypeError) and issubclass(ConfigTypeError, ConfigError)
True
"""

from __future__ import annotations

__all__ = [
    "SymparamsError",
    "ConfigError",
    "UnknownModelError",
    "UnknownArchitectureError",
    "UnknownSymbolError",
    "MissingValueError",
    "ConventionError",
    "OptionError",
    "ConfigTypeError",
    "OptionTypeError",
    "ConventionTypeError",
    "ModelNameTypeError",
    "OutputLimitError",
    "type_name",
    "shown",
]


class SymparamsError(Exception):
    """Base class of every error symparams raises on purpose."""


class ConfigError(ValueError, SymparamsError):
    """A model configuration (preset values or a ``config.json``) is invalid."""


class UnknownModelError(LookupError, SymparamsError):
    """No preset, architecture or config file has the given name."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


class UnknownArchitectureError(UnknownModelError):
    """No architecture has the given name."""


class UnknownSymbolError(UnknownModelError):
    """No size symbol has the given name."""


class MissingValueError(ValueError, SymparamsError):
    """An expression cannot be evaluated because a symbol has no value."""


class ConventionError(ValueError, SymparamsError):
    """A cost convention (FLOPs per MAC, attention counting, recomputation, bytes per parameter, ...)
    is invalid or unknown."""


class OptionError(ValueError, SymparamsError):
    """An option of a function or command is not one of its choices (a format, a dtype, a device,
    a cost name, ...), or not a value of the right kind; raised by :func:`symparams.options.choose`."""


class ConfigTypeError(ConfigError, TypeError):
    """A configuration value of the wrong type (a float, a numpy/SymPy number, bytes, a set, ...)
    where a plain ``int`` (or ``str``, ``bool``) is expected."""


class OptionTypeError(OptionError, TypeError):
    """An option given as a value of the wrong type (a list as a dtype, a number as a format)."""


class ConventionTypeError(ConventionError, TypeError):
    """A convention given as something that is not a Convention, a FlopConvention, a spec string
    or None."""


class ModelNameTypeError(UnknownModelError, TypeError):
    """A model named by something that is not a string or a path (``model(123)``)."""


class OutputLimitError(ValueError, SymparamsError):
    """A number too long to be written out exactly (Python's limit on the digits of an int
    converted to text, :func:`sys.get_int_max_str_digits`)."""


def type_name(value) -> str:
    """The type of ``value`` as a message names it: ``numpy.int64``, ``sympy.Integer``, ``float``.

    >>> type_name(1.5), type_name(b"x"), type_name(None)
    ('float', 'bytes', 'NoneType')
    """
    cls = type(value)
    module = cls.__module__.split(".")[0]
    return cls.__name__ if module == "builtins" else f"{module}.{cls.__name__}"


def shown(value, limit: int = 80) -> str:
    """``repr(value)`` for a message, kept short and always printable: a long text is cut, an
    integer too long for Python to write out (past :func:`sys.get_int_max_str_digits` digits) is
    described by its size, a deeply nested value by its type.

    >>> shown(12), shown("a" * 100)[-5:], shown(10**5000)
    ('12', 'aa...', 'an integer of about 5,001 digits')
    """
    number = isinstance(value, int) and not isinstance(value, bool)
    try:
        text = repr(value)
    except ValueError:  # an int past the digit limit (maybe inside a container)
        if number:
            return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"
        return f"a {type_name(value)}"
    except RecursionError:  # nested too deep to write out
        return f"a {type_name(value)}"
    if number and len(text) > limit:
        return f"an integer of {len(text.lstrip('-')):,} digits"
    return text if len(text) <= limit else text[: limit - 3] + "..."
