"""DeepSeek-V2 / V3 (transformers' modeling_deepseek_v2.py / _v3.py), layer by layer, plain ints.

Each layer: input and post-attention RMSNorms; MLA (q_proj, or q_a_proj + q_a_layernorm + q_b_proj;
kv_a_proj_with_mqa; kv_a_layernorm; kv_b_proj; o_proj); a dense SwiGLU MLP below
first_k_dense_replace, else router + routed experts (fused gate_up, down) + shared experts of
n_shared_experts × moe_intermediate_size. The prefill caches, per layer, the normalised latent
(kv_lora_rank) and the rotated shared key (qk_rope_head_dim), one head each.
"""

from __future__ import annotations

from independent.shapes import linear

__all__ = ["MODEL_TYPES", "tensors", "matmuls", "kv_elements", "buffers"]

MODEL_TYPES = ("deepseek_v2", "deepseek_v3")


def _get(cfg, key, default):
    value = cfg.get(key)
    return default if value is None else value


def _sizes(cfg):
    v3 = cfg["model_type"] == "deepseek_v3"
    return dict(
        v3=v3, h=cfg["hidden_size"], l=cfg["num_hidden_layers"], a=cfg["num_attention_heads"], V=cfg["vocab_size"],
        inter=cfg["intermediate_size"], moe=cfg["moe_intermediate_size"], E=cfg["n_routed_experts"],
        k=cfg["num_experts_per_tok"], shared=cfg.get("n_shared_experts", 1 if v3 else 2),
        dense=cfg.get("first_k_dense_replace", 3 if v3 else 0),
        q_rank=cfg["q_lora_rank"] if "q_lora_rank" in cfg else 1536, kv_rank=cfg.get("kv_lora_rank", 512),
        nope=cfg.get("qk_nope_head_dim", 128), rope=cfg.get("qk_rope_head_dim", 64), v=cfg.get("v_head_dim", 128),
        bias=cfg.get("attention_bias", False), mlp_bias=False if v3 else cfg.get("mlp_bias", False),
        tie=cfg.get("tie_word_embeddings", False),
    )


def _layer(p, z, i):
    t = {f"{p}.input_layernorm.weight": (z["h"],), f"{p}.post_attention_layernorm.weight": (z["h"],)}
    qk = z["nope"] + z["rope"]
    if z["q_rank"] is None:
        t.update(linear(f"{p}.self_attn.q_proj", z["h"], z["a"] * qk, False))
    else:
        t.update(linear(f"{p}.self_attn.q_a_proj", z["h"], z["q_rank"], z["bias"]))
        t[f"{p}.self_attn.q_a_layernorm.weight"] = (z["q_rank"],)
        t.update(linear(f"{p}.self_attn.q_b_proj", z["q_rank"], z["a"] * qk, False))
    t.update(linear(f"{p}.self_attn.kv_a_proj_with_mqa", z["h"], z["kv_rank"] + z["rope"], z["bias"]))
    t[f"{p}.self_attn.kv_a_layernorm.weight"] = (z["kv_rank"],)
    t.update(linear(f"{p}.self_attn.kv_b_proj", z["kv_rank"], z["a"] * (z["nope"] + z["v"]), False))
    t.update(linear(f"{p}.self_attn.o_proj", z["a"] * z["v"], z["h"], z["bias"]))
    if i < z["dense"]:
        for name, (d_in, d_out) in {"gate_proj": (z["h"], z["inter"]), "up_proj": (z["h"], z["inter"]),
                                    "down_proj": (z["inter"], z["h"])}.items():
            t.update(linear(f"{p}.mlp.{name}", d_in, d_out, z["mlp_bias"]))
        return t
    t[f"{p}.mlp.gate.weight"] = (z["E"], z["h"])
    t[f"{p}.mlp.experts.gate_up_proj"] = (z["E"], 2 * z["moe"], z["h"])
    t[f"{p}.mlp.experts.down_proj"] = (z["E"], z["h"], z["moe"])
    width = z["moe"] * z["shared"]  # built even at width 0 (n_shared_experts 0): then only down_proj's bias is left
    for name, (d_in, d_out) in {"gate_proj": (z["h"], width), "up_proj": (z["h"], width),
                                "down_proj": (width, z["h"])}.items():
        t.update(linear(f"{p}.mlp.shared_experts.{name}", d_in, d_out, z["mlp_bias"]))
    return t


def tensors(cfg) -> dict[str, tuple[int, ...]]:
    z = _sizes(cfg)
    t = {"model.embed_tokens.weight": (z["V"], z["h"])}
    for i in range(z["l"]):
        t.update(_layer(f"model.layers.{i}", z, i))
    t["model.norm.weight"] = (z["h"],)
    if not z["tie"]:
        t["lm_head.weight"] = (z["V"], z["h"])
    return t


def buffers(cfg) -> int:
    """inv_freq and original_inv_freq (rope/2 each), and V3's e_score_correction_bias per MoE layer."""
    z = _sizes(cfg)
    return z["rope"] + (z["E"] * (z["l"] - z["dense"]) if z["v3"] else 0)


def matmuls(cfg, *, b, s):
    z = _sizes(cfg)
    tokens = b * s
    mms = []
    for i in range(z["l"]):
        for name, shape in _layer("x", z, i).items():
            if len(shape) == 2 and name.endswith(".weight") and "layernorm" not in name:
                mms.append((tokens, shape[1], shape[0], 1))
            elif name.endswith("gate_up_proj"):
                mms.append((tokens * z["k"], z["h"], 2 * z["moe"], 1))
            elif name.endswith("experts.down_proj"):
                mms.append((tokens * z["k"], z["moe"], z["h"], 1))
        mms += [(s, z["nope"] + z["rope"], s, b * z["a"]), (s, s, z["v"], b * z["a"])]
    mms.append((tokens, z["h"], z["V"], 1))
    return mms


def kv_elements(cfg, *, b, tokens):
    z = _sizes(cfg)
    return sum(b * tokens * (z["kv_rank"] + z["rope"]) for _ in range(z["l"]))
