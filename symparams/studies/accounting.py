"""The CS336 (Stanford, assignment 1) "transformer accounting" questions, one call each.

Architecture A (:mod:`symparams.families.cs336`) with the GPT-2 shapes
(presets ``cs336-gpt2-small`` … ``cs336-gpt2-xl``, ``d_ff = 4h``, ``V = 50,257``,
context 1,024). Conventions, as the assignment states them:

- FLOPs: matmuls only, 2 FLOPs per multiply-accumulate, attention products over
  the full ``s × s``, logits at every position (PyTorch ``FlopCounterMode``);
- AdamW accounting: every tensor fp32 (4 bytes); parameters, gradients and the
  two moments (16 bytes per parameter); activations are the *outputs* of the
  operations the assignment lists (:data:`CS336_ACTIVATION_OPS`);
- an AdamW step costs :data:`~symparams.costs.flops.ADAMW_FLOPS_PER_PARAM` = 14
  FLOPs per parameter (named in :mod:`symparams.costs.flops`);
- training time: backward = 2 × forward (Kaplan et al. 2020, Hoffmann et al. 2022),
  an A100 at 19.5 TFLOP/s fp32 (the assignment's stated peak) and 50 % MFU.

>>> forward_matmul_flops()
4513336524800
>>> max_batch_in(80 * 10**9)
2
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sympy import Expr

from symparams.costs.activations import op_output_memory
from symparams.costs.flops import adamw_flops, train_step_flops
from symparams.costs.training import SECONDS_PER_DAY, alpha_beta, max_batch, training_memory, training_seconds

__all__ = [
    "CS336_ACTIVATION_OPS", "SIZES", "A100_FP32_PEAK", "forward_matmul_flops", "flop_shares",
    "shares_by_size", "long_context_shares", "PeakMemory", "adamw_peak_memory", "max_batch_in",
    "adamw_step_flops", "training_days",
]

XL = "cs336-gpt2-xl"
SIZES = ("cs336-gpt2-small", "cs336-gpt2-medium", "cs336-gpt2-large", XL)

#: The assignment's activation list, as the components name their operations' outputs:
#: RMSNorms (both per block and the final one); Q, K, V projections, ``QᵀK``, softmax,
#: weighted sum of values, output projection; ``W1`` matmul, SiLU, ``W2`` matmul;
#: the output embedding (logits) and the cross-entropy (its ``b·s·V`` log-softmax).
CS336_ACTIVATION_OPS = (
    "norm.output",
    "attention.q_proj", "attention.k_proj", "attention.v_proj",
    "attention.scores", "attention.softmax", "attention.values", "attention.o_proj",
    "mlp.gate_proj", "mlp.act", "mlp.down_proj",
    "output_head.lm_head", "output_head.cross_entropy",
)

#: NVIDIA A100 fp32 peak as the assignment states it: 19.5 teraFLOP/s.
A100_FP32_PEAK = Fraction(195, 10) * 10**12

#: Groups of forward-FLOP pieces the shares are reported in.
GROUPS = {
    "attention projections (Q, K, V, O)": ("attention.q_proj", "attention.k_proj", "attention.v_proj",
                                           "attention.o_proj"),
    "attention scores QKᵀ": ("attention.scores",),
    "attention over values": ("attention.values",),
    "feed-forward (SwiGLU W1, W3, W2)": ("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"),
    "output head (logits)": ("output_head.lm_head",),
}


def _model(name: str):
    from symparams.presets import model

    return model(name)


def forward_matmul_flops(name: str = XL, seq: int = 1024, batch: int = 1) -> int:
    """(b) Matmul FLOPs of one forward pass over ``batch`` sequences of ``seq`` tokens.

    FlopCounterMode convention (2 FLOPs/MAC, full ``s×s``, logits everywhere).

    >>> forward_matmul_flops("cs336-gpt2-small")
    349630365696
    """
    return _model(name).forward_flops(batch=batch, seq=seq).total


def flop_shares(name: str = XL, seq: int = 1024) -> dict[str, Fraction]:
    """(c) Share of the forward matmul FLOPs per component group (exact Fractions summing to 1).

    >>> shares = flop_shares()
    >>> max(shares, key=shares.get)
    'feed-forward (SwiGLU W1, W3, W2)'
    >>> sum(shares.values())
    Fraction(1, 1)
    """
    from symparams.studies.analysis import flop_shares as shares

    return shares(_model(name), GROUPS, seq=seq)


def shares_by_size(seq: int = 1024) -> dict[str, dict[str, Fraction]]:
    """(d) :func:`flop_shares` for GPT-2 small, medium, large and XL shapes.

    >>> by = shares_by_size()
    >>> by["cs336-gpt2-small"]["output head (logits)"] > by["cs336-gpt2-xl"]["output head (logits)"]
    True
    """
    return {name: flop_shares(name, seq) for name in SIZES}


def long_context_shares(name: str = XL, seq: int = 16_384) -> dict[str, Fraction]:
    """(e) :func:`flop_shares` when the context grows (default 16,384 tokens).

    >>> forward_matmul_flops(seq=16_384) // forward_matmul_flops()
    33
    """
    return flop_shares(name, seq)


@dataclass(frozen=True)
class PeakMemory:
    """Peak AdamW memory as ``alpha·batch + beta`` bytes: symbolic and at a model."""

    alpha_formula: Expr
    beta_formula: Expr
    alpha: int
    beta: int
    breakdown: object  # the symbolic Breakdown: parameters, gradients, optimizer, activations

    def bytes_at(self, batch: int) -> int:
        return self.alpha * batch + self.beta

    def _repr_latex_(self) -> str:
        from symparams.printing.reprs import peak_memory_latex

        return peak_memory_latex(self)


def adamw_peak_memory(name: str = XL, seq: int | None = None) -> PeakMemory:
    """(adamwAccounting a, b) Peak AdamW memory in fp32: ``α·batch + β`` bytes.

    Parameters, gradients, AdamW ``m`` and ``v`` at 4 bytes each (16 bytes per
    parameter, no master copy), plus the fp32 outputs of :data:`CS336_ACTIVATION_OPS`.

    >>> pm = adamw_peak_memory()
    >>> pm.alpha, pm.beta
    (15517753344, 34032921600)
    >>> pm.alpha_formula
    8*V*s + 8*a*l*s**2 + 8*d_ff*l*s + 32*h*l*s + 4*h*s
    """
    from symparams.values import evaluate

    m = _model(name)
    arch = m.architecture
    acts = op_output_memory(arch, CS336_ACTIVATION_OPS, dtype="fp32",
                            label="CS336: fp32 outputs of the listed operations")
    mem = training_memory(arch, recipe="fp32", activation_breakdown=acts)
    alpha_f, beta_f = alpha_beta(mem.total)
    sizes = m.workload(1, seq)
    return PeakMemory(alpha_f, beta_f, evaluate(alpha_f, sizes), evaluate(beta_f, sizes), mem)


def max_batch_in(memory_bytes: int = 80 * 10**9, name: str = XL) -> int:
    """(adamwAccounting b) Largest batch whose peak AdamW memory fits ``memory_bytes``.

    80 GB = ``80 * 10**9`` bytes (decimal); 80 GiB would be ``80 * 2**30``.

    >>> max_batch_in(80 * 2**30)
    3
    """
    pm = adamw_peak_memory(name)
    return max_batch(pm.alpha, pm.beta, memory_bytes)


def adamw_step_flops(name: str = XL) -> int:
    """(adamwAccounting c) FLOPs of one AdamW update: 14 per parameter (see ADAMW_FLOPS_PER_PARAM).

    >>> adamw_step_flops()
    29778806400
    """
    m = _model(name)
    return m.value(adamw_flops(m.architecture).total)


def training_days(name: str = XL, *, steps: int = 400_000, batch: int = 1024, seq: int = 1024,
                  peak=A100_FP32_PEAK, mfu=Fraction(1, 2), optimizer: bool = False) -> Fraction:
    """(adamwAccounting d) Days to train: ``steps`` steps of forward + backward (= 2 × forward).

    ``optimizer=True`` adds the AdamW update's FLOPs to every step.

    >>> round(float(training_days()), 1)
    6583.6
    """
    m = _model(name)
    step = train_step_flops(m.architecture, optimizer=optimizer)
    flops = step.at(m.workload(batch, seq)).total
    return training_seconds(flops, steps, peak, mfu) / SECONDS_PER_DAY
