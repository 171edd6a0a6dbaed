"""Published formulas, each *derived* from the general expressions under the paper's assumptions.

Every function returns a :class:`PaperFormula`: the formula as printed in the
paper (``paper``), the library's general cost evaluated under the paper's
stated assumptions (``derived``), and ``difference = derived − paper``,
expanded. The difference is 0 where the paper's formula is exact for its
assumptions, and otherwise the exact, documented term the paper drops
(``note`` says which). Nothing here is compared with itself: ``derived`` comes
from component shapes through :class:`~symparams.conventions.Convention`,
``paper`` is typed from the paper.

>>> narayanan_training_flops().difference
0
>>> kaplan_params().difference
13*h*l
>>> [f.key for f in all_formulas()][:3]
['kaplan-params', 'kaplan-forward', 'kaplan-training']
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer, expand

from symparams.stacks import Architecture, decoder
from symparams.components import (
    MLP, Attention, GatedMLP, LayerNorm, OutputHead, RMSNorm, TokenEmbedding,
)
from symparams.conventions import CAUSAL_HALF, DEFAULT
from symparams.costs.flops import matmul_flops
from symparams.costs.registry import breakdown
from symparams.options import choose
from symparams.symbols import V, a, b, d_ff, d_head, h, l, s

__all__ = [
    "PaperFormula", "kaplan_params", "kaplan_forward", "kaplan_training", "hoffmann_forward",
    "narayanan_training_flops", "palm_mfu_flops", "pope_kv_cache", "korthikanti_activations",
    "KORTHIKANTI_VARIANTS", "all_formulas", "rajbhandari_zero", "narayanan_training_time", "narayanan_bubble",
    "korthikanti_pipeline",
]


@dataclass(frozen=True)
class PaperFormula:
    """A paper's formula beside the general cost under the paper's assumptions."""

    key: str
    citation: str
    assumptions: tuple[str, ...]
    paper: Expr
    derived: Expr
    note: str = ""

    @property
    def difference(self) -> Expr:
        """``derived − paper``, multiplied out (0 for an exact identity)."""
        return expand(self.derived - self.paper)

    @property
    def exact(self) -> bool:
        return self.difference == 0

    def _repr_latex_(self) -> str:
        from symparams.printing.reprs import paper_formula_latex

        return paper_formula_latex(self)


# ---- the architectures the papers assume -------------------------------------------------------

def gpt_classic() -> Architecture:
    """Kaplan/Narayanan's GPT: MHA, FFN 4h, biases, LayerNorm, tied embeddings."""
    from symparams.families import architecture

    return architecture("gpt-classic")


def _decoder(name, attention, mlp, *, tied, norm=RMSNorm) -> Architecture:
    return decoder(name, name, embed=(TokenEmbedding(V, h),), block=(norm(h), attention, norm(h), mlp),
                   final=(norm(h), OutputHead(h, V, tied=tied)))


def _per_token(expr) -> Expr:
    """FLOPs of ``b = 1`` sequence of ``s`` tokens, divided by ``s``."""
    return expand(expr.xreplace({b: Integer(1)}) / s)


def _weight_matrices(arch) -> Expr:
    """Parameters in the layers' 2-D weight matrices (no biases, no norm gains), all layers."""
    return sum((st.count * t.numel for st in arch.layer_stacks for c in st.block for t in c.tensors()
                if t.trainable and len(t.shape) == 2), Integer(0))


# ---- Kaplan et al. 2020 --------------------------------------------------------------------------

_KAPLAN = ("Kaplan et al. 2020, 'Scaling Laws for Neural Language Models', arXiv:2001.08361, "
           "Table 1 and §2.1")


def kaplan_params() -> PaperFormula:
    """``N ≈ 12·l·h²`` (Kaplan et al. 2020, Table 1, d_attn = h, d_ff = 4h).

    Derived: the trainable parameters of the classic GPT with embeddings not in
    ``N``. Difference ``13·l·h``: the biases and LayerNorm parameters the paper
    drops as sub-leading.

    >>> kaplan_params().paper
    12*h**2*l
    """
    arch = gpt_classic()
    return PaperFormula("kaplan-params", _KAPLAN, ("embeddings not in N", "d_attn = h, d_ff = 4h"),
                        12 * l * h**2, breakdown(arch, "N", DEFAULT.replace(embeddings_in_n=False)).total,
                        "13·l·h: biases (9h) and two LayerNorms (4h) per layer, dropped as sub-leading")


