"""Drawing small valid configs of a family, for property tests.

Each family's ``sample(draw, st, bounds)`` builds on :func:`base`. ``draw`` and
``st`` (``hypothesis.strategies``) are passed in, so that the library itself
never imports Hypothesis; ``bounds`` is a
:class:`symparams.testing.strategies.Bounds`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Drawn", "base", "llama_config", "divisors", "IDS"]

#: special token ids every drawn config sets (inside any vocabulary)
IDS = {"bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0}


def divisors(n: int) -> list[int]:
    """Positive divisors of ``n``, ascending.

    >>> divisors(12)
    [1, 2, 3, 4, 6, 12]
    """
    return [d for d in range(1, n + 1) if n % d == 0]


@dataclass(frozen=True)
class Drawn:
    """The sizes every family draws: heads, head size, width, layers, vocabulary, MLP width,
    a KV head count dividing the heads, tying, positions."""

    heads: int
    head_dim: int
    hidden: int
    layers: int
    vocab: int
    ffn: int
    kv: int
    tie: bool
    positions: int


def base(draw, st, bd, step: int = 2) -> Drawn:
    """Draw the shared sizes; head sizes are multiples of ``step`` (RoPE pairs, partial rotary)."""
    heads = draw(bd.span("heads"))
    lo, hi = max(1, -(-bd.min_head_dim // step)), max(1, bd.max_head_dim // step)
    head_dim = step * draw(st.integers(lo, max(lo, hi)))
    return Drawn(
        heads=heads, head_dim=head_dim, hidden=heads * head_dim, layers=draw(bd.span("layers")),
        vocab=draw(st.integers(max(2, bd.min_vocab), max(2, bd.max_vocab))), ffn=draw(bd.span("ffn")),
        kv=draw(st.sampled_from(divisors(heads))), tie=draw(st.booleans()), positions=draw(bd.span("positions")),
    )


def llama_config(model_type: str, d: Drawn, **extra) -> dict:
    """A ``LlamaConfig``-style dict of the drawn sizes."""
    return {"model_type": model_type, "hidden_size": d.hidden, "num_hidden_layers": d.layers,
            "num_attention_heads": d.heads, "vocab_size": d.vocab, "max_position_embeddings": d.positions,
            "tie_word_embeddings": d.tie, **IDS, **extra}
