"""Read a ``config.json`` as data and validate the fields a family needs.

A config is parsed with :func:`json.loads` and never evaluated. Every problem
raises :class:`~symparams.errors.ConfigError` (or
:class:`~symparams.errors.UnknownModelError` for an unsupported
``model_type``) with a one-line message naming the file, the field, the value
and what is expected.

Sizes must be JSON integers: ``true`` is not an int, and ``4096.0`` is refused
rather than silently truncated (transformers would build a different layer or
fail later; a count from it could not be trusted). A size must be below 2⁶³
(torch's shapes are int64).

What is read, and what is refused:

* only a regular file (a FIFO, a device such as ``/dev/zero`` or a socket is
  refused before it is read), of at most :data:`MAX_CONFIG_BYTES` bytes;
* JSON nested at most :data:`MAX_NESTING` levels deep, with no ``NaN`` or
  ``Infinity`` and no integer longer than Python's limit
  (:func:`sys.get_int_max_str_digits`, 4,300 digits);
* a dict given directly must hold JSON data only (``dict`` with ``str`` keys,
  ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``): a numpy or SymPy
  number, a ``Fraction``, ``bytes``, a ``set`` or a ``tuple`` raises
  :class:`~symparams.errors.ConfigTypeError` naming the key and the fix;
* a field given under two of its names (``n_embd`` and ``hidden_size``) with
  different values is refused, naming both (equal values are fine);
* ``null`` only where transformers accepts it (:attr:`Field.nullable
  <symparams.hf.fields.Field.nullable>`), and an activation only if
  transformers knows it.

>>> from symparams.hf.fields import llama_like
>>> raw = load({"model_type": "llama", "hidden_size": 4096.0})
>>> Fields(raw, llama_like()).size("hidden")
Traceback (most recent call last):
...
symparams.errors.ConfigError: config dict: field 'hidden_size' = 4096.0 must be a positive integer (a JSON integer such as 4096, not a float)
>>> load([1, 2])
Traceback (most recent call last):
...
symparams.errors.ConfigError: config dict: expected a JSON object ({...}) at the top level, got list
>>> Fields(load({"n_embd": 768, "hidden_size": 1024}), {"hidden": size("n_embd", REQUIRED, "hidden_size")})
Traceback (most recent call last):
...
symparams.errors.ConfigError: config dict: fields 'n_embd' = 768 and 'hidden_size' = 1024 name the same size with different values; keep one (transformers would use one and ignore the other)
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from sympy import Symbol

from symparams.errors import ConfigError, ConfigTypeError, shown, type_name
from symparams.hf.fields import ACTIVATIONS, DERIVED, REQUIRED, WEIGHTED_ACTIVATIONS, Field, size

__all__ = ["RawConfig", "Fields", "load", "MAX_CONFIG_BYTES", "MAX_NESTING", "MAX_SIZE"]

#: the largest config file read (a published config.json is a few kB)
MAX_CONFIG_BYTES = 8 * 2**20
#: the deepest nesting of JSON objects and lists accepted (published configs nest 3 or 4 levels)
MAX_NESTING = 64
#: sizes must be below 2**63: torch stores shapes as int64, so transformers cannot build more
MAX_SIZE = 2**63 - 1


@dataclass(frozen=True)
class RawConfig:
    """A parsed config: its key/value data, where it came from, a default name."""

    data: Mapping[str, Any]
    where: str
    name: str

    @property
    def model_type(self) -> str:
        """The ``model_type`` string (whether a family reads it is :mod:`symparams.families`' call)."""
        if "model_type" not in self.data:
            from symparams.families import SUPPORTED_MODEL_TYPES

            raise ConfigError(
                f"{self.where}: missing field 'model_type' (expected one of: {', '.join(SUPPORTED_MODEL_TYPES)})"
            )
        mt = self.data["model_type"]
        if not isinstance(mt, str):
            raise ConfigError(f"{self.where}: field 'model_type' = {mt!r} must be a string")
        return mt


def _reject_constant(token: str):
    raise ValueError(f"{token} is not valid JSON")


def _parse(text: str, where: str) -> Any:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise ConfigError(f"{where}: JSON nested too deeply (at most {MAX_NESTING} levels are read)") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise ConfigError(f"{where}: an integer in the file has more than {sys.get_int_max_str_digits():,} "
                              "digits (Python's limit for reading an int; no size is that large)") from None
        raise ConfigError(f"{where}: not valid JSON ({exc})") from None
    _check_data(data, where, json_types=True)
    return data


_SCALARS = (str, bool, int, float, type(None))


def _fix(value) -> str:
    """How to turn a non-JSON value into JSON data, for a message."""
    if hasattr(value, "__index__") and not isinstance(value, (bytes, bytearray)):
        return "pass int(value)"
    if hasattr(value, "__float__"):
        return "pass a plain int or float"
    if isinstance(value, (bytes, bytearray)):
        return "pass a str"
    if isinstance(value, (set, frozenset, tuple)):
        return "pass a list"
    return "pass JSON data (dict, list, str, int, float, bool or None)"


def _check_data(data: Any, where: str, *, json_types: bool = False) -> None:
    """Refuse nesting deeper than :data:`MAX_NESTING` and (for a dict given directly) values that
    are not JSON data. Iterative: a deep structure cannot exhaust the stack."""
    stack = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict) or (not json_types and isinstance(value, Mapping)):
            children = list(value.items())
        elif isinstance(value, list):
            children = [(f"[{i}]", v) for i, v in enumerate(value)]
        else:
            if not isinstance(value, _SCALARS):
                raise ConfigTypeError(f"{where}: field {path or '(top level)'!s} = {shown(value)} is a "
                                      f"{type_name(value)}, not JSON data; {_fix(value)}")
            continue
        if depth >= MAX_NESTING:
            raise ConfigError(f"{where}: JSON nested too deeply at {path or 'the top level'} "
                              f"(at most {MAX_NESTING} levels are read)")
        for key, child in children:
            if isinstance(value, list):
                stack.append((child, f"{path}{key}", depth + 1))
                continue
            if not isinstance(key, str):
                raise ConfigTypeError(f"{where}: key {shown(key)} ({type_name(key)}) is not a string; "
                                      "JSON object keys are strings")
            stack.append((child, f"{path}.{key}" if path else repr(key), depth + 1))


