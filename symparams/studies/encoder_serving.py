"""Serving an encoder (BERT, RoBERTa, ModernBERT, ViT, ...): one forward pass, no decode.

An encoder reads each sequence once, bidirectionally, and returns its hidden states (the
base model, ``AutoModel``, as :attr:`Model.params <symparams.models.Model.params>` counts it):
there is no autoregressive decode and no KV cache. Served on a device it has one phase, the
forward over ``b × seq`` tokens, timed by the roofline ``max(FLOPs/peak, bytes/bandwidth)``
(the weights read once; activations stay on chip) plus the tensor-parallel all-reduces (two per
layer of ``b·seq·h``); it reports latency, sequences/s and tokens/s, the memory (weights and the
peak transient activations: the residual stream and the widest intermediate of a layer), and the
batch from which the pass is compute-bound. Every figure is exact, as in
:mod:`symparams.studies.serving`.

>>> from symparams.presets import model
>>> r = encode(model("bert-base"), "h100-sxm", batch=1, seq=128)
>>> r["kind"], r["forward"]["bound"], r["memory"]["weights_bytes"] == 2 * 109482240
('encoder', 'memory', True)
>>> r["forward"]["flops"] == 12 * (8 * 128 * 768**2 + 4 * 128**2 * 768 + 4 * 128 * 768 * 3072) + 2 * 768**2
True
"""

from __future__ import annotations

from fractions import Fraction
from math import floor

from symparams.devices import device as _device
from symparams.studies import inference as inf
from symparams.studies.inference import Setup
from symparams.symbols import b as _b, s as _s, s_max as _s_max
from symparams.values import evaluate_exact

__all__ = ["encode", "encoder_memory", "max_encoder_batch", "max_encoder_seq"]


def encoder_memory(m, setup: Setup) -> dict:
    """``{weights_bytes, kv_cache_bytes (0), activations_bytes}`` as expressions in ``b`` and ``s``."""
    arch = m.architecture
    return {"weights_bytes": inf.weights_bytes(arch, setup), "kv_cache_bytes": 0,
            "activations_bytes": inf.activation_bytes(arch, setup)}


def _total(m, setup: Setup):
    return sum(encoder_memory(m, setup).values())


def max_encoder_batch(m, dev, setup: Setup, *, seq: int) -> int:
    """The largest batch of ``seq``-token sequences whose memory fits the device (memory is ``α·b + β``)."""
    total = _total(m, setup)
    at = {**m.values, _s: seq}
    beta = evaluate_exact(total, {**at, _b: 0})
    alpha = evaluate_exact(total, {**at, _b: 1}) - beta
    return max(0, floor((dev.memory_bytes - beta) / alpha))


def max_encoder_seq(m, dev, setup: Setup, *, batch: int, limit: int = 2**40) -> int:
    """The longest sequence whose memory at ``batch`` fits the device (exact bisection; 0 if none)."""
    total = _total(m, setup)

    from symparams.studies.analysis import largest_where

    return largest_where(lambda seq: evaluate_exact(total, {**m.values, _b: batch, _s: seq}) <= dev.memory_bytes,
                         limit)


def _check(m, dev, setup: Setup, seq: int, allow_longer: bool) -> None:
    """What cannot be honoured, naming the option: the device's dtype, the weight format, the
    tensor-parallel degree, a sequence beyond the learned positions."""
    from symparams.studies.serving_checks import check_setup

    check_setup(m, dev, setup, batch=1, prompt=seq, gen=None, allow_longer=allow_longer)


