"""DeepSeek-V2 and DeepSeek-V3: multi-head latent attention, dense layers then MoE layers.

The first ``first_k_dense_replace`` layers (``l_dense``) have a dense SwiGLU MLP of
``intermediate_size``; the other ``l − l_dense`` a mixture of ``n_routed_experts`` (``E``)
experts of ``moe_intermediate_size`` (``d_moe``), top ``k``, plus ``n_shared_experts``
(``n_sh``) shared experts transformers builds as one MLP of ``n_sh·d_moe`` (no gate).
DeepSeek-V3's router adds a correction bias to its scores: ``E`` buffer elements per MoE layer,
not parameters. Every layer's attention is :class:`~symparams.components.mla.MLA`; its KV cache
is the compressed latent transformers caches (``r_kv + d_rope`` per token and layer).

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config("tests/fixtures/hf_configs/deepseek-v3.json")
>>> [(st.name, st.count) for st in m.architecture.layer_stacks]
[('dense', l_dense), ('moe', l - l_dense)]
>>> m.params.total, m.active_params
(671026404352, 37552282624)
"""

from __future__ import annotations

from sympy import Integer

from symparams.components import GatedMLP, MoE, RMSNorm, RotaryPositions, TokenEmbedding
from symparams.components.mla import MLA
from symparams.families.common import decoder_of, head
from symparams.families.layers import grid_stacks
from symparams.families.llama import MOE_MODULES
from symparams.families.sampling import IDS, base
from symparams.hf.family import Family
from symparams.hf.fields import ATTENTION_DROPOUT, DERIVED, REQUIRED, count, flag, pad_token, size, text
from symparams.symbols import (
    E, V, a, d_ff, d_moe, d_nope, d_rope, d_v, h, k, l, n_kv, n_sh, r_kv, r_q, s_max,
)

__all__ = ["DEEPSEEK_V2", "DEEPSEEK_V3"]

_TOPK_METHODS = ("greedy", "group_limited_greedy")


def _not_null(f, *keys: str) -> None:
    """Refuse ``null`` where transformers' config class needs a value (it would fail later)."""
    for key in keys:
        if key in f.raw.data and f.raw.data[key] is None:
            raise f.error(f"field {key!r} = null: transformers needs a value here; remove the field to take "
                          "its default, or give one")


def _query_rank(f):
    """``q_lora_rank`` bound to ``r_q``, or None when null (queries projected from ``h`` directly)."""
    if "q_lora_rank" in f.raw.data and f.raw.data["q_lora_rank"] is None:
        return None
    return f.use("q_rank")


def _routing(f, v3: bool) -> None:
    """Check the routing fields transformers' router needs; none of them changes a count."""
    experts = f.size("experts")
    if "moe_layer_freq" in f.raw.data and f.raw.data["moe_layer_freq"] != 1:
        raise f.error(f"field 'moe_layer_freq' = {f.raw.data['moe_layer_freq']!r}: transformers builds a mixture of "
                      "experts on every layer from first_k_dense_replace on (it does not read moe_layer_freq); "
                      "expected 1")
    method = "noaux_tc" if v3 else f.text("topk_method")
    if not v3 and method not in _TOPK_METHODS:
        raise f.error(f"field 'topk_method' = {method!r}: transformers' DeepseekV2TopkRouter knows "
                      f"{' and '.join(_TOPK_METHODS)}; expected one of them")
    if method == "greedy":
        return
    _not_null(f, "n_group", "topk_group")
    groups, chosen = f.size("groups"), f.size("topk_group")
    if experts % groups:
        raise f.error(f"field 'n_group' = {groups} does not divide 'n_routed_experts' = {experts}; "
                      "the router splits the experts into n_group equal groups")
    if chosen > groups:
        raise f.error(f"field 'topk_group' = {chosen} exceeds 'n_group' = {groups}; expected topk_group <= n_group")
    if v3 and experts // groups < 2:
        raise f.error(f"'n_routed_experts' / 'n_group' = {experts // groups} expert per group: DeepSeek-V3's router "
                      "scores each group by its top 2 experts; expected at least 2 experts per group")


