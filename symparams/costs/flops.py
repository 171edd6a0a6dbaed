"""FLOPs of a forward pass, a backward pass, a training step and an AdamW update.

Every figure follows one :class:`~symparams.conventions.Convention` (default
:data:`~symparams.conventions.DEFAULT`: every matmul as PyTorch's
``FlopCounterMode`` reports it for an eager model — matmuls only, 2 FLOPs per
multiply-accumulate, the attention products over the full ``s × k`` whatever
the mask, logits at every position). A bare
:class:`~symparams.conventions.FlopConvention` means the default convention
with that FLOP counting.

Forward, by the convention's method: ``"matmuls"`` has one piece per matmul of
every component (from the components' shapes); ``"6N"`` one piece per
component, 2 FLOPs (per MAC count) per parameter that one token uses, times the
tokens of its stack; ``"6N+attention"`` adds the attention products.

Backward: every forward matmul ``Y = X·W`` becomes two matmuls of the same
size (:meth:`~symparams.components.base.Matmul.backward`): ``dX = dY·Wᵀ`` and
``dW = Xᵀ·dY``; ``FlopCounterMode`` counts both for every matmul (the first
layer's too: its input, the embedding output, requires grad). So the backward
of each piece is ``backward_factor`` (2) × its forward.

>>> from symparams.families import architecture
>>> arch = architecture("gpt-classic")
>>> bd = forward_flops(arch)
>>> bd.block
24*b*h**2*s + 4*b*h*s**2
>>> bd.total - bd.layers * bd.block
2*V*b*h*s
>>> from sympy import expand
>>> expand(backward_flops(arch).total - 2 * bd.total)
0
>>> expand(forward_flops(arch, "6N").block)   # 2 FLOPs per parameter of a layer (12h² + 13h) per token
24*b*h**2*s + 26*b*h*s
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, expand

from symparams.breakdown import Breakdown, Piece
from symparams.conventions import METHODS, Convention, FlopConvention, as_convention, parse_convention
from symparams.costs.collect import collect
from symparams.costs.params import EMBEDDING_KEYS
from symparams.errors import ConventionError
from symparams.options import choose
from symparams.printing.words import in_words
from symparams.symbols import b as _b

__all__ = [
    "forward_flops", "backward_flops", "recompute_flops", "train_step_flops", "training_flops",
    "adamw_flops", "ADAMW_FLOPS_PER_PARAM", "flops_per_token", "matmul_flops", "kaplan_flops", "palm_flops",
    "approximation_error", "APPROXIMATIONS",
]

#: AdamW (Loshchilov & Hutter, Algorithm 2; CS336 assignment 1, Algorithm 1), counted
#: one FLOP per elementwise arithmetic operation on each parameter:
#: ``m ← β₁m + (1−β₁)g`` 3 (mul, mul, add); ``v ← β₂v + (1−β₂)g²`` 4 (square, mul, mul, add);
#: ``θ ← θ − α_t·m/(√v + ε)`` 5 (sqrt, add, div, mul, sub); ``θ ← θ − αλθ`` 2 (mul, sub).
#: The scalars ``1−β``, ``α_t`` and ``αλ`` are computed once per step, not per parameter.
ADAMW_FLOPS_PER_PARAM = 14


def _tokens(stack, b):
    return b * stack.seq


def _matmul_rows(flops: FlopConvention, b, select=None):
    """The measure "one piece per matmul (that ``select`` keeps)" under ``flops``."""
    def measure(component, stack):
        rows = []
        for mm in component.matmuls(b, stack.seq):
            if select is None or select(component, stack, mm):
                rows.append((f"{component.key}.{mm.name}", f"{component.label}: {in_words(mm.name)}",
                             flops.matmul_flops(mm)))
        if flops.elementwise and select is None:
            rows.append((f"{component.key}.elementwise", f"{component.label}: {in_words('elementwise')}",
                         component.elementwise_flops(b, stack.seq)))
        return rows
    return measure


def _parameter_rows(conv: Convention, b):
    """The measure of the 6N methods: per component, FLOPs per MAC × its parameters one token uses
    × the stack's tokens (lookup tables out of N unless ``embeddings_in_n``)."""
    def measure(component, stack):
        if component.key in EMBEDDING_KEYS and not conv.embeddings_in_n:
            return []
        n = component.active_params()
        return [(component.key, f"{component.label}: {in_words('2N')}",
                 conv.flops.flops_per_mac * n * _tokens(stack, b))]
    return measure


