"""Rotary sizes as transformers 5.23 reads them: ``partial_rotary_factor`` from ``rope_scaling`` /
``rope_parameters`` first, then from the top level, and the rotated part of each head.

>>> from symparams.hf.fields import llama_like
>>> from symparams.hf.reader import Fields, load
>>> f = Fields(load({"partial_rotary_factor": 0.5, "rope_parameters": {"partial_rotary_factor": 0.75}}), llama_like())
>>> rope_fraction(f, 1.0)
0.75
>>> partial_rotary(f, 64, 1.0).buffer_elements()
48
"""

from __future__ import annotations

from sympy import Expr, Integer

from symparams.components import RotaryPositions
from symparams.symbols import s_max

__all__ = ["rope_fraction", "partial_rotary"]


def rope_fraction(f, default: float) -> float:
    """The rotated fraction of each head: ``rope_scaling``'s or ``rope_parameters``' own
    ``partial_rotary_factor`` (``rope_scaling`` wins, as transformers merges them), else the
    top-level field, else ``default`` (the config class's)."""
    data = f.raw.data
    params = data.get("rope_scaling") or data.get("rope_parameters")
    where, value = "partial_rotary_factor", data.get("partial_rotary_factor", default)
    if isinstance(params, dict) and "partial_rotary_factor" in params:
        key = "rope_scaling" if data.get("rope_scaling") else "rope_parameters"
        where, value = f"{key}.partial_rotary_factor", params["partial_rotary_factor"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise f.error(f"field {where!r} = {value!r} must be a number in (0, 1]")
    return value


def partial_rotary(f, head_value: int, default: float, head_expr: Expr | None = None) -> RotaryPositions:
    """RoPE's inverse-frequency buffers over ``int(head_dim · fraction)`` values of each head, which
    must be even (rotary pairs); the whole head (``head_expr``) when nothing is partial."""
    fraction = rope_fraction(f, default)
    if "positions" in f.table:
        f.use("positions")
    rotated = int(head_value * fraction)
    if rotated % 2 or rotated == 0:
        raise f.error(f"partial_rotary_factor {fraction} of head_dim {head_value} rotates {rotated} values; "
                      "expected a positive even number (rotary pairs)")
    if fraction == 1 and head_expr is not None:
        return RotaryPositions(s_max, head_expr, layout="inv_freq")
    return RotaryPositions(s_max, Integer(rotated), layout="inv_freq")
