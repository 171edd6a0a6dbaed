"""Test your own formulas: Hypothesis strategies and formula checks.

``symparams.testing`` is for users' test suites as much as for ours. It needs
the ``test`` extra (``pip install 'symparams[test]'``: Hypothesis); the oracle
helpers in :mod:`symparams.testing.oracle` need the ``oracle`` extra (torch,
transformers) and import them only when called. ``import symparams`` imports
none of this.

>>> from symparams.testing import check_formula
>>> from symparams.symbols import l, h, V, s_max
>>> check_formula(12*l*h**2 + 13*l*h + V*h + s_max*h + 2*h, "gpt2")
"""

from symparams.testing.checks import (
    COSTS,
    Counterexample,
    FormulaMismatch,
    check_formula,
    find_counterexample,
    library_cost,
)
from symparams.testing.hf_strategies import HF_MODEL_TYPES, hf_configs
from symparams.testing.strategies import Bounds, divisors, sizes, symbols_needed

__all__ = [
    "Bounds",
    "COSTS",
    "Counterexample",
    "FormulaMismatch",
    "HF_MODEL_TYPES",
    "check_formula",
    "divisors",
    "find_counterexample",
    "hf_configs",
    "library_cost",
    "sizes",
    "symbols_needed",
]
