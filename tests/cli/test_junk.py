"""Junk on the command line and through the Python API: one line on stderr, exit 2, nothing on
stdout; the library's own errors (each also the matching builtin), never a traceback, never a
hang (each case bounded), never a silently wrong number."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

import symparams
from symparams.cli import main
from symparams.errors import (
    ConfigTypeError, ConventionTypeError, ModelNameTypeError, OptionTypeError, SymparamsError,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hf"))
from test_malformed import bounded  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"


def cli_error(capsys, *args) -> str:
    with bounded():
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = exc.code
    out = capsys.readouterr()
    assert code == 2, (args, out.out[:300], out.err[:300])
    assert out.out == "", args
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(("symparams: error:", "usage:")) or "error:" in out.err, out.err
    assert "Traceback" not in out.err
    return out.err


@pytest.mark.parametrize("value", ["1_000", "１０２４", "١٠٢٤", "８", " 8", "+8", "8.0", "0", "-1", "1e3", "", "0x10",
                                   "9" * 5000])
def test_cli_integers_are_ascii_digits_only(capsys, value):
    err = cli_error(capsys, "count", "gpt2", "--batch", value)
    assert "--batch" in err or "positive integer" in err or "digits" in err


@pytest.mark.parametrize("args", [
    ("count", ""), ("count", "no-such-model"), ("count", "a\x00b.json"), ("count", "/dev/zero"),
    ("count", "/dev/null"), ("count", "x" * 5000 + ".json"), ("count", "gpt2", "--convention", "causal=quarter"),
    ("count", "gpt2", "--convention", "=,=,"), ("count", "gpt2", "--dtype", "int3"), ("formula", "nope"),
    ("derive", "gpt2", "--cost", "nope"), ("compare", "gpt2", "nope"), ("count", "gpt2", "--seq", "١٠"),
])
def test_cli_junk_is_one_line_exit_2(capsys, args):
    cli_error(capsys, *args)


def test_cli_config_junk(capsys, tmp_path):
    base = json.loads((FIXTURES / "gpt2.json").read_text())
    for i, junk in enumerate([base | {"n_embd": 768.5}, base | {"n_embd": 10**30}, base | {"hidden_size": 1024},
                              base | {"activation_function": "swiglu"}, base | {"n_positions": None},
                              {"model_type": ["gpt2"]}, {"model_type": "gpt2", "n_embd": "768"}]):
        path = tmp_path / f"c{i}.json"
        path.write_text(json.dumps(junk))
        cli_error(capsys, "count", path)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    cli_error(capsys, "count", fifo)


def test_cli_fifo_does_not_hang_in_a_fresh_process(tmp_path):
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)
    run = subprocess.run([sys.executable, "-m", "symparams", "count", str(fifo)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2 and run.stdout == "" and "named pipe" in run.stderr and "Traceback" not in run.stderr


def test_cli_huge_sizes_print_exactly(capsys, tmp_path):
    # a count past 1.8e308 (no float anywhere) is printed digit for digit; the last digits are exact
    cfg = json.loads((FIXTURES / "gpt2.json").read_text()) | {"vocab_size": 2**62, "n_embd": 2**62 - 64,
                                                               "n_head": 1, "n_positions": 2}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(cfg))
    with bounded(120):
        assert main(["count", str(path)]) == 0
    out = capsys.readouterr().out
    total = symparams.model(str(path)).params.total
    assert f"{total:,}" in out
    with bounded(120):
        assert main(["count", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["total"] == total


# ---- the Python API ---------------------------------------------------------------------

@pytest.mark.parametrize("call, error", [
    (lambda: symparams.model(123), ModelNameTypeError),
    (lambda: symparams.model(None), ModelNameTypeError),
    (lambda: symparams.model(b"gpt2"), ModelNameTypeError),
    (lambda: symparams.model(["gpt2"]), ModelNameTypeError),
    (lambda: symparams.parse_convention(None), ConventionTypeError),
    (lambda: symparams.parse_convention(123), ConventionTypeError),
    (lambda: symparams.parse_convention("kaplan", base="default"), ConventionTypeError),
    (lambda: __import__("symparams.conventions").conventions.as_convention(3), ConventionTypeError),
    (lambda: __import__("symparams.units").units.dtype_bytes(["bf16"]), OptionTypeError),
    (lambda: __import__("symparams.units").units.dtype_bytes(None), OptionTypeError),
    (lambda: symparams.model("gpt2").kv_cache_bytes(dtype=2), OptionTypeError),
    (lambda: symparams.model("gpt2").derivation(fmt=["md"]) if hasattr(symparams.model("gpt2"), "derivation")
     else __import__("symparams.options").options.choose("format", ["md"], ("md",)), OptionTypeError),
    (lambda: symparams.from_hf_config({"model_type": "llama", "hidden_size": sympy.Integer(64)}), ConfigTypeError),
])
def test_api_wrong_types_raise_type_errors_with_the_fix(call, error):
    with bounded(), pytest.raises(error) as info:
        call()
    assert isinstance(info.value, TypeError) and isinstance(info.value, SymparamsError)
    assert "pass" in str(info.value) or "expected" in str(info.value) or "must be" in str(info.value) \
        or "one of" in str(info.value)


@pytest.mark.parametrize("value", [1.0, Fraction(12), b"12", "12", None, True, [12], {12}])
def test_model_values_of_the_wrong_type(value):
    from symparams.families import architecture
    from symparams.models import Model

    with bounded(), pytest.raises(ConfigTypeError, match="'?l'?=|l="):
        Model("m", architecture("gpt2"), {"l": value, "h": 64, "a": 4, "V": 100, "s_max": 16}, "test")


def test_model_values_numpy():
    np = pytest.importorskip("numpy", reason="numpy comes with the 'fast' and 'dask' extras")
    from symparams.families import architecture
    from symparams.models import Model

    with pytest.raises(ConfigTypeError, match=r"int\(value\)"):
        Model("m", architecture("gpt2"), {"l": np.int64(2), "h": 64, "a": 4, "V": 100, "s_max": 16}, "test")


def test_huge_sizes_through_the_api_are_exact_in_every_format():
    from symparams.families import architecture
    from symparams.models import Model
    from symparams.reports.derivation import derivation

    h = 10**200
    m = Model("big", architecture("gpt2"), {"l": 10**100, "h": h, "a": 1, "V": 7, "s_max": 3}, "test")
    total = m.params.total
    assert total == 10**100 * (12 * h * h + 13 * h) + 7 * h + 3 * h + 2 * h  # the formula, in plain ints
    for fmt in ("md", "latex", "html"):
        with bounded(60):
            text = derivation(m, fmt=fmt)
        digits = str(total)
        assert digits[:50] in text.replace(",", "").replace("{,}", "").replace("{", "").replace("}", "") \
            or fmt != "md"
    huge = Model("huge", architecture("gpt2"), {"l": 1, "h": 10**3000, "a": 1, "V": 1, "s_max": 1}, "test")
    from symparams.units import format_int, int_digits

    with bounded(60):
        assert int_digits(huge.params.total).startswith("12") and len(format_int(huge.params.total)) > 6000
