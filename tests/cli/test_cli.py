"""The ``symparams`` command line: the error contract and the outputs a user reads.

Error contract: one line on stderr naming the field/value and the fix, exit code 2,
nothing on stdout, never a traceback. Expected numbers come from the worked
examples (GPT-2 small: 124,439,808 parameters) or are computed here by hand.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from symparams.cli import main
from _cli import run_error

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
LLAMA = json.loads((FIXTURES / "llama-2-7b.json").read_text())


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _config(tmp_path, name, data=None, text=None):
    path = tmp_path / name
    path.write_text(json.dumps(data) if text is None else text)
    return path


def _llama(**changes):
    data = {**LLAMA, **changes}
    return {k: v for k, v in data.items() if v is not None}


# ---- bad config files: each names the file, the field and what is expected ----------------------------

@pytest.mark.parametrize("data, expect", [
    (_llama(hidden_size=None), ["'hidden_size'", "missing"]),
    (_llama(hidden_size=4096.0), ["'hidden_size'", "4096.0", "not a float"]),
    (_llama(hidden_size=4096.5), ["'hidden_size'", "4096.5"]),
    (_llama(num_hidden_layers=True), ["'num_hidden_layers'", "true", "positive integer"]),
    (_llama(hidden_size=-4096), ["'hidden_size'", "-4096", "positive integer"]),
    (_llama(hidden_size="4096"), ["'hidden_size'", "positive integer"]),
    (_llama(hidden_size=4100), ["'hidden_size'", "4100", "divisible", "head_dim"]),
    (_llama(num_key_value_heads=5), ["'num_key_value_heads'", "5", "divisible"]),
    (_llama(model_type="xlnet"), ["'xlnet'", "llama"]),
    (_llama(model_type=None), ["'model_type'", "llama"]),
    ([1, 2], ["JSON object", "list"]),
])
@pytest.mark.parametrize("command", ["count", "derive"])
def test_bad_config_is_one_line_exit_2(capsys, tmp_path, data, expect, command):
    path = _config(tmp_path, "config.json", data)
    err = run_error(capsys, command, path)
    assert str(path) in err
    for word in expect:
        assert word in err, (word, err)


@pytest.mark.parametrize("text", ['{"model_type": "llama",', "", '{"hidden_size": NaN}'])
def test_invalid_json(capsys, tmp_path, text):
    path = _config(tmp_path, "bad.json", text=text)
    err = run_error(capsys, "count", path, "--json")
    assert str(path) in err and "JSON" in err


def test_not_utf8(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe{}")
    assert "UTF-8" in run_error(capsys, "count", path)


def test_folder_without_config_json(capsys, tmp_path):
    err = run_error(capsys, "count", tmp_path)
    assert str(tmp_path) in err and "config.json" in err


def test_config_json_that_is_a_folder(capsys, tmp_path):
    (tmp_path / "config.json").mkdir()
    assert "config.json" in run_error(capsys, "count", tmp_path)


def test_missing_path(capsys, tmp_path):
    err = run_error(capsys, "count", tmp_path / "nope.json")
    assert "nope.json" in err


def test_unreadable_path(capsys, tmp_path):
    """A path the OS refuses (here: a name too long for the file system) names the path and the fix."""
    path = tmp_path / ("x" * 300 + ".json")
    err = run_error(capsys, "count", path)
    assert "xxx" in err and "config.json" in err and "Errno" not in err


def test_unreadable_file_permission(capsys, tmp_path, monkeypatch):
    """A file that cannot be opened (permission denied; faked, as root may read anything)."""
    path = _config(tmp_path, "config.json", LLAMA)
    real_open = Path.open

    def deny(self, *args, **kwargs):
        if self.name == "config.json":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: deny(self))
    monkeypatch.setattr(Path, "read_bytes", lambda self, *a, **k: deny(self))
    real_os_open = os.open
    monkeypatch.setattr(os, "open", lambda file, *a, **k: deny(Path(file)) if Path(file).name == "config.json"
                        else real_os_open(file, *a, **k))
    err = run_error(capsys, "count", path)
    assert "config.json" in err and "ermission" in err


def test_folder_holding_config_json(capsys, tmp_path):
    shutil.copy(FIXTURES / "llama-2-7b.json", tmp_path / "config.json")
    code, out, err = run(capsys, "count", tmp_path, "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["params"]["total"] == 6_738_415_616  # transformers' sum(p.numel())


# ---- unknown names, options and values ------------------------------------------------------------------

@pytest.mark.parametrize("args, expect", [
    (("count", "gpt5"), ["'gpt5'", "gpt2-xl", "config.json"]),
    (("derive", "gpt5"), ["'gpt5'", "gpt2-xl"]),
    (("formula", "gpt5"), ["'gpt5'", "architecture", "gpt-classic"]),
    (("compare", "gpt5", "--convention", "default", "--convention", "macs"), ["'gpt5'"]),
    (("count", "gpt2", "--frobnicate"), ["--frobnicate", "--help"]),
    (("frob",), ["'frob'", "count"]),
    ((), ["command"]),
    (("count",), ["model"]),
    (("count", "gpt2", "--batch", "0"), ["--batch", "0", "positive integer"]),
    (("count", "gpt2", "--batch", "-3"), ["--batch", "-3", "positive integer"]),
    (("count", "gpt2", "--seq", "-1"), ["--seq", "-1", "positive integer"]),
    (("count", "gpt2", "--seq", "0"), ["--seq", "0"]),
    (("count", "gpt2", "--seq", "1.5"), ["--seq", "1.5", "positive integer"]),
    (("count", "gpt2", "--dtype", "fp7"), ["--dtype", "fp7", "bf16"]),
    (("derive", "gpt2", "--dtype", "fp7"), ["fp7", "bf16"]),
    (("derive", "gpt2", "--batch", "0"), ["--batch", "0"]),  # even for params, which ignore b
    (("derive", "gpt2", "--seq", "-1"), ["--seq", "-1"]),
    (("derive", "gpt2", "--seq", "1.5"), ["--seq", "1.5"]),
    (("derive", "gpt2", "--cost", "foo"), ["'foo'", "params, flops"]),
    (("derive", "gpt2", "--format", "pdf"), ["'pdf'", "latex"]),
    (("derive", "gpt2", "--style", "bogus"), ["'bogus'", "align*"]),
    (("derive", "gpt2", "--grouping", "dots"), ["'dots'", "thin"]),
    (("count", "gpt2", "--convention", "bogus"), ["'bogus'", "kaplan"]),
    (("count", "gpt2", "--causal", "window"), ["--window"]),
    (("count", "gpt2", "--causal", "window", "--window", "0"), ["--window", "0"]),
    (("count", "gpt2", "--window", "64"), ["--window 64", "--causal window"]),
    (("compare", "gpt2", "--convention", "default"), ["exactly two", "1"]),
    (("compare", "gpt2", "--convention", "a", "--convention", "b", "--convention", "c"), ["exactly two"]),
    (("compare", "gpt2", "--convention", "default", "--convention", "bogus"), ["'bogus'"]),
    (("compare", "gpt2", "--convention", "default", "--convention", "macs", "--batch", "0"), ["--batch"]),
    (("plot", "bogus", "gpt2", "-o", "x.png"), ["'bogus'", "flop-share-size"]),
    (("plot", "flop-share-size", "gpt2"), ["-o"]),
    (("plot", "memory-batch", "gpt2", "-o", "x.png", "--device-gb", "-5"), ["--device-gb", "-5"]),
    (("list", "--frob"), ["--frob"]),
])
def test_errors_are_one_line_exit_2(capsys, args, expect):
    err = run_error(capsys, *args)
    for word in expect:
        assert word in err, (word, err)


# ---- outputs --------------------------------------------------------------------------------------------

def test_count_json_gpt2_by_hand(capsys):
    code, out, _ = run(capsys, "count", "gpt2", "--json", "--batch", "2", "--seq", "512")
    assert code == 0
    data = json.loads(out)
    b, s, l, h, V, a = 2, 512, 12, 768, 50257, 12
    assert data["params"]["total"] == 124_439_808
    assert data["flops"]["forward"] == l * (24 * b * s * h**2 + 4 * b * s**2 * h) + 2 * b * s * h * V
    assert data["memory"]["kv_cache_bytes"] == 2 * b * s * l * a * (h // a) * 2  # bf16
    assert data["memory"]["weights_bytes"] == 2 * 124_439_808

    def ints(x):
        if isinstance(x, dict):
            return all(ints(v) for v in x.values())
        return not isinstance(x, float)

    assert ints(data), "JSON counts are ints, never floats"


def test_count_text_names_units(capsys):
    code, out, err = run(capsys, "count", "gpt2")
    assert code == 0 and err == ""
    assert "124,439,808" in out
    assert "bytes = " in out and " GB = " in out and " GiB" in out
    assert "2 FLOPs per multiply-accumulate" in out


def test_count_notes_sequence_longer_than_context(capsys):
    _, out, _ = run(capsys, "count", "cs336-gpt2-small", "--seq", "4096")  # rotary positions: it can run
    assert "exceeds the context length s_max = 1,024" in out
    _, out, _ = run(capsys, "count", "gpt2", "--seq", "4096", "--allow-longer")
    assert "exceeds the context length s_max = 1,024" in out
    _, out, _ = run(capsys, "count", "gpt2", "--seq", "1024")
    assert "exceeds" not in out


@pytest.mark.parametrize("command", [["count"], ["derive"], ["compare", "--convention", "default",
                                                             "--convention", "6N"]])
def test_sequence_longer_than_learned_positions_is_refused(capsys, command):
    """GPT-2 has 1,024 position vectors (n_positions): transformers cannot run 1,025 tokens."""
    err = run_error(capsys, command[0], "gpt2", *command[1:], "--seq", "1025")
    assert "1,024 learned positions" in err and "--allow-longer" in err
    code, out, _ = run(capsys, command[0], "gpt2", *command[1:], "--seq", "1025", "--allow-longer")
    assert code == 0 and out


def test_sliding_window_flops(capsys):
    """w(2s − w + 1)/2 of the s×s products, by hand for s = 1024, w = 512."""
    s, w, b, l, h = 1024, 512, 1, 12, 768
    _, out, _ = run(capsys, "count", "gpt2", "--causal", "window", "--window", w, "--json")
    scores = json.loads(out)["flops"]["by_piece"]["attention.scores"]
    assert scores == l * 2 * b * h * (w * (2 * s - w + 1) // 2)


def test_window_longer_than_the_sequence_is_plain_causal(capsys):
    """min(w, s) = s: (s + 1)/(2s) of the s×s products, as --causal exact."""
    s, l, h = 1024, 12, 768
    _, out, _ = run(capsys, "count", "gpt2", "--causal", "window", "--window", "4096", "--json")
    _, exact, _ = run(capsys, "count", "gpt2", "--causal", "exact", "--json")
    scores = json.loads(out)["flops"]["by_piece"]["attention.scores"]
    assert scores == json.loads(exact)["flops"]["by_piece"]["attention.scores"] == l * 2 * h * (s * (s + 1) // 2)


def test_formula_names_conventions_and_symbols(capsys):
    _, out, _ = run(capsys, "formula", "gpt-classic", "--json")
    data = json.loads(out)
    assert data["kv_cache_bytes"] == "4*b*h*l*n + 4*b*h*l*s"  # 2 (K, V) × 2 bytes (bf16) × b(s+n)·l·h
    assert "bf16" in data["conventions"]["kv_cache_bytes"]
    assert "2 FLOPs per multiply-accumulate" in data["conventions"]["forward_flops"]
    assert set(data["symbols"]) == {"V", "h", "l", "a", "b", "s", "n"}
    _, text, _ = run(capsys, "formula", "gpt-classic")
    assert "units and conventions:" in text and "n: generated tokens" in text


def test_formula_latex_symbol_names(capsys):
    _, out, _ = run(capsys, "formula", "llama-3-8b", "--latex")
    assert r"d_{\mathrm{ff}}" in out and r"n_{\mathrm{kv}}" in out


def test_compare_names_units(capsys):
    _, out, _ = run(capsys, "compare", "gpt2", "--convention", "default", "--convention", "causal-half")
    assert "forward_flops (FLOPs):" in out and "kv_cache_bytes (bytes):" in out and "N (parameters):" in out


@pytest.mark.parametrize("fmt", ["md", "latex", "html"])
@pytest.mark.parametrize("cost", ["params", "flops", "memory", "training"])
def test_derive_every_format_and_cost(capsys, fmt, cost):
    code, out, err = run(capsys, "derive", "llama-3.2-1b", "--cost", cost, "--format", fmt, "--seq", "128")
    assert code == 0 and err == "" and out.strip()
    if fmt == "latex":
        assert r"\mathrm{" in out


def test_derive_leading_order_names_its_limit(capsys):
    _, out, _ = run(capsys, "derive", "cs336-gpt2-xl")
    assert "- leading order (l, h, d_ff large): $3 d_{\\mathrm{ff}} h l + 4 h^{2} l$" in out
    _, out, _ = run(capsys, "derive", "gpt2", "--cost", "flops", "--seq", "2048", "--allow-longer")
    assert "exceeds the context length s_max = 1,024" in out


def test_list(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for name in ("gpt-classic", "cs336-gpt2-xl", "llama-2-7b", "mixtral"):
        assert name in out
