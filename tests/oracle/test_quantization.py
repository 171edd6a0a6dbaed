"""Oracle: quantized weight bytes equal what the quantization libraries store.

bitsandbytes (nf4 with and without double quantization, LLM.int8) through
transformers' own loading path: a small model with random weights is saved to
a temporary folder and loaded back with a ``BitsAndBytesConfig`` on the CPU;
the bytes of its state dict (without bitsandbytes' per-matrix JSON record) are
the library's. GPTQ and AWQ: the buffers of AutoGPTQ's ``QuantLinear`` and
AutoAWQ's ``WQLinear_GEMM`` for each module shape (AutoGPTQ installs here but
its package cannot be imported next to transformers 5, so its layer module is
loaded from its file). fp8: compressed-tensors' FP8 scheme, compressed as
llm-compressor saves it.
"""

import importlib.util
from pathlib import Path

import pytest

import symparams
from symparams.studies.modules import modules
from symparams.studies.quantization import scheme, weight_bytes

from _oracle import require_oracle

pytestmark = pytest.mark.oracle

SMALL = {
    "llama": {"model_type": "llama", "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "intermediate_size": 320, "vocab_size": 1000},
    "gpt_neox": {"model_type": "gpt_neox", "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "intermediate_size": 512, "vocab_size": 1000, "tie_word_embeddings": False},
    "mixtral": {"model_type": "mixtral", "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                "num_key_value_heads": 2, "intermediate_size": 256, "vocab_size": 1000, "num_local_experts": 4,
                "num_experts_per_tok": 2},
    "qwen2": {"model_type": "qwen2", "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "intermediate_size": 320, "vocab_size": 1000, "tie_word_embeddings": True},
}


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


def _stored_bytes(model) -> int:
    """Bytes of every tensor of the state dict, once each (a tied head shares the embedding's storage),
    bitsandbytes' JSON records left out."""
    seen = {}
    for k, t in model.state_dict().items():
        if ".quant_state.bitsandbytes__" not in k:
            seen[(t.data_ptr(), t.dtype, tuple(t.shape))] = t.numel() * t.element_size()
    return sum(seen.values())


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each small config as a saved bf16 model with random weights."""
    import torch
    import transformers

    out = {}
    for name, cfg in SMALL.items():
        config = transformers.AutoConfig.for_model(**cfg)
        torch.manual_seed(0)
        m = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
        folder = tmp_path_factory.mktemp(name)
        m.save_pretrained(folder)
        out[name] = folder
    return out


BNB = [("nf4", False), ("nf4", True), ("int8", False)]


@pytest.mark.parametrize("family", sorted(SMALL))
@pytest.mark.parametrize("weights, double", BNB, ids=["nf4", "nf4-double", "llm.int8"])
def test_bitsandbytes_stores_what_we_count(saved, family, weights, double):
    pytest.importorskip("bitsandbytes", reason="pip install 'symparams[oracle]' (bitsandbytes)")
    import torch
    import transformers

    if weights == "nf4":
        q = transformers.BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                            bnb_4bit_use_double_quant=double, bnb_4bit_compute_dtype=torch.bfloat16)
        sch = scheme("nf4", double_quant=double)
    else:
        q = transformers.BitsAndBytesConfig(load_in_8bit=True)
        sch = scheme("int8", layout="bnb")
    loaded = transformers.AutoModelForCausalLM.from_pretrained(saved[family], quantization_config=q,
                                                               device_map="cpu", dtype=torch.bfloat16)
    m = symparams.from_hf_config(SMALL[family])
    assert m.value(weight_bytes(m.architecture, sch, dtype="bf16").total) == _stored_bytes(loaded)


def _load_file(name, path):
    """A module loaded from its file, without its package's ``__init__`` (AutoGPTQ's imports
    transformers internals gone in transformers 5)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _package_file(dist: str, relative: str) -> Path:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        files = distribution(dist).files
    except PackageNotFoundError:
        pytest.skip(f"{dist} is not installed: pip install 'symparams[oracle]'")
    for f in files:
        if str(f).replace("\\", "/").endswith(relative):
            return Path(f.locate())
    pytest.skip(f"{dist} has no {relative}")


def _linear_shapes(cfg):
    m = symparams.from_hf_config(cfg)
    vals = m.values
    return m, [(mod, int(m.value(mod.d_in)), int(m.value(mod.d_out)))
               for mod in modules(m.architecture) if mod.kind == "linear" and mod.name != "lm_head"]


@pytest.mark.parametrize("bits, group", [(4, 128), (4, 32), (8, 128), (4, -1)])
def test_gptq_quantlinear_buffers(bits, group):
    path = _package_file("auto_gptq", "auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py")
    qlinear = _load_file("_autogptq_qlinear_cuda_old", path)
    sch = scheme(f"int{bits}", group_size=group)
    _, shapes = _linear_shapes({**SMALL["llama"], "hidden_size": 256, "intermediate_size": 768})
    for mod, K, N in shapes:
        layer = qlinear.QuantLinear(bits, group, K, N, mod.bias)
        stored = sum(t.numel() * t.element_size() for k, t in layer.state_dict().items() if k != "bias")
        assert sch.matrix_bytes(K, N) == stored, (mod.name, K, N)


@pytest.mark.parametrize("group", [128, 64])
def test_awq_gemm_buffers(group):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # AutoAWQ announces its deprecation on import
        gemm = pytest.importorskip("awq.modules.linear.gemm", reason="pip install 'symparams[oracle]' (autoawq)")
    sch = scheme("int4", layout="awq", group_size=group)
    _, shapes = _linear_shapes({**SMALL["llama"], "hidden_size": 256, "intermediate_size": 768})
    for mod, K, N in shapes:
        layer = gemm.WQLinear_GEMM(4, group, K, N, mod.bias, "cpu")
        stored = sum(t.numel() * t.element_size() for k, t in layer.state_dict().items() if k != "bias")
        assert sch.matrix_bytes(K, N) == stored, (mod.name, K, N)


@pytest.mark.parametrize("family", ["llama", "gpt_neox", "qwen2"])
def test_fp8_per_tensor_as_compressed_tensors_stores_it(family):
    """compressed-tensors' FP8 scheme (fp8 weights, per-tensor weight and static input scales) on every
    nn.Linear but the head, compressed as llm-compressor saves it."""
    ct = pytest.importorskip("compressed_tensors", reason="pip install 'symparams[oracle]' (compressed-tensors)")
    import torch
    import transformers
    from compressed_tensors.compressors import ModelCompressor
    from compressed_tensors.quantization import QuantizationConfig, QuantizationStatus, apply_quantization_config
    from compressed_tensors.quantization.quant_scheme import preset_name_to_scheme

    config = transformers.AutoConfig.for_model(**SMALL[family])
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    cfg = QuantizationConfig(config_groups={"fp8": preset_name_to_scheme("FP8", ["Linear"])}, ignore=["lm_head"],
                             quantization_status=QuantizationStatus.INITIALIZED, format="float-quantized")
    apply_quantization_config(model, cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("_scale"):
                p.fill_(0.01)
    ModelCompressor(quantization_config=cfg).compress_model(model)
    assert ct.__version__ and any(t.dtype == torch.float8_e4m3fn for t in model.state_dict().values())
    m = symparams.from_hf_config(SMALL[family])
    assert m.value(weight_bytes(m.architecture, scheme("fp8"), dtype="bf16").total) == _stored_bytes(model)
