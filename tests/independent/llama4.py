"""Llama 4 (transformers' modeling_llama4.py), layer by layer: the text model, of a ``llama4_text``
config or of the ``text_config`` a multimodal ``llama4`` config nests. MoE layers run every expert on
every token (``torch.bmm`` over all ``num_local_experts``), plus a shared expert; chunked layers
cache at most ``attention_chunk_size − 1`` tokens."""

from __future__ import annotations

from independent.parts import attention_matmuls, gated_mlp, layer_kv, linear_matmuls, qkvo

__all__ = ["MODEL_TYPES", "tensors", "matmuls", "kv_elements", "buffers", "text_config"]

MODEL_TYPES = ("llama4_text", "llama4")

# Llama4TextConfig's class defaults
_DEFAULTS = {"vocab_size": 202_048, "hidden_size": 5120, "intermediate_size": 8192, "intermediate_size_mlp": 16384,
             "num_hidden_layers": 48, "num_attention_heads": 40, "num_key_value_heads": 8, "head_dim": 128,
             "num_local_experts": 16, "num_experts_per_tok": 1, "interleave_moe_layer_step": 1,
             "no_rope_layer_interval": 4, "attention_chunk_size": 8192, "attention_bias": False,
             "tie_word_embeddings": False}


def text_config(cfg) -> dict:
    given = cfg.get("text_config", {}) if cfg["model_type"] == "llama4" else cfg
    return {**_DEFAULTS, **{k: v for k, v in given.items() if v is not None}}


def _moe(t) -> list[bool]:
    layers = t["num_hidden_layers"]
    step = t["interleave_moe_layer_step"]
    moe = t.get("moe_layers", list(range(step - 1, layers, step)))
    return [i in moe for i in range(layers)]


def _types(t) -> list[str]:
    layers = t["num_hidden_layers"]
    rope = t.get("no_rope_layers") or [int((i + 1) % t["no_rope_layer_interval"] != 0) for i in range(layers)]
    return t.get("layer_types") or ["chunked_attention" if r else "full_attention" for r in rope]


def _layer(p, t, moe):
    h, hd = t["hidden_size"], t["head_dim"]
    out = {f"{p}.input_layernorm.weight": (h,), f"{p}.post_attention_layernorm.weight": (h,)}
    bias = t["attention_bias"]
    out.update(qkvo(f"{p}.self_attn", h, t["num_attention_heads"], t["num_key_value_heads"], hd, bias, bias))
    if not moe:
        out.update(gated_mlp(f"{p}.feed_forward", h, t["intermediate_size_mlp"]))
        return out
    E, inter = t["num_local_experts"], t["intermediate_size"]
    out[f"{p}.feed_forward.router.weight"] = (E, h)
    out[f"{p}.feed_forward.experts.gate_up_proj"] = (E, h, 2 * inter)
    out[f"{p}.feed_forward.experts.down_proj"] = (E, inter, h)
    out.update(gated_mlp(f"{p}.feed_forward.shared_expert", h, inter))
    return out


def tensors(cfg) -> dict[str, tuple[int, ...]]:
    t = text_config(cfg)
    out = {"embed_tokens.weight": (t["vocab_size"], t["hidden_size"])}
    for i, moe in enumerate(_moe(t)):
        out.update(_layer(f"layers.{i}", t, moe))
    out["norm.weight"] = (t["hidden_size"],)
    if not t["tie_word_embeddings"]:
        out["lm_head.weight"] = (t["vocab_size"], t["hidden_size"])
    return out


def buffers(cfg) -> int:
    return text_config(cfg)["head_dim"]  # inv_freq and original_inv_freq, head_dim / 2 each


def matmuls(cfg, *, b, s):
    t = text_config(cfg)
    tokens, mms = b * s, []
    for moe in _moe(t):
        mms += linear_matmuls(_layer("x", t, moe), tokens)
        if moe:  # every expert on every token: bmm over E of (tokens × h) · (h × 2·inter), then the down projection
            E, inter = t["num_local_experts"], t["intermediate_size"]
            mms += [(tokens, t["hidden_size"], 2 * inter, E), (tokens, inter, t["hidden_size"], E)]
        mms += attention_matmuls(b, s, t["num_attention_heads"], t["head_dim"])
    return mms + [(tokens, t["hidden_size"], t["vocab_size"], 1)]


def kv_elements(cfg, *, b, tokens):
    t = text_config(cfg)
    return sum(layer_kv(b=b, tokens=tokens, kv=t["num_key_value_heads"], hd=t["head_dim"],
                        window=t["attention_chunk_size"] if kind == "chunked_attention" else None)
               for kind in _types(t))
