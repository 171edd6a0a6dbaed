"""Self-attention: Q, K, V, O projections, the score and value matmuls, the KV cache.

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

from sympy import Expr, Integer, Min

from symparams.components.base import Activation, Component, Dropout, Linear, Matmul, Tensor

__all__ = ["Attention"]


@dataclass(frozen=True)
class Attention(Component):
    """Causal self-attention with ``a`` query heads and ``n_kv`` KV heads.

    ``qkv_bias`` / ``o_bias`` put biases on the Q, K, V and on the output
    projection separately (Qwen2 has the first and not the second).
    ``cache_heads`` (default ``n_kv``) is how many K/V heads the cache holds;
    ``cache_window`` (default: unbounded) the most tokens it holds per layer
    (sliding-window attention); ``cache_window_share`` (default: every layer)
    the fraction of the layers whose cache is windowed, the others holding
    every token (Gemma 2 alternates sliding and global layers).
    """

    h: Expr
    a: Expr
    n_kv: Expr
    d_head: Expr
    qkv_bias: bool = False
    o_bias: bool = False
    cache_heads: Expr | None = None
    cache_window: Expr | None = None
    cache_window_share: Expr | None = None
    key = "attention"

    @property
    def label(self) -> str:
        if self.n_kv == self.a:
            return "multi-head self-attention"
        if self.n_kv == 1:
            return "multi-query self-attention"
        return "grouped-query self-attention"

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

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        q, k, v, o = (lin.matmul(b * s) for lin in self.linears())
        heads = b * self.a  # every query head attends, K/V heads are shared
        scores = Matmul("scores", s, self.d_head, s, count=heads, kind="attention")
        values = Matmul("values", s, s, self.d_head, count=heads, kind="attention")
        return (q, k, v, scores, values, o)

    def kv_cache_elements(self, b, s) -> Expr:
        """Keys and values for every cached token: ``2·b·s·n_kv·d_head``.

        ``cache_heads`` overrides ``n_kv`` for implementations that broadcast
        K/V to more heads before caching (Falcon's new decoder architecture
        caches all ``a`` heads); ``cache_window`` caps the cached tokens.

        >>> from symparams.symbols import b, s, w, h, a
        >>> Attention(h, a, 8, h / a, cache_window=w - 1).kv_cache_elements(b, s)
        16*b*h*Min(s, w - 1)/a

        With a windowed share ``r`` of the layers, a layer holds on average
        ``r·min(s, w − 1) + (1 − r)·s`` tokens:

        >>> from sympy import Rational
        >>> Attention(h, a, a, h / a, cache_window=w - 1, cache_window_share=Rational(1, 2)).kv_cache_elements(b, s)
        2*b*h*(s/2 + Min(s, w - 1)/2)
        """
        heads = self.n_kv if self.cache_heads is None else self.cache_heads
        tokens = s if self.cache_window is None else Min(s, self.cache_window)
        if self.cache_window is not None and self.cache_window_share is not None:
            share = self.cache_window_share
            tokens = share * tokens + (1 - share) * s
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
        q_w, kv_w = self.a * self.d_head, self.n_kv * self.d_head
        square = b * self.a * s * s
        acts = [
            Activation("attention.input", tokens * self.h, split="sequence"),
            Activation("attention.q", tokens * q_w),
            Activation("attention.k", tokens * kv_w),
            Activation("attention.softmax", square, quadratic=True),
        ]
        if dropout.attention:
            acts += [
                Activation("attention.dropout_mask", square, role="mask", quadratic=True),
                Activation("attention.dropout_output", square, quadratic=True),
            ]
        acts += [
            Activation("attention.v", tokens * kv_w),
            Activation("attention.o_proj_input", tokens * q_w),
        ]
        if dropout.residual:
            acts.append(Activation("attention.output_dropout_mask", tokens * self.h,
                                   role="mask", split="sequence"))
        return tuple(acts)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        """Outputs of the q/k/v projections, ``scores`` (``QKᵀ``), ``softmax``, ``values``, ``o_proj``."""
        tokens = b * s
        square = b * self.a * s * s
        q, k, v, o = self.linears()
        return (
            *(Activation(f"attention.{lin.name}", tokens * lin.d_out) for lin in (q, k, v)),
            Activation("attention.scores", square, quadratic=True),
            Activation("attention.softmax", square, quadratic=True),
            Activation("attention.values", tokens * self.a * self.d_head),
            Activation("attention.o_proj", tokens * o.d_out),
        )

    def elementwise_flops(self, b, s) -> Expr:
        """Bias adds (1 per output element), scaling the scores by ``1/√d_head``
        (1 per score) and the softmax (5 per score: max, subtract, exp, sum, divide)."""
        square = b * self.a * s * s
        biases = sum((lin.bias_flops(b * s) for lin in self.linears()), Integer(0))
        return biases + 6 * square
