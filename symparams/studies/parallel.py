"""Training at scale in closed form: per-device memory and time under DP/ZeRO/TP/SP/PP/EP.

Every figure is a SymPy expression in the parallel degrees — ``t`` (tensor),
``N_pp`` (pipeline stages), ``N_dp`` (data parallel), ``N_ep`` (expert
parallel), ``m`` (micro-batches per step), ``v`` (virtual stages) — and the
micro-batch ``b``, built on the counted stacks:

- the parameters of one rank of a stage come from
  :func:`~symparams.studies.sharding.stage_parameters` (Megatron's sharding rules);
- weights, gradients and optimizer state take the bytes of an
  :class:`~symparams.studies.optimizers.Optimizer`; ZeRO stage 1 shards the
  optimizer state over the data-parallel group, stage 2 the gradients too,
  stage 3 the weights too — each buffer cut into ``⌈Ψ/N_dp⌉``-element
  partitions (routed experts over the ``N_dp/N_ep`` ranks that share them);
- activations are :func:`~symparams.costs.activations.activation_memory` (per tensor,
  split as tensor and sequence parallelism split it) for the micro-batches a stage
  keeps in flight (:mod:`~symparams.studies.pipeline`);
- offload ``"optimizer"`` keeps the optimizer state in host memory (ZeRO-Offload),
  ``"optimizer+params"`` the weights too (ZeRO-Infinity); the gathered working copy
  of a ZeRO-3 layer, communication buffers and fragmentation are not counted.

Time is Narayanan et al.'s: the training FLOPs of a step (with recomputation)
over the achieved throughput ``X`` of the ``t·N_pp·N_dp`` devices; a run of
``D`` tokens takes ``D/(b·m·N_dp·s)`` steps.

>>> from symparams.families import architecture
>>> from symparams.symbols import n_dp
>>> mem = device_memory(architecture("gpt-classic"), zero=3, t=1)
>>> mem["weights"]
2*ceiling((V*h + l*(12*h**2 + 13*h))/n_dp)
>>> step_seconds(architecture("gpt-classic"))
(6*V*b*h*m*s + 72*b*h**2*l*m*s + 12*b*h*l*m*s**2)/(X*n_pp*t)
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, Integer, ceiling, expand

from symparams._expr import sum_exprs
from symparams.breakdown import Breakdown, Piece
from symparams.conventions import DEFAULT
from symparams.errors import ConventionError
from symparams.options import choose
from symparams.studies.communication import ZERO_STAGES
from symparams.studies.optimizers import factored_elements, optimizer as _optimizer
from symparams.studies.pipeline import stage_activations
from symparams.studies.sharding import STAGES, rank_tensors, split_by_group, stage_parameters, stage_stacks, tied_tables
from symparams.symbols import (
    D as _D, X as _X, b as _b, m as _m, n_dp as _n_dp, n_ep as _n_ep, n_pp as _n_pp, n_vs as _n_vs, s as _s,
    t as _t,
)

__all__ = ["device_memory", "host_memory", "model_states", "step_flops", "step_seconds", "training_seconds",
           "OFFLOAD", "SECONDS_PER_HOUR", "SECONDS_PER_DAY", "MEMORY_KEYS"]

#: what offloading moves to host memory
OFFLOAD = {"none": (), "optimizer": ("optimizer",), "optimizer+params": ("optimizer", "weights")}
SECONDS_PER_HOUR = 3_600
SECONDS_PER_DAY = 86_400
MEMORY_KEYS = ("weights", "gradients", "optimizer", "activations")


def _partition(n, d, sharded: bool) -> Expr:
    """Elements of ``n`` one device keeps: all of them, or its ZeRO partition ``⌈n/d⌉``."""
    return ceiling(n / d) if sharded else n


def _factored(arch, stage, t, n_pp, n_ep) -> tuple[Expr, Expr]:
    """``(dense, experts)`` elements of a factored second moment over the tensors a rank of ``stage`` holds:
    a matrix (the last two axes) keeps its row and column statistics, a vector all of its values."""
    per = Integer(1) if stage == "all" else n_pp
    dense, expert = [], []
    for st in stage_stacks(arch, stage):
        count = st.count / per if st.layers else Integer(1)
        for c in st.block:
            for shard in rank_tensors(c, t, n_ep, once=not st.layers):
                (expert if shard.expert else dense).append(count * factored_elements(shard.shape))
    if stage == "last":  # the last stage's copy of a tied embedding table
        for _, (rows, cols) in tied_tables(arch):
            dense.append(rows / t + cols)
    return sum_exprs(dense), sum_exprs(expert)


def _states(arch, stage, opt, zero, offload, t, n_dp, n_pp, n_ep) -> list[tuple[str, str, Expr]]:
    """``(where, label, bytes)`` of the weights, gradients and optimizer state of one device."""
    choose("zero", zero, ZERO_STAGES, error=ConventionError)
    moved = choose("offload", offload, OFFLOAD, error=ConventionError)
    dense, expert = split_by_group(stage_parameters(arch, stage, t=t, n_pp=n_pp, n_ep=n_ep))
    fdense, fexpert = _factored(arch, stage, t, n_pp, n_ep) if opt.factored else (Integer(0), Integer(0))
    rows = []
    for group, n, nf, d in (("dense", dense, fdense, n_dp), ("experts", expert, fexpert, n_dp / n_ep)):
        if n == 0:
            continue
        over = "N_dp" if group == "dense" else "N_dp/N_ep"
        tag = "" if group == "dense" else " of the routed experts"
        for key, per, sharded in (("weights", opt.weights, zero >= 3), ("gradients", opt.gradients, zero >= 2)):
            label = f"{key}{tag} ({per} bytes/parameter)" + (f", ZeRO-{zero} over {over}" if sharded else "")
            rows.append((key, label, per * _partition(n, d, sharded)))
        state = (opt.master + sum(opt.moments)) * _partition(n, d, zero >= 1)
        if opt.factored:
            state += opt.factored * _partition(nf, d, zero >= 1)
        label = f"optimizer state{tag} ({opt.name})" + (f", ZeRO-{zero} over {over}" if zero >= 1 else "")
        rows.append(("optimizer", label, state))
    return [("host" if key in moved else "device", key, label, expr) for key, label, expr in rows]


@lru_cache(maxsize=1024)
def device_memory(arch, stage: str = "all", *, zero: int = 0, optimizer: str = "adamw", offload: str = "none",
                  recompute: str = "none", attention: str = "eager", sequence_parallel: bool = False,
                  interleaved: bool = False, b=_b, t=_t, n_dp=_n_dp, n_pp=_n_pp, n_ep=_n_ep, m=_m,
                  n_vs=_n_vs) -> Breakdown:
    """Peak bytes of one device of pipeline ``stage`` (``"all"``: no pipeline): weights, gradients,
    optimizer state, activations (pieces keyed by :data:`MEMORY_KEYS`).

    >>> from symparams.families import architecture
    >>> mem = device_memory(architecture("gpt-classic"), recompute="full")
    >>> mem["activations"]
    4*V*b*s/t + 2*b*h*l*s + 3*b*h*s
    """
    choose("stage", stage, STAGES)
    from symparams.costs.activations import activation_memory

    opt = _optimizer(optimizer)
    pieces = [Piece(key, label, expr, stack="device")
              for where, key, label, expr in _states(arch, stage, opt, zero, offload, t, n_dp, n_pp, n_ep)
              if where == "device"]
    acts = activation_memory(arch, dtype=opt.dtype, recompute=recompute, attention=attention, t=t,
                             sequence_parallel=sequence_parallel, b=b)
    kept = stage_activations(arch, acts, stage, interleaved, n_pp=n_pp, m=m, n_vs=n_vs)
    pieces.append(Piece("activations", f"activations ({opt.dtype}, recompute {recompute}, {attention} attention)",
                        kept.total, stack="device"))
    conv = (f"{opt.description}; ZeRO {zero}; offload {offload}; tensor parallel t"
            + (" with sequence parallelism" if sequence_parallel else "") + f"; stage {stage}; "
            + kept.convention)
    return Breakdown("training memory per device", "bytes", tuple(pieces), convention=conv)


@lru_cache(maxsize=1024)
def host_memory(arch, stage: str = "all", *, zero: int = 0, optimizer: str = "adamw", offload: str = "none",
                t=_t, n_dp=_n_dp, n_pp=_n_pp, n_ep=_n_ep) -> Breakdown:
    """Bytes one device's offloaded state takes in host (CPU) memory (no pieces without offload)."""
    opt = _optimizer(optimizer)
    pieces = tuple(Piece(key, label, expr, stack="host")
                   for where, key, label, expr in _states(arch, stage, opt, zero, offload, t, n_dp, n_pp, n_ep)
                   if where == "host")
    return Breakdown("host memory per device", "bytes", pieces, convention=f"offload {offload}; {opt.description}")