def kaplan_forward() -> PaperFormula:
    """``C_forward ≈ 2N + 2·l·s·h`` per token (Kaplan et al. 2020, Table 1).

    Derived: matmul FLOPs per token of the classic GPT with the attention
    products causally halved (``QKᵀ`` and ``AV`` together ``2·s·h`` per layer),
    the de-embedding (logits) left out as Kaplan's non-embedding compute, and
    ``N`` the weight-matrix count ``12·l·h²``. Exact.

    >>> kaplan_forward().exact
    True
    """
    arch = gpt_classic()
    derived = _per_token(matmul_flops(arch, CAUSAL_HALF, lambda c, st, mm: mm.kind in ("linear", "attention")))
    return PaperFormula("kaplan-forward", _KAPLAN,
                        ("2 FLOPs per MAC", "attention products × 1/2 (causal)", "logits not counted",
                         "N = weight matrices only"),
                        2 * 12 * l * h**2 + 2 * l * s * h, derived)


def kaplan_training() -> PaperFormula:
    """``C ≈ 6N`` per training token (Kaplan et al. 2020, §2.1).

    Derived: forward of :func:`kaplan_forward` with backward = 2 × forward.
    Difference ``6·l·s·h``: the context-dependent attention term, which the paper
    drops when ``h > s/12``.
    """
    fwd = kaplan_forward()
    derived = expand((1 + DEFAULT.backward_factor) * fwd.derived)
    return PaperFormula("kaplan-training", _KAPLAN, fwd.assumptions + ("backward = 2 × forward",),
                        6 * 12 * l * h**2, derived,
                        "6·l·s·h: the attention products (×3), dropped for h > s/12")


# ---- Hoffmann et al. 2022 ------------------------------------------------------------------------

_HOFFMANN = ("Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models', "
             "arXiv:2203.15556, Appendix F")


def hoffmann_ops() -> dict[str, Expr]:
    """Appendix F's forward FLOPs per op for one sequence of ``s`` tokens (key_size = d_head).

    >>> hoffmann_ops()["dense"]
    4*d_ff*h*s
    """
    kq = d_head * a
    return {
        "embeddings": 2 * s * V * h,
        "qkv": 2 * 3 * s * h * kq,
        "scores": 2 * s * s * kq,
        "softmax": 3 * a * s * s,
        "values": 2 * s * s * kq,
        "o_proj": 2 * s * kq * h,
        "dense": 2 * s * (h * d_ff + h * d_ff),
        "logits": 2 * s * h * V,
    }


def hoffmann_arch() -> Architecture:
    """The decoder of appendix F: MHA with ``a`` heads of ``d_head``, 2-matrix MLP of ``d_ff``."""
    return _decoder("hoffmann", Attention(h, a, a, d_head), MLP(h, d_ff), tied=False, norm=LayerNorm)


def hoffmann_forward() -> PaperFormula:
    """Total forward FLOPs of Hoffmann et al. 2022, appendix F, for ``s`` tokens.

    Derived: every matmul of :func:`hoffmann_arch` at 2 FLOPs per MAC, attention
    over the full ``s × s``. Difference ``−(2·s·V·h + 3·l·a·s²)``: the paper also
    counts the embedding lookup as a one-hot matmul and 3 FLOPs per softmax
    element; neither is a matmul.
    """
    ops = hoffmann_ops()
    layer = ops["qkv"] + ops["scores"] + ops["softmax"] + ops["values"] + ops["o_proj"] + ops["dense"]
    paper = ops["embeddings"] + l * layer + ops["logits"]
    derived = expand(breakdown(hoffmann_arch(), "forward_flops").total.xreplace({b: Integer(1)}))
    return PaperFormula("hoffmann-forward", _HOFFMANN,
                        ("2 FLOPs per MAC", "no causal halving", "logits counted", "b = 1"),
                        paper, derived,
                        "−(2·s·V·h + 3·l·a·s²): embedding as one-hot matmul and softmax, not matmuls")


# ---- Narayanan et al. 2021 -----------------------------------------------------------------------

_NARAYANAN = ("Narayanan et al. 2021, 'Efficient Large-Scale Language Model Training on GPU Clusters "
              "Using Megatron-LM', SC'21, arXiv:2104.04473, §5.1")


