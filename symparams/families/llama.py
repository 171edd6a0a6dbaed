"""Llama and its close kin: Llama 1/2/3, Mistral, Mixtral, OLMo 2.

RMSNorm, rotary positions, a gated (SwiGLU) MLP, GQA from ``num_key_value_heads``.

>>> from symparams.hf import from_hf_config
>>> from_hf_config({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
...                 "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100}).architecture.params().expanded
2*V*h + 3*d_ff*h*l + 2*h**2*l + 2*h*l + h + 2*h**2*l*n_kv/a
"""

from __future__ import annotations

from symparams.stacks import Stack
from symparams.components import Attention, GatedMLP, MoE, RMSNorm, TokenEmbedding
from symparams.families.common import (
    check_rope_head_dim, decoder_of, describe, ffn_width, head, head_size, kv_heads, pre_norm, rotary, window_notes, window_size,
    windowed,
)
from symparams.families.layers import routed_experts
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, DERIVED, flag, llama_like, size
from symparams.symbols import E, V, a, h, k, l

__all__ = ["LLAMA", "MISTRAL", "MIXTRAL", "OLMO2", "moe_of", "MOE_MODULES"]


def _rope_decoder(f, *, name: str, title: str, attention, mlp, block=None, notes=()):
    """Token embedding + RoPE; ``l`` layers of ``block`` (pre-norm RMSNorm by default); RMSNorm + head."""
    d_head, d_value = head_size(f)
    layer = block if block is not None else pre_norm(RMSNorm(h), attention, mlp)
    return decoder_of(f, name=name, title=f"{title}; {describe(attention.n_kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)),
                      layers=(Stack("block", l, layer),), final=(RMSNorm(h), head(f)), notes=notes)


def llama(f):
    """``LlamaForCausalLM``: biases on the attention projections and the MLP only when
    ``attention_bias`` / ``mlp_bias`` say so."""
    d_head, _ = head_size(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, kv_heads(f), d_head, qkv_bias=bias, o_bias=bias)
    mlp = GatedMLP(h, ffn_width(f), f.flag("mlp_bias"), f.text("act"))
    return _rope_decoder(f, name="llama", title="Llama", attention=attention, mlp=mlp)


def mistral(f):
    """``MistralForCausalLM``: Llama without biases; ``sliding_window`` (default 4096) makes every
    layer a sliding window."""
    d_head, _ = head_size(f)
    size_ = window_size(f)
    attention = windowed(Attention(h, a, kv_heads(f), d_head), size_)
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    notes = window_notes(["sliding_attention"] * f.size("layers"), size_)
    return _rope_decoder(f, name="mistral", title="Mistral", attention=attention, mlp=mlp, notes=notes)


def moe_of(f, width, activation: str, *, shared=None) -> MoE:
    """A routed mixture of experts: ``num_local_experts``/``num_experts`` experts (``E``), ``k`` per token."""
    routed_experts(f)
    return MoE(h, width, E, k, activation, shared_d_ff=shared)


def mixtral(f):
    """``MixtralForCausalLM``: Mistral with a sparse MoE of ``E`` SwiGLU experts, top ``k`` per token."""
    check_rope_head_dim(f, absent=True)  # MixtralConfig keeps head_dim None unless given
    d_head, _ = head_size(f)
    size_ = window_size(f)
    attention = windowed(Attention(h, a, kv_heads(f), d_head), size_)
    mlp = moe_of(f, ffn_width(f), f.text("act"))
    notes = window_notes(["sliding_attention"] * f.size("layers"), size_)
    return _rope_decoder(f, name="mixtral", title="Mixtral (sparse MoE)", attention=attention, mlp=mlp, notes=notes)


def olmo2(f):
    """``Olmo2ForCausalLM``: norms after attention and after the MLP (none before), RMSNorm on the
    full width of Q (``a·d_head``) and K (``n_kv·d_head``)."""
    d_head, _ = head_size(f)
    bias = f.flag("attention_bias")
    kv = kv_heads(f)
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    block = (attention, RMSNorm(a * d_head), RMSNorm(kv * d_head), RMSNorm(h), mlp, RMSNorm(h))
    return _rope_decoder(f, name="olmo2", title="OLMo 2 (norms after attention and MLP; Q/K norms over the full "
                         "width)", attention=attention, mlp=mlp, block=block)


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd)
        cfg = llama_config(model_type, d, num_key_value_heads=d.kv, intermediate_size=d.ffn)
        if model_type != "mixtral" and draw(st.booleans()):
            # an explicit head_dim, possibly not hidden / heads (Gemma-7B style)
            cfg["head_dim"] = 2 * draw(st.integers(1, max(1, bd.max_head_dim // 2)))
        if model_type in ("llama", "olmo2"):
            cfg["attention_bias"] = draw(st.booleans())
        if model_type == "llama":
            cfg["mlp_bias"] = draw(st.booleans())
        if model_type in ("mistral", "mixtral"):
            cfg["sliding_window"] = draw(st.one_of(st.none(), st.integers(2, 12)))
        if model_type == "mixtral":
            experts = draw(bd.span("experts"))
            cfg.update(num_local_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)))
        return cfg
    return sample


#: transformers' module names of a routed MoE (transformers 5: the experts are fused 3-D parameters)
MOE_MODULES = {"moe.router": "gate", "moe.experts.gate_proj": "experts.gate_up_proj",
               "moe.experts.up_proj": "experts.gate_up_proj", "moe.experts.down_proj": "experts.down_proj"}

LLAMA = Family("llama", "Llama", {**llama_like(), "attention_bias": flag("attention_bias", False),
                                  "mlp_bias": flag("mlp_bias", False), **ATTENTION_DROPOUT},
               llama, _sample("llama"), heads_divide_hidden=True)
MISTRAL = Family("mistral", "Mistral", {**llama_like(kv=8, positions=4096 * 32),
                                        "window": size("sliding_window", 4096, null=True),  # null → none
                                        **ATTENTION_DROPOUT},
                 mistral, _sample("mistral"))
MIXTRAL = Family("mixtral", "Mixtral (sparse MoE)",
                 {**llama_like(kv=8, positions=4096 * 32), "window": size("sliding_window", DERIVED),
                  **ATTENTION_DROPOUT, "experts": size("num_local_experts", 8, "num_experts", symbol=E),
                  "top_k": size("num_experts_per_tok", 2, symbol=k)},
                 mixtral, _sample("mixtral"), moe=True, modules=MOE_MODULES)
OLMO2 = Family("olmo2", "OLMo 2", {**llama_like(head_dim_null=False, pad=1), "attention_bias": flag("attention_bias", False),
                                   **ATTENTION_DROPOUT},
               olmo2, _sample("olmo2"))
