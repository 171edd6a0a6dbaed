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

The variants in use: shared experts every token goes through, with a sigmoid
gate (Qwen2-MoE) or without (DeepSeek, whose ``n_sh`` shared experts are one
MLP of ``n_sh·d_moe``; Llama 4); a router correction bias that is a buffer,
not a parameter (DeepSeek-V3's ``e_score_correction_bias``); non-gated
experts; and ``dispatch="dense"``, where every expert runs on every token and
the unchosen ones are multiplied by zero (transformers' Llama 4): the stored
and active parameters are the same, the forward FLOPs are those of ``E``
experts per token.

>>> from symparams.symbols import d_moe, n_sh
>>> ds = MoE(h, d_moe, E, k, shared_d_ff=n_sh * d_moe, shared_gate=False, router_bias=True)
>>> ds.params(), ds.buffer_elements()
(3*E*d_moe*h + E*h + 3*d_moe*h*n_sh, E)
>>> sum(mm.flops() for mm in MoE(h, d_ff, E, k, dispatch="dense").matmuls(b, s))
6*E*b*d_ff*h*s + 2*E*b*h*s
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from symparams._expr import sum_exprs
from symparams.components.base import Activation, Component, Dropout, Linear, Matmul, Tensor
from symparams.components.mlp import MLP, GatedMLP
from symparams.options import choose

__all__ = ["MoE", "DISPATCH"]

#: how the experts see the tokens
DISPATCH = {
    "routed": "each token goes through the k experts its router picks",
    "dense": "every expert runs on every token, the unchosen ones weighted by zero (transformers' Llama 4)",
}


@dataclass(frozen=True)
class MoE(Component):
    """Top-``k`` routing over ``E`` experts of width ``d_ff`` (Mixtral, Qwen-MoE, DeepSeek, Llama 4).

    ``expert()`` is the MLP of one expert (gated by default; ``gated=False``
    for a 2-matrix MLP); the expert weights are its tensors with a leading
    ``E`` axis. ``shared_d_ff`` adds shared experts every token goes through,
    as one gated MLP of that width (biased with ``shared_bias``), with its
    ``h → 1`` sigmoid gate unless ``shared_gate=False``. ``router_bias`` adds
    the ``E`` correction biases the router adds to its scores, a buffer.
    ``dispatch`` is one of :data:`DISPATCH`.

    >>> from symparams.symbols import h, d_ff, d_sh, E, k
    >>> MoE(h, d_ff, E, k, shared_d_ff=d_sh).params()
    3*E*d_ff*h + E*h + 3*d_sh*h + h
    >>> MoE(h, d_ff, E, k, gated=False).params()
    2*E*d_ff*h + E*h
    """

    h: Expr
    d_ff: Expr
    E: Expr
    k: Expr
    activation: str = "silu"
    shared_d_ff: Expr | None = None
    shared_gate: bool = True
    shared_bias: bool = False
    gated: bool = True
    router_bias: bool = False
    dispatch: str = "routed"
    key = "moe"

    def __post_init__(self) -> None:
        choose("dispatch", self.dispatch, DISPATCH)

    @property
    def label(self) -> str:
        shared = ""
        if self.shared_d_ff is not None:
            shared = " + shared expert" if self.shared_gate else " + shared experts (no gate)"
        dense = ", every expert on every token" if self.dispatch == "dense" else ""
        return f"MoE: router + E experts ({self.expert().label}), top-k{shared}{dense}"

    def expert(self) -> MLP:
        if self.gated:
            return GatedMLP(self.h, self.d_ff, activation=self.activation)
        return MLP(self.h, self.d_ff, activation=self.activation)

    def router(self) -> Linear:
        return Linear("router", self.h, self.E)

    def shared(self) -> tuple:
        """The shared expert(s) (one gated MLP) and its gate (``h → 1``) if it has one, or ``()``."""
        if self.shared_d_ff is None:
            return ()
        mlp = GatedMLP(self.h, self.shared_d_ff, self.shared_bias, activation=self.activation)
        return (mlp, Linear("shared_expert_gate", self.h, 1)) if self.shared_gate else (mlp,)

    def _shared_tensors(self) -> tuple[Tensor, ...]:
        parts = self.shared()
        if not parts:
            return ()
        mlp, *gate = parts
        return (*(Tensor(f"shared_expert.{t.name}", t.shape) for t in mlp.tensors()),
                *(t for g in gate for t in g.tensors()))

    def tensors(self) -> tuple[Tensor, ...]:
        experts = tuple(
            Tensor(f"experts.{t.name}", (self.E, *t.shape)) for t in self.expert().tensors()
        )
        bias = (Tensor("router.e_score_correction_bias", (self.E,), trainable=False),) if self.router_bias else ()
        return (*self.router().tensors(), *bias, *experts, *self._shared_tensors())

    @property
    def experts_per_token(self) -> Expr:
        """Experts each token's FLOPs go through: ``k`` routed, or all ``E`` with dense dispatch."""
        return self.E if self.dispatch == "dense" else self.k

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
            acts.append(Activation(name, self.experts_per_token * act.numel, act.role, act.split, act.quadratic))
        parts = self.shared()
        if parts:
            for act in parts[0].saved_activations(b, s, dropout=False)[1:]:  # the input is moe.input
                acts.append(Activation("moe.shared_expert." + act.name.split(".", 1)[1], act.numel, act.role,
                                       act.split, act.quadratic))
            if self.shared_gate:
                acts.append(Activation("moe.shared_expert_gate", tokens))
        if Dropout.of(dropout).residual:
            acts.append(Activation("moe.dropout_mask", tokens * self.h, role="mask", split="sequence"))
        return tuple(acts)

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        routed = tuple(
            Matmul(f"experts.{mm.name}", mm.m, mm.k, mm.n, count=self.experts_per_token * mm.count, kind=mm.kind)
            for mm in self.expert().matmuls(b, s)
        )
        shared = ()
        parts = self.shared()
        if parts:
            mlp, *gate = parts
            shared = (*(Matmul(f"shared_expert.{mm.name}", mm.m, mm.k, mm.n, count=mm.count, kind=mm.kind)
                        for mm in mlp.matmuls(b, s)), *(g.matmul(b * s) for g in gate))
        return (self.router().matmul(b * s), *routed, *shared)