def narayanan_training_flops(recompute: bool = False) -> PaperFormula:
    """``72·b·s·l·h²·(1 + s/(6h) + V/(12·l·h))`` per step, or ``96·…(1 + s/(6h) + V/(16·l·h))``
    with full activation recomputation (Narayanan et al. 2021, §5.1).

    Derived: training FLOPs of the classic GPT, every matmul at 2 FLOPs per MAC,
    no causal halving, backward = 2 × forward, and with ``recompute`` every
    block's forward once more (the logits are not recomputed). Exact.

    >>> narayanan_training_flops(recompute=True).exact
    True
    """
    if recompute:
        paper = 96 * b * s * l * h**2 * (1 + s / (6 * h) + V / (16 * l * h))
    else:
        paper = 72 * b * s * l * h**2 * (1 + s / (6 * h) + V / (12 * l * h))
    conv = DEFAULT.replace(recompute="full" if recompute else "none")
    return PaperFormula("narayanan-recompute" if recompute else "narayanan", _NARAYANAN,
                        ("2 FLOPs per MAC", "no causal halving", "logits counted",
                         "backward = 2 × forward", "full recomputation of blocks" if recompute else "no recomputation"),
                        paper, breakdown(gpt_classic(), "training_flops", conv).total)


# ---- PaLM (Chowdhery et al. 2022) ----------------------------------------------------------------

_PALM = ("Chowdhery et al. 2022, 'PaLM: Scaling Language Modeling with Pathways', arXiv:2204.02311, "
         "Appendix B (model FLOPs utilization)")


def palm_arch() -> Architecture:
    """PaLM's decoder: multi-query attention, SwiGLU, no biases, shared input/output embeddings."""
    return _decoder("palm", Attention(h, a, Integer(1), d_head), GatedMLP(h, d_ff), tied=True)


def palm_mfu_flops() -> PaperFormula:
    """``6N + 12·l·H·Q·T`` model FLOPs per token, ``H·Q = a·d_head`` (= h), ``T = s`` (PaLM, App. B).

    Derived: the ``"6N+attention"`` convention — 2 FLOPs per parameter per token,
    plus the attention products from the shapes over the full ``s × s``, times
    (1 + 2) for forward and backward, with ``N`` every parameter of
    :func:`palm_arch`. Exact.
    """
    arch = palm_arch()
    conv = DEFAULT.replace(method="6N+attention")
    n = breakdown(arch, "N", conv).total
    return PaperFormula("palm-mfu", _PALM,
                        ("N = all parameters", "attention over the full s × s", "backward = 2 × forward"),
                        6 * n + 12 * l * a * d_head * s, _per_token(breakdown(arch, "training_flops", conv).total))


# ---- Pope et al. 2022 ----------------------------------------------------------------------------

_POPE = ("Pope et al. 2022, 'Efficiently Scaling Transformer Inference', arXiv:2211.05102, §2.1 and §3.3")


def pope_kv_cache(multiquery: bool = False, dtype_bytes: int = 2) -> PaperFormula:
    """KV cache bytes ``2·l·b·s·n_heads·d_head·bytes`` (Pope et al. 2022), ``n_heads → 1`` with multi-query.

    Derived: the KV cache of an attention layer with ``n_kv = a`` (multi-head)
    or ``n_kv = 1`` (multi-query) from its shapes. Exact.

    >>> pope_kv_cache(multiquery=True).derived
    4*b*d_head*l*s
    """
    from symparams.costs.kv_cache import kv_cache

    heads = Integer(1) if multiquery else a
    arch = _decoder("pope", Attention(h, a, heads, d_head), GatedMLP(h, d_ff), tied=True)
    dtype = choose("dtype_bytes", dtype_bytes, {2: "bf16", 1: "int8", 4: "fp32"})
    return PaperFormula("pope-kv-mqa" if multiquery else "pope-kv", _POPE,
                        (f"{dtype} cache", "multi-query: one K/V head" if multiquery else "multi-head"),
                        2 * l * b * s * heads * d_head * dtype_bytes,
                        kv_cache(arch, dtype=dtype, tokens=s).total)


# ---- Korthikanti et al. 2022 ---------------------------------------------------------------------

_KORTHIKANTI = ("Korthikanti et al. 2022, 'Reducing Activation Recomputation in Large Transformer "
                "Models', arXiv:2205.05198, §4 (Eqs. 1–5) and Table 2")

KORTHIKANTI_VARIANTS = ("none", "tp", "tp+sp", "selective", "full")


