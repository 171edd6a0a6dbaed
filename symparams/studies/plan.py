"""A training run on a cluster: the parallel layout as numbers, checked against the model, evaluated.

A :class:`TrainingPlan` names the devices and degrees (``gpus``, ``tp``,
``pp``, ``ep``, virtual stages), the batch (micro-batch ``b``, global batch
``B``, sequence length), the strategy (ZeRO stage, sequence parallelism,
recomputation, attention kernel, optimizer, offload) and, optionally, the run
(tokens, achieved FLOP/s per device, price per device-hour). Data parallelism
is ``N_dp = gpus/(tp·pp)`` and there are ``m = B/(b·N_dp)`` micro-batches per step.

:func:`estimate` binds the plan's numbers into the symbolic figures of
:mod:`~symparams.studies.parallel`, :mod:`~symparams.studies.communication` and
:mod:`~symparams.studies.pipeline`: bytes are ints, times and fractions exact.
The device reported is the most loaded one (the first or the last pipeline
stage: the first keeps the most micro-batches in flight, the last holds the head).

>>> from symparams.presets import model
>>> est = estimate(model("gpt2"), TrainingPlan(gpus=8, pp=4, global_batch=16, seq=1024))
>>> est.stage, est.micro_batches, est.bubble
('first', 8, Fraction(3, 8))
>>> est.memory.total == max(e.total for e in est.stages.values())
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property

from symparams.costs.training import exact_number
from symparams.errors import ConventionError, OptionError
from symparams.options import choose
from symparams.studies import parallel as _parallel
from symparams.studies.communication import KINDS, ZERO_STAGES, communication, kind_total
from symparams.studies.optimizers import OPTIMIZERS
from symparams.studies.pipeline import bubble_fraction, check_pipeline
from symparams.studies.sharding import check_sharding, stage_parameters
from symparams.symbols import D, X, m as _m, n_dp, n_ep, n_pp, n_vs, s, t
from symparams.values import evaluate_exact

__all__ = ["TrainingPlan", "Estimate", "estimate", "parallel_parts", "achieved_flops", "number_text", "RECOMPUTE",
           "ATTENTION"]

RECOMPUTE = ("none", "selective", "full")
ATTENTION = ("eager", "flash")


def _count(name: str, value, *, optional: bool = False):
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise OptionError(f"--{name.replace('_', '-')} {value!r} must be a positive integer")
    return value


def number_text(value) -> str:
    """A number as a user wrote it: ``1.5`` rather than ``3/2`` when it is a finite decimal."""
    value = Fraction(value)
    q, twos, fives = value.denominator, 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    text = f"{value.numerator * 10**digits // value.denominator}"
    if digits == 0:
        return text
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    text = text.rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def _positive(name: str, value, option: str = ""):
    """``value`` as an exact positive Fraction (floats refused); ``option`` is how the command line names it."""
    if value is None:
        return None
    number = exact_number(value, name)
    if number <= 0:
        raise OptionError(f"{option or '--' + name} {number_text(number)} must be a positive number"
                          + (f" ({name})" if option else ""))
    return number


def achieved_flops(peak_flops_per_second, mfu) -> Fraction:
    """Achieved FLOP/s per device: a device's peak × the model FLOPs utilisation (0 < MFU ≤ 1).

    >>> achieved_flops(312 * 10**12, "0.45")
    Fraction(140400000000000, 1)
    >>> achieved_flops(312 * 10**12, Fraction(3, 2))
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --mfu 1.5 must be at most 1 (a fraction of the device's peak)
    """
    peak, util = _positive("peak", peak_flops_per_second), _positive("mfu", mfu)
    if util > 1:
        raise OptionError(f"--mfu {number_text(util)} must be at most 1 (a fraction of the device's peak)")
    return peak * util


@dataclass(frozen=True)
class TrainingPlan:
    """The numbers of a training run (see the module docstring); validated when built, and against a
    model by :meth:`check`. ``flops_per_second`` is the *achieved* FLOP/s of one device (so the
    bubble, communication and kernel efficiency are inside it, as in Narayanan et al.'s ``X``);
    ``price_per_hour`` is in dollars per device-hour. Numbers may be ints, Fractions or decimal strings
    (floats are refused). Errors name the options as the command line spells them (``--tp`` for ``tp``).

    >>> TrainingPlan(gpus=12, tp=8)
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --gpus 12 is not divisible by --tp × --pp = 8 × 1 = 8
    >>> TrainingPlan(gpus=8, price_per_hour="0")
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --price-per-gpu-hour 0 must be a positive number (price_per_hour)
    """

    gpus: int
    tp: int = 1
    pp: int = 1
    ep: int = 1
    virtual: int = 1
    micro_batch: int = 1
    global_batch: int | None = None
    seq: int | None = None
    zero: int = 0
    decoder_seq: int | None = None
    sequence_parallel: bool = False
    recompute: str = "none"
    attention: str = "eager"
    optimizer: str = "adamw"
    offload: str = "none"
    tokens: int | None = None
    flops_per_second: Fraction | None = None
    price_per_hour: Fraction | None = None

    def __post_init__(self) -> None:
        for name in ("gpus", "tp", "pp", "ep", "virtual", "micro_batch"):
            _count(name, getattr(self, name))
        for name in ("global_batch", "seq", "tokens", "decoder_seq"):
            _count(name, getattr(self, name), optional=True)
        object.__setattr__(self, "flops_per_second", _positive("flops_per_second", self.flops_per_second,
                                                               "--tflops (× 10¹²)"))
        object.__setattr__(self, "price_per_hour", _positive("price_per_hour", self.price_per_hour,
                                                             "--price-per-gpu-hour"))
        choose("zero", self.zero, ZERO_STAGES, error=ConventionError)
        choose("recompute", self.recompute, RECOMPUTE, error=ConventionError)
        choose("attention", self.attention, ATTENTION, error=ConventionError)
        choose("optimizer", self.optimizer, OPTIMIZERS, error=ConventionError)
        choose("offload", self.offload, _parallel.OFFLOAD, error=ConventionError)
        if self.gpus % (self.tp * self.pp):
            raise OptionError(f"--gpus {self.gpus} is not divisible by --tp × --pp = {self.tp} × {self.pp} = "
                              f"{self.tp * self.pp}")
        if self.dp % self.ep:
            raise OptionError(f"--ep {self.ep} does not divide the data-parallel size {self.dp} "
                              f"(= --gpus / (--tp × --pp)): experts are split over data-parallel ranks")
        if self.global_batch is not None and self.global_batch % (self.micro_batch * self.dp):
            raise OptionError(f"--global-batch {self.global_batch} is not a multiple of --micro-batch × data "
                              f"parallel = {self.micro_batch} × {self.dp} = {self.micro_batch * self.dp}")
        if self.offload != "none" and self.zero == 0:
            raise OptionError(f"--offload {self.offload} needs --zero 1, 2 or 3 (the offloaded state is the "
                              "ZeRO-partitioned one)")
        if self.offload == "optimizer+params" and self.zero != 3:
            raise OptionError(f"--offload optimizer+params needs --zero 3 (parameters are offloaded only when "
                              f"partitioned), got --zero {self.zero}")

    @property
    def dp(self) -> int:
        """Data-parallel size: ``gpus / (tp · pp)``."""
        return self.gpus // (self.tp * self.pp)

    @property
    def batch(self) -> int:
        """The global batch in sequences (default: one micro-batch per data-parallel rank)."""
        return self.global_batch if self.global_batch is not None else self.micro_batch * self.dp

    @property
    def micro_batches(self) -> int:
        """``m``: micro-batches per step on each data-parallel replica."""
        return self.batch // (self.micro_batch * self.dp)

    @property
    def interleaved(self) -> bool:
        return self.virtual > 1

    @property
    def pipelined(self) -> bool:
        return self.pp > 1

    def replace(self, **changes) -> "TrainingPlan":
        return replace(self, **changes)

    def check(self, model) -> None:
        """Refuse what the model's shapes cannot honour (naming the option and the shape)."""
        from symparams.lengths import check_fixed_length

        arch, values = model.architecture, model.values
        if arch.is_encoder_decoder and self.pp > 1:
            raise OptionError(f"--pp {self.pp}: pipeline stages of an encoder-decoder ({model.name}) are not "
                              "modelled (Megatron places the encoder's and the decoder's layers on separate stages, "
                              "split at --pipeline-model-parallel-split-rank); use --pp 1")
        check_pipeline(arch, values, pp=self.pp, virtual=self.virtual, micro_batches=self.micro_batches)
        check_sharding(arch, values, tp=self.tp, ep=self.ep)
        check_fixed_length(model, self.seq, "--seq")
        s_dec, lengths = self.lengths(model)
        for option, seq in (("--seq", lengths.get("s_enc", s_dec)), ("--decoder-seq", s_dec)):
            if self.sequence_parallel and seq % self.tp:
                raise OptionError(f"{option} {seq} is not divisible by --tp {self.tp}: sequence parallelism splits "
                                  "the sequence over the tensor-parallel ranks")

    def lengths(self, model) -> tuple[int, dict]:
        """``(s, other lengths by name)``: ``--seq`` is the encoder's length (or the only one),
        ``--decoder-seq`` an encoder-decoder's decoder length, each defaulting to the model's own
        (:func:`symparams.reports.count.resolve_lengths`, as ``count`` reads them)."""
        from symparams.reports.count import resolve_lengths

        s_dec, lengths, _ = resolve_lengths(model, self.seq, self.decoder_seq)
        return s_dec, lengths

    def options(self) -> dict:
        """The keyword arguments the symbolic figures take (:func:`~symparams.studies.parallel.device_memory`)."""
        return {"zero": self.zero, "optimizer": self.optimizer, "offload": self.offload,
                "recompute": self.recompute, "attention": self.attention,
                "sequence_parallel": self.sequence_parallel, "interleaved": self.interleaved}


@dataclass(frozen=True, eq=False)
class Estimate:
    """A :class:`TrainingPlan` evaluated on a model: every figure exact, every formula kept."""

    model: object
    plan: TrainingPlan

    @property
    def stage_names(self) -> tuple[str, ...]:
        return ("first", "last") if self.plan.pipelined else ("all",)

    @cached_property
    def values(self) -> dict:
        p = self.plan
        degrees = {t: p.tp, n_pp: p.pp, n_dp: p.dp, n_ep: p.ep, _m: p.micro_batches, n_vs: p.virtual}
        s_dec, lengths = p.lengths(self.model)
        return {**self.model.workload(p.micro_batch, s_dec, **lengths), **degrees}

    @property
    def seq(self) -> int:
        """Tokens a sequence counts for (the run's ``--tokens``): the only length, or an
        encoder-decoder's encoder input ``s_enc`` (as T5 counts its 2³⁵ pre-training tokens:
        524,288 steps × 128 sequences × 512 input tokens)."""
        return self.values[self.length_symbol]

    @property
    def decoder_seq(self) -> int | None:
        """An encoder-decoder's decoder length ``s`` (None for other models)."""
        return self.values[s] if self.model.architecture.is_encoder_decoder else None

    @property
    def length_symbol(self):
        from symparams.symbols import s_enc

        return s_enc if self.model.architecture.is_encoder_decoder else s

    @property
    def micro_batches(self) -> int:
        return self.plan.micro_batches

    def memory_breakdown(self, stage: str):
        return _parallel.device_memory(self.model.architecture, stage, **self.plan.options())

    @cached_property
    def stages(self) -> dict:
        """Per-device memory (an Evaluation) of each stage the plan has."""
        return {st: self.memory_breakdown(st).at(self.values, name=self.model.name) for st in self.stage_names}

    @cached_property
    def stage(self) -> str:
        """The most loaded stage (the first on a tie)."""
        return max(self.stage_names, key=lambda st: self.stages[st].total)

    @property
    def memory(self):
        return self.stages[self.stage]

    def memory_bytes(self) -> dict[str, int]:
        """``weights``, ``gradients``, ``optimizer``, ``activations`` and ``total`` bytes of the most loaded device."""
        ev = self.memory
        out = {key: sum(ev.value(ev.breakdown.contribution(p)) for p in ev.breakdown.pieces if p.key == key)
               for key in _parallel.MEMORY_KEYS}
        out["total"] = ev.total
        return out

    @cached_property
    def host(self):
        opts = {k: self.plan.options()[k] for k in ("zero", "optimizer", "offload")}
        return _parallel.host_memory(self.model.architecture, self.stage, **opts).at(self.values)

    @cached_property
    def parameters(self):
        """Parameters one rank of the most loaded stage holds."""
        return stage_parameters(self.model.architecture, self.stage).at(self.values, name=self.model.name)

    @cached_property
    def activations(self):
        """The activations the most loaded device keeps, per saved tensor."""
        from symparams.costs.activations import activation_memory
        from symparams.studies.optimizers import optimizer
        from symparams.studies.pipeline import stage_activations

        p, arch = self.plan, self.model.architecture
        acts = activation_memory(arch, dtype=optimizer(p.optimizer).dtype, recompute=p.recompute,
                                 attention=p.attention, t=t, sequence_parallel=p.sequence_parallel)
        return stage_activations(arch, acts, self.stage, p.interleaved).at(self.values, name=self.model.name)

    @cached_property
    def communication(self):
        opts = {k: v for k, v in self.plan.options().items() if k not in ("offload", "attention")}
        bd = communication(self.model.architecture, self.stage, **opts)
        return bd.at(self.values, name=self.model.name)

    def communication_bytes(self) -> dict[str, int]:
        ev = self.communication
        return {kind: ev.value(kind_total(ev.breakdown, kind)) for kind in KINDS}

    @cached_property
    def bubble(self) -> Fraction:
        if not self.plan.pipelined:
            return Fraction(0)
        return evaluate_exact(self.formulas["bubble_fraction"], self.values)

    @cached_property
    def formulas(self) -> dict:
        """The symbolic figures, before the numbers go in."""
        arch, rec = self.model.architecture, self.plan.recompute
        out = {
            "memory_total": self.memory_breakdown(self.stage).total,
            "bubble_fraction": bubble_fraction(self.plan.interleaved),
            "step_flops": _parallel.step_flops(arch, rec),
            "step_seconds": _parallel.step_seconds(arch, rec),
            "total_seconds": _parallel.training_seconds(arch, rec, s=self.length_symbol),
        }
        for kind in KINDS:
            out[f"communication_{kind}"] = kind_total(self.communication.breakdown, kind)
        return out

    @cached_property
    def step_flops(self) -> int:
        return evaluate_exact(self.formulas["step_flops"], self.values).numerator

    def _timed(self, key: str, extra: dict) -> Fraction:
        return evaluate_exact(self.formulas[key], {**self.values, **extra})

    @cached_property
    def step_seconds(self) -> Fraction | None:
        x = self.plan.flops_per_second
        return None if x is None else self._timed("step_seconds", {X: x})

    @cached_property
    def total_seconds(self) -> Fraction | None:
        x, tokens = self.plan.flops_per_second, self.plan.tokens
        return None if x is None or tokens is None else self._timed("total_seconds", {X: x, D: tokens})

    @property
    def steps(self) -> Fraction | None:
        tokens = self.plan.tokens
        return None if tokens is None else Fraction(tokens, self.plan.batch * self.seq)

    @property
    def days(self) -> Fraction | None:
        return None if self.total_seconds is None else self.total_seconds / _parallel.SECONDS_PER_DAY

    @property
    def gpu_hours(self) -> Fraction | None:
        total = self.total_seconds
        return None if total is None else total * self.plan.gpus / _parallel.SECONDS_PER_HOUR

    @property
    def dollars(self) -> Fraction | None:
        hours, price = self.gpu_hours, self.plan.price_per_hour
        return None if hours is None or price is None else hours * price


def estimate(model, plan: TrainingPlan) -> Estimate:
    """``plan`` checked against ``model`` (a :class:`~symparams.models.Model`) and evaluated.

    What trains is the model the loss runs on: an encoder's or an encoder-decoder's model with its
    pretraining head (:attr:`~symparams.models.Model.with_head`: ``BertForPreTraining``,
    ``T5ForConditionalGeneration``, ``ViTForImageClassification``); a causal LM as it is.

    >>> from symparams.presets import model
    >>> est = estimate(model("t5-small"), TrainingPlan(gpus=1, seq=512, decoder_seq=114))
    >>> est.seq, est.decoder_seq, est.model.architecture.name
    (512, 114, 't5+head')
    """
    model = model.with_head
    plan.check(model)
    return Estimate(model, plan)


def parallel_parts(model, plan: TrainingPlan | None = None, *, batch: int = 1, seq: int | None = None) -> list:
    """What ``derive --cost parallel`` shows: the most loaded device's memory (with the bubble and
    the step time as notes), its parameters, its activations and the bytes it sends per step, each an
    Evaluation. Without ``plan``: one device, micro-batch ``batch``, sequence ``seq``. The dtype is the
    optimizer's (bf16, fp32 for ``adamw-fp32``).

    >>> from symparams.presets import model
    >>> [e.breakdown.quantity for e in parallel_parts(model("gpt2"))][:3]
    ['training memory per device', 'parameters per device', 'activations per device']
    """
    if plan is None:  # as every other cost of ``derive``: ``seq`` is s (an encoder-decoder's decoder length)
        lengths = {"decoder_seq": seq} if model.architecture.is_encoder_decoder else {"seq": seq}
        plan = TrainingPlan(gpus=1, micro_batch=batch, **lengths)
    est = estimate(model, plan)
    p = plan
    devices = f"{p.gpus} device{'s' if p.gpus > 1 else ''} = t {p.tp} × N_pp {p.pp} × N_dp {p.dp} (N_ep {p.ep})"
    batches = f"m = {p.micro_batches} micro-batch{'es' if p.micro_batches > 1 else ''} of b = {p.micro_batch} per step"
    if p.pipelined:
        notes = (f"layout: {devices}; {batches}; the {est.stage} stage is the most loaded",
                 f"pipeline bubble = {est.formulas['bubble_fraction']} = {est.bubble}")
    else:
        notes = (f"layout: {devices}, no pipeline; {batches}", "pipeline bubble: none (one stage)")
    notes += (f"seconds per step = {est.formulas['step_seconds']} (X: achieved FLOP/s per device)",)
    memory = replace(est.memory.breakdown, notes=notes).at(est.values, name=model.name)
    return [memory, est.parameters, est.activations, est.communication]

