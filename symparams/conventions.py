"""How costs are counted, as explicit values instead of silent choices.

Tools disagree on FLOPs mostly because they count under different conventions.
A :class:`FlopConvention` names how matmul FLOPs are counted: FLOPs per
multiply-accumulate, and how the query-key pairs of attention are counted —

* ``"dense"``: the full ``s × k`` product of every layer, whatever its mask (what
  an eager kernel computes and PyTorch's ``FlopCounterMode`` reports);
* ``"masked"``: only the pairs each layer's mask keeps (causal ``s(s+1)/2``, a
  sliding window's, a chunk's, every pair of a bidirectional layer);
* ``"half"``: the literature's ½ of the dense product for causal-type masks
  (causal, window, chunked), dense for bidirectional and cross-attention.

A :class:`Convention` adds every other choice a cost depends on (6N or every
matmul, backward factor, recomputation, embeddings in N, bytes per parameter,
the KV factor). Both are values: the costs themselves are computed in
:mod:`symparams.costs`, which takes a convention as an argument.

>>> FLOP_COUNTER.describe()
'FlopCounterMode: matmuls only, 2 FLOPs per multiply-accumulate, attention products over the full s×k (no causal halving, masks ignored), logits at every position'
>>> CAUSAL_HALF.attention, CAUSAL_EXACT.attention
('half', 'masked')
>>> parse_convention("kaplan").method, parse_convention("kaplan").embeddings_in_n
('6N', False)
"""

from __future__ import annotations

from dataclasses import dataclass, replace as replace_

from sympy import Expr, Integer

from symparams._expr import as_expr
from symparams.components.mask import Mask
from symparams.errors import ConventionError, ConventionTypeError, type_name
from symparams.options import choose
from symparams.precision import RECIPES
from symparams.symbols import w as _W

__all__ = [
    "FlopConvention", "FLOP_COUNTER", "CAUSAL_HALF", "MACS", "CAUSAL_EXACT", "SLIDING_WINDOW", "WITH_ELEMENTWISE",
    "CONVENTIONS", "convention", "Convention", "DEFAULT", "NAMED", "TRAINING_BYTES", "ATTENTION_COUNTING",
    "METHODS", "RECOMPUTE", "parse_convention", "as_convention",
]

#: how attention's query-key pairs are counted
ATTENTION_COUNTING = {
    "dense": "attention products over the full s×k (no causal halving, masks ignored)",
    "masked": "attention products over the query-key pairs each layer's mask keeps",
    "half": "attention products × 1/2 for causal-type masks (causal, window, chunked), dense for bidirectional "
            "and cross-attention",
}


@dataclass(frozen=True)
class FlopConvention:
    """A named way of counting matmul FLOPs.

    ``window``: count every causal self-attention layer *as if* it had a sliding
    window of that many tokens (a what-if over the model; windowed layers keep
    their own window). Only meaningful with ``attention="masked"``.
    ``elementwise``: also count norms, activations, softmax and bias adds (each
    component's ``elementwise_flops``).
    """

    name: str
    flops_per_mac: Expr = Integer(2)
    attention: str = "dense"
    window: Expr | None = None
    summary: str = ""
    elementwise: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "flops_per_mac", as_expr(self.flops_per_mac))
        if self.flops_per_mac.is_positive is False:
            raise ConventionError(f"flops_per_mac={self.flops_per_mac} must be positive")
        choose("attention", self.attention, ATTENTION_COUNTING, error=ConventionError)
        if self.window is not None:
            object.__setattr__(self, "window", as_expr(self.window))
            if self.attention != "masked":
                raise ConventionError(f"window={self.window} needs attention='masked' (the kept pairs), "
                                      f"not {self.attention!r}")

    def matmul_flops(self, mm) -> Expr:
        """FLOPs of one :class:`~symparams.components.base.Matmul` under this convention."""
        per = self.flops_per_mac
        if mm.pairs is None or self.attention == "dense":
            return per * mm.macs
        mask = mm.pairs.mask
        if self.attention == "half":
            return per * mm.macs / 2 if mask.causal else per * mm.macs
        if self.window is not None and mask.kind == "causal":
            mask = Mask("window", self.window)
        return per * mm.kept_macs(mask)

    def describe(self) -> str:
        """One line naming every choice (shown beside every FLOP count)."""
        per_mac = f"{self.flops_per_mac} FLOP{'s' if self.flops_per_mac != 1 else ''} per multiply-accumulate"
        attn = ATTENTION_COUNTING[self.attention]
        if self.window is not None:
            attn += f", every causal layer counted as a sliding window of w = {self.window}"
        head = f"{self.name}: " if self.name else ""
        what = "matmuls plus elementwise work (norms, activations, softmax, bias adds)" if self.elementwise \
            else "matmuls only"
        return f"{head}{what}, {per_mac}, {attn}, logits at every position"

    def _repr_markdown_(self) -> str:
        from symparams.printing.reprs import convention_markdown

        return convention_markdown(self)


