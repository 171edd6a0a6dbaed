"""Phi-1/1.5/2: attention and MLP in parallel after one LayerNorm, biases everywhere (the
output head's too), partial rotary.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/phi-2.json").params.total
2779683840
"""

from __future__ import annotations

from symparams.stacks import Stack
from symparams.components import MLP, Attention, LayerNorm, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head, head_size, kv_heads, rotary
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import dropout, flag, fraction, llama_like
from symparams.symbols import V, a, h, l

__all__ = ["PHI"]


def phi(f):
    """``PhiForCausalLM``: one LayerNorm, then attention and MLP in parallel; with ``qk_layernorm``
    one LayerNorm of ``d_head`` shared by the ``a`` query heads and one by the ``n_kv`` key heads."""
    d_head, d_value = head_size(f)
    kv = kv_heads(f)
    attention = Attention(h, a, kv, d_head, qkv_bias=True, o_bias=True)
    mlp = MLP(h, ffn_width(f), bias=True, activation=f.text("act"))
    qk = ()
    if f.flag("qk_layernorm"):
        if f.size("hidden") % f.size("heads"):
            raise f.error(f"qk_layernorm needs hidden_size % num_attention_heads == 0 "
                          f"({f.size('hidden')} % {f.size('heads')})")
        qk = (LayerNorm(h / a, groups=a), LayerNorm(h / a, groups=kv))
    return decoder_of(f, name="phi", title=f"Phi (parallel attention and MLP, one LayerNorm); "
                                           f"{describe(kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)),
                      layers=(Stack("block", l, (LayerNorm(h), attention, *qk, mlp)),),
                      final=(LayerNorm(h), head(f, bias=True)),
                      notes=("parallel attention and MLP (same parameter count as sequential)",),
                      parallel_residual=True)


def _sample(draw, st, bd):
    d = base(draw, st, bd, step=4)
    return llama_config("phi", d, num_key_value_heads=d.kv, intermediate_size=d.ffn, partial_rotary_factor=0.5,
                        qk_layernorm=draw(st.booleans()))


#: transformers' module names
_MODULES = {"attention.o_proj": "dense", "mlp.up_proj": "fc1", "mlp.down_proj": "fc2"}

PHI = Family("phi", "Phi", {
    **llama_like(act="gelu_new", head_dim_null=False), "qk_layernorm": flag("qk_layernorm", False),
    "rotary_fraction": fraction("partial_rotary_factor", 0.5),
    **dropout(embedding=("embd_pdrop", 0.0), attention=("attention_dropout", 0.0), residual=("resid_pdrop", 0.0)),
}, phi, _sample, head_step=4, modules=_MODULES)