def _open_regular(file: Path) -> str:
    """The text of ``file`` if it is a regular file of at most :data:`MAX_CONFIG_BYTES` bytes.

    Opened without blocking (a FIFO with no writer would wait forever) and checked with
    ``fstat`` on the open descriptor, so what is read is what was checked.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(file, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                    "a character device" if stat.S_ISCHR(info.st_mode) else
                    "a block device" if stat.S_ISBLK(info.st_mode) else
                    "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
            raise ConfigError(f"{file}: is {kind}; expected a regular JSON file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{file}: {info.st_size:,} bytes is larger than the {MAX_CONFIG_BYTES:,}-byte limit "
                              "for a config file (a config.json is a few kB)")
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{file}: larger than the {MAX_CONFIG_BYTES:,}-byte limit for a config file")
    return raw.decode("utf-8")


def _read_path(path: Path) -> tuple[Any, str, str]:
    where = str(path)
    try:
        is_dir = path.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL byte
        is_dir = False
    if is_dir:
        file = path / "config.json"
        if not file.exists():  # a config.json that is not a regular file is refused when opened
            raise ConfigError(f"{where}: folder has no config.json (expected a Hugging Face model folder or a .json file)")
        name = path.resolve().name
    else:
        file = path
        name = path.resolve().parent.name if path.name == "config.json" else path.stem
    try:
        text = _open_regular(file)
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such file (expected a path to a config.json or a folder holding one)") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, ConfigError):
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"{file}: cannot read the file ({reason}); expected a readable UTF-8 JSON file "
                          "(a config.json)") from None
    return _parse(text, str(file)), str(file), name


def load(config) -> RawConfig:
    """A :class:`RawConfig` from a dict, a JSON file, or a folder with ``config.json``."""
    if isinstance(config, Mapping):
        data, where, name = config, "config dict", ""
        _check_data(data, where)
    elif isinstance(config, (str, Path)):
        data, where, name = _read_path(Path(config))
    else:
        data, where, name = config, "config dict", ""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a JSON object ({{...}}) at the top level, got {type(data).__name__}")
    if not name:
        given = data.get("_name_or_path")
        name = given if isinstance(given, str) and given else str(data.get("model_type", "model"))
    return RawConfig(data, where, name)


def _json(value) -> str:
    """A value as the config writes it (``null``, ``true``, ``4096.0``), short and never failing."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return shown(value)
    return text if len(text) <= 80 else shown(value)


