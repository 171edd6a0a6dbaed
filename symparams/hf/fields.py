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
  are absent or ``null`` (``num_key_value_heads`` → heads, ``head_dim`` →
  ``hidden // heads``, ``n_inner`` → ``4·hidden``, ...);
* every other field has its class default (e.g. ``tie_word_embeddings``: True
  for gpt2, opt, gemma and falcon; False for llama, mistral, mixtral, qwen2,
  gpt_neox and phi).

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
           "ATTENTION_DROPOUT", "KINDS"]


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
}


@dataclass(frozen=True)
class Field:
    """One ``config.json`` key: ``kind`` is one of :data:`KINDS`; a size may name the
    ``symbol`` it binds (``hidden_size`` → ``h``)."""

    key: str
    kind: str = "size"
    default: Any = REQUIRED
    aliases: tuple[str, ...] = ()
    symbol: Symbol | None = None


def size(key, default=REQUIRED, *aliases, symbol=None) -> Field:
    return Field(key, "size", default, tuple(aliases), symbol)


def count(key, default=REQUIRED, *aliases) -> Field:
    return Field(key, "count", default, tuple(aliases))


def flag(key, default) -> Field:
    return Field(key, "flag", default)


def text(key, default, *aliases) -> Field:
    return Field(key, "text", default, tuple(aliases))


def fraction(key, default, *aliases) -> Field:
    return Field(key, "fraction", default, tuple(aliases))


def dropout(*, embedding=None, attention=None, residual=None) -> dict[str, Field]:
    """Dropout probability fields by site (embedding, attention probabilities,
    residual branches): ``(key, class default)`` for the sites the family has."""
    sites = {"embedding": embedding, "attention": attention, "residual": residual}
    return {f"drop_{site}": Field(spec[0], "probability", spec[1]) for site, spec in sites.items() if spec}


ATTENTION_DROPOUT = dropout(attention=("attention_dropout", 0.0))


def llama_like(*, kv=DERIVED, tie=False, act="silu", head_dim=DERIVED, positions=2048) -> dict[str, Field]:
    """The fields every "Llama-like" config class has (names of ``LlamaConfig``), with a
    family's class defaults."""
    return {
        "hidden": size("hidden_size", symbol=h),
        "layers": size("num_hidden_layers", symbol=l),
        "heads": size("num_attention_heads", symbol=a),
        "vocab": size("vocab_size", symbol=V),
        "ffn": size("intermediate_size", symbol=d_ff),
        "kv_heads": size("num_key_value_heads", kv, symbol=n_kv),
        "head_dim": size("head_dim", head_dim, symbol=d_head),
        "positions": size("max_position_embeddings", positions, symbol=s_max),
        "tie": flag("tie_word_embeddings", tie),
        "act": text("hidden_act", act),
    }
