"""ModernBERT: a pre-norm encoder with rotary positions, a gated MLP and alternating local/global attention.

``ModernBertModel``: the token table and its LayerNorm; ``l`` layers, each
``LayerNorm → attention (fused Wqkv, Wo) → LayerNorm → GeGLU (Wi: h → 2·d_ff,
Wo)``, except that layer 0 has no attention norm (``nn.Identity``); a final
LayerNorm. Layers are global (bidirectional over the whole sequence) or local
(keys within ``w_side = local_attention // 2`` positions on either side), by
``layer_types`` or, by default, global every ``global_attn_every_n_layers``
(3) from layer 0. Biases follow ``norm_bias``, ``attention_bias``,
``mlp_bias``. Rotary tables: ``inv_freq`` and ``original_inv_freq`` per
layer kind present (buffers). The head model (``ModernBertForMaskedLM``): dense
(``classifier_bias``) + activation + LayerNorm, then the decoder tied to the
token table (``decoder_bias``).

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config({"model_type": "modernbert", "hidden_size": 768, "num_hidden_layers": 22,
...     "num_attention_heads": 12, "intermediate_size": 1152, "vocab_size": 50368})
>>> m.params.total, [(st.name, st.count) for st in m.architecture.layer_stacks]   # ModernBERT-base
(149014272, [('layer0', 1), ('local', l_local), ('global', l - l_local - 1)])
"""

from __future__ import annotations

from dataclasses import replace

from sympy import Integer

from symparams.components import Attention, GatedMLP, LayerNorm, MaskedLMHead, RotaryPositions, TokenEmbedding
from symparams.families.common import LAYER_TYPES, dropout_sites, ffn_width, head_size, layer_kinds
from symparams.families.encoders import encoder_only
from symparams.families.sampling import base
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, dropout, flag, pad_token, size, text
from symparams.stacks import Stack
from symparams.symbols import V, a, d_ff, h, l, l_local, s_max, w_side

__all__ = ["MODERNBERT"]


def _kinds(f) -> list[str]:
    """Each layer's kind: ``layer_types``, else ``sliding_attention`` unless ``i % every == 0``."""
    layers = f.size("layers")
    every = f.size("global_every")
    return layer_kinds(f, ["sliding_attention" if i % every else "full_attention" for i in range(layers)])


def _stacks(f, kinds: list[str], block_for) -> tuple[Stack, ...]:
    """Layer 0 on its own (no attention norm), then the other layers by kind; ``l_local`` counts every
    local layer (layer 0 included when it is local)."""
    f.use("layers")
    local = kinds.count("sliding_attention")
    if local:
        f.bind(l_local, local)
    first = kinds[0]
    n_local = l_local if local else Integer(0)
    is_local = int(first == "sliding_attention")
    counts = {"sliding_attention": n_local - is_local, "full_attention": l - n_local - (1 - is_local)}
    rest = {"sliding_attention": local - is_local, "full_attention": len(kinds) - local - (1 - is_local)}
    stacks = [Stack("layer0", Integer(1), block_for(first, first_layer=True))]
    for kind, name in (("sliding_attention", "local"), ("full_attention", "global")):
        if rest[kind]:
            stacks.append(Stack(name, counts[kind], block_for(kind, first_layer=False)))
    return tuple(stacks)


