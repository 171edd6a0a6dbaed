"""Granite (IBM Granite 3.x): Llama's layout; its four multipliers change no count.

``embedding_multiplier``, ``residual_multiplier``, ``attention_multiplier`` (the attention's
scale in place of ``1/√d_head``) and ``logits_scaling`` multiply activations element-wise: no
parameter, matmul or cache changes.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/granite-3.1-8b-base.json").params.total
8170848256
"""

from __future__ import annotations

from symparams.components import Attention, GatedMLP, RMSNorm, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head, head_size, kv_heads, pre_norm, rotary
from symparams.families.layers import grid_stacks
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, flag, llama_like
from symparams.symbols import V, a, h

__all__ = ["GRANITE"]

_MULTIPLIERS = ("embedding_multiplier", "residual_multiplier", "attention_multiplier", "logits_scaling")


def granite(f):
    """``GraniteForCausalLM``: biases on the attention projections and the MLP only when
    ``attention_bias`` / ``mlp_bias`` say so."""
    d_head, d_value = head_size(f)
    bias = f.flag("attention_bias")
    kv = kv_heads(f)
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    mlp = GatedMLP(h, ffn_width(f), f.flag("mlp_bias"), f.text("act"))
    given = ", ".join(f"{key} = {f.raw.data[key]}" for key in _MULTIPLIERS if key in f.raw.data)
    notes = [f"Granite's multipliers ({given or 'class defaults 1.0'}) scale activations element-wise: "
             "they change no parameter, FLOP or cache count"]
    return decoder_of(f, name="granite", title=f"Granite; {describe(kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)),
                      layers=grid_stacks(f, [("global", "dense")] * f.size("layers"),
                                         lambda att, mlp_: pre_norm(RMSNorm(h), attention, mlp)),
                      final=(RMSNorm(h), head(f)), notes=notes)


def _sample(draw, st, bd):
    d = base(draw, st, bd)
    return llama_config("granite", d, num_key_value_heads=d.kv, intermediate_size=d.ffn,
                        attention_bias=draw(st.booleans()), mlp_bias=draw(st.booleans()),
                        embedding_multiplier=12.0, residual_multiplier=0.22, attention_multiplier=0.0078125,
                        logits_scaling=16.0)


GRANITE = Family("granite", "Granite", {
    **llama_like(head_dim_null=False), "attention_bias": flag("attention_bias", False), "mlp_bias": flag("mlp_bias", False),
    **ATTENTION_DROPOUT,
}, granite, _sample)
