"""Tests proving the KaTeX harness (tests/katex_harness.py) works.

KaTeX-backed tests are skipped when node or tests/katex/node_modules/katex is
missing -- except when CI=true, where a missing KaTeX is a failure (CI runs
`npm ci --prefix tests/katex`, so its absence there is a bug).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import katex_harness  # noqa: E402
from katex_harness import (  # noqa: E402
    KatexHarnessError,
    katex_available,
    katex_unavailable_reason,
    render_with_katex,
)

PINNED_KATEX_VERSION = "0.19.1"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_katex() -> None:
    """Skip (locally) or fail (CI=true) when KaTeX cannot be run."""
    if katex_available():
        return
    reason = f"KaTeX unavailable: {katex_unavailable_reason()}"
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: KaTeX must be installed in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def katex():
    require_katex()
    return render_with_katex


# --------------------------------------------------------------------------
# Valid LaTeX renders


VALID_INLINE = [
    r"12 l h^{2} + 13 l h + V h",
    r"d_{\mathrm{ff}}",
    r"2{,}127{,}057{,}600",
    r"2\,127\,057\,600",
    r"\text{params} = 4 d^{2} \, \text{per layer}",
    r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
    r"\begin{array}{lr} a & b \\ c & d \end{array}",
    r"\frac{1}{2} \cdot \left( x + y \right)",
]

VALID_DISPLAY = [
    r"\begin{aligned} P &= 12 l h^{2} + 13 l h \\ &= 2\,127\,057\,600 \end{aligned} \tag{1}",
    r"\begin{align*} a &= b \\ c &= d \end{align*}",
    r"\begin{align*} a &= b \tag{1} \\ c &= d \tag{2} \end{align*}",
    r"\begin{array}{l} x \\ y \end{array}",
    r"V h \tag{embeddings}",
    r"\begin{aligned} d_{\mathrm{ff}} &= 4 h \\ &= 4 \cdot 1024 \end{aligned}",
]


@pytest.mark.katex
@pytest.mark.parametrize("latex", VALID_INLINE)
def test_valid_inline(katex, latex):
    assert katex([latex]) == [None]


@pytest.mark.katex
@pytest.mark.parametrize("latex", VALID_DISPLAY)
def test_valid_display(katex, latex):
    assert katex([(latex, True)]) == [None]


# --------------------------------------------------------------------------
# Invalid LaTeX is reported


@pytest.mark.katex
@pytest.mark.parametrize(
    "latex, fragment",
    [
        (r"\frac{1}{", "Unexpected end of input"),
        (r"\undefinedmacro", "Undefined control sequence"),
        (r"x^{2}^{3}", "Double superscript"),
        ("é", "strict mode"),  # strict: "error" is active
    ],
)
def test_invalid_reports_error(katex, latex, fragment):
    for display in (False, True):
        [err] = katex([(latex, display)])
        assert err is not None
        assert fragment in err


# --------------------------------------------------------------------------
# Display vs inline behaviour (documents KaTeX's rules; see render.js)


@pytest.mark.katex
@pytest.mark.parametrize(
    "latex, inline_error",
    [
        (r"\begin{align*} a &= b \\ c &= d \end{align*}", "can be used only in display mode"),
        (r"\begin{equation*} a \end{equation*}", "can be used only in display mode"),
        (r"x = 1 \tag{1}", r"\tag works only in display equations"),
        (r"\begin{aligned} a &= b \end{aligned} \tag{1}", r"\tag works only in display"),
        (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", None),
        (r"\begin{array}{ll} a & b \end{array}", None),
    ],
)
def test_display_only_constructs(katex, latex, inline_error):
    inline, display = katex([(latex, False), (latex, True)])
    assert display is None
    if inline_error is None:
        assert inline is None
    else:
        assert inline is not None and inline_error in inline


@pytest.mark.katex
def test_multiple_tags_rejected(katex):
    assert "Multiple \\tag" in katex([(r"x \tag{1} \tag{2}", True)])[0]


# --------------------------------------------------------------------------
# Batch semantics


@pytest.mark.katex
def test_batch_mixed_order_preserved(katex):
    res = katex([r"x", r"\frac{1}{", (r"\begin{align*} a \end{align*}", True), r"\nope"])
    assert res[0] is None
    assert res[1] is not None
    assert res[2] is None
    assert res[3] is not None and "nope" in res[3]


@pytest.mark.katex
def test_single_subprocess_per_batch(katex, monkeypatch):
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(katex_harness.subprocess, "run", counting_run)
    res = katex([f"x_{{{i}}}" for i in range(200)])
    assert res == [None] * 200
    assert len(calls) == 1


def test_empty_batch_does_not_spawn(monkeypatch):
    monkeypatch.setattr(
        katex_harness.subprocess, "run", lambda *a, **k: pytest.fail("spawned node")
    )
    assert render_with_katex([]) == []


@pytest.mark.katex
def test_non_ascii_in_text_roundtrips(katex):
    assert katex([r"\text{température} = 3", "\\text{日本}"]) == [None, None]


def test_rejects_bad_item_type():
    with pytest.raises(TypeError):
        render_with_katex([123])  # type: ignore[list-item]


@pytest.mark.katex
def test_pinned_katex_version(katex):
    assert katex_harness.katex_version() == PINNED_KATEX_VERSION


# --------------------------------------------------------------------------
# Availability detection and CI behaviour (run without node/katex too)


def test_unavailable_without_node(monkeypatch):
    monkeypatch.setattr(katex_harness.shutil, "which", lambda name: None)
    assert katex_available() is False
    assert "node" in katex_unavailable_reason()
    with pytest.raises(KatexHarnessError, match="node"):
        render_with_katex(["x"])


def test_unavailable_without_katex_package(monkeypatch, tmp_path):
    monkeypatch.setattr(katex_harness, "KATEX_PACKAGE", tmp_path / "node_modules" / "katex")
    if katex_harness.shutil.which("node") is None:
        monkeypatch.setattr(katex_harness.shutil, "which", lambda name: "/usr/bin/node")
    assert katex_available() is False
    assert "npm ci --prefix tests/katex" in katex_unavailable_reason()


def test_require_katex_skips_locally_fails_in_ci(monkeypatch):
    monkeypatch.setattr(katex_harness.shutil, "which", lambda name: None)
    monkeypatch.setattr(sys.modules[__name__], "katex_available", lambda: False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_katex()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_katex()