def model_states(arch, *, zero: int = 0, optimizer: str = "adamw", t=_t, n_dp=_n_dp) -> Expr:
    """Weights + gradients + optimizer state of one device without a pipeline (ZeRO's "model states")."""
    bd = device_memory(arch, zero=zero, optimizer=optimizer, t=t, n_dp=n_dp)
    return sum_exprs(bd.contribution(p) for p in bd.pieces if p.key != "activations")


@lru_cache(maxsize=1024)
def step_flops(arch, recompute: str = "none", *, b=_b, m=_m, n_dp=_n_dp) -> Expr:
    """Training FLOPs of one optimizer step (``b·m·N_dp`` sequences): forward, backward and the
    recomputation (every matmul, FlopCounterMode's convention; no optimizer update)."""
    from symparams.costs.flops import training_flops

    conv = DEFAULT.replace(recompute=recompute) if recompute != "none" else DEFAULT
    return training_flops(arch, conv, b=_b).xreplace({_b: b * m * n_dp})


def step_seconds(arch, recompute: str = "none", *, b=_b, t=_t, n_dp=_n_dp, n_pp=_n_pp, m=_m, X=_X) -> Expr:
    """Seconds per optimizer step: :func:`step_flops` over ``t·N_pp·N_dp`` devices achieving ``X`` FLOP/s each."""
    per_replica = expand(step_flops(arch, recompute, b=b, m=m, n_dp=n_dp) / n_dp)  # FLOPs are linear in b
    return per_replica / (t * n_pp * X)


def training_seconds(arch, recompute: str = "none", *, b=_b, s=_s, t=_t, n_dp=_n_dp, n_pp=_n_pp, m=_m, X=_X,
                     D=_D) -> Expr:
    """Seconds to train on ``D`` tokens: ``D/(b·m·N_dp·s)`` steps of :func:`step_seconds` (not rounded),
    written as ``D`` × the training FLOPs per token over the ``t·N_pp·N_dp`` devices' ``X``.

    >>> from symparams.families import architecture
    >>> training_seconds(architecture("gpt-classic"), "full")
    D*(6*V*h + 96*h**2*l + 16*h*l*s)/(X*n_dp*n_pp*t)
    """
    per_token = expand(step_flops(arch, recompute, b=b, m=m, n_dp=n_dp) / (b * m * n_dp * s))
    return D * per_token / (t * n_pp * n_dp * X)
