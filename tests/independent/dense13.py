"""Phi-3, GPT-J, Granite, Cohere, Cohere2, Nemotron and OLMoE as transformers 5.23 builds them, layer by
layer, with each config class's defaults (modeling_phi3.py, modeling_gptj.py, modeling_granite.py,
modeling_cohere.py, modeling_cohere2.py, modeling_nemotron.py, modeling_olmoe.py)."""

from __future__ import annotations

from independent.parts import attention_matmuls, gated_mlp, get, layer_kv, linear_matmuls, plain_mlp, qkvo
from independent.shapes import layernorm, linear

__all__ = ["MODEL_TYPES", "tensors", "matmuls", "kv_elements", "buffers"]

MODEL_TYPES = ("phi3", "gptj", "granite", "cohere", "cohere2", "nemotron", "olmoe")

_TIE = {"cohere": True, "cohere2": True}


def _sizes(cfg):
    mt = cfg["model_type"]
    if mt == "gptj":
        h, l, a = get(cfg, "n_embd", cfg.get("hidden_size")), get(cfg, "n_layer", cfg.get("num_hidden_layers")), \
            get(cfg, "n_head", cfg.get("num_attention_heads"))
        return dict(mt=mt, h=h, l=l, a=a, kv=a, hd=h // a, V=cfg["vocab_size"], inter=get(cfg, "n_inner", 4 * h),
                    tie=get(cfg, "tie_word_embeddings", False))
    h, l, a = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]
    hd = h // a if mt in ("cohere2", "olmoe") else get(cfg, "head_dim", h // a)
    return dict(mt=mt, h=h, l=l, a=a, kv=get(cfg, "num_key_value_heads", a), hd=hd, V=cfg["vocab_size"],
                inter=cfg["intermediate_size"], tie=get(cfg, "tie_word_embeddings", _TIE.get(mt, False)))


