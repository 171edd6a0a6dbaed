"""FLOPs of a forward pass, a backward pass, a training step and an AdamW update.

Everything is derived from the components' matmuls. The default convention is
:data:`symparams.conventions.FLOP_COUNTER`: what PyTorch's ``FlopCounterMode``
reports for an eager model — matmuls only, 2 FLOPs per multiply-accumulate,
the attention score and value products over the full ``s × s`` (no causal
halving), logits at every position.

Backward: every forward matmul ``Y = X·W`` becomes two matmuls of the same
size (:meth:`~symparams.components.base.Matmul.backward`): ``dX = dY·Wᵀ`` and
``dW = Xᵀ·dY``. ``FlopCounterMode`` counts both for every matmul, the first
layer's included (its input, the embedding output, requires grad because the
embedding table does); the embedding's own backward is a scatter-add, not a
matmul, and is not counted. So backward = 2 × forward, per matmul.

>>> from symparams.architectures import architecture
>>> arch = architecture("gpt-classic")
>>> bd = forward_flops(arch)
>>> bd.block
24*b*h**2*s + 4*b*h*s**2
>>> bd.total - bd.layers * bd.block
2*V*b*h*s
>>> from sympy import expand
>>> expand(backward_flops(arch).total - 2 * bd.total)
0
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, expand

from symparams._expr import sum_exprs
from symparams.breakdown import Breakdown, Piece, merge_pieces
from symparams.conventions import FLOP_COUNTER, RECOMPUTE, FlopConvention
from symparams.symbols import b as _b, s as _s

__all__ = [
    "forward_flops", "matmul_pieces", "selected_matmul_flops", "backward_flops", "recompute_flops", "RECOMPUTE",
    "train_step_flops", "adamw_flops", "ADAMW_FLOPS_PER_PARAM", "flops_per_token",
    "kaplan_flops", "palm_flops", "approximation_error",
]

#: AdamW (Loshchilov & Hutter, Algorithm 2; CS336 assignment 1, Algorithm 1), counted
#: one FLOP per elementwise arithmetic operation on each parameter:
#: ``m ← β₁m + (1−β₁)g`` 3 (mul, mul, add); ``v ← β₂v + (1−β₂)g²`` 4 (square, mul, mul, add);
#: ``θ ← θ − α_t·m/(√v + ε)`` 5 (sqrt, add, div, mul, sub); ``θ ← θ − αλθ`` 2 (mul, sub).
#: The scalars ``1−β``, ``α_t`` and ``αλ`` are computed once per step, not per parameter.
ADAMW_FLOPS_PER_PARAM = 14


@lru_cache(maxsize=1024)
def matmul_pieces(arch, convention: FlopConvention, b=_b, s=_s) -> tuple[Piece, ...]:
    """One piece per matmul of every component, under ``convention``.

    With ``convention.elementwise`` each component's
    :meth:`~symparams.components.base.Component.elementwise_flops` is added as
    a piece ``<component>.elementwise``.
    """
    pieces = []
    for component, in_block in arch.parts():
        for mm in component.matmuls(b, s):
            flops = convention.matmul_flops(mm, s)
            key = f"{component.key}.{mm.name}"
            pieces.append(Piece(key, f"{component.label}: {mm.name}", flops, in_block=in_block))
        if convention.elementwise:
            extra = component.elementwise_flops(b, s)
            if extra != 0:
                pieces.append(Piece(f"{component.key}.elementwise", f"{component.label}: elementwise",
                                    extra, in_block=in_block))
    return merge_pieces(pieces)


def selected_matmul_flops(arch, convention: FlopConvention = FLOP_COUNTER, select=None, *,
                          b=_b, s=_s) -> Expr:
    """Model-wide forward FLOPs of the matmuls ``select(component, in_block, mm)`` keeps (all if None).

    The one loop over the components' matmuls that grouped counts share
    (:func:`symparams.analysis.flops_of`, :meth:`symparams.conventions.Convention.matmul_flops`).

    >>> from symparams.architectures import architecture
    >>> selected_matmul_flops(architecture("gpt-classic"), select=lambda c, in_block, mm: mm.kind == "logits")
    2*V*b*h*s
    """
    total = []
    for component, in_block in arch.parts():
        for mm in component.matmuls(b, s):
            if select is None or select(component, in_block, mm):
                flops = convention.matmul_flops(mm, s)
                total.append(arch.layers * flops if in_block else flops)
    return sum_exprs(total)


@lru_cache(maxsize=1024)
def forward_flops(arch, convention: FlopConvention = FLOP_COUNTER, *, b=_b, s=_s) -> Breakdown:
    """Forward FLOPs of ``arch`` for ``b`` sequences of ``s`` tokens (unit: FLOPs)."""
    return Breakdown(
        "forward FLOPs",
        "FLOPs",
        matmul_pieces(arch, convention, b, s),
        layers=arch.layers,
        convention=convention.describe(),
    )


@lru_cache(maxsize=1024)
def backward_flops(arch, convention: FlopConvention = FLOP_COUNTER, *, b=_b, s=_s) -> Breakdown:
    """Backward FLOPs: for every forward matmul its two gradient matmuls.

    One piece per forward matmul (same keys as :func:`forward_flops`), each the
    sum of ``grad_input`` and ``grad_weight`` under ``convention``. Elementwise
    backward work is not counted (``FlopCounterMode`` has no rule for it).

    >>> from symparams.architectures import architecture
    >>> backward_flops(architecture("cs336"))["attention.scores"]
    4*b*h*l*s**2
    """
    pieces = []
    for component, in_block in arch.parts():
        for mm in component.matmuls(b, s):
            grads = sum_exprs(convention.matmul_flops(g, s) for g in mm.backward())
            key = f"{component.key}.{mm.name}"
            what = "both operands' gradients" if mm.kind == "attention" else "grad input + grad weight"
            pieces.append(Piece(key, f"{component.label}: {mm.name} ({what})", grads, in_block=in_block))
    return Breakdown(
        "backward FLOPs",
        "FLOPs",
        merge_pieces(pieces),
        layers=arch.layers,
        convention=convention.describe() + "; backward: 2 matmuls (input and weight gradient) per forward matmul",
    )


def _check_recompute(recompute: str) -> None:
    if recompute not in RECOMPUTE:
        from symparams.errors import ConventionError

        raise ConventionError(f"recompute={recompute!r}; choose one of: {', '.join(RECOMPUTE)}")


@lru_cache(maxsize=1024)
def recompute_flops(arch, recompute: str = "none", convention: FlopConvention = FLOP_COUNTER,
                    *, b=_b, s=_s) -> Breakdown:
    """Forward FLOPs run again in the backward pass under activation recomputation.

    ``"none"``: nothing; ``"selective"`` (Korthikanti et al. 2022): the attention
    score and value products (the matmuls of ``kind == "attention"``); ``"full"``: every
    block's forward pass (the output head is not recomputed), which makes a
    step ≈ 4 × forward: the ``8N`` rule.

    >>> from symparams.architectures import architecture
    >>> recompute_flops(architecture("gpt-classic"), "selective").total
    4*b*h*l*s**2
    """
    _check_recompute(recompute)
    fwd = forward_flops(arch, convention, b=b, s=s)
    if recompute == "none":
        pieces = ()
    elif recompute == "selective":
        products = {f"{c.key}.{mm.name}" for c, _ in arch.parts() for mm in c.matmuls(b, s) if mm.kind == "attention"}
        pieces = tuple(p for p in fwd.pieces if p.in_block and p.key in products)
    else:
        pieces = tuple(p for p in fwd.pieces if p.in_block)
    return Breakdown("recomputed forward FLOPs", "FLOPs", pieces, layers=arch.layers,
                     convention=f"{recompute} activation recomputation; " + convention.describe())


def adamw_flops(arch, per_param: int = ADAMW_FLOPS_PER_PARAM) -> Breakdown:
    """FLOPs of one AdamW update: ``per_param`` FLOPs for every trainable parameter.

    The default 14 is named at :data:`ADAMW_FLOPS_PER_PARAM`.

    >>> from symparams.architectures import architecture
    >>> adamw_flops(architecture("gpt-classic")).block
    168*h**2 + 182*h
    """
    params = arch.params()
    pieces = tuple(Piece(p.key, p.label, per_param * p.expr, p.count, p.in_block) for p in params.pieces)
    return Breakdown("AdamW update FLOPs", "FLOPs", pieces, layers=arch.layers,
                     convention=f"AdamW: {per_param} FLOPs per trainable parameter (elementwise ops of one update)")


@lru_cache(maxsize=1024)
def train_step_flops(arch, convention: FlopConvention = FLOP_COUNTER, *, recompute: str = "none",
                     optimizer: bool = True, b=_b, s=_s) -> Breakdown:
    """One training step: forward + backward (+ recomputation) (+ the AdamW update).

    >>> from symparams.architectures import architecture
    >>> bd = train_step_flops(architecture("gpt-classic"), optimizer=False)
    >>> bd.keys()
    ['forward', 'backward']
    >>> expand(bd.total - 3 * forward_flops(architecture("gpt-classic")).total)
    0
    """
    _check_recompute(recompute)
    parts = [("forward", "forward pass", forward_flops(arch, convention, b=b, s=s)),
             ("backward", "backward pass", backward_flops(arch, convention, b=b, s=s))]
    if recompute != "none":
        parts.append(("recompute", f"{recompute} recomputation", recompute_flops(arch, recompute, convention,
                                                                                  b=b, s=s)))
    if optimizer:
        parts.append(("optimizer", "AdamW update", adamw_flops(arch)))
    pieces = tuple(Piece(key, label, bd.total) for key, label, bd in parts)
    extra = f"; {recompute} recomputation" if recompute != "none" else ""
    opt = f"; AdamW {ADAMW_FLOPS_PER_PARAM} FLOPs/parameter" if optimizer else ""
    return Breakdown("training step FLOPs", "FLOPs", pieces, layers=arch.layers,
                     convention=convention.describe() + "; backward = 2 matmuls per forward matmul" + extra + opt)


@lru_cache(maxsize=1024)
def flops_per_token(arch, convention: FlopConvention = FLOP_COUNTER, *, recompute: str = "none",
                    b=_b, s=_s) -> Expr:
    """Forward + backward (+ recomputation) FLOPs per trained token: step / (b·s), no optimizer.

    >>> from symparams.architectures import architecture
    >>> flops_per_token(architecture("gpt-classic"))
    6*V*h + 72*h**2*l + 12*h*l*s
    """
    step = train_step_flops(arch, convention, recompute=recompute, optimizer=False, b=b, s=s)
    return expand(step.total / (b * s))


def _non_embedding(arch) -> Expr:
    from symparams.costs.params import embedding_params

    return arch.params().total - embedding_params(arch)


def kaplan_flops(arch) -> Expr:
    """Kaplan et al. (2020): ``6N`` training FLOPs per token, ``N`` = non-embedding parameters.

    >>> from symparams.architectures import architecture
    >>> kaplan_flops(architecture("gpt-classic"))
    72*h**2*l + 78*h*l
    """
    return expand(6 * _non_embedding(arch))


def palm_flops(arch, s=_s) -> Expr:
    """PaLM (Chowdhery et al. 2022, App. B): ``6N + 12·l·H·Q·s`` per token.

    ``H·Q`` (heads × head size) is read from the attention component;
    ``N`` is every parameter, as PaLM counts it (its input and output
    embeddings are shared, so the table is the logits matmul's weight; nanoGPT's
    ``estimate_mfu`` does the same). :func:`kaplan_flops` leaves embeddings out.

    >>> from symparams.architectures import architecture
    >>> palm_flops(architecture("gpt-classic"))
    6*V*h + 72*h**2*l + 12*h*l*s + 78*h*l
    """
    attn = arch.component("attention")
    return expand(6 * arch.params().total + 12 * arch.layers * attn.a * attn.d_head * s)


def approximation_error(m, approx: str = "kaplan", *, seq: int | None = None):
    """``(exact − approx) / exact`` per token at model ``m`` and sequence ``seq`` (a Fraction).

    ``exact`` is :func:`flops_per_token` (forward + backward, FlopCounterMode);
    ``approx`` is ``"kaplan"`` (6N) or ``"palm"`` (6N + 12·l·h·s).

    >>> from symparams.model import model
    >>> f"{float(approximation_error(model('gpt2-xl'), 'kaplan')):.2%}"
    '13.82%'
    >>> f"{float(approximation_error(model('gpt2-xl'), 'palm')):.2%}"
    '-0.15%'
    """
    from symparams.algebra import relative_error

    arch = m.architecture
    forms = {"kaplan": kaplan_flops(arch), "palm": palm_flops(arch)}
    if approx not in forms:
        from symparams.errors import ConventionError

        raise ConventionError(f"approx={approx!r}; choose one of: {', '.join(forms)}")
    return relative_error(flops_per_token(arch), forms[approx], m.workload(1, seq))
