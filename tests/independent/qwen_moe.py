"""Qwen2-MoE and Qwen3-MoE (transformers' modeling_qwen2_moe.py / modeling_qwen3_moe.py), layer by layer.

A layer has a mixture of experts unless it is in ``mlp_only_layers`` or ``(i + 1) %
decoder_sparse_step != 0`` (then an MLP of ``intermediate_size``). Experts: router, fused gate_up
and down of ``moe_intermediate_size``; Qwen2-MoE adds a shared expert and its ``h → 1`` gate.
Qwen3-MoE: Qwen3's attention (q_norm, k_norm of head_dim; biases with attention_bias) and no shared
expert; ``use_sliding_window`` windows every layer.
"""

from __future__ import annotations

from independent.decoders import layer_windows
from independent.shapes import kv_cache_elements, linear

__all__ = ["MODEL_TYPES", "tensors", "matmuls", "kv_elements", "moe_layers", "buffers"]

MODEL_TYPES = ("qwen2_moe", "qwen3_moe")


def _get(cfg, key, default):
    value = cfg.get(key)
    return default if value is None else value


def _sizes(cfg):
    mt = cfg["model_type"]
    h, l, a = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]
    kv = _get(cfg, "num_key_value_heads", 16 if mt == "qwen2_moe" else 4)
    return dict(mt=mt, h=h, l=l, a=a, V=cfg["vocab_size"], kv=kv, hd=_get(cfg, "head_dim", h // a),
                E=_get(cfg, "num_experts", 60 if mt == "qwen2_moe" else 128),
                k=_get(cfg, "num_experts_per_tok", 4 if mt == "qwen2_moe" else 8),
                moe=cfg["moe_intermediate_size"], inter=cfg.get("intermediate_size"),
                tie=_get(cfg, "tie_word_embeddings", False))


def moe_layers(cfg) -> list[bool]:
    """Whether each layer is a mixture of experts (the decoder layer's own test)."""
    z = _sizes(cfg)
    only = _get(cfg, "mlp_only_layers", [])
    step = _get(cfg, "decoder_sparse_step", 1)
    return [i not in only and z["E"] > 0 and (i + 1) % step == 0 for i in range(z["l"])]


def _layer(p, z, cfg, moe):
    t = {f"{p}.input_layernorm.weight": (z["h"],), f"{p}.post_attention_layernorm.weight": (z["h"],)}
    if z["mt"] == "qwen2_moe":
        qkv_bias, o_bias = _get(cfg, "qkv_bias", True), False
    else:
        qkv_bias = o_bias = _get(cfg, "attention_bias", False)
        t[f"{p}.self_attn.q_norm.weight"] = (z["hd"],)
        t[f"{p}.self_attn.k_norm.weight"] = (z["hd"],)
    t.update(linear(f"{p}.self_attn.q_proj", z["h"], z["a"] * z["hd"], qkv_bias))
    t.update(linear(f"{p}.self_attn.k_proj", z["h"], z["kv"] * z["hd"], qkv_bias))
    t.update(linear(f"{p}.self_attn.v_proj", z["h"], z["kv"] * z["hd"], qkv_bias))
    t.update(linear(f"{p}.self_attn.o_proj", z["a"] * z["hd"], z["h"], o_bias))
    if not moe:
        t.update(linear(f"{p}.mlp.gate_proj", z["h"], z["inter"], False))
        t.update(linear(f"{p}.mlp.up_proj", z["h"], z["inter"], False))
        t.update(linear(f"{p}.mlp.down_proj", z["inter"], z["h"], False))
        return t
    t[f"{p}.mlp.gate.weight"] = (z["E"], z["h"])
    t[f"{p}.mlp.experts.gate_up_proj"] = (z["E"], 2 * z["moe"], z["h"])
    t[f"{p}.mlp.experts.down_proj"] = (z["E"], z["h"], z["moe"])
    if z["mt"] == "qwen2_moe":
        shared = cfg["shared_expert_intermediate_size"]
        t.update(linear(f"{p}.mlp.shared_expert.gate_proj", z["h"], shared, False))
        t.update(linear(f"{p}.mlp.shared_expert.up_proj", z["h"], shared, False))
        t.update(linear(f"{p}.mlp.shared_expert.down_proj", shared, z["h"], False))
        t.update(linear(f"{p}.mlp.shared_expert_gate", z["h"], 1, False))
    return t


def tensors(cfg) -> dict[str, tuple[int, ...]]:
    z = _sizes(cfg)
    t = {"model.embed_tokens.weight": (z["V"], z["h"])}
    for i, moe in enumerate(moe_layers(cfg)):
        t.update(_layer(f"model.layers.{i}", z, cfg, moe))
    t["model.norm.weight"] = (z["h"],)
    if not z["tie"]:
        t["lm_head.weight"] = (z["V"], z["h"])
    return t


def buffers(cfg) -> int:
    """RoPE's inv_freq and original_inv_freq, head_dim / 2 each."""
    return _sizes(cfg)["hd"]


def matmuls(cfg, *, b, s):
    z = _sizes(cfg)
    tokens = b * s
    mms = []
    for moe in moe_layers(cfg):
        for name, shape in _layer("x", z, cfg, moe).items():
            if name.endswith(".weight") and len(shape) == 2:
                mms.append((tokens, shape[1], shape[0], 1))
        if moe:
            mms += [(tokens * z["k"], z["h"], 2 * z["moe"], 1), (tokens * z["k"], z["moe"], z["h"], 1)]
        mms += [(s, z["hd"], s, b * z["a"]), (s, s, z["hd"], b * z["a"])]
    mms.append((tokens, z["h"], z["V"], 1))
    return mms


def _windows(cfg):
    if cfg["model_type"] == "qwen2_moe":
        return layer_windows(cfg)
    window = _get(cfg, "sliding_window", 4096) if cfg.get("use_sliding_window", False) else None
    return [window] * cfg["num_hidden_layers"]


def kv_elements(cfg, *, b, tokens):
    z = _sizes(cfg)
    return sum(kv_cache_elements(l=1, b=b, kv_heads=z["kv"], head_dim=z["hd"],
                                 tokens=tokens if w is None else min(tokens, w - 1)) for w in _windows(cfg))
