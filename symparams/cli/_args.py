"""Argument types and options the commands share (stdlib only: building the parser imports no SymPy)."""

from __future__ import annotations

import argparse

__all__ = ["positive_int", "positive_float", "add_workload", "DTYPES"]

#: the dtypes every command accepts for weights, KV cache and activations
DTYPES = ("bf16", "fp16", "fp32")


def positive_int(text: str) -> int:
    """An argparse type: a positive integer written in decimal digits (``8``, not ``8.0`` or ``0``)."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer (expected e.g. 8)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer (expected 1 or more)")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a positive, finite number (``80``, ``40.5``)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (expected e.g. 80)") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number (expected e.g. 80)")
    return value


def add_workload(p: argparse.ArgumentParser) -> None:
    """``--batch`` and ``--seq``."""
    p.add_argument("--batch", type=positive_int, default=1, help="batch size b (default 1)")
    p.add_argument("--seq", type=positive_int, default=None, help="sequence length s (default: context length)")
