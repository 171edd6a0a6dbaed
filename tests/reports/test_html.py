"""``derive --format html``: a standalone page whose math is MathML — no script, no stylesheet or
font from elsewhere, no network — laid out for a blog column (long rows wrap; nothing overflows).

The static checks parse every formula of every preset's page as XML and find every value of the
derivation in it. The Chromium checks (marker ``chromium``) open pages in headless Chromium with
the network off (tests/browser_harness.py) and measure the layout a reader sees.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import symparams
from symparams.costs import COST_NAMES, derivation_parts
from symparams.printing.rows import breakdown_rows
from symparams.reports.derivation import derivation

NAMES = ["cs336-gpt2-xl", "gpt2", "llama-2-7b", "mixtral-8x7b-v0.1", "gemma-2-2b", "falcon-7b"]


def _page(name, cost, **kw):
    return derivation(symparams.model(name), cost=cost, fmt="html", seq=2048 if name != "gpt2" else 1024, **kw)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cost", COST_NAMES)
def test_page_is_standalone_mathml(name, cost):
    page = _page(name, cost)
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    for needs_network in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert needs_network not in page, needs_network
    assert "\\(" not in page and "\\[" not in page  # no LaTeX left for a script to typeset
    maths = re.findall(r"<math[^>]*>.*?</math>", page, re.S)
    assert len(maths) > 10
    for m in maths:  # each formula is well-formed MathML (numeric character references only)
        root = ET.fromstring(m.replace("&#x", "&#x"))
        assert root.tag == "math"
    text = re.sub(r"<[^>]+>", "", page)
    model = symparams.model(name)
    for part in derivation_parts(model, cost, seq=2048 if name != "gpt2" else 1024):
        for row in breakdown_rows(part.breakdown, part.values):
            assert f"{row.value:,}" in text, (row.text, row.value)


def test_word_subscripts_are_upright_and_numbers_grouped():
    page = _page("cs336-gpt2-xl", "params")
    assert '<msub><mi>d</mi><mi mathvariant="normal">ff</mi></msub>' in page  # d_{\mathrm{ff}}
    assert "<mn>6,400</mn>" in page and "<mn>2,127,057,600</mn>" in page
    thin = _page("cs336-gpt2-xl", "params", grouping="thin")
    assert "<mn>2\u2009127\u2009057\u2009600</mn>" in thin


# ---- in headless Chromium, network off ------------------------------------------------------

@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for name, cost in (("cs336-gpt2-xl", "params"), ("llama-2-7b", "flops"), ("mixtral-8x7b-v0.1", "memory")):
        path = folder / f"{name}-{cost}.html"
        path.write_text(_page(name, cost), encoding="utf-8")
        out[name, cost] = path
    return out


@pytest.mark.chromium
@pytest.mark.parametrize("width", [720, 500])  # a blog column; a phone (Chromium's narrowest window)
def test_pages_render_in_chromium_without_network(pages, width):
    from browser_harness import measure

    for (name, cost), path in pages.items():
        facts = measure(path, width=width)
        assert facts["stylesheets"] == [] and facts["scripts"] == []
        assert facts["math_display"] in ("math", "inline math")  # Chromium lays the <math> out as MathML
        assert facts["maths"] > 10
        assert facts["superscripts"] and facts["superscripts_raised"] == facts["superscripts"]  # h² is typeset
        assert facts["scroll_width"] <= facts["viewport"], (name, cost, width, facts)  # long rows wrap
        assert facts["widest_math"] <= facts["viewport"], (name, cost, width, facts)


@pytest.mark.chromium
def test_screenshot(pages, tmp_path):
    from browser_harness import screenshot

    png = screenshot(pages["cs336-gpt2-xl", "params"], tmp_path / "page.png", width=720, height=1400)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page with text on it, not a blank
