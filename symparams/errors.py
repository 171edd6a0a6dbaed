"""Exceptions raised by symparams.

Each error also inherits the builtin it refines, so ``except ValueError`` keeps
working for callers who do not know symparams. Messages name the thing that was
wrong (field, value, file) and what would be accepted instead.

>>> issubclass(ConfigError, ValueError) and issubclass(ConfigError, SymparamsError)
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
