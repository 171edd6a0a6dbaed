"""HTML for breakdowns and reports: tables with math KaTeX or MathJax typesets.

Formulas are written as ``\\(…\\)`` (inline) and ``\\[…\\]`` (display), the
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

__all__ = ["breakdown_html", "html_page", "inline_math", "display_math_html", "KATEX_VERSION"]

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
