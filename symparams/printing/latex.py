"""LaTeX for formulas and breakdowns, with the literature's symbol names.

One printer for the package: word subscripts in roman type
(``d_{\\mathrm{ff}}``), leading term first (``order="grlex"``), numbers
grouped with ``{,}`` (a tight comma in LaTeX and KaTeX) or ``\\,`` (a thin
space, the typographic convention of many journals).

>>> from symparams.symbols import h, l, V, d_ff
>>> latex(12*l*h**2 + 13*l*h + V*h)
'12 h^{2} l + V h + 13 h l'
>>> latex(3*h*d_ff)
'3 d_{\\\\mathrm{ff}} h'
>>> latex_int(2127057600)
'2{,}127{,}057{,}600'
>>> latex_int(2127057600, "thin")
'2\\\\,127\\\\,057\\\\,600'
>>> latex_substituted(3*h*d_ff, {"h": 1600, "d_ff": 6400})
'3 \\\\cdot 6{,}400 \\\\cdot 1{,}600'
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Mapping

import sympy

from symparams._expr import as_expr
from symparams.options import choose
from symparams.symbols import LATEX_NAMES

__all__ = [
    "latex_comment",
    "GROUPINGS", "grouping_sep", "latex", "latex_int", "latex_number", "latex_substituted",
    "latex_text", "latex_row_label", "breakdown_latex", "breakdown_latex_rows",
]

#: Digit-group separators by name: ``{,}`` keeps the comma tight in math mode.
GROUPINGS: dict[str, str] = {"comma": "{,}", "thin": r"\,", "none": ""}


def grouping_sep(grouping: str) -> str:
    """The separator for a grouping name (``"comma"``, ``"thin"``, ``"none"``).

    A separator itself (``"{,}"``, ``"\\,"``) is accepted and returned as is.

    >>> grouping_sep("thin")
    '\\\\,'
    >>> grouping_sep("dots")
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: digit grouping='dots' is not one of: comma, thin, none
    """
    if isinstance(grouping, str) and grouping in GROUPINGS.values():
        return grouping
    return choose("digit grouping", grouping, GROUPINGS)


def latex(expr, **options) -> str:
    """LaTeX of ``expr`` with symparams' symbol names and leading term first."""
    if not options:
        return _latex_default(as_expr(expr))
    options.setdefault("order", "grlex")
    return sympy.latex(as_expr(expr), symbol_names=LATEX_NAMES, **options)


@lru_cache(maxsize=4096)
def _latex_default(expr) -> str:
    # expressions are immutable and reports print the same ones many times
    return sympy.latex(expr, symbol_names=LATEX_NAMES, order="grlex")


def latex_int(value: int, sep: str = "{,}") -> str:
    """An integer with thousands grouped: ``sep`` is a separator or a grouping name (exact for any
    length, see :func:`symparams.units.format_int`)."""
    from symparams.units import format_int

    return format_int(value, grouping_sep(sep))


def latex_number(value, sep: str = "{,}") -> str:
    """An exact number: an int grouped by thousands, a fraction as ``\\frac``.

    >>> latex_number(Fraction(1, 2)), latex_number(-1200)
    ('\\\\frac{1}{2}', '-1{,}200')
    """
    value = Fraction(value)
    if value.denominator == 1:
        sign = "-" if value < 0 else ""
        return sign + latex_int(abs(value.numerator), sep)
    return rf"\frac{{{latex_int(value.numerator, sep)}}}{{{latex_int(value.denominator, sep)}}}"


def latex_substituted(expr, values: Mapping, sep: str = "{,}") -> str:
    """``expr`` with every size replaced by its number, products shown as ``\\cdot``.

    This is the middle step of a hand derivation (``V h = 50{,}257 \\cdot 1{,}600``).
    Symbols without a value keep their names.
    """
    from symparams.values import normalize_values

    names = dict(LATEX_NAMES)
    names.update({sym: latex_int(v, sep) for sym, v in normalize_values(values).items()})
    return sympy.latex(as_expr(expr), symbol_names=names, mul_symbol="dot", order="grlex")


