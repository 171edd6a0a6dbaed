"""LaTeX for formulas and breakdowns, with the literature's symbol names.

One printer for the package: word subscripts in roman type
(``d_{\\mathrm{ff}}``), leading term first (``order="grlex"``), numbers
grouped with ``{,}`` so KaTeX and LaTeX keep the comma tight.

>>> from symparams.symbols import h, l, V, d_ff
>>> latex(12*l*h**2 + 13*l*h + V*h)
'12 h^{2} l + V h + 13 h l'
>>> latex(3*h*d_ff)
'3 d_{\\\\mathrm{ff}} h'
>>> latex_int(2127057600)
'2{,}127{,}057{,}600'
"""

from __future__ import annotations

import re

import sympy

from symparams._expr import as_expr
from symparams.symbols import LATEX_NAMES

__all__ = ["latex", "latex_int", "latex_text", "breakdown_latex"]


def latex(expr, **options) -> str:
    """LaTeX of ``expr`` with symparams' symbol names and leading term first."""
    options.setdefault("order", "grlex")
    return sympy.latex(as_expr(expr), symbol_names=LATEX_NAMES, **options)


def latex_int(value: int, sep: str = "{,}") -> str:
    """An integer with thousands grouped (``{,}`` or ``\\,`` for a thin space)."""
    return f"{value:,}".replace(",", sep)


_TEXT_ESCAPES = {"_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}"}


def latex_text(text: str) -> str:
    """``\\text{…}`` with LaTeX specials escaped (``_`` breaks KaTeX's text mode)."""
    escaped = re.sub(r"[_&%#${}]", lambda m: _TEXT_ESCAPES[m.group()], text)
    return r"\text{" + escaped.replace("×", r"$\times$") + "}"


def breakdown_latex(breakdown, values=None, *, sep: str = "{,}") -> str:
    """A breakdown as an ``aligned`` block: one row per piece, then the total."""
    from symparams.printing.markdown import breakdown_rows

    rows = []
    for label, expr, value in breakdown_rows(breakdown, values):
        line = rf"{latex_text(label)} &= {latex(expr)}"
        if value is not None:
            line += rf" = {latex_int(value, sep)}"
        rows.append(line)
    return r"\begin{aligned}" + " \\\\\n".join(rows) + r"\end{aligned}"
