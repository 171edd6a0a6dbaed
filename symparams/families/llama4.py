"""Llama 4: chunked attention with RoPE on most layers, global NoPE layers, and mixture-of-experts
layers interleaved with dense ones.

A layer is MoE when it is in ``moe_layers`` (default: every ``interleave_moe_layer_step``-th
layer); it has ``E`` experts of ``intermediate_size`` (``d_moe``), top ``k``, and a shared expert
of the same width (no gate); the other layers have a dense SwiGLU MLP of ``intermediate_size_mlp``
(``d_ff``). A layer's attention is chunked (chunks of ``c`` = ``attention_chunk_size`` tokens) or
global, from ``layer_types`` (default: the RoPE layers of ``no_rope_layers`` are chunked, the
NoPE ones — every 4th by default — global). transformers runs every expert on every token
(the unchosen ones weighted by zero), so its forward FLOPs hold ``E`` experts per token; the
active parameters hold ``k``. A multimodal ``llama4`` config is read through its ``text_config``.

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config("tests/fixtures/hf_configs/llama-4-scout-17b-16e.json")
>>> [(st.name, st.count) for st in m.architecture.layer_stacks]
[('chunked', l_local), ('global', l - l_local)]
>>> m.params.total, m.active_params
(107769861120, 17172894720)
"""

from __future__ import annotations

from dataclasses import replace

from symparams.components import Attention, GatedMLP, MoE, RMSNorm, TokenEmbedding
from symparams.families.common import decoder_of, describe, head, head_size, kv_heads, pre_norm, rotary
from symparams.families.layers import grid_stacks, routed_experts
from symparams.families.llama import MOE_MODULES
from symparams.families.nested import text_model, with_defaults
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, DERIVED, flag, llama_like, size
from symparams.symbols import E, V, a, c, d_ff, d_moe, h, k

__all__ = ["LLAMA4_TEXT", "LLAMA4"]

_KINDS = ("chunked_attention", "full_attention")


def _index_list(f, key: str, layers: int) -> list[int] | None:
    """A list of layer indices (``moe_layers``), checked, or None when absent / null."""
    value = f.raw.data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < layers
                                          for i in value):
        raise f.error(f"field {key!r} = {value!r} must be a list of layer indices in 0..{layers - 1}")
    return value


def _moe_layers(f, layers: int) -> list[bool]:
    given = _index_list(f, "moe_layers", layers)
    if given is None:
        step = f.size("moe_step")
        given = list(range(step - 1, layers, step))
    return [i in given for i in range(layers)]


def _attention_kinds(f, layers: int) -> list[str]:
    """``layer_types`` if given, else chunked for the RoPE layers of ``no_rope_layers`` (1: RoPE),
    whose default makes every ``no_rope_layer_interval``-th layer NoPE (global)."""
    rope = f.raw.data.get("no_rope_layers")
    if rope:
        if not isinstance(rope, list) or len(rope) != layers or any(r not in (0, 1) or isinstance(r, bool) for r in rope):
            raise f.error(f"field 'no_rope_layers' = {rope!r} must be a list of {layers} (num_hidden_layers) "
                          "entries, each 1 (RoPE) or 0 (NoPE)")
    else:
        interval = f.size("nope_interval")
        rope = [int((i + 1) % interval != 0) for i in range(layers)]
    from symparams.families.common import layer_kinds

    return layer_kinds(f, ["chunked_attention" if r else "full_attention" for r in rope], allowed=_KINDS)