def encode(m, device, *, batch: int = 1, seq: int, setup: Setup = Setup(), allow_longer: bool = False,
           fit: bool = False) -> dict:
    """The serving estimate of encoder ``m`` on ``device``: one forward over ``batch × seq`` tokens.

    The JSON of ``symparams infer`` for an encoder: ``forward`` in place of ``prefill`` and ``decode``.
    """
    from symparams.lengths import check_fixed_length
    from symparams.studies.serving_checks import decimal, exact, phase_seconds

    dev = _device(device)
    check_fixed_length(m, seq, "--prompt")
    _check(m, dev, setup, seq, allow_longer)
    arch = m.architecture
    at = {**m.values, _b: batch, _s: seq}
    ev = lambda e: evaluate_exact(e, at)  # noqa: E731
    flops = ev(inf.prefill_flops(arch, setup.convention) / setup.tp)
    moved = ev(inf.weights_bytes(arch, setup))
    comm = ev(inf.allreduce_bytes(arch, setup, _s))
    seconds, bound = phase_seconds(flops, moved, comm, dev, setup.peak_dtype)
    per_sequence = Fraction(flops, batch)
    peak = dev.flops(setup.peak_dtype)
    # compute-bound when b·f/peak ≥ W/bandwidth (the bytes do not grow with the batch)
    critical = (Fraction(moved) * peak / (per_sequence * dev.bandwidth)).__ceil__()
    memory = {k: (ev(v) if v != 0 else Fraction(0)).__ceil__() for k, v in encoder_memory(m, setup).items()}
    memory["total_bytes"] = sum(memory.values())
    rate = Fraction(batch) / seconds
    out = {
        "model": m.name,
        "kind": "encoder",
        "device": {"name": dev.name, "title": dev.title, "dtype": setup.peak_dtype,
                   "flops_per_second": peak, "bytes_per_second": dev.bandwidth,
                   "memory_bytes": dev.memory_bytes, "interconnect_bytes_per_second": dev.interconnect,
                   "source": dev.source},
        "setup": {"weights": setup.weights.name, "weights_format": setup.weights.describe(), "dtype": setup.dtype,
                  "kv_dtype": None, "tp": int(setup.tp), "flop_convention": setup.convention.describe()},
        "workload": {"batch": batch, "prompt": seq, "seq": seq, "gen": None, "positions": m.values.get(_s_max)},
        "forward": {"flops": flops.numerator, "bytes": moved.numerator if moved.denominator == 1 else decimal(moved),
                    "communication_bytes": comm.numerator if comm.denominator == 1 else decimal(comm),
                    "seconds": decimal(seconds), "seconds_exact": exact(seconds), "bound": bound,
                    "sequences_per_second": decimal(rate), "sequences_per_second_exact": exact(rate),
                    "tokens_per_second": decimal(rate * seq), "tokens_per_second_exact": exact(rate * seq),
                    "critical_batch": critical},
        "total": {"seconds": decimal(seconds), "seconds_exact": exact(seconds)},
        "memory": memory,
        "fits": memory["total_bytes"] <= dev.memory_bytes,
        "conventions": {
            "encoder": "one forward pass over batch × seq tokens (the base model's hidden states, AutoModel): no "
                       "autoregressive decode, no KV cache; sequences_per_second = batch / seconds, "
                       "tokens_per_second = batch · seq / seconds; critical_batch: the smallest batch at which the "
                       "pass is compute-bound",
            "time": "max(FLOPs / peak, bytes / bandwidth), plus tensor-parallel all-reduces (2 per layer of "
                    "b·seq·h) over the interconnect (half its two-way figure per direction); no overlap, no kernel "
                    "overheads",
            "flops": "the FLOP convention above (bidirectional attention: every query-key pair)",
            "bytes": "the weights read once; activations not counted",
            "memory": "per device: weights and the pass's peak transient activations (residual stream and the "
                      "widest intermediate of a layer); no KV cache",
            "units": "FLOPs, bytes, FLOP/s, bytes/s; seconds as 20-digit decimals with exact rationals",
        },
    }
    if fit:
        from symparams.lengths import fixed_length, position_limits

        by_memory = max_encoder_seq(m, dev, setup, batch=batch)
        fixed = fixed_length(m)
        if fixed is not None:
            by_memory = fixed if by_memory >= fixed else 0
        positions = position_limits(m).get(_s)
        capped = by_memory if positions is None or allow_longer else min(by_memory, positions)
        out["fit"] = {"max_batch": max_encoder_batch(m, dev, setup, seq=seq), "max_context": capped,
                      "max_context_by_memory": by_memory}
    return out
