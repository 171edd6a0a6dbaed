"""Check a formula of your own against the library's exact count.

:func:`check_formula` draws valid sizes for an architecture (with
:func:`symparams.testing.strategies.sizes`), evaluates your candidate and the
library's cost at each, and raises :class:`FormulaMismatch` with the
*smallest* counterexample Hypothesis can shrink to, showing both numbers.
:func:`find_counterexample` returns that counterexample instead of raising.

The classic slip — ``11lh`` instead of ``13lh`` (forgetting the two
LayerNorms' shifts β, say) — is caught at once and shrunk to the one-layer,
one-head, width-1 model, where the two numbers can be checked by hand:

>>> from symparams.symbols import l, h, V
>>> check_formula(12*l*h**2 + 11*l*h + V*h, "gpt-classic")
Traceback (most recent call last):
...
symparams.testing.checks.FormulaMismatch: candidate V*h + 12*h**2*l + 11*h*l != params of gpt-classic at V=1, a=1, h=1, l=1: candidate 24, library 26 (off by -2)
>>> check_formula(12*l*h**2 + 13*l*h + V*h, "gpt-classic")  # the right one passes silently
>>> find_counterexample(lambda l, h, V, **_: 12*l*h*h + 13*l*h + V*h, "gpt-classic") is None
True

Needs the ``test`` extra (Hypothesis).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from symparams.costs.registry import COSTS as REGISTRY, breakdown

try:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("symparams.testing needs Hypothesis: pip install 'symparams[test]'") from exc

from symparams.testing.strategies import _arch, sizes

__all__ = ["COSTS", "Counterexample", "FormulaMismatch", "check_formula", "find_counterexample", "library_cost"]

#: cost names :func:`check_formula` understands: every cost of the registry (and its aliases)
COSTS = {name: cost.description for name, cost in REGISTRY.items()}


@dataclass(frozen=True)
class Counterexample:
    """Sizes at which a candidate and the library disagree, with both numbers."""

    sizes: Mapping[str, int]
    candidate: Fraction
    library: int
    cost: str
    architecture: str
    formula: str = ""

    def __str__(self) -> str:
        at = ", ".join(f"{k}={v}" for k, v in sorted(self.sizes.items()))
        got = self.candidate.numerator if self.candidate.denominator == 1 else self.candidate
        shown = f"candidate {self.formula} != " if self.formula else ""
        return (
            f"{shown}{self.cost} of {self.architecture} at {at}: "
            f"candidate {got}, library {self.library} (off by {self.candidate - self.library})"
        )


    def _repr_markdown_(self) -> str:
        at = ", ".join(f"{k} = {v:,}" for k, v in sorted(self.sizes.items()))
        whole = self.candidate.denominator == 1
        got = f"{self.candidate.numerator:,}" if whole else str(self.candidate)
        off = self.candidate - self.library
        off_text = f"{off.numerator:+,}" if whole else f"{off}"
        return (f"**counterexample** ({self.cost} of `{self.architecture}`) at {at}: candidate **{got}**, "
                f"library **{self.library:,}** (off by {off_text})")


class FormulaMismatch(AssertionError):
    """A candidate formula disagrees with the library; ``.counterexample`` says where."""

    def __init__(self, counterexample: Counterexample):
        super().__init__(str(counterexample))
        self.counterexample = counterexample


def library_cost(arch, cost: str, *, dtype: str = "bf16", convention=None):
    """The library's formula for ``cost`` (a name of :data:`symparams.costs.registry.COSTS`, or an
    alias such as ``"flops"``), a SymPy expression over the symbols.

    >>> library_cost(_arch("gpt-classic"), "kv_cache_elements")
    2*b*h*l*(n + s)
    """
    return breakdown(arch, cost, convention, dtype=dtype).total


def _evaluate_candidate(candidate, values: Mapping[str, int]) -> Fraction:
    if callable(candidate) and not hasattr(candidate, "free_symbols"):
        result = candidate(**values)
        if isinstance(result, bool) or not isinstance(result, (int, Fraction)):
            result = Fraction(str(result)) if hasattr(result, "is_Rational") and result.is_Rational else result
        if not isinstance(result, (int, Fraction)):
            raise TypeError(f"candidate returned {type(result).__name__} {result!r}; return an int or Fraction")
        return Fraction(result)
    from symparams.values import evaluate_exact, normalize_values

    return evaluate_exact(candidate, normalize_values(values))


def find_counterexample(candidate, architecture="gpt-classic", cost: str = "params", *,
                        max_examples: int = 200, derandomize: bool = True, dtype: str = "bf16",
                        strategy=None, **bounds) -> Counterexample | None:
    """The smallest sizes at which ``candidate`` differs from the library, or ``None``.

    Parameters
    ----------
    candidate
        A SymPy expression over :mod:`symparams.symbols`, or a callable taking
        the sizes as keyword arguments (``lambda l, h, V, **_: ...``) and
        returning an ``int`` or ``Fraction``.
    architecture
        An architecture name or :class:`~symparams.Architecture`.
    cost
        One of :data:`COSTS`.
    max_examples, derandomize
        Hypothesis settings; ``derandomize=True`` makes the result
        reproducible (the same counterexample on every run).
    strategy
        A strategy of ``{name: int}`` sizes to draw from instead of
        :func:`~symparams.testing.strategies.sizes` (``**bounds`` go there).
    """
    arch = _arch(architecture)
    expr = library_cost(arch, cost, dtype=dtype)
    strategy = sizes(arch, **bounds) if strategy is None else strategy
    from symparams.values import evaluate, normalize_values

    formula = "" if callable(candidate) and not hasattr(candidate, "free_symbols") else str(candidate)
    found: list[Counterexample] = []

    class _Mismatch(Exception):
        pass

    @settings(max_examples=max_examples, derandomize=derandomize, database=None, deadline=None,
              verbosity=Verbosity.quiet, phases=(Phase.explicit, Phase.generate, Phase.shrink),
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(values):
        library = evaluate(expr, normalize_values(values))
        got = _evaluate_candidate(candidate, values)
        if got != library:
            used = {s.name for s in expr.free_symbols}
            if formula:
                used |= {s.name for s in candidate.free_symbols}
            shown = {k: v for k, v in values.items() if k in used or k in ("l", "h", "a")}
            found.append(Counterexample(shown, got, library, cost, arch.name, formula))
            raise _Mismatch

    try:
        run()
    except _Mismatch:
        return found[-1]  # the last failure is Hypothesis' replay of the shrunk example
    return None


def check_formula(candidate, architecture="gpt-classic", cost: str = "params", **kwargs) -> None:
    """Raise :class:`FormulaMismatch` (an ``AssertionError``) if ``candidate`` is wrong.

    Same arguments as :func:`find_counterexample`; returns ``None`` when no
    drawn size tells the two apart. Use it inside your own tests.
    """
    counterexample = find_counterexample(candidate, architecture, cost, **kwargs)
    if counterexample is not None:
        raise FormulaMismatch(counterexample)