@lru_cache(maxsize=1024)
def forward_flops(arch, convention=None, *, b=_b) -> Breakdown:
    """Forward FLOPs of ``arch`` for ``b`` sequences (each stack over its own tokens), in FLOPs.

    ``convention``: a :class:`~symparams.conventions.Convention`, a
    :class:`~symparams.conventions.FlopConvention`, a spec string or None.
    """
    conv = as_convention(convention)
    if conv.method == "matmuls":
        return collect(arch, _matmul_rows(conv.flops, b), quantity="forward FLOPs", unit="FLOPs",
                       convention=_describe(conv))
    rows = _parameter_rows(conv, b)
    if conv.method == "6N+attention":
        attention = _matmul_rows(conv.flops, b, lambda c, st, mm: mm.kind == "attention")
        both = rows
        rows = lambda c, st: [*both(c, st), *attention(c, st)]  # noqa: E731
    return collect(arch, rows, quantity="forward FLOPs", unit="FLOPs", convention=_describe(conv))


def _describe(conv: Convention) -> str:
    """What a forward count depends on: the FLOP counting, and for the 6N methods what N is."""
    if conv.method == "matmuls":
        return conv.flops.describe()
    n = "N with the lookup tables" if conv.embeddings_in_n else "N without the lookup tables"
    return f"{conv.name}: forward by {conv.method} ({METHODS[conv.method]}), {n}; {conv.flops.describe()}"


def matmul_flops(arch, convention=None, select=None, *, b=_b) -> Expr:
    """Model-wide forward FLOPs of the matmuls ``select(component, stack, matmul)`` keeps (all if None).

    >>> from symparams.families import architecture
    >>> matmul_flops(architecture("gpt-classic"), select=lambda c, st, mm: mm.kind == "logits")
    2*V*b*h*s
    """
    conv = as_convention(convention)
    return collect(arch, _matmul_rows(conv.flops, b, select or (lambda c, st, mm: True)),
                   quantity="forward FLOPs", unit="FLOPs").total


@lru_cache(maxsize=1024)
def backward_flops(arch, convention=None, *, b=_b) -> Breakdown:
    """Backward FLOPs: ``backward_factor`` × each forward piece.

    Under ``"matmuls"`` each forward matmul's two gradient matmuls
    (:meth:`~symparams.components.base.Matmul.backward`) have exactly twice its
    MACs, which is the default factor 2. Elementwise backward work is not
    counted (``FlopCounterMode`` has no rule for it).

    >>> from symparams.families import architecture
    >>> backward_flops(architecture("cs336"))["attention.scores"]
    4*b*h*l*s**2
    """
    conv = as_convention(convention)
    fwd = forward_flops(arch, conv, b=b)
    factor = conv.backward_factor
    what = ("input and weight gradient per forward matmul" if conv.method == "matmuls" and factor == 2
            else f"{factor} × forward")
    pieces = tuple(Piece(p.key, f"{p.label} (backward)", factor * p.expr, p.count, p.stack)
                   for p in fwd.pieces if not p.key.endswith(".elementwise"))
    return Breakdown("backward FLOPs", "FLOPs", pieces, fwd.repeats,
                     convention=fwd.convention + f"; backward: {what}")


@lru_cache(maxsize=1024)
def recompute_flops(arch, convention=None, *, b=_b) -> Breakdown:
    """Forward FLOPs run again in the backward pass under the convention's recomputation.

    ``"none"``: nothing; ``"selective"`` (Korthikanti et al. 2022): the attention
    score and value products; ``"full"``: the forward of every layer (parts that
    occur once, the output head among them, are not recomputed) under
    ``"matmuls"``, the whole approximated forward under the 6N methods (the
    ``8N`` rule).

    >>> from symparams.families import architecture
    >>> recompute_flops(architecture("gpt-classic"), "selective-recompute").total
    4*b*h*l*s**2
    """
    conv = as_convention(convention)
    fwd = forward_flops(arch, conv, b=b)
    if conv.recompute == "none":
        pieces = ()
    elif conv.recompute == "selective":
        products = {f"{c.key}.{mm.name}" for c, st in arch.parts() for mm in c.matmuls(b, st.seq)
                    if mm.kind == "attention"}
        pieces = tuple(p for p in fwd.pieces if fwd.is_repeated(p) and p.key in products)
    elif conv.method == "matmuls":
        pieces = tuple(p for p in fwd.pieces if fwd.is_repeated(p))
    else:
        pieces = fwd.pieces
    return Breakdown("recomputed forward FLOPs", "FLOPs", pieces, fwd.repeats,
                     convention=f"{conv.recompute} activation recomputation; " + fwd.convention)


