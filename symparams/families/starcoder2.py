"""StarCoder2: LayerNorm, a 2-matrix MLP, biases by ``use_bias``, GQA, optional sliding window.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/starcoder2-3b.json").params.total
3030371328
"""

from __future__ import annotations

from symparams.stacks import Stack
from symparams.components import MLP, Attention, LayerNorm, TokenEmbedding
from symparams.families.common import (
    check_rope_head_dim, decoder_of, describe, ffn_width, head, head_size, kv_heads, rotary, window_notes, window_size, windowed,
)
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, dropout, flag, llama_like, size
from symparams.symbols import V, a, h, l

__all__ = ["STARCODER2"]


def starcoder2(f):
    """``Starcoder2ForCausalLM``: ``use_bias`` on every linear; ``sliding_window`` (null: none) on every layer."""
    check_rope_head_dim(f, absent=False)
    d_head, d_value = head_size(f)
    bias = f.flag("use_bias")
    kv = kv_heads(f)
    size_ = window_size(f)
    attention = windowed(Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias), size_)
    mlp = MLP(h, ffn_width(f), bias=bias, activation=f.text("act"))
    return decoder_of(f, name="starcoder2", title=f"StarCoder2; {describe(kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)),
                      layers=(Stack("block", l, (LayerNorm(h), attention, LayerNorm(h), mlp)),),
                      final=(LayerNorm(h), head(f)),
                      notes=window_notes(["sliding_attention"] * f.size("layers"), size_))


def _sample(draw, st, bd):
    d = base(draw, st, bd)
    cfg = llama_config("starcoder2", d, num_key_value_heads=d.kv, intermediate_size=d.ffn,
                       use_bias=draw(st.booleans()), sliding_window=draw(st.one_of(st.none(), st.integers(2, 12))))
    if draw(st.booleans()):
        cfg["head_dim"] = 2 * draw(st.integers(1, max(1, bd.max_head_dim // 2)))
    return cfg


#: transformers' module names
_MODULES = {"mlp.up_proj": "c_fc", "mlp.down_proj": "c_proj"}

STARCODER2 = Family("starcoder2", "StarCoder2", {
    **llama_like(kv=2, tie=True, act="gelu_pytorch_tanh", positions=4096),
    "window": size("sliding_window", DERIVED),  # null → no window
    "use_bias": flag("use_bias", True),
    **dropout(embedding=("embedding_dropout", 0.0), attention=("attention_dropout", 0.0),
              residual=("residual_dropout", 0.0)),
}, starcoder2, _sample, modules=_MODULES)
