"""Bytes, dtypes and the units they are shown in (bytes, GB = 10⁹, GiB = 2³⁰).

>>> dtype_bytes("bf16"), dtype_bytes("fp32"), dtype_bytes("int4")
(2, 4, 1/2)
>>> format_bytes(8_508_230_400)
'8,508,230,400 bytes = 8.5082 GB = 7.9239 GiB'
"""

from __future__ import annotations

from fractions import Fraction

from sympy import Expr, Integer, Rational

from symparams.options import choose

__all__ = ["DTYPE_BYTES", "dtype_bytes", "GB", "GiB", "format_bytes", "format_int"]

GB = 10**9
GiB = 2**30

DTYPE_BYTES: dict[str, Expr] = {
    "fp64": Integer(8),
    "fp32": Integer(4),
    "tf32": Integer(4),
    "bf16": Integer(2),
    "fp16": Integer(2),
    "fp8": Integer(1),
    "int8": Integer(1),
    "int4": Rational(1, 2),
}
_ALIASES = {
    "float64": "fp64", "float32": "fp32", "float": "fp32", "bfloat16": "bf16",
    "float16": "fp16", "half": "fp16", "float8": "fp8",
}


def dtype_bytes(dtype: str) -> Expr:
    """Bytes per element of ``dtype`` (exact; ``int4`` is ``1/2``)."""
    key = _ALIASES.get(dtype, dtype) if isinstance(dtype, str) else dtype
    return choose("dtype", key, DTYPE_BYTES)


def format_int(value: int, sep: str = ",") -> str:
    """Group digits by thousands: ``format_int(2127057600)`` → ``'2,127,057,600'``."""
    return f"{value:,}".replace(",", sep)


def _decimal(value: Fraction, digits: int = 4) -> str:
    return f"{float(value):,.{digits}f}"


def format_bytes(value: int) -> str:
    """Bytes with the unit named, in decimal GB (10⁹) and binary GiB (2³⁰)."""
    exact = Fraction(value)
    return (
        f"{format_int(value)} bytes = {_decimal(exact / GB)} GB = {_decimal(exact / GiB)} GiB"
    )
