"""One short declarative definition per Hugging Face family, and one builder.

A :class:`Family` is data: which norm, which MLP, which positions, which
biases (a constant, or the name of the flag field that sets it), how the KV
heads and the per-block norms are decided. :func:`build` turns a family and a
validated config into an :class:`~symparams.architecture.Architecture` over
the size symbols plus the sizes, from the same components every architecture
uses — a new family adds a row to :data:`FAMILIES`, not arithmetic.

>>> from symparams.hf.reader import load
>>> arch, values = build(load({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
...     "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100}))
>>> arch.params().expanded
2*V*h + 3*d_ff*h*l + 2*h**2*l + 2*h*l + h + 2*h**2*l*n_kv/a
>>> sorted(values.items())
[('V', 100), ('a', 4), ('d_ff', 128), ('h', 64), ('l', 2), ('n_kv', 2), ('s_max', 2048)]
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from sympy import Integer, Rational

from symparams.architecture import Architecture
from symparams.components import (
    MLP, Attention, Dropout, GatedMLP, LayerNorm, LearnedPositions, MoE, OutputHead, Projection, RMSNorm,
    RotaryPositions, TokenEmbedding,
)
from symparams.hf.fields import DERIVED, FIELDS
from symparams.hf.reader import Fields, RawConfig
from symparams.symbols import E, V, a, d_emb, d_ff, d_head, d_sh, h, k, n_kv, s_max, w

__all__ = ["Family", "FAMILIES", "build"]


@dataclass(frozen=True)
class Family:
    """How ``transformers`` builds one ``model_type``, as flags.

    Bias entries are ``True``/``False`` or the name of a flag field in
    :data:`symparams.hf.fields.FIELDS` (e.g. ``"attention_bias"``).
    ``kv``: ``"field"`` (``num_key_value_heads``, GQA/MQA), ``"mha"`` (one KV
    head per query head) or ``"falcon"`` (``multi_query`` /
    ``new_decoder_architecture``). ``norms``: per-block norm count, or
    ``"falcon"``. ``ffn_ratio``: MLP width when the config leaves it to the
    family (GPT-2 ``n_inner``, Falcon ``ffn_hidden_size``: ``4·h``).
    ``norms=4``: Gemma 2's input, post-attention, pre- and post-feedforward
    norms (the last after the MLP).
    """

    title: str
    norm: str = "rms"  # "rms" | "layer"
    mlp: str = "gated"  # "gated" | "plain" | "moe"
    positions: str = "rope"  # "rope" | "learned" | "falcon" (rope unless alibi) | "alibi" (no position component)
    qkv_bias: bool | str = False
    o_bias: bool | str = False
    mlp_bias: bool | str = False
    head_bias: bool = False
    kv: str = "field"
    norms: int | str = 2
    parallel: bool | str = False
    ffn_ratio: int | None = None
    position_offset: int = 0
    embed_scale: bool = False
    qk_norm: str | None = None  # RMSNorm on Q and K: "head" (size d_head, Qwen3) or "full" (a·d_head, n_kv·d_head, OLMo 2)
    # StableLM's "qk_layernorm" flag: one bias-free LayerNorm of d_head per query head and per KV head
    post_norm: bool = False  # norms after attention and after the MLP instead of before (OLMo 2)
    alternating_window: bool = False  # sliding window on some layers only (Gemma 2 ``layer_types``)
    embed_norm: bool = False  # a LayerNorm right after the token embedding (BLOOM's word_embeddings_layernorm)
    activation: str | None = None  # the MLP activation when the config has no field for it (BLOOM)


FAMILIES: Mapping[str, Family] = MappingProxyType({
    "gpt2": Family("GPT-2", norm="layer", mlp="plain", positions="learned", qkv_bias=True, o_bias=True,
                   mlp_bias=True, kv="mha", ffn_ratio=4),
    "llama": Family("Llama", qkv_bias="attention_bias", o_bias="attention_bias", mlp_bias="mlp_bias"),
    "mistral": Family("Mistral"),
    "mixtral": Family("Mixtral (sparse MoE)", mlp="moe"),
    "qwen2": Family("Qwen2 (biases on Q, K, V only)", qkv_bias=True),
    "gemma": Family("Gemma (GeGLU, head_dim given)", qkv_bias="attention_bias", o_bias="attention_bias",
                    embed_scale=True),
    "gpt_neox": Family("GPT-NeoX / Pythia", norm="layer", mlp="plain", qkv_bias="attention_bias",
                       o_bias="attention_bias", mlp_bias=True, kv="mha", parallel="parallel_residual"),
    "opt": Family("OPT", norm="layer", mlp="plain", positions="learned", qkv_bias="bias", o_bias="bias",
                  mlp_bias="bias", kv="mha", position_offset=2),
    "phi": Family("Phi (parallel attention and MLP, one LayerNorm)", norm="layer", mlp="plain",
                  qkv_bias=True, o_bias=True, mlp_bias=True, head_bias=True, norms=1, parallel=True),
    "falcon": Family("Falcon", norm="layer", mlp="plain", positions="falcon", qkv_bias="bias", o_bias="bias",
                     mlp_bias="bias", kv="falcon", norms="falcon", parallel="parallel_attn", ffn_ratio=4),
    "gemma2": Family("Gemma 2 (four norms per block, alternating sliding-window layers)",
                     qkv_bias="attention_bias", o_bias="attention_bias", embed_scale=True, norms=4,
                     alternating_window=True),
    "olmo2": Family("OLMo 2 (norms after attention and MLP; Q/K norms over the full width)",
                    qkv_bias="attention_bias", o_bias="attention_bias", qk_norm="full", post_norm=True),
    "stablelm": Family("StableLM", norm="layer", qkv_bias="use_qkv_bias", norms="parallel",
                       parallel="parallel_residual"),
    "qwen2_moe": Family("Qwen2-MoE (routed experts + a gated shared expert)", mlp="moe", qkv_bias="qkv_bias"),
    "qwen3": Family("Qwen3 (RMSNorm on each Q and K head)", qkv_bias="attention_bias", o_bias="attention_bias",
                    qk_norm="head"),
    "starcoder2": Family("StarCoder2", norm="layer", mlp="plain", qkv_bias="use_bias", o_bias="use_bias",
                         mlp_bias="use_bias"),
    "gpt_bigcode": Family("GPTBigCode / StarCoder", norm="layer", mlp="plain", positions="learned",
                          qkv_bias=True, o_bias=True, mlp_bias=True, kv="multi_query", ffn_ratio=4),
    "bloom": Family("BLOOM (ALiBi, LayerNorm after the embedding)", norm="layer", mlp="plain", positions="alibi",
                    qkv_bias=True, o_bias=True, mlp_bias=True, kv="mha", ffn_ratio=4, embed_norm=True,
                    activation="gelu_tanh"),
})


def _flag(f: Fields, setting) -> bool:
    return setting if isinstance(setting, bool) else f.flag(setting)


def _head(f: Fields, hidden: int, heads: int, values: dict):
    """``(d_head expression, its value)``: the symbol if ``head_dim`` is given, else ``h/a``."""
    given = f.size("head_dim") if "head_dim" in f.table else DERIVED
    if given is not DERIVED:
        values["d_head"] = given
        return d_head, given
    if hidden % heads:
        key = f.key("hidden")
        raise f.error(f"field {key!r} = {hidden} is not divisible by the number of attention heads {heads} "
                      "(and no 'head_dim' is given); expected hidden_size % num_attention_heads == 0")
    return h / a, hidden // heads


def _kv(fam: Family, f: Fields, heads: int, values: dict):
    """``(n_kv expression, heads the cache holds or None)`` per the family's rule."""
    if fam.kv == "mha":
        return a, None
    if fam.kv == "multi_query":
        return (Integer(1), None) if f.flag("multi_query") else (a, None)
    if fam.kv == "falcon":
        new_arch, given = f.flag("new_arch"), f.size("kv_heads")
        if not new_arch and f.flag("multi_query"):
            return Integer(1), None  # FalconAttention: num_kv_heads = 1 whatever num_kv_heads says
        if not new_arch:
            if given not in (DERIVED, heads):
                raise f.error(f"field 'num_kv_heads' = {given} needs new_decoder_architecture: true "
                              f"(with multi_query: false the old architecture fuses 3·hidden for Q, K, V); "
                              f"expected {heads} or null")
            return a, None
        cache = a  # the new architecture broadcasts K/V to every query head before caching
    else:
        given, cache = f.size("kv_heads"), None
    kv = heads if given is DERIVED else given
    if heads % kv:
        key = f.key("kv_heads")
        raise f.error(f"field 'num_attention_heads' = {heads} is not divisible by {key!r} = {kv}; "
                      "expected num_attention_heads % num_key_value_heads == 0")
    if kv == heads:
        return a, cache  # multi-head: one KV head per query head, the formula says so
    values["n_kv"] = kv
    return n_kv, cache


