"""Cohere (Command R / R+) and Cohere2 (Command R7B, Command A): one bias-free LayerNorm, then
attention and MLP in parallel; a tied head.

Command R+ normalises each Q and K head with its own bias-free LayerNorm gains
(``use_qk_norm``: ``a·d_head`` and ``n_kv·d_head`` values). Cohere2 interleaves sliding-window
layers with global ones (``layer_types``, or ``sliding_window_pattern``: every 4th layer global
by default); only the sliding layers rotate (no count changes).

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/c4ai-command-r-v01.json").params.total
34980831232
"""

from __future__ import annotations

from symparams.components import Attention, GatedMLP, LayerNorm, TokenEmbedding
from symparams.families.common import (
    decoder_of, describe, ffn_width, head, head_size, kv_heads, mask_for, rotary, window_notes, window_size,
)
from symparams.families.layers import grid_stacks, pattern_kinds
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, flag, llama_like, size
from symparams.symbols import V, a, h, w

__all__ = ["COHERE", "COHERE2"]

_PARALLEL = "parallel attention and MLP after one bias-free LayerNorm (same parameter count as sequential)"


def _parallel(f, *, name: str, title: str, attention, qk=(), kinds, size_=None):
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    d_head, d_value = head_size(f)

    def block(att, mlp_):
        layer = mask_for("sliding_attention" if att == "local" else "full_attention", attention)
        return (LayerNorm(h, bias=False), layer, *qk, mlp)

    grid = [("local" if kind == "sliding_attention" else "global", "dense") for kind in kinds]
    return decoder_of(f, name=name, title=f"{title}; {describe(attention.n_kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)), layers=grid_stacks(f, grid, block),
                      final=(LayerNorm(h, bias=False), head(f)), notes=(_PARALLEL, *window_notes(kinds, size_)),
                      parallel_residual=True)


def cohere(f):
    """``CohereForCausalLM``: biases on the attention projections by ``attention_bias``; per-head Q/K
    LayerNorms with ``use_qk_norm``."""
    d_head, _ = head_size(f)
    kv = kv_heads(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    qk = (LayerNorm(a * d_head, bias=False), LayerNorm(kv * d_head, bias=False)) if f.flag("qk_norm") else ()
    return _parallel(f, name="cohere", title="Cohere (parallel attention and MLP)", attention=attention, qk=qk,
                     kinds=["full_attention"] * f.size("layers"))


def cohere2(f):
    """``Cohere2ForCausalLM``: ``head_dim`` is always ``hidden_size / num_attention_heads``."""
    hidden, heads = f.size("hidden"), f.size("heads")
    if "head_dim" in f.raw.data and f.raw.data["head_dim"] != hidden // heads:
        raise f.error(f"field 'head_dim' = {f.raw.data['head_dim']!r}: Cohere2Config replaces it with "
                      f"hidden_size // num_attention_heads = {hidden // heads}; remove the field or set it to that")
    d_head, _ = head_size(f)
    kv = kv_heads(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    kinds = pattern_kinds(f, 4)
    size_ = window_size(f)
    if "sliding_attention" in kinds and size_ is None:
        raise f.error("field 'sliding_window' = null, but some layers are sliding_attention; expected a window "
                      "size such as 4096, or every layer full_attention")
    if "sliding_attention" not in kinds:
        f.unbind(w)
        size_ = None
    return _parallel(f, name="cohere2", title="Cohere2 (parallel attention and MLP; sliding-window and global layers)",
                     attention=attention, kinds=kinds, size_=size_)


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd)
        cfg = llama_config(model_type, d, num_key_value_heads=d.kv, intermediate_size=d.ffn,
                           attention_bias=draw(st.booleans()))
        if model_type == "cohere":
            cfg["use_qk_norm"] = draw(st.booleans())
        else:
            cfg["sliding_window"] = draw(st.integers(2, 12))
            if draw(st.booleans()):
                cfg["sliding_window_pattern"] = draw(st.integers(1, 4))
            elif draw(st.booleans()):
                kinds = st.sampled_from(["sliding_attention", "full_attention"])
                cfg["layer_types"] = draw(st.lists(kinds, min_size=d.layers, max_size=d.layers))
        return cfg
    return sample


_FIELDS = {**llama_like(tie=True, positions=8192, pad=0, head_dim_null=False), "attention_bias": flag("attention_bias", False), **ATTENTION_DROPOUT}
COHERE = Family("cohere", "Cohere", {**_FIELDS, "qk_norm": flag("use_qk_norm", False)}, cohere, _sample("cohere"))
COHERE2 = Family("cohere2", "Cohere2", {**_FIELDS, "window": size("sliding_window", 4096)}, cohere2,
                 _sample("cohere2"))