def llama4(f):
    """``Llama4ForCausalLM``: pre-norm RMSNorm layers; Q/K L2 norms without weights (``use_qk_norm``)."""
    d_head, d_value = head_size(f)
    layers = f.size("layers")
    kv = kv_heads(f)
    bias = f.flag("attention_bias")
    attention = Attention(h, a, kv, d_head, qkv_bias=bias, o_bias=bias)
    kinds, moe = _attention_kinds(f, layers), _moe_layers(f, layers)
    chunk = DERIVED if f.raw.data.get("attention_chunk_size", 0) is None else f.size("chunk")
    if "chunked_attention" in kinds:
        if chunk is DERIVED:
            raise f.error("field 'attention_chunk_size' = null, but some layers are chunked_attention; expected a "
                          "chunk size such as 8192, or every layer_types entry 'full_attention'")
        if chunk < 2:
            raise f.error(f"field 'attention_chunk_size' = {chunk} must be at least 2")
        f.bind(c, chunk)
    blocks = {}
    if any(moe):
        routed_experts(f)
        width = f.use("ffn")
        blocks["moe"] = MoE(h, width, E, k, f.text("act"), shared_d_ff=width, shared_gate=False, dispatch="dense")
    if not all(moe):
        blocks["dense"] = GatedMLP(h, f.use("dense_ffn"), activation=f.text("act"))
    grid = [("local" if kind == "chunked_attention" else "global", "moe" if m else "dense") for kind, m in zip(kinds, moe)]

    def block(att, mlp):
        layer = replace(attention, mask="chunked", window=c) if att == "local" else attention
        return pre_norm(RMSNorm(h), layer, blocks[mlp])

    notes = []
    if "moe" in blocks:
        notes.append("transformers' Llama 4 runs every expert on every token (the unchosen ones weighted by zero): "
                     "its forward FLOPs hold E experts per token, the active parameters k")
    if "chunked_attention" in kinds:
        notes.append(f"chunked attention (c = {chunk}) on {kinds.count('chunked_attention')} of {layers} layers "
                     "(l_local): their KV cache holds at most c − 1 tokens (transformers' sliding-window cache)")
    return decoder_of(f, name="llama4_text", title=f"Llama 4 (chunked and global attention; interleaved MoE); "
                                                   f"{describe(kv, next(iter(blocks.values())), f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h), rotary(f, d_head, d_value)),
                      layers=grid_stacks(f, grid, block, names={"local": "chunked"}),
                      final=(RMSNorm(h), head(f)), notes=notes)


def llama4_multimodal(f):
    """``Llama4ForConditionalGeneration``'s language model: :func:`llama4` of its ``text_config``."""
    return text_model(f, model_type="llama4_text", fields=LLAMA4_NESTED, build=llama4, name="llama4")


def _text_sample(draw, st, bd):
    d = base(draw, st, bd)
    experts = draw(bd.span("experts"))
    cfg = llama_config("llama4_text", d, num_key_value_heads=d.kv, head_dim=d.head_dim, intermediate_size=d.ffn,
                       intermediate_size_mlp=draw(bd.span("ffn")), num_local_experts=experts,
                       num_experts_per_tok=draw(st.integers(1, experts)), attention_bias=draw(st.booleans()),
                       use_qk_norm=draw(st.booleans()), attention_chunk_size=draw(st.integers(2, 12)),
                       interleave_moe_layer_step=draw(st.integers(1, 3)), no_rope_layer_interval=draw(st.integers(1, 4)))
    if draw(st.booleans()):
        cfg["moe_layers"] = draw(st.lists(st.integers(0, d.layers - 1), max_size=d.layers, unique=True))
    if draw(st.booleans()):
        cfg["layer_types"] = draw(st.lists(st.sampled_from(_KINDS), min_size=d.layers, max_size=d.layers))
    return cfg


def _sample(draw, st, bd):
    text = _text_sample(draw, st, bd)
    return {"model_type": "llama4", "text_config": text}


_FIELDS = {
    **llama_like(kv=8, head_dim=128, positions=4096 * 32),
    "ffn": size("intermediate_size", symbol=d_moe),  # each expert's (and the shared expert's) width
    "dense_ffn": size("intermediate_size_mlp", symbol=d_ff),  # the dense layers' width
    "experts": size("num_local_experts", 16, symbol=E), "top_k": size("num_experts_per_tok", 1, symbol=k),
    "moe_step": size("interleave_moe_layer_step", 1), "nope_interval": size("no_rope_layer_interval", 4),
    "chunk": size("attention_chunk_size", 8192), "attention_bias": flag("attention_bias", False),
    **ATTENTION_DROPOUT,
}
LLAMA4_TEXT = Family("llama4_text", "Llama 4", _FIELDS, llama4, _text_sample, moe=True,
                     # feed_forward.router is an nn.Linear subclass (Llama4Router); the experts are fused
                     # 3-D parameters (gate_up_proj, down_proj); feed_forward.shared_expert.*
                     modules={**MOE_MODULES, "moe.router": "router"}, module_kinds={"router": "linear"})
# Llama4TextConfig's class defaults for the sizes a multimodal config's text_config leaves out
LLAMA4_NESTED = with_defaults(_FIELDS, hidden=5120, layers=48, heads=40, vocab=202_048, ffn=8192, dense_ffn=16384)
LLAMA4 = Family("llama4", "Llama 4 (multimodal config: its text model)", {}, llama4_multimodal, _sample, moe=True,
                text_config="llama4_text")
