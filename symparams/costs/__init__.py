"""Costs derived from an architecture's components: params, FLOPs, memory.

Every cost is built by :func:`~symparams.costs.collect.collect` (the one loop
over the stacks) and named in :mod:`~symparams.costs.registry`.
:func:`derivation_parts` is the one entry point reports use: for a model and a
derivation name (:data:`~symparams.costs.registry.DERIVATIONS`) it returns the
evaluated breakdowns that make up that derivation, in the order a reader
should see them.

>>> from symparams.presets import model
>>> [e.breakdown.quantity for e in derivation_parts(model("cs336-gpt2-xl"), "params")]
['parameters', 'buffers']
>>> [e.breakdown.quantity for e in derivation_parts(model("gpt2"), "memory")]
['activation memory', 'KV cache', 'training memory']
>>> [e.breakdown.quantity for e in derivation_parts(model("gpt2"), "training")]
['training step FLOPs', 'AdamW update FLOPs', 'training memory']
>>> len(derivation_parts(model("gpt2"), "inference"))   # prefill, decode, weights, KV cache, KV traffic
5
"""

from __future__ import annotations

from symparams.costs.registry import DERIVATIONS
from symparams.options import choose

__all__ = ["COST_NAMES", "derivation_parts"]

#: what ``derive --cost`` accepts
COST_NAMES = tuple(DERIVATIONS)


def derivation_parts(m, cost: str = "params", *, batch: int = 1, seq: int | None = None,
                     dtype: str = "bf16", convention=None, parallel=None) -> list:
    """Evaluated breakdowns (``Evaluation`` objects) deriving ``cost`` for model ``m``.

    ``flops``: forward and backward under ``convention`` (default FlopCounterMode).
    ``memory``: activations of a training forward pass at ``dtype`` (Korthikanti
    et al. 2022), the KV cache after ``seq`` tokens at ``dtype``, and
    AdamW training memory under the recipe of ``dtype`` (:func:`symparams.precision.recipe_for`:
    fp32 for fp32, mixed precision for bf16/fp16). ``training``: one step's FLOPs
    (forward, backward, AdamW update), the AdamW update per component, and the
    training memory. ``parallel``: at ``parallel`` (a
    :class:`~symparams.studies.plan.TrainingPlan`; default one device with ``batch`` and
    ``seq``), the most loaded device's memory, parameters and activations, and the bytes
    it sends per step (:func:`symparams.studies.plan.parallel_parts`).
    """
    choose("cost", cost, DERIVATIONS)
    if cost == "parallel":
        from symparams.studies.plan import parallel_parts

        return parallel_parts(m, parallel, batch=batch, seq=seq)
    if cost == "inference":  # prefill and decode FLOPs, weights, KV cache and its traffic
        from symparams.studies.inference import derivation_parts as inference_parts

        return inference_parts(m, batch=batch, seq=seq, dtype=dtype, convention=convention)
    if cost == "params":
        parts = [m.params]
        if m.architecture.buffers().pieces:
            parts.append(m.buffers)
        return parts
    if cost == "flops":
        return [m.forward_flops(batch, seq, convention=convention),
                m.backward_flops(batch, seq, convention=convention)]
    from symparams.precision import recipe_for

    if cost == "memory":
        return [m.activation_memory(batch, seq, dtype=dtype), m.kv_cache(batch, seq, dtype=dtype),
                m.training_memory(batch, seq, recipe=recipe_for(dtype), activations={"dtype": dtype})]
    from symparams.costs.flops import adamw_flops

    return [m.train_step_flops(batch, seq, convention=convention),
            adamw_flops(m.architecture).at(m.workload(batch, seq), name=m.name),
            m.training_memory(batch, seq, recipe=recipe_for(dtype), activations={"dtype": dtype})]
