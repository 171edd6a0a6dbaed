"""Mixture of experts: a router and ``E`` expert MLPs, ``k`` of them per token.

Every expert is stored, so the parameter count holds all ``E`` of them plus the
router (``E × h``, no bias). A token only goes through the ``k`` experts its
router picks: the forward pass costs the router matmul and ``k`` expert MLPs
per token, and :meth:`MoE.active_params` counts the router and ``k`` experts.

>>> from symparams.symbols import h, d_ff, E, k, b, s
>>> moe = MoE(h, d_ff, E, k)
>>> moe.params()
3*E*d_ff*h + E*h
>>> moe.active_params()
E*h + 3*d_ff*h*k
>>> sum(mm.flops() for mm in moe.matmuls(b, s))
2*E*b*h*s + 6*b*d_ff*h*k*s
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from symparams._expr import sum_exprs
from symparams.components.base import Activation, Component, Dropout, Linear, Matmul, Tensor
from symparams.components.mlp import GatedMLP

__all__ = ["MoE"]


@dataclass(frozen=True)
class MoE(Component):
    """Top-``k`` routing over ``E`` gated experts of width ``d_ff`` (Mixtral).

    ``expert`` is the MLP of one expert (a :class:`GatedMLP` by default); the
    expert weights are that MLP's tensors with a leading ``E`` axis.
    ``shared_d_ff`` adds a shared expert every token goes through (a gated
    MLP of that width) and its sigmoid gate, a ``1 × h`` linear (Qwen2-MoE).

    >>> from symparams.symbols import h, d_ff, d_sh, E, k
    >>> MoE(h, d_ff, E, k, shared_d_ff=d_sh).params()
    3*E*d_ff*h + E*h + 3*d_sh*h + h
    """

    h: Expr
    d_ff: Expr
    E: Expr
    k: Expr
    activation: str = "silu"
    shared_d_ff: Expr | None = None
    key = "moe"

    @property
    def label(self) -> str:
        shared = " + shared expert" if self.shared_d_ff is not None else ""
        return f"MoE: router + E experts ({self.expert().label}), top-k{shared}"

    def expert(self) -> GatedMLP:
        return GatedMLP(self.h, self.d_ff, activation=self.activation)

    def router(self) -> Linear:
        return Linear("router", self.h, self.E)

    def shared(self) -> tuple:
        """The shared expert and its gate (``h → 1``), or ``()``."""
        if self.shared_d_ff is None:
            return ()
        return (GatedMLP(self.h, self.shared_d_ff, activation=self.activation),
                Linear("shared_expert_gate", self.h, 1))

    def _shared_tensors(self) -> tuple[Tensor, ...]:
        if not self.shared():
            return ()
        mlp, gate = self.shared()
        return (*(Tensor(f"shared_expert.{t.name}", t.shape) for t in mlp.tensors()), *gate.tensors())

    def tensors(self) -> tuple[Tensor, ...]:
        experts = tuple(
            Tensor(f"experts.{t.name}", (self.E, *t.shape)) for t in self.expert().tensors()
        )
        return (*self.router().tensors(), *experts, *self._shared_tensors())

    def active_params(self) -> Expr:
        """Router plus the ``k`` experts one token goes through (plus the shared expert and its gate)."""
        return sum_exprs([*(t.numel for t in self.router().tensors()), self.k * self.expert().params(),
                          *(t.numel for t in self._shared_tensors())])

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """The router's input and its fp32 softmax over ``E`` experts, the
        ``k`` routing weights, then each expert's own saved tensors for the
        ``k·b·s`` (token, expert) pairs routed to it (the gathered input included),
        and with residual dropout the 1-byte output mask.

        >>> from symparams.symbols import h, d_ff, E, k, b, s
        >>> sum(t.numel for t in MoE(h, d_ff, E, k).saved_activations(b, s, dropout=False))
        E*b*s + 4*b*d_ff*k*s + b*h*k*s + b*h*s + b*k*s
        """
        tokens = b * s
        acts = [
            Activation("moe.input", tokens * self.h, split="sequence"),
            Activation("moe.router_probs", tokens * self.E, role="fp32"),
            Activation("moe.routing_weights", tokens * self.k, role="fp32"),
        ]
        for act in self.expert().saved_activations(b, s, dropout=False):
            name = "moe.experts." + act.name.split(".", 1)[1]
            acts.append(Activation(name, self.k * act.numel, act.role, act.split, act.quadratic))
        if self.shared():
            mlp, gate = self.shared()
            for act in mlp.saved_activations(b, s, dropout=False)[1:]:  # the input is moe.input
                acts.append(Activation("moe.shared_expert." + act.name.split(".", 1)[1], act.numel, act.role,
                                       act.split, act.quadratic))
            acts.append(Activation("moe.shared_expert_gate", tokens))
        if Dropout.of(dropout).residual:
            acts.append(Activation("moe.dropout_mask", tokens * self.h, role="mask", split="sequence"))
        return tuple(acts)

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        routed = tuple(
            Matmul(f"experts.{mm.name}", mm.m, mm.k, mm.n, count=self.k * mm.count, kind=mm.kind)
            for mm in self.expert().matmuls(b, s)
        )
        shared = ()
        if self.shared():
            mlp, gate = self.shared()
            shared = (*(Matmul(f"shared_expert.{mm.name}", mm.m, mm.k, mm.n, count=mm.count, kind=mm.kind)
                        for mm in mlp.matmuls(b, s)), gate.matmul(b * s))
        return (self.router().matmul(b * s), *routed, *shared)
