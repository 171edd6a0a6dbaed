"""Argument types and options the commands share (stdlib only: building the parser imports no SymPy)."""

from __future__ import annotations

import argparse

__all__ = ["positive_int", "positive_float", "add_workload", "DTYPES", "MAX_DIGITS"]

#: the dtypes every command accepts for weights, KV cache and activations
DTYPES = ("bf16", "fp16", "fp32")


#: the longest integer the command line reads (Python's int() limit is 4,300 digits)
MAX_DIGITS = 4300


def positive_int(text: str) -> int:
    """An argparse type: a positive integer written in ASCII decimal digits (``8``; not ``8.0``,
    ``0``, ``1_000``, `` 8``, ``+8``, nor full-width or Arabic-Indic digits, which ``int()`` would read).

    >>> positive_int("1024")
    1024
    >>> positive_int("1_000")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '1_000' is not a positive integer (expected ASCII digits 0-9 only, e.g. 8)
    """
    shown = text if len(text) <= 40 else text[:37] + "..."
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{shown!r} is not a positive integer (expected ASCII digits 0-9 only, "
                                         "e.g. 8)")
    if len(text) > MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"{shown!r} has {len(text):,} digits; at most {MAX_DIGITS:,} are read")
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown!r} is not a positive integer (expected e.g. 8)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer (expected 1 or more)")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a positive, finite number (``80``, ``40.5``)."""
    import math

    shown = text if len(text) <= 40 else text[:37] + "..."
    if not text.isascii() or "_" in text:  # float() reads "1_0", full-width and other Unicode digits too
        raise argparse.ArgumentTypeError(f"{shown!r} is not a number (expected ASCII digits, e.g. 80)")
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown!r} is not a number (expected e.g. 80)") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number (expected e.g. 80)")
    return value


def add_workload(p: argparse.ArgumentParser) -> None:
    """``--batch`` and ``--seq``."""
    p.add_argument("--batch", type=positive_int, default=1, help="batch size b (default 1)")
    p.add_argument("--seq", type=positive_int, default=None, help="sequence length s (default: context length)")