def korthikanti_activations(variant: str = "none") -> PaperFormula:
    """Activation bytes per layer of Korthikanti et al. 2022 (16-bit, 1-byte dropout masks).

    ``"none"``: ``s·b·h·(34 + 5·a·s/h)``; ``"tp"`` (tensor parallel ``t``):
    ``s·b·h·(10 + 24/t + 5·a·s/(h·t))``; ``"tp+sp"`` (with sequence
    parallelism): ``s·b·h/t·(34 + 5·a·s/h)``; ``"selective"`` (TP + SP and
    selective recomputation): ``34·s·b·h/t``; ``"full"`` (full recomputation,
    no parallelism): ``2·s·b·h``.

    Derived: the block of :func:`symparams.costs.activations.activation_memory`
    on the classic GPT, from what each component saves for backward. Exact.

    >>> korthikanti_activations("tp+sp").exact
    True
    """
    from symparams.costs.activations import activation_memory
    from symparams.symbols import t

    options = {
        "none": ({}, s * b * h * (34 + 5 * a * s / h)),
        "tp": ({"t": t}, s * b * h * (10 + 24 / t + 5 * a * s / (h * t))),
        "tp+sp": ({"t": t, "sequence_parallel": True}, s * b * h / t * (34 + 5 * a * s / h)),
        "selective": ({"t": t, "sequence_parallel": True, "recompute": "selective"}, 34 * s * b * h / t),
        "full": ({"recompute": "full"}, 2 * s * b * h),
    }
    kwargs, paper = choose("variant", variant, options)
    derived = activation_memory(gpt_classic(), dtype="fp16", **kwargs).block
    return PaperFormula(f"korthikanti-{variant}", _KORTHIKANTI,
                        ("fp16 activations, 1-byte dropout masks", "per layer", f"variant {variant}"),
                        paper, derived)


# ---- training at scale: ZeRO, Megatron's pipeline and training time --------------------------------

_RAJBHANDARI = ("Rajbhandari et al. 2020, 'ZeRO: Memory Optimizations Toward Training Trillion Parameter "
                "Models', SC'20, arXiv:1910.02054, §5 (Figure 1) and Table 1")


def rajbhandari_zero(stage: int = 0) -> PaperFormula:
    """ZeRO's model states per device, ``Ψ`` parameters, ``K = 12``, ``N_d`` data-parallel devices
    (Rajbhandari et al. 2020, Figure 1): baseline ``(2 + 2 + K)Ψ``; ``P_os`` ``2Ψ + 2Ψ + KΨ/N_d``;
    ``P_os+g`` ``2Ψ + (2 + K)Ψ/N_d``; ``P_os+g+p`` ``(2 + 2 + K)Ψ/N_d``.

    Derived: weights + gradients + optimizer state of one device
    (:func:`~symparams.studies.parallel.model_states`) of the classic GPT, mixed-precision AdamW,
    ``Ψ`` its parameters. Difference: the partition padding — a sharded buffer of ``Ψ`` elements
    holds ``⌈Ψ/N_d⌉`` on each device, so each sharded byte per parameter adds
    ``⌈Ψ/N_d⌉ − Ψ/N_d`` (0 when ``N_d`` divides ``Ψ``).

    >>> rajbhandari_zero(0).exact
    True
    """
    from symparams.studies.parallel import model_states
    from symparams.symbols import n_dp

    psi, k = gpt_classic().params().total, 12
    paper = {0: (2 + 2 + k) * psi, 1: 2 * psi + 2 * psi + k * psi / n_dp, 2: 2 * psi + (2 + k) * psi / n_dp,
             3: (2 + 2 + k) * psi / n_dp}
    return PaperFormula(f"rajbhandari-zero-{stage}", _RAJBHANDARI,
                        ("mixed-precision Adam: 2 + 2 + K bytes, K = 12", "N_d = N_dp data-parallel devices",
                         f"ZeRO stage {stage}", "no tensor or pipeline parallelism"),
                        choose("stage", stage, paper), model_states(gpt_classic(), zero=stage, t=Integer(1)),
                        "partition padding: ⌈Ψ/N_d⌉ − Ψ/N_d per sharded byte per parameter")


