"""Nemotron (Nemotron-4, Minitron): LayerNorm1P, a non-gated squared-ReLU MLP, partial rotary.

``NemotronLayerNorm1P`` is a LayerNorm whose gain is stored as ``γ − 1`` (the same ``2·h``
parameters); the MLP is ``down(relu²(up(x)))``; rotary covers ``partial_rotary_factor`` (0.5 by
default) of each head.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/minitron-8b-base.json").params.total
8271699968
"""

from __future__ import annotations

from symparams.components import MLP, Attention, LayerNorm, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head, head_size, kv_heads, pre_norm
from symparams.families.layers import grid_stacks
from symparams.families.rope import partial_rotary
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, flag, llama_like
from symparams.symbols import V, a, h

__all__ = ["NEMOTRON"]


def nemotron(f):
    """``NemotronForCausalLM``: biases by ``attention_bias`` / ``mlp_bias``."""
    d_head, d_value = head_size(f)
    kv = kv_heads(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    mlp = MLP(h, ffn_width(f), bias=f.flag("mlp_bias"), activation=f.text("act"))
    return decoder_of(f, name="nemotron", title=f"Nemotron (squared-ReLU MLP, partial rotary); "
                                                f"{describe(kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), partial_rotary(f, d_value, 0.5, d_head)),
                      layers=grid_stacks(f, [("global", "dense")] * f.size("layers"),
                                         lambda att, mlp_: pre_norm(LayerNorm(h), attention, mlp)),
                      final=(LayerNorm(h), head(f)))


def _sample(draw, st, bd):
    d = base(draw, st, bd, step=4)
    cfg = llama_config("nemotron", d, num_key_value_heads=d.kv, intermediate_size=d.ffn,
                       attention_bias=draw(st.booleans()), mlp_bias=draw(st.booleans()))
    if draw(st.booleans()):
        cfg["head_dim"] = 4 * draw(st.integers(1, max(1, bd.max_head_dim // 4)))
    if draw(st.booleans()):
        cfg["partial_rotary_factor"] = draw(st.sampled_from([0.5, 1.0]))
    return cfg


NEMOTRON = Family("nemotron", "Nemotron", {
    **llama_like(act="relu2", positions=4096, kv_null=False), "attention_bias": flag("attention_bias", False),
    "mlp_bias": flag("mlp_bias", False), **ATTENTION_DROPOUT,
}, nemotron, _sample, head_step=4)
