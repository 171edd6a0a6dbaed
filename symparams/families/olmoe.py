"""OLMoE: OLMo's Q/K norms over the full width, a mixture of experts on every layer.

Pre-norm RMSNorm layers; Q normalised over its ``h`` values and K over its ``n_kv·h/a``
(transformers' ``OlmoeAttention``, which therefore needs ``head_dim = h/a``); ``E`` SwiGLU
experts of ``intermediate_size``, top ``k``, no shared expert.

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config("tests/fixtures/hf_configs/olmoe-1b-7b-0924.json")
>>> m.params.total, m.active_params
(6919161856, 1282017280)
"""

from __future__ import annotations

from symparams.components import Attention, MoE, RMSNorm, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head, kv_heads, pre_norm, rotary
from symparams.families.layers import grid_stacks, routed_experts
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, DERIVED, flag, llama_like, size
from symparams.symbols import E, V, a, h, k

__all__ = ["OLMOE"]


def olmoe(f):
    """``OlmoeForCausalLM``; ``clip_qkv`` clamps Q, K, V (no count changes)."""
    hidden, heads = f.size("hidden"), f.size("heads")
    given = f.size("head_dim")
    if hidden % heads or given not in (DERIVED, hidden // heads):
        raise f.error(f"OLMoE normalises Q over hidden_size = {hidden}: expected hidden_size divisible by "
                      f"num_attention_heads = {heads} and no other head_dim (field 'head_dim' = "
                      f"{f.raw.data.get('head_dim')!r})")
    kv = kv_heads(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, kv, h / a, qkv_bias=bias, o_bias=bias)
    routed_experts(f)
    moe = MoE(h, ffn_width(f), E, k, f.text("act"))
    block = pre_norm(RMSNorm(h), attention, moe, qk_norms=(RMSNorm(h), RMSNorm(kv * h / a)))
    f.use("layers")
    return decoder_of(f, name="olmoe", title=f"OLMoE (Q/K norms over the full width); {describe(kv, moe, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, h / a, hidden // heads)),
                      layers=grid_stacks(f, [("global", "moe")] * f.size("layers"), lambda att, mlp: block),
                      final=(RMSNorm(h), head(f)))


def _sample(draw, st, bd):
    d = base(draw, st, bd)
    experts = draw(bd.span("experts"))
    return llama_config("olmoe", d, num_key_value_heads=d.kv, intermediate_size=d.ffn, num_experts=experts,
                        num_experts_per_tok=draw(st.integers(1, experts)), attention_bias=draw(st.booleans()),
                        clip_qkv=draw(st.sampled_from([None, 8.0])))


OLMOE = Family("olmoe", "OLMoE", {
    **llama_like(positions=4096, pad=1, head_dim_null=False), "attention_bias": flag("attention_bias", False),
    "experts": size("num_experts", 64, "num_local_experts", symbol=E), "top_k": size("num_experts_per_tok", 8, symbol=k),
    **ATTENTION_DROPOUT,
}, olmoe, _sample, moe=True)
