"""Gemma, Gemma 2 and Gemma 3: a scaled embedding, GeGLU, ``head_dim`` given (not ``h/a``), tied head.

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

Gemma 3 adds an RMSNorm on every Q and K head and interleaves five sliding-window layers with
one global layer (``layer_types``, or ``sliding_window_pattern`` in older files), each kind with
its own rotary table; a multimodal ``gemma3`` config is read through the text model it nests:

>>> m = from_hf_config("tests/fixtures/hf_configs/gemma-3-1b-pt.json")
>>> [(st.name, st.count) for st in m.architecture.layer_stacks], m.values[m.architecture.stack("local").count]
([('local', l_local), ('global', l - l_local)], 22)
"""

from __future__ import annotations

from symparams.components import Attention, GatedMLP, RMSNorm, TokenEmbedding
from symparams.families.common import (
    decoder_of, describe, ffn_width, head, head_size, kind_stacks, kv_heads, layer_kinds, mask_for, pre_norm,
    rotary, window_notes, window_size,
)
from symparams.families.layers import grid_stacks, pattern_kinds
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, flag, llama_like, size, text
from symparams.families.nested import text_model, with_defaults
from symparams.symbols import V, a, h, w

__all__ = ["GEMMA", "GEMMA2", "GEMMA3_TEXT", "GEMMA3"]


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
    size_ = _window(f, kinds)

    def block(kind):
        norm = RMSNorm(h)
        return (norm, mask_for(kind, attention), norm, norm, mlp, norm)

    return decoder_of(f, name="gemma2",
                      title="Gemma 2 (four norms per block, alternating sliding-window layers); "
                            + describe(attention.n_kv, mlp, f.flag("tie")),
                      embed=(TokenEmbedding(V, h, scaled=True), rotary(f, d_head, d_value)),
                      layers=kind_stacks(f, kinds, block), final=(RMSNorm(h), head(f)),
                      notes=window_notes(kinds, size_))


def _window(f, kinds):
    """The sliding window of a family whose ``layer_types`` decide which layers slide."""
    size_ = window_size(f)
    if size_ is None and "sliding_attention" in kinds:
        raise f.error("field 'sliding_window' = null, but layer_types has sliding_attention layers "
                      "(transformers cannot build their mask); expected a window size such as 4096, "
                      "or every layer_types entry 'full_attention'")
    if "sliding_attention" not in kinds:
        f.unbind(w)
        return None
    return size_


def _no_partial_rotary(f) -> None:
    """Gemma 3 rotates whole heads; a partial_rotary_factor anywhere is refused, not ignored."""
    params = f.raw.data.get("rope_parameters")
    nested = [params.get(kind) for kind in ("sliding_attention", "full_attention")] if isinstance(params, dict) else []
    for where in (f.raw.data, params, *nested):
        if isinstance(where, dict) and where.get("partial_rotary_factor", 1) != 1:
            raise f.error(f"partial_rotary_factor = {where['partial_rotary_factor']!r}: Gemma 3 rotates whole "
                          "heads (transformers' Gemma3RotaryEmbedding); expected 1 or no such field")


def gemma3(f):
    """``Gemma3ForCausalLM``: Gemma 2's four norms per layer plus per-head Q/K RMSNorms; sliding layers
    (``w`` tokens) and global layers as two stacks; one rotary table per kind of layer present."""
    if f.flag("bidirectional"):
        raise f.error("field 'use_bidirectional_attention' = true (an EmbeddingGemma-style encoder) is not "
                      "supported as a decoder; expected false")
    hidden, heads = f.size("hidden"), f.size("heads")
    if hidden % heads:
        raise f.error(f"field 'hidden_size' = {hidden} is not divisible by 'num_attention_heads' = {heads} "
                      "(Gemma3TextConfig requires it)")
    _no_partial_rotary(f)
    d_head, d_value = head_size(f)
    bias = f.flag("attention_bias")
    kv = kv_heads(f)
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    kinds = pattern_kinds(f, 6)
    size_ = _window(f, kinds)
    qk = (RMSNorm(d_head, groups=a), RMSNorm(d_head, groups=kv))

    def block(att, mlp_):
        norm = RMSNorm(h)
        return (norm, mask_for("sliding_attention" if att == "local" else "full_attention", attention), *qk,
                norm, norm, mlp, norm)

    rope = rotary(f, d_head, d_value)
    grid = [("local" if kind == "sliding_attention" else "global", "dense") for kind in kinds]
    return decoder_of(f, name="gemma3",
                      title="Gemma 3 (four norms per block, Q/K norms, sliding-window and global layers); "
                            + describe(kv, mlp, f.flag("tie")),
                      embed=(TokenEmbedding(V, h, scaled=True), *(rope for _ in set(kinds))),
                      layers=grid_stacks(f, grid, block), final=(RMSNorm(h), head(f)),
                      notes=(*window_notes(kinds, size_), "one rotary table per kind of layer (local and global "
                             "rope_theta)"))


