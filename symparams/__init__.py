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

from symparams.algebra import closed_form, leading_order, relative_error
from symparams.architecture import Architecture, Stack, decoder, once
from symparams.breakdown import Breakdown, Evaluation, Piece
from symparams.conventions import DEFAULT, FLOP_COUNTER, Convention, FlopConvention, parse_convention
from symparams.errors import (
    ConfigError,
    ConventionError,
    MissingValueError,
    OptionError,
    SymparamsError,
    UnknownArchitectureError,
    UnknownModelError,
)
from symparams.families import ARCHITECTURES, architecture
from symparams.model import Model
from symparams.presets import PRESETS, model
from symparams.printing.latex import latex
from symparams.units import dtype_bytes, format_bytes
from symparams.values import evaluate

__version__ = "0.1.0"

__all__ = [
    "ARCHITECTURES", "Architecture", "Breakdown", "ConfigError", "Convention", "ConventionError", "DEFAULT",
    "Evaluation", "FLOP_COUNTER", "FlopConvention", "MissingValueError", "Model", "OptionError", "PRESETS",
    "Piece", "Stack", "SymparamsError", "UnknownArchitectureError", "UnknownModelError", "architecture",
    "closed_form", "decoder", "dtype_bytes", "evaluate", "format_bytes", "from_hf_config", "latex",
    "leading_order", "model", "once", "parse_convention", "relative_error",
]


def from_hf_config(config, **kwargs):
    """A :class:`Model` from a Hugging Face ``config.json`` (dict, file or folder).

    Defined in :mod:`symparams.hf` (see there for the keyword arguments);
    imported on first use, so the CLI's preset path never loads the reader.
    """
    from symparams.hf import from_hf_config as _from_hf_config

    return _from_hf_config(config, **kwargs)
