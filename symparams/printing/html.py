"""HTML for breakdowns and reports: MathML pages that need nothing but a browser
(:func:`mathml_page`, what ``derive --format html`` writes), and tables with math KaTeX or MathJax
typesets (:func:`html_page`, for a site that already loads one of them).

In the KaTeX tables, formulas are written as ``\\(…\\)`` (inline) and ``\\[…\\]`` (display), the
delimiters KaTeX's auto-render and MathJax both find; every string is
HTML-escaped, so ``&`` in an ``aligned`` block reaches the typesetter intact.

>>> from symparams.presets import model
>>> html = breakdown_html(model("cs336-gpt2-xl").params)
>>> "<td>\\\\(3 d_{\\\\mathrm{ff}} h\\\\)</td><td>30,720,000</td>" in html
True
"""

from __future__ import annotations

from html import escape

from symparams.printing.latex import latex
from symparams.printing.rows import breakdown_rows
from symparams.units import format_int

__all__ = ["breakdown_html", "html_page", "inline_math", "display_math_html", "KATEX_VERSION", "mathml_page",
           "breakdown_mathml_table", "derivation_rows_html", "terms_html", "row_label_html"]

#: KaTeX release the standalone pages load (the one the tests render with).
KATEX_VERSION = "0.19.1"
_CDN = f"https://cdn.jsdelivr.net/npm/katex@{KATEX_VERSION}/dist"


def inline_math(tex: str) -> str:
    """``\\(tex\\)``, HTML-escaped."""
    return escape(rf"\({tex}\)", quote=False)


def display_math_html(tex: str) -> str:
    """``\\[tex\\]`` in a ``div``, HTML-escaped."""
    return '<div class="math">' + escape(rf"\[{tex}\]", quote=False) + "</div>"


