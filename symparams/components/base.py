"""Building blocks every component is made of: tensors, linear maps and matmuls.

A component lists its tensors with symbolic shapes; its parameter count is the
sum of the tensors' element counts. A :class:`Linear` knows its shape once and
derives both its tensors and the matmul it performs on a batch of tokens, so a
layer's parameters and FLOPs can never disagree about its size.

>>> from symparams.symbols import h, d_ff, b, s
>>> up = Linear("up", h, d_ff, bias=True)
>>> [str(t.numel) for t in up.tensors()]
['d_ff*h', 'd_ff']
>>> str(up.matmul(b * s).flops())
'2*b*d_ff*h*s'
"""

from __future__ import annotations

from dataclasses import dataclass
from sympy import Expr, Integer, Mul

from symparams._expr import as_expr as _expr, sum_exprs

__all__ = ["Tensor", "Linear", "Matmul", "Component"]


@dataclass(frozen=True)
class Tensor:
    """A named tensor with a symbolic shape.

    ``trainable=False`` marks a buffer (e.g. a rotary cos/sin table): counted by
    :func:`symparams.costs.params.buffers`, never in the trainable total.
    """

    name: str
    shape: tuple
    trainable: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(_expr(d) for d in self.shape))

    @property
    def numel(self) -> Expr:
        """Number of elements: the product of the shape."""
        return Mul(*self.shape)


@dataclass(frozen=True)
class Matmul:
    """``count`` products of an ``m×k`` matrix by a ``k×n`` matrix.

    ``kind`` says what the product is, so a convention can treat kinds
    differently: ``"linear"`` (a weight applied to tokens), ``"attention"``
    (the score ``QKᵀ`` and value products, subject to causal halving) or
    ``"logits"`` (the output head).
    """

    name: str
    m: Expr
    k: Expr
    n: Expr
    count: Expr = Integer(1)
    kind: str = "linear"

    def __post_init__(self) -> None:
        for field in ("m", "k", "n", "count"):
            object.__setattr__(self, field, _expr(getattr(self, field)))

    @property
    def macs(self) -> Expr:
        """Multiply-accumulates: ``count·m·k·n``."""
        return self.count * self.m * self.k * self.n

    def flops(self, flops_per_mac=2) -> Expr:
        """FLOPs at ``flops_per_mac`` (2: one multiply and one add per MAC)."""
        return _expr(flops_per_mac) * self.macs


@dataclass(frozen=True)
class Linear:
    """A dense map ``d_in → d_out`` with an optional bias.

    Its weight is stored ``(d_out, d_in)`` like ``torch.nn.Linear``; applied to
    ``tokens`` rows it is the matmul ``tokens×d_in · d_in×d_out`` (the bias add is
    not a matmul and is not counted there, as in PyTorch's ``addmm`` rule).
    """

    name: str
    d_in: Expr
    d_out: Expr
    bias: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "d_in", _expr(self.d_in))
        object.__setattr__(self, "d_out", _expr(self.d_out))

    def tensors(self) -> tuple[Tensor, ...]:
        weight = Tensor(f"{self.name}.weight", (self.d_out, self.d_in))
        if not self.bias:
            return (weight,)
        return (weight, Tensor(f"{self.name}.bias", (self.d_out,)))

    def matmul(self, tokens, kind: str = "linear") -> Matmul:
        return Matmul(self.name, tokens, self.d_in, self.d_out, kind=kind)


class Component:
    """Base of every architecture component (a frozen dataclass subclass).

    Subclasses set ``key`` (a short identifier used in breakdowns) and ``label``
    (a human name), and override :meth:`tensors`; they override
    :meth:`matmuls` if they multiply matrices and :meth:`kv_cache_elements` if
    they cache keys and values.
    """

    key: str = "component"
    label: str = "component"

    def tensors(self) -> tuple[Tensor, ...]:
        return ()

    def params(self) -> Expr:
        """Trainable parameters: the element count of every trainable tensor."""
        return sum_exprs(t.numel for t in self.tensors() if t.trainable)

    def buffer_elements(self) -> Expr:
        """Elements of non-trainable buffers (not parameters)."""
        return sum_exprs(t.numel for t in self.tensors() if not t.trainable)

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        """Matmuls of a forward pass over ``b`` sequences of ``s`` tokens."""
        return ()

    def kv_cache_elements(self, b, s) -> Expr:
        """Elements this component caches for ``b`` sequences of ``s`` tokens."""
        return Integer(0)
