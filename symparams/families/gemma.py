"""Gemma and Gemma 2: a scaled embedding, GeGLU, ``head_dim`` given (not ``h/a``), tied head.

Gemma 2 adds norms before and after the MLP (four per layer) and alternates
sliding-window and global layers (``layer_types``; by default layers 0, 2, 4,
… slide): two stacks, ``l_local`` windowed layers and ``l − l_local`` global
ones, each with its own FLOPs and KV cache.

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config("tests/fixtures/hf_configs/gemma-2-2b.json")
>>> [(st.name, st.count) for st in m.architecture.layer_stacks]
[('local', l_local), ('global', l - l_local)]
>>> m.kv_cache_bytes(batch=1, tokens=8192) == 2 * 2 * 256 * 4 * (13 * 4095 + 13 * 8192)
True
"""

from __future__ import annotations

from symparams.components import Attention, GatedMLP, RMSNorm, TokenEmbedding
from symparams.families.common import (
    decoder_of, describe, ffn_width, head, head_size, kind_stacks, kv_heads, layer_kinds, mask_for, pre_norm,
    rotary, window_notes, window_size,
)
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, flag, llama_like, size, text
from symparams.symbols import V, a, h, w

__all__ = ["GEMMA", "GEMMA2"]


def gemma(f):
    """``GemmaForCausalLM``: Llama's layout with a ``√h``-scaled embedding (a one-element buffer),
    GeGLU (``gelu_pytorch_tanh``), ``head_dim`` 256 unless given, a tied head."""
    d_head, d_value = head_size(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, kv_heads(f), d_head, qkv_bias=bias, o_bias=bias)
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    stacks = kind_stacks(f, ["full_attention"] * f.size("layers"), lambda kind: pre_norm(RMSNorm(h), attention, mlp))
    return decoder_of(f, name="gemma", title=f"Gemma (GeGLU, head_dim given); {describe(attention.n_kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h, scaled=True), rotary(f, d_head, d_value)), layers=stacks,
                      final=(RMSNorm(h), head(f)))


def gemma2(f):
    """``Gemma2ForCausalLM``: input, post-attention, pre- and post-feedforward RMSNorms per layer;
    sliding-window layers (``w`` tokens) and global layers as two stacks."""
    d_head, d_value = head_size(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, kv_heads(f), d_head, qkv_bias=bias, o_bias=bias)
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    layers = f.size("layers")
    kinds = layer_kinds(f, ["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(layers)])
    size_ = window_size(f)
    if size_ is None and "sliding_attention" in kinds:
        raise f.error("field 'sliding_window' = null, but layer_types has sliding_attention layers "
                      "(transformers cannot build their mask); expected a window size such as 4096, "
                      "or every layer_types entry 'full_attention'")
    if "sliding_attention" not in kinds:
        f.unbind(w)
        size_ = None

    def block(kind):
        norm = RMSNorm(h)
        return (norm, mask_for(kind, attention), norm, norm, mlp, norm)

    return decoder_of(f, name="gemma2",
                      title="Gemma 2 (four norms per block, alternating sliding-window layers); "
                            + describe(attention.n_kv, mlp, f.flag("tie")),
                      embed=(TokenEmbedding(V, h, scaled=True), rotary(f, d_head, d_value)),
                      layers=kind_stacks(f, kinds, block), final=(RMSNorm(h), head(f)),
                      notes=window_notes(kinds, size_))


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd)
        cfg = llama_config(model_type, d, num_key_value_heads=d.kv, intermediate_size=d.ffn)
        cfg["head_dim"] = d.head_dim if draw(st.booleans()) else 2 * draw(st.integers(1, max(1, bd.max_head_dim // 2)))
        cfg["attention_bias"] = draw(st.booleans()) if model_type == "gemma2" else False
        if model_type == "gemma2":
            # a window the prefill may exceed; layer_types drawn or left to the default alternation
            cfg["sliding_window"] = draw(st.integers(2, 12))
            if draw(st.booleans()):
                kinds = st.sampled_from(["sliding_attention", "full_attention"])
                cfg["layer_types"] = draw(st.lists(kinds, min_size=d.layers, max_size=d.layers))
        return cfg
    return sample


GEMMA = Family("gemma", "Gemma", {**llama_like(kv=16, tie=True, act="gelu_pytorch_tanh", head_dim=256, positions=8192),
                                  "attention_bias": flag("attention_bias", False), **ATTENTION_DROPOUT},
               gemma, _sample("gemma"))
GEMMA2 = Family("gemma2", "Gemma 2", {**llama_like(kv=4, tie=True, head_dim=256, positions=8192),
                                      "act": text("hidden_activation", "gelu_pytorch_tanh", "hidden_act"),
                                      "attention_bias": flag("attention_bias", False),
                                      "window": size("sliding_window", 4096, null=True), **ATTENTION_DROPOUT},  # null → none
                gemma2, _sample("gemma2"))
