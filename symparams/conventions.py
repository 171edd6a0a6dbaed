"""How FLOPs are counted, as an explicit value instead of a silent choice.

Tools disagree on FLOPs mostly because they count under different conventions.
A :class:`FlopConvention` names one: FLOPs per multiply-accumulate, and the
fraction of the ``s × s`` attention products that is counted (1 for the full
square as PyTorch's ``FlopCounterMode`` does, ``1/2`` for causal halving).

>>> from symparams.symbols import s
>>> FLOP_COUNTER.describe()
'FlopCounterMode: matmuls only, 2 FLOPs per multiply-accumulate, attention products over the full s×s (no causal halving), logits at every position'
>>> CAUSAL_HALF.attention_fraction
1/2
"""

from __future__ import annotations

from dataclasses import dataclass, replace as replace_

from sympy import Add, Expr, Integer, Min, Rational, expand, factor

from symparams._expr import as_expr
from symparams.errors import ConventionError
from symparams.precision import RECIPES
from symparams.symbols import b as _B, s as _S, w as _W

__all__ = [
    "FlopConvention", "FLOP_COUNTER", "CAUSAL_HALF", "MACS", "CAUSAL_EXACT", "SLIDING_WINDOW", "WITH_ELEMENTWISE",
    "CONVENTIONS", "convention", "Convention", "ConventionDiff", "DEFAULT", "NAMED", "COSTS",
    "TRAINING_BYTES", "diff", "parse_convention",
]


@dataclass(frozen=True)
class FlopConvention:
    """A named way of counting matmul FLOPs."""

    name: str
    flops_per_mac: Expr = Integer(2)
    attention_fraction: Expr = Integer(1)
    summary: str = ""
    elementwise: bool = False  # also count norms, activations, softmax, bias adds (components' elementwise_flops)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flops_per_mac", as_expr(self.flops_per_mac))
        object.__setattr__(self, "attention_fraction", as_expr(self.attention_fraction))
        if self.flops_per_mac.is_positive is False:
            raise ConventionError(f"flops_per_mac={self.flops_per_mac} must be positive")

    def matmul_flops(self, mm, s) -> Expr:
        """FLOPs of one :class:`~symparams.components.base.Matmul` under this convention."""
        flops = mm.flops(self.flops_per_mac)
        if mm.kind != "attention":
            return flops
        return flops * self.attention_fraction.xreplace({_S: s})  # the fraction at this s

    def describe(self) -> str:
        """One line naming every choice (shown beside every FLOP count)."""
        per_mac = f"{self.flops_per_mac} FLOP{'s' if self.flops_per_mac != 1 else ''} per multiply-accumulate"
        if self.attention_fraction == 1:
            attn = "attention products over the full s×s (no causal halving)"
        else:
            attn = f"attention products × {self.attention_fraction} (causal)"
        head = f"{self.name}: " if self.name else ""
        what = "matmuls plus elementwise work (norms, activations, softmax, bias adds)" if self.elementwise \
            else "matmuls only"
        return f"{head}{what}, {per_mac}, {attn}, logits at every position"


FLOP_COUNTER = FlopConvention(
    "FlopCounterMode",
    summary="PyTorch FlopCounterMode on an eager model (the default)",
)
CAUSAL_HALF = FlopConvention(
    "causal-half",
    attention_fraction=Rational(1, 2),
    summary="as FlopCounterMode, but the causal mask halves the s×s attention products",
)
MACS = FlopConvention(
    "macs",
    flops_per_mac=Integer(1),
    summary="multiply-accumulates (1 per MAC), as tools that report 'MACs'",
)

CAUSAL_EXACT = FlopConvention(
    "causal-exact",
    attention_fraction=(_S + 1) / (2 * _S),
    summary="only the s(s+1)/2 query-key pairs a causal mask keeps: fraction (s+1)/(2s)",
)
_W_EFF = Min(_W, _S)  # a window longer than the sequence is the whole causal triangle
SLIDING_WINDOW = FlopConvention(
    "sliding-window",
    attention_fraction=_W_EFF * (2 * _S - _W_EFF + 1) / (2 * _S**2),
    summary="causal sliding window of w tokens: min(w,s)(2s-min(w,s)+1)/2 pairs of the s×s",
)

WITH_ELEMENTWISE = FlopConvention(
    "with-elementwise",
    elementwise=True,
    summary="as FlopCounterMode, plus each component's elementwise_flops (named per component)",
)

