"""Rich displays (Jupyter's ``_repr_latex_`` / ``_repr_markdown_``) of the library's value objects.

Each value class has a one-line method that calls one of these, so a notebook cell that ends with a
:class:`~symparams.studies.analysis.LeadingView`, a :class:`~symparams.costs.diff.ConventionDiff`, a
convention, a recipe, a device, a roofline or a paper's formula shows it as typeset math or a
table, with the same symbol names as the derivations (``d_{\\mathrm{ff}}``).

>>> from symparams.studies.analysis import leading_view
>>> from symparams.symbols import l, h, V
>>> print(leading_view(12*l*h**2 + 13*l*h + V*h)._repr_latex_())
$$\\begin{aligned}\\text{exact} &= 12 h^{2} l + V h + 13 h l \\\\
\\text{leading order}\\ (l, h\\ \\text{large}) &= 12 h^{2} l \\\\
\\text{remainder} &= V h + 13 h l \\\\
\\text{remainder / leading} &= \\frac{V + 13 l}{12 h l}\\end{aligned}$$
"""

from __future__ import annotations

from typing import Iterable

from symparams.printing.latex import latex, latex_int, latex_text

__all__ = ["aligned", "leading_view_latex", "convention_diff_latex", "peak_memory_latex", "roofline_latex",
           "paper_formula_latex", "convention_markdown", "recipe_markdown", "device_markdown"]


def aligned(rows: Iterable[tuple[str, str]]) -> str:
    """``$$\\begin{aligned} lhs &= rhs \\\\ …\\end{aligned}$$`` (left sides already LaTeX)."""
    return r"$$\begin{aligned}" + " \\\\\n".join(f"{lhs} &= {rhs}" for lhs, rhs in rows) + r"\end{aligned}$$"


def _large(symbols) -> str:
    return rf"\ ({', '.join(latex(x) for x in symbols)}\ \text{{large}})" if symbols else ""


def leading_view_latex(view) -> str:
    """Exact form, leading order (naming the large symbols), remainder and remainder / leading."""
    large = [x for x in getattr(view, "large", ()) if x in view.expr.free_symbols]
    return aligned([(latex_text("exact"), latex(view.expr)),
                    (latex_text("leading order") + _large(large), latex(view.leading)),
                    (latex_text("remainder"), latex(view.remainder)),
                    (latex_text("remainder / leading"), latex(view.ratio))])


def convention_diff_latex(d) -> str:
    """A cost under conventions A and B, and A − B."""
    return aligned([(latex_text(f"{d.cost.replace('_', ' ')}, {d.a.name}"), latex(d.expr_a)),
                    (latex_text(f"{d.cost.replace('_', ' ')}, {d.b.name}"), latex(d.expr_b)),
                    (latex_text(d.a.name) + " - " + latex_text(d.b.name), latex(d.difference))])


def peak_memory_latex(pm) -> str:
    r"""``peak = \alpha b + \beta`` bytes, each coefficient as a formula and its value."""
    return aligned([(latex_text("peak bytes"), r"\alpha \cdot b + \beta"),
                    (r"\alpha", f"{latex(pm.alpha_formula)} = {latex_int(pm.alpha)}"),
                    (r"\beta", f"{latex(pm.beta_formula)} = {latex_int(pm.beta)}")])


def roofline_latex(r) -> str:
    """The time bound ``max(F/peak, B/bandwidth)`` with both formulas and the device's numbers."""
    d = r.device
    peak, bandwidth = r.peak, d.bandwidth
    return aligned([(latex_text(f"time on {d.name}"),
                     rf"\max\left(\frac{{F}}{{{latex_int(peak)}\ \text{{FLOP/s}}}}, "
                     rf"\frac{{B}}{{{latex_int(bandwidth)}\ \text{{bytes/s}}}}\right)"),
                    ("F", latex(r.flops)), ("B", latex(r.bytes_moved))])


def paper_formula_latex(pf) -> str:
    """A paper's formula, the general cost under its assumptions, and their difference."""
    return aligned([(latex_text(f"paper ({pf.key})"), latex(pf.paper)),
                    (latex_text("derived"), latex(pf.derived)),
                    (latex_text("derived") + " - " + latex_text("paper"), latex(pf.difference))])


def convention_markdown(c) -> str:
    """**name**: every choice, in one line."""
    text = c.describe()
    return f"**{c.name}** — {text.removeprefix(f'{c.name}: ')}"


def recipe_markdown(r) -> str:
    """**mixed**: 2 + 2 + 12 = 16 bytes per parameter (what each holds)."""
    return (f"**{r.name}**: {r.weights} + {r.gradients} + {r.optimizer} = {r.total} bytes per parameter "
            f"(weights + gradients + optimizer state; {r.description})")


def device_markdown(d) -> str:
    """A device as a table: peak FLOP/s per dtype, bandwidth, memory, interconnect, source."""
    rows = [f"| peak {dtype} | {value:,} FLOP/s |" for dtype, value in d.peak.items()]
    rows += [f"| memory bandwidth | {d.bandwidth:,} bytes/s |", f"| memory | {d.memory_bytes:,} bytes |",
             f"| interconnect | {d.interconnect:,} bytes/s |"]
    return f"**{d.title}** (`{d.name}`)\n\n| | |\n|---|---:|\n" + "\n".join(rows) + f"\n\n_{d.source}_"
