"""Notebook displays: value objects have rich reprs (typeset by KaTeX here), and the opt-in
``symparams.init_printing()`` typesets bare SymPy expressions with the tables' symbol names."""

from __future__ import annotations

import subprocess
import sys

import pytest

import symparams
from symparams.conventions import DEFAULT, FLOP_COUNTER, parse_convention
from symparams.costs.diff import diff
from symparams.devices import DEVICES
from symparams.precision import RECIPES
from symparams.studies import accounting, analysis, inference, literature
from symparams.symbols import V, d_ff, h, l


def _latex_objects():
    arch = symparams.architecture("gpt-classic")
    return {
        "LeadingView": analysis.leading_view(arch.params().total),
        "ConventionDiff": diff("forward_flops", arch, DEFAULT, parse_convention("causal-half")),
        "PeakMemory": accounting.adamw_peak_memory(),
        "Roofline": inference.roofline(inference.decode_flops(arch), inference.decode_bytes(arch), "A100-SXM4-80GB"),
        "PaperFormula": literature.all_formulas()[0],
        "Breakdown": arch.params(),
        "Evaluation": symparams.model("gpt2").params,
    }


def _markdown_objects():
    return {"Convention": DEFAULT, "FlopConvention": FLOP_COUNTER, "Recipe": RECIPES["mixed-18"],
            "Device": next(iter(DEVICES.values())), "Model": symparams.model("gpt2"),
            "Architecture": symparams.architecture("cs336")}


def test_value_objects_have_rich_reprs():
    for name, obj in _latex_objects().items():
        tex = obj._repr_latex_()
        assert tex.startswith("$$") and tex.endswith("$$"), name
    for name, obj in _markdown_objects().items():
        assert obj._repr_markdown_().strip(), name


def test_leading_view_names_the_large_symbols():
    v = analysis.leading_view(12 * l * h**2 + 13 * l * h + V * h)
    tex = v._repr_latex_()
    assert r"\text{leading order}\ (l, h\ \text{large})" in tex and r"\frac{V + 13 l}{12 h l}" in tex
    assert v.large == analysis.DEFAULT_LARGE


def test_recipe_and_convention_say_what_they_hold():
    assert "2 + 4 + 12 = 18 bytes per parameter" in RECIPES["mixed-18"]._repr_markdown_()
    assert DEFAULT._repr_markdown_().startswith("**default** — forward by matmuls")


@pytest.mark.katex
def test_reprs_render_in_katex():
    from katex_harness import katex_available, render_with_katex

    if not katex_available():
        pytest.fail("KaTeX is not installed (npm ci --prefix tests/katex)")
    items = [(obj._repr_latex_().strip("$"), True) for obj in _latex_objects().values()]
    assert render_with_katex(items) == [None] * len(items)


def test_init_printing_typesets_bare_expressions_as_the_tables_do():
    """In an IPython shell (a fresh process: SymPy's printing setup is global)."""
    code = """
from IPython.core.interactiveshell import InteractiveShell
import symparams
from symparams.symbols import d_ff, h, l, n_kv, a
shell = InteractiveShell.instance()
symparams.init_printing(ip=shell)
for expr in (3*d_ff*h*l + 4*h**2*l, (2*h**2*l*(a - n_kv)/a, h)):
    data, _ = shell.display_formatter.format(expr)
    print(data["text/latex"])
    print(sorted(data))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == r"$\displaystyle 3 d_{\mathrm{ff}} h l + 4 h^{2} l$"
    assert r"n_{\mathrm{kv}}" in lines[2]
    assert "image/png" not in lines[1]  # LaTeX for the notebook to typeset, no rendered picture


def test_init_printing_is_opt_in():
    done = subprocess.run([sys.executable, "-c", "import symparams, sympy\nfrom symparams.symbols import d_ff\n"
                           "print((3*d_ff)._repr_latex_())"], capture_output=True, text=True)
    assert done.stdout.strip() == r"$\displaystyle 3 d_{ff}$"  # SymPy's own until init_printing() is called
    from symparams.printing.jupyter import notebook_latex

    assert notebook_latex(3 * d_ff) == r"$\displaystyle 3 d_{\mathrm{ff}}$"
