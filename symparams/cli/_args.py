"""Argument types and options the commands share (stdlib only: building the parser imports no SymPy)."""

from __future__ import annotations

import argparse

__all__ = ["positive_int", "positive_float", "positive_decimal", "positive_whole", "add_workload", "DTYPES", "MAX_DIGITS", "DTYPE_ALIASES", "dtype",
           "add_dtype", "add_allow_longer", "add_revision"]

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


_DECIMAL = r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]{1,3})?|\.[0-9]+(?:[eE][+-]?[0-9]{1,3})?"


def positive_decimal(text: str):
    """An argparse type: a positive number written in ASCII decimal (``140``, ``2.5``, ``1e12``), kept
    exact as a :class:`~fractions.Fraction` (no float, so ``0.1`` is exactly a tenth); signs, ``_``,
    non-ASCII digits and exponents past 999 are refused.

    >>> positive_decimal("2.5e12")
    Fraction(2500000000000, 1)
    >>> positive_decimal("1_000")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '1_000' is not a positive number (expected ASCII decimal such as 2.5 or 1e12)
    """
    import re
    from fractions import Fraction

    shown = text if len(text) <= 40 else text[:37] + "..."
    if len(text) > MAX_DIGITS or not re.fullmatch(_DECIMAL, text, flags=re.ASCII):
        raise argparse.ArgumentTypeError(f"{shown!r} is not a positive number (expected ASCII decimal such as "
                                         "2.5 or 1e12)")
    value = Fraction(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{shown} is not a positive number")
    return value


def positive_whole(text: str) -> int:
    """An argparse type: a positive whole number, in ASCII decimal or scientific notation (``2e12``).

    >>> positive_whole("2e12")
    2000000000000
    """
    value = positive_decimal(text)
    if value.denominator != 1:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number")
    return value.numerator


def add_workload(p: argparse.ArgumentParser) -> None:
    """``--batch`` and ``--seq``."""
    p.add_argument("--batch", type=positive_int, default=1, help="batch size b (default 1)")
    p.add_argument("--seq", type=positive_int, default=None, help="sequence length s (default: context length)")


#: other spellings of :data:`DTYPES` (PyTorch's and NumPy's names), accepted by every command
DTYPE_ALIASES = {"bfloat16": "bf16", "float16": "fp16", "half": "fp16", "float32": "fp32", "float": "fp32"}


def dtype(text: str) -> str:
    """An argparse type: a dtype of :data:`DTYPES`, or one of its aliases (``bfloat16``, ``torch.float16``)."""
    key = text.strip().lower().removeprefix("torch.")
    return DTYPE_ALIASES.get(key, key)


def add_dtype(p: argparse.ArgumentParser, default: str | None, what: str) -> None:
    """``--dtype``: one vocabulary (:data:`DTYPES` and :data:`DTYPE_ALIASES`) for every command."""
    shown = f"default {default}" if default else "default: see the command"
    p.add_argument("--dtype", type=dtype, default=default, choices=DTYPES, metavar="{" + ",".join(DTYPES) + "}",
                   help=f"dtype of {what} ({shown}; bfloat16, float16, float32 accepted)")


def add_allow_longer(p: argparse.ArgumentParser) -> None:
    """``--allow-longer``: evaluate a sequence longer than the model's learned positions anyway."""
    p.add_argument("--allow-longer", action="store_true",
                   help="evaluate a --seq longer than the model's learned position table (refused otherwise)")


def add_revision(p: argparse.ArgumentParser) -> None:
    """``--revision``: the branch, tag or commit of a Hugging Face model id (default main)."""
    p.add_argument("--revision", default=None,
                   help="for a Hugging Face model id (org/name): branch, tag or commit hash (default main)")
