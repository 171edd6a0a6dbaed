"""Bytes, dtypes and the units they are shown in (bytes, GB = 10⁹, GiB = 2³⁰).

>>> dtype_bytes("bf16"), dtype_bytes("fp32"), dtype_bytes("int4")
(2, 4, 1/2)
>>> format_bytes(8_508_230_400)
'8,508,230,400 bytes = 8.5082 GB = 7.9239 GiB'

Every figure is written from exact integers and fractions, never through a float, so
a count past 1.8e308 still prints, and digit for digit: :func:`format_int` and
:func:`scientific` write ints of any length (past Python's 4,300-digit limit for
``str(int)`` too), :func:`format_decimal` rounds a fraction half up.

>>> scientific(3 * 10**400), format_decimal(Fraction(2, 3), 2), format_percent(Fraction(1, 8))
('3.000e+400', '0.67', '12.50 %')
"""

from __future__ import annotations

from fractions import Fraction

from sympy import Expr, Integer, Rational

from symparams.errors import OptionTypeError, type_name
from symparams.options import choose

__all__ = ["DTYPE_BYTES", "dtype_bytes", "GB", "GiB", "format_bytes", "format_int", "format_decimal",
           "format_percent", "scientific", "int_digits"]

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
    """Bytes per element of ``dtype`` (exact; ``int4`` is ``1/2``).

    >>> dtype_bytes(["bf16"])
    Traceback (most recent call last):
    ...
    symparams.errors.OptionTypeError: dtype=['bf16'] is a list, not a string; pass one of: fp64, fp32, tf32, bf16, fp16, fp8, int8, int4
    """
    if not isinstance(dtype, str):
        raise OptionTypeError(f"dtype={dtype!r} is a {type_name(dtype)}, not a string; pass one of: "
                              + ", ".join(DTYPE_BYTES))
    return choose("dtype", _ALIASES.get(dtype, dtype), DTYPE_BYTES)


_CHUNK = 1000  # digits per piece when an int is too long for one str() call


def int_digits(value: int) -> str:
    """The decimal digits of ``value``, exactly, however long (``str()`` stops at 4,300 digits).

    >>> len(int_digits(10**10000)), int_digits(-12)
    (10001, '-12')
    """
    if value < 0:
        return "-" + int_digits(-value)
    if value.bit_length() <= 3 * _CHUNK:  # well inside str()'s limit
        return str(value)
    k = max(_CHUNK, int(value.bit_length() * 0.30103) // 2)  # split near the middle
    high, low = divmod(value, 10**k)
    return int_digits(high) + int_digits(low).rjust(k, "0")


def format_int(value: int, sep: str = ",") -> str:
    """Group digits by thousands: ``format_int(2127057600)`` → ``'2,127,057,600'``."""
    if value.bit_length() <= 3 * _CHUNK:
        return f"{value:,}".replace(",", sep)
    digits = int_digits(abs(value))
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return ("-" if value < 0 else "") + sep.join(groups)


def format_decimal(value, digits: int = 4, sep: str = ",") -> str:
    """``value`` (an int or Fraction) rounded half up to ``digits`` decimals, thousands grouped;
    exact (no float)."""
    value = Fraction(value)
    scaled = abs(value) * 10**digits
    q, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r >= scaled.denominator:
        q += 1
    whole, part = divmod(q, 10**digits)
    sign = "-" if value < 0 and q else ""
    return sign + format_int(whole, sep) + (f".{part:0{digits}d}" if digits else "")


def format_percent(share, digits: int = 2) -> str:
    """A share (a Fraction) as a percentage: ``Fraction(1, 3)`` → ``'33.33 %'`` (exact rounding)."""
    return f"{format_decimal(Fraction(share) * 100, digits)} %"


def scientific(value: int, digits: int = 4) -> str:
    """``3.507e+12``: ``digits`` significant digits, rounded half up from the exact digits (no
    float, so a count past 1e308 still prints).

    >>> scientific(3506703564800), scientific(99995), scientific(12), scientific(0)
    ('3.507e+12', '1.000e+05', '1.200e+01', '0.000e+00')
    """
    text = int_digits(abs(value))
    exponent = len(text) - 1
    padded = text.ljust(digits + 1, "0")
    rounded = int(padded[:digits]) + (1 if padded[digits] >= "5" else 0)
    if rounded == 10**digits:
        rounded, exponent = 10 ** (digits - 1), exponent + 1
    shown = str(rounded).rjust(digits, "0")
    mantissa = shown[0] + ("." + shown[1:] if digits > 1 else "")
    return f"{'-' if value < 0 else ''}{mantissa}e+{exponent:02d}"


def format_bytes(value: int) -> str:
    """Bytes with the unit named, in decimal GB (10⁹) and binary GiB (2³⁰)."""
    exact = Fraction(value)
    return (
        f"{format_int(value)} bytes = {format_decimal(exact / GB)} GB = {format_decimal(exact / GiB)} GiB"
    )