def gemma3_multimodal(f):
    """``Gemma3ForConditionalGeneration``'s language model: :func:`gemma3` of its ``text_config``
    (Gemma3TextConfig's defaults for what the nested dict leaves out, as transformers fills them)."""
    return text_model(f, model_type="gemma3_text", fields=GEMMA3_NESTED, build=gemma3, name="gemma3")


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd)
        cfg = llama_config(model_type, d, num_key_value_heads=d.kv, intermediate_size=d.ffn)
        cfg["head_dim"] = d.head_dim if draw(st.booleans()) else 2 * draw(st.integers(1, max(1, bd.max_head_dim // 2)))
        cfg["attention_bias"] = draw(st.booleans()) if model_type == "gemma2" else False
        if model_type in ("gemma2", "gemma3_text"):
            # a window the prefill may exceed; layer_types drawn or left to the default alternation
            cfg["sliding_window"] = draw(st.integers(2, 12))
            if draw(st.booleans()):
                kinds = st.sampled_from(["sliding_attention", "full_attention"])
                cfg["layer_types"] = draw(st.lists(kinds, min_size=d.layers, max_size=d.layers))
            elif model_type == "gemma3_text" and draw(st.booleans()):
                cfg["sliding_window_pattern"] = draw(st.integers(1, 3))
        if model_type == "gemma3_text":
            cfg["attention_bias"] = draw(st.booleans())
        return cfg
    return sample


def _sample_multimodal(draw, st, bd):
    text = _sample("gemma3_text")(draw, st, bd)
    text.pop("model_type")
    return {"model_type": "gemma3", "text_config": {**text, "model_type": "gemma3_text"}}


GEMMA = Family("gemma", "Gemma", {**llama_like(kv=16, tie=True, act="gelu_pytorch_tanh", head_dim=256, positions=8192, pad=0),
                                  "attention_bias": flag("attention_bias", False), **ATTENTION_DROPOUT},
               gemma, _sample("gemma"))
GEMMA2 = Family("gemma2", "Gemma 2", {**llama_like(kv=4, tie=True, head_dim=256, positions=8192, pad=0),
                                      "act": text("hidden_activation", "gelu_pytorch_tanh", "hidden_act"),
                                      "attention_bias": flag("attention_bias", False),
                                      "window": size("sliding_window", 4096, null=True), **ATTENTION_DROPOUT},  # null → none
                gemma2, _sample("gemma2"), heads_divide_hidden=True)


_GEMMA3_FIELDS = {**llama_like(kv=4, tie=True, head_dim=256, positions=131072, pad=0),
                  "act": text("hidden_activation", "gelu_pytorch_tanh", "hidden_act"),
                  "attention_bias": flag("attention_bias", False), "window": size("sliding_window", 4096),
                  "bidirectional": flag("use_bidirectional_attention", False), **ATTENTION_DROPOUT}
GEMMA3_TEXT = Family("gemma3_text", "Gemma 3", _GEMMA3_FIELDS, gemma3, _sample("gemma3_text"),
                     heads_divide_hidden=True)
# Gemma3TextConfig's class defaults for the sizes a multimodal config's text_config leaves out
GEMMA3_NESTED = with_defaults(_GEMMA3_FIELDS, hidden=2304, layers=26, heads=8, vocab=262_208, ffn=9216)
GEMMA3 = Family("gemma3", "Gemma 3 (multimodal config: its text model)", {}, gemma3_multimodal, _sample_multimodal,
                text_config="gemma3_text")
