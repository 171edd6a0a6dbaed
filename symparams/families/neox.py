"""GPT-NeoX (Pythia) and StableLM: LayerNorm, partial rotary, optional parallel residual.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/pythia-160m.json").params.total
162322944
"""

from __future__ import annotations

from symparams.stacks import Stack
from symparams.components import MLP, Attention, GatedMLP, LayerNorm, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head, head_size, kv_heads, rotary
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import dropout, flag, fraction, llama_like
from symparams.symbols import V, a, h, l

__all__ = ["GPT_NEOX", "STABLELM"]

_PARALLEL = "parallel attention and MLP (same parameter count as sequential)"


def gpt_neox(f):
    """``GPTNeoXForCausalLM``: fused ``query_key_value`` (biased by ``attention_bias``), a biased
    2-matrix MLP, two LayerNorms per layer (also with ``use_parallel_residual``), rotary on
    ``rotary_pct`` of each head."""
    d_head, d_value = head_size(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, a, d_head, qkv_bias=bias, o_bias=bias)
    mlp = MLP(h, ffn_width(f), bias=True, activation=f.text("act"))
    parallel = f.flag("parallel_residual")
    return decoder_of(f, name="gpt_neox", title=f"GPT-NeoX / Pythia; {describe(a, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)),
                      layers=(Stack("block", l, (LayerNorm(h), attention, LayerNorm(h), mlp)),),
                      final=(LayerNorm(h), head(f)), notes=(_PARALLEL,) if parallel else (),
                      parallel_residual=parallel)


def stablelm(f):
    """``StableLmForCausalLM``: LayerNorm, SwiGLU, Q/K/V biases by ``use_qkv_bias``; with
    ``qk_layernorm`` a bias-free LayerNorm per head (``a·d_head`` and ``n_kv·d_head`` gains);
    with ``use_parallel_residual`` no post-attention norm."""
    d_head, d_value = head_size(f)
    kv = kv_heads(f)
    attention = Attention(h, a, kv, d_head, qkv_bias=f.flag("use_qkv_bias"))
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    qk = (LayerNorm(a * d_head, bias=False), LayerNorm(kv * d_head, bias=False)) if f.flag("qk_layernorm") else ()
    parallel = f.flag("parallel_residual")
    block = (LayerNorm(h), attention, *qk, mlp) if parallel else (LayerNorm(h), attention, *qk, LayerNorm(h), mlp)
    return decoder_of(f, name="stablelm", title=f"StableLM; {describe(kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)),
                      layers=(Stack("block", l, block),), final=(LayerNorm(h), head(f)),
                      notes=(_PARALLEL,) if parallel else (), parallel_residual=parallel)


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd, step=8)
        cfg = llama_config(model_type, d, intermediate_size=d.ffn,
                           use_parallel_residual=draw(st.booleans()))
        if model_type == "gpt_neox":
            cfg.update(rotary_pct=draw(st.sampled_from([0.25, 1.0])), attention_bias=draw(st.booleans()))
        else:
            cfg.update(num_key_value_heads=d.kv, partial_rotary_factor=0.25, use_qkv_bias=draw(st.booleans()),
                       qk_layernorm=draw(st.booleans()))
        return cfg
    return sample


#: transformers' module names of GPT-NeoX (fused query_key_value); StableLM uses Llama's
_MODULES = {"attention.q_proj": "query_key_value", "attention.k_proj": "query_key_value",
            "attention.v_proj": "query_key_value", "attention.o_proj": "dense", "mlp.up_proj": "dense_h_to_4h",
            "mlp.down_proj": "dense_4h_to_h", "embedding.embed_tokens": "embed_in"}
_NEOX_FIELDS = {k: v for k, v in llama_like(act="gelu").items() if k not in ("kv_heads", "head_dim", "pad")}
GPT_NEOX = Family("gpt_neox", "GPT-NeoX / Pythia", {
    **_NEOX_FIELDS, "attention_bias": flag("attention_bias", True),
    "parallel_residual": flag("use_parallel_residual", True),
    "rotary_fraction": fraction("rotary_pct", 0.25, "partial_rotary_factor"),
    **dropout(embedding=("hidden_dropout", 0.0), attention=("attention_dropout", 0.0), residual=("hidden_dropout", 0.0)),
}, gpt_neox, _sample("gpt_neox"), head_step=8, modules=_MODULES, heads_divide_hidden=True)
STABLELM = Family("stablelm", "StableLM", {
    **{k: v for k, v in llama_like(kv=32, positions=4096).items() if k != "head_dim"},
    "use_qkv_bias": flag("use_qkv_bias", False), "qk_layernorm": flag("qk_layernorm", False),
    "parallel_residual": flag("use_parallel_residual", False),
    "rotary_fraction": fraction("partial_rotary_factor", 0.25),
    **dropout(attention=("attention_dropout", 0.0), residual=("hidden_dropout", 0.0)),
}, stablelm, _sample("stablelm"), head_step=8)
