"""The encoder-decoder families, read from ``config.json`` with each config class's defaults, tensor by
tensor as transformers' modeling files allocate them: T5, mT5, UMT5, BART.

The encoder reads ``s_enc`` tokens, the decoder ``s``. ``head=True`` adds the LM head of
``…ForConditionalGeneration``; T5's follows the checkpoint's ``tie_word_embeddings`` (a v1.1 / Flan /
mT5 checkpoint holds its own ``lm_head.weight``), BART's the flag as ``BartConfig`` keeps it.
The cache after encoding and decoding: each decoder layer's self-attention K and V over its ``s``
tokens, and its cross-attention K and V over the encoder's ``s_enc``.
"""

from __future__ import annotations

from independent.shapes import layernorm as _layernorm, linear as _linear

__all__ = ["MODEL_TYPES", "tensors", "matmuls", "kv_elements", "kv_split"]

MODEL_TYPES = ("t5", "mt5", "umt5", "bart")


def _get(cfg, key, default):
    value = cfg.get(key)
    return default if value is None else value


def _t5_sizes(cfg):
    h, a = cfg["d_model"], cfg["num_heads"]
    l = cfg["num_layers"]
    l_dec = _get(cfg, "num_decoder_layers", l)
    proj = _get(cfg, "feed_forward_proj", "relu" if cfg["model_type"] == "t5" else "gated-gelu")
    return h, a, _get(cfg, "d_kv", 64), l, l_dec, cfg["d_ff"], proj.startswith("gated-")


def _bart_sizes(cfg):
    return (cfg["d_model"], cfg["encoder_layers"], cfg["decoder_layers"], cfg["encoder_attention_heads"],
            cfg["decoder_attention_heads"], cfg["encoder_ffn_dim"], cfg["decoder_ffn_dim"])


def tensors(cfg, head: bool = False) -> dict[str, tuple[int, ...]]:
    """Named trainable tensors of ``AutoModel.from_config(cfg)`` (with ``head``: with its LM head)."""
    V = cfg["vocab_size"]
    tie = _get(cfg, "tie_word_embeddings", True)
    t: dict[str, tuple[int, ...]] = {"shared.weight": (V, cfg["d_model"])}
    if cfg["model_type"] == "bart":
        h, l, l_dec, a, a_dec, F, F_dec = _bart_sizes(cfg)
        positions = _get(cfg, "max_position_embeddings", 1024) + 2
        for side, layers, ffn in (("encoder", l, F), ("decoder", l_dec, F_dec)):
            if not tie:  # BartModel ties encoder/decoder.embed_tokens to shared only when tie_word_embeddings
                t[f"{side}.embed_tokens.weight"] = (V, h)
            t[f"{side}.embed_positions.weight"] = (positions, h)
            t.update(_layernorm(f"{side}.layernorm_embedding", h))
            for i in range(layers):
                p = f"{side}.layers.{i}"
                attentions = ("self_attn", "encoder_attn") if side == "decoder" else ("self_attn",)
                for att in attentions:
                    for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
                        t.update(_linear(f"{p}.{att}.{name}", h, h, True))
                    t.update(_layernorm(f"{p}.{att}_layer_norm", h))
                t.update(_linear(f"{p}.fc1", h, ffn, True))
                t.update(_linear(f"{p}.fc2", ffn, h, True))
                t.update(_layernorm(f"{p}.final_layer_norm", h))
        if head and not tie:
            t["lm_head.weight"] = (V, h)
        return t
    h, a, d, l, l_dec, F, gated = _t5_sizes(cfg)
    buckets = _get(cfg, "relative_attention_num_buckets", 32)
    every = cfg["model_type"] == "umt5"
    inner = a * d
    for side, layers in (("encoder", l), ("decoder", l_dec)):
        for i in range(layers):
            p = f"{side}.block.{i}"
            attentions = ("SelfAttention", "EncDecAttention") if side == "decoder" else ("SelfAttention",)
            for j, att in enumerate(attentions):
                for name in ("q", "k", "v"):
                    t[f"{p}.layer.{j}.{att}.{name}.weight"] = (inner, h)
                t[f"{p}.layer.{j}.{att}.o.weight"] = (h, inner)
                if att == "SelfAttention" and (every or i == 0):
                    t[f"{p}.layer.{j}.{att}.relative_attention_bias.weight"] = (buckets, a)
                t[f"{p}.layer.{j}.layer_norm.weight"] = (h,)
            ff = f"{p}.layer.{len(attentions)}"
            if gated:
                t[f"{ff}.DenseReluDense.wi_0.weight"] = (F, h)
                t[f"{ff}.DenseReluDense.wi_1.weight"] = (F, h)
            else:
                t[f"{ff}.DenseReluDense.wi.weight"] = (F, h)
            t[f"{ff}.DenseReluDense.wo.weight"] = (h, F)
            t[f"{ff}.layer_norm.weight"] = (h,)
        t[f"{side}.final_layer_norm.weight"] = (h,)
    if head and not tie:  # the checkpoint's own lm_head (T5Config forces the flag to True)
        t["lm_head.weight"] = (V, h)
    return t