def breakdown_html(evaluation_or_breakdown, values=None, *, title: str = "", sep: str = ",") -> str:
    """A ``<table>``: piece | formula | value, with the convention as caption."""
    bd = getattr(evaluation_or_breakdown, "breakdown", evaluation_or_breakdown)
    if values is None:
        values = getattr(evaluation_or_breakdown, "values", None)
    title = title or getattr(evaluation_or_breakdown, "name", "")
    caption = f"{title} — {bd.quantity}" if title else bd.quantity
    if bd.convention:
        caption += f" ({bd.unit}; {bd.convention})"
    rows = [
        f"<tr><td>{escape(row.text)}</td><td>{inline_math(latex(row.expr))}</td>"
        f"<td>{'' if row.value is None else format_int(row.value, sep)}</td></tr>"
        for row in breakdown_rows(bd, values)
    ]
    return (
        '<table class="symparams">\n'
        f"<caption>{escape(caption)}</caption>\n"
        "<thead><tr><th>piece</th><th>formula</th><th>value</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


_STYLE = """body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
table.symparams { border-collapse: collapse; margin: 1rem 0; }
table.symparams td, table.symparams th { border: 1px solid #ccc; padding: 0.3rem 0.7rem; }
table.symparams td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; font-size: 0.85em; color: #555; padding-top: 0.3rem; text-align: left; }
div.math { overflow-x: auto; }"""


def html_page(title: str, body: str, *, katex_base: str = _CDN) -> str:
    """A standalone page that typesets its math with KaTeX (auto-render).

    ``katex_base`` is where ``katex.min.css``, ``katex.min.js`` and
    ``contrib/auto-render.min.js`` are found (the CDN by default, or a local copy).
    """
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{katex_base}/katex.min.css">
<script defer src="{katex_base}/katex.min.js"></script>
<script defer src="{katex_base}/contrib/auto-render.min.js"
  onload="renderMathInElement(document.body, {{delimiters: [{{left: '\\\\[', right: '\\\\]', display: true}}, {{left: '\\\\(', right: '\\\\)', display: false}}], throwOnError: false}});"></script>
<style>
{_STYLE}
</style>
</head>
<body>
{body}
</body>
</html>
"""


# ---- standalone pages in MathML: no script, no font, no network -------------------------------

def row_label_html(row) -> str:
    """A row's label as HTML: its words, and a count ``(×l per block)`` with the symbol as math."""
    from symparams.printing.mathml import mathml

    if row.times is None:
        return escape(row.words)
    return f"{escape(row.words)} (×{mathml(row.times)}{escape(row.per)})"


def terms_html(expr, values=None, *, sep: str = ",") -> str:
    """``expr`` as MathML cut into its terms, each unbreakable, so a long sum wraps between terms."""
    from symparams.printing.mathml import math_terms

    return "".join(f'<span class="t">{m}</span>' for m in math_terms(expr, values, sep=sep))


def breakdown_mathml_table(evaluation_or_breakdown, values=None, *, title: str = "", sep: str = ",") -> str:
    """A ``<table>`` piece | formula | value with MathML formulas, the convention as caption."""
    bd = getattr(evaluation_or_breakdown, "breakdown", evaluation_or_breakdown)
    if values is None:
        values = getattr(evaluation_or_breakdown, "values", None)
    caption = f"{title} — {bd.quantity}" if title else bd.quantity
    if bd.convention:
        caption += f" ({bd.unit}; {bd.convention})"
    rows = [f'<tr class="{row.kind}"><td>{row_label_html(row)}</td><td class="formula">{terms_html(row.expr)}</td>'
            f"<td>{'' if row.value is None else format_int(row.value, sep)}</td></tr>"
            for row in breakdown_rows(bd, values)]
    return ('<table class="symparams">\n'
            f"<caption>{escape(caption)}</caption>\n"
            "<thead><tr><th>piece</th><th>formula</th><th>value</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody></table>")


def derivation_rows_html(rows) -> str:
    """Derivation rows ``(label HTML, [step HTML, …])`` as a block whose steps wrap in a narrow column."""
    eq = '<span class="t"><math><mo form="infix">=</mo></math></span>'
    out = []
    for label, steps in rows:
        body = "".join(f'<span class="step">{eq}{step}</span>' for step in steps)
        out.append(f'<div class="row"><div class="lhs">{label}</div><div class="rhs">{body}</div></div>')
    return '<div class="derivation">\n' + "\n".join(out) + "\n</div>"


_MATHML_STYLE = """:root { color-scheme: light; }
body { font: 17px/1.6 Georgia, "DejaVu Serif", serif; color: #1a1a1a; max-width: 42rem; margin: 2rem auto;
       padding: 0 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; } h2 { font-size: 1.25rem; margin-top: 2rem; }
math { font-family: "Latin Modern Math", "STIX Two Math", "DejaVu Math TeX Gyre", math; font-size: 1.05em; }
.t { display: inline-block; white-space: nowrap; }
table.symparams { border-collapse: collapse; margin: 1rem 0; width: 100%; }
table.symparams td, table.symparams th { border-bottom: 1px solid #ddd; padding: 0.35rem 0.5rem; vertical-align: baseline;
       text-align: left; }
table.symparams td:last-child, table.symparams th:last-child { text-align: right; white-space: nowrap;
       font-variant-numeric: tabular-nums; }
table.symparams tr.block td, table.symparams tr.total td { font-weight: 600; border-top: 1px solid #999; }
caption { caption-side: bottom; font-size: 0.85em; color: #555; padding-top: 0.4rem; text-align: left; }
.derivation { margin: 1rem 0; }
.derivation .row { padding: 0.45rem 0; border-bottom: 1px solid #eee; }
.derivation .lhs { font-style: italic; color: #333; }
.derivation .rhs { padding-left: 1.5rem; }
.derivation .step { display: inline; }
ul { padding-left: 1.2rem; }
@media (max-width: 36rem) {  /* a phone: each table row becomes a card, label above formula and value */
  table.symparams, table.symparams tbody, table.symparams tr, table.symparams td { display: block; width: auto; }
  table.symparams thead { display: none; }
  table.symparams td { border: 0; padding: 0.1rem 0; }
  table.symparams td:last-child { text-align: left; }
  table.symparams tr { border-bottom: 1px solid #ddd; padding: 0.4rem 0; }
  .derivation .rhs { padding-left: 0.75rem; }
}"""


def mathml_page(title: str, body: str) -> str:
    """A standalone page whose math is MathML: it renders offline, with no script or external file."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
{_MATHML_STYLE}
</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""
