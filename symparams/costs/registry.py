"""The one registry of cost names: what ``count``, ``derive``, ``formula``, ``compare``,
:mod:`~symparams.studies.sweep` and :func:`~symparams.testing.check_formula` look up.

Each :class:`Cost` names a quantity and its unit and computes its symbolic
:class:`~symparams.breakdown.Breakdown` for an architecture under a
:class:`~symparams.conventions.Convention` (over ``b``, each stack's length,
``n`` for generated tokens). ``convention_dependent`` costs are those two
conventions can disagree on (what ``compare`` shows).

>>> from symparams.families import architecture
>>> breakdown(architecture("gpt-classic"), "params").expanded
V*h + 12*h**2*l + 13*h*l
>>> breakdown(architecture("gpt-classic"), "N", "kaplan").total
l*(12*h**2 + 13*h)
>>> cost("flops").name   # an alias
'forward_flops'
>>> [c for c in COSTS if COSTS[c].convention_dependent]
['N', 'forward_flops', 'backward_flops', 'training_flops', 'train_step_flops', 'kv_cache_bytes', 'training_state_bytes']
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

from sympy import Add

from symparams.breakdown import Breakdown, Piece
from symparams.conventions import Convention, as_convention
from symparams.errors import OptionError
from symparams.options import choose

__all__ = ["Cost", "COSTS", "ALIASES", "DERIVATIONS", "cost", "breakdown", "formula"]


@dataclass(frozen=True)
class Cost:
    """A cost by name: what it measures, in which unit, and how it is computed."""

    name: str
    quantity: str
    unit: str
    description: str
    compute: Callable[..., Breakdown]
    convention_dependent: bool = False
    takes_dtype: bool = False

    def __call__(self, arch, convention=None, *, dtype: str = "bf16") -> Breakdown:
        conv = as_convention(convention)
        return self.compute(arch, conv, dtype) if self.takes_dtype else self.compute(arch, conv)


def _params(arch, conv):
    return arch.params()


def _buffers(arch, conv):
    return arch.buffers()


def _active(arch, conv):
    from symparams.costs.params import active_parameters

    return active_parameters(arch)


def _embedding(arch, conv):
    from symparams.costs.params import embedding_parameters

    return embedding_parameters(arch)


def _n(arch, conv: Convention):
    """The convention's ``N``: the parameters one token uses, lookup tables out unless included."""
    from symparams.costs.params import EMBEDDING_KEYS, active_parameters

    active = active_parameters(arch)
    pieces = tuple(p for p in active.pieces if conv.embeddings_in_n or p.key not in EMBEDDING_KEYS)
    emb = "lookup tables in N" if conv.embeddings_in_n else "lookup tables not in N"
    return Breakdown("N", "parameters", pieces, active.repeats,
                     convention=f"{conv.name}: parameters one token uses (active experts of a MoE); {emb}")


def _forward(arch, conv):
    from symparams.costs.flops import forward_flops

    return forward_flops(arch, conv)


def _backward(arch, conv):
    from symparams.costs.flops import backward_flops

    return backward_flops(arch, conv)


def _recompute(arch, conv):
    from symparams.costs.flops import recompute_flops

    return recompute_flops(arch, conv)


def _training(arch, conv):
    from symparams.costs.flops import train_step_flops

    return train_step_flops(arch, conv, optimizer=False)


def _step(arch, conv):
    from symparams.costs.flops import train_step_flops

    return train_step_flops(arch, conv)


def _optimizer(arch, conv):
    from symparams.costs.flops import adamw_flops

    return adamw_flops(arch)


def _kv_bytes(arch, conv, dtype):
    from symparams.costs.kv_cache import kv_cache

    bd = kv_cache(arch, dtype=dtype)
    if conv.kv_factor == 2:
        return bd
    return bd.map(lambda e: e * conv.kv_factor / 2, convention=bd.convention + f"; × {conv.kv_factor}/2 (kv factor)")


def _kv_elements(arch, conv):
    from symparams.costs.kv_cache import kv_cache_elements

    return kv_cache_elements(arch)


def _activations(arch, conv, dtype):
    from symparams.costs.activations import activation_memory

    return activation_memory(arch, dtype=dtype, recompute=conv.recompute)


def _saved(arch, conv, dtype):
    from symparams.costs.saved_tensors import saved_tensors

    return saved_tensors(arch, dtype=dtype)


def _training_bytes(arch, conv, dtype):
    from symparams.costs.training import training_memory

    return training_memory(arch, recipe="mixed", activations={"dtype": dtype, "recompute": conv.recompute})