def matmuls(cfg, *, b, s, s_enc, head: bool = False):
    """``(m, k, n, count)`` of every matmul of an eager forward: the encoder over ``s_enc`` tokens, the
    decoder over ``s``."""
    V = cfg["vocab_size"]
    enc, dec = b * s_enc, b * s
    if cfg["model_type"] == "bart":
        h, l, l_dec, a, a_dec, F, F_dec = _bart_sizes(cfg)
        d, d_dec, inner = h // a, h // a_dec, h
        ff = lambda rows, width: [(rows, h, width, 1), (rows, width, h, 1)]  # noqa: E731
        ff_enc, ff_dec = ff(enc, F), ff(dec, F_dec)
        heads, heads_dec = a, a_dec
    else:
        h, a, d, l, l_dec, F, gated = _t5_sizes(cfg)
        d_dec, inner, heads, heads_dec = d, a * d, a, a

        def ff(rows, width=F):
            return ([(rows, h, width, 1)] * (2 if gated else 1)) + [(rows, width, h, 1)]

        ff_enc, ff_dec = ff(enc), ff(dec)
    encoder_layer = ([(enc, h, inner, 1)] * 3 + [(s_enc, d, s_enc, b * heads), (s_enc, s_enc, d, b * heads),
                                                  (enc, inner, h, 1)] + ff_enc)
    decoder_layer = ([(dec, h, inner, 1)] * 3 + [(s, d_dec, s, b * heads_dec), (s, s, d_dec, b * heads_dec),
                                                  (dec, inner, h, 1)]
                     + [(dec, h, inner, 1), (enc, h, inner, 1), (enc, h, inner, 1),
                        (s, d_dec, s_enc, b * heads_dec), (s, s_enc, d_dec, b * heads_dec), (dec, inner, h, 1)]
                     + ff_dec)
    out = encoder_layer * l + decoder_layer * l_dec
    if head:
        out.append((dec, h, V, 1))
    return out


def kv_split(cfg, *, b, tokens, s_enc) -> dict[str, int]:
    """Elements of K and V cached after encoding ``s_enc`` tokens and decoding ``tokens``."""
    if cfg["model_type"] == "bart":
        h, _, l_dec, _, _, _, _ = _bart_sizes(cfg)
        width = h
    else:
        h, a, d, _, l_dec, _, _ = _t5_sizes(cfg)
        width = a * d
    return {"self": l_dec * 2 * b * tokens * width, "cross": l_dec * 2 * b * s_enc * width}


def kv_elements(cfg, *, b, tokens, s_enc):
    return sum(kv_split(cfg, b=b, tokens=tokens, s_enc=s_enc).values())