def _sizes(f, v3: bool):
    """Validate the layer counts, heads and MoE sizes; return (dense layers, shared experts)."""
    layers, heads, experts, top_k = f.size("layers"), f.size("heads"), f.size("experts"), f.size("top_k")
    _not_null(f, "first_k_dense_replace", "n_shared_experts")
    dense = f.count("dense_layers")
    if dense >= layers:
        raise f.error(f"field 'first_k_dense_replace' = {dense} makes every one of the {layers} layers "
                      "(num_hidden_layers) dense; expected fewer than num_hidden_layers (the first k layers are "
                      "dense, the rest mixture-of-experts)")
    if top_k > experts:
        raise f.error(f"field 'num_experts_per_tok' = {top_k} exceeds 'n_routed_experts' = {experts}; "
                      "expected top-k <= number of routed experts")
    kv = f.size("kv_heads")
    if kv is not DERIVED and kv != heads:
        given = "" if "num_key_value_heads" in f.raw.data else " (the class default, the field being absent)"
        raise f.error(f"field 'num_key_value_heads' = {kv}{given}: multi-head latent attention expands keys and "
                      f"values to every head; expected num_key_value_heads = num_attention_heads = {heads} (or null)")
    if f.size("rope") % 2:
        raise f.error(f"field 'qk_rope_head_dim' = {f.size('rope')} must be even (rotary pairs)")
    given = f.raw.data.get("head_dim")
    if v3 and "head_dim" in f.raw.data and given is None:
        raise f.error("field 'head_dim' = null is refused: DeepseekV3Config keeps it and transformers sizes "
                      "RoPE by it (and fails); expected no head_dim, or one equal to 'qk_rope_head_dim'")
    if v3 and given is not None and given != f.size("rope"):
        # DeepseekV3Config sets head_dim = qk_rope_head_dim, then a head_dim key overrides it and RoPE's
        # tables take that width: the rotary product no longer matches the rotary slice
        raise f.error(f"field 'head_dim' = {given!r} differs from 'qk_rope_head_dim' = {f.size('rope')}; transformers "
                      "sizes DeepSeek-V3's RoPE by head_dim, so the two must agree (or leave head_dim out)")
    if not v3 and f.size("hidden") % heads:
        raise f.error(f"field 'hidden_size' = {f.size('hidden')} is not divisible by 'num_attention_heads' = "
                      f"{heads} (DeepseekV2Config requires it)")
    _routing(f, v3)
    return dense, f.count("shared")


def deepseek(f, *, v3: bool):
    """``DeepseekV2ForCausalLM`` / ``DeepseekV3ForCausalLM``."""
    dense, shared = _sizes(f, v3)
    bias = f.flag("attention_bias")
    mlp_bias = False if v3 else f.flag("mlp_bias")
    attention = MLA(h, a, f.use("nope"), f.use("rope"), f.use("v_head"), f.use("kv_rank"), _query_rank(f), bias)
    act = f.text("act")
    f.use("experts")
    f.use("top_k")
    if shared:
        shared_width = f.bind(n_sh, shared) * f.use("moe_ffn")
    else:  # transformers still builds the shared MLP at width 0: with mlp_bias its down_proj keeps an h-bias
        shared_width = Integer(0) if mlp_bias else None
    moe = MoE(h, f.use("moe_ffn"), E, k, act, shared_d_ff=shared_width, shared_gate=False, shared_bias=mlp_bias,
              router_bias=v3)
    layers = f.size("layers")
    kinds = [("global", "dense" if i < dense else "moe") for i in range(layers)]
    mlp = {"moe": moe}
    if dense:
        mlp["dense"] = GatedMLP(h, f.use("ffn"), mlp_bias, act)
    notes = ["multi-head latent attention: the KV cache holds the compressed latent (r_kv) and the shared rotary "
             "key (d_rope) per token and layer, as transformers caches them; "
             "symparams.components.mla.with_mla_cache(arch, 'expanded') gives the per-head form"]
    mtp = f.count("mtp_layers") if v3 else 0
    if mtp:
        notes.append(f"num_nextn_predict_layers = {mtp}: the checkpoint's multi-token-prediction module(s) are not "
                     "built by transformers' DeepseekV3ForCausalLM and are not counted")
    f.use("positions")
    name = "deepseek_v3" if v3 else "deepseek_v2"
    title = (f"DeepSeek-{'V3' if v3 else 'V2'} (multi-head latent attention; dense then mixture-of-experts "
             f"layers; {'tied' if f.flag('tie') else 'untied'} output head)")
    return decoder_of(f, name=name, title=title,
                      embed=(TokenEmbedding(V, h), RotaryPositions(s_max, d_rope, layout="inv_freq")),
                      layers=grid_stacks(f, kinds, lambda att, kind: (RMSNorm(h), attention, RMSNorm(h), mlp[kind])),
                      final=(RMSNorm(h), head(f)), notes=notes)


