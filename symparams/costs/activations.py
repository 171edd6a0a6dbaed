"""Activation memory of a training forward pass, from the tensors the components keep.

Each component lists what autograd keeps for its backward pass
(:meth:`~symparams.components.base.Component.saved_activations`): named
tensors with an element count, a dtype role (activation dtype, 1-byte dropout
mask, or fp32) and how tensor parallelism splits them. Bytes follow from the
roles, so the formula of Korthikanti et al. 2022 ("Reducing Activation
Recomputation in Large Transformer Models") is *derived*, not typed: per layer
of the classic GPT in 16-bit with 1-byte dropout masks, ``34·b·s·h + 5·b·s²·a``.

Named variants (keyword arguments of :func:`activation_memory`):

- ``dropout=False``: no masks and no dropout outputs;
- ``attention="flash"``: FlashAttention-style kernels keep no ``b·a·s²``
  tensor (the softmax statistics, ``b·a·s`` fp32 values, are not counted);
- ``recompute="selective"``: the ``b·a·s²`` tensors are recomputed (not stored);
  ``recompute="full"``: each block keeps only its input;
- ``t`` (tensor-parallel degree) divides the tensors split across heads and
  the MLP width; ``sequence_parallel=True`` divides the rest by ``t`` too.

>>> from symparams.families import architecture
>>> activation_memory(architecture("gpt-classic")).block
5*a*b*s**2 + 34*b*h*s
>>> activation_memory(architecture("gpt-classic"), recompute="selective").block
34*b*h*s
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, Integer

from symparams._expr import as_expr
from symparams.breakdown import Breakdown
from symparams.components.base import Dropout
from symparams.conventions import RECOMPUTE
from symparams.costs.collect import collect
from symparams.errors import ConventionError
from symparams.options import choose
from symparams.printing.words import in_words
from symparams.symbols import b as _b
from symparams.units import dtype_bytes

__all__ = ["activation_memory", "op_output_memory", "role_bytes", "RECOMPUTE", "ATTENTION_KERNELS"]

ATTENTION_KERNELS = ("eager", "flash")


def role_bytes(role: str, dtype: str) -> Expr:
    """Bytes per element of a tensor of ``role`` when activations are ``dtype``.

    >>> role_bytes("activation", "bf16"), role_bytes("mask", "bf16"), role_bytes("fp32", "bf16")
    (2, 1, 4)
    """
    if role == "mask":
        return Integer(1)
    if role == "fp32":
        return dtype_bytes("fp32")
    return dtype_bytes(dtype)


def _divisor(act, t, sequence_parallel: bool) -> Expr:
    if act.split == "tensor" or sequence_parallel:
        return as_expr(t)
    return Integer(1)


def describe(*, dtype: str, dropout, recompute: str, attention: str, t, sequence_parallel: bool) -> str:
    """The one-line convention of an activation count."""
    dropout = Dropout.of(dropout)
    parts = [f"Korthikanti et al. 2022: tensors kept for backward, activations in {dtype} "
             f"({dtype_bytes(dtype)} bytes/element)",
             f"{dropout} (1-byte masks)" if dropout else "no dropout",
             f"{attention} attention", f"recompute {recompute}",
             "logits fp32 (4 bytes) for the cross-entropy"]
    if t != 1:
        parts.append(f"tensor parallel t={t}" + (" with sequence parallelism" if sequence_parallel else ""))
    return "; ".join(parts)


@lru_cache(maxsize=1024)
def activation_memory(arch, *, dtype: str = "bf16", dropout=None, recompute: str = "none",
                      attention: str = "eager", t=1, sequence_parallel: bool = False, b=_b) -> Breakdown:
    """Bytes of activations kept by one training forward pass over ``b`` sequences.

    One piece per saved tensor (e.g. ``attention.softmax``), per block for the
    layers' tensors, each stack over its own tokens. See the module docstring
    for the variants. ``dropout`` (a bool or a
    :class:`~symparams.components.base.Dropout`) defaults to the architecture's
    own dropout sites.

    >>> from symparams.families import architecture
    >>> from symparams.symbols import t
    >>> activation_memory(architecture("gpt-classic"), t=t).block
    5*a*b*s**2/t + 10*b*h*s + 24*b*h*s/t
    >>> activation_memory(architecture("gpt-classic"), recompute="full").block
    2*b*h*s
    """
    choose("recompute", recompute, RECOMPUTE, error=ConventionError)
    choose("attention", attention, ATTENTION_KERNELS, error=ConventionError)
    dropout = arch.dropout if dropout is None else Dropout.of(dropout)
    kept_input: set[str] = set()  # layer stacks whose input is already kept (full recomputation)

    def measure(component, stack):
        acts = component.saved_activations(b, stack.seq, dropout=dropout)
        name = None
        if stack.layers and recompute == "full":
            # only the block's input is kept: the first tensor the block saves
            if stack.name in kept_input or not acts:
                return []
            acts, name = (acts[0],), "block.input"
            kept_input.add(stack.name)
        rows = []
        for act in acts:
            if act.quadratic and stack.layers and (recompute == "selective" or attention == "flash"):
                continue
            size = role_bytes(act.role, dtype) * act.numel / _divisor(act, t, sequence_parallel)
            key = name or act.name
            rows.append((key, f"{component.label}: {in_words(key, component.key)}", size))
        return rows

    return collect(arch, measure, quantity="activation memory", unit="bytes",
                   convention=describe(dtype=dtype, dropout=dropout, recompute=recompute, attention=attention,
                                       t=t, sequence_parallel=sequence_parallel))


def op_output_memory(arch, ops, *, dtype: str = "fp32", b=_b, label: str = "") -> Breakdown:
    """Bytes of the outputs of the named operations, at ``dtype`` (no masks, no parallelism).

    ``ops`` names operations as the components do in
    :meth:`~symparams.components.base.Component.op_outputs` (e.g.
    ``"attention.softmax"``, ``"mlp.act"``); a simpler accounting than
    :func:`activation_memory`, used by assignments that list components.

    >>> from symparams.families import architecture
    >>> op_output_memory(architecture("cs336"), ["norm.output"], dtype="fp32").block
    8*b*h*s
    """
    wanted = set(ops)
    size = dtype_bytes(dtype)
    seen: set[str] = set()

    def measure(component, stack):
        rows = []
        for act in component.op_outputs(b, stack.seq):
            if act.name in wanted:
                seen.add(act.name)
                rows.append((act.name, f"{component.label}: {in_words(act.name, component.key)} output",
                             size * act.numel))
        return rows

    bd = collect(arch, measure, quantity="activation memory", unit="bytes",
                 convention=label or f"outputs of the listed operations, {dtype} ({size} bytes/element)")
    missing = sorted(wanted - seen)
    if missing:
        raise ConventionError(f"{arch.name} has no operation {', '.join(missing)}; "
                              "see the components' op_outputs() names")
    return bd
