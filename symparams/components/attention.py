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

from sympy import Expr, Integer

from symparams.components.base import Component, Linear, Matmul, Tensor

__all__ = ["Attention"]


@dataclass(frozen=True)
class Attention(Component):
    """Causal self-attention with ``a`` query heads and ``n_kv`` KV heads.

    ``qkv_bias`` / ``o_bias`` put biases on the Q, K, V and on the output
    projection separately (Qwen2 has the first and not the second).
    """

    h: Expr
    a: Expr
    n_kv: Expr
    d_head: Expr
    qkv_bias: bool = False
    o_bias: bool = False
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
        """Keys and values for every cached token: ``2·b·s·n_kv·d_head``."""
        return Integer(2) * b * s * self.n_kv * self.d_head
