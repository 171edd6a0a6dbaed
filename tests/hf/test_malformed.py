"""Malformed input: wrong types, JSON edge cases, special files, deep nesting, huge numbers.

Every case ends in the library's own error (a ``SymparamsError`` that is also the
matching builtin: ``TypeError`` for a wrong type, ``ValueError`` for a wrong value) with
a message naming the field or file, within a time bound (:func:`bounded`): no hang, no
traceback of another kind, no silently wrong number.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

import symparams
from symparams.errors import ConfigError, ConfigTypeError, SymparamsError
from symparams.hf import from_hf_config
from symparams.hf.reader import MAX_CONFIG_BYTES, MAX_NESTING

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"
LLAMA = json.loads((FIXTURES / "llama-3.2-1b.json").read_text())
SECONDS = 20  # no case may take longer (they take milliseconds)


@contextlib.contextmanager
def bounded(seconds: int = SECONDS):
    """Fail (TimeoutError) instead of hanging: a SIGALRM timer around the block."""
    def expire(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def refused(config, error=ConfigError, match=None):
    with bounded(), pytest.raises(error, match=match) as info:
        from_hf_config(config)
    assert isinstance(info.value, SymparamsError)
    assert "\n" not in str(info.value) and len(str(info.value)) < 2000
    return str(info.value)


# ---- wrong Python types in a config dict ------------------------------------------------

@pytest.mark.parametrize("value, fix", [
    (sympy.Integer(2048), "int(value)"), (Fraction(2048), "plain int or float"), (b"2048", "a str"),
    ({2048}, "a list"), ((2048,), "a list"), (object(), "JSON data"), (1j, "JSON data"),
])
def test_non_json_values_in_a_dict_are_type_errors(value, fix):
    message = refused(LLAMA | {"hidden_size": value}, ConfigTypeError)
    assert "'hidden_size'" in message and fix in message
    with pytest.raises(TypeError):
        from_hf_config(LLAMA | {"rope_scaling": {"factor": value}})


def test_numpy_integers_are_type_errors():
    np = pytest.importorskip("numpy", reason="numpy comes with the 'fast' and 'dask' extras")
    message = refused(LLAMA | {"num_hidden_layers": np.int64(16)}, ConfigTypeError)
    assert "numpy.int64" in message and "int(value)" in message
    refused(LLAMA | {"rope_scaling": {"rope_type": "linear", "factor": np.float32(2.0)}}, ConfigTypeError)


def test_non_string_keys_are_type_errors():
    assert "is not a string" in refused(LLAMA | {1: 2}, ConfigTypeError)
    assert "is not a string" in refused(LLAMA | {"rope_scaling": {("a",): 1}}, ConfigTypeError)


@pytest.mark.parametrize("value", [4096.0, True, "4096", [4096], -4096, 0, 2**63, 10**400])
def test_sizes_that_are_not_positive_ints_below_2_63(value):
    message = refused(LLAMA | {"hidden_size": value})
    assert "'hidden_size'" in message


def test_a_size_just_below_2_63_is_counted_exactly():
    # no float anywhere: the count is exact however large the sizes
    big = 2**62
    m = from_hf_config(LLAMA | {"vocab_size": big, "tie_word_embeddings": True})
    assert m.params.total - from_hf_config(LLAMA | {"vocab_size": 1, "tie_word_embeddings": True}).params.total \
        == (big - 1) * LLAMA["hidden_size"]


# ---- JSON text: edge cases ----------------------------------------------------------------

def _file(tmp_path, text: str | bytes, name="config.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize("text, needle", [
    ("", "not valid JSON"), ("{", "not valid JSON"), ("[1, 2]", "JSON object"), ("null", "JSON object"),
    ('{"hidden_size": NaN}', "NaN"), ('{"hidden_size": Infinity}', "Infinity"), ('{"a": -Infinity}', "Infinity"),
    ("\ufeff{}", "not valid JSON"), ('{"a": 1} trailing', "not valid JSON"),
    ('{"model_type": "llama", "hidden_size": ' + "9" * 5000 + "}", "4,300 digits"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"a": ' + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "}", "nested too deeply"),
])
def test_json_edge_cases(tmp_path, text, needle):
    assert needle in refused(_file(tmp_path, text))


def test_invalid_utf8(tmp_path):
    assert "UTF-8" in refused(_file(tmp_path, b'{"model_type": "\xff"}'))


def test_deep_nesting_in_a_dict():
    deep: dict = {}
    node = deep
    for _ in range(10_000):
        node["x"] = {}
        node = node["x"]
    assert "nested too deeply" in refused(LLAMA | {"extra": deep})
    nested_list: list = []
    for _ in range(10_000):
        nested_list = [nested_list]
    assert "nested too deeply" in refused(LLAMA | {"extra": nested_list})


def test_self_referencing_dict_is_refused():
    loop: dict = {}
    loop["self"] = loop
    assert "nested too deeply" in refused(LLAMA | {"extra": loop})


# ---- special files --------------------------------------------------------------------------

def test_fifo_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)
    assert "named pipe" in refused(fifo)  # a blocking open would wait forever for a writer
    assert "named pipe" in refused(tmp_path)  # the folder's config.json is the FIFO


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused(device):
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    assert "character device" in refused(device)


def test_socket_is_refused(tmp_path):
    path = tmp_path / "s.json"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        assert stat.S_ISSOCK(path.stat().st_mode)
        message = refused(path)
    assert "socket" in message or "cannot read" in message


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "config.json"
    with path.open("wb") as fh:  # sparse: no disk used
        fh.truncate(MAX_CONFIG_BYTES + 1)
    assert f"{MAX_CONFIG_BYTES:,}-byte limit" in refused(path)


def test_directory_without_config(tmp_path):
    assert "no config.json" in refused(tmp_path)


# ---- alias conflicts, nulls, activations ---------------------------------------------------

GPT2 = json.loads((FIXTURES / "gpt2.json").read_text())
MIXTRAL = json.loads((FIXTURES / "mixtral-8x7b-v0.1.json").read_text())
FALCON = json.loads((FIXTURES / "falcon-7b.json").read_text())


@pytest.mark.parametrize("config, extra, keys", [
    (GPT2, {"hidden_size": 1024}, ("n_embd", "hidden_size")),
    (GPT2, {"num_hidden_layers": 24}, ("n_layer", "num_hidden_layers")),
    (GPT2, {"max_position_embeddings": 2048}, ("n_positions", "max_position_embeddings")),
    (MIXTRAL, {"num_experts": 4}, ("num_local_experts", "num_experts")),
    (FALCON, {"n_embed": 1024}, ("hidden_size", "n_embed")),
])
def test_alias_conflicts_name_both_keys_and_values(config, extra, keys):
    message = refused(config | extra)
    assert all(f"'{k}'" in message for k in keys)
    assert all(str(v) in message for v in extra.values())
    # equal values under both names are fine
    key = keys[0]
    assert from_hf_config(config | {keys[1]: config[key]}).params.total == from_hf_config(config).params.total


@pytest.mark.parametrize("config, key", [
    (MIXTRAL, "num_local_experts"), (LLAMA, "max_position_embeddings"), (LLAMA, "hidden_act"),
    (LLAMA, "intermediate_size"), (MIXTRAL, "num_key_value_heads"), (LLAMA, "rope_theta"),
    (LLAMA, "tie_word_embeddings"), (GPT2, "n_positions"), (LLAMA, "attention_bias"),
])
def test_nulls_transformers_refuses_are_refused(config, key):
    message = refused(config | {key: None}) if key != "rope_theta" else None
    if message is not None:
        assert f"'{key}'" in message and "null" in message


def test_nulls_transformers_derives_are_derived():
    # LlamaConfig: null num_key_value_heads → num_attention_heads; null head_dim → hidden / heads;
    # GPT2Config: null n_inner → 4·n_embd; MistralConfig: null sliding_window → no window
    llama = from_hf_config(LLAMA)
    mha = from_hf_config(LLAMA | {"num_key_value_heads": LLAMA["num_attention_heads"]})
    assert from_hf_config(LLAMA | {"num_key_value_heads": None}).params.total == mha.params.total
    assert from_hf_config(LLAMA | {"head_dim": None}).params.total == llama.params.total
    assert from_hf_config(GPT2 | {"n_inner": None}).params.total == from_hf_config(GPT2).params.total


@pytest.mark.parametrize("act", ["swiglu", "geglu", "GELU", "", "prelu", "xielu"])
def test_unknown_or_weighted_activations_are_refused(act):
    assert "'hidden_act'" in refused(LLAMA | {"hidden_act": act})


def test_falcon_layouts_transformers_cannot_run():
    assert "parallel_attn" in refused(FALCON | {"new_decoder_architecture": True, "parallel_attn": False})
    assert "num_ln_in_parallel_attn" in refused(FALCON | {"num_ln_in_parallel_attn": 2})


def test_rotary_dimension_mismatches():
    assert "even rotary dimension" in refused(LLAMA | {"head_dim": 63})
    assert "rotates whole heads" in refused(LLAMA | {"rope_scaling": {"rope_type": "linear", "factor": 2.0,
                                                                        "partial_rotary_factor": 0.5}})
    assert "rope_type" in refused(LLAMA | {"rope_scaling": {"rope_type": "ntk-magic", "factor": 2.0}})