CONVENTIONS: dict[str, FlopConvention] = {
    c.name: c for c in (FLOP_COUNTER, CAUSAL_HALF, MACS, CAUSAL_EXACT, SLIDING_WINDOW, WITH_ELEMENTWISE)
}


def convention(name: str) -> FlopConvention:
    """The built-in convention called ``name``."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise ConventionError(
            f"unknown FLOP convention {name!r}; choose one of: {', '.join(CONVENTIONS)}"
        ) from None


# ---- every convention a cost depends on, composable -------------------------------------------

CAUSAL = {"full": FLOP_COUNTER.attention_fraction, "half": CAUSAL_HALF.attention_fraction,
          "exact": CAUSAL_EXACT.attention_fraction, "window": SLIDING_WINDOW.attention_fraction}
METHODS = ("matmuls", "6N", "6N+attention")
RECOMPUTE = ("none", "selective", "full")
# bytes per parameter of (weights, gradients, optimizer state) when training with AdamW,
# by the short names conventions use for symparams.precision's recipes
TRAINING_BYTES = {"16": RECIPES["mixed"].bytes, "18": RECIPES["mixed-18"].bytes, "fp32": RECIPES["fp32"].bytes}
COSTS = ("N", "forward_flops", "training_flops", "kv_cache_bytes", "training_state_bytes")


@dataclass(frozen=True)
class Convention:
    """Every choice a cost depends on, named: tools disagree when they differ here.

    ``flops`` (FLOPs per MAC and causal fraction), ``method`` — how forward FLOPs
    are counted: ``"matmuls"`` (every matmul from the shapes), ``"6N"`` (2N per
    token forward) or ``"6N+attention"`` (2N plus the attention products, PaLM) —,
    ``backward_factor`` (backward = that × forward), ``recompute`` (``"none"``,
    ``"selective"``: the attention products again, ``"full"``: every block's
    forward again), ``embeddings_in_n`` (do lookup tables count in N),
    ``training_bytes`` (weights, gradients, optimizer bytes per parameter) and
    ``kv_factor`` (2 for K and V; 1 reproduces a common bug).

    >>> from symparams.architectures import architecture
    >>> arch = architecture("gpt-classic")
    >>> DEFAULT.forward_flops(arch)
    2*V*b*h*s + 24*b*h**2*l*s + 4*b*h*l*s**2
    >>> expand(DEFAULT.replace(flops=CAUSAL_HALF, method="6N+attention").forward_flops(arch))
    2*V*b*h*s + 24*b*h**2*l*s + 2*b*h*l*s**2 + 26*b*h*l*s
    >>> parse_convention("6N,embeddings=exclude").N(arch)
    l*(12*h**2 + 13*h)
    """

    name: str = "default"
    flops: FlopConvention = FLOP_COUNTER
    method: str = "matmuls"
    backward_factor: Expr = Integer(2)
    recompute: str = "none"
    embeddings_in_n: bool = True
    training_bytes: tuple = TRAINING_BYTES["16"]
    kv_factor: Expr = Integer(2)

    def __post_init__(self) -> None:
        for field_, allowed in (("method", METHODS), ("recompute", RECOMPUTE)):
            if getattr(self, field_) not in allowed:
                raise ConventionError(
                    f"{field_}={getattr(self, field_)!r} is not one of: {', '.join(allowed)}")
        object.__setattr__(self, "backward_factor", as_expr(self.backward_factor))
        object.__setattr__(self, "kv_factor", as_expr(self.kv_factor))
        object.__setattr__(self, "training_bytes", tuple(as_expr(x) for x in self.training_bytes))

    def replace(self, **changes) -> "Convention":
        """This convention with some choices changed (``name`` follows unless given).

        >>> DEFAULT.replace(method="6N").name
        'default,method=6N'
        """
        if "name" not in changes:
            changes["name"] = self.name + "," + ",".join(f"{k}={_show(v)}" for k, v in changes.items())
        return replace_(self, **changes)

    def describe(self) -> str:
        """One line naming every choice."""
        emb = "in N" if self.embeddings_in_n else "not in N"
        wb, gb, ob = self.training_bytes
        return (f"{self.name}: forward by {self.method}, {self.flops.flops_per_mac} FLOPs/MAC, "
                f"attention × {self.flops.attention_fraction}, backward = {self.backward_factor}× forward, "
                f"recompute {self.recompute}, embeddings {emb}, AdamW {wb}+{gb}+{ob} = "
                f"{wb + gb + ob} bytes/param, KV × {self.kv_factor}")

    # -- the costs, each re-expressed under this convention --------------------------------
    def matmul_flops(self, arch, kinds=None, *, b=_B, s=_S, block_only: bool = False) -> Expr:
        """Model-wide FLOPs of the matmuls of ``kinds`` (all if None), from the shapes.

        >>> from symparams.architectures import architecture
        >>> DEFAULT.matmul_flops(architecture("gpt-classic"), ("attention",))
        4*b*h*l*s**2
        """
        from symparams.costs.flops import selected_matmul_flops

        def select(component, in_block, mm) -> bool:
            return (kinds is None or mm.kind in kinds) and (in_block or not block_only)

        return selected_matmul_flops(arch, self.flops, select, b=b, s=s)

    def N(self, arch) -> Expr:
        """Parameters ``N``: all trainable ones, less the lookup tables unless ``embeddings_in_n``."""
        from symparams.costs.params import embedding_params

        total = arch.params().total
        return total if self.embeddings_in_n else total - embedding_params(arch)

    def forward_flops(self, arch, *, b=_B, s=_S) -> Expr:
        """Forward FLOPs over ``b × s`` tokens."""
        if self.method == "matmuls":
            return self.matmul_flops(arch, b=b, s=s)
        per_param = self.flops.flops_per_mac * self.N(arch) * b * s
        if self.method == "6N":
            return per_param
        return per_param + self.matmul_flops(arch, ("attention",), b=b, s=s)

    def recompute_flops(self, arch, *, b=_B, s=_S) -> Expr:
        """FLOPs recomputed in the backward pass under ``recompute``."""
        from symparams.costs.flops import recompute_flops

        if self.recompute == "full" and self.method != "matmuls":
            return self.forward_flops(arch, b=b, s=s)  # the approximation's whole forward again
        return recompute_flops(arch, self.recompute, self.flops, b=b, s=s).total

    def training_flops(self, arch, *, b=_B, s=_S) -> Expr:
        """FLOPs of one training step: forward × (1 + backward_factor) + recomputation."""
        fwd = self.forward_flops(arch, b=b, s=s)
        return (1 + self.backward_factor) * fwd + self.recompute_flops(arch, b=b, s=s)

    def kv_cache_bytes(self, arch, *, dtype: str = "bf16", b=_B, s=_S) -> Expr:
        """KV cache bytes for ``b × s`` cached tokens (× kv_factor / 2 of the true K and V)."""
        from symparams.costs.kv_cache import kv_cache

        return kv_cache(arch, dtype=dtype, tokens=s, b=b).total * self.kv_factor / 2

    def training_state_bytes(self, arch) -> Expr:
        """Bytes of weights + gradients + AdamW state (every parameter, embeddings included)."""
        return arch.params().total * Add(*self.training_bytes)

    def cost(self, name: str, arch) -> Expr:
        """The cost called ``name`` (one of :data:`COSTS`) under this convention."""
        if name not in COSTS:
            raise ConventionError(f"unknown cost {name!r}; choose one of: {', '.join(COSTS)}")
        return getattr(self, name)(arch)


@dataclass(frozen=True)
class ConventionDiff:
    """One cost under two conventions, and their difference (expanded, then factored).

    >>> from symparams.architectures import architecture
    >>> d = diff("forward_flops", architecture("gpt-classic"), DEFAULT, parse_convention("causal-half"))
    >>> d.difference
    2*b*h*l*s**2
    >>> d.at({"l": 12, "h": 768, "V": 50257, "b": 1, "s": 1024})["difference"] == 2 * 768 * 12 * 1024**2
    True
    """

    cost: str
    a: Convention
    b: Convention
    expr_a: Expr
    expr_b: Expr
    difference: Expr

    def at(self, values) -> dict:
        """Both values, their difference and ratio a/b, exact (ints or Fractions)."""
        from symparams.values import evaluate_exact, normalize_values

        sizes = normalize_values(values)
        va, vb = (evaluate_exact(e, sizes) for e in (self.expr_a, self.expr_b))
        as_int = lambda x: int(x) if x.denominator == 1 else x  # noqa: E731
        return {"a": as_int(va), "b": as_int(vb), "difference": as_int(va - vb),
                "ratio": as_int(va / vb) if vb else None}


def diff(cost: str, arch, a: "Convention", b: "Convention") -> ConventionDiff:
    """``cost`` under ``a`` minus under ``b``, symbolically (``factor(expand(a − b))``)."""
    ea, eb = a.cost(cost, arch), b.cost(cost, arch)
    return ConventionDiff(cost, a, b, ea, eb, factor(expand(ea - eb)))


DEFAULT = Convention("default")

# Named partial conventions: composed left to right by parse_convention("a,b,key=value").
NAMED: dict[str, dict] = {
    "default": {},
    "flop-counter": {"flops": FLOP_COUNTER},
    "causal-half": {"flops": CAUSAL_HALF},
    "causal-exact": {"flops": CAUSAL_EXACT},
    "macs": {"flops": MACS},
    "6N": {"method": "6N"},
    "kaplan": {"method": "6N", "embeddings_in_n": False},
    "palm": {"method": "6N+attention"},
    "mixed-18": {"training_bytes": TRAINING_BYTES["18"]},
    "kv-no-x2": {"kv_factor": Integer(1)},
    "full-recompute": {"recompute": "full"},
    "selective-recompute": {"recompute": "selective"},
}
_KEYS = {
    "causal": lambda v: ("flops", _flops_with(f"causal={v}", fraction=_choice("causal", v, CAUSAL))),
    "mac": lambda v: ("flops", _flops_with(f"mac={v}", per_mac=_choice("mac", v, {"1": 1, "2": 2}))),
    "method": lambda v: ("method", _choice("method", v, {m: m for m in METHODS})),
    "recompute": lambda v: ("recompute", _choice("recompute", v, {r: r for r in RECOMPUTE})),
    "embeddings": lambda v: ("embeddings_in_n", _choice("embeddings", v, {"include": True, "exclude": False})),
    "bytes": lambda v: ("training_bytes", _choice("bytes", v, TRAINING_BYTES)),
    "kv": lambda v: ("kv_factor", Integer(_choice("kv", v, {"1": 1, "2": 2}))),
    "backward": lambda v: ("backward_factor", Integer(_choice("backward", v, {"1": 1, "2": 2, "3": 3}))),
}


def _choice(key: str, value: str, options: dict):
    if value not in options:
        raise ConventionError(f"{key}={value!r} is not one of: {', '.join(options)}")
    return options[value]


def _flops_with(change: str, *, fraction=None, per_mac=None):
    """A change to the current FlopConvention, named in it; ``elementwise`` is kept.

    The name records the change (``FlopCounterMode,causal=half``): the counter
    itself never halves, so the old name alone would mislabel the count.
    """
    changes = {"summary": ""}
    if fraction is not None:
        changes["attention_fraction"] = fraction
    if per_mac is not None:
        changes["flops_per_mac"] = per_mac
    return lambda current: replace_(current, name=f"{current.name},{change}", **changes)


def _show(v) -> str:
    return v.name if isinstance(v, FlopConvention) else str(v)


def parse_convention(spec: str, base: Convention = DEFAULT) -> Convention:
    """A convention from ``"name,name,key=value"`` items applied left to right to ``base``.

    Names are the keys of :data:`NAMED`; keys are ``causal`` (full, half, exact,
    window), ``mac`` (1, 2), ``method`` (matmuls, 6N, 6N+attention), ``recompute``,
    ``embeddings`` (include, exclude), ``bytes`` (16, 18, fp32), ``kv`` (1, 2),
    ``backward``. Plain string matching only: nothing is evaluated.

    >>> parse_convention("macs,causal=exact").flops.attention_fraction
    (s + 1)/(2*s)
    >>> parse_convention("causal=quarter")
    Traceback (most recent call last):
    ...
    symparams.errors.ConventionError: causal='quarter' is not one of: full, half, exact, window
    """
    changes: dict = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        if "=" in item:
            key, _, value = item.partition("=")
            if key not in _KEYS:
                raise ConventionError(f"unknown convention key {key!r} in {spec!r}; keys: {', '.join(_KEYS)}")
            field_, value = _KEYS[key](value)
            if callable(value):
                value = value(changes.get("flops", base.flops))
            changes[field_] = value
        elif item in NAMED:
            changes.update(NAMED[item])
        else:
            raise ConventionError(
                f"unknown convention {item!r}; names: {', '.join(NAMED)}; or key=value with keys {', '.join(_KEYS)}")
    return replace_(base, name=spec, **changes)
