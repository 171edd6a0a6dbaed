"""How FLOPs are counted, as an explicit value instead of a silent choice.

Tools disagree on FLOPs mostly because they count under different conventions.
A :class:`FlopConvention` names one: FLOPs per multiply-accumulate, and the
fraction of the ``s × s`` attention products that is counted (1 for the full
square as PyTorch's ``FlopCounterMode`` does, ``1/2`` for causal halving).

>>> from symparams.symbols import s
>>> FLOP_COUNTER.describe()
'FlopCounterMode: matmuls only, 2 FLOPs per multiply-accumulate, attention products over the full s×s (no causal halving), logits at every position'
>>> CAUSAL_HALF.attention_fraction
1/2
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer, Rational

from symparams._expr import as_expr
from symparams.errors import ConventionError

__all__ = ["FlopConvention", "FLOP_COUNTER", "CAUSAL_HALF", "MACS", "CONVENTIONS", "convention"]


@dataclass(frozen=True)
class FlopConvention:
    """A named way of counting matmul FLOPs."""

    name: str
    flops_per_mac: Expr = Integer(2)
    attention_fraction: Expr = Integer(1)
    summary: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "flops_per_mac", as_expr(self.flops_per_mac))
        object.__setattr__(self, "attention_fraction", as_expr(self.attention_fraction))
        if self.flops_per_mac.is_positive is False:
            raise ConventionError(f"flops_per_mac={self.flops_per_mac} must be positive")

    def matmul_flops(self, mm, s) -> Expr:
        """FLOPs of one :class:`~symparams.components.base.Matmul` under this convention."""
        flops = mm.flops(self.flops_per_mac)
        return flops * self.attention_fraction if mm.kind == "attention" else flops

    def describe(self) -> str:
        """One line naming every choice (shown beside every FLOP count)."""
        per_mac = f"{self.flops_per_mac} FLOP{'s' if self.flops_per_mac != 1 else ''} per multiply-accumulate"
        if self.attention_fraction == 1:
            attn = "attention products over the full s×s (no causal halving)"
        else:
            attn = f"attention products × {self.attention_fraction} (causal)"
        head = f"{self.name}: " if self.name else ""
        return f"{head}matmuls only, {per_mac}, {attn}, logits at every position"


FLOP_COUNTER = FlopConvention(
    "FlopCounterMode",
    summary="PyTorch FlopCounterMode on an eager model (the default)",
)
CAUSAL_HALF = FlopConvention(
    "causal-half",
    attention_fraction=Rational(1, 2),
    summary="as FlopCounterMode, but the causal mask halves the s×s attention products",
)
MACS = FlopConvention(
    "macs",
    flops_per_mac=Integer(1),
    summary="multiply-accumulates (1 per MAC), as tools that report 'MACs'",
)

CONVENTIONS: dict[str, FlopConvention] = {c.name: c for c in (FLOP_COUNTER, CAUSAL_HALF, MACS)}


def convention(name: str) -> FlopConvention:
    """The built-in convention called ``name``."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise ConventionError(
            f"unknown FLOP convention {name!r}; choose one of: {', '.join(CONVENTIONS)}"
        ) from None
