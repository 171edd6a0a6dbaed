"""The JSON and text of ``symparams train``: a training plan evaluated on a model.

Numbers are exact and never floats: bytes, FLOPs and counts are JSON integers;
a number that is not whole (seconds, days, the bubble fraction, dollars) is a
string holding the exact fraction, ``"numerator/denominator"`` (``"1/4"``), which
``fractions.Fraction`` reads back. A figure that needs an input not given
(time without a throughput, cost without a price) is ``null``.

>>> from symparams.studies.plan import TrainingPlan
>>> data = train_json("gpt2", TrainingPlan(gpus=8, pp=4, global_batch=16, seq=1024))
>>> data["pipeline"]
{'bubble_fraction': '3/8', 'micro_batches': 8, 'schedule': '1F1B', 'stages': 4, 'virtual_stages': 1}
>>> sorted(data["memory"]["per_device"])
['activations_bytes', 'gradients_bytes', 'optimizer_bytes', 'total_bytes', 'weights_bytes']
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["train_json", "train_text", "exact"]


def exact(value):
    """An exact number for JSON: an int when whole, else ``"p/q"``; None stays None.

    >>> exact(Fraction(6, 3)), exact(Fraction(1, 4)), exact(None)
    (2, '1/4', None)
    """
    if value is None:
        return None
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _fit_json(result) -> dict:
    mp = result.model_parallel
    return {
        "device": result.device,
        "device_memory_bytes": result.memory_bytes,
        "largest_micro_batch": result.micro_batch or None,
        "largest_micro_batch_total_bytes": result.micro_batch_bytes,
        "smallest_model_parallel": None if mp is None else {"tp": mp[0], "pp": mp[1], "tp_x_pp": mp[0] * mp[1],
                                                              "total_bytes": mp[2]},
    }


def train_json(model, plan, *, fit_device=None, gpus_per_node: int = 8, throughput: str = "") -> dict:
    """The ``symparams train --json`` object for ``model`` (anything :func:`symparams.presets.model`
    takes, or a Model) under ``plan`` (a :class:`~symparams.studies.plan.TrainingPlan`).

    ``fit_device`` adds the ``fit`` object (:func:`~symparams.studies.fitting.fit`);
    ``throughput`` says where the plan's FLOP/s came from.
    """
    from symparams.models import Model
    from symparams.presets import model as _model
    from symparams.studies.optimizers import optimizer
    from symparams.studies.pipeline import SCHEDULES
    from symparams.studies.plan import estimate

    m = model if isinstance(model, Model) else _model(model)
    est = estimate(m, plan)
    mem = est.memory_bytes()
    comm = est.communication_bytes()
    opt = optimizer(plan.optimizer)
    data = {
        "model": m.name,
        "parameters": est.model.params.total,
        "trained_model": est.model.architecture.name,
        "parallel": {"gpus": plan.gpus, "tp": plan.tp, "pp": plan.pp, "dp": plan.dp, "ep": plan.ep,
                     "zero": plan.zero, "sequence_parallel": plan.sequence_parallel,
                     "recompute": plan.recompute, "attention": plan.attention, "optimizer": plan.optimizer,
                     "offload": plan.offload},
        "batch": {"micro_batch": plan.micro_batch, "global_batch": plan.batch, "seq": est.seq,
                  "tokens_per_step": plan.batch * est.seq, "decoder_seq": est.decoder_seq},
        "memory": {
            "per_device": {f"{key}_bytes": mem[key] for key in ("weights", "gradients", "optimizer",
                                                                 "activations", "total")},
            "stage": est.stage,
            "stages_total_bytes": {st: ev.total for st, ev in est.stages.items()},
            "parameters_per_device": est.parameters.total,
            "host_bytes_per_device": est.host.total,
        },
        "pipeline": {"bubble_fraction": exact(est.bubble), "micro_batches": plan.micro_batches,
                     "schedule": SCHEDULES[plan.interleaved], "stages": plan.pp, "virtual_stages": plan.virtual},
        "communication": {"bytes_per_step": comm, "device": est.stage},
        "flops": {"per_step": est.step_flops, "convention": "every matmul, 2 FLOPs per multiply-accumulate, "
                                                             f"backward 2× forward, recompute {plan.recompute}"},
        "time": {"step_seconds": exact(est.step_seconds), "total_seconds": exact(est.total_seconds),
                 "days": exact(est.days), "gpu_hours": exact(est.gpu_hours), "steps": exact(est.steps),
                 "tokens": plan.tokens, "flops_per_second_per_gpu": exact(plan.flops_per_second),
                 "throughput": throughput or ("given" if plan.flops_per_second is not None else None)},
        "cost": {"dollars": exact(est.dollars), "price_per_gpu_hour": exact(plan.price_per_hour)},
        "formulas": {key: str(expr) for key, expr in est.formulas.items()},
        "conventions": {
            "memory": est.memory.breakdown.convention,
            "communication": est.communication.breakdown.convention,
            "optimizer": opt.description,
            "time": "training FLOPs of a step (with recomputation) / (gpus × achieved FLOP/s per GPU); "
                    "steps = tokens / (global batch × seq), not rounded",
            "model": "the model the loss runs on: a causal LM as it is, an encoder or an encoder-decoder with its "
                     "pretraining head (trained_model); an encoder-decoder's seq is its encoder input (s_enc, what "
                     "tokens and tokens_per_step count), decoder_seq its decoder length (s)",
            "numbers": "integers are exact; a non-integer is the string 'numerator/denominator' of an exact "
                       "fraction; bytes are bytes (GB = 10^9 where shown)",
        },
    }
    if fit_device is not None:
        from symparams.studies.fitting import fit

        data["fit"] = _fit_json(fit(m, plan, fit_device, gpus_per_node=gpus_per_node))
    return data


def _num(value, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    from symparams.units import format_decimal

    value = Fraction(value)
    return f"{value.numerator:,}" if value.denominator == 1 else format_decimal(value, digits)


def train_text(data: dict) -> str:
    """A short human summary of :func:`train_json` (decimals shown rounded; ``--json`` is exact)."""
    from symparams.units import format_bytes

    par, mem = data["parallel"], data["memory"]
    lines = [f"{data['model']}: {data['parameters']:,} parameters on {par['gpus']} GPUs "
             f"(tp {par['tp']} × pp {par['pp']} × dp {par['dp']}, ep {par['ep']}, ZeRO {par['zero']}, "
             f"{par['optimizer']}, recompute {par['recompute']})",
             f"batch: {data['batch']['global_batch']:,} sequences of {data['batch']['seq']:,} tokens"
             + (f" (encoder) + {data['batch']['decoder_seq']:,} (decoder)" if data["batch"].get("decoder_seq") else "")
             + ", "
             f"micro-batch {data['batch']['micro_batch']}, {data['pipeline']['micro_batches']} micro-batches per step",
             f"memory per device ({mem['stage']} stage, the most loaded):"]
    for key in ("weights", "gradients", "optimizer", "activations", "total"):
        lines.append(f"  {key:<12} {format_bytes(mem['per_device'][key + '_bytes'])}")
    lines.append(f"pipeline bubble: {_num(data['pipeline']['bubble_fraction'])} "
                 f"({data['pipeline']['schedule']})")
    comm = data["communication"]["bytes_per_step"]
    lines.append("sent per device per step: " + ", ".join(f"{k} {format_bytes(v).split(' = ')[1]}"
                                                           for k, v in comm.items()))
    t = data["time"]
    lines.append(f"step: {_num(t['step_seconds'])} s; run: {_num(t['days'], 2)} days, "
                 f"{_num(t['gpu_hours'], 0)} GPU-hours; cost: {_num(data['cost']['dollars'], 2)} dollars")
    if "fit" in data:
        f = data["fit"]
        mp = f["smallest_model_parallel"]
        lines.append(f"fit {f['device']}: largest micro-batch {f['largest_micro_batch'] or 'none'}; smallest tp × pp "
                     + ("none" if mp is None else f"{mp['tp']} × {mp['pp']}"))
    return "\n".join(lines)
