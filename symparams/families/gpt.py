"""GPT-2 and GPTBigCode (SantaCoder, StarCoder): learned positions, LayerNorm, biased linears.

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config({"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12,
...                     "vocab_size": 50257, "n_positions": 1024})
>>> m.params.total
124439808
"""

from __future__ import annotations

from sympy import Integer

from symparams.stacks import Stack
from symparams.components import MLP, Attention, LayerNorm, LearnedPositions, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head, head_size
from symparams.families.sampling import IDS, base
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, REQUIRED, dropout, flag, size, text
from symparams.symbols import V, a, h, l, s_max

__all__ = ["GPT2", "GPT_BIGCODE"]

# GPT-2's own field names (GPT2Config), shared by GPTBigCodeConfig
_NAMES = {
    "hidden": size("n_embd", REQUIRED, "hidden_size", symbol=h),
    "layers": size("n_layer", REQUIRED, "num_hidden_layers", symbol=l),
    "heads": size("n_head", REQUIRED, "num_attention_heads", symbol=a),
    "vocab": size("vocab_size", symbol=V),
    "ffn": size("n_inner", DERIVED),  # null → 4 * n_embd
    "positions": size("n_positions", REQUIRED, "max_position_embeddings", symbol=s_max),
    "tie": flag("tie_word_embeddings", True),
    "cross": flag("add_cross_attention", False),
    **dropout(embedding=("embd_pdrop", 0.1), attention=("attn_pdrop", 0.1), residual=("resid_pdrop", 0.1)),
}


#: transformers' module names (GPT2Attention / GPTBigCodeAttention fuse Q, K, V in c_attn)
_MODULES = {"attention.q_proj": "c_attn", "attention.k_proj": "c_attn", "attention.v_proj": "c_attn",
            "attention.o_proj": "c_proj", "mlp.up_proj": "c_fc", "mlp.down_proj": "c_proj",
            "embedding.embed_tokens": "wte", "positions.embed_positions": "wpe"}


def _decoder(f, *, model_type: str, title: str, kv, causal_mask: bool):
    if f.flag("cross"):
        raise f.error("field 'add_cross_attention' = true is not supported (cross-attention layers "
                      "belong to encoder-decoder use); expected false")
    d_head, _ = head_size(f)
    f.use("positions")
    attention = Attention(h, a, kv, d_head, qkv_bias=True, o_bias=True)
    mlp = MLP(h, ffn_width(f, 4), bias=True, activation=f.text("act"))
    block = (LayerNorm(h), attention, LayerNorm(h), mlp)
    return decoder_of(
        f, name=model_type, title=f"{title}; {describe(kv, mlp, f.flag('tie'))}",
        embed=(TokenEmbedding(V, h), LearnedPositions(s_max, h, causal_mask=causal_mask)),
        layers=(Stack("block", l, block),), final=(LayerNorm(h), head(f)),
    )


def gpt2(f):
    """``GPT2LMHeadModel``: fused ``c_attn`` (Q, K, V with biases), MLP ``n_inner`` (4h if null)."""
    return _decoder(f, model_type="gpt2", title="GPT-2", kv=a, causal_mask=False)


def gpt_bigcode(f):
    """``GPTBigCodeForCausalLM``: GPT-2 with multi-query attention when ``multi_query`` (one K/V head),
    and an ``s_max × s_max`` causal-mask buffer beside the position table."""
    kv = Integer(1) if f.flag("multi_query") else a
    return _decoder(f, model_type="gpt_bigcode", title="GPTBigCode / StarCoder", kv=kv, causal_mask=True)


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd, step=1)
        cfg = {"model_type": model_type, "n_embd": d.hidden, "n_layer": d.layers, "n_head": d.heads,
               "vocab_size": d.vocab, "n_positions": d.positions,
               "n_inner": draw(st.one_of(st.none(), st.just(d.ffn))), **IDS}
        if model_type == "gpt_bigcode":
            cfg.update(multi_query=draw(st.booleans()), tie_word_embeddings=d.tie)
        return cfg
    return sample


GPT2 = Family("gpt2", "GPT-2", {**_NAMES, "act": text("activation_function", "gelu_new")}, gpt2,
              _sample("gpt2"), head_step=1, modules=_MODULES)
GPT_BIGCODE = Family("gpt_bigcode", "GPTBigCode / StarCoder",
                     {**_NAMES, "multi_query": flag("multi_query", True),
                      "act": text("activation_function", "gelu_pytorch_tanh")},
                     gpt_bigcode, _sample("gpt_bigcode"), head_step=1, modules=_MODULES)
