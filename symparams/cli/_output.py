"""What every command prints, the same way (stdlib only: building the parser imports no SymPy).

* ``--json`` on every command (:func:`add_json`): one JSON object on stdout carrying a ``version``
  field (:func:`json_text`); a command over several inputs prints one object per line, in order
  (:func:`json_lines`).
* A batch where some inputs fail (:class:`PartialFailure`): the others are printed, each failure is
  one line on stderr, and the exit code is 2.
* Shell completion (extra ``completion``: argcomplete), enabled in :func:`complete` only while a
  shell asks for completions.

>>> import json
>>> json.loads(json_text({"model": "gpt2"}))["version"] == __import__("symparams").__version__
True
>>> print(json_lines([{"a": 1}, {"a": 2}]))
{"a": 1, "version": "..."}
{"a": 2, "version": "..."}
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Iterable, Sequence

__all__ = ["add_json", "json_text", "json_lines", "versioned", "PartialFailure", "complete", "model_names",
           "add_model_arguments"]


def _version() -> str:
    from symparams import __version__

    return __version__


def versioned(data: dict) -> dict:
    """``data`` with the ``version`` of symparams that wrote it (a key of its own, last)."""
    return {**data, "version": _version()}


def json_text(data: dict) -> str:
    """One JSON document, indented, with a ``version`` field."""
    return json.dumps(versioned(data), indent=2, ensure_ascii=False)


def json_lines(documents: Iterable[dict]) -> str:
    """JSON Lines: one compact object per line, each with a ``version`` field."""
    return "\n".join(json.dumps(versioned(d), ensure_ascii=False) for d in documents)


def add_json(p: argparse.ArgumentParser, what: str = "one JSON object on stdout") -> None:
    """``--json``, the same flag and help on every command."""
    p.add_argument("--json", action="store_true", help=f"{what} (with a 'version' field)")


class PartialFailure(Exception):
    """Some inputs of a batch failed: ``output`` (the others) goes to stdout, each of ``errors``
    to stderr as one line, and the exit code is 2."""

    def __init__(self, output: str, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors))
        self.output = output
        self.errors = tuple(errors)


def model_names(prefix: str = "", **_) -> list[str]:
    """Preset names starting with ``prefix`` (for shell completion; reads file names, imports no SymPy)."""
    from pathlib import Path

    import symparams
    from symparams.presets import PRESETS

    configs = Path(symparams.__file__).parent / "hf" / "configs"
    names = [*PRESETS, *(p.stem for p in configs.glob("*.json"))]
    return sorted(n for n in names if n.startswith(prefix))


def add_model_arguments(p: argparse.ArgumentParser, dest: str, help: str, nargs=None) -> None:
    """A positional model argument (preset, config.json path or Hub id), completed with preset names."""
    action = p.add_argument(dest, help=help, **({} if nargs is None else {"nargs": nargs}))
    action.completer = model_names  # type: ignore[attr-defined]  # read by argcomplete


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer a shell's completion request (argcomplete, extra ``completion``); a no-op otherwise."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete
    except ImportError:
        return
    argcomplete.autocomplete(parser)
