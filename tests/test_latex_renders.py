"""Every LaTeX output symparams can produce, rendered by the real KaTeX.

Collected here: each architecture's formulas (pieces, block, total, closed
form, leading order; params, FLOPs, KV cache, buffers), each preset's
``derive`` in LaTeX (every cost, every style, tags on and off, both digit
groupings), the math inside the Markdown and HTML reports, the Jupyter reprs,
``formula --latex`` and the symbol names. Any KaTeX error fails the test.

Skipped when KaTeX is not installed, except with CI=true, where it fails
(CI installs it with ``npm ci --prefix tests/katex``).
"""

from __future__ import annotations

import html
import importlib
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from katex_harness import katex_available, katex_unavailable_reason, render_with_katex  # noqa: E402

import symparams  # noqa: E402
from symparams.algebra import leading_order  # noqa: E402
from symparams.families import ARCHITECTURES, architecture  # noqa: E402
from symparams.costs import COST_NAMES  # noqa: E402
from symparams.reports.count import formula_json  # noqa: E402
from symparams.presets import PRESETS  # noqa: E402
from symparams.printing.latex import breakdown_latex, latex  # noqa: E402
from symparams.reports.derivation import derivation  # noqa: E402
from symparams.symbols import LATEX_NAMES  # noqa: E402

pytestmark = pytest.mark.katex

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hf_configs"
STYLES = ("aligned", "align*", "$$")


def _require_katex():
    if katex_available():
        return
    reason = f"KaTeX unavailable: {katex_unavailable_reason()}"
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true: KaTeX must be installed in CI)", pytrace=False)
    pytest.skip(reason)


def _models():
    models = [symparams.model(name) for name in sorted(PRESETS)]
    try:
        importlib.import_module("symparams.hf")  # the config.json reader, when present
    except ImportError:
        return models
    for path in sorted(FIXTURES.glob("*.json")):
        try:
            models.append(symparams.model(path))
        except symparams.SymparamsError:
            continue  # a family the reader does not support yet: nothing to render
    return models


# ---- extracting math from each output format ----------------------------------

_DISPLAY = re.compile(r"\$\$(.+?)\$\$|(\\begin\{align\*\}.+?\\end\{align\*\})", re.S)
_INLINE_MD = re.compile(r"(?<!\$)\$([^$\n]+)\$(?!\$)")
_HTML_MATH = re.compile(r"\\\[(.+?)\\\]|\\\((.+?)\\\)", re.S)


def latex_doc_items(text: str) -> list[tuple[str, bool]]:
    """Display-math blocks of a LaTeX report (``$$…$$`` and bare ``align*``)."""
    items = [(m.group(1) or m.group(2), True) for m in _DISPLAY.finditer(text)]
    leftover = _DISPLAY.sub("", text)
    stray = [line for line in leftover.splitlines() if line.strip() and not line.startswith("% ")]
    assert not stray, f"text outside math blocks: {stray[:3]}"
    return items


def markdown_items(text: str) -> list[tuple[str, bool]]:
    return [(m.group(1), False) for m in _INLINE_MD.finditer(text)]


def html_items(page: str) -> list[tuple[str, bool]]:
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.split("<body>", 1)[1]))
    return [(m.group(1), True) if m.group(1) is not None else (m.group(2), False)
            for m in _HTML_MATH.finditer(text)]


def test_extractors_find_math():
    doc = derivation(symparams.model("gpt2"), fmt="latex", style="align*")
    assert len(latex_doc_items(doc)) == 2  # gpt2 (no buffers): the parameters, then the weights
    assert markdown_items("| a | $V h$ | 1 |") == [("V h", False)]
    assert html_items("<body><td>\\(x &amp; y\\)</td><div>\\[a\\]</div>") == [("x & y", False), ("a", True)]


# ---- collecting every output -------------------------------------------------