_TEXT_ESCAPES = {"_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}",
                 "\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                 "\n": " ", "\r": " ", "\t": " "}


def _times(match) -> str:
    """``×count`` as math: ``{\\times}2``, ``{\\times}l`` (a size symbol in its LaTeX name)."""
    token = match.group(1)
    if token.isdigit():
        factor = token
    else:
        from symparams.symbols import SYMBOLS

        names = {sym.name: LATEX_NAMES[sym] for sym in SYMBOLS}
        factor = names.get(token, r"\text{" + token.replace("_", r"\_") + "}")
    return "}" + r"{\times}" + factor + r"\text{"


def latex_text(text: str) -> str:
    """``\\text{…}`` with LaTeX specials escaped (``_`` breaks KaTeX's text mode).

    A count written ``×2`` or ``×l`` leaves text mode, so the symbol is set in
    math italic as in the formulas.

    >>> latex_text("q_proj")
    '\\\\text{q\\\\_proj}'
    >>> latex_text("one block (×l)")
    '\\\\text{one block (}{\\\\times}l\\\\text{)}'

    Every character LaTeX reads as a command is escaped, the backslash too, so a
    name from a config (``_name_or_path``) cannot run a command:

    >>> print(latex_text(r"a\\input{x}~^"))
    \\text{a\\textbackslash{}input\\{x\\}\\textasciitilde{}\\textasciicircum{}}
    """
    escaped = re.sub(r"[_&%#${}\\~^\n\r\t]", lambda m: _TEXT_ESCAPES[m.group()], text)
    escaped = re.sub(r"×\s*([A-Za-z0-9]+(?:\\_[A-Za-z0-9]+)?)", lambda m: _times(_Unescaped(m)), escaped)
    out = r"\text{" + escaped.replace("×", r"$\times$") + "}"
    return out.replace(r"\text{}", "")


def latex_comment(text: str) -> str:
    """``text`` for a ``%`` comment line: line breaks become spaces (a name from a config cannot
    end the comment and start a command).

    >>> latex_comment("gpt2\\n\\\\input{x}")
    'gpt2 \\\\input{x}'
    """
    return " ".join(str(text).splitlines()) if text else ""


class _Unescaped:
    """A regex match whose group 1 has ``\\_`` turned back into ``_``."""

    def __init__(self, match):
        self._token = match.group(1).replace(r"\_", "_")

    def group(self, _):
        return self._token


def breakdown_latex_rows(breakdown, values=None, *, sep: str = "{,}",
                         substitute: bool = False) -> list[tuple[str, list[str]]]:
    """Rows of a derivation: ``(left side, [right-hand steps])``.

    Each piece and the block give ``[formula, (numbers,) value]``; the total
    gives ``[total, multiplied-out form, value]`` (steps that repeat the one
    before are dropped). Values are left out when ``values`` is None.
    """
    from sympy import expand

    from symparams.printing.rows import breakdown_rows

    rows = []
    for row in breakdown_rows(breakdown, values):
        steps = [latex(row.expr)]
        if row.kind == "total":
            steps.append(latex(expand(row.expr)))
        elif substitute and values is not None and row.expr.free_symbols:
            steps.append(latex_substituted(row.expr, values, sep))
        if row.value is not None:
            steps.append(latex_number(row.value, sep))
        deduped = [step for j, step in enumerate(steps) if j == 0 or step != steps[j - 1]]
        rows.append((latex_row_label(row), deduped))
    return rows


def latex_row_label(row) -> str:
    r"""A row's label in LaTeX: its words as ``\text{…}``, a count as math
    (``\text{one moe block (}{\times}\left(l - l_{\mathrm{dense}}\right)\text{)}``)."""
    if row.times is None:
        return latex_text(row.words)
    from sympy import Add

    times = latex(row.times)
    if isinstance(row.times, Add):
        times = rf"\left({times}\right)"
    return latex_text(f"{row.words} (") + r"{\times}" + times + latex_text(f"{row.per})")


def breakdown_latex(breakdown, values=None, *, sep: str = "{,}", substitute: bool = False) -> str:
    """A breakdown as an ``aligned`` block: one row per piece, then the total.

    >>> from symparams.families import architecture
    >>> print(breakdown_latex(architecture("gpt-classic").params()).splitlines()[-1])
    \\text{total parameters} &= V h + l \\left(12 h^{2} + 13 h\\right) = 12 h^{2} l + V h + 13 h l\\end{aligned}
    """
    rows = [f"{lhs} &= {' = '.join(steps)}" for lhs, steps in
            breakdown_latex_rows(breakdown, values, sep=sep, substitute=substitute)]
    return r"\begin{aligned}" + " \\\\\n".join(rows) + r"\end{aligned}"
