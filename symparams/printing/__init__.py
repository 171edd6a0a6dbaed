"""Printing: LaTeX and Markdown renderings of formulas and breakdowns."""

from symparams.printing.latex import latex
from symparams.printing.markdown import breakdown_table

__all__ = ["latex", "breakdown_table"]