def _layer(p, z, cfg):
    mt, h, a, kv, hd, inter = z["mt"], z["h"], z["a"], z["kv"], z["hd"], z["inter"]
    bias = get(cfg, "attention_bias", False)
    t = {}
    if mt == "phi3":  # fused qkv_proj and gate_up_proj, no biases
        t[f"{p}.input_layernorm.weight"] = t[f"{p}.post_attention_layernorm.weight"] = (h,)
        t.update(linear(f"{p}.self_attn.qkv_proj", h, (a + 2 * kv) * hd, False))
        t.update(linear(f"{p}.self_attn.o_proj", a * hd, h, False))
        t.update(linear(f"{p}.mlp.gate_up_proj", h, 2 * inter, False))
        t.update(linear(f"{p}.mlp.down_proj", inter, h, False))
    elif mt == "gptj":  # one LayerNorm; bias-free attention; biased fc_in / fc_out
        t.update(layernorm(f"{p}.ln_1", h))
        t.update(qkvo(f"{p}.attn", h, a, a, hd, names=("q_proj", "k_proj", "v_proj", "out_proj")))
        t.update(plain_mlp(f"{p}.mlp", h, inter, True, names=("fc_in", "fc_out")))
    elif mt == "granite":
        t[f"{p}.input_layernorm.weight"] = t[f"{p}.post_attention_layernorm.weight"] = (h,)
        t.update(qkvo(f"{p}.self_attn", h, a, kv, hd, bias, bias))
        t.update(gated_mlp(f"{p}.mlp", h, inter, get(cfg, "mlp_bias", False)))
    elif mt in ("cohere", "cohere2"):  # one bias-free LayerNorm (weight only)
        t[f"{p}.input_layernorm.weight"] = (h,)
        t.update(qkvo(f"{p}.self_attn", h, a, kv, hd, bias, bias))
        if mt == "cohere" and get(cfg, "use_qk_norm", False):
            t[f"{p}.self_attn.q_norm.weight"] = (a, hd)
            t[f"{p}.self_attn.k_norm.weight"] = (kv, hd)
        t.update(gated_mlp(f"{p}.mlp", h, inter))
    elif mt == "nemotron":  # LayerNorm1P (weight and bias); relu² up/down
        t.update(layernorm(f"{p}.input_layernorm", h))
        t.update(layernorm(f"{p}.post_attention_layernorm", h))
        t.update(qkvo(f"{p}.self_attn", h, a, kv, hd, bias, bias))
        t.update(plain_mlp(f"{p}.mlp", h, inter, get(cfg, "mlp_bias", False)))
    elif mt == "olmoe":  # q_norm over hidden_size, k_norm over (h // a) · kv; router + fused experts
        t[f"{p}.input_layernorm.weight"] = t[f"{p}.post_attention_layernorm.weight"] = (h,)
        t.update(qkvo(f"{p}.self_attn", h, a, kv, hd, bias, bias))
        t[f"{p}.self_attn.q_norm.weight"] = (h,)
        t[f"{p}.self_attn.k_norm.weight"] = ((h // a) * kv,)
        E = get(cfg, "num_experts", 64)
        t[f"{p}.mlp.gate.weight"] = (E, h)
        t[f"{p}.mlp.experts.gate_up_proj"] = (E, 2 * inter, h)
        t[f"{p}.mlp.experts.down_proj"] = (E, h, inter)
    else:  # pragma: no cover
        raise KeyError(mt)
    return t


def tensors(cfg) -> dict[str, tuple[int, ...]]:
    z = _sizes(cfg)
    t = {"embed_tokens.weight": (z["V"], z["h"])}
    for i in range(z["l"]):
        t.update(_layer(f"layers.{i}", z, cfg))
    if z["mt"] in ("gptj", "nemotron"):
        t.update(layernorm("norm", z["h"]))
    else:
        t["norm.weight"] = (z["h"],)
    if not z["tie"]:
        t["lm_head.weight"] = (z["V"], z["h"])
    if z["mt"] == "gptj":
        t["lm_head.bias"] = (z["V"],)
    return t


def buffers(cfg) -> int:
    """RoPE's inv_freq and original_inv_freq (rotary_dim / 2 each); GPT-J: a sin/cos table of
    n_positions × rotary_dim in every attention layer; Cohere2 / Gemma-style: one table."""
    z = _sizes(cfg)
    if z["mt"] == "gptj":
        return z["l"] * get(cfg, "n_positions", get(cfg, "max_position_embeddings", 2048)) * get(cfg, "rotary_dim", z["h"])
    fraction = {"nemotron": 0.5}.get(z["mt"], 1.0)
    rope = cfg.get("rope_parameters") or {}
    fraction = rope.get("partial_rotary_factor", get(cfg, "partial_rotary_factor", fraction))
    return 2 * (int(z["hd"] * fraction) // 2)


def matmuls(cfg, *, b, s):
    z = _sizes(cfg)
    tokens = b * s
    mms = []
    for i in range(z["l"]):
        layer = _layer("x", z, cfg)
        mms += linear_matmuls(layer, tokens)
        if z["mt"] == "olmoe":
            k = get(cfg, "num_experts_per_tok", 8)
            mms += [(tokens * k, z["h"], 2 * z["inter"], 1), (tokens * k, z["inter"], z["h"], 1)]
        mms += attention_matmuls(b, s, z["a"], z["hd"])
    mms.append((tokens, z["h"], z["V"], 1))
    return mms


def layer_windows(cfg) -> list[int | None]:
    z = _sizes(cfg)
    if z["mt"] == "phi3":
        return [cfg.get("sliding_window")] * z["l"]
    if z["mt"] == "cohere2":
        pattern = get(cfg, "sliding_window_pattern", 4)
        types = cfg.get("layer_types") or ["sliding_attention" if (i + 1) % pattern else "full_attention"
                                           for i in range(z["l"])]
        return [get(cfg, "sliding_window", 4096) if kind == "sliding_attention" else None for kind in types]
    return [None] * z["l"]


def kv_elements(cfg, *, b, tokens):
    z = _sizes(cfg)
    return sum(layer_kv(b=b, tokens=tokens, kv=z["kv"], hd=z["hd"], window=w) for w in layer_windows(cfg))
