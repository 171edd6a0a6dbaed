"""LaTeX, display math, Markdown and HTML printing (symparams.printing).

Golden strings are typed from the derivations' notation (worked example B's
``12 l h^2 + 13 l h + V h``, the literature's ``d_{\\mathrm{ff}}``), in the
printer's order (leading term first): a change of printer output must be a
conscious change of these strings.
"""

import pytest

from symparams.families import architecture
from symparams.components import Attention
from symparams.errors import OptionError
from symparams.printing.display import display_math
from symparams.printing.html import breakdown_html, html_page
from symparams.printing.latex import (
    breakdown_latex, latex, latex_int, latex_number, latex_substituted, latex_text,
)
from symparams.printing.markdown import breakdown_table
from symparams.symbols import LATEX_NAMES, V, a, b, d_ff, d_head, h, l, n, n_kv, s, s_max


# ---- golden LaTeX strings ------------------------------------------------------

def test_symbol_names_read_like_the_literature():
    assert LATEX_NAMES[d_ff] == r"d_{\mathrm{ff}}"
    assert LATEX_NAMES[n_kv] == r"n_{\mathrm{kv}}"
    assert LATEX_NAMES[d_head] == r"d_{\mathrm{head}}"
    assert LATEX_NAMES[s_max] == r"s_{\mathrm{max}}"


def test_golden_gpt_classic_params():
    assert latex(architecture("gpt-classic").params().expanded) == r"12 h^{2} l + V h + 13 h l"


def test_golden_gpt_classic_breakdown():
    assert breakdown_latex(architecture("gpt-classic").params()) == (
        r"\begin{aligned}\text{token embedding} &= V h \\" "\n"
        r"\text{LayerNorm, each (}{\times}2\text{ per block)} &= 2 h \\" "\n"
        r"\text{multi-head self-attention} &= 4 h^{2} + 4 h \\" "\n"
        r"\text{MLP (GELU, 2 matrices)} &= 8 h^{2} + 5 h \\" "\n"
        r"\text{one block (}{\times}l\text{)} &= 12 h^{2} + 13 h \\" "\n"
        r"\text{total parameters} &= V h + l \left(12 h^{2} + 13 h\right) = 12 h^{2} l + V h + 13 h l"
        r"\end{aligned}"
    )


def test_golden_cs336_block_and_gqa_names():
    assert latex(architecture("cs336").params().block) == r"3 d_{\mathrm{ff}} h + 4 h^{2} + 2 h"
    assert latex(Attention(h, a, n_kv, d_head).params()) == (
        r"2 a d_{\mathrm{head}} h + 2 d_{\mathrm{head}} h n_{\mathrm{kv}}")
    assert latex(Attention(h, a, n_kv, d_head).kv_cache_elements(b, s + n)) == (
        r"2 b d_{\mathrm{head}} n_{\mathrm{kv}} \left(n + s\right)")
    assert latex(h * s_max / a) == r"\frac{h s_{\mathrm{max}}}{a}"


def test_golden_classic_flops_block():
    # worked example B: 24 b s h^2 + 4 b s^2 h per layer
    assert latex(architecture("gpt-classic").forward_flops().block) == r"24 b h^{2} s + 4 b h s^{2}"


# ---- numbers -------------------------------------------------------------------

def test_digit_grouping():
    assert latex_int(2_127_057_600) == "2{,}127{,}057{,}600"
    assert latex_int(2_127_057_600, "comma") == "2{,}127{,}057{,}600"
    assert latex_int(2_127_057_600, "thin") == r"2\,127\,057\,600"
    assert latex_int(999) == "999"
    with pytest.raises(OptionError, match="grouping"):
        latex_int(1, "dots")


def test_latex_number_exact():
    from fractions import Fraction

    assert latex_number(Fraction(1, 2)) == r"\frac{1}{2}"
    assert latex_number(65_536, "thin") == r"65\,536"


def test_substituted_shows_the_numbers():
    sizes = {"V": 50_257, "h": 1_600, "d_ff": 6_400}
    assert latex_substituted(V * h, sizes) == r"50{,}257 \cdot 1{,}600"
    assert latex_substituted(3 * h * d_ff, sizes) == r"3 \cdot 6{,}400 \cdot 1{,}600"
    assert latex_substituted(4 * h**2, sizes, "thin") == r"4 \cdot 1\,600^{2}"


def test_text_escapes():
    assert latex_text("q_proj & co") == r"\text{q\_proj \& co}"
    assert latex_text("RMSNorm (×2 per block)") == r"\text{RMSNorm (}{\times}2\text{ per block)}"


# ---- display styles ------------------------------------------------------------

ROWS = [(r"\text{a}", ["x", "1"]), (r"\text{b}", ["y", "2"])]


def test_display_aligned_with_one_tag():
    text, nxt = display_math(ROWS, style="aligned", tags=True, tag_start=3)
    assert text == "$$\n\\begin{aligned}\n\\text{a} &= x = 1 \\\\\n\\text{b} &= y = 2\n\\end{aligned} \\tag{3}\n$$"
    assert nxt == 4


def test_display_align_star_tags_each_row():
    text, nxt = display_math(ROWS, style="align*", tags=True)
    assert text.count(r"\tag{") == 2 and r"\tag{2}" in text and nxt == 3
    assert text.startswith(r"\begin{align*}") and "$$" not in text


def test_display_dollars_one_block_per_row():
    text, _ = display_math(ROWS, style="dollars")
    assert text == "$$\\text{a} = x = 1$$\n\n$$\\text{b} = y = 2$$"


def test_display_wraps_long_rows():
    long = [(r"\text{t}", ["x" * 80, "y" * 80, "3"])]
    text, _ = display_math(long, style="aligned")
    assert "\n&= " + "y" * 80 in text


def test_unknown_style():
    with pytest.raises(OptionError, match="align"):
        display_math(ROWS, style="eqnarray")


# ---- Markdown and HTML ---------------------------------------------------------

def test_markdown_table_thin_grouping():
    from symparams.presets import model

    table = breakdown_table(model("cs336-gpt2-xl").params.breakdown, model("cs336-gpt2-xl").values, sep="\u2009")
    assert "| $V h$ | 80\u2009411\u2009200 |" in table


def test_html_table_escapes_and_rows():
    from symparams.presets import model

    out = breakdown_html(model("cs336-gpt2-xl").params)
    assert out.count("<tr>") == 1 + 8  # header + 6 pieces, one block, total
    assert "<td>2,127,057,600</td>" in out
    page = html_page("t <x>", r"\[a &amp; b\]")
    assert "<title>t &lt;x&gt;</title>" in page and "auto-render" in page
