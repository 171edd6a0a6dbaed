"""Which ``config.json`` keys each family reads, and their defaults — as data.

A :class:`Field` names the key (plus the aliases ``transformers`` accepts for
it), what kind of value it holds, and the default that family's
``transformers`` config class applies when the key is absent (transformers
5.23: ``LlamaConfig``, ``GemmaConfig``, ...). Three policies:

* the core sizes (width, layers, heads, vocabulary, MLP width where the family
  has no rule for it) are ``REQUIRED``: transformers' class defaults for them
  are the sizes of one particular model, and a config that omits them would
  otherwise get a silently wrong count;
* ``DERIVED`` fields are ones transformers fills from other fields when they
  are absent or ``null`` (``num_key_value_heads`` → heads, ``head_dim`` →
  ``hidden // heads``, ``n_inner`` → ``4·hidden``, ...);
* every other field has its class default (e.g. ``tie_word_embeddings``: True
  for gpt2, opt, gemma and falcon; False for llama, mistral, mixtral, qwen2,
  gpt_neox and phi).

>>> FIELDS["gemma"]["tie"].default, FIELDS["llama"]["tie"].default
(True, False)
>>> FIELDS["gpt2"]["hidden"].key, FIELDS["gpt2"]["hidden"].aliases
('n_embd', ('hidden_size',))
>>> FIELDS["mistral"]["kv_heads"].default   # MistralConfig: 8, not the head count
8
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

__all__ = ["Field", "FIELDS", "REQUIRED", "DERIVED", "SUPPORTED_MODEL_TYPES"]


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


REQUIRED = _Marker("REQUIRED")  # absent → ConfigError
DERIVED = _Marker("DERIVED")  # absent or null → the family derives it from other fields


@dataclass(frozen=True)
class Field:
    """One ``config.json`` key: ``kind`` is ``size`` (positive int), ``flag``
    (bool), ``fraction`` (number in (0, 1]), ``probability`` (number in [0, 1))
    or ``text`` (str)."""

    key: str
    kind: str = "size"
    default: Any = REQUIRED
    aliases: tuple[str, ...] = ()


def _size(key, default=REQUIRED, *aliases):
    return Field(key, "size", default, tuple(aliases))


def _flag(key, default):
    return Field(key, "flag", default)


def _text(key, default):
    return Field(key, "text", default)


def _dropout(*, embedding=None, attention=None, residual=None):
    """Dropout probability fields by site (embedding, attention probabilities,
    residual branches): ``(key, class default)`` for the sites the family has."""
    sites = {"embedding": embedding, "attention": attention, "residual": residual}
    return {f"drop_{site}": Field(spec[0], "probability", spec[1]) for site, spec in sites.items() if spec}


_ATTENTION_ONLY = _dropout(attention=("attention_dropout", 0.0))


# The fields every "Llama-like" config class has (names of LlamaConfig).
def _llama_like(*, kv=DERIVED, tie=False, act="silu", head_dim=DERIVED, positions=2048):
    return {
        "hidden": _size("hidden_size"),
        "layers": _size("num_hidden_layers"),
        "heads": _size("num_attention_heads"),
        "vocab": _size("vocab_size"),
        "ffn": _size("intermediate_size"),
        "kv_heads": _size("num_key_value_heads", kv),
        "head_dim": _size("head_dim", head_dim),
        "positions": _size("max_position_embeddings", positions),
        "tie": _flag("tie_word_embeddings", tie),
        "act": _text("hidden_act", act),
    }


# GPT-2's own field names (GPT2Config), shared by GPTBigCodeConfig
_GPT2_NAMES = {
    "hidden": _size("n_embd", REQUIRED, "hidden_size"),
    "layers": _size("n_layer", REQUIRED, "num_hidden_layers"),
    "heads": _size("n_head", REQUIRED, "num_attention_heads"),
    "vocab": _size("vocab_size"),
    "ffn": _size("n_inner", DERIVED),  # null → 4 * n_embd
    "positions": _size("n_positions", REQUIRED, "max_position_embeddings"),
    "tie": _flag("tie_word_embeddings", True),
}

_TABLES: dict[str, dict[str, Field]] = {
    "gpt2": {
        **_GPT2_NAMES,
        "cross": _flag("add_cross_attention", False),
        "act": _text("activation_function", "gelu_new"),
        **_dropout(embedding=("embd_pdrop", 0.1), attention=("attn_pdrop", 0.1), residual=("resid_pdrop", 0.1)),
    },
    "llama": {
        **_llama_like(),
        "attention_bias": _flag("attention_bias", False),
        "mlp_bias": _flag("mlp_bias", False),
        **_ATTENTION_ONLY,
    },
    "mistral": {
        **_llama_like(kv=8, positions=4096 * 32),
        "window": _size("sliding_window", 4096),  # null → no window
        **_ATTENTION_ONLY,
    },
    "mixtral": {
        **_llama_like(kv=8, positions=4096 * 32),
        "window": _size("sliding_window", DERIVED),  # null → no window
        **_ATTENTION_ONLY,
        "experts": _size("num_local_experts", 8, "num_experts"),
        "top_k": _size("num_experts_per_tok", 2),
    },
    "qwen2": {**_llama_like(kv=32, positions=32768), **_ATTENTION_ONLY},
    "gemma": {
        **_llama_like(kv=16, tie=True, act="gelu_pytorch_tanh", head_dim=256, positions=8192),
        "attention_bias": _flag("attention_bias", False),
        **_ATTENTION_ONLY,
    },
    "gpt_neox": {
        **{k: v for k, v in _llama_like(act="gelu").items() if k not in ("kv_heads", "head_dim")},
        "attention_bias": _flag("attention_bias", True),
        "parallel_residual": _flag("use_parallel_residual", True),
        "rotary_fraction": Field("rotary_pct", "fraction", 0.25, ("partial_rotary_factor",)),
        **_dropout(embedding=("hidden_dropout", 0.0), attention=("attention_dropout", 0.0),
                   residual=("hidden_dropout", 0.0)),
    },
    "opt": {
        "hidden": _size("hidden_size"),
        "layers": _size("num_hidden_layers"),
        "heads": _size("num_attention_heads"),
        "vocab": _size("vocab_size"),
        "ffn": _size("ffn_dim"),
        "positions": _size("max_position_embeddings", 2048),
        "proj_dim": _size("word_embed_proj_dim", DERIVED),  # null → hidden_size
        "tie": _flag("tie_word_embeddings", True),
        "bias": _flag("enable_bias", True),
        "norm_affine": _flag("layer_norm_elementwise_affine", True),
        "norm_before": _flag("do_layer_norm_before", True),
        "remove_final_norm": _flag("_remove_final_layer_norm", False),
        "act": _text("activation_function", "relu"),
        **_dropout(attention=("attention_dropout", 0.0), residual=("dropout", 0.1)),
    },
    "phi": {
        **_llama_like(act="gelu_new"),
        "qk_layernorm": _flag("qk_layernorm", False),
        "rotary_fraction": Field("partial_rotary_factor", "fraction", 0.5),
        **_dropout(embedding=("embd_pdrop", 0.0), attention=("attention_dropout", 0.0),
                   residual=("resid_pdrop", 0.0)),
    },
    "falcon": {
        "hidden": _size("hidden_size", REQUIRED, "n_embed"),
        "layers": _size("num_hidden_layers"),
        "heads": _size("num_attention_heads"),
        "vocab": _size("vocab_size"),
        "ffn": _size("ffn_hidden_size", DERIVED),  # null → 4 * hidden_size
        "kv_heads": _size("num_kv_heads", DERIVED),
        "positions": _size("max_position_embeddings", 2048),
        "tie": _flag("tie_word_embeddings", True),
        "bias": _flag("bias", False),
        "alibi": _flag("alibi", False),
        "multi_query": _flag("multi_query", True),
        "new_arch": _flag("new_decoder_architecture", False),
        "parallel_attn": _flag("parallel_attn", True),
        "parallel_norms": _size("num_ln_in_parallel_attn", DERIVED),  # null → 2 if new_arch
        "act": _text("activation", "gelu"),
        **_dropout(attention=("attention_dropout", 0.0), residual=("hidden_dropout", 0.0)),
    },
    "gemma2": {
        **_llama_like(kv=4, tie=True, head_dim=256, positions=8192),
        "act": Field("hidden_activation", "text", "gelu_pytorch_tanh", ("hidden_act",)),
        "attention_bias": _flag("attention_bias", False),
        "window": _size("sliding_window", 4096),  # null → no window
        **_ATTENTION_ONLY,
    },
    "olmo2": {
        **_llama_like(),
        "attention_bias": _flag("attention_bias", False),
        **_ATTENTION_ONLY,
    },
    "stablelm": {
        **{k: v for k, v in _llama_like(kv=32, positions=4096).items() if k != "head_dim"},
        "use_qkv_bias": _flag("use_qkv_bias", False),
        "qk_layernorm": _flag("qk_layernorm", False),
        "parallel_residual": _flag("use_parallel_residual", False),
        "rotary_fraction": Field("partial_rotary_factor", "fraction", 0.25),
        **_dropout(attention=("attention_dropout", 0.0), residual=("hidden_dropout", 0.0)),
    },
    "qwen2_moe": {
        **{k: v for k, v in _llama_like(kv=16, positions=32768).items() if k != "ffn"},
        "ffn": _size("moe_intermediate_size"),  # each routed expert's width
        "shared_ffn": _size("shared_expert_intermediate_size"),
        "experts": _size("num_experts", 60),
        "top_k": _size("num_experts_per_tok", 4),
        "sparse_step": _size("decoder_sparse_step", 1),
        "qkv_bias": _flag("qkv_bias", True),
        **_ATTENTION_ONLY,
    },
    "qwen3": {
        **_llama_like(kv=32, head_dim=128, positions=32768),
        "attention_bias": _flag("attention_bias", False),
        **_ATTENTION_ONLY,
    },
    "starcoder2": {
        **_llama_like(kv=2, tie=True, act="gelu_pytorch_tanh", positions=4096),
        "window": _size("sliding_window", DERIVED),  # null → no window
        "use_bias": _flag("use_bias", True),
        **_dropout(embedding=("embedding_dropout", 0.0), attention=("attention_dropout", 0.0),
                   residual=("residual_dropout", 0.0)),
    },
    "gpt_bigcode": {
        **_GPT2_NAMES,
        "multi_query": _flag("multi_query", True),
        "cross": _flag("add_cross_attention", False),
        "act": _text("activation_function", "gelu_pytorch_tanh"),
        **_dropout(embedding=("embd_pdrop", 0.1), attention=("attn_pdrop", 0.1), residual=("resid_pdrop", 0.1)),
    },
    # BloomConfig: n_embed (when given) overrides hidden_size, and the attribute_map names num_hidden_layers /
    # num_attention_heads override n_layer / n_head (keys in that order of precedence); the MLP is always
    # 4·hidden (n_inner is ignored); no context-length field (ALiBi), so no "positions"; the activation is
    # fixed (BloomGelu, tanh GELU)
    "bloom": {
        "hidden": _size("n_embed", REQUIRED, "hidden_size"),
        "layers": _size("num_hidden_layers", REQUIRED, "n_layer"),
        "heads": _size("num_attention_heads", REQUIRED, "n_head"),
        "vocab": _size("vocab_size"),
        "tie": _flag("tie_word_embeddings", True),
        **_dropout(attention=("attention_dropout", 0.0), residual=("hidden_dropout", 0.0)),
    },
}

FIELDS: Mapping[str, Mapping[str, Field]] = MappingProxyType(
    {family: MappingProxyType(table) for family, table in _TABLES.items()}
)
SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(sorted(FIELDS))
