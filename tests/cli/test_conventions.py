"""The command line's conventions: ``--version``, ``--help`` and ``python -m symparams`` without SymPy;
``--json`` (with a ``version`` field) on every command; several models per ``count``; ``compare A B``;
one ``--dtype`` vocabulary; shell completion (extra ``completion``)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import symparams
from symparams.cli import COMMANDS, build_parser, main
from symparams.cli._args import DTYPE_ALIASES, DTYPES

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
TRANSFORMERS = json.loads((FIXTURES.parent / "transformers_params.json").read_text())


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _python(*code_or_args, env=None):
    return subprocess.run([sys.executable, *code_or_args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


# ---- --version, --help, python -m symparams: light -----------------------------------------------

@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["count", "--help"], ["compare", "--help"]])
def test_version_and_help_do_not_import_sympy(argv):
    code = ("import sys\nfrom symparams.cli import main\ntry:\n    main(%r)\nexcept SystemExit as e:\n"
            "    code = e.code\nheavy = sorted(m for m in ('sympy', 'mpmath', 'numpy', 'torch') if m in sys.modules)\n"
            "print('MODULES', heavy, code)" % argv)
    done = _python("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "MODULES [] 0"


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"symparams {symparams.__version__}\n"


@pytest.mark.parametrize("module", ["symparams", "symparams.cli"])
def test_python_dash_m(module):
    done = _python("-m", module, "--version")
    assert done.returncode == 0 and done.stdout == f"symparams {symparams.__version__}\n"
    done = _python("-m", module, "count", "gpt2", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["params"]["total"] == 124_439_808


# ---- --json everywhere, with a version field ------------------------------------------------------

JSON_RUNS = {
    "count": ["count", "gpt2"],
    "derive": ["derive", "cs336-gpt2-xl"],
    "formula": ["formula", "gpt-classic"],
    "compare": ["compare", "gpt2", "cs336-gpt2-small"],
    "list": ["list"],
    "devices": ["devices"],
    "train": ["train", "gpt2", "--gpus", "1"],
    "infer": ["infer", "gpt2", "--device", "h100-sxm", "--prompt", "64", "--gen", "8"],
    "finetune": ["finetune", "gpt2", "--lora-rank", "8", "--lora-targets", "c_attn"],
}


def test_every_command_has_json():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert "--json" in parser._option_string_actions, name
    assert set(COMMANDS) - {"plot"} <= set(JSON_RUNS)


@pytest.mark.parametrize("command", sorted(JSON_RUNS))
def test_json_documents_carry_the_version(capsys, command):
    code, out, err = run(capsys, *JSON_RUNS[command], "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["version"] == symparams.__version__


def test_plot_json(capsys, tmp_path):
    pytest.importorskip("matplotlib", reason="extra 'plot'")
    png = tmp_path / "p.png"
    code, out, _ = run(capsys, "plot", "params-shape", "gpt2", "-o", png, "--json")
    assert code == 0 and json.loads(out) == {"output": str(png), "kind": "params-shape", "models": ["gpt2"],
                                             "version": symparams.__version__}
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_derive_json_rows_add_up(capsys):
    _, out, _ = run(capsys, "derive", "cs336-gpt2-xl", "--json")
    part = json.loads(out)["parts"][0]
    rows = {r["label"]: r for r in part["rows"]}
    assert rows["RMSNorm, each (×2 per block)"]["value"] == 1600 and rows["RMSNorm, each (×2 per block)"]["count"] == "2"
    assert rows["one block (×l)"]["value"] == 1600 * 2 + 4 * 1600**2 + 3 * 6400 * 1600  # worked example A
    assert part["total"] == 2_127_057_600 and part["leading_large"] == ["l", "h", "d_ff"]


def test_list_json(capsys):
    _, out, _ = run(capsys, "list", "--json")
    data = json.loads(out)
    assert "gpt-classic" in data["architectures"] and "llama" in data["model_types"]
    assert data["hf_presets"]["llama-2-7b"]["source"] == "meta-llama/Llama-2-7b-hf"


# ---- several models in one call -----------------------------------------------------------------

def test_count_several_models_one_json_object_per_line_in_order(capsys):
    names = ["llama-2-7b", "gpt2", str(FIXTURES / "phi-2.json")]
    code, out, err = run(capsys, "count", *names, "--json")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 3
    totals = [json.loads(line)["params"]["total"] for line in lines]
    assert totals == [TRANSFORMERS["llama-2-7b"], 124_439_808, TRANSFORMERS["phi-2"]]


def test_a_bad_model_in_a_batch_is_reported_the_others_printed(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"model_type": "llama", "hidden_size": 4096.0}')
    code, out, err = run(capsys, "count", "gpt2", bad, "no-such-model", "cs336-gpt2-small", "--json")
    assert code == 2
    assert [json.loads(line)["model"] for line in out.splitlines()] == ["gpt2", "cs336-gpt2-small"]
    errors = err.splitlines()
    assert len(errors) == 2 and all(e.startswith("symparams: error: ") for e in errors)
    assert str(bad) in errors[0] and "hidden_size" in errors[0] and "no-such-model" in errors[1]


def test_several_models_as_text(capsys):
    code, out, _ = run(capsys, "count", "gpt2", "gpt2-medium")
    assert code == 0 and "124,439,808" in out and "354,823,168" in out


# ---- compare A B -----------------------------------------------------------------------------------

def test_compare_two_models(capsys):
    code, out, _ = run(capsys, "compare", "llama-2-7b", "mistral-7b-v0.1", "--json")
    data = json.loads(out)
    params = data["costs"]["params"]
    assert (params["a"], params["b"]) == (TRANSFORMERS["llama-2-7b"], TRANSFORMERS["mistral-7b-v0.1"])
    assert params["difference"] == params["a"] - params["b"]
    assert data["workload"]["seq"] == 4096  # the shorter context (Llama-2's 4,096; Mistral's 32,768)
    # GQA: Mistral's K and V projections have n_kv = 8 of a = 32 heads (h = 4096, l = 32, equal sizes)
    assert data["formulas"]["params"]["difference"] == "2*h**2*l*(a - n_kv)/a"
    code, text, _ = run(capsys, "compare", "llama-2-7b", "mistral-7b-v0.1")
    assert code == 0 and "A − B" in text and "6,738,415,616" in text


def test_compare_conventions_stays(capsys):
    code, out, _ = run(capsys, "compare", "gpt2", "--convention", "default", "--convention", "causal-half",
                       "--json", "--seq", "1024")
    data = json.loads(out)
    assert data["costs"]["forward_flops"]["difference_value"] == 2 * 768 * 12 * 1024**2


@pytest.mark.parametrize("argv,message", [
    (["compare", "gpt2", "gpt2-xl", "--convention", "a", "--convention", "b"], "at most one --convention"),
    (["compare", "gpt2", "gpt2-xl", "gpt2-large"], "two models"),
    (["compare", "gpt2"], "exactly two --convention"),
])
def test_compare_misuse(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


# ---- one --dtype vocabulary -------------------------------------------------------------------------

def test_one_dtype_vocabulary():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    found = {name: p._option_string_actions["--dtype"] for name, p in sub.choices.items()
             if "--dtype" in p._option_string_actions}
    assert {"count", "derive", "compare"} <= set(found)
    for name, action in found.items():
        assert tuple(action.choices) == DTYPES, name
        assert action.type("bfloat16") == "bf16" and action.type("torch.float32") == "fp32"
    assert set(DTYPE_ALIASES.values()) <= set(DTYPES)


def test_dtype_aliases_and_refusal(capsys):
    _, a, _ = run(capsys, "count", "gpt2", "--dtype", "bfloat16", "--json")
    _, b, _ = run(capsys, "count", "gpt2", "--dtype", "bf16", "--json")
    assert json.loads(a) == json.loads(b)
    try:
        code = main(["derive", "gpt2", "--dtype", "int3"])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "invalid choice: 'int3'" in err


def test_fp32_is_one_memory_recipe(capsys):
    """--dtype fp32: weights, activations and training all in fp32 (the fp32 AdamW recipe 4+4+8)."""
    _, out, _ = run(capsys, "count", "gpt2", "--dtype", "fp32", "--json")
    mem = json.loads(out)["memory"]
    params = 124_439_808
    assert mem["weights_bytes"] == 4 * params
    assert mem["training_recipe"] == "fp32"
    assert mem["training_by_piece"]["weights"] == mem["weights_bytes"]
    assert mem["training_by_piece"]["gradients"] == 4 * params and mem["training_by_piece"]["optimizer"] == 8 * params
    assert mem["training_by_piece"]["activations"] == mem["activation_bytes"]
    _, out, _ = run(capsys, "count", "gpt2", "--dtype", "bf16", "--json")
    mem = json.loads(out)["memory"]
    assert mem["training_recipe"] == "mixed" and mem["training_by_piece"]["weights"] == mem["weights_bytes"] == 2 * params


# ---- shell completion (argcomplete) ----------------------------------------------------------------

@pytest.mark.completion
@pytest.mark.parametrize("line,expected", [("symparams co", {"count", "compare"}),
                                           ("symparams count gpt2-", {"gpt2-medium", "gpt2-large", "gpt2-xl"}),
                                           ("symparams count gpt2 --dtype ", set(DTYPES))])
def test_completion(tmp_path, line, expected):
    out = tmp_path / "completions"
    env = {"_ARGCOMPLETE": "1", "_ARGCOMPLETE_STDOUT_FILENAME": str(out), "COMP_LINE": line,
           "COMP_POINT": str(len(line)), "_ARGCOMPLETE_IFS": "\n"}
    done = subprocess.run([sys.executable, "-m", "symparams"], env={**os.environ, **env}, capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert set(out.read_text().split()) == expected
