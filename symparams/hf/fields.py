"""How a family's ``config.json`` fields are described, as data.

A :class:`Field` names the key (plus the aliases ``transformers`` accepts for
it), what kind of value it holds, the default that family's ``transformers``
config class applies when the key is absent (transformers 5.23:
``LlamaConfig``, ``GemmaConfig``, ...), and for a size the symbol it binds.
Three default policies:

* the core sizes (width, layers, heads, vocabulary, MLP width where the family
  has no rule for it) are ``REQUIRED``: transformers' class defaults for them
  are the sizes of one particular model, and a config that omits them would
  otherwise get a silently wrong count;
* ``DERIVED`` fields are ones transformers fills from other fields when they
  are absent (``num_key_value_heads`` → heads, ``head_dim`` →
  ``hidden // heads``, ``n_inner`` → ``4·hidden``, ...);
* every other field has its class default (e.g. ``tie_word_embeddings``: True
  for gpt2, opt, gemma and falcon; False for llama, mistral, mixtral, qwen2,
  gpt_neox and phi).

``null`` is a separate question, answered per field as transformers 5.23
answers it (its config classes are typed dataclasses that refuse ``None``
unless the field is ``Optional``): ``Field.null`` True means transformers
accepts ``null`` and derives the value (the reader returns ``DERIVED`` and the
builder derives it, e.g. a null ``sliding_window`` is no window, a null
``num_key_value_heads`` is one per query head); False means a ``null`` is
refused, naming the field. Unset, it follows the default: a ``DERIVED`` field
accepts ``null``, any other refuses it.

Activation names are checked against the activations transformers knows
(:data:`ACTIVATIONS`, its ``ACT2FN``); the two that carry learned weights
(``prelu``, ``xielu``) are refused, since no family counts them.

Each family's table lives beside its builder (:mod:`symparams.families`); the
tables many families share are built here.

>>> llama_like()["hidden"].key, llama_like()["hidden"].symbol
('hidden_size', h)
>>> llama_like(kv=8)["kv_heads"].default
8
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sympy import Symbol

from symparams.symbols import V, a, d_ff, d_head, h, l, n_kv, s_max

__all__ = ["Field", "REQUIRED", "DERIVED", "size", "count", "flag", "text", "fraction", "dropout", "llama_like",
           "ATTENTION_DROPOUT", "pad_token", "KINDS", "ACTIVATIONS", "WEIGHTED_ACTIVATIONS"]


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


REQUIRED = _Marker("REQUIRED")  # absent → ConfigError
DERIVED = _Marker("DERIVED")  # absent or null → the family derives it from other fields

#: kinds of field value, with what each must be
KINDS = {
    "size": "a positive integer",
    "count": "a non-negative integer",
    "flag": "true or false",
    "fraction": "a number in (0, 1]",
    "probability": "a probability in [0, 1)",
    "text": "a string",
    "list": "a list",
    "token": "an integer token id, or null",
}


#: activation names transformers 5.23 builds (``transformers.activations.ACT2FN``) with no weights
ACTIVATIONS = frozenset({
    "gelu", "gelu_10", "gelu_accurate", "gelu_fast", "gelu_new", "gelu_python", "gelu_python_tanh",
    "gelu_pytorch_tanh", "hardswish", "laplace", "leaky_relu", "linear", "mish", "quick_gelu", "relu", "relu2",
    "relu6", "sigmoid", "silu", "sqrtsoftplus", "swish", "tanh",
})
#: activations of ``ACT2FN`` that are modules with learned parameters (not counted by any family)
WEIGHTED_ACTIVATIONS = frozenset({"prelu", "xielu"})


@dataclass(frozen=True)
class Field:
    """One ``config.json`` key: ``kind`` is one of :data:`KINDS`; a size may name the
    ``symbol`` it binds (``hidden_size`` → ``h``); ``null``: whether transformers accepts
    ``null`` for it and derives the value (None: only where the default is ``DERIVED``)."""

    key: str
    kind: str = "size"
    default: Any = REQUIRED
    aliases: tuple[str, ...] = ()
    symbol: Symbol | None = None
    null: bool | None = None

    @property
    def nullable(self) -> bool:
        """Whether a ``null`` value is accepted (and derived by the family)."""
        return self.default is DERIVED if self.null is None else self.null


def size(key, default=REQUIRED, *aliases, symbol=None, null=None) -> Field:
    return Field(key, "size", default, tuple(aliases), symbol, null)


def count(key, default=REQUIRED, *aliases) -> Field:
    return Field(key, "count", default, tuple(aliases))


def flag(key, default) -> Field:
    return Field(key, "flag", default)


def text(key, default, *aliases) -> Field:
    return Field(key, "text", default, tuple(aliases))


def fraction(key, default, *aliases) -> Field:
    return Field(key, "fraction", default, tuple(aliases))


def pad_token(default=None) -> dict[str, Field]:
    """``pad_token_id``: the row of the token table transformers builds as ``padding_idx``
    (``nn.Embedding`` refuses one outside ``[-rows, rows)``); null is accepted (no padding row)."""
    return {"pad": Field("pad_token_id", "token", default, null=True)}


def dropout(*, embedding=None, attention=None, residual=None) -> dict[str, Field]:
    """Dropout probability fields by site (embedding, attention probabilities,
    residual branches): ``(key, class default)`` for the sites the family has."""
    sites = {"embedding": embedding, "attention": attention, "residual": residual}
    return {f"drop_{site}": Field(spec[0], "probability", spec[1]) for site, spec in sites.items() if spec}


ATTENTION_DROPOUT = dropout(attention=("attention_dropout", 0.0))


def llama_like(*, kv=DERIVED, tie=False, act="silu", head_dim=DERIVED, positions=2048, kv_null=None,
               head_dim_null=None, pad=None) -> dict[str, Field]:
    """The fields every "Llama-like" config class has (names of ``LlamaConfig``), with a
    family's class defaults (and, where it differs from the default's rule, whether its
    config class accepts a null ``num_key_value_heads`` / ``head_dim``)."""
    return {
        "hidden": size("hidden_size", symbol=h),
        "layers": size("num_hidden_layers", symbol=l),
        "heads": size("num_attention_heads", symbol=a),
        "vocab": size("vocab_size", symbol=V),
        "ffn": size("intermediate_size", symbol=d_ff),
        "kv_heads": size("num_key_value_heads", kv, symbol=n_kv, null=kv_null),
        "head_dim": size("head_dim", head_dim, symbol=d_head, null=head_dim_null),
        "positions": size("max_position_embeddings", positions, symbol=s_max),
        "tie": flag("tie_word_embeddings", tie),
        "act": text("hidden_act", act),
        **pad_token(pad),
    }