def formula_items() -> list[tuple[str, bool, str]]:
    out = []
    for name in sorted(ARCHITECTURES):
        arch = architecture(name)
        for bd in (arch.params(), arch.buffers(), arch.forward_flops(), arch.kv_cache(dtype="bf16")):
            blocks = [bd.per_block(stack) for stack, _ in bd.repeats]  # one per layer stack (T5: two)
            exprs = [p.expr for p in bd.pieces] + blocks + [bd.total, bd.expanded, leading_order(bd.total)]
            out += [(latex(e), False, f"{name} {bd.quantity}") for e in exprs]
            out.append((breakdown_latex(bd), True, f"{name} {bd.quantity} breakdown"))
            out.append((bd._repr_latex_().strip("$"), True, f"{name} {bd.quantity} _repr_latex_"))
            out += [(tex, inline, f"{name} {bd.quantity} _repr_markdown_")
                    for tex, inline in markdown_items(bd._repr_markdown_())]
        for leading in (False, True):
            data = formula_json(name, leading=leading, latex=True)
            out += [(v, False, f"formula {name} {k}") for k, v in data.items()
                    if k != "architecture" and isinstance(v, str)]  # conventions, symbols: plain text
        out += [(tex, d, f"{name} architecture repr") for tex, d in markdown_items(arch._repr_markdown_())]
    out += [(tex, False, f"symbol {tex}") for tex in LATEX_NAMES.values()]
    return out


def _is_encoder(m) -> bool:
    from symparams.costs.kv_cache import kv_cache

    return not m.architecture.is_encoder_decoder and kv_cache(m.architecture).total == 0


def model_items(m) -> list[tuple[str, bool, str]]:
    out = []
    # a config without a default length (BLOOM: ALiBi, no s_max) needs an explicit sequence length; a
    # model with one (a context length, a ViT's patches + 1) runs at it
    from symparams.errors import ConfigError

    try:
        seq = None if m.default_seq() else 2048
    except ConfigError:
        seq = 2048
    for cost in COST_NAMES:
        if cost == "inference" and _is_encoder(m):  # refused: no decode (tests/reports/test_derivation.py)
            continue
        layouts = [(style, tags, "comma") for style in STYLES for tags in (False, True)]
        layouts += [(style, False, "thin") for style in STYLES]
        for style, tags, grouping in layouts:
            doc = derivation(m, cost=cost, fmt="latex", style=style, tags=tags, grouping=grouping, seq=seq)
            where = f"{m.name} {cost} latex {style} tags={tags} {grouping}"
            out += [(tex, d, where) for tex, d in latex_doc_items(doc)]
        out += [(tex, d, f"{m.name} {cost} md") for tex, d in markdown_items(derivation(m, cost=cost, seq=seq))]
        # the HTML page's math is MathML, not LaTeX: tests/reports/test_html.py renders it in Chromium
    for ev in (m.params, m.buffers, m.forward_flops(seq=seq)):
        out.append((ev._repr_latex_().strip("$"), True, f"{m.name} {ev.breakdown.quantity} _repr_latex_"))
        out += [(tex, d, f"{m.name} repr md") for tex, d in markdown_items(ev._repr_markdown_())]
    out += [(tex, d, f"{m.name} model repr") for tex, d in markdown_items(m._repr_markdown_())]
    return out


def _render_all(items):
    _require_katex()
    assert items, "nothing collected"
    unique = list(dict.fromkeys((tex, display) for tex, display, _ in items))
    error_of = dict(zip(unique, render_with_katex(unique)))
    failures = [f"{where}: {error_of[tex, d]}\n    {tex[:300]}" for tex, d, where in items if error_of[tex, d]]
    assert not failures, f"{len(failures)} of {len(items)} failed to render:\n" + "\n".join(failures[:20])


def test_every_formula_renders():
    _render_all(formula_items())


@pytest.mark.parametrize("m", _models(), ids=lambda m: m.name)
def test_every_model_report_renders(m):
    _render_all(model_items(m))


def test_katex_rejects_what_it_should():
    # the test can fail: broken LaTeX is reported, not silently accepted
    _require_katex()
    assert render_with_katex([r"\text{q_proj}", (r"\begin{align*} a \end{align*}", False)]) != [None, None]