def _norms(fam: Family, f: Fields) -> int:
    if fam.norms == "parallel":  # StableLM: no post_attention_layernorm with a parallel residual
        return 1 if _flag(f, fam.parallel) else 2
    if fam.norms != "falcon":
        return fam.norms
    if not f.flag("parallel_attn"):
        return 2
    count = f.size("parallel_norms")
    if count is DERIVED:
        count = 2 if f.flag("new_arch") else 1
    return 2 if count == 2 else 1


def _mlp(fam: Family, f: Fields, values: dict):
    ffn = f.size("ffn") if "ffn" in f.table else DERIVED  # BLOOM: always ffn_ratio·h
    width = d_ff
    if ffn is DERIVED:
        width = fam.ffn_ratio * h
    else:
        values["d_ff"] = ffn
    bias = _flag(f, fam.mlp_bias)
    act = fam.activation or f.text("act")
    if fam.mlp == "gated":
        return GatedMLP(h, width, bias, act)
    if fam.mlp == "plain":
        return MLP(h, width, bias, act)
    experts, top_k = f.size("experts"), f.size("top_k")
    if top_k > experts:
        raise f.error(f"field 'num_experts_per_tok' = {top_k} exceeds 'num_local_experts' = {experts}; "
                      "expected top-k <= number of experts")
    values.update(E=experts, k=top_k)
    if "shared_ffn" not in f.table:
        return MoE(h, width, E, k, act)
    _every_layer_sparse(f)
    values["d_sh"] = f.size("shared_ffn")
    return MoE(h, width, E, k, act, shared_d_ff=d_sh)