def _fields(v3: bool) -> dict:
    fields = {
        "hidden": size("hidden_size", symbol=h), "layers": size("num_hidden_layers", symbol=l),
        "heads": size("num_attention_heads", symbol=a), "vocab": size("vocab_size", symbol=V), **pad_token(),
        "ffn": size("intermediate_size", symbol=d_ff), "moe_ffn": size("moe_intermediate_size", symbol=d_moe),
        "experts": size("n_routed_experts", REQUIRED, "num_local_experts" if v3 else "num_experts", symbol=E),
        "top_k": size("num_experts_per_tok", symbol=k),
        "shared": count("n_shared_experts", 1 if v3 else 2),
        "dense_layers": count("first_k_dense_replace", 3 if v3 else 0),
        "q_rank": size("q_lora_rank", 1536, symbol=r_q), "kv_rank": size("kv_lora_rank", 512, symbol=r_kv),
        "nope": size("qk_nope_head_dim", 128, symbol=d_nope), "rope": size("qk_rope_head_dim", 64, symbol=d_rope),
        "v_head": size("v_head_dim", 128, symbol=d_v), "kv_heads": size("num_key_value_heads", 128 if v3 else DERIVED, symbol=n_kv),
        "positions": size("max_position_embeddings", 4096 if v3 else 2048, symbol=s_max),
        "tie": flag("tie_word_embeddings", False), "act": text("hidden_act", "silu"),
        "attention_bias": flag("attention_bias", False),
        "groups": size("n_group", 8 if v3 else REQUIRED), "topk_group": size("topk_group", 4 if v3 else REQUIRED),
        **ATTENTION_DROPOUT,
    }
    if v3:
        fields["mtp_layers"] = count("num_nextn_predict_layers", 1, "num_mtp_layers")
    else:
        fields.update(mlp_bias=flag("mlp_bias", False), topk_method=text("topk_method", "greedy"))
    return fields


def _sample(v3: bool):
    def sample(draw, st, bd):
        d = base(draw, st, bd)
        layers = max(2, d.layers)
        groups = draw(st.sampled_from([1, 2]))
        experts = groups * draw(st.integers(2 if v3 else 1, max(2, bd.max_experts // groups)))
        heads, step = d.heads, 1 if v3 else 2
        cfg = {"model_type": "deepseek_v3" if v3 else "deepseek_v2", "hidden_size": heads * d.head_dim,
               "num_hidden_layers": layers, "num_attention_heads": heads, "vocab_size": d.vocab,
               "max_position_embeddings": d.positions, "tie_word_embeddings": d.tie, **IDS,
               "intermediate_size": d.ffn, "moe_intermediate_size": draw(bd.span("ffn")),
               "n_routed_experts": experts, "num_experts_per_tok": draw(st.integers(1, experts)),
               "n_shared_experts": draw(st.integers(0, 2)), "first_k_dense_replace": draw(st.integers(0, layers - 1)),
               "q_lora_rank": draw(st.one_of(st.none(), st.integers(1, 16))),
               # V2's complex rotary views the rotary slices in place: even offsets in fp32
               "kv_lora_rank": step * draw(st.integers(1, 8)), "qk_nope_head_dim": step * draw(st.integers(1, 4)),
               "qk_rope_head_dim": 2 * draw(st.integers(1, 4)),
               "v_head_dim": draw(st.integers(1, 8)), "attention_bias": draw(st.booleans()),
               "n_group": groups, "topk_group": draw(st.integers(1, groups))}
        if v3 or draw(st.booleans()):
            cfg["num_key_value_heads"] = heads
        if not v3:
            cfg.update(mlp_bias=draw(st.booleans()), topk_method=draw(st.sampled_from(_TOPK_METHODS)))
        return cfg
    return sample


#: DeepSeek's MoE: mlp.gate (the router), mlp.experts (fused 3-D parameters), mlp.shared_experts.*
_MODULES = {**MOE_MODULES, **{f"moe.shared_expert.{p}": f"shared_experts.{p}" for p in ("gate_proj", "up_proj",
                                                                                         "down_proj")}}
DEEPSEEK_V2 = Family("deepseek_v2", "DeepSeek-V2", _fields(False), lambda f: deepseek(f, v3=False), _sample(False),
                     moe=True, modules=_MODULES)
DEEPSEEK_V3 = Family("deepseek_v3", "DeepSeek-V3", _fields(True), lambda f: deepseek(f, v3=True), _sample(True),
                     moe=True, modules=_MODULES)
