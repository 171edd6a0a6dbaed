"""Gemma 3 (transformers' modeling_gemma3.py), layer by layer: the text model, of a ``gemma3_text``
config or of the ``text_config`` a multimodal ``gemma3`` config nests (Gemma3TextConfig's class
defaults for what it leaves out)."""

from __future__ import annotations

from independent.parts import attention_matmuls, gated_mlp, get, layer_kv, linear_matmuls, qkvo

__all__ = ["MODEL_TYPES", "tensors", "matmuls", "kv_elements", "buffers", "text_config", "layer_types"]

MODEL_TYPES = ("gemma3_text", "gemma3")

# Gemma3TextConfig's class defaults
_DEFAULTS = {"vocab_size": 262_208, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26,
             "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "sliding_window": 4096,
             "tie_word_embeddings": True, "attention_bias": False}


def text_config(cfg) -> dict:
    if cfg["model_type"] == "gemma3":
        return {**_DEFAULTS, **cfg.get("text_config", {})}
    return {**_DEFAULTS, **{k: v for k, v in cfg.items() if v is not None}}


def layer_types(t) -> list[str]:
    if t.get("layer_types"):
        return list(t["layer_types"])
    pattern = t.get("sliding_window_pattern", 6)
    return ["sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(t["num_hidden_layers"])]


def _layer(p, t):
    h, hd = t["hidden_size"], t["head_dim"]
    out = {f"{p}.{norm}.weight": (h,) for norm in ("input_layernorm", "post_attention_layernorm",
                                                  "pre_feedforward_layernorm", "post_feedforward_layernorm")}
    bias = t["attention_bias"]
    out.update(qkvo(f"{p}.self_attn", h, t["num_attention_heads"], t["num_key_value_heads"], hd, bias, bias))
    out[f"{p}.self_attn.q_norm.weight"] = (hd,)
    out[f"{p}.self_attn.k_norm.weight"] = (hd,)
    out.update(gated_mlp(f"{p}.mlp", h, t["intermediate_size"]))
    return out


def tensors(cfg) -> dict[str, tuple[int, ...]]:
    t = text_config(cfg)
    out = {"embed_tokens.weight": (t["vocab_size"], t["hidden_size"])}
    for i in range(t["num_hidden_layers"]):
        out.update(_layer(f"layers.{i}", t))
    out["norm.weight"] = (t["hidden_size"],)
    if not t["tie_word_embeddings"]:
        out["lm_head.weight"] = (t["vocab_size"], t["hidden_size"])
    return out


def buffers(cfg) -> int:
    """embed_scale, and inv_freq + original_inv_freq (head_dim / 2 each) per kind of layer present."""
    t = text_config(cfg)
    return 1 + len(set(layer_types(t))) * t["head_dim"]


def matmuls(cfg, *, b, s):
    t = text_config(cfg)
    mms = []
    for _ in range(t["num_hidden_layers"]):
        mms += linear_matmuls(_layer("x", t), b * s)
        mms += attention_matmuls(b, s, t["num_attention_heads"], t["head_dim"])
    return mms + [(b * s, t["hidden_size"], t["vocab_size"], 1)]


def kv_elements(cfg, *, b, tokens):
    t = text_config(cfg)
    return sum(layer_kv(b=b, tokens=tokens, kv=t["num_key_value_heads"], hd=t["head_dim"],
                        window=get(t, "sliding_window", 4096) if kind == "sliding_attention" else None)
               for kind in layer_types(t))