def _every_layer_sparse(f: Fields) -> None:
    """Qwen2-MoE layers with a dense MLP (``mlp_only_layers``, ``decoder_sparse_step``) are refused:
    the block here is one structure repeated ``l`` times."""
    step, dense = f.size("sparse_step"), f.raw.data.get("mlp_only_layers")
    if step != 1:
        raise f.error(f"field 'decoder_sparse_step' = {step} makes some layers dense (a plain MLP) and others "
                      "mixture-of-experts; layers that differ are not supported; expected 1")
    if dense not in (None, []):
        raise f.error(f"field 'mlp_only_layers' = {dense!r} makes those layers dense (a plain MLP); layers "
                      "that differ are not supported; expected [] or null")


def _rotary(fam: Family, f: Fields, head_expr, head_value: int):
    if fam.positions == "alibi" or (fam.positions == "falcon" and f.flag("alibi")):
        return None
    if "rotary_fraction" not in f.table:
        return RotaryPositions(s_max, head_expr, layout="inv_freq")
    fraction = f.fraction("rotary_fraction")
    if fraction == 1:
        return RotaryPositions(s_max, head_expr, layout="inv_freq")
    rotary_dim = Integer(int(head_value * fraction))  # transformers: int(head_dim * factor)
    return RotaryPositions(s_max, rotary_dim, layout="inv_freq")


