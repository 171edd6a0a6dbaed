"""Falcon: multi-query (old architecture) or grouped-query (new decoder architecture), parallel
attention and MLP, rotary or ALiBi positions.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/falcon-7b.json").params.total
6921720704
"""

from __future__ import annotations

from sympy import Integer

from symparams.stacks import Stack
from symparams.components import MLP, Attention, LayerNorm, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head, head_size, kv_heads, rotary
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, REQUIRED, dropout, flag, size, text
from symparams.symbols import V, a, d_ff, h, l, n_kv, s_max

__all__ = ["FALCON"]


def _kv(f):
    """``(n_kv expression, heads the cache holds or None)``: ``FalconAttention`` takes one K/V head
    for ``multi_query`` in the old architecture whatever ``num_kv_heads`` says (``FalconConfig``
    reports the head count then); the new architecture reads ``num_kv_heads`` and broadcasts K/V to
    every query head before caching."""
    heads, given = f.size("heads"), f.size("kv_heads")
    if not f.flag("new_arch"):
        if f.flag("multi_query"):
            return Integer(1), None
        if given not in (DERIVED, heads):
            raise f.error(f"field 'num_kv_heads' = {given} needs new_decoder_architecture: true "
                          f"(with multi_query: false the old architecture fuses 3·hidden for Q, K, V); "
                          f"expected {heads} or null")
        return a, None
    return kv_heads(f, given), a


def _norms(f) -> int:
    """LayerNorms per layer: 2 without ``parallel_attn``; in parallel, ``num_ln_in_parallel_attn``
    (default: 2 for the new architecture, 1 for the old). Refused where transformers builds the
    layer but its forward fails: the new architecture without ``parallel_attn`` or with a norm
    count other than 1 or 2, and the old one in parallel with 2 norms."""
    new = f.flag("new_arch")
    if not f.flag("parallel_attn"):
        if new:
            raise f.error("field 'new_decoder_architecture' = true needs 'parallel_attn' = true (transformers "
                          "builds the layer, but its forward fails); expected parallel_attn: true")
        return 2
    count = f.size("parallel_norms")
    if count is DERIVED:
        count = 2 if new else 1
    if new and count not in (1, 2):
        raise f.error(f"field 'num_ln_in_parallel_attn' = {count} must be 1 or 2 with new_decoder_architecture "
                      "(transformers' forward fails otherwise)")
    if not new and count == 2:
        raise f.error("field 'num_ln_in_parallel_attn' = 2 needs new_decoder_architecture: true (the old "
                      "architecture builds two norms but its forward reads one that does not exist); expected 1 or null")
    return 2 if count == 2 else 1


def falcon(f):
    """``FalconForCausalLM``: fused ``query_key_value``, ``bias`` on every linear, an MLP of
    ``ffn_hidden_size`` (4h if null), rotary unless ``alibi`` (whose model still holds the rotary
    ``inv_freq`` buffers)."""
    if "head_dim" in f.raw.data:
        raise f.error("field 'head_dim' cannot be set for Falcon (FalconConfig.head_dim is a read-only property, "
                      "hidden_size // num_attention_heads; transformers refuses the key); expected no head_dim")
    d_head, d_value = head_size(f)
    kv, cache = _kv(f)
    bias = f.flag("bias")
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias, cache_heads=cache)
    mlp = MLP(h, ffn_width(f, 4), bias=bias, activation=f.text("act"))
    parallel = f.flag("parallel_attn")
    if _norms(f) == 2:
        block = (LayerNorm(h), attention, LayerNorm(h), mlp)
    else:
        block = (LayerNorm(h), attention, mlp)
    notes = ["parallel attention and MLP (same parameter count as sequential)"] if parallel else []
    embed = (TokenEmbedding(V, h), rotary(f, d_head, d_value))  # FalconModel builds rotary_emb either way
    if f.flag("alibi"):
        notes = notes + ["ALiBi positions (no parameters); the rotary buffers transformers builds are unused"]
    return decoder_of(f, name="falcon", title=f"Falcon; {describe(kv, mlp, f.flag('tie'))}", embed=embed,
                      layers=(Stack("block", l, block),), final=(LayerNorm(h), head(f)), notes=notes,
                      parallel_residual=parallel)


def _sample(draw, st, bd):
    d = base(draw, st, bd)
    new = draw(st.booleans())
    cfg = llama_config("falcon", d, bias=draw(st.booleans()), new_decoder_architecture=new,
                       ffn_hidden_size=draw(st.one_of(st.none(), st.just(d.ffn))))
    if new:
        cfg.update(num_kv_heads=d.kv, parallel_attn=True, multi_query=False,
                   num_ln_in_parallel_attn=draw(st.sampled_from([1, 2])))
    else:
        cfg.update(multi_query=draw(st.booleans()), parallel_attn=draw(st.booleans()))
    return cfg


#: transformers' module names (fused query_key_value)
_MODULES = {"attention.q_proj": "query_key_value", "attention.k_proj": "query_key_value",
            "attention.v_proj": "query_key_value", "attention.o_proj": "dense", "mlp.up_proj": "dense_h_to_4h",
            "mlp.down_proj": "dense_4h_to_h", "embedding.embed_tokens": "word_embeddings"}

FALCON = Family("falcon", "Falcon", {
    "hidden": size("hidden_size", REQUIRED, "n_embed", symbol=h), "layers": size("num_hidden_layers", symbol=l),
    "heads": size("num_attention_heads", symbol=a), "vocab": size("vocab_size", symbol=V),
    "ffn": size("ffn_hidden_size", DERIVED, symbol=d_ff),  # null → 4 * hidden_size
    "kv_heads": size("num_kv_heads", DERIVED, symbol=n_kv),
    "positions": size("max_position_embeddings", 2048, symbol=s_max),
    "tie": flag("tie_word_embeddings", True), "bias": flag("bias", False), "alibi": flag("alibi", False),
    "multi_query": flag("multi_query", True), "new_arch": flag("new_decoder_architecture", False),
    "parallel_attn": flag("parallel_attn", True),
    "parallel_norms": size("num_ln_in_parallel_attn", DERIVED),  # null → 2 if new_arch
    "act": text("activation", "gelu"),
    **dropout(attention=("attention_dropout", 0.0), residual=("hidden_dropout", 0.0)),
}, falcon, _sample, modules=_MODULES)
