"""Costs derived from an architecture's components: params, FLOPs, memory.

:func:`derivation_parts` is the one entry point reports use: for a model and a
cost name it returns the evaluated breakdowns that make up that cost's
derivation, in the order a reader should see them.

>>> from symparams.model import model
>>> [e.breakdown.quantity for e in derivation_parts(model("cs336-gpt2-xl"), "params")]
['parameters', 'buffers']
"""

from __future__ import annotations

from symparams.errors import ConventionError

__all__ = ["COST_NAMES", "derivation_parts"]

COST_NAMES = ("params", "flops", "memory")


def derivation_parts(m, cost: str = "params", *, batch: int = 1, seq: int | None = None,
                     dtype: str = "bf16") -> list:
    """Evaluated breakdowns (``Evaluation`` objects) deriving ``cost`` for model ``m``."""
    if cost == "params":
        parts = [m.params]
        if m.architecture.buffers().pieces:
            parts.append(m.buffers)
        return parts
    if cost == "flops":
        return [m.forward_flops(batch=batch, seq=seq)]
    if cost == "memory":
        from symparams.symbols import s

        cache = m.architecture.kv_cache(dtype=dtype, tokens=s)
        return [cache.at(m.workload(batch, seq), name=m.name)]
    raise ConventionError(f"unknown cost {cost!r}; choose one of: {', '.join(COST_NAMES)}")
