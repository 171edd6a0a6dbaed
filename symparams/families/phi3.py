"""Phi-3 (and Phi-4-mini, which is ``phi3`` too): Llama's layout with fused projections.

``qkv_proj`` (``h → (a + 2·n_kv)·d_head``) and ``gate_up_proj`` (``h → 2·d_ff``) are one matrix
each: the same parameters and FLOPs as separate ones. A ``sliding_window`` windows every layer
(the KV cache of each holds at most ``w − 1`` tokens); ``partial_rotary_factor`` rotates part of
each head.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/phi-3-mini-4k-instruct.json").params.total
3821079552
"""

from __future__ import annotations

from symparams.components import Attention, GatedMLP, RMSNorm, TokenEmbedding
from symparams.families.common import (
    check_rope_types, decoder_of, describe, ffn_width, head, head_size, kv_heads, pre_norm, window_notes, window_size,
    windowed,
)
from symparams.families.layers import grid_stacks
from symparams.families.rope import partial_rotary, rope_fraction
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, dropout, llama_like, size
from symparams.symbols import V, a, h

__all__ = ["PHI3"]


def phi3(f):
    """``Phi3ForCausalLM``: no biases; RMSNorm; SwiGLU. ``Phi3Config`` takes RoPE types ``default``
    and ``longrope`` only, with ``short_factor``/``long_factor`` of ``hidden_size // heads ·
    partial_rotary_factor / 2`` entries each."""
    d_head, d_value = head_size(f)
    for d in check_rope_types(f, ("default", "longrope"), "Phi3Config accepts 'default' and 'longrope' only"):
        pairs = int(f.size("hidden") // f.size("heads") * rope_fraction(f, 1.0)) // 2
        for name in ("short_factor", "long_factor"):
            value = d.get(name)
            if value is not None and (not isinstance(value, list) or len(value) != pairs):
                raise f.error(f"field 'rope_scaling.{name}' must be a list of {pairs} numbers (hidden_size // "
                              f"num_attention_heads · partial_rotary_factor / 2), as Phi3Config checks")
    kv = kv_heads(f)
    size_ = window_size(f)
    attention = windowed(Attention(h, a, kv, d_head), size_)
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    layers = f.size("layers")
    notes = ["fused qkv_proj and gate_up_proj (the same parameters and FLOPs as separate projections)",
             *window_notes(["sliding_attention"] * layers, size_)]
    return decoder_of(f, name="phi3", title=f"Phi-3 (fused projections); {describe(kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), partial_rotary(f, d_value, 1.0, d_head)),
                      layers=grid_stacks(f, [("global", "dense")] * layers,
                                         lambda att, mlp_: pre_norm(RMSNorm(h), attention, mlp)),
                      final=(RMSNorm(h), head(f)), notes=notes)


def _sample(draw, st, bd):
    d = base(draw, st, bd, step=4)
    cfg = llama_config("phi3", d, num_key_value_heads=d.kv, intermediate_size=d.ffn,
                       sliding_window=draw(st.one_of(st.none(), st.integers(2, 12))),
                       partial_rotary_factor=draw(st.sampled_from([1.0, 0.5])))
    return cfg


PHI3 = Family("phi3", "Phi-3", {
    **llama_like(positions=4096, pad=32000, head_dim_null=False), "window": size("sliding_window", DERIVED),  # null → every token
    **dropout(attention=("attention_dropout", 0.0), residual=("resid_pdrop", 0.0)),
}, phi3, _sample, head_step=4,
   # Phi3Model fuses Q, K, V into self_attn.qkv_proj and the gate and up halves into mlp.gate_up_proj
   modules={"attention.q_proj": "qkv_proj", "attention.k_proj": "qkv_proj", "attention.v_proj": "qkv_proj",
            "mlp.gate_proj": "gate_up_proj", "mlp.up_proj": "gate_up_proj"})
