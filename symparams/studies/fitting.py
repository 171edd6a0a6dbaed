"""What fits a device: the largest micro-batch, and the smallest model-parallel size ``t·N_pp``.

Memory per device grows with the micro-batch ``b`` (with a fixed global batch
``B``, ``b·min(m, N_pp) = min(B/N_dp, b·N_pp)`` grows too) and falls as the
model is split over more tensor and pipeline ranks, so both searches walk the
candidates in order and evaluate the exact per-device total of every stage.

- :func:`largest_micro_batch`: with ``B`` given, the micro-batches that divide
  ``B/N_dp`` (and keep ``m`` a multiple of ``N_pp`` under the interleaved
  schedule); without, ``m = 1`` and any ``b`` (doubling, then bisection).
- :func:`smallest_model_parallel`: every ``(t, N_pp)`` with ``t·N_pp`` dividing the
  devices and ``t`` at most the devices per node (Megatron keeps tensor
  parallelism inside a node), by ``t·N_pp`` and then by fewer pipeline stages;
  layouts the model's shapes or the batch cannot take are skipped.

>>> from symparams.presets import model
>>> from symparams.studies.plan import TrainingPlan
>>> largest_micro_batch(model("gpt2"), TrainingPlan(gpus=1, seq=1024), 24 * 10**9)[0]
17
"""

from __future__ import annotations

from dataclasses import dataclass

from symparams.errors import OptionError
from symparams.studies.analysis import largest_where
from symparams.studies.plan import TrainingPlan, estimate

__all__ = ["Fit", "fit", "largest_micro_batch", "smallest_model_parallel"]


def _total(model, plan: TrainingPlan) -> int | None:
    """The most loaded device's bytes under ``plan``, or None if the model cannot take the plan."""
    try:
        return estimate(model, plan).memory.total
    except OptionError:
        return None


def largest_micro_batch(model, plan: TrainingPlan, budget: int) -> tuple[int, int | None]:
    """``(b, bytes)``: the largest micro-batch whose most loaded device fits ``budget`` bytes (``(0, None)``
    if not even one sequence does)."""
    def fits(b):
        try:
            candidate = plan.replace(micro_batch=b)
        except OptionError:
            return None
        total = _total(model, candidate)
        return total if total is not None and total <= budget else None

    if plan.global_batch is not None:
        best = (0, None)
        per_replica = plan.global_batch // plan.dp
        for b in (d for d in range(1, per_replica + 1) if per_replica % d == 0):
            try:
                total = _total(model, plan.replace(micro_batch=b))
            except OptionError:
                continue
            if total is None:  # e.g. m not a multiple of N_pp under the interleaved schedule
                continue
            if total > budget:
                break
            best = (b, total)
        return best
    best = largest_where(lambda b: fits(b) is not None)  # memory grows linearly in b
    return (best, fits(best)) if best else (0, None)


def smallest_model_parallel(model, plan: TrainingPlan, budget: int, *, gpus_per_node: int = 8):
    """``(t, N_pp, bytes)`` of the smallest ``t·N_pp`` that fits ``budget`` bytes per device at the plan's
    micro-batch (None if none does)."""
    pairs = [(tp, pp) for tp in range(1, min(gpus_per_node, plan.gpus) + 1) for pp in range(1, plan.gpus + 1)
             if plan.gpus % (tp * pp) == 0]
    for tp, pp in sorted(pairs, key=lambda p: (p[0] * p[1], p[1])):
        try:
            candidate = plan.replace(tp=tp, pp=pp)
        except OptionError:
            continue
        total = _total(model, candidate)
        if total is not None and total <= budget:
            return tp, pp, total
    return None


@dataclass(frozen=True)
class Fit:
    """What fits a device's memory: the largest micro-batch at the plan's layout, and the smallest
    ``t·N_pp`` at the plan's micro-batch."""

    device: str
    memory_bytes: int
    micro_batch: int
    micro_batch_bytes: int | None
    model_parallel: tuple[int, int, int] | None


def fit(model, plan: TrainingPlan, device, *, gpus_per_node: int = 8) -> Fit:
    """Both searches for ``device`` (a name of :data:`symparams.devices.DEVICES` or a Device)."""
    from symparams.devices import device as _device

    dev = _device(device)
    plan.check(model)
    b, total = largest_micro_batch(model, plan, dev.memory_bytes)
    return Fit(dev.name, dev.memory_bytes, b, total,
               smallest_model_parallel(model, plan, dev.memory_bytes, gpus_per_node=gpus_per_node))
