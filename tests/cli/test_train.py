"""``symparams train``: the JSON contract, exact numbers, the text summary, --fit, --derive and
the error contract (one line on stderr naming the option, exit code 2, nothing on stdout)."""

import json
from fractions import Fraction
from math import ceil
from pathlib import Path

import pytest

from _cli import run, run_error

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
SEVEN_B = ["llama-2-7b", "--gpus", 64, "--tp", 2, "--pp", 2, "--global-batch", 1024, "--seq", 4096, "--zero", 1,
           "--recompute", "selective"]


def run_json(capsys, *args):
    return json.loads(run(capsys, "train", *args, "--json"))


def _walk(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


def test_json_contract(capsys):
    data = run_json(capsys, *SEVEN_B, "--tokens", "2e12", "--tflops", 140, "--price-per-gpu-hour", "2.5")
    per = data["memory"]["per_device"]
    assert set(per) == {"weights_bytes", "gradients_bytes", "optimizer_bytes", "activations_bytes", "total_bytes"}
    assert per["total_bytes"] == sum(v for k, v in per.items() if k != "total_bytes")
    assert set(data["pipeline"]) >= {"bubble_fraction", "micro_batches"}
    assert set(data["communication"]["bytes_per_step"]) == {"dp", "tp", "pp", "ep"}
    assert set(data["time"]) >= {"step_seconds", "total_seconds", "days", "gpu_hours"}
    assert "dollars" in data["cost"]
    # never a float: ints, or exact fractions as 'p/q' strings
    assert not any(isinstance(v, float) for v in _walk(data))
    assert all(isinstance(v, int) for v in per.values())
    assert data["pipeline"]["bubble_fraction"] == "1/64" and data["pipeline"]["micro_batches"] == 64
    # 2·10¹² tokens / (1,024 × 4,096 per step); time = steps × FLOPs per step / (64 × 140·10¹²)
    steps = Fraction(2 * 10**12, 1024 * 4096)
    total = steps * data["flops"]["per_step"] / (64 * 140 * 10**12)
    assert Fraction(data["time"]["total_seconds"]) == total
    assert Fraction(data["time"]["days"]) == total / 86400
    assert Fraction(data["time"]["gpu_hours"]) == total * 64 / 3600
    assert Fraction(data["cost"]["dollars"]) == total * 64 / 3600 * Fraction(5, 2)
    assert data["formulas"]["bubble_fraction"] == "(n_pp - 1)/m"


def test_weights_by_hand(capsys):
    data = run_json(capsys, *SEVEN_B)
    h, d_ff, V = 4096, 11008, 32000
    first = V * h // 2 + 16 * (4 * h * h // 2 + 3 * h * d_ff // 2 + 2 * h)  # embedding + 16 layers per rank
    per = data["memory"]["per_device"]
    assert data["memory"]["stage"] == "first" and data["memory"]["parameters_per_device"] == first
    assert (per["weights_bytes"], per["gradients_bytes"], per["optimizer_bytes"]) == (2 * first, 2 * first,
                                                                                       12 * ceil(first / 16))


def test_without_throughput_time_is_null(capsys):
    data = run_json(capsys, "gpt2", "--gpus", 1)
    assert data["time"]["step_seconds"] is None and data["cost"]["dollars"] is None
    assert data["pipeline"]["bubble_fraction"] == 0
    with_device = run_json(capsys, "gpt2", "--gpus", 1, "--device", "a100-80gb", "--mfu", "0.5", "--tokens", 10**9)
    assert with_device["time"]["flops_per_second_per_gpu"] == 156 * 10**12
    assert "a100-80gb" in with_device["time"]["throughput"]


def test_text_summary(capsys):
    out = run(capsys, "train", *SEVEN_B, "--tokens", "2e12", "--tflops", 140)
    assert "memory per device (first stage, the most loaded)" in out
    assert "pipeline bubble: 0.0156 (1F1B)" in out and "days" in out


def test_fit(capsys):
    data = run_json(capsys, *SEVEN_B, "--fit", "a100-80gb")
    fit = data["fit"]
    assert fit["device_memory_bytes"] == 80 * 10**9
    assert fit["largest_micro_batch_total_bytes"] <= 80 * 10**9
    assert 16 % fit["largest_micro_batch"] == 0  # divides B / (micro-batch × dp) = 1024 / 64
    mp = fit["smallest_model_parallel"]
    assert mp["tp"] * mp["pp"] == mp["tp_x_pp"] and mp["total_bytes"] <= 80 * 10**9


def test_interleaved_and_expert_parallel(capsys):
    data = run_json(capsys, "llama-2-7b", "--gpus", 16, "--pp", 4, "--virtual-stages", 2, "--global-batch", 64,
                    "--seq", 2048)
    assert data["pipeline"]["schedule"] == "interleaved 1F1B" and data["pipeline"]["bubble_fraction"] == "3/32"
    moe = run_json(capsys, "mixtral-8x7b-v0.1", "--gpus", 64, "--tp", 2, "--pp", 4, "--ep", 8, "--zero", 1,
                   "--seq", 1024, "--global-batch", 64, "--sequence-parallel")
    assert moe["communication"]["bytes_per_step"]["ep"] > 0


def test_derive(capsys):
    md = run(capsys, "train", *SEVEN_B, "--derive", "md")
    assert "## training memory per device" in md and "N_pp" not in md.split("## parameters")[0].split("|")[0]
    assert "Workload: b = 1, m = 64, n_dp = 16, n_ep = 1, n_pp = 2, n_vs = 1, s = 4,096, t = 2." in md
    tex = run(capsys, "train", *SEVEN_B, "--derive", "latex")
    assert r"\min" in tex
    plain = run(capsys, "derive", "gpt2", "--cost", "parallel")
    assert "## communication per device per step" in plain


@pytest.mark.parametrize("args, expect", [
    (["llama-2-7b", "--gpus", 100, "--tp", 8], "--gpus 100 is not divisible by --tp × --pp = 8 × 1"),
    (["mixtral-8x7b-v0.1", "--gpus", 12, "--tp", 2, "--ep", 4], "--ep 4 does not divide the data-parallel size 6"),
    (["llama-2-7b", "--gpus", 16, "--global-batch", 20], "--global-batch 20 is not a multiple of --micro-batch"),
    (["llama-2-7b", "--gpus", 64, "--pp", 64], "--pp 64 is more than the 32 layers"),
    (["llama-2-7b", "--gpus", 3, "--pp", 3], "--pp 3: the 32 layers of stack 'block' do not split evenly"),
    (["llama-2-7b", "--gpus", 3, "--tp", 3], "--tp 3: the 32 query heads (a) are not divisible by 3"),
    (["gpt2", "--gpus", 4, "--tp", 4], "--tp 4: the 50257 vocabulary rows (V) are not divisible by 4"),
    (["santacoder", "--gpus", 2, "--tp", 2], "--tp 2: the 1 key/value heads (n_kv)"),
    (["llama-2-7b", "--gpus", 2, "--ep", 2], "--ep 2: llama"),
    (["gpt2", "--gpus", 1, "--tflops", 0], "argument --tflops: 0 is not a positive number"),
    (["gpt2", "--gpus", 1, "--tflops", "-5"], "argument --tflops"),
    (["gpt2", "--gpus", 1, "--tflops", "fast"], "argument --tflops: 'fast' is not a positive number"),
    (["gpt2", "--gpus", 1, "--price-per-gpu-hour", "0"], "argument --price-per-gpu-hour: 0 is not a positive"),
    (["gpt2", "--gpus", 1, "--device", "a100-80gb", "--mfu", "1.5"], "--mfu 1.5 must be at most 1"),
    (["gpt2", "--gpus", 1, "--mfu", "0.5"], "--mfu needs --device"),
    (["gpt2", "--gpus", 1, "--device", "a100-80gb"], "--device a100-80gb needs --mfu"),
    (["gpt2", "--gpus", 1, "--tflops", 100, "--device", "a100-80gb"], "not allowed with argument"),
    (["gpt2", "--gpus", 1, "--tokens", "1.5"], "argument --tokens: 1.5 is not a whole number"),
    (["gpt2", "--gpus", 1, "--offload", "optimizer"], "--offload optimizer needs --zero 1, 2 or 3"),
    (["gpt2", "--gpus", 2, "--zero", 2, "--offload", "optimizer+params"], "needs --zero 3"),
    (["llama-2-7b", "--gpus", 8, "--pp", 4, "--virtual-stages", 2, "--global-batch", 12],
     "--global-batch: the interleaved schedule"),
    (["llama-2-7b", "--gpus", 2, "--virtual-stages", 2], "--virtual-stages 2 needs a pipeline"),
    (["llama-2-7b", "--gpus", 8, "--tp", 8, "--seq", 100, "--sequence-parallel"], "--seq 100 is not divisible"),
    (["gpt2", "--gpus", 1, "--fit", "v100"], "device='v100' is not one of"),
    (["gpt2", "--gpus", 0], "argument --gpus"),
])
def test_bad_input_names_the_option(capsys, args, expect):
    err = run_error(capsys, "train", *args)
    assert expect in err, err


def test_mlp_width_not_divisible(capsys, tmp_path):
    cfg = json.loads((FIXTURES / "llama-2-7b.json").read_text())
    cfg["intermediate_size"] = 11007
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    err = run_error(capsys, "train", path, "--gpus", 2, "--tp", 2)
    assert "--tp 2: the 11007 MLP features (d_ff) are not divisible by 2" in err