def adamw_flops(arch, per_param: int = ADAMW_FLOPS_PER_PARAM) -> Breakdown:
    """FLOPs of one AdamW update: ``per_param`` FLOPs for every trainable parameter.

    The default 14 is named at :data:`ADAMW_FLOPS_PER_PARAM`.

    >>> from symparams.families import architecture
    >>> adamw_flops(architecture("gpt-classic")).block
    168*h**2 + 182*h
    """
    params = arch.params()
    return params.map(lambda e: per_param * e, quantity="AdamW update FLOPs", unit="FLOPs",
                      convention=f"AdamW: {per_param} FLOPs per trainable parameter (elementwise ops of one update)",
                      notes=())


def _parts(arch, conv: Convention, b, optimizer: bool):
    parts = [("forward", "forward pass", forward_flops(arch, conv, b=b)),
             ("backward", "backward pass", backward_flops(arch, conv, b=b))]
    if conv.recompute != "none":
        parts.append(("recompute", f"{conv.recompute} recomputation", recompute_flops(arch, conv, b=b)))
    if optimizer:
        parts.append(("optimizer", "AdamW update", adamw_flops(arch)))
    return parts


@lru_cache(maxsize=1024)
def train_step_flops(arch, convention=None, *, optimizer: bool = True, b=_b) -> Breakdown:
    """One training step: forward + backward (+ recomputation) (+ the AdamW update), all under
    one convention.

    >>> from symparams.families import architecture
    >>> bd = train_step_flops(architecture("gpt-classic"), optimizer=False)
    >>> bd.keys()
    ['forward', 'backward']
    >>> expand(bd.total - 3 * forward_flops(architecture("gpt-classic")).total)
    0
    """
    conv = as_convention(convention)
    parts = _parts(arch, conv, b, optimizer)
    pieces = tuple(Piece(key, label, bd.total, stack="step") for key, label, bd in parts)
    opt = f"; AdamW {ADAMW_FLOPS_PER_PARAM} FLOPs/parameter" if optimizer else ""
    return Breakdown("training step FLOPs", "FLOPs", pieces,
                     convention=parts[1][2].convention + (f"; {conv.recompute} recomputation"
                                                          if conv.recompute != "none" else "") + opt)


def training_flops(arch, convention=None, *, b=_b) -> Expr:
    """Forward + backward (+ recomputation) FLOPs of one step, without the optimizer."""
    return train_step_flops(arch, convention, optimizer=False, b=b).total


@lru_cache(maxsize=1024)
def flops_per_token(arch, convention=None, *, b=_b) -> Expr:
    """Forward + backward (+ recomputation) FLOPs per trained token: :func:`training_flops` / (b·s).

    >>> from symparams.families import architecture
    >>> flops_per_token(architecture("gpt-classic"))
    6*V*h + 72*h**2*l + 12*h*l*s
    >>> flops_per_token(architecture("gpt-classic"), "kaplan")
    72*h**2*l + 78*h*l
    """
    from symparams.symbols import s

    return expand(training_flops(arch, convention, b=b) / (b * s))


def kaplan_flops(arch) -> Expr:
    """Kaplan et al. (2020): ``6N`` training FLOPs per token, ``N`` = non-embedding parameters
    (active ones for a mixture of experts): :func:`flops_per_token` under ``"kaplan"``."""
    return flops_per_token(arch, parse_convention("kaplan"))


def palm_flops(arch) -> Expr:
    """PaLM (Chowdhery et al. 2022, App. B): ``6N + 12·l·H·Q·s`` per token, every parameter in
    ``N``: :func:`flops_per_token` under ``"palm"`` (``"6N+attention"``).

    >>> from symparams.families import architecture
    >>> palm_flops(architecture("gpt-classic"))
    6*V*h + 72*h**2*l + 12*h*l*s + 78*h*l
    """
    return flops_per_token(arch, parse_convention("palm"))


APPROXIMATIONS = {"kaplan": kaplan_flops, "palm": palm_flops}


def approximation_error(m, approx: str = "kaplan", *, seq: int | None = None):
    """``(exact − approx) / exact`` per token at model ``m`` and sequence ``seq`` (a Fraction).

    ``exact`` is :func:`flops_per_token` under the default convention;
    ``approx`` is ``"kaplan"`` (6N) or ``"palm"`` (6N + 12·l·h·s).

    >>> from symparams.presets import model
    >>> f"{float(approximation_error(model('gpt2-xl'), 'kaplan')):.2%}"
    '13.82%'
    >>> f"{float(approximation_error(model('gpt2-xl'), 'palm')):.2%}"
    '-0.15%'
    """
    from symparams.algebra import relative_error

    form = choose("approx", approx, APPROXIMATIONS, error=ConventionError)
    arch = m.architecture
    return relative_error(flops_per_token(arch), form(arch), m.workload(1, seq))
