"""symparams: closed-form transformer costs with SymPy, exact at any config.

>>> import symparams
>>> symparams.model("gpt2-xl").params.total
1557611200
>>> symparams.architecture("gpt-classic").params().expanded
V*h + 12*h**2*l + 13*h*l
>>> from symparams.symbols import l, h
>>> symparams.leading_order(symparams.architecture("gpt-classic").params().total)
12*h**2*l
"""

from __future__ import annotations

from symparams.algebra import closed_form, leading_order, relative_error
from symparams.architecture import Architecture
from symparams.architectures import ARCHITECTURES, architecture
from symparams.breakdown import Breakdown, Evaluation, Piece
from symparams.conventions import FLOP_COUNTER, FlopConvention
from symparams.errors import (
    ConfigError,
    ConventionError,
    MissingValueError,
    SymparamsError,
    UnknownArchitectureError,
    UnknownModelError,
)
from symparams.model import Model, model
from symparams.presets import PRESETS
from symparams.printing.latex import latex
from symparams.units import dtype_bytes, format_bytes
from symparams.values import evaluate

__version__ = "0.1.0"

__all__ = [
    "ARCHITECTURES", "Architecture", "Breakdown", "ConfigError", "ConventionError", "Evaluation",
    "FLOP_COUNTER", "FlopConvention", "MissingValueError", "Model", "PRESETS", "Piece",
    "SymparamsError", "UnknownArchitectureError", "UnknownModelError", "architecture",
    "closed_form", "dtype_bytes", "evaluate", "format_bytes", "latex", "leading_order", "model",
    "relative_error", "from_hf_config",
]


def from_hf_config(config, **kwargs):
    """A :class:`Model` from a Hugging Face ``config.json`` (dict, file or folder).

    Defined in :mod:`symparams.hf`; imported on first use.
    """
    from symparams.hf import from_hf_config as _from_hf_config

    return _from_hf_config(config, **kwargs)
