"""Read a ``config.json`` as data and validate the fields a family needs.

A config is parsed with :func:`json.loads` and never evaluated. Every problem
raises :class:`~symparams.errors.ConfigError` (or
:class:`~symparams.errors.UnknownModelError` for an unsupported
``model_type``) with a one-line message naming the file, the field, the value
and what is expected.

Sizes must be JSON integers: ``true`` is not an int, and ``4096.0`` is refused
rather than silently truncated (transformers would build a different layer or
fail later; a count from it could not be trusted).

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
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from sympy import Symbol

from symparams.errors import ConfigError
from symparams.hf.fields import DERIVED, REQUIRED, Field

__all__ = ["RawConfig", "Fields", "load"]

_NULL_DERIVES = ("kv_heads", "head_dim", "ffn", "proj_dim", "parallel_norms", "window")  # null: derive it


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
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: not valid JSON ({exc})") from None


def _read_path(path: Path) -> tuple[Any, str, str]:
    where = str(path)
    if path.is_dir():
        file = path / "config.json"
        if not file.is_file():
            raise ConfigError(f"{where}: folder has no config.json (expected a Hugging Face model folder or a .json file)")
        name = path.resolve().name
    else:
        file = path
        name = path.resolve().parent.name if path.name == "config.json" else path.stem
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such file (expected a path to a config.json or a folder holding one)") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"{file}: cannot read the file ({reason}); expected a readable UTF-8 JSON file") from None
    return _parse(text, str(file)), str(file), name


def load(config) -> RawConfig:
    """A :class:`RawConfig` from a dict, a JSON file, or a folder with ``config.json``."""
    if isinstance(config, Mapping):
        data, where, name = config, "config dict", ""
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


class Fields:
    """Typed, validated access to one family's fields of a :class:`RawConfig`, and the sizes
    a builder binds to symbols (:meth:`use`, :meth:`bind`; read back with :meth:`values`)."""

    def __init__(self, raw: RawConfig, table: Mapping[str, Field]) -> None:
        self.raw = raw
        self.table = table
        self._values: dict[Symbol, int] = {}

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
        return ConfigError(f"{self.raw.where}: field {key!r} = {json.dumps(value)} must be {expected}")

    def _absent(self, name: str, spec: Field, key: str, present: bool):
        if spec.default is REQUIRED:
            what = "null" if present else "missing"
            if not present and spec.aliases:  # name every key that would do, e.g. 'n_embed' or 'hidden_size'
                key = " or ".join(repr(k) for k in (spec.key, *spec.aliases))
            else:
                key = repr(key)
            raise ConfigError(f"{self.raw.where}: {what} field {key} (expected a positive integer)"
                              if spec.kind == "size" else f"{self.raw.where}: {what} field {key}")
        return spec.default

    def key(self, name: str) -> str:
        """The key the config uses for the field (the first of its key and aliases present), else its key."""
        return self._lookup(name)[1]

    def has(self, name: str) -> bool:
        """Whether the field is present with a non-null value."""
        return self._lookup(name)[2] is not None

    def size(self, name: str):
        """A positive int, the class default, or :data:`DERIVED`."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            if present and name in _NULL_DERIVES:
                return DERIVED
            return self._absent(name, spec, key, present)
        if isinstance(value, bool) or not isinstance(value, int):
            hint = " (a JSON integer such as 4096, not a float)" if isinstance(value, float) else ""
            raise self._fail(key, value, "a positive integer" + hint)
        if value <= 0:
            raise self._fail(key, value, "a positive integer")
        return value

    def count(self, name: str) -> int:
        """A non-negative int (a layer index or a number of layers: 0 is valid), or the class default."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            return self._absent(name, spec, key, present)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._fail(key, value, "a non-negative integer")
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
        """A string, or the class default."""
        spec, key, value, present = self._lookup(name)
        if value is None:
            return self._absent(name, spec, key, present)
        if not isinstance(value, str):
            raise self._fail(key, value, "a string")
        return value

    def error(self, message: str) -> ConfigError:
        """A :class:`ConfigError` about this config."""
        return ConfigError(f"{self.raw.where}: {message}")