def modernbert(f):
    """``ModernBertModel`` and ``ModernBertForMaskedLM``."""
    for key in ("hidden", "heads", "vocab", "positions"):
        f.use(key)
    if f.flag("sparse_prediction"):
        raise f.error("field 'sparse_prediction' = true is not supported: the masked-LM head then runs only on the "
                      "masked tokens, a count that depends on the masking; expected false")
    params = f.raw.data.get("rope_parameters")
    if isinstance(params, dict) and params and not all(k in LAYER_TYPES and isinstance(v, dict)
                                                       for k, v in params.items()):
        raise f.error(f"field 'rope_parameters' = {params!r}: ModernBertConfig types it as one dict per layer type "
                      "(full_attention, sliding_attention) and refuses a flat one; expected "
                      "{\"full_attention\": {...}, \"sliding_attention\": {...}} (or rope_scaling)")
    d_head, _ = head_size(f)
    kinds = _kinds(f)
    # ModernBertConfig.sliding_window is local_attention // 2, and a sliding_window key sets local_attention
    # to twice its value (it wins over a local_attention key)
    given = f.size("window")
    radius = f.size("local_attention") // 2 if given is DERIVED else given
    rule = "local_attention // 2" if given is DERIVED else "sliding_window"
    norm = LayerNorm(h, bias=f.flag("norm_bias"))
    bias = f.flag("attention_bias")
    attention = Attention(h, a, a, d_head, qkv_bias=bias, o_bias=bias, mask="full")
    mlp = GatedMLP(h, ffn_width(f), f.flag("mlp_bias"), f.text("act"))
    if "sliding_attention" in kinds:
        if radius < 1:
            raise f.error(f"field 'local_attention' = {f.size('local_attention')} must be at least 2 "
                          "(keys within local_attention // 2 positions on either side)")
        f.bind(w_side, radius)

    def block_for(kind, *, first_layer: bool):
        layer = replace(attention, mask="local", window=w_side) if kind == "sliding_attention" else attention
        return (layer, norm, mlp) if first_layer else (norm, layer, norm, mlp)

    ropes = tuple(RotaryPositions(s_max, d_head, layout="inv_freq") for kind in LAYER_TYPES if kind in kinds)
    head = MaskedLMHead(h, V, tied=f.flag("tie"), bias=f.flag("decoder_bias"), transform_bias=f.flag("classifier_bias"),
                        norm_bias=f.flag("norm_bias"), activation=f.text("classifier_act"))
    local = kinds.count("sliding_attention")
    notes = (f"{local} of {len(kinds)} layers local (l_local): keys within w_side = {rule} = {radius} "
             "positions on either side; FLOPs dense under FlopCounterMode, the window's pairs under masked counting",
             ) if local else ()
    return encoder_only(
        "modernbert", "ModernBERT (rotary, GeGLU, alternating local/global attention, layer 0 without attention norm)",
        embed=(TokenEmbedding(V, h), norm, *ropes), layers=_stacks(f, kinds, block_for), final=(norm,),
        head=(head,), head_keeps_pooler=False, dropout=dropout_sites(f), notes=notes,
        head_notes=("head: ModernBertForMaskedLM — dense + activation + LayerNorm, decoder on every token",))


def _sample(draw, st, bd):
    d = base(draw, st, bd, step=2)
    cfg = {"model_type": "modernbert", "hidden_size": d.hidden, "num_hidden_layers": d.layers,
           "num_attention_heads": d.heads, "intermediate_size": d.ffn, "vocab_size": max(d.vocab, 4),
           "max_position_embeddings": d.positions + 16, "tie_word_embeddings": d.tie,
           "local_attention": 2 * draw(st.integers(1, 8)), "global_attn_every_n_layers": draw(st.integers(1, 4)),
           "norm_bias": draw(st.booleans()), "attention_bias": draw(st.booleans()), "mlp_bias": draw(st.booleans()),
           "decoder_bias": draw(st.booleans()), "classifier_bias": draw(st.booleans()),
           "pad_token_id": 0, "bos_token_id": 0, "eos_token_id": 0, "cls_token_id": 0, "sep_token_id": 0}
    if draw(st.booleans()):
        cfg["layer_types"] = [draw(st.sampled_from(LAYER_TYPES)) for _ in range(d.layers)]
    return cfg


MODERNBERT = Family(
    "modernbert", "ModernBERT",
    {"hidden": size("hidden_size", symbol=h), "layers": size("num_hidden_layers", symbol=l),
     "heads": size("num_attention_heads", symbol=a), "vocab": size("vocab_size", symbol=V),
     "ffn": size("intermediate_size", symbol=d_ff), "positions": size("max_position_embeddings", 8192, symbol=s_max),
     "tie": flag("tie_word_embeddings", True), "act": text("hidden_activation", "gelu"), **pad_token(50283),
     "classifier_act": text("classifier_activation", "gelu"), "norm_bias": flag("norm_bias", False),
     "attention_bias": flag("attention_bias", False), "mlp_bias": flag("mlp_bias", False),
     "decoder_bias": flag("decoder_bias", True), "classifier_bias": flag("classifier_bias", False),
     "sparse_prediction": flag("sparse_prediction", False), "local_attention": size("local_attention", 128),
     "window": size("sliding_window", DERIVED, null=False),  # null: ModernBERT's attention fails
     "global_every": size("global_attn_every_n_layers", 3),
     **dropout(embedding=("embedding_dropout", 0.0), attention=("attention_dropout", 0.0),
               residual=("attention_dropout", 0.0))},
    modernbert, _sample, auto_class="AutoModel", head_class="ModernBertForMaskedLM",
    # ModernBertModel: attn.Wqkv (Q, K, V fused), attn.Wo, mlp.Wi (input and gate fused), mlp.Wo
    modules={"attention.q_proj": "Wqkv", "attention.k_proj": "Wqkv", "attention.v_proj": "Wqkv",
             "attention.o_proj": "attn.Wo", "mlp.up_proj": "Wi", "mlp.gate_proj": "Wi", "mlp.down_proj": "mlp.Wo",
             "embedding.embed_tokens": "tok_embeddings"})
