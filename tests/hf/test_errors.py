"""Bad Hugging Face configs: one clear error, from the API and from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symparams.errors import ConfigError, UnknownModelError
from symparams.families import SUPPORTED_MODEL_TYPES
from symparams.hf import from_hf_config

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
LLAMA = json.loads((FIXTURES / "llama-3-8b.json").read_text())


def _llama(**changes):
    cfg = {**LLAMA, **changes}
    return {k: v for k, v in cfg.items() if v is not _DROP}


_DROP = object()

# (id, file text, error class, substrings the one-line message must contain)
CASES = [
    ("missing field", json.dumps(_llama(hidden_size=_DROP)), ConfigError, ["missing field 'hidden_size'"]),
    ("string size", json.dumps(_llama(num_hidden_layers="32")), ConfigError,
     ["'num_hidden_layers'", '"32"', "positive integer"]),
    ("float size", json.dumps(_llama(hidden_size=4096.0)), ConfigError, ["'hidden_size' = 4096.0", "not a float"]),
    ("bool size", json.dumps(_llama(num_attention_heads=True)), ConfigError, ["'num_attention_heads' = true"]),
    ("zero size", json.dumps(_llama(vocab_size=0)), ConfigError, ["'vocab_size' = 0", "positive integer"]),
    ("negative size", json.dumps(_llama(intermediate_size=-1)), ConfigError, ["'intermediate_size' = -1"]),
    ("flag not bool", json.dumps(_llama(tie_word_embeddings="yes")), ConfigError,
     ["'tie_word_embeddings'", "true or false"]),
    ("hidden not divisible", json.dumps(_llama(hidden_size=4095)), ConfigError,
     ["'hidden_size' = 4095", "not divisible", "head_dim"]),
    ("heads not divisible by kv", json.dumps(_llama(num_key_value_heads=5)), ConfigError,
     ["'num_attention_heads' = 32", "'num_key_value_heads' = 5"]),
    ("unknown model_type", json.dumps(_llama(model_type="xlnet")), UnknownModelError,
     ["unsupported model_type 'xlnet'", "supported: " + ", ".join(SUPPORTED_MODEL_TYPES)]),
    ("missing model_type", json.dumps(_llama(model_type=_DROP)), ConfigError, ["missing field 'model_type'"]),
    ("not an object", "[1, 2, 3]", ConfigError, ["expected a JSON object", "got list"]),
    ("invalid JSON", '{"model_type": "llama",', ConfigError, ["not valid JSON", "line 1"]),
    ("NaN is not JSON", '{"model_type": "llama", "hidden_size": NaN}', ConfigError, ["not valid JSON", "NaN"]),
    ("top-k above experts", json.dumps({**json.loads((FIXTURES / "mixtral-8x7b-v0.1.json").read_text()),
                                        "num_experts_per_tok": 9}), ConfigError,
     ["'num_experts_per_tok' = 9", "'num_local_experts' = 8"]),
    ("qwen2_moe dense layer out of range", json.dumps({**json.loads((FIXTURES / "qwen1.5-moe-a2.7b.json").read_text()),
                                                     "mlp_only_layers": [0, 24]}), ConfigError,
     ["'mlp_only_layers' = [0, 24]", "layer indices in 0..23"]),
    ("qwen2_moe sparse step 0", json.dumps({**json.loads((FIXTURES / "qwen1.5-moe-a2.7b.json").read_text()),
                                           "decoder_sparse_step": 0}), ConfigError,
     ["'decoder_sparse_step' = 0", "positive integer"]),
    ("bloom without a width", json.dumps({"model_type": "bloom", "n_layer": 2, "n_head": 2, "vocab_size": 8}),
     ConfigError, ["missing field 'n_embed' or 'hidden_size'"]),
    ("bloom width not divisible", json.dumps({"model_type": "bloom", "hidden_size": 6, "n_layer": 2, "n_head": 4,
                                             "vocab_size": 8}), ConfigError,
     ["'hidden_size' = 6 is not divisible", "heads 4"]),
    ("gemma2 sliding layers without a window",
     json.dumps({**json.loads((FIXTURES / "gemma-2-2b.json").read_text()), "sliding_window": None}), ConfigError,
     ["'sliding_window' = null", "layer_types", "full_attention"]),
    ("gemma2 layer_types of the wrong length",
     json.dumps({**json.loads((FIXTURES / "gemma-2-2b.json").read_text()), "layer_types": ["full_attention"]}),
     ConfigError, ["'layer_types'", "26 (num_hidden_layers) entries"]),
]
IDS = [c[0] for c in CASES]


def _write(tmp_path, text) -> Path:
    path = tmp_path / "config.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize("label, text, error, parts", CASES, ids=IDS)
def test_api_raises(tmp_path, label, text, error, parts):
    path = _write(tmp_path, text)
    with pytest.raises(error) as info:
        from_hf_config(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for part in parts:
        assert part in message


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "symparams.cli", *args], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2])


@pytest.mark.parametrize("label, text, error, parts", CASES, ids=IDS)
def test_cli_one_line_exit_2(tmp_path, label, text, error, parts):
    path = _write(tmp_path, text)
    proc = _cli("count", str(path), "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("symparams: error: ") and str(path) in proc.stderr
    for part in parts:
        assert part in proc.stderr


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        from_hf_config(tmp_path / "nope.json")
    with pytest.raises(ConfigError, match="folder has no config.json"):
        from_hf_config(tmp_path)
    proc = _cli("derive", str(tmp_path))
    assert proc.returncode == 2 and proc.stdout == "" and "folder has no config.json" in proc.stderr


def test_unreadable_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot read the file"):
        from_hf_config(path)
    proc = _cli("count", str(path))
    assert proc.returncode == 2 and "cannot read the file" in proc.stderr and "Traceback" not in proc.stderr


def test_error_classes_are_documented_builtins():
    assert issubclass(ConfigError, ValueError) and issubclass(UnknownModelError, LookupError)


def test_bloom_needs_a_sequence_length():
    # BloomConfig has no context-length field (ALiBi): no s_max, so costs per sequence need seq= / --seq.
    m = from_hf_config(FIXTURES / "bloom-560m.json")
    assert "s_max" not in {s.name for s in m.values}
    with pytest.raises(ConfigError, match=r"no context length \(s_max\).*--seq"):
        m.forward_flops(batch=1)
    proc = _cli("count", str(FIXTURES / "bloom-560m.json"))
    assert proc.returncode == 2 and proc.stdout == "" and "give a sequence length" in proc.stderr
    proc = _cli("count", str(FIXTURES / "bloom-560m.json"), "--seq", "2048", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["params"]["total"] == 559_214_592


def test_cli_count_and_derive_work(tmp_path):
    proc = _cli("count", str(FIXTURES / "llama-2-7b.json"), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["model"] == "llama-2-7b" and data["params"]["total"] == 6_738_415_616
    folder = tmp_path / "phi-2"
    folder.mkdir()
    (folder / "config.json").write_text((FIXTURES / "phi-2.json").read_text())
    proc = _cli("derive", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert "phi-2" in proc.stdout and "2,779,683,840" in proc.stdout