def _window(f: Fields, values: dict):
    """``w − 1``, the tokens a sliding-window KV cache keeps, or None without a window."""
    if "window" not in f.table:
        return None
    size = f.size("window")
    if size is DERIVED:
        return None
    if size < 2:
        raise f.error(f"field 'sliding_window' = {size} must be at least 2 (or null for no window)")
    values["w"] = size
    return w - 1


_LAYER_TYPES = ("sliding_attention", "full_attention")


def _window_share(f: Fields, layers: int):
    """``(windowed share of the layers or None for all, any windowed layer?)`` from
    ``layer_types``; absent: Gemma 2's default, sliding on layers 0, 2, 4, …

    The share is a number (e.g. 1/2 for Gemma-2's 13 of 26 layers), exact for
    the config's layer count."""
    types = f.raw.data.get("layer_types")
    if types is None:
        windowed = (layers + 1) // 2
    elif not isinstance(types, list) or len(types) != layers or any(t not in _LAYER_TYPES for t in types):
        raise f.error(f"field 'layer_types' = {types!r} must be a list of {layers} (num_hidden_layers) entries, "
                      "each 'sliding_attention' or 'full_attention'")
    else:
        windowed = types.count("sliding_attention")
    return (None if windowed == layers else Rational(windowed, layers)), windowed > 0


def _dropout(f: Fields) -> Dropout:
    """Where the model trains with dropout: the sites whose probability is above 0."""
    def on(site: str) -> bool:
        return f"drop_{site}" in f.table and f.probability(f"drop_{site}") > 0

    return Dropout(embedding=on("embedding"), attention=on("attention"), residual=on("residual"))


def _norm(fam: Family, width=h):
    return LayerNorm(width) if fam.norm == "layer" else RMSNorm(width)


