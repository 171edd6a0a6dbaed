"""Printing: LaTeX, display math, Markdown and HTML renderings of formulas and breakdowns."""

from symparams.printing.display import display_math
from symparams.printing.latex import breakdown_latex, latex, latex_int
from symparams.printing.markdown import breakdown_table

__all__ = ["latex", "latex_int", "breakdown_latex", "breakdown_table", "display_math"]
