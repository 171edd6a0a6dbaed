"""Bytes each device sends per optimizer step: data, tensor, pipeline and expert parallel traffic.

The collectives are ring-style: a buffer of ``n`` elements over ``d`` devices
is cut into ``d`` chunks of ``⌈n/d⌉`` elements (NCCL and ZeRO pad the last
one). An all-reduce sends ``2(d − 1)`` chunks per device — ``2(d − 1)/d × n``
when ``d`` divides ``n`` — a reduce-scatter or an all-gather ``d − 1``, an
all-to-all ``d − 1`` (the ``(d − 1)/d`` of its tokens that go to other ranks,
under uniform routing).

- **data parallel** (over ``N_dp``; routed experts over ``N_dp/N_ep``): ZeRO 0
  all-reduces the gradients once per step; ZeRO 1 reduce-scatters them and
  all-gathers the updated weights once per step (the same bytes); ZeRO 2
  reduce-scatters the gradients after every micro-batch (each rank keeps only
  its shard) and all-gathers the weights once; ZeRO 3 also all-gathers the
  weights before each micro-batch's forward and again before its backward
  (Rajbhandari et al. 2020, §7: 1.5× the all-reduce at ``m = 1``).
- **tensor parallel** (Megatron, over ``t``): every sharded component (attention,
  MLP, mixture of experts, ...) all-reduces its output in the forward pass and
  its input gradient in the backward pass, per micro-batch; the vocabulary-parallel
  embedding all-reduces its output, the output head its input gradient, and
  the parallel cross-entropy three fp32 values per token (max, target logit,
  sum of exponentials). Sequence parallelism replaces each all-reduce by an
  all-gather and a reduce-scatter: the same bytes. Full recomputation runs the
  forward all-reduces again.
- **pipeline parallel**: each micro-batch sends a layer's input (``b·s·h``) to
  the next stage and its gradient back, split over the ``t`` ranks (Megatron's
  scatter/gather optimisation): the first device sends ``v`` forward and
  ``v − 1`` backward messages per micro-batch, the last ``v − 1`` and ``v``
  (``v = 1`` under 1F1B). A tied embedding's gradient is all-reduced between the
  first and the last stage once per step.
- **expert parallel** (over ``N_ep``): each mixture-of-experts layer dispatches
  and combines its ``k`` routed copies of every token by all-to-all, in the
  forward and in the backward pass (twice more under full recomputation); with
  sequence parallelism each tensor-parallel rank routes ``1/t`` of the tokens.

Offloading's host-device copies and the buffers' overlap with compute are not counted.

>>> from symparams.families import architecture
>>> bd = communication(architecture("gpt-classic"))
>>> bd["dp"]
4*(n_dp - 1)*ceiling((V*h/t + l*(12*h**2/t + 6*h + 7*h/t))/n_dp)
>>> bd.per_block("block")
16*m*(t - 1)*ceiling(b*h*s/t)
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, Integer, Mul, ceiling

from symparams._expr import sum_exprs
from symparams.breakdown import Breakdown, Piece
from symparams.errors import ConventionError
from symparams.options import choose
from symparams.studies.optimizers import optimizer as _optimizer
from symparams.studies.sharding import STAGES, rank_tensors, split_by_group, stage_parameters, stage_stacks, tied_tables
from symparams.symbols import b as _b, m as _m, n_dp as _n_dp, n_ep as _n_ep, n_pp as _n_pp, n_vs as _n_vs, t as _t
from symparams.units import dtype_bytes

__all__ = ["communication", "kind_total", "all_reduce", "reduce_scatter", "all_gather", "all_to_all",
           "ZERO_STAGES", "KINDS"]

ZERO_STAGES = (0, 1, 2, 3)
#: the kinds of traffic, as the keys of :func:`communication`'s pieces
KINDS = ("dp", "tp", "pp", "ep")


def reduce_scatter(n, d) -> Expr:
    """Elements one device sends in a ring reduce-scatter of ``n`` elements over ``d`` devices."""
    return (d - 1) * ceiling(n / d)


all_gather = reduce_scatter
all_to_all = reduce_scatter


def all_reduce(n, d) -> Expr:
    """Elements one device sends in a ring all-reduce (a reduce-scatter, then an all-gather).

    >>> all_reduce(12, 4), all_reduce(10, 4)
    (18, 18)
    """
    return 2 * reduce_scatter(n, d)


def _dp_rows(params: Breakdown, zero: int, w, g, n_dp, n_ep, m) -> list[Piece]:
    dense, expert = split_by_group(params)
    rows = []
    for what, n, d in (("dense", dense, n_dp), ("routed experts", expert, n_dp / n_ep)):
        if n == 0:
            continue
        if zero == 0:
            sent, how = g * all_reduce(n, d), "all-reduce of the gradients, once per step"
        elif zero == 1:
            sent = g * reduce_scatter(n, d) + w * all_gather(n, d)
            how = "reduce-scatter of the gradients and all-gather of the weights, once per step"
        elif zero == 2:
            sent = m * g * reduce_scatter(n, d) + w * all_gather(n, d)
            how = "reduce-scatter of the gradients per micro-batch, all-gather of the weights once"
        else:
            sent = m * (2 * w * all_gather(n, d) + g * reduce_scatter(n, d))
            how = "per micro-batch: all-gather of the weights for forward and backward, reduce-scatter of gradients"
        over = "N_dp" if d is n_dp else "N_dp/N_ep"
        rows.append(Piece("dp", f"data parallel ({what}, over {over}): {how}", sent, stack="step"))
    return rows


def _linear_matmuls(component, b, s):
    return [mm for mm in component.matmuls(b, s) if mm.kind in ("linear", "logits")]


def _tp_buffers(component, b, s, full: bool, once: bool = False) -> tuple[list[Expr], list[Expr], str]:
    """The buffers one forward + backward all-reduces: ``(activation-dtype buffers, fp32 buffers, what)``.

    A cross-attention's key and value projections read the encoder's tokens: their input gradient is
    a second all-reduce in backward (of the encoder's ``b·s_enc·h``)."""
    tokens = b * s
    if component.key == "embedding":
        if not component.looked_up:
            return [], [], ""
        return [tokens * component.h], [], "embedding output (forward)"
    if component.key in ("output_head", "mlm_head"):  # vocabulary-parallel logits, parallel cross-entropy
        width = component.h if component.key == "output_head" else component.inner
        return ([tokens * width], [tokens] * 3,
                "head input gradient (backward) and the cross-entropy's max, target logit and sum (fp32)")
    forward = 2 if full else 1  # full recomputation runs the forward all-reduce again
    what = "output (forward" + (", twice" if full else "") + ") and input gradient (backward)"
    if component.key == "moe":
        width = tokens * component.h
        return [width] * (forward + 1), [], what
    if all(sh.rule == "replicated" for sh in rank_tensors(component, once=once)):
        return [], [], ""
    mms = _linear_matmuls(component, b, s)
    if not mms:
        return [], [], ""
    inputs = [mms[0].m * mms[0].k]
    if getattr(component, "is_cross", False) and len(mms) > 2:
        inputs.append(mms[1].m * mms[1].k)
        what += "; the encoder output's gradient through the key and value projections (backward)"
    return [mms[-1].m * mms[-1].n] * forward + inputs, [], what


def _block_input(stack, b) -> Expr:
    """Elements of the tensor a stage passes on: a block's input (the first tensor it saves)."""
    for component in stack.block:
        acts = component.saved_activations(b, stack.seq, dropout=False)
        if acts:
            return acts[0].numel
    return Integer(0)


@lru_cache(maxsize=1024)
def communication(arch, stage: str = "all", *, zero: int = 0, optimizer: str = "adamw", recompute: str = "none",
                  sequence_parallel: bool = False, interleaved: bool = False, b=_b, t=_t, n_dp=_n_dp,
                  n_pp=_n_pp, n_ep=_n_ep, m=_m, n_vs=_n_vs) -> Breakdown:
    """Bytes one device of pipeline ``stage`` sends per optimizer step (``m`` micro-batches of ``b``
    sequences), one piece per kind and component, keyed ``dp``, ``tp``, ``pp``, ``ep``.

    Layer pieces repeat over the stage's layers (each layer stack's ``count/N_pp``).
    """
    choose("stage", stage, STAGES)
    choose("zero", zero, ZERO_STAGES, error=ConventionError)
    opt = _optimizer(optimizer)
    act, w, g = dtype_bytes(opt.dtype), opt.weights, opt.gradients
    full = recompute == "full"
    params = stage_parameters(arch, stage, t=t, n_pp=n_pp, n_ep=n_ep)
    pieces = _dp_rows(params, zero, w, g, n_dp, n_ep, m)
    for st in stage_stacks(arch, stage):
        for c in st.block:
            buffers, fp32, what = _tp_buffers(c, b, st.seq, full, not st.layers)
            if buffers or fp32:
                sent = m * sum_exprs([*(act * all_reduce(n, t) for n in buffers),
                                      *(4 * all_reduce(n, t) for n in fp32)])
                pieces.append(Piece("tp", f"tensor parallel, {c.label}: all-reduce of the {what}", sent,
                                    stack=st.name))
            if c.key == "moe":
                routed = c.k * b * st.seq * c.h / (t if sequence_parallel else 1)
                sent = m * (6 if full else 4) * act * all_to_all(routed, n_ep)
                pieces.append(Piece("ep", f"expert parallel, {c.label}: dispatch and combine all-to-alls",
                                    sent, stack=st.name))
    if stage != "all":
        v = n_vs if interleaved else Integer(1)
        forward, backward = (v, v - 1) if stage == "first" else (v - 1, v)
        boundary = _block_input(arch.layer_stacks[0], b) if arch.layer_stacks else Integer(0)
        sends = m * (forward + backward) * act * ceiling(boundary / t)
        pieces.append(Piece("pp", f"pipeline: {forward} forward and {backward} backward sends of a layer's input "
                                  "per micro-batch, split over t", sends, stack="step"))
        for c, shape in tied_tables(arch):
            table = Mul(*shape) / t
            pieces.append(Piece("pp", "pipeline: all-reduce of the tied embedding's gradient (first and last stage)",
                                g * all_reduce(table, 2), stack="step"))
    repeats = tuple((st.name, st.count if stage == "all" else st.count / n_pp) for st in arch.layer_stacks)
    return Breakdown("communication per device per step", "bytes", tuple(p for p in pieces if p.expr != 0), repeats,
                     convention=f"bytes sent per device per optimizer step; ring collectives in chunks of ⌈n/d⌉; "
                                f"ZeRO {zero}; activations {opt.dtype}, gradients {g} bytes; recompute {recompute}"
                                + ("; sequence parallel" if sequence_parallel else ""))


def kind_total(bd: Breakdown, kind: str) -> Expr:
    """The bytes of one kind (``dp``, ``tp``, ``pp``, ``ep``) of a :func:`communication` breakdown (0 if none)."""
    choose("kind", kind, KINDS)
    return sum_exprs(bd.contribution(p) for p in bd.pieces if p.key == kind)
