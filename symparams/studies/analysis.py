"""Analysis a numeric calculator cannot do: leading order with its exact remainder,
crossovers in closed form, elasticities, and solving memory budgets.

Each function is one call on symbolic costs (an architecture, or any formula).

>>> from symparams.families import architecture
>>> seq_crossover(architecture("gpt-classic"), "attention", "dense")
6*h
>>> seq_crossover(architecture("gpt-classic"), "attention", "mlp")
4*h
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from math import ceil, floor
from typing import Mapping

from sympy import Expr, Integer, Rational, cancel, diff, expand, factor, solve

from symparams._expr import as_expr
from symparams.algebra import DEFAULT_LARGE, leading_order
from symparams.conventions import FLOP_COUNTER, FlopConvention
from symparams.errors import MissingValueError, OptionError
from symparams.options import choose
from symparams.symbols import a as _a, b as _b, h as _h, n_kv as _n_kv, s as _s
from symparams.values import evaluate_exact, normalize_values

__all__ = [
    "LeadingView", "leading_view", "flops_of", "FLOP_GROUPS", "seq_crossover",
    "kv_weights_crossover", "logits_width", "sensitivity", "elasticity", "gqa_savings",
    "largest_fitting", "fewest_fitting", "largest_batch", "fewest_devices", "flop_shares", "flop_group",
]


# ---- leading order with the exact remainder ------------------------------------------------------

@dataclass(frozen=True)
class LeadingView:
    """``expr = leading · (1 + ratio)``: the leading-order form and the exact remainder ratio."""

    expr: Expr
    leading: Expr
    remainder: Expr
    ratio: Expr
    large: tuple = DEFAULT_LARGE

    def at(self, values: Mapping) -> Fraction:
        """The remainder ratio ``remainder / leading`` at ``values``, exact."""
        sizes = normalize_values(values)
        return evaluate_exact(self.remainder, sizes) / evaluate_exact(self.leading, sizes)

    def _repr_latex_(self) -> str:
        from symparams.printing.reprs import leading_view_latex

        return leading_view_latex(self)


def leading_view(expr, large=DEFAULT_LARGE) -> LeadingView:
    """Leading-order form of ``expr`` and the exact ratio of what it leaves out.

    >>> from symparams.symbols import l, h, V
    >>> v = leading_view(12*l*h**2 + 13*l*h + V*h)
    >>> v.leading, v.ratio
    (12*h**2*l, (V + 13*l)/(12*h*l))
    >>> v.at({"l": 48, "h": 1600, "V": 50257})
    Fraction(50881, 921600)
    """
    expr = expand(as_expr(expr))
    lead = leading_order(expr, large)
    rem = expand(expr - lead)
    return LeadingView(expr, lead, rem, factor(cancel(rem / lead)), tuple(large))


# ---- FLOPs by group and the sequence length where two groups cross -------------------------------

FLOP_GROUPS = ("attention", "projections", "mlp", "dense", "logits")


def flops_of(arch, group: str, convention: FlopConvention = FLOP_COUNTER, *, b=_b) -> Expr:
    """Forward FLOPs of one group of matmuls, model-wide.

    ``"attention"``: the score and value products (``s × s``); ``"projections"``:
    Q, K, V, O; ``"mlp"``: the feed-forward matrices; ``"dense"``: every weight
    matmul of the blocks (projections + MLP); ``"logits"``: the output head.

    >>> from symparams.families import architecture
    >>> flops_of(architecture("gpt-classic"), "attention")
    4*b*h*l*s**2
    """
    from symparams.costs.flops import matmul_flops

    choose("group", group, FLOP_GROUPS)

    def select(component, stack, mm) -> bool:
        return {
            "attention": mm.kind == "attention",
            "projections": mm.kind == "linear" and component.key in ("attention", "mla") and stack.layers,
            "mlp": mm.kind == "linear" and component.key in ("mlp", "moe") and stack.layers,
            "dense": mm.kind == "linear" and stack.layers,
            "logits": mm.kind == "logits",
        }[group]

    return expand(matmul_flops(arch, convention, select, b=b))


def _positive_root(equation, symbol) -> Expr:
    roots = [r for r in solve(equation, symbol) if r.is_positive is not False and r != 0]
    if len(roots) != 1:
        raise OptionError(f"expected one positive {symbol} solving {equation} = 0, found {roots}")
    return cancel(roots[0])


def seq_crossover(arch, first: str = "attention", second: str = "dense",
                  convention: FlopConvention = FLOP_COUNTER) -> Expr:
    """The sequence length ``s`` at which two FLOP groups are equal, in closed form.

    Attention products grow as ``s²``, everything else as ``s``: below the
    crossover ``first`` costs less than ``second``. For classic MHA without causal
    halving, attention equals all dense matmuls at ``s = 6h`` (Narayanan's
    ``s/(6h)``) and the MLP alone at ``s = 4h``; causal halving doubles both.

    >>> from symparams.families import architecture
    >>> from symparams.conventions import CAUSAL_HALF
    >>> seq_crossover(architecture("gpt-classic"), convention=CAUSAL_HALF)
    12*h
    >>> seq_crossover(architecture("cs336"), "attention", "mlp")
    3*d_ff/2
    """
    return _positive_root(flops_of(arch, first, convention) - flops_of(arch, second, convention), _s)


def kv_weights_crossover(arch, *, weight_dtype: str = "bf16", kv_dtype: str = "bf16", b=_b) -> Expr:
    """Tokens per sequence ``s`` at which the KV cache of ``b`` sequences weighs as much as the weights.

    >>> from symparams.families import architecture
    >>> kv_weights_crossover(architecture("gpt-classic"))
    (V + 12*h*l + 13*l)/(2*b*l)
    """
    from symparams.costs.kv_cache import kv_cache
    from symparams.units import dtype_bytes

    weights = arch.params().total * dtype_bytes(weight_dtype)
    cache = kv_cache(arch, dtype=kv_dtype, tokens=_s, b=b).total
    return _positive_root(expand(cache - weights), _s)


def logits_width(arch, share=Rational(1, 10), convention: FlopConvention = FLOP_COUNTER,
                 relations: Mapping | None = None) -> Expr:
    """The width ``h`` above which the logits take less than ``share`` of forward FLOPs.

    The threshold is the ``h`` where ``logits / forward = share`` exactly
    (default one tenth); ``relations`` ties other widths to ``h`` first (e.g.
    ``{d_ff: 4*h}``). The answer depends on ``V``, ``l`` and ``s``.

    >>> from symparams.families import architecture
    >>> logits_width(architecture("gpt-classic"))
    (9*V - 2*l*s)/(12*l)
    """
    rel = {k: as_expr(v) for k, v in (relations or {}).items()}
    total = sum((flops_of(arch, g, convention) for g in ("attention", "dense", "logits")), Integer(0))
    logits = flops_of(arch, "logits", convention)
    eq = expand((logits - as_expr(share) * total).xreplace(rel))
    return _positive_root(cancel(eq / (_b * _s * _h)), _h)


# ---- sensitivities ---------------------------------------------------------------------------

def sensitivity(expr, x) -> Expr:
    """``∂expr/∂x``, expanded.

    >>> from symparams.symbols import l, h, V
    >>> sensitivity(12*l*h**2 + 13*l*h + V*h, h)
    V + 24*h*l + 13*l
    """
    return expand(diff(as_expr(expr), x))


def elasticity(expr, x, values: Mapping | None = None):
    """``(x/expr)·∂expr/∂x``: the % change of ``expr`` per % change of ``x``.

    Symbolic, or an exact Fraction at ``values``. For ``12·l·h²`` it is 2.

    >>> from symparams.symbols import l, h, V
    >>> elasticity(12*l*h**2 + V*h, h)
    (V + 24*h*l)/(V + 12*h*l)
    >>> elasticity(12*l*h**2 + V*h, h, {"l": 12, "h": 768, "V": 50257})
    Fraction(271441, 160849)
    """
    expr = as_expr(expr)
    e = factor(cancel(x * diff(expr, x) / expr))
    if values is None:
        return e
    return evaluate_exact(e, normalize_values(values))


def gqa_savings(arch, cost: str = "kv_cache") -> Expr:
    """Fraction of ``cost`` saved by ``n_kv`` K/V heads instead of ``a``, as a function of ``n_kv/a``.

    ``cost`` is ``"kv_cache"``, ``"params"`` or ``"forward_flops"``; the
    architecture's attention is rebuilt with ``n_kv`` and with ``a`` K/V heads.

    >>> from symparams.families import architecture
    >>> gqa_savings(architecture("cs336"))
    (a - n_kv)/a
    >>> gqa_savings(architecture("gpt-classic"), "params")
    2*l*(a - n_kv)*(h + 1)/(a*(V + 12*h*l + 13*l))
    """
    from symparams.costs.registry import breakdown

    name = choose("cost", cost, {"kv_cache": "kv_cache_bytes", "params": "params", "forward_flops": "forward_flops"})

    def with_heads(heads):
        return arch.map_components(lambda c: replace(c, n_kv=heads) if c.key == "attention" else c)

    gqa, mha = (breakdown(with_heads(x), name).total for x in (_n_kv, _a))
    return factor(cancel(1 - gqa / mha))


# ---- solving a memory budget --------------------------------------------------------------------

def _fit(expr, budget, symbol, values, largest: bool) -> int:
    """The one budget solver: the largest (or smallest) positive integer ``symbol`` whose
    ``expr`` fits ``budget``. Linear memory (``α·x + β``) is solved in closed form
    (:func:`~symparams.costs.training.max_batch`); otherwise the real root is a start, checked
    exactly on the integers around it."""
    from symparams.costs.training import max_batch

    if isinstance(budget, bool) or not isinstance(budget, int):
        raise OptionError(f"budget={budget!r} must be an int number of bytes (80 GB is 80 * 10**9)")
    expr = as_expr(expr)
    sizes = normalize_values(values or {})
    sizes.pop(symbol, None)
    bound = expand(expr.xreplace({k: Integer(v) for k, v in sizes.items()}))
    if bound.free_symbols - {symbol}:
        names = ", ".join(sorted(x.name for x in bound.free_symbols - {symbol}))
        raise MissingValueError(f"cannot solve for {symbol}: no value for {names}")
    fits = lambda x: evaluate_exact(bound, {symbol: x}) <= budget  # noqa: E731
    if symbol not in bound.free_symbols:  # the same memory for every value of symbol
        if fits(1) == largest:
            raise OptionError(f"memory {bound} does not depend on {symbol}: "
                              f"{'every' if largest else 'no'} {symbol} fits {budget} bytes")
        return 0 if largest else 1
    alpha, beta = bound.coeff(symbol, 1), bound.coeff(symbol, 0)
    if largest and alpha.is_Rational and beta.is_Rational and expand(alpha * symbol + beta - bound) == 0:
        if alpha <= 0:
            raise OptionError(f"memory {bound} falls as {symbol} grows: every {symbol} fits")
        return max_batch(alpha, beta, budget)
    roots = [r for r in solve(bound - as_expr(budget), symbol) if r.is_real]
    guess = max([float(r) for r in roots if r > 0], default=1.0)  # a start only; checked exactly below
    x = max(1, floor(guess) if largest else ceil(guess))
    if largest:
        while x > 0 and not fits(x):
            x -= 1
        for _ in range(10_000):
            if not fits(x + 1):
                return x  # 0: nothing fits
            x += 1
        raise OptionError(f"{symbol} past {x} still fits {budget} bytes: does the memory grow with {symbol}?")
    while x > 1 and fits(x - 1):
        x -= 1
    for _ in range(10_000):
        if fits(x):
            return x
        x += 1
    raise OptionError(f"no {symbol} up to {x} fits {budget} bytes")


def largest_fitting(memory, budget: int, symbol=_b, values: Mapping | None = None) -> int:
    """The largest integer ``symbol`` (batch by default) with ``memory ≤ budget``.

    ``memory`` grows with ``symbol``; solved in closed form, then checked exactly
    on the integers around the root. 0 if even 1 does not fit.

    >>> from symparams.symbols import b, s, h
    >>> largest_fitting(10**9 + 34 * b * s * h, 80 * 10**9, values={"s": 1024, "h": 1600})
    1418
    """
    return _fit(memory, budget, symbol, values, largest=True)


def largest_where(fits, limit: int = 2**40) -> int:
    """The largest ``n`` in ``1..limit`` with ``fits(n)``, for a predicate true up to some point and
    false after (memory that grows with ``n``); 0 if ``fits(1)`` is false. Exact: doubling, then
    bisection, on integers.

    >>> largest_where(lambda n: n * n <= 10**6), largest_where(lambda n: False), largest_where(bool, limit=5)
    (1000, 0, 5)
    """
    if not fits(1):
        return 0
    lo, hi = 1, 2
    while hi < limit and fits(hi):
        lo, hi = hi, hi * 2
    if hi >= limit and fits(limit):
        return limit
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def fewest_fitting(memory, budget: int, symbol, values: Mapping | None = None) -> int:
    """The smallest integer ``symbol`` (devices: ``n_dp`` for ZeRO, ``t`` for TP) with ``memory ≤ budget``.

    ``memory`` falls as ``symbol`` grows (state or matrices split over devices).

    >>> from symparams.symbols import n_dp
    >>> P = 6_738_415_616
    >>> fewest_fitting(16 * P / n_dp, 80 * 10**9, n_dp)   # ZeRO-3: every byte sharded
    2
    """
    return _fit(memory, budget, symbol, values, largest=False)


def largest_batch(arch, budget: int, values: Mapping, **training) -> int:
    """The largest batch whose AdamW training memory fits ``budget`` bytes per device.

    ``training`` are the keyword arguments of
    :func:`symparams.costs.training.training_memory` (recipe, ZeRO stage,
    ``n_dp``, ``t``, activation variants); ``values`` the sizes and ``s``.

    >>> from symparams.families import architecture
    >>> xl = {"l": 48, "h": 1600, "a": 25, "V": 50257, "s": 1024}
    >>> largest_batch(architecture("gpt-classic"), 80 * 10**9, xl)
    6
    >>> largest_batch(architecture("gpt-classic"), 80 * 10**9, xl, activations={"recompute": "full"})
    149
    """
    from symparams.costs.training import training_memory

    return largest_fitting(training_memory(arch, **training).total, budget, _b, values)


def fewest_devices(arch, budget: int, values: Mapping, *, over: str = "n_dp", zero: int = 3,
                   **training) -> int:
    """The fewest devices (``over="n_dp"``: ZeRO data parallel; ``"t"``: tensor parallel) for
    which AdamW training memory per device fits ``budget`` bytes, at batch ``b`` in ``values``.

    >>> from symparams.families import architecture
    >>> llama = {"l": 32, "h": 4096, "a": 32, "V": 32000, "d_ff": 11008, "s": 4096, "b": 1}
    >>> fewest_devices(architecture("cs336"), 80 * 10**9, llama, activations={"recompute": "full"})
    2
    """
    from symparams.costs.training import training_memory
    from symparams.symbols import n_dp, t

    symbol = choose("over", over, {"n_dp": n_dp, "t": t})
    kwargs = {"zero": zero, over: symbol, **training}
    return fewest_fitting(training_memory(arch, **kwargs).total, budget, symbol, values)


# ---- shares of the forward FLOPs ------------------------------------------------------------------

_ATTENTION_PRODUCTS = ("scores", "values")


def flop_group(piece) -> str:
    """The group a forward-FLOP piece is reported in: attention projections, the attention
    products (``s × k`` scores and values), the feed-forward network, the output head."""
    component, _, product = piece.key.partition(".")
    if component in ("attention", "mla"):
        return "attention (s² products)" if product in _ATTENTION_PRODUCTS else "attention projections"
    if component in ("mlp", "moe"):
        return "feed-forward"
    if component in ("head", "output_head"):
        return "output head"
    return piece.label.split(":")[0]


def flop_shares(m, groups=None, *, batch: int = 1, seq: int | None = None, convention=None) -> dict[str, Fraction]:
    """Share of model ``m``'s forward FLOPs per group, as exact fractions summing to 1.

    ``groups`` is a mapping ``{group name: piece keys}`` (pieces not listed are
    left out, so the shares are of what the groups cover), or a function
    ``piece → group name`` (default :func:`flop_group`).

    >>> from symparams.presets import model
    >>> shares = flop_shares(model("gpt2-xl"), seq=1024)
    >>> sorted(shares), sum(shares.values())
    (['attention (s² products)', 'attention projections', 'feed-forward', 'output head'], Fraction(1, 1))
    """
    ev = m.forward_flops(batch=batch, seq=seq, convention=convention)
    bd = ev.breakdown
    if groups is None or callable(groups):
        group_of = groups or flop_group
        totals: dict[str, int] = {}
        for p in bd.pieces:
            name = group_of(p)
            totals[name] = totals.get(name, 0) + ev.value(bd.contribution(p))
        return {g: Fraction(v, ev.total) for g, v in totals.items()}
    picked = {g: sum(ev[key] for key in keys if key in bd.keys()) for g, keys in groups.items()}
    covered = sum(picked.values())
    return {g: Fraction(v, covered) for g, v in picked.items()}
