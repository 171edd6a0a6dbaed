"""Qwen2, Qwen1.5-MoE / Qwen2-MoE, Qwen3 and Qwen3-MoE.

Qwen2: biases on Q, K and V only. Qwen2-MoE: routed experts plus a shared
expert with a sigmoid gate. Qwen3: RMSNorm on every Q and K head. Qwen3-MoE:
Qwen3's attention and routed experts without a shared one. With
``use_sliding_window`` the window applies to some layers only (``layer_types``,
or transformers' rule from ``max_window_layers``): those layers are their own
stack; so are the MoE families' dense layers (``decoder_sparse_step``,
``mlp_only_layers``: ``l_dense`` layers with an MLP of ``intermediate_size``).

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

from symparams.components import Attention, GatedMLP, MoE, RMSNorm, TokenEmbedding
from symparams.families.common import (
    decoder_of, describe, ffn_width, head, head_size, kind_stacks, kv_heads, layer_kinds, mask_for, pre_norm,
    rotary, window_notes, window_size,
)
from symparams.families.layers import grid_stacks, routed_experts
from symparams.families.llama import MOE_MODULES
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, count, flag, llama_like, size
from symparams.symbols import E, V, a, d_ff, d_moe, d_sh, h, k, w

__all__ = ["QWEN2", "QWEN2_MOE", "QWEN3", "QWEN3_MOE"]


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


def _mlp_kinds(f, layers: int) -> list[str]:
    """Each layer's MLP, as transformers' Qwen-MoE decoder layers decide it: a mixture of experts
    unless the layer is in ``mlp_only_layers`` or ``(i + 1) % decoder_sparse_step != 0``."""
    step, only = f.size("sparse_step"), f.raw.data.get("mlp_only_layers")
    only = [] if only is None else only
    if not isinstance(only, list) or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < layers
                                         for i in only):
        raise f.error(f"field 'mlp_only_layers' = {only!r} must be a list of layer indices in 0..{layers - 1} "
                      "(num_hidden_layers - 1): the layers with a dense MLP instead of experts")
    return ["dense" if i in only or (i + 1) % step else "moe" for i in range(layers)]


def _qwen_moe(f, *, name: str, title: str, attention, moe_for, qk_norms=(), rule, expert_symbol):
    """Qwen-MoE layers: the sliding kind of each layer (as :func:`_qwen`) and its MLP (:func:`_mlp_kinds`),
    as stacks of each kind present; the experts' width binds ``expert_symbol`` (``d_moe`` beside a
    dense ``d_ff``)."""
    d_head, d_value = head_size(f)
    layers = f.size("layers")
    kinds, size_ = _sliding(f, layers, rule)
    mlps = _mlp_kinds(f, layers)
    dense = "dense" in mlps
    blocks = {}
    if "moe" in mlps:
        blocks["moe"] = moe_for(f.bind(d_moe if dense or expert_symbol is d_moe else d_ff, f.size("ffn")))
    else:  # decoder_sparse_step / mlp_only_layers leave no mixture of experts
        for symbol in (E, k, d_sh):
            f.unbind(symbol)
    if dense:
        blocks["dense"] = GatedMLP(h, f.use("dense_ffn"), activation=f.text("act"))
    else:  # no layer reads it, but the config class types it an int: a null or a float is refused there
        f.size("dense_ffn")
    grid = [("local" if kind == "sliding_attention" else "global", mlp) for kind, mlp in zip(kinds, mlps)]
    stacks = grid_stacks(f, grid, lambda att, mlp: pre_norm(
        RMSNorm(h), mask_for("sliding_attention" if att == "local" else "full_attention", attention), blocks[mlp],
        qk_norms=qk_norms))
    label = next(iter(blocks.values()))
    return decoder_of(f, name=name, title=f"{title}; {describe(attention.n_kv, label, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)), layers=stacks,
                      final=(RMSNorm(h), head(f)), notes=window_notes(kinds, size_))


def qwen2_moe(f):
    """``Qwen2MoeForCausalLM``: a MoE of ``E`` routed SwiGLU experts of ``moe_intermediate_size``, top
    ``k``, plus a shared expert of ``shared_expert_intermediate_size`` and its ``h → 1`` sigmoid gate,
    on every layer but those ``mlp_only_layers`` / ``decoder_sparse_step`` make dense (an MLP of
    ``intermediate_size``); sliding layers (``use_sliding_window``) are the even ones below
    ``max_window_layers``."""
    d_head, _ = head_size(f)
    attention = Attention(h, a, kv_heads(f), d_head, qkv_bias=f.flag("qkv_bias"))
    routed_experts(f)
    f.use("shared_ffn")
    return _qwen_moe(f, name="qwen2_moe", title="Qwen2-MoE (routed experts + a gated shared expert)",
                     attention=attention, rule=lambda i: i % 2 == 0 and i < f.count("max_window_layers"),
                     moe_for=lambda width: MoE(h, width, E, k, f.text("act"), shared_d_ff=d_sh), expert_symbol=d_ff)


def qwen3_moe(f):
    """``Qwen3MoeForCausalLM``: Qwen3's attention (per-head Q/K RMSNorms, biases only with
    ``attention_bias``) and a MoE of ``E`` SwiGLU experts of ``moe_intermediate_size`` (``d_moe``),
    top ``k``, no shared expert, on every layer but those ``mlp_only_layers`` / ``decoder_sparse_step``
    make dense; ``use_sliding_window`` windows every layer (Qwen3MoeConfig has neither
    ``layer_types`` nor a ``max_window_layers`` rule)."""
    if "layer_types" in f.raw.data:
        raise f.error("field 'layer_types': Qwen3MoeConfig has no layer_types (its attention windows every layer "
                      "or none, from use_sliding_window); remove the field")
    d_head, _ = head_size(f)
    bias = f.flag("attention_bias")
    kv = kv_heads(f)
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    routed_experts(f)
    arch = _qwen_moe(f, name="qwen3_moe", title="Qwen3-MoE (RMSNorm on each Q and K head; routed experts)",
                     attention=attention, rule=lambda i: True, qk_norms=(RMSNorm(d_head, groups=a), RMSNorm(d_head, groups=kv)),
                     moe_for=lambda width: MoE(h, width, E, k, f.text("act")), expert_symbol=d_moe)
    if f.flag("use_sliding_window") and "max_window_layers" in f.raw.data:
        note = ("max_window_layers is not read by transformers' Qwen3-MoE: with use_sliding_window every layer "
                "slides",)
        return arch.replace(notes=arch.notes + note)
    return arch


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd)
        cfg = llama_config(model_type, d, num_key_value_heads=d.kv, intermediate_size=d.ffn)
        if model_type == "qwen3":
            cfg["head_dim"] = d.head_dim if draw(st.booleans()) else 2 * draw(st.integers(1, max(1, bd.max_head_dim // 2)))
            cfg["attention_bias"] = draw(st.booleans())
        if model_type in ("qwen2_moe", "qwen3_moe"):
            experts = draw(bd.span("experts"))
            cfg.update(num_experts=experts, num_experts_per_tok=draw(st.integers(1, experts)),
                       moe_intermediate_size=draw(bd.span("ffn")), decoder_sparse_step=draw(st.integers(1, 3)),
                       mlp_only_layers=draw(st.lists(st.integers(0, d.layers - 1), max_size=2, unique=True)))
        if model_type == "qwen2_moe":
            cfg.update(shared_expert_intermediate_size=draw(bd.span("ffn")), qkv_bias=draw(st.booleans()))
        if model_type == "qwen3_moe":
            cfg.update(head_dim=2 * draw(st.integers(1, max(1, bd.max_head_dim // 2))),
                       attention_bias=draw(st.booleans()))
        if draw(st.booleans()):  # some layers windowed, as transformers decides from max_window_layers
            cfg.update(use_sliding_window=True, sliding_window=draw(st.integers(2, 12)))
            if model_type != "qwen3_moe":
                cfg["max_window_layers"] = draw(st.integers(0, d.layers))
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
     "dense_ffn": size("intermediate_size", symbol=d_ff),  # the dense layers' width
     **_SLIDING, "window": size("sliding_window", 4096, null=False),  # null: Qwen2MoeAttention fails
     **ATTENTION_DROPOUT},
    qwen2_moe, _sample("qwen2_moe"), moe=True, modules=MOE_MODULES)
QWEN3_MOE = Family(
    "qwen3_moe", "Qwen3-MoE",
    {**{key: fld for key, fld in llama_like(kv=4, positions=32768, head_dim_null=False).items() if key != "ffn"},
     "ffn": size("moe_intermediate_size", symbol=d_moe),  # each routed expert's width
     "dense_ffn": size("intermediate_size", symbol=d_ff),  # the dense layers' width
     "experts": size("num_experts", 128, "num_local_experts", symbol=E),
     "top_k": size("num_experts_per_tok", 8, symbol=k), "sparse_step": size("decoder_sparse_step", 1),
     "attention_bias": flag("attention_bias", False), **_SLIDING, **ATTENTION_DROPOUT},
    qwen3_moe, _sample("qwen3_moe"), moe=True)
