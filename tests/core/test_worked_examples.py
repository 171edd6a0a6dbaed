"""Both worked derivations (shared/reference/worked-examples.md), every number.

Expected values are the published figures of the worked examples, typed from
that document — not computed by the library.
"""

import json
import subprocess
import sys

import pytest
from sympy import expand

import symparams
from symparams.symbols import V, a, d_ff, h, l, s_max


# ---- worked example A: CS336 decoder at GPT-2 XL sizes -------------------------

def test_example_a_table_row_by_row():
    m = symparams.model("cs336-gpt2-xl")
    arch = m.architecture
    assert m.value(arch.component("embedding").params()) == 80_411_200
    assert m.value(arch.component("norm").params()) == 1_600
    assert m.value(arch.component("mlp").params()) == 30_720_000
    assert m.value(arch.component("attention").params()) == 10_240_000
    assert m.params.block == 40_963_200
    assert m.params.total == 2_127_057_600
    assert m.buffers.total == 65_536
    assert m.weights_bytes("fp32") == 8_508_230_400


def test_example_a_closed_form():
    total = symparams.architecture("cs336").params().total
    assert expand(total - (V * h + l * (2 * h + 4 * h**2 + 3 * h * d_ff) + h + h * V)) == 0
    # the RoPE buffer is not trainable and stays out of the total
    assert s_max not in total.free_symbols


def test_example_a_units():
    # "≈ 7.9239 GB" in the post is GiB
    assert symparams.format_bytes(8_508_230_400) == "8,508,230,400 bytes = 8.5082 GB = 7.9239 GiB"


# ---- worked example B: the classic GPT decoder ---------------------------------

def test_example_b_per_layer_and_total():
    bd = symparams.architecture("gpt-classic").params()
    assert expand(bd.block - (12 * h**2 + 13 * h)) == 0
    assert expand(bd["attention"] - l * (4 * h**2 + 4 * h)) == 0
    assert expand(bd["mlp"] - l * (8 * h**2 + 5 * h)) == 0
    assert expand(bd["norm"] - l * 4 * h) == 0
    assert expand(bd.total - (12 * l * h**2 + 13 * l * h + V * h)) == 0
    assert symparams.leading_order(bd.total) == 12 * l * h**2


@pytest.mark.parametrize(
    "name, expected",
    [("gpt2", 124_439_808), ("gpt2-medium", 354_823_168), ("gpt2-large", 774_030_080), ("gpt2-xl", 1_557_611_200)],
)
def test_gpt2_published_sizes(name, expected):
    assert symparams.model(name).params.total == expected


def test_gpt2_closed_form():
    total = symparams.architecture("gpt2").params().total
    assert expand(total - (12 * l * h**2 + 13 * l * h + V * h + s_max * h + 2 * h)) == 0


# ---- the same from the CLI ----------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "symparams.cli", *args], capture_output=True, text=True)


def test_cli_derive_reproduces_example_a():
    out = _cli("derive", "cs336-gpt2-xl")
    assert out.returncode == 0, out.stderr
    for cell in ["80,411,200", "| $h$ | 1,600 |", "10,240,000", "30,720,000", "40,963,200",
                 "2,127,057,600", "65,536", "8,508,230,400 bytes"]:
        assert cell in out.stdout, cell


def test_cli_count_json_contract():
    out = _cli("count", "gpt2-xl", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["model"] == "gpt2-xl"
    assert data["params"]["total"] == 1_557_611_200
    assert data["params"]["embedding"] + data["params"]["non_embedding"] == 1_557_611_200
    assert isinstance(data["params"]["total"], int)
    assert data["formulas"]["params"] == "V*h + 12*h**2*l + 13*h*l + h*s_max + 2*h"


def test_cli_formula_json():
    out = _cli("formula", "gpt-classic", "--json")
    assert json.loads(out.stdout)["params"] == "V*h + 12*h**2*l + 13*h*l"
    lead = json.loads(_cli("formula", "gpt-classic", "--json", "--leading").stdout)
    assert lead["params"] == "12*h**2*l"


@pytest.mark.parametrize("args", [("count", "gpt5-huge", "--json"), ("formula", "nope"), ("derive",), ("bogus",)])
def test_cli_errors_exit_2_with_one_line(args):
    out = _cli(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.strip().count("\n") == 0 and "error" in out.stderr
