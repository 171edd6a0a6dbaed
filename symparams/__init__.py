"""symparams: closed-form transformer costs with SymPy, exact at any config.

>>> import symparams
>>> symparams.model("gpt2-xl").params.total
1557611200
>>> symparams.architecture("gpt-classic").params().expanded
V*h + 12*h**2*l + 13*h*l
>>> symparams.leading_order(symparams.architecture("gpt-classic").params().total)
12*h**2*l
>>> symparams.from_hf_config({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
...     "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100}).params.total
95040
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module it lives in; imported on first use, so ``import symparams`` (and the
#: command line's ``--help`` and ``--version``) stays light
_EXPORTS = {
    "closed_form": "symparams.algebra", "leading_order": "symparams.algebra", "relative_error": "symparams.algebra",
    "Architecture": "symparams.stacks", "Stack": "symparams.stacks", "decoder": "symparams.stacks",
    "once": "symparams.stacks",
    "Breakdown": "symparams.breakdown", "Evaluation": "symparams.breakdown", "Piece": "symparams.breakdown",
    "DEFAULT": "symparams.conventions", "FLOP_COUNTER": "symparams.conventions", "Convention": "symparams.conventions",
    "FlopConvention": "symparams.conventions", "parse_convention": "symparams.conventions",
    "ConfigError": "symparams.errors", "ConventionError": "symparams.errors", "MissingValueError": "symparams.errors",
    "OptionError": "symparams.errors", "SymparamsError": "symparams.errors",
    "UnknownArchitectureError": "symparams.errors", "UnknownModelError": "symparams.errors",
    "ARCHITECTURES": "symparams.families", "architecture": "symparams.families",
    "Model": "symparams.models",
    "PRESETS": "symparams.presets", "model": "symparams.presets",
    "latex": "symparams.printing.latex", "init_printing": "symparams.printing.jupyter",
    "dtype_bytes": "symparams.units", "format_bytes": "symparams.units",
    "evaluate": "symparams.values",
    "difference": "symparams.costs.diff",
}

__all__ = sorted([*_EXPORTS, "from_hf_config"])

if TYPE_CHECKING:  # the same names, imported eagerly for type checkers (tests/test_typing.py keeps them in step)
    from symparams.algebra import closed_form, leading_order, relative_error
    from symparams.breakdown import Breakdown, Evaluation, Piece
    from symparams.conventions import Convention, DEFAULT, FLOP_COUNTER, FlopConvention, parse_convention
    from symparams.costs.diff import difference
    from symparams.errors import (
        ConfigError, ConventionError, MissingValueError, OptionError, SymparamsError, UnknownArchitectureError,
        UnknownModelError,
    )
    from symparams.families import ARCHITECTURES, architecture
    from symparams.models import Model
    from symparams.presets import PRESETS, model
    from symparams.printing.jupyter import init_printing
    from symparams.printing.latex import latex
    from symparams.stacks import Architecture, Stack, decoder, once
    from symparams.units import dtype_bytes, format_bytes
    from symparams.values import evaluate


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value  # imported once
        return value
    raise AttributeError(f"module 'symparams' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def from_hf_config(config: Any, **kwargs: Any) -> Model:
    """A :class:`Model` from a Hugging Face ``config.json`` (dict, file, folder, Hub model id
    ``org/name`` or transformers ``PretrainedConfig``).

    Defined in :mod:`symparams.hf` (see there for the keyword arguments);
    imported on first use, so the CLI's preset path never loads the reader.
    """
    from symparams.hf import from_hf_config as _from_hf_config

    return _from_hf_config(config, **kwargs)
