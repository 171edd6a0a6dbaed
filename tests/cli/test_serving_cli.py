"""``symparams infer``, ``finetune`` and ``devices``: the JSON contract, the human summary, and the error
contract (one line on stderr naming the option, exit code 2, nothing on stdout)."""

import json
from fractions import Fraction
from pathlib import Path

import pytest

from _cli import run, run_error

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
LLAMA2, LLAMA3 = FIXTURES / "llama-2-7b.json", FIXTURES / "llama-3-8b.json"


def test_infer_json_contract(capsys):
    data = json.loads(run(capsys, "infer", LLAMA3, "--device", "h100-sxm", "--batch", 8, "--prompt", 1024,
                          "--gen", 128, "--json", "--fit"))
    for key in ("name", "flops_per_second", "bytes_per_second", "memory_bytes"):
        assert key in data["device"]
    for key in ("flops", "bytes", "seconds", "bound"):
        assert key in data["prefill"]
    for key in ("flops_per_token", "bytes_per_token", "seconds_per_token", "tokens_per_second", "bound"):
        assert key in data["decode"]
    assert set(data["memory"]) == {"weights_bytes", "kv_cache_bytes", "activations_bytes", "total_bytes"}
    assert data["fits"] is True and data["fit"]["max_batch"] >= 8
    # a decimal string and its exact rational agree to the digits shown
    exact = Fraction(data["decode"]["seconds_per_token_exact"])
    assert abs(Fraction(data["decode"]["seconds_per_token"]) - exact) < exact / 10**18
    assert Fraction(data["decode"]["tokens_per_second_exact"]) == 8 / exact
    assert data["prefill"]["bound"] in ("compute", "memory") and data["decode"]["bound"] == "memory"


def test_infer_text_and_quantization(capsys):
    out = run(capsys, "infer", LLAMA2, "--device", "a100-80gb", "--prompt", 512, "--gen", 64,
              "--weights", "int4", "--format", "awq", "--kv-dtype", "fp8")
    assert "AWQ" in out and "KV cache fp8" in out and "tokens/s" in out and "GB = 10⁹ bytes" in out
    nf4 = json.loads(run(capsys, "infer", LLAMA2, "--device", "l4", "--prompt", 512, "--gen", 64, "--weights", "nf4",
                         "--double-quant", "--keep-16bit", "none", "--json"))
    assert "double quantization" in nf4["setup"]["weights_format"]


def test_infer_custom_device(capsys):
    data = json.loads(run(capsys, "infer", "gpt2", "--peak-tflops", "100", "--bandwidth", "1.5", "--memory", "16",
                          "--prompt", 100, "--gen", 10, "--json"))
    assert data["device"]["flops_per_second"] == 100 * 10**12
    assert data["device"]["bytes_per_second"] == 1_500 * 10**9 and data["device"]["memory_bytes"] == 16 * 10**9


@pytest.mark.parametrize("args, expect", [
    (["--device", "v100"], ["--device", "v100", "h100-sxm", "--peak-tflops"]),
    (["--device", "a100-80gb", "--weights", "fp8"], ["--weights fp8", "a100-80gb has no fp8"]),
    (["--device", "h100-sxm", "--prompt", 4000, "--gen", 200], ["--prompt 4000", "4096 positions", "--allow-longer"]),
    (["--device", "h100-sxm", "--batch", 400, "--prompt", 2000, "--gen", 96, "--strict"],
     ["--batch 400 does not fit", "largest batch that fits is"]),
    (["--device", "h100-sxm", "--tp", 3], ["--tp 3 must divide"]),
    (["--device", "h100-sxm", "--weights", "int4", "--keep-16bit", "dense"], ["--keep-16bit", "'dense'"]),
    (["--device", "h100-sxm", "--weights", "int8", "--format", "awq"], ["--weights int8", "awq"]),
    (["--device", "h100-sxm", "--weights", "int4", "--double-quant"], ["--double-quant"]),
    (["--peak-tflops", "100"], ["--device NAME", "--bandwidth"]),
    (["--peak-tflops", "100", "--bandwidth", "1", "--memory", "8", "--tp", 2], ["--tp 2", "--interconnect"]),
    (["--device", "h100-sxm", "--group-size", 0], ["--group-size", "group size"]),
])
def test_infer_errors_name_the_option(capsys, args, expect):
    base = ["infer", LLAMA2]
    if "--prompt" not in args:
        base += ["--prompt", 64, "--gen", 16]
    err = run_error(capsys, *base, *args)
    for word in expect:
        assert word in err, err


def test_infer_allow_longer_goes_on(capsys):
    data = json.loads(run(capsys, "infer", LLAMA2, "--device", "h100-sxm", "--prompt", 4000, "--gen", 200,
                          "--allow-longer", "--json"))
    assert data["workload"]["prompt"] + data["workload"]["gen"] > data["workload"]["positions"]


def test_finetune_json_contract_and_peft_style_line(capsys):
    data = json.loads(run(capsys, "finetune", LLAMA2, "--lora-rank", 16, "--lora-targets", "q_proj,v_proj",
                          "--quant", "nf4", "--double-quant", "--batch", 2, "--seq", 512, "--device", "l4", "--json"))
    assert data["params"]["trainable"] == 32 * 2 * 16 * (4096 + 4096)
    assert data["params"]["total"] == 6_738_415_616 + data["params"]["trainable"]
    assert set(data["memory"]) >= {"weights_bytes", "adapter_bytes", "gradient_bytes", "optimizer_bytes",
                                   "activations_bytes", "total_bytes"}
    assert data["fits"] is True and data["flops"]["step"] == sum(v for k, v in data["flops"].items() if k != "step")
    out = run(capsys, "finetune", LLAMA2, "--lora-rank", 16)
    assert "trainable params: 8,388,608 || all params: 6,746,804,224 || trainable%: 0.1243" in out


@pytest.mark.parametrize("args, expect", [
    (["--lora-rank", 0], ["--lora-rank", "0 is not a positive integer"]),
    (["--lora-rank", -4], ["--lora-rank"]),
    (["--lora-rank", 8, "--lora-targets", "c_attn"], ["--lora-targets", "'c_attn' is not a module of llama",
                                                      "q_proj", "down_proj"]),
    (["--full", "--lora-rank", 8], ["--full and --lora-rank"]),
    ([], ["--lora-rank", "--full"]),
    (["--lora-rank", 8, "--freeze-embeddings"], ["--freeze-embeddings"]),
    (["--lora-rank", 8, "--device", "v100"], ["--device", "v100"]),
])
def test_finetune_errors_name_the_option(capsys, args, expect):
    err = run_error(capsys, "finetune", LLAMA2, *args)
    for word in expect:
        assert word in err, err


def test_devices_lists_every_device_with_a_source(capsys):
    from symparams.devices import DEVICES

    data = json.loads(run(capsys, "devices", "--json"))["devices"]
    assert set(data) == set(DEVICES) and all(row["source"] for row in data.values())
    text = run(capsys, "devices")
    assert all(name in text for name in DEVICES)


def test_derive_inference(capsys):
    out = run(capsys, "derive", LLAMA2, "--cost", "inference", "--seq", 1000)
    assert "## prefill FLOPs" in out and "## KV cache traffic (n steps)" in out
    # one decode step after 1,000 prompt tokens: 2 bytes × K, V × 32 layers × 4096 × 1,001 tokens of cache
    assert f"{2 * 2 * 32 * 4096 * 1001:,}" in out
