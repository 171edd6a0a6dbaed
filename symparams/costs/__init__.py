"""Costs derived from an architecture's components: params, FLOPs, memory.

:func:`derivation_parts` is the one entry point reports use: for a model and a
cost name it returns the evaluated breakdowns that make up that cost's
derivation, in the order a reader should see them.

>>> from symparams.model import model
>>> [e.breakdown.quantity for e in derivation_parts(model("cs336-gpt2-xl"), "params")]
['parameters', 'buffers']
>>> [e.breakdown.quantity for e in derivation_parts(model("gpt2"), "memory")]
['activation memory', 'KV cache', 'training memory']
>>> [e.breakdown.quantity for e in derivation_parts(model("gpt2"), "training")]
['training step FLOPs', 'AdamW update FLOPs', 'training memory']
"""

from __future__ import annotations

from symparams.errors import ConventionError

__all__ = ["COST_NAMES", "derivation_parts"]

COST_NAMES = ("params", "flops", "memory", "training")


def derivation_parts(m, cost: str = "params", *, batch: int = 1, seq: int | None = None,
                     dtype: str = "bf16") -> list:
    """Evaluated breakdowns (``Evaluation`` objects) deriving ``cost`` for model ``m``.

    ``flops``: forward and backward (FlopCounterMode). ``memory``: activations of a
    training forward pass at ``dtype`` (Korthikanti et al. 2022), the KV cache of
    ``seq`` tokens at ``dtype``, and mixed-precision AdamW training memory.
    ``training``: one step's FLOPs (forward, backward, AdamW update), the AdamW
    update per component, and the training memory.
    """
    if cost == "params":
        parts = [m.params]
        if m.architecture.buffers().pieces:
            parts.append(m.buffers)
        return parts
    if cost == "flops":
        return [m.forward_flops(batch=batch, seq=seq), m.backward_flops(batch=batch, seq=seq)]
    if cost == "memory":
        from symparams.symbols import s

        cache = m.architecture.kv_cache(dtype=dtype, tokens=s)
        return [
            m.activation_memory(batch, seq, dtype=dtype),
            cache.at(m.workload(batch, seq), name=m.name),
            m.training_memory(batch, seq, recipe="mixed", activations={"dtype": dtype}),
        ]
    if cost == "training":
        from symparams.costs.flops import adamw_flops

        return [
            m.train_step_flops(batch, seq),
            adamw_flops(m.architecture).at(m.workload(batch, seq), name=m.name),
            m.training_memory(batch, seq, recipe="mixed", activations={"dtype": dtype}),
        ]
    raise ConventionError(f"unknown cost {cost!r}; choose one of: {', '.join(COST_NAMES)}")