def build(raw: RawConfig) -> tuple[Architecture, dict[str, int]]:
    """The architecture ``transformers`` builds for ``raw`` and the sizes (by symbol name)."""
    model_type = raw.model_type
    fam, f = FAMILIES[model_type], Fields(raw, FIELDS[model_type])
    hidden, layers, heads = f.size("hidden"), f.size("layers"), f.size("heads")
    values = {"h": hidden, "l": layers, "a": heads, "V": f.size("vocab")}
    if "positions" in f.table:  # BLOOM (ALiBi) has no context-length field: no s_max, give seq= / --seq
        values["s_max"] = f.size("positions")
    if "cross" in f.table and f.flag("cross"):
        raise f.error("field 'add_cross_attention' = true is not supported (cross-attention layers "
                      "belong to encoder-decoder use); expected false")
    head_expr, head_value = _head(f, hidden, heads, values)
    kv_expr, cache = _kv(fam, f, heads, values)
    window, share = _window(f, values), None
    if fam.alternating_window:
        share, any_windowed = _window_share(f, layers)
        if window is None and any_windowed:
            raise f.error("field 'sliding_window' = null, but layer_types has sliding_attention layers "
                          "(transformers cannot build their mask); expected a window size such as 4096, "
                          "or every layer_types entry 'full_attention'")
        if window is not None and not any_windowed:
            window, share = None, None
            values.pop("w")
    attention = Attention(h, a, kv_expr, head_expr, _flag(f, fam.qkv_bias), _flag(f, fam.o_bias), cache,
                          window, share)
    mlp = _mlp(fam, f, values)
    notes = []

    width = h  # width of the token table and the output head (OPT word_embed_proj_dim)
    embeddings, final, project = [], [], None
    if model_type == "opt":
        proj = f.size("proj_dim")
        if proj is not DERIVED and proj != hidden:
            values["d_emb"], width = proj, d_emb
            project = (Projection("project_in", d_emb, h), Projection("project_out", h, d_emb))
    embeddings.append(TokenEmbedding(V, width, scaled=fam.embed_scale))
    if fam.embed_norm:
        embeddings.append(_norm(fam))
    if fam.positions == "learned":
        embeddings.append(LearnedPositions(s_max, h, Integer(fam.position_offset),
                                           causal_mask=model_type == "gpt_bigcode"))
    else:
        rope = _rotary(fam, f, head_expr, head_value)
        embeddings.append(rope) if rope is not None else notes.append("ALiBi positions (no parameters)")

    block_norms = [] if model_type == "opt" and not f.flag("norm_affine") else [_norm(fam)] * _norms(fam, f)
    qk_layernorm = "qk_layernorm" in f.table and f.flag("qk_layernorm")
    # Phi: one LayerNorm of d_head shared by the a query heads, one by the n_kv key heads
    qk_norms = [LayerNorm(h / a, groups=a), LayerNorm(h / a, groups=kv_expr)] if qk_layernorm else []
    if qk_norms and model_type == "stablelm":  # StableLmLayerNormPerHead: a·d_head and n_kv·d_head gains
        qk_norms = [LayerNorm(a * head_expr, bias=False), LayerNorm(kv_expr * head_expr, bias=False)]
    if qk_norms and hidden % heads:
        raise f.error(f"qk_layernorm needs hidden_size % num_attention_heads == 0 ({hidden} % {heads})")
    if fam.qk_norm == "head":
        # one gain of size d_head each, shared by the a query heads and by the n_kv key heads
        qk_norms = [RMSNorm(head_expr, groups=a), RMSNorm(head_expr, groups=kv_expr)]
    elif fam.qk_norm == "full":
        qk_norms = [RMSNorm(a * head_expr), RMSNorm(kv_expr * head_expr)]
    if fam.post_norm:
        block = (attention, *qk_norms, block_norms[0], mlp, *block_norms[1:])
    else:
        block = (*block_norms[:1], attention, *qk_norms, *block_norms[1:3], mlp, *block_norms[3:])

    final_norm = True
    if model_type == "opt":
        final_norm = f.flag("norm_before") and not f.flag("remove_final_norm") and f.flag("norm_affine")
    if final_norm:
        final.append(_norm(fam))
    if project:
        embeddings.append(project[0])
        final.append(project[1])
    tied = f.flag("tie")
    final.append(OutputHead(width, V, tied=tied, bias=fam.head_bias))

    parallel = _flag(f, fam.parallel)
    if parallel:
        notes.append("parallel attention and MLP (same parameter count as sequential)")
    kv_heads = values.get("n_kv", 1 if kv_expr == 1 else heads)
    kind = "multi-head" if kv_heads == heads else ("multi-query" if kv_heads == 1 else "grouped-query")
    title = f"{fam.title}; {kind} attention; {mlp.label}; {'tied' if tied else 'untied'} output head"
    if share is not None:
        notes.append(f"sliding-window attention on {share} of the layers (layer_types; by default layers "
                     "0, 2, 4, …): those layers' KV cache holds at most w − 1 tokens, the others every token "
                     "(the share is fixed by the config's layer count); params and FLOPs (full s×s) unaffected")
    elif window is not None:
        notes.append("sliding-window attention: the KV cache holds at most w − 1 tokens per layer "
                     "(as transformers' sliding-window cache); params and FLOPs (full s×s) unaffected")
    elif isinstance(raw.data.get("sliding_window"), int) and raw.data.get("use_sliding_window"):
        notes.append("use_sliding_window: the window applies to some layers only; "
                     "the KV cache here counts every token in every layer")
    arch = Architecture(
        name=model_type, title=title, embeddings=tuple(embeddings), block=tuple(block), final=tuple(final),
        notes=tuple(notes), parallel_residual=parallel, dropout=_dropout(f),
    )
    return arch, values
