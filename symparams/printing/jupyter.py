"""Opt-in notebook printing: bare SymPy expressions of the library's symbols typeset as its tables do.

After ``symparams.init_printing()`` a cell that ends in a formula (``arch.params().total``,
``P.block``, a tuple of them) shows it as LaTeX with the literature's names — ``d_{\\mathrm{ff}}``,
``n_{\\mathrm{kv}}`` (word subscripts upright) — and the leading term first, exactly as the
derivation tables print it. It is SymPy's own ``init_printing`` with symparams' LaTeX printer, so
every SymPy option still applies; nothing changes until it is called.

>>> from symparams.symbols import d_ff, h
>>> notebook_latex(3*d_ff*h)
'$\\\\displaystyle 3 d_{\\\\mathrm{ff}} h$'
"""

from __future__ import annotations

__all__ = ["init_printing", "notebook_latex"]


def _printer(expr, mode: str = "plain", **settings) -> str:
    import sympy

    from symparams.symbols import LATEX_NAMES

    settings = {"order": "grlex", **settings, "symbol_names": {**LATEX_NAMES, **settings.get("symbol_names", {})}}
    return sympy.latex(expr, mode=mode, **settings)


def notebook_latex(expr) -> str:
    """What a notebook shows for ``expr`` after :func:`init_printing` (``$\\displaystyle …$``)."""
    return f"$\\displaystyle {_printer(expr)}$"


def init_printing(**options) -> None:
    """Typeset SymPy expressions in Jupyter with symparams' symbol names and term order.

    ``options`` go to :func:`sympy.init_printing` (e.g. ``use_latex="mathjax"``, ``ip=shell``).
    """
    import sympy

    options.setdefault("order", "grlex")
    options.setdefault("use_latex", "mathjax")  # LaTeX for the notebook to typeset, no PNG
    sympy.init_printing(latex_printer=_printer, **options)
