"""``symparams infer``, ``train`` and ``finetune`` on encoders and encoder-decoders: what each prints,
and every refusal (one line on stderr naming the option, exit code 2, nothing on stdout) — run over
every encoder and encoder-decoder fixture and preset."""

import json
from pathlib import Path

import pytest

from _cli import run, run_error

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
VIT = FIXTURES / "vit-base-patch16-224.json"
ENCODERS = ["bert-base", "bert-large", *(FIXTURES / f"{n}.json" for n in (
    "bert-base-uncased", "roberta-base", "distilbert-base-uncased", "electra-small-discriminator", "modernbert-base"))]
ENCODER_DECODERS = ["t5-small", "t5-base", *(FIXTURES / f"{n}.json" for n in ("t5-small", "flan-t5-base", "bart-large"))]


@pytest.mark.parametrize("name", [*ENCODERS, VIT], ids=str)
def test_encoders_infer_one_forward(capsys, name):
    prompt = () if name == VIT else ("--prompt", 128)
    data = json.loads(run(capsys, "infer", name, "--device", "h100-sxm", *prompt, "--json", "--fit"))
    assert data["kind"] == "encoder" and "decode" not in data and "prefill" not in data
    assert data["memory"]["kv_cache_bytes"] == 0 and data["fit"]["max_batch"] > 1
    text = run(capsys, "infer", name, "--device", "h100-sxm", *prompt)
    body = text.split("\n", 2)[2]  # after the device and the setup lines (which say: no decode, no KV cache)
    assert "sequences/s" in body and "decode" not in body and "KV cache" not in body
    err = run_error(capsys, "infer", name, "--device", "h100-sxm", *prompt, "--gen", 1)
    assert "--gen 1" in err and "is an encoder" in err
    assert "--kv-dtype" in run_error(capsys, "infer", name, "--device", "h100-sxm", *prompt, "--kv-dtype", "fp8")


@pytest.mark.parametrize("name", ENCODER_DECODERS, ids=str)
def test_encoder_decoders_infer(capsys, name):
    data = json.loads(run(capsys, "infer", name, "--device", "h100-sxm", "--prompt", 256, "--gen", 32, "--json"))
    assert data["kind"] == "encoder-decoder"
    assert data["memory"]["kv_cache"]["self_bytes"] + data["memory"]["kv_cache"]["cross_bytes"] == \
        data["memory"]["kv_cache_bytes"]
    assert "cross" in run(capsys, "infer", name, "--device", "h100-sxm", "--prompt", 256, "--gen", 32)
    assert "missing --gen" in run_error(capsys, "infer", name, "--device", "h100-sxm", "--prompt", 256)


def test_vit_refuses_another_length(capsys):
    for cmd in (("infer", VIT, "--device", "h100-sxm", "--prompt", 196), ("train", VIT, "--gpus", 1, "--seq", 196),
                ("finetune", VIT, "--full", "--seq", 196)):
        err = run_error(capsys, *cmd)
        assert "196" in err and "197 tokens" in err and ("--prompt" in err or "--seq" in err)


@pytest.mark.parametrize("name", [*ENCODERS, VIT, *ENCODER_DECODERS], ids=str)
def test_train_and_finetune_run_or_refuse(capsys, name):
    dec = ("--decoder-seq", 64) if name in ENCODER_DECODERS else ()
    data = json.loads(run(capsys, "train", name, "--gpus", 1, *dec, "--json"))
    assert data["parameters"] > 0 and data["memory"]["per_device"]["total_bytes"] > 0
    assert (data["batch"]["decoder_seq"] == 64) == bool(dec)
    data = json.loads(run(capsys, "finetune", name, "--full", *dec, "--json"))
    assert data["workload"].get("decoder_seq") == (64 if dec else None)
    if dec:
        assert "pipeline stages of an encoder-decoder" in run_error(capsys, "train", name, "--gpus", 2, "--pp", 2,
                                                                     *dec)
    else:
        assert "--decoder-seq 5" in run_error(capsys, "train", name, "--gpus", 1, "--decoder-seq", 5)


def test_vit_train_tensor_parallel(capsys):
    data = json.loads(run(capsys, "train", VIT, "--gpus", 2, "--tp", 2, "--json"))
    assert data["trained_model"] == "vit+head" and data["batch"]["seq"] == 197


def test_finetune_t5_text_shows_both_lengths(capsys):
    text = run(capsys, "finetune", "t5-small", "--full")
    assert "seq 512 encoder + 114 decoder tokens" in text


def test_derive_inference_refuses_an_encoder(capsys):
    assert "is an encoder" in run_error(capsys, "derive", "bert-base", "--cost", "inference")
    assert "forward" in run(capsys, "derive", "bert-base", "--cost", "flops")
