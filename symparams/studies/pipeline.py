"""Pipeline parallelism: the bubble, the micro-batches in flight, and the activations a stage keeps.

Narayanan et al. 2021 (§2.2): with ``N_pp`` stages and ``m`` micro-batches per
step, the 1F1B schedule idles for ``(N_pp − 1)`` forward-and-backward slots of
a stage, so the bubble (bubble time over ideal time) is ``(N_pp − 1)/m``;
the interleaved schedule, with ``v`` model chunks per device, shrinks each
slot by ``v``: ``(N_pp − 1)/(v·m)``.

Memory follows Megatron's schedules. Under 1F1B the device of rank ``r``
runs ``N_pp − r − 1`` warm-up forwards before its first backward, so the
first stage keeps the activations of ``min(m, N_pp)`` micro-batches and the
last stage of one (Korthikanti et al. 2022, §4.2.3: the first stage holds
``L`` layers' worth, whatever ``N_pp``). Interleaved, device ``r`` warms up
with ``2(N_pp − r − 1) + (v − 1)·N_pp`` chunk-forwards: the first device keeps
``min(v·m, (v + 1)·N_pp − 1)`` chunks of ``l/(N_pp·v)`` layers — Korthikanti's
factor ``1 + (N_pp − 1)/(N_pp·v)`` — and the last ``min(v·m, (v − 1)·N_pp + 1)``.
The embedding (on the first device's first chunk) is kept for
``min(m, N_pp)`` micro-batches under 1F1B and ``min(m, 2·N_pp)`` interleaved,
the head for one.

>>> bubble_fraction()
(n_pp - 1)/m
>>> bubble_fraction(interleaved=True)
(n_pp - 1)/(m*n_vs)
>>> layers_in_flight("first", interleaved=True)
l*Min(m*n_vs, n_pp*(n_vs + 1) - 1)/(n_pp*n_vs)
"""

from __future__ import annotations

from sympy import Expr, Integer, Min

from symparams.breakdown import Breakdown, Piece
from symparams.errors import OptionError
from symparams.options import choose
from symparams.studies.sharding import STAGES, stage_stacks
from symparams.symbols import l as _l, m as _m, n_pp as _n_pp, n_vs as _n_vs
from symparams.values import evaluate

__all__ = ["bubble_fraction", "chunks_in_flight", "layers_in_flight", "once_in_flight", "stage_activations",
           "check_pipeline", "SCHEDULES"]

SCHEDULES = {False: "1F1B", True: "interleaved 1F1B"}


def bubble_fraction(interleaved: bool = False, *, n_pp=_n_pp, m=_m, n_vs=_n_vs) -> Expr:
    """Pipeline bubble time over ideal compute time: ``(N_pp − 1)/m``, or ``(N_pp − 1)/(v·m)`` interleaved."""
    return (n_pp - 1) / (n_vs * m) if interleaved else (n_pp - 1) / m


def chunks_in_flight(stage: str, interleaved: bool = False, *, n_pp=_n_pp, m=_m, n_vs=_n_vs) -> Expr:
    """Model chunks (micro-batch × chunk) whose activations a device of ``stage`` keeps at its peak."""
    choose("stage", stage, STAGES)
    if stage == "all":
        return Integer(1)
    if not interleaved:
        return Min(m, n_pp) if stage == "first" else Integer(1)
    if stage == "first":
        return Min(m * n_vs, (n_vs + 1) * n_pp - 1)
    return Min(m * n_vs, (n_vs - 1) * n_pp + 1)


def _per_chunk(count, stage: str, interleaved: bool, n_pp, n_vs) -> Expr:
    if stage == "all":
        return count
    return count / (n_pp * n_vs) if interleaved else count / n_pp


def layers_in_flight(stage: str, interleaved: bool = False, *, count=_l, n_pp=_n_pp, m=_m, n_vs=_n_vs) -> Expr:
    """Layers' worth of one micro-batch's activations a device keeps: chunks × layers per chunk."""
    return chunks_in_flight(stage, interleaved, n_pp=n_pp, m=m, n_vs=n_vs) * _per_chunk(count, stage, interleaved,
                                                                                         n_pp, n_vs)