FLOP_COUNTER = FlopConvention(
    "FlopCounterMode",
    summary="PyTorch FlopCounterMode on an eager model (the default)",
)
CAUSAL_HALF = FlopConvention(
    "causal-half",
    attention="half",
    summary="as FlopCounterMode, but the literature's ½ for causal attention products",
)
MACS = FlopConvention(
    "macs",
    flops_per_mac=Integer(1),
    summary="multiply-accumulates (1 per MAC), as tools that report 'MACs'",
)
CAUSAL_EXACT = FlopConvention(
    "causal-exact",
    attention="masked",
    summary="only the query-key pairs each layer's mask keeps: s(s+1)/2 for a causal layer",
)
SLIDING_WINDOW = FlopConvention(
    "sliding-window",
    attention="masked",
    window=_W,
    summary="every causal layer as a sliding window of w tokens: min(w,s)(2s-min(w,s)+1)/2 pairs",
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
    """The built-in FLOP convention called ``name``."""
    return choose("FLOP convention", name, CONVENTIONS, error=ConventionError)


# ---- every convention a cost depends on, composable -------------------------------------------

METHODS = {
    "matmuls": "every matmul from the component shapes",
    "6N": "2 FLOPs per parameter per token (N: active parameters of a mixture of experts)",
    "6N+attention": "2 FLOPs per parameter per token plus the attention products (PaLM)",
}
RECOMPUTE = ("none", "selective", "full")
# bytes per parameter of (weights, gradients, optimizer state) when training with AdamW,
# by the short names conventions use for symparams.precision's recipes
TRAINING_BYTES = {"16": RECIPES["mixed"].bytes, "18": RECIPES["mixed-18"].bytes, "fp32": RECIPES["fp32"].bytes}


@dataclass(frozen=True)
class Convention:
    """Every choice a cost depends on, named: tools disagree when they differ here.

    ``flops`` (FLOPs per MAC and attention counting); ``method`` — how forward
    FLOPs are counted: ``"matmuls"`` (every matmul from the shapes), ``"6N"``
    (2 FLOPs per parameter per token) or ``"6N+attention"`` (plus the attention
    products, PaLM); under both 6N methods a mixture of experts counts the
    parameters one token uses (router, top-k experts, shared experts), as the
    literature's 6N does. ``backward_factor`` (backward = that × forward),
    ``recompute`` (``"none"``; ``"selective"``: the attention products again;
    ``"full"``: every layer's forward again), ``embeddings_in_n`` (do lookup
    tables count in N), ``training_bytes`` (weights, gradients, optimizer bytes
    per parameter) and ``kv_factor`` (2 for K and V; 1 reproduces a common bug).

    >>> DEFAULT.replace(method="6N").name
    'default,method=6N'
    >>> Convention(method="7N")
    Traceback (most recent call last):
    ...
    symparams.errors.ConventionError: method='7N' is not one of: matmuls, 6N, 6N+attention
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
        if not isinstance(self.flops, FlopConvention):
            raise ConventionError(f"flops={self.flops!r} must be a FlopConvention")
        choose("method", self.method, METHODS, error=ConventionError)
        choose("recompute", self.recompute, RECOMPUTE, error=ConventionError)
        object.__setattr__(self, "backward_factor", as_expr(self.backward_factor))
        object.__setattr__(self, "kv_factor", as_expr(self.kv_factor))
        object.__setattr__(self, "training_bytes", tuple(as_expr(x) for x in self.training_bytes))

    def replace(self, **changes) -> "Convention":
        """This convention with some choices changed (``name`` follows unless given)."""
        if "name" not in changes:
            changes["name"] = self.name + "," + ",".join(f"{k}={_show(v)}" for k, v in changes.items())
        return replace_(self, **changes)

    @property
    def counts_parameters(self) -> bool:
        """Whether forward FLOPs are 2 per parameter per token (the 6N methods)."""
        return self.method != "matmuls"

    def describe(self) -> str:
        """One line naming every choice."""
        emb = "in N" if self.embeddings_in_n else "not in N"
        wb, gb, ob = self.training_bytes
        forward = f"forward by {self.method} ({METHODS[self.method]})"
        return (f"{self.name}: {forward}; {self.flops.describe()}; backward = {self.backward_factor}× forward, "
                f"recompute {self.recompute}, embeddings {emb}, AdamW {wb}+{gb}+{ob} = "
                f"{wb + gb + ob} bytes/param, KV × {self.kv_factor}")

    def _repr_markdown_(self) -> str:
        from symparams.printing.reprs import convention_markdown

        return convention_markdown(self)


def as_convention(value) -> Convention:
    """A :class:`Convention` from a Convention, a FlopConvention (the rest default), a spec
    string (:func:`parse_convention`) or None (:data:`DEFAULT`)."""
    if value is None:
        return DEFAULT
    if isinstance(value, Convention):
        return value
    if isinstance(value, FlopConvention):
        return Convention(value.name, flops=value)
    if isinstance(value, str):
        return parse_convention(value)
    raise ConventionTypeError(f"convention={value!r} ({type_name(value)}): expected a Convention, a FlopConvention, "
                              "a spec string such as 'kaplan' or 'causal=exact', or None")


DEFAULT = Convention("default")

# Named partial conventions: composed left to right by parse_convention("a,b,key=value").
NAMED: dict[str, dict] = {
    "default": {},
    "flop-counter": {"flops": FLOP_COUNTER},
    "causal-half": {"flops": CAUSAL_HALF},
    "causal-exact": {"flops": CAUSAL_EXACT},
    "macs": {"flops": MACS},
    "with-elementwise": {"flops": WITH_ELEMENTWISE},
    "6N": {"method": "6N"},
    "kaplan": {"method": "6N", "embeddings_in_n": False},
    "palm": {"method": "6N+attention"},
    "mixed-18": {"training_bytes": TRAINING_BYTES["18"]},
    "kv-no-x2": {"kv_factor": Integer(1)},
    "full-recompute": {"recompute": "full"},
    "selective-recompute": {"recompute": "selective"},
}
_CAUSAL = {"full": {"attention": "dense"}, "half": {"attention": "half"}, "exact": {"attention": "masked"},
           "window": {"attention": "masked", "window": _W}}
_KEYS = {
    "causal": lambda v: ("flops", _flops_with(f"causal={v}", **_choice("causal", v, _CAUSAL))),
    "attention": lambda v: ("flops", _flops_with(f"attention={v}",
                                                 attention=_choice("attention", v, {k: k for k in ATTENTION_COUNTING}))),
    "mac": lambda v: ("flops", _flops_with(f"mac={v}", flops_per_mac=_choice("mac", v, {"1": 1, "2": 2}))),
    "method": lambda v: ("method", _choice("method", v, {m: m for m in METHODS})),
    "recompute": lambda v: ("recompute", _choice("recompute", v, {r: r for r in RECOMPUTE})),
    "embeddings": lambda v: ("embeddings_in_n", _choice("embeddings", v, {"include": True, "exclude": False})),
    "bytes": lambda v: ("training_bytes", _choice("bytes", v, TRAINING_BYTES)),
    "kv": lambda v: ("kv_factor", Integer(_choice("kv", v, {"1": 1, "2": 2}))),
    "backward": lambda v: ("backward_factor", Integer(_choice("backward", v, {"1": 1, "2": 2, "3": 3}))),
}


def _choice(key: str, value: str, options: dict):
    return choose(key, value, options, error=ConventionError)


def _flops_with(change: str, **fields):
    """A change to the current FlopConvention, named in it; ``elementwise`` is kept.

    The name records the change (``FlopCounterMode,causal=half``): the counter
    itself never halves, so the old name alone would mislabel the count.
    """
    def apply(current: FlopConvention) -> FlopConvention:
        updated = {"summary": "", **fields}
        if updated.get("attention", current.attention) != "masked":
            updated["window"] = None
        return replace_(current, name=f"{current.name},{change}", **updated)

    return apply


def _show(v) -> str:
    return v.name if isinstance(v, FlopConvention) else str(v)


def parse_convention(spec: str, base: Convention = DEFAULT) -> Convention:
    """A convention from ``"name,name,key=value"`` items applied left to right to ``base``.

    Names are the keys of :data:`NAMED`; keys are ``causal`` (full, half, exact,
    window), ``attention`` (dense, masked, half), ``mac`` (1, 2), ``method``
    (matmuls, 6N, 6N+attention), ``recompute``, ``embeddings`` (include,
    exclude), ``bytes`` (16, 18, fp32), ``kv`` (1, 2), ``backward``. Plain
    string matching only: nothing is evaluated.

    >>> parse_convention("macs,causal=exact").flops.attention
    'masked'
    >>> parse_convention("causal=quarter")
    Traceback (most recent call last):
    ...
    symparams.errors.ConventionError: causal='quarter' is not one of: full, half, exact, window
    """
    if not isinstance(spec, str):
        raise ConventionTypeError(f"convention spec {spec!r} ({type_name(spec)}) must be a string "
                                  "such as 'kaplan' or 'macs,causal=exact' (as_convention() also takes None)")
    if not isinstance(base, Convention):
        raise ConventionTypeError(f"base={base!r} ({type_name(base)}) must be a Convention, e.g. DEFAULT")
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
