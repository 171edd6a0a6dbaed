"""Qwen2, Qwen1.5-MoE / Qwen2-MoE and Qwen3.

Qwen2: biases on Q, K and V only. Qwen2-MoE: routed experts plus a shared
expert with a sigmoid gate. Qwen3: RMSNorm on every Q and K head. With
``use_sliding_window`` the window applies to some layers only (``layer_types``,
or transformers' rule from ``max_window_layers``): those layers are their own
stack.

>>> from symparams.hf import from_hf_config
>>> cfg = {"model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 4, "num_attention_heads": 4,
...        "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100,
...        "use_sliding_window": True, "sliding_window": 8, "max_window_layers": 1}
>>> m = from_hf_config(cfg)
>>> [(st.name, st.count) for st in m.architecture.layer_stacks]
[('local', l_local), ('global', l - l_local)]
>>> m.values[m.architecture.stack("local").count]
3
"""

from __future__ import annotations

from symparams.components import Attention, GatedMLP, RMSNorm, TokenEmbedding
from symparams.families.common import (
    decoder_of, describe, ffn_width, head, head_size, kind_stacks, kv_heads, layer_kinds, mask_for, pre_norm,
    rotary, window_notes, window_size,
)
from symparams.families.llama import MOE_MODULES, moe_of
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, count, flag, llama_like, size
from symparams.symbols import E, V, a, d_sh, h, k, w

__all__ = ["QWEN2", "QWEN2_MOE", "QWEN3"]


def _sliding(f, layers: int, rule) -> tuple[list[str], int | None]:
    """Each layer's kind and the window: transformers sets ``sliding_window`` to nothing unless
    ``use_sliding_window``, and (without ``layer_types``) marks layer ``i`` sliding when ``rule(i)``."""
    use = f.flag("use_sliding_window")
    size_ = window_size(f) if use else None
    default = ["sliding_attention" if size_ is not None and rule(i) else "full_attention" for i in range(layers)]
    kinds = layer_kinds(f, default)
    if "sliding_attention" in kinds and size_ is None:
        raise f.error("field 'layer_types' has sliding_attention layers but no window applies "
                      "(use_sliding_window is false or sliding_window is null); expected "
                      "use_sliding_window: true with a sliding_window, or only full_attention layers")
    if "sliding_attention" not in kinds and size_ is not None:
        f.unbind(w)
        size_ = None
    return kinds, size_


def _qwen(f, *, name: str, title: str, attention, mlp, qk_norms=(), rule):
    d_head, d_value = head_size(f)
    layers = f.size("layers")
    window_from = f.count("max_window_layers")
    kinds, size_ = _sliding(f, layers, lambda i: rule(i, window_from))
    stacks = kind_stacks(f, kinds, lambda kind: pre_norm(RMSNorm(h), mask_for(kind, attention), mlp,
                                                          qk_norms=qk_norms))
    return decoder_of(f, name=name, title=f"{title}; {describe(attention.n_kv, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)), layers=stacks,
                      final=(RMSNorm(h), head(f)), notes=window_notes(kinds, size_))


def qwen2(f):
    """``Qwen2ForCausalLM``: biases on Q, K, V (not O); sliding layers are those from ``max_window_layers`` on."""
    d_head, _ = head_size(f)
    attention = Attention(h, a, kv_heads(f), d_head, qkv_bias=True)
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    return _qwen(f, name="qwen2", title="Qwen2 (biases on Q, K, V only)", attention=attention, mlp=mlp,
                 rule=lambda i, first: i >= first)


def qwen3(f):
    """``Qwen3ForCausalLM``: Qwen2's layout without biases (unless ``attention_bias``), an RMSNorm of
    ``d_head`` shared by the ``a`` query heads and one by the ``n_kv`` key heads."""
    d_head, _ = head_size(f)
    bias = f.flag("attention_bias")
    kv = kv_heads(f)
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    mlp = GatedMLP(h, ffn_width(f), activation=f.text("act"))
    return _qwen(f, name="qwen3", title="Qwen3 (RMSNorm on each Q and K head)", attention=attention, mlp=mlp,
                 qk_norms=(RMSNorm(d_head, groups=a), RMSNorm(d_head, groups=kv)),
                 rule=lambda i, first: i >= first)


