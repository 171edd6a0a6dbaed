"""An independent numeric count: tensor shapes listed as each reference lays them out.

A second code path on purpose: plain Python ints, no SymPy, no symparams
formula or component. Each module lists the named tensors of one lineage the
way its reference implementation allocates them (the worked examples for the
classic GPT and CS336; ``transformers``' modeling files for the Hugging Face
families, read from their ``config.json`` with each config class's defaults),
then sums ``numel``; FLOPs and KV cache are listed the same way, layer by
layer: the matmuls an eager forward runs, the K/V tensors a prefill caches.

A family module registers itself in :data:`COUNTERS` (model_type → module with
``tensors(cfg)``, ``matmuls(cfg, b=, s=)``, ``kv_elements(cfg, b=, tokens=)``). Encoders and
encoder-decoders (``encoders``, ``seq2seq``) also take ``head=True`` (the model with its pretraining
head) and, for an encoder-decoder, the encoder's length ``s_enc=``.

>>> params(gpt_classic_tensors(l=1, h=1, a=1, V=1))
26
"""

from __future__ import annotations

from independent import decoders, deepseek, dense13, encoders, gemma3, llama4, qwen_moe, seq2seq
from independent.classic import classic_matmuls, cs336_buffers, cs336_tensors, gpt2_tensors, gpt_classic_tensors
from independent.shapes import dense_forward_flops, kv_cache_elements, params

__all__ = [
    "params", "gpt_classic_tensors", "gpt2_tensors", "cs336_tensors", "cs336_buffers", "dense_forward_flops",
    "classic_matmuls", "kv_cache_elements", "hf_tensors", "hf_matmuls", "hf_kv_cache_elements", "COUNTERS",
]

#: model_type -> the module that counts it
COUNTERS = {mt: module for module in (decoders, deepseek, dense13, encoders, gemma3, llama4, qwen_moe, seq2seq)
            for mt in module.MODEL_TYPES}


def _counter(cfg):
    return COUNTERS[cfg["model_type"]]


def _head(head: bool) -> dict:
    return {"head": True} if head else {}


def hf_tensors(cfg, *, head: bool = False) -> dict[str, tuple[int, ...]]:
    """Named trainable tensors of the model transformers builds from ``cfg`` (tied once); ``head``:
    of the model with its pretraining head."""
    return _counter(cfg).tensors(cfg, **_head(head))


def hf_matmuls(cfg, *, b, s, head: bool = False, **lengths):
    """``(m, k, n, count)`` of every matmul an eager ``use_cache=False`` forward runs (``s_enc=``: the
    encoder's length of an encoder-decoder)."""
    return _counter(cfg).matmuls(cfg, b=b, s=s, **lengths, **_head(head))


def hf_kv_cache_elements(cfg, *, b, tokens, **lengths):
    """Elements of K and V cached after a prefill of ``tokens`` tokens (an encoder-decoder: after
    encoding ``s_enc`` tokens and decoding ``tokens``)."""
    return _counter(cfg).kv_elements(cfg, b=b, tokens=tokens, **lengths)
