"""Derivation reports (symparams.reports.derivation and ``symparams derive``).

Expected numbers are typed from the worked examples
(shared/reference/worked-examples.md), or computed here from the formulas
those derivations print — never taken from the library's output.
"""

import re
import subprocess
import sys

import pytest

import symparams
from symparams.costs import COST_NAMES
from symparams.errors import OptionError
from symparams.presets import PRESETS
from symparams.reports.derivation import FORMATS, derivation

XL = symparams.model("cs336-gpt2-xl")


def _rows(markdown: str) -> dict[str, tuple[str, str]]:
    """Table rows as label -> (formula, value), first table row wins."""
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] != "piece":
            rows.setdefault(cells[0], (cells[1], cells[2]))
    return rows


def test_cs336_xl_markdown_table_matches_worked_example_a():
    rows = _rows(derivation(XL))
    assert rows["token embedding"] == ("$V h$", "80,411,200")
    assert rows["RMSNorm, each (×2 per block)"] == ("$h$", "1,600")
    assert rows["SwiGLU"] == (r"$3 d_{\mathrm{ff}} h$", "30,720,000")
    assert rows["multi-head self-attention"] == ("$4 h^{2}$", "10,240,000")
    assert rows["one block (×l)"][1] == "40,963,200"
    assert rows["total parameters"][1] == "2,127,057,600"
    assert rows["output head (untied)"] == ("$V h$", "80,411,200")
    assert rows["RoPE cos/sin buffer (not trainable)"][1] == "65,536"


def test_cs336_xl_markdown_has_the_right_rows_in_order():
    text = derivation(XL)
    params_table = text.split("## parameters")[1].split("## buffers")[0]
    labels = list(_rows(params_table))
    assert labels == ["token embedding", "RMSNorm, each (×2 per block)", "multi-head self-attention", "SwiGLU",
                      "one block (×l)", "RMSNorm", "output head (untied)", "total parameters"]
    assert "8,508,230,400 bytes = 8.5082 GB = 7.9239 GiB" in text


def test_cs336_xl_latex_has_every_number():
    text = derivation(XL, fmt="latex", grouping="thin")
    for number in ["80\\,411\\,200", "30\\,720\\,000", "10\\,240\\,000", "40\\,963\\,200",
                   "2\\,127\\,057\\,600", "65\\,536", "8\\,508\\,230\\,400"]:
        assert number in text, number
    assert r"50\,257 \cdot 1\,600" in text  # the substituted step


def test_classic_flops_report_matches_worked_example_b():
    m = symparams.model("gpt2")  # l=12, h=768, V=50,257; s = 1,024
    l, h, V, b, s = 12, 768, 50_257, 2, 1_024
    per_layer = 24 * b * s * h**2 + 4 * b * s**2 * h
    expected = l * per_layer + 2 * b * s * h * V
    rows = _rows(derivation(m, cost="flops", batch=b))
    assert rows["one block (×l)"] == (r"$24 b h^{2} s + 4 b h s^{2}$", f"{per_layer:,}")
    assert rows["total forward FLOPs"][1] == f"{expected:,}"


def test_classic_kv_cache_report_matches_worked_example_b():
    # 4 b l h (s + n) bytes in fp16; here every cached token is the prompt (n = 0)
    m = symparams.model("gpt2-xl")
    b, s = 8, 512
    text = derivation(m, cost="memory", batch=b, seq=s, dtype="fp16")
    assert f"{4 * b * 48 * 1600 * s:,} bytes" in text
    assert "Workload: b = 8, s = 512." in text


