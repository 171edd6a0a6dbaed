"""MathML from SymPy's own presentation printer, with symparams' symbol names: math a browser
typesets by itself (MathML Core: Chromium, Firefox, Safari), with no script, font or network.

Symbols print as the LaTeX table spells them (:data:`symparams.symbols.LATEX_NAMES`): a word
subscript is upright (``d_{\\mathrm{ff}}`` → ``<msub><mi>d</mi><mi mathvariant="normal">ff</mi></msub>``),
integers are grouped by thousands, and a formula can be cut into its terms so that a long sum
wraps in a narrow column (:func:`math_terms`).

>>> from symparams.symbols import d_ff, h
>>> mathml(3*d_ff*h)
'<math><mrow><mn>3</mn><mo>&#x2062;</mo><msub><mi>d</mi><mi mathvariant="normal">ff</mi></msub><mo>&#x2062;</mo><mi>h</mi></mrow></math>'
>>> mathml(3*d_ff*h, {"h": 1600, "d_ff": 6400})
'<math><mrow><mn>3</mn><mo>&#xB7;</mo><mn>6,400</mn><mo>&#xB7;</mo><mn>1,600</mn></mrow></math>'
>>> len(math_terms(h**2 + 3*d_ff*h + h))
3
"""

from __future__ import annotations

import re
from html import escape
from typing import Mapping

from sympy import Add, Mul
from sympy.printing.mathml import MathMLPresentationPrinter

from symparams._expr import as_expr
from symparams.symbols import LATEX_NAMES

__all__ = ["mathml", "math_terms", "mathml_number", "mathml_text"]

_NAME = re.compile(r"^([A-Za-z])(?:_\{\\mathrm\{([A-Za-z]+)\}\}|_\{?([A-Za-z0-9])\}?)?$")


class _Printer(MathMLPresentationPrinter):
    """SymPy's presentation printer with symparams' names, grouped integers and numbers put in."""

    def __init__(self, values: Mapping | None = None, sep: str = ",", **settings) -> None:
        super().__init__({"order": "grlex", **settings})
        self._values = {getattr(k, "name", k): v for k, v in (values or {}).items()}
        self._sep = sep

    def _mn(self, value: int):
        mn = self.dom.createElement("mn")
        mn.appendChild(self.dom.createTextNode(f"{value:,}".replace(",", self._sep)))
        return mn

    def _print_Integer(self, e):
        if e < 0:
            row = self.dom.createElement("mrow")
            mo = self.dom.createElement("mo")
            mo.appendChild(self.dom.createTextNode("-"))
            row.appendChild(mo)
            row.appendChild(self._mn(-int(e)))
            return row
        return self._mn(int(e))

    _print_int = _print_Integer

    def _print_Symbol(self, sym, style="plain"):
        if sym.name in self._values:
            return self._mn(int(self._values[sym.name]))
        found = _NAME.match(LATEX_NAMES.get(sym, ""))
        if not found:
            return super()._print_Symbol(sym, style)
        base = self.dom.createElement("mi")
        base.appendChild(self.dom.createTextNode(found.group(1)))
        word, letter = found.group(2), found.group(3)
        if not (word or letter):
            return base
        sub = self.dom.createElement("mi")
        if word:
            sub.setAttribute("mathvariant", "normal")  # upright, as \mathrm{ff}
        sub.appendChild(self.dom.createTextNode(word or letter))
        msub = self.dom.createElement("msub")
        msub.appendChild(base)
        msub.appendChild(sub)
        return msub


def _markup(printer: _Printer, expr) -> str:
    return printer.doprint(expr).replace("&InvisibleTimes;", "&#x2062;")


def mathml(expr, values: Mapping | None = None, *, sep: str = ",", display: bool = False) -> str:
    """``<math>`` for ``expr``; with ``values`` every size is put in as its number (products as ``·``)."""
    printer = _Printer(values, sep, **({"mul_symbol": "dot"} if values else {}))
    attr = ' display="block"' if display else ""
    return f"<math{attr}>{_markup(printer, as_expr(expr))}</math>"


def math_terms(expr, values: Mapping | None = None, *, sep: str = ",", width: int = 36) -> list[str]:
    """``expr`` as one ``<math>`` per term of its sum (the first bare, the others after ``+``/``−``),
    in the printer's order: pieces a browser can wrap between. A term longer than ``width``
    characters that multiplies a sum, ``c·(x + y + …)``, is opened up the same way inside its
    parentheses, so no piece is much wider than ``width``.
    """
    printer = _Printer(values, sep, **({"mul_symbol": "dot"} if values else {}))
    return [f"<math><mrow>{chunk}</mrow></math>" for chunk in _chunks(printer, as_expr(expr), width)]


def _chunks(printer: _Printer, expr, width: int) -> list[str]:
    terms = printer._as_ordered_terms(expr) if isinstance(expr, Add) else [expr]
    out: list[str] = []
    for i, term in enumerate(terms):
        sign = ""
        if i:
            negative = term.could_extract_minus_sign()
            sign, term = ('<mo form="infix">−</mo>', -term) if negative else ('<mo form="infix">+</mo>', term)
        sums = [f for f in Mul.make_args(term) if isinstance(f, Add)] if isinstance(term, Mul) else []
        if len(str(term)) <= width or len(sums) != 1:
            out.append(sign + _markup(printer, term))
            continue
        inner = _chunks(printer, sums[0], width)
        rest = Mul(*[f for f in Mul.make_args(term) if f is not sums[0]])
        head = "" if rest == 1 else _markup(printer, rest)
        inner[0] = f"{sign}{head}<mo>(</mo>{inner[0]}"
        inner[-1] += "<mo>)</mo>"
        out += inner
    return out


def mathml_number(value: int, sep: str = ",") -> str:
    """An exact integer as ``<math><mn>…</mn></math>``, grouped by thousands."""
    sign = "<mo>−</mo>" if value < 0 else ""
    digits = f"{abs(value):,}".replace(",", sep)
    return f"<math><mrow>{sign}<mn>{digits}</mn></mrow></math>"


def mathml_text(text: str) -> str:
    """Plain words inside math (``<mtext>``), escaped."""
    return f"<mtext>{escape(text)}</mtext>"
