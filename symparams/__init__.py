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
    "latex": "symparams.printing.latex",
    "dtype_bytes": "symparams.units", "format_bytes": "symparams.units",
    "evaluate": "symparams.values",
    "difference": "symparams.costs.diff",
}

__all__ = sorted([*_EXPORTS, "from_hf_config"])


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value  # imported once
        return value
    raise AttributeError(f"module 'symparams' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def from_hf_config(config, **kwargs):
    """A :class:`Model` from a Hugging Face ``config.json`` (dict, file or folder).

    Defined in :mod:`symparams.hf` (see there for the keyword arguments);
    imported on first use, so the CLI's preset path never loads the reader.
    """
    from symparams.hf import from_hf_config as _from_hf_config

    return _from_hf_config(config, **kwargs)
