"""Attention: Q, K, V, O projections, the score and value matmuls, the KV cache.

Heads: ``a`` query heads and ``n_kv`` key/value heads of size ``d_head``
(multi-head: ``n_kv = a``; multi-query: ``n_kv = 1``; grouped-query in between).

>>> from symparams.symbols import h, a, n_kv, b, s
>>> mha = Attention(h, a, a, h / a, qkv_bias=True, o_bias=True)
>>> mha.params()
4*h**2 + 4*h
>>> gqa = Attention(h, a, n_kv, h / a)
>>> gqa.params()
2*h**2 + 2*h**2*n_kv/a
>>> gqa.kv_cache_elements(b, s)
2*b*h*n_kv*s/a
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams._expr import as_expr
from symparams.components.base import Activation, Component, Dropout, Linear, Matmul, Pairs, Tensor
from symparams.components.mask import Mask
from symparams.errors import OptionError

__all__ = ["Attention"]


@dataclass(frozen=True)
class Attention(Component):
    """Attention with ``a`` query heads and ``n_kv`` KV heads of size ``d_head``.

    The layer knows its mask and its lengths. ``mask`` is ``"causal"`` (a
    decoder), ``"full"`` (a bidirectional encoder, or cross-attention),
    ``"window"`` (sliding window of ``window`` tokens, itself included) or
    ``"chunked"`` (chunks of ``window`` tokens) or ``"local"`` (bidirectional, ``window``
    positions on either side); see
    :mod:`symparams.components.mask`. ``key_len`` is ``None`` for
    self-attention (keys over the stack's own sequence) or the length of the
    sequence the keys and values come from (cross-attention over an encoder's
    ``s_enc`` tokens). ``cached``: whether generation keeps its K and V
    (default: every attention but bidirectional self-attention; a
    cross-attention cache holds the encoder's ``key_len`` tokens).
    ``cache_heads`` (default ``n_kv``) is how many K/V heads the cache holds.
    ``qkv_bias`` / ``o_bias`` put biases on the Q, K, V and on the output
    projection separately (Qwen2 has the first and not the second).

    >>> from symparams.symbols import h, a, b, s, s_enc, w
    >>> Attention(h, a, a, h / a, mask="window", window=w).kv_cache_elements(b, s)
    2*b*h*Min(s, w - 1)
    >>> Attention(h, a, a, h / a, mask="full").kv_cache_elements(b, s)
    0
    >>> Attention(h, a, a, h / a, key_len=s_enc, mask="full").kv_cache_elements(b, s)
    2*b*h*s_enc
    """

    h: Expr
    a: Expr
    n_kv: Expr
    d_head: Expr
    qkv_bias: bool = False
    o_bias: bool = False
    mask: str = "causal"
    window: Expr | None = None
    key_len: Expr | None = None
    cached: bool | None = None
    cache_heads: Expr | None = None
    key = "attention"

    def __post_init__(self) -> None:
        masking = Mask(self.mask, self.window)  # validates the kind and its size
        if self.key_len is not None and masking.causal:
            raise OptionError(f"cross-attention (key_len={self.key_len}) takes mask='full', not {self.mask!r}")

    @property
    def masking(self) -> Mask:
        """The layer's :class:`~symparams.components.mask.Mask`."""
        return Mask(self.mask, self.window)

    @property
    def is_cross(self) -> bool:
        return self.key_len is not None

    @property
    def is_cached(self) -> bool:
        """Whether generation caches this layer's keys and values."""
        if self.cached is not None:
            return self.cached
        return self.is_cross or self.masking.causal

    @property
    def label(self) -> str:
        if self.n_kv == self.a:
            kind = "multi-head"
        elif self.n_kv == 1:
            kind = "multi-query"
        else:
            kind = "grouped-query"
        if self.is_cross:
            return f"{kind} cross-attention"
        where = {"causal": "", "full": " (bidirectional)", "window": " (sliding window)", "chunked": " (chunked)",
                 "local": " (bidirectional, local window)"}
        return f"{kind} self-attention{where[self.mask]}"

    def keys_over(self, s) -> Expr:
        """Keys each query can see the scores of: ``key_len`` for cross-attention, else ``s``."""
        return as_expr(s) if self.key_len is None else as_expr(self.key_len)

    def linears(self) -> tuple[Linear, ...]:
        q_width = self.a * self.d_head
        kv_width = self.n_kv * self.d_head
        return (
            Linear("q_proj", self.h, q_width, self.qkv_bias),
            Linear("k_proj", self.h, kv_width, self.qkv_bias),
            Linear("v_proj", self.h, kv_width, self.qkv_bias),
            Linear("o_proj", q_width, self.h, self.o_bias),
        )

    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(t for lin in self.linears() for t in lin.tensors())

    def products(self, b, s, *, score_depth=None, value_depth=None) -> tuple[Matmul, Matmul]:
        """The score ``QKᵀ`` and value ``AV`` products of every query head (K/V heads are shared)."""
        keys = self.keys_over(s)
        heads = b * self.a
        qk = self.d_head if score_depth is None else score_depth
        v = self.d_head if value_depth is None else value_depth
        masking = self.masking
        scores = Matmul("scores", s, qk, keys, count=heads, kind="attention", pairs=Pairs(s, keys, qk, masking))
        values = Matmul("values", s, keys, v, count=heads, kind="attention", pairs=Pairs(s, keys, v, masking))
        return scores, values

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        q, k, v, o = self.linears()
        # cross-attention projects its keys and values from the encoder's tokens
        kv_tokens = b * self.keys_over(s)
        scores, values = self.products(b, s)
        return (q.matmul(b * s), k.matmul(kv_tokens), v.matmul(kv_tokens), scores, values, o.matmul(b * s))

    def kv_cache_elements(self, b, s) -> Expr:
        """Keys and values cached for ``b`` sequences after ``s`` tokens: ``2·b·tokens·n_kv·d_head``.

        ``tokens`` is what the mask keeps (:meth:`Mask.cached_tokens`: ``s``,
        or ``min(s, w − 1)`` for a window), or the encoder's ``key_len`` for
        cross-attention; 0 when the layer is not cached. ``cache_heads``
        overrides ``n_kv`` for implementations that broadcast K/V to more heads
        before caching (Falcon's new decoder architecture caches all ``a``).

        >>> from symparams.symbols import b, s, w, h, a
        >>> Attention(h, a, 8, h / a, mask="window", window=w).kv_cache_elements(b, s)
        16*b*h*Min(s, w - 1)/a
        """
        if not self.is_cached:
            return Integer(0)
        heads = self.n_kv if self.cache_heads is None else self.cache_heads
        tokens = as_expr(self.key_len) if self.is_cross else self.masking.cached_tokens(s)
        return Integer(2) * b * tokens * heads * self.d_head

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """What eager attention keeps for backward (Korthikanti et al. 2022, §4.1).

        The Q/K/V input, Q and K (for ``QKᵀ``), the softmax output, with
        dropout its 1-byte mask and its output, V, the output projection's
        input, and with dropout the 1-byte mask of the output dropout. K and V
        are counted at ``n_kv`` heads (before any GQA repeat).

        >>> from symparams.symbols import h, a, b, s
        >>> mha = Attention(h, a, a, h / a)
        >>> sum(t.numel for t in mha.saved_activations(b, s) if t.role == "activation")
        2*a*b*s**2 + 5*b*h*s
        """
        dropout = Dropout.of(dropout)
        tokens = b * s
        kv_tokens = b * self.keys_over(s)
        q_w, kv_w = self.a * self.d_head, self.n_kv * self.d_head
        square = b * self.a * s * self.keys_over(s)
        acts = [
            Activation("attention.input", tokens * self.h, split="sequence"),
            Activation("attention.q", tokens * q_w),
            Activation("attention.k", kv_tokens * kv_w),
            Activation("attention.softmax", square, quadratic=True),
        ]
        if dropout.attention:
            acts += [
                Activation("attention.dropout_mask", square, role="mask", quadratic=True),
                Activation("attention.dropout_output", square, quadratic=True),
            ]
        acts += [
            Activation("attention.v", kv_tokens * kv_w),
            Activation("attention.o_proj_input", tokens * q_w),
        ]
        if dropout.residual:
            acts.append(Activation("attention.output_dropout_mask", tokens * self.h,
                                   role="mask", split="sequence"))
        return tuple(acts)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        """Outputs of the q/k/v projections, ``scores`` (``QKᵀ``), ``softmax``, ``values``, ``o_proj``."""
        tokens = b * s
        kv_tokens = b * self.keys_over(s)
        square = b * self.a * s * self.keys_over(s)
        q, k, v, o = self.linears()
        return (
            Activation("attention.q_proj", tokens * q.d_out),
            *(Activation(f"attention.{lin.name}", kv_tokens * lin.d_out) for lin in (k, v)),
            Activation("attention.scores", square, quadratic=True),
            Activation("attention.softmax", square, quadratic=True),
            Activation("attention.values", tokens * self.a * self.d_head),
            Activation("attention.o_proj", tokens * o.d_out),
        )

    def elementwise_flops(self, b, s) -> Expr:
        """Bias adds (1 per output element), scaling the scores by ``1/√d_head``
        (1 per score) and the softmax (5 per score: max, subtract, exp, sum, divide)."""
        square = b * self.a * s * self.keys_over(s)
        q, k, v, o = self.linears()
        kv_tokens = b * self.keys_over(s)
        biases = q.bias_flops(b * s) + k.bias_flops(kv_tokens) + v.bias_flops(kv_tokens) + o.bias_flops(b * s)
        return biases + 6 * square