def once_in_flight(stage: str, interleaved: bool = False, *, n_pp=_n_pp, m=_m) -> Expr:
    """Micro-batches whose embedding (first stage) or head (last stage) activations a device keeps."""
    choose("stage", stage, STAGES)
    if stage != "first":
        return Integer(1)
    return Min(m, 2 * n_pp) if interleaved else Min(m, n_pp)


def stage_activations(arch, activations: Breakdown, stage: str = "all", interleaved: bool = False, *,
                      n_pp=_n_pp, m=_m, n_vs=_n_vs) -> Breakdown:
    """The activations a device of ``stage`` keeps at its peak, from ``activations`` (one
    micro-batch through the whole model, as :func:`~symparams.costs.activations.activation_memory`
    gives): each layer stack's pieces repeated :func:`layers_in_flight` times, the stage's
    other pieces × :func:`once_in_flight`.

    Under the interleaved schedule the layers' peak and the embedding's peak are added (an upper
    bound: they need not fall at the same moment); under 1F1B they coincide.

    >>> from symparams.families import architecture
    >>> from symparams.costs.activations import activation_memory
    >>> arch = architecture("gpt-classic")
    >>> stage_activations(arch, activation_memory(arch, recompute="full"), "first").total
    2*b*h*l*s*Min(m, n_pp)/n_pp + b*h*s*Min(m, n_pp)
    """
    held = {st.name for st in stage_stacks(arch, stage)}
    once = once_in_flight(stage, interleaved, n_pp=n_pp, m=m)
    pieces = []
    for p in activations.pieces:
        if p.stack not in held:
            continue
        if activations.is_repeated(p):
            pieces.append(p)
        else:
            pieces.append(Piece(p.key, p.label, p.expr * once, p.count, p.stack))
    repeats = tuple((st.name, layers_in_flight(stage, interleaved, count=st.count, n_pp=n_pp, m=m, n_vs=n_vs))
                    for st in arch.layer_stacks)
    what = "one micro-batch, no pipeline" if stage == "all" else f"{stage} stage, {SCHEDULES[interleaved]}"
    return Breakdown("activations per device", "bytes", tuple(pieces), repeats,
                     convention=f"{activations.convention}; {what}")


def check_pipeline(arch, values, *, pp: int, virtual: int = 1, micro_batches: int | None = None) -> None:
    """Refuse a pipeline the layers cannot be split into: more stages than layers, a layer stack
    that does not split evenly over ``pp × virtual`` chunks, an interleaved schedule on one stage
    or with a number of micro-batches that is not a multiple of ``pp`` (Megatron's requirement).

    >>> from symparams.presets import model
    >>> m = model("gpt2")
    >>> check_pipeline(m.architecture, m.values, pp=5)
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --pp 5: the 12 layers of stack 'block' do not split evenly over 5 pipeline stages
    """
    layers = evaluate(arch.layers, values)
    if pp > layers:
        raise OptionError(f"--pp {pp} is more than the {layers} layers of {arch.name}: a stage needs a layer")
    if virtual > 1 and pp < 2:
        raise OptionError(f"--virtual-stages {virtual} needs a pipeline (--pp 2 or more), got --pp {pp}")
    for st in arch.layer_stacks:
        count = evaluate(st.count, values)
        if count % (pp * virtual):
            over = f"{pp} pipeline stages" + (f" × {virtual} virtual stages" if virtual > 1 else "")
            option = "--virtual-stages" if count % pp == 0 else "--pp"
            raise OptionError(f"{option} {virtual if option == '--virtual-stages' else pp}: the {count} layers of "
                              f"stack '{st.name}' do not split evenly over {over}")
    if virtual > 1 and micro_batches is not None and micro_batches % pp:
        raise OptionError(f"--global-batch: the interleaved schedule needs a number of micro-batches per step "
                          f"(m = {micro_batches}) that is a multiple of --pp {pp}")
