"""BLOOM: ALiBi (no position parameters, no context length), a LayerNorm after the embedding,
biased linears, an MLP of 4h with tanh GELU.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/bloom-560m.json").params.total
559214592
"""

from __future__ import annotations

from symparams.stacks import Stack
from symparams.components import MLP, Attention, LayerNorm, TokenEmbedding
from symparams.families.common import decoder_of, describe, head, head_size
from symparams.families.sampling import IDS, base
from symparams.hf.family import Family
from symparams.hf.fields import REQUIRED, dropout, flag, size
from symparams.symbols import V, a, h, l

__all__ = ["BLOOM"]


def bloom(f):
    """``BloomForCausalLM``: fused ``query_key_value`` and every linear biased; the MLP is always 4h
    (``n_inner`` is ignored by transformers); the activation is fixed (BloomGelu, tanh GELU)."""
    d_head, _ = head_size(f)
    attention = Attention(h, a, a, d_head, qkv_bias=True, o_bias=True)
    mlp = MLP(h, 4 * h, bias=True, activation="gelu_tanh")
    return decoder_of(f, name="bloom", title=f"BLOOM (ALiBi, LayerNorm after the embedding); "
                                             f"{describe(a, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), LayerNorm(h)),
                      layers=(Stack("block", l, (LayerNorm(h), attention, LayerNorm(h), mlp)),),
                      final=(LayerNorm(h), head(f)), notes=("ALiBi positions (no parameters)",))


def _sample(draw, st, bd):
    d = base(draw, st, bd, step=1)
    width_key = draw(st.sampled_from(["hidden_size", "n_embed"]))
    return {"model_type": "bloom", width_key: d.hidden, "n_layer": d.layers, "n_head": d.heads,
            "vocab_size": d.vocab, "tie_word_embeddings": d.tie,
            "hidden_dropout": draw(st.sampled_from([0.0, 0.1])), **IDS}


# BloomConfig: n_embed (when given) overrides hidden_size, and the attribute_map names num_hidden_layers /
# num_attention_heads override n_layer / n_head (keys in that order of precedence); no context-length
# field (ALiBi), so no "positions": give seq= / --seq
_MODULES = {"attention.q_proj": "query_key_value", "attention.k_proj": "query_key_value",
            "attention.v_proj": "query_key_value", "attention.o_proj": "dense", "mlp.up_proj": "dense_h_to_4h",
            "mlp.down_proj": "dense_4h_to_h", "embedding.embed_tokens": "word_embeddings"}
BLOOM = Family("bloom", "BLOOM", {
    "hidden": size("n_embed", REQUIRED, "hidden_size", symbol=h),
    "layers": size("num_hidden_layers", REQUIRED, "n_layer", symbol=l),
    "heads": size("num_attention_heads", REQUIRED, "n_head", symbol=a),
    "vocab": size("vocab_size", symbol=V),
    "tie": flag("tie_word_embeddings", True),
    **dropout(attention=("attention_dropout", 0.0), residual=("hidden_dropout", 0.0)),
}, bloom, _sample, head_step=1, modules=_MODULES)