def _state(arch, conv: Convention):
    params = arch.params().total
    names = ("weights", "gradients", "optimizer")
    pieces = tuple(Piece(key, f"{key} ({per} bytes/parameter)", per * params, stack="state")
                   for key, per in zip(names, conv.training_bytes))
    return Breakdown("training state", "bytes", pieces,
                     convention=f"{conv.name}: {'+'.join(map(str, conv.training_bytes))} = "
                                f"{Add(*conv.training_bytes)} bytes per parameter, every parameter")


COSTS: Mapping[str, Cost] = MappingProxyType({c.name: c for c in (
    Cost("params", "parameters", "parameters", "trainable parameters", _params),
    Cost("buffers", "buffers", "elements", "non-trainable buffer elements (RoPE tables, masks)", _buffers),
    Cost("active_params", "active parameters", "parameters",
         "parameters one token uses (router + top-k + shared experts of a MoE)", _active),
    Cost("embedding_params", "embedding parameters", "parameters", "lookup tables (token, positions, types)",
         _embedding),
    Cost("N", "N", "parameters", "the convention's N (active parameters; lookup tables per the convention)", _n,
         convention_dependent=True),
    Cost("forward_flops", "forward FLOPs", "FLOPs", "forward FLOPs over b sequences", _forward,
         convention_dependent=True),
    Cost("backward_flops", "backward FLOPs", "FLOPs", "backward FLOPs over b sequences", _backward,
         convention_dependent=True),
    Cost("recompute_flops", "recomputed forward FLOPs", "FLOPs", "FLOPs recomputed in the backward pass",
         _recompute),
    Cost("training_flops", "training FLOPs", "FLOPs", "forward + backward (+ recomputation), no optimizer",
         _training, convention_dependent=True),
    Cost("train_step_flops", "training step FLOPs", "FLOPs", "forward + backward (+ recomputation) + AdamW",
         _step, convention_dependent=True),
    Cost("optimizer_flops", "AdamW update FLOPs", "FLOPs", "AdamW update, 14 FLOPs per parameter", _optimizer),
    Cost("kv_cache_bytes", "KV cache", "bytes", "KV cache bytes for b sequences of s+n tokens (dtype)",
         _kv_bytes, convention_dependent=True, takes_dtype=True),
    Cost("kv_cache_elements", "KV cache", "elements", "KV cache elements for b sequences of s+n tokens",
         _kv_elements),
    Cost("activation_bytes", "activation memory", "bytes",
         "activations a training forward keeps for backward (dtype; Korthikanti et al.)", _activations,
         takes_dtype=True),
    Cost("saved_tensor_bytes", "saved tensors", "bytes", "bytes eager PyTorch autograd saves (classic GPT only)",
         _saved, takes_dtype=True),
    Cost("training_bytes", "training memory", "bytes", "AdamW mixed-precision training memory per device",
         _training_bytes, takes_dtype=True),
    Cost("training_state_bytes", "training state", "bytes", "weights + gradients + optimizer state bytes",
         _state, convention_dependent=True),
)})

#: other names a cost is known by
ALIASES: Mapping[str, str] = MappingProxyType({
    "flops": "forward_flops", "kv_cache": "kv_cache_bytes", "saved_tensors": "saved_tensor_bytes",
    "activations": "activation_bytes", "active": "active_params",
})

#: what ``derive --cost NAME`` shows: the costs of each derivation, in reading order
DERIVATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "params": ("params", "buffers"),
    "flops": ("forward_flops", "backward_flops"),
    "memory": ("activation_bytes", "kv_cache_bytes", "training_bytes"),
    "training": ("train_step_flops", "optimizer_flops", "training_bytes"),
    # training at scale: the per-device versions of these, and the bytes sent (symparams.studies.plan.parallel_parts)
    "parallel": ("training_bytes", "params", "activation_bytes"),
    # serving: prefill and decode FLOPs, weights, KV cache (symparams.studies.inference.inference_breakdowns)
    "inference": ("forward_flops", "kv_cache_bytes"),
})


def cost(name: str) -> Cost:
    """The cost called ``name`` (or one of its :data:`ALIASES`)."""
    if not isinstance(name, str):
        raise OptionError(f"cost={name!r} ({type(name).__name__}) must be a cost name: {', '.join(COSTS)}")
    return COSTS[ALIASES.get(name, name)] if ALIASES.get(name, name) in COSTS else choose("cost", name, COSTS)


def breakdown(arch, name: str, convention=None, *, dtype: str = "bf16") -> Breakdown:
    """The symbolic breakdown of cost ``name`` for ``arch`` under ``convention``."""
    return cost(name)(arch, convention, dtype=dtype)


def formula(arch, name: str, convention=None, *, dtype: str = "bf16"):
    """The total of :func:`breakdown`, multiplied out."""
    return breakdown(arch, name, convention, dtype=dtype).expanded
