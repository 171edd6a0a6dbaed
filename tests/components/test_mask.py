"""Attention masks: the pairs each kind keeps, counted by brute force on small sizes.

transformers' ``FlopCounterMode`` only sees dense products, so the masked
counting is checked against explicit loops over (query, key) pairs here, and
against transformers' own mask functions in ``tests/oracle/test_masks.py``.
"""

import pytest
from hypothesis import given, strategies as st
from sympy import Integer

from symparams.components import Attention
from symparams.components.mask import MASKS, Mask
from symparams.errors import OptionError
from symparams.symbols import a, b, h, s, s_enc


def keeps(kind: str, size, i: int, j: int, keys: int) -> bool:
    """Whether query ``i`` sees key ``j`` (0-based), written from each mask's definition."""
    if kind == "full":
        return 0 <= j < keys
    if kind == "causal":
        return j <= i
    if kind == "window":
        return j <= i and i - j < size
    if kind == "chunked":
        return j <= i and j // size == i // size
    if kind == "local":
        return abs(i - j) <= size
    raise AssertionError(kind)


def brute_pairs(kind, size, queries, keys):
    return sum(keeps(kind, size, i, j, keys) for i in range(queries) for j in range(keys))


def test_every_kind_is_checked():
    assert set(MASKS) == {"causal", "full", "window", "chunked", "local"}


@given(st.sampled_from(sorted(MASKS)), st.integers(1, 9), st.integers(1, 24))
def test_pairs_equal_brute_force(kind, size, seq):
    mask = Mask(kind, size if kind in ("window", "chunked", "local") else None)
    assert mask.pairs(seq, seq) == brute_pairs(kind, size, seq, seq)


@given(st.integers(1, 12), st.integers(1, 12))
def test_cross_attention_pairs_are_every_query_key_pair(queries, keys):
    assert Mask("full").pairs(queries, keys) == brute_pairs("full", None, queries, keys) == queries * keys


@given(st.sampled_from(["window", "chunked"]), st.integers(2, 9), st.integers(1, 30))
def test_cached_tokens_are_transformers_sliding_cache(kind, size, seq):
    # DynamicSlidingWindowLayer keeps the last size - 1 tokens (chunked layers use it with the chunk size)
    assert Mask(kind, size).cached_tokens(seq) == min(seq, size - 1)


def test_symbolic_window_longer_than_the_sequence_is_causal():
    from symparams.symbols import w

    assert Mask("window", w).pairs(s, s).xreplace({w: s + 3}) .simplify() == Mask("causal").pairs(s, s)


@pytest.mark.parametrize("kind, size", [("window", None), ("chunked", None), ("causal", 4), ("bogus", None)])
def test_bad_masks(kind, size):
    with pytest.raises(OptionError):
        Mask(kind, size)


def test_attention_layers_know_their_lengths_and_caches():
    causal = Attention(h, a, a, h / a)
    encoder = Attention(h, a, a, h / a, mask="full")
    cross = Attention(h, a, a, h / a, mask="full", key_len=s_enc)
    assert causal.kv_cache_elements(b, s) == 2 * b * s * h
    assert encoder.kv_cache_elements(b, s) == 0  # bidirectional self-attention: nothing to cache
    assert cross.kv_cache_elements(b, s) == 2 * b * s_enc * h  # the encoder's keys and values
    scores = {mm.name: mm for mm in cross.matmuls(b, s)}["scores"]
    assert (scores.m, scores.n) == (s, s_enc)
    k_proj = {mm.name: mm for mm in cross.matmuls(b, s)}["k_proj"]
    assert k_proj.m == b * s_enc  # keys projected from the encoder's tokens
    with pytest.raises(OptionError, match="cross-attention"):
        Attention(h, a, a, h / a, key_len=s_enc)  # cross-attention is never causal


def test_masked_macs_of_a_layer():
    layer = Attention(h, a, a, h / a, mask="chunked", window=Integer(4))
    scores = {mm.name: mm for mm in layer.matmuls(Integer(1), Integer(10))}["scores"]
    assert scores.macs == a * 10 * (h / a) * 10
    assert scores.kept_macs() == a * (h / a) * brute_pairs("chunked", 4, 10, 10)
