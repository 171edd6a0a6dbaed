"""Activation memory (Korthikanti et al. 2022) and KV cache, as identities against the papers.

Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models":
per layer 34sbh + 5as²b bytes (16-bit, 1-byte dropout masks); with tensor parallelism
10sbh + 24sbh/t + 5as²b/t; with sequence parallelism too 34sbh/t + 5as²b/t; with selective
recomputation and both, 34sbh/t; full recomputation keeps 2sbh per layer; the model adds
the embedding dropout mask sbh, the final LayerNorm input 2sbh, the output layer input 2sbh
and fp32 logits 4sbV.
"""

import pytest
from sympy import expand

from symparams.stacks import decoder
from symparams.families import architecture
from symparams.components import Attention, RMSNorm, TokenEmbedding, OutputHead, GatedMLP
from symparams.costs.activations import activation_memory, op_output_memory, role_bytes
from symparams.costs.kv_cache import kv_cache
from symparams.errors import ConventionError
from symparams.presets import model
from symparams.symbols import V, a, b, h, l, n, n_kv, d_head, d_ff, s, t

GPT = architecture("gpt-classic")
PAPER = 34 * b * s * h + 5 * b * s**2 * a


def block(**options):
    return expand(activation_memory(GPT, **options).block)


def test_per_layer_16bit_with_dropout():
    assert expand(block() - PAPER) == 0
    assert expand(block(dtype="fp16") - PAPER) == 0


def test_no_dropout_drops_masks_and_dropout_output():
    # 2 masks of sbh (1 byte), the as²b mask (1 byte) and the 2-byte dropout output
    assert expand(block(dropout=False) - (PAPER - 2 * b * s * h - 3 * a * b * s**2)) == 0


@pytest.mark.parametrize("options", [{"recompute": "selective"}, {"attention": "flash"}])
def test_no_s_squared_term(options):
    assert expand(block(**options) - 34 * b * s * h) == 0


def test_full_recompute_keeps_the_layer_input():
    assert expand(block(recompute="full") - 2 * b * s * h) == 0


def test_tensor_parallel():
    assert expand(block(t=t) - (10 * b * s * h + 24 * b * s * h / t + 5 * a * b * s**2 / t)) == 0


def test_tensor_and_sequence_parallel():
    assert expand(block(t=t, sequence_parallel=True) - (34 * b * s * h / t + 5 * a * s**2 * b / t)) == 0


def test_selective_tensor_sequence_parallel():
    assert expand(block(t=t, sequence_parallel=True, recompute="selective") - 34 * b * s * h / t) == 0


def test_whole_model_gpt2():
    total = activation_memory(architecture("gpt2")).total
    outside = b * s * h + 2 * b * s * h + 2 * b * s * h + 4 * b * s * V
    assert expand(total - (l * PAPER + outside)) == 0


def test_fp32_doubles_activations_not_masks():
    fp32 = block(dtype="fp32")
    assert expand(fp32 - (2 * PAPER - 2 * b * s * h - a * b * s**2)) == 0  # the 1-byte masks stay
    assert role_bytes("mask", "fp32") == 1


def test_bad_options():
    with pytest.raises(ConventionError, match="recompute"):
        activation_memory(GPT, recompute="half")
    with pytest.raises(ConventionError, match="attention"):
        activation_memory(GPT, attention="paged")
    with pytest.raises(ConventionError, match="no operation"):
        op_output_memory(GPT, ["mlp.gate_proj"])


def test_gpt2_small_activation_number():
    # l(34bsh + 5as²b) + 5bsh + 4bsV at GPT-2 small, b=1, s=1024, 16-bit
    L, H, A, S, Vv = 12, 768, 12, 1024, 50257
    expected = L * (34 * S * H + 5 * A * S**2) + 5 * S * H + 4 * S * Vv
    assert model("gpt2").activation_bytes(1, 1024) == expected


def test_kv_cache_mha_fp16_identity():
    assert expand(kv_cache(GPT, dtype="fp16").total - 4 * b * l * h * (s + n)) == 0


def test_kv_cache_general_identity():
    arch = decoder("toy", "toy", embed=(TokenEmbedding(V, h),),
                   block=(RMSNorm(h), Attention(h, a, n_kv, d_head), RMSNorm(h), GatedMLP(h, d_ff)),
                   final=(RMSNorm(h), OutputHead(h, V, tied=False)))
    for dtype, size in (("bf16", 2), ("fp32", 4), ("fp8", 1)):
        assert expand(kv_cache(arch, dtype=dtype).total - 2 * b * (s + n) * l * n_kv * d_head * size) == 0


def test_kv_cache_gpt2_number():
    # 4·b·l·h·tokens bytes at bf16: GPT-2 small, one sequence of 1024 tokens
    assert model("gpt2").kv_cache_bytes(batch=1, tokens=1024, dtype="bf16") == 4 * 12 * 768 * 1024


def test_count_json_memory_keys_and_dtype_error(capsys):
    from symparams.cli import main
    from symparams.reports.count import count_json, formula_json

    data = count_json("gpt2", batch=2, seq=512, dtype="fp32")
    mem = data["memory"]
    for key in ("weights_bytes", "kv_cache_bytes", "activation_bytes", "training_bytes"):
        assert isinstance(mem[key], int), key
    assert mem["activation_bytes"] == model("gpt2").activation_bytes(2, 512, dtype="fp32")
    assert mem["kv_cache_bytes"] == 2 * 2 * 512 * 12 * 768 * 4
    assert formula_json("gpt-classic")["activation_bytes_per_layer"] == "5*a*b*s**2 + 34*b*h*s"
    try:
        main(["count", "gpt2", "--dtype", "int8", "--json"])
    except SystemExit as exc:
        assert exc.code == 2
    out = capsys.readouterr()
    assert out.out == "" and "--dtype" in out.err and "bf16" in out.err
