"""The three built-in architectures, tensor by tensor as each reference lays them out."""

from __future__ import annotations

from independent.shapes import layernorm as _layernorm, linear as _linear, params

__all__ = ["gpt_classic_tensors", "gpt2_tensors", "cs336_tensors", "cs336_buffers", "classic_matmuls"]


def gpt_classic_tensors(*, l, h, a, V, **_):
    """Worked example B: tied embedding, per layer LN, Q/K/V/O with biases, LN, FFN 4h."""
    assert h % a == 0
    t = {"wte": (V, h)}
    for i in range(l):
        p = f"layers.{i}"
        t.update(_layernorm(f"{p}.ln_1", h))
        for name in ("q", "k", "v", "o"):
            t.update(_linear(f"{p}.attn.{name}", h, h, True))
        t.update(_layernorm(f"{p}.ln_2", h))
        t.update(_linear(f"{p}.mlp.fc", h, 4 * h, True))
        t.update(_linear(f"{p}.mlp.proj", 4 * h, h, True))
    return t


def gpt2_tensors(*, l, h, a, V, s_max, d_ff=None, **_):
    """``GPT2LMHeadModel``: Conv1D weights stored (in, out), fused c_attn, tied lm_head."""
    inner = 4 * h if d_ff is None else d_ff
    t = {"transformer.wte.weight": (V, h), "transformer.wpe.weight": (s_max, h)}
    for i in range(l):
        p = f"transformer.h.{i}"
        t.update(_layernorm(f"{p}.ln_1", h))
        t[f"{p}.attn.c_attn.weight"], t[f"{p}.attn.c_attn.bias"] = (h, 3 * h), (3 * h,)
        t[f"{p}.attn.c_proj.weight"], t[f"{p}.attn.c_proj.bias"] = (h, h), (h,)
        t.update(_layernorm(f"{p}.ln_2", h))
        t[f"{p}.mlp.c_fc.weight"], t[f"{p}.mlp.c_fc.bias"] = (h, inner), (inner,)
        t[f"{p}.mlp.c_proj.weight"], t[f"{p}.mlp.c_proj.bias"] = (inner, h), (h,)
    t.update(_layernorm("transformer.ln_f", h))
    return t


def cs336_tensors(*, l, h, a, V, d_ff, **_):
    """CS336 assignment 1: RMSNorm gains, Q/K/V/O h×h, SwiGLU w1/w2/w3, untied lm_head."""
    t = {"token_embeddings.weight": (V, h)}
    for i in range(l):
        p = f"layers.{i}"
        t[f"{p}.ln1.weight"] = (h,)
        for name in ("q_proj", "k_proj", "v_proj", "output_proj"):
            t[f"{p}.attn.{name}.weight"] = (h, h)
        t[f"{p}.ln2.weight"] = (h,)
        t[f"{p}.ffn.w1.weight"] = (d_ff, h)
        t[f"{p}.ffn.w2.weight"] = (h, d_ff)
        t[f"{p}.ffn.w3.weight"] = (d_ff, h)
    t["ln_final.weight"] = (h,)
    t["lm_head.weight"] = (V, h)
    return t


def cs336_buffers(*, h, a, s_max, **_):
    """The RoPE table: ``context_length × (d_k/2) × 2`` values."""
    d_k = h // a
    return params({"rope.cos_sin": (s_max, d_k // 2, 2)})


def classic_matmuls(*, l, h, a, V, b, s, d_ff=None, gated=False, **_):
    """``(m, k, n, count)`` of every matmul one eager forward runs (b×s tokens)."""
    d = h // a
    inner = 4 * h if d_ff is None else d_ff
    per_layer = [(b * s, h, h, 1)] * 4                        # q, k, v, o
    per_layer += [(s, d, s, b * a), (s, s, d, b * a)]         # QKᵀ and PV per head
    per_layer += [(b * s, h, inner, 1)] * (2 if gated else 1) + [(b * s, inner, h, 1)]
    return per_layer * l + [(b * s, h, V, 1)]                # logits at every position