@pytest.mark.parametrize("cost", COST_NAMES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_cost_in_every_format(cost, fmt):
    for name in sorted(PRESETS):
        if cost == "inference" and symparams.model(name).architecture.name == "bert":  # an encoder: no decode
            with pytest.raises(OptionError, match="is an encoder"):
                derivation(symparams.model(name), cost=cost, fmt=fmt)
            continue
        text = derivation(symparams.model(name), cost=cost, fmt=fmt)
        parts = symparams.costs.derivation_parts(symparams.model(name), cost)
        for part in parts:  # every part's total appears, exactly
            total = part.total
            shown = f"{total:,}" if fmt != "latex" else f"{total:,}".replace(",", "{,}")
            assert shown in text, (name, cost, fmt, part.breakdown.quantity)


def test_tags_and_styles():
    tagged = derivation(XL, fmt="latex", style="align*", tags=True)
    assert tagged.count(r"\tag{") == len(re.findall(r"\\tag\{(\d+)\}", tagged)) > 3
    numbers = [int(x) for x in re.findall(r"\\tag\{(\d+)\}", tagged)]
    assert numbers == list(range(1, len(numbers) + 1))
    plain = derivation(XL, fmt="latex", style="$$")
    assert r"\begin{aligned}" not in plain and r"\begin{align*}" not in plain
    assert derivation(XL, fmt="latex").count(r"\begin{aligned}") == 3  # params, buffers, weights


def test_html_is_a_page_with_tables():
    page = derivation(XL, fmt="html")
    assert page.startswith("<!DOCTYPE html>") and page.count("<table") == 2
    assert "<td>40,963,200</td>" in page and "<math>" in page


def test_bad_options():
    with pytest.raises(OptionError, match="format"):
        derivation(XL, fmt="pdf")
    with pytest.raises(OptionError, match="cost"):
        derivation(XL, cost="vibes")
    with pytest.raises(OptionError, match="style"):
        derivation(XL, fmt="latex", style="eqnarray")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "symparams.cli", *args], capture_output=True, text=True)


def test_cli_derive_formats():
    html = _cli("derive", "cs336-gpt2-xl", "--format", "html")
    assert html.returncode == 0 and "<td>2,127,057,600</td>" in html.stdout
    tex = _cli("derive", "cs336-gpt2-xl", "--format", "latex", "--style", "align*", "--tags", "--grouping", "thin")
    assert tex.returncode == 0 and r"\tag{1}" in tex.stdout and r"2\,127\,057\,600" in tex.stdout
    flops = _cli("derive", "gpt2", "--cost", "flops", "--seq", "128", "--batch", "4")
    assert flops.returncode == 0 and "Workload: b = 4, s = 128." in flops.stdout


@pytest.mark.parametrize("args", [("--style", "bad"), ("--grouping", "dots"), ("--cost", "nope")])
def test_cli_derive_errors(args):
    out = _cli("derive", "gpt2", "--format", "latex", *args)
    assert out.returncode == 2 and out.stdout == "" and out.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["cs336-gpt2-xl", "gpt2-xl", "llama-2-7b", "mixtral-8x7b-v0.1", "gemma-2-2b",
                                  "qwen1.5-moe-a2.7b"])
@pytest.mark.parametrize("cost", ["params", "flops", "memory"])
def test_rows_add_up_to_each_block(name, cost):
    """A row of one instance that stands for several says so ("RMSNorm, each (×2 per block)"), and
    Σ count × printed value over a stack's rows is the printed block row: a reader can add the table up."""
    from symparams.costs import derivation_parts
    from symparams.printing.rows import breakdown_rows
    from symparams.values import evaluate

    m = symparams.model(name)
    checked = 0
    for part in derivation_parts(m, cost, seq=256):
        bd = part.breakdown
        rows = breakdown_rows(bd, part.values)
        piece_rows = [r for r in rows if r.kind == "piece"]
        block_rows = [r for r in rows if r.kind == "block"]
        assert len(piece_rows) == len(bd.pieces)
        stacks = [st for st in bd.stacks if st in dict(bd.repeats)]
        assert len(block_rows) == len(stacks)
        for stack, block in zip(stacks, block_rows):
            added = sum((1 if r.times is None else evaluate(r.times, part.values)) * r.value
                        for r, p in zip(piece_rows, bd.pieces) if p.stack == stack)
            assert added == block.value, (name, cost, stack)
            checked += 1
        for r in piece_rows:
            assert (r.times is None) == (", each (×" not in r.text), r.text
    assert checked