def narayanan_training_time() -> PaperFormula:
    """End-to-end training time ``≈ 8·T·P/(n·X)`` seconds (Narayanan et al. 2021, §5.1): ``T`` tokens
    (here ``D``), ``P ≈ 12·l·h²`` parameters, ``n = t·N_pp·N_dp`` GPUs achieving ``X`` FLOP/s each.

    Derived: :func:`~symparams.studies.parallel.training_seconds` of the classic GPT with full
    recomputation (their 96·B·s·l·h² FLOPs). Difference ``D·(16·l·h·s + 6·V·h)/(n·X)``: the attention
    products and the logits, which the paper drops for ``6h ≫ s`` and ``16·l·h ≫ V``.

    >>> narayanan_training_time().difference
    6*D*V*h/(X*n_dp*n_pp*t) + 16*D*h*l*s/(X*n_dp*n_pp*t)
    """
    from symparams.studies.parallel import training_seconds
    from symparams.symbols import D, X, n_dp, n_pp, t

    paper = 8 * D * (12 * l * h**2) / (t * n_pp * n_dp * X)
    return PaperFormula("narayanan-time", _NARAYANAN,
                        ("full recomputation", "P = 12·l·h² (12·l·h ≫ V + s)", "n = t·N_pp·N_dp",
                         "X achieved FLOP/s per GPU"),
                        paper, training_seconds(gpt_classic(), "full"),
                        "D·(16·l·h·s + 6·V·h)/(n·X): the attention products and logits, dropped for 6h ≫ s "
                        "and 16lh ≫ V")


def narayanan_bubble(interleaved: bool = False) -> PaperFormula:
    """The pipeline bubble over ideal time: ``(p − 1)/m`` for 1F1B, ``(1/v)·(p − 1)/m`` interleaved
    (Narayanan et al. 2021, §2.2.1–2.2.2), ``p = N_pp``. Derived:
    :func:`~symparams.studies.pipeline.bubble_fraction`; tested against a simulated schedule. Exact.
    """
    from symparams.studies.pipeline import bubble_fraction
    from symparams.symbols import m, n_pp, n_vs

    paper = (n_pp - 1) / m / n_vs if interleaved else (n_pp - 1) / m
    return PaperFormula("narayanan-bubble-interleaved" if interleaved else "narayanan-bubble", _NARAYANAN,
                        ("equal stages", "interleaved schedule, v chunks per device" if interleaved else "1F1B"),
                        paper, bubble_fraction(interleaved))


def korthikanti_pipeline(interleaved: bool = False) -> PaperFormula:
    """Activations of the first pipeline stage (Korthikanti et al. 2022, §4.2.3): with tensor and
    sequence parallelism it keeps ``N_pp`` micro-batches of its ``L/N_pp`` layers —
    ``s·b·h·L/t·(34 + 5·a·s/h)``, whatever ``N_pp`` — and ``(1 + (N_pp − 1)/(N_pp·v))`` times that
    under the interleaved schedule.

    Derived: the layers' part of the first stage's activations
    (:func:`~symparams.studies.pipeline.stage_activations`, fp16, classic GPT) with a full
    pipeline (``m ≥ N_pp`` micro-batches). Exact; the embedding's dropout mask adds the paper's
    ``s·b·h·N_pp/t`` (§4.3) on top.

    >>> korthikanti_pipeline(interleaved=True).exact
    True
    """
    from sympy import Min

    from symparams.costs.activations import activation_memory
    from symparams.studies.pipeline import stage_activations
    from symparams.symbols import m, n_pp, n_vs, t

    arch = gpt_classic()
    kept = stage_activations(arch, activation_memory(arch, dtype="fp16", t=t, sequence_parallel=True),
                             "first", interleaved)
    layers = sum((kept.count_of(st.name) * kept.per_block(st.name) for st in arch.layer_stacks), Integer(0))
    full = {Min(m * n_vs, (n_vs + 1) * n_pp - 1): (n_vs + 1) * n_pp - 1, Min(m, n_pp): n_pp}
    factor = 1 + (n_pp - 1) / (n_pp * n_vs) if interleaved else 1
    paper = s * b * h * l / t * (34 + 5 * a * s / h) * factor
    return PaperFormula("korthikanti-pipeline-interleaved" if interleaved else "korthikanti-pipeline",
                        _KORTHIKANTI, ("fp16, 1-byte dropout masks", "tensor + sequence parallel",
                                       "full pipeline: m ≥ N_pp", "first stage, layers only"),
                        paper, layers.xreplace(full))


def all_formulas() -> list[PaperFormula]:
    """Every formula of this module, in citation order."""
    return [
        kaplan_params(), kaplan_forward(), kaplan_training(), hoffmann_forward(),
        narayanan_training_flops(False), narayanan_training_flops(True),
        *(korthikanti_activations(v) for v in KORTHIKANTI_VARIANTS),
        palm_mfu_flops(), pope_kv_cache(False), pope_kv_cache(True),
        *(rajbhandari_zero(stage) for stage in (0, 1, 2, 3)), narayanan_training_time(),
        narayanan_bubble(False), narayanan_bubble(True), korthikanti_pipeline(False), korthikanti_pipeline(True),
    ]