def qwen2_moe(f):
    """``Qwen2MoeForCausalLM``: every layer a MoE of ``E`` routed SwiGLU experts of
    ``moe_intermediate_size``, top ``k``, plus a shared expert of ``shared_expert_intermediate_size``
    and its ``h → 1`` sigmoid gate; sliding layers (``use_sliding_window``) are the even ones below
    ``max_window_layers``."""
    step, dense = f.size("sparse_step"), f.raw.data.get("mlp_only_layers")
    if step != 1:
        raise f.error(f"field 'decoder_sparse_step' = {step} makes some layers dense (a plain MLP) and others "
                      "mixture-of-experts; not supported yet; expected 1")
    if dense not in (None, []):
        raise f.error(f"field 'mlp_only_layers' = {dense!r} makes those layers dense (a plain MLP); not "
                      "supported yet; expected [] or null")
    d_head, _ = head_size(f)
    attention = Attention(h, a, kv_heads(f), d_head, qkv_bias=f.flag("qkv_bias"))
    f.use("shared_ffn")
    mlp = moe_of(f, ffn_width(f), f.text("act"), shared=d_sh)
    return _qwen(f, name="qwen2_moe", title="Qwen2-MoE (routed experts + a gated shared expert)",
                 attention=attention, mlp=mlp, rule=lambda i, first: i % 2 == 0 and i < first)


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd)
        cfg = llama_config(model_type, d, num_key_value_heads=d.kv, intermediate_size=d.ffn)
        if model_type == "qwen3":
            cfg["head_dim"] = d.head_dim if draw(st.booleans()) else 2 * draw(st.integers(1, max(1, bd.max_head_dim // 2)))
            cfg["attention_bias"] = draw(st.booleans())
        if model_type == "qwen2_moe":
            experts = draw(bd.span("experts"))
            cfg.update(num_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)),
                       moe_intermediate_size=d.ffn, shared_expert_intermediate_size=draw(bd.span("ffn")),
                       qkv_bias=draw(st.booleans()))
        if draw(st.booleans()):  # some layers windowed, as transformers decides from max_window_layers
            cfg.update(use_sliding_window=True, sliding_window=draw(st.integers(2, 12)),
                       max_window_layers=draw(st.integers(0, d.layers)))
        return cfg
    return sample


_SLIDING = {"use_sliding_window": flag("use_sliding_window", False), "window": size("sliding_window", 4096, null=True),
            "max_window_layers": count("max_window_layers", 28)}

QWEN2 = Family("qwen2", "Qwen2", {**llama_like(kv=32, positions=32768, kv_null=True, head_dim_null=False), **_SLIDING, **ATTENTION_DROPOUT},
               qwen2, _sample("qwen2"))
QWEN3 = Family("qwen3", "Qwen3", {**llama_like(kv=32, head_dim=128, positions=32768, kv_null=True),
                                  "attention_bias": flag("attention_bias", False), **_SLIDING, **ATTENTION_DROPOUT},
               qwen3, _sample("qwen3"))
QWEN2_MOE = Family(
    "qwen2_moe", "Qwen2-MoE",
    {**{key: fld for key, fld in llama_like(kv=16, positions=32768, head_dim_null=False).items() if key != "ffn"},
     "ffn": size("moe_intermediate_size", symbol=None),  # each routed expert's width
     "shared_ffn": size("shared_expert_intermediate_size", symbol=d_sh),
     "experts": size("num_experts", 60, symbol=E), "top_k": size("num_experts_per_tok", 4, symbol=k),
     "sparse_step": size("decoder_sparse_step", 1), "qkv_bias": flag("qkv_bias", True),
     **_SLIDING, "window": size("sliding_window", 4096, null=False),  # null: Qwen2MoeAttention fails
     **ATTENTION_DROPOUT},
    qwen2_moe, _sample("qwen2_moe"), moe=True, modules=MOE_MODULES)
