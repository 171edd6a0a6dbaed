"""Plain-text renderings for terminals and ``print()``: aligned columns, SymPy ``str`` formulas.

>>> from symparams.presets import model
>>> gpt2 = model("gpt2")
>>> lines = breakdown_text(gpt2.params.breakdown, gpt2.values).splitlines()
>>> lines[0]
'parameters (trainable weights; tied tensors counted once; buffers excluded)'
>>> lines[-1].split()
['total', 'parameters', 'V*h', '+', 'h*s_max', '+', '2*h', '+', 'l*(12*h**2', '+', '13*h)', '124,439,808']
"""

from __future__ import annotations

from symparams.units import format_int

__all__ = ["breakdown_text"]


def breakdown_text(breakdown, values=None) -> str:
    """The breakdown as aligned text: piece, formula, value (when ``values`` are given)."""
    from symparams.printing.rows import breakdown_rows

    rows = [(row.text, str(row.expr), "" if row.value is None else format_int(row.value))
            for row in breakdown_rows(breakdown, values)]
    label_w = max(len(r[0]) for r in rows)
    formula_w = max(len(r[1]) for r in rows)
    value_w = max(len(r[2]) for r in rows)
    head = f"{breakdown.quantity} ({breakdown.convention})" if breakdown.convention else breakdown.quantity
    lines = [head]
    for label, formula, value in rows:
        lines.append(f"  {label:<{label_w}} {formula:<{formula_w}} {value:>{value_w}}".rstrip())
    return "\n".join(lines)