class Fields:
    """Typed, validated access to one family's fields of a :class:`RawConfig`, and the sizes
    a builder binds to symbols (:meth:`use`, :meth:`bind`; read back with :meth:`values`)."""

    def __init__(self, raw: RawConfig, table: Mapping[str, Field]) -> None:
        self.raw = raw
        self.table = table
        self._values: dict[Symbol, int] = {}
        for spec in table.values():
            self._check_aliases(spec)

    def _check_aliases(self, spec: Field) -> None:
        """A field given under two of its names must have one value (transformers keeps one)."""
        given = [(k, self.raw.data[k]) for k in dict.fromkeys((spec.key, *spec.aliases)) if k in self.raw.data]
        for key, value in given[1:]:
            first_key, first = given[0]
            if type(value) is not type(first) or value != first:
                raise self.error(f"fields {first_key!r} = {_json(first)} and {key!r} = {_json(value)} name the same "
                                 "size with different values; keep one (transformers would use one and ignore "
                                 "the other)")

    def use(self, name: str, symbol: Symbol | None = None) -> Symbol:
        """Read the size ``name``, bind it to its field's symbol (or ``symbol``), return the symbol.

        >>> from symparams.hf.fields import llama_like
        >>> f = Fields(load({"hidden_size": 64}), llama_like())
        >>> f.use("hidden"), f.values()
        (h, {'h': 64})
        """
        sym = symbol if symbol is not None else self.table[name].symbol
        if sym is None:
            raise KeyError(f"field {name!r} names no symbol; pass one")
        value = self.size(name)
        if value is DERIVED or not isinstance(value, int):
            raise self.error(f"field {self.key(name)!r} has no value to bind to {sym}")
        return self.bind(sym, value)

    def bind(self, symbol: Symbol, value: int) -> Symbol:
        """Record ``symbol = value`` (a derived size, e.g. the number of sliding-window layers)."""
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.error(f"{symbol} = {value!r} must be a positive integer")
        known = self._values.get(symbol)
        if known is not None and known != value:
            raise self.error(f"{symbol} is both {known} and {value}")
        self._values[symbol] = value
        return symbol

    def unbind(self, symbol: Symbol) -> None:
        """Forget a bound size (a builder that turned out not to use it)."""
        self._values.pop(symbol, None)

    def values(self) -> dict[str, int]:
        """Every bound size, by symbol name."""
        return {sym.name: v for sym, v in self._values.items()}

    def _lookup(self, name: str) -> tuple[Field, str, Any, bool]:
        spec = self.table[name]
        for key in (spec.key, *spec.aliases):
            if key in self.raw.data:
                return spec, key, self.raw.data[key], True
        return spec, spec.key, None, False

    def _fail(self, key: str, value: Any, expected: str) -> ConfigError:
        return ConfigError(f"{self.raw.where}: field {key!r} = {_json(value)} must be {expected}")

    def _absent(self, name: str, spec: Field, key: str, present: bool):
        """The value of a field that is missing (its class default) or null (refused unless
        transformers accepts it: then :data:`DERIVED`)."""
        if present:
            if spec.nullable:
                return DERIVED
            from symparams.hf.fields import KINDS

            expected = KINDS.get(spec.kind, "a value")
            default = "" if spec.default in (REQUIRED, DERIVED) else \
                f", or leave the field out for the class default {_json(spec.default)}"
            raise ConfigError(f"{self.raw.where}: field {key!r} = null is refused by transformers' config class; "
                              f"expected {expected}{default}")
        if spec.default is REQUIRED:
            if spec.aliases:  # name every key that would do, e.g. 'n_embed' or 'hidden_size'
                key = " or ".join(repr(k) for k in (spec.key, *spec.aliases))
            else:
                key = repr(key)
            raise ConfigError(f"{self.raw.where}: missing field {key} (expected a positive integer)"
                              if spec.kind == "size" else f"{self.raw.where}: missing field {key}")
        return spec.default

    def key(self, name: str) -> str:
        """The key the config uses for the field (the first of its key and aliases present), else its key."""
        return self._lookup(name)[1]

    def has(self, name: str) -> bool:
        """Whether the field is present with a non-null value."""
        return self._lookup(name)[2] is not None

    def size(self, name: str):
        """A positive int, the class default, or :data:`DERIVED` (absent, or null where
        transformers derives it)."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            return self._absent(name, spec, key, present)
        if isinstance(value, bool) or not isinstance(value, int):
            hint = " (a JSON integer such as 4096, not a float)" if isinstance(value, float) else ""
            raise self._fail(key, value, "a positive integer" + hint)
        if value <= 0:
            raise self._fail(key, value, "a positive integer")
        if value > MAX_SIZE:
            raise self._fail(key, value, "below 2**63 (torch stores shapes as int64: transformers cannot build it)")
        return value

    def count(self, name: str) -> int:
        """A non-negative int (a layer index or a number of layers: 0 is valid), or the class default."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            return self._absent(name, spec, key, present)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._fail(key, value, "a non-negative integer")
        if value > MAX_SIZE:
            raise self._fail(key, value, "below 2**63 (torch stores shapes as int64: transformers cannot build it)")
        return value

    def token(self, name: str) -> int | None:
        """A token id (an int, negative ones count from the end as in ``nn.Embedding``), None for
        null, or the class default."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            return None if present else self._absent(name, spec, key, present)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, value, "an integer token id, or null")
        return value

    def flag(self, name: str) -> bool:
        """A JSON boolean, or the class default."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            if present:
                raise self._fail(key, value, "true or false")
            return self._absent(name, spec, key, present)
        if not isinstance(value, bool):
            raise self._fail(key, value, "true or false")
        return value

    def fraction(self, name: str) -> float:
        """A number in (0, 1] (rotary fractions), or the class default."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            return self._absent(name, spec, key, present)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            raise self._fail(key, value, "a number in (0, 1]")
        return value

    def probability(self, name: str) -> float:
        """A number in [0, 1) (dropout probabilities), or the class default."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            return self._absent(name, spec, key, present)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise self._fail(key, value, "a probability in [0, 1)")
        return value

    def text(self, name: str) -> str:
        """A string, or the class default. The activation (the field ``act``, or a field of kind
        ``"activation"``) must be one transformers knows and that has no weights."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            value = self._absent(name, spec, key, present)
            if value is DERIVED:
                return value
        if not isinstance(value, str):
            raise self._fail(key, value, "a string")
        if (name == "act" or spec.kind == "activation") and value not in ACTIVATIONS:
            if value in WEIGHTED_ACTIVATIONS:
                raise self._fail(key, value, "an activation without learned weights (transformers' "
                                 f"{value!r} adds parameters to every MLP, which no family counts)")
            raise self._fail(key, value, "an activation transformers knows (ACT2FN): "
                             + ", ".join(sorted(ACTIVATIONS)))
        return value

    def error(self, message: str) -> ConfigError:
        """A :class:`ConfigError` about this config."""
        return ConfigError(f"{self.raw.where}: {message}")
