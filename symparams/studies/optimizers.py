"""Optimizers as data: bytes of weights, gradients and optimizer state per parameter.

The optimizer state is what ZeRO stage 1 shards (Rajbhandari et al. 2020 call
its size ``K·Ψ``): the fp32 master copy of the weights that mixed-precision
training keeps, plus the optimizer's own moments. Every optimizer but
``adamw-fp32`` trains in mixed precision: 16-bit weights and gradients (2 + 2
bytes) and a 4-byte master copy.

- ``adamw``: fp32 master, first and second moments: ``K = 12`` (ZeRO's mixed-precision Adam);
- ``adamw-fp32``: fp32 weights and gradients, fp32 moments, no master copy: 4 + 4 + 8;
- ``adam-8bit``: moments in 8 bits (Dettmers et al. 2022, block-wise quantisation): ``K = 4 + 1 + 1``;
  the per-block fp32 scales (one per block of 2,048 values) are not counted;
- ``adafactor``: no first moment (β₁ = 0, Shazeer & Stern 2018) and a *factored* fp32 second moment:
  a matrix of ``r × c`` keeps ``r + c`` values (row and column statistics), a vector all of its
  values — the state depends on each tensor's shape, not only on the parameter count (counted over the
  tensors as the components list them, Q, K, V and the gate and up projections apart; an implementation
  that fuses them, as Megatron's ``linear_qkv`` and ``linear_fc1``, keeps fewer row statistics);
- ``sgd``: one fp32 momentum buffer (SGD with momentum);
- ``lion``: one fp32 momentum (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms").

>>> OPTIMIZERS["adamw"].per_parameter, OPTIMIZERS["adamw-fp32"].per_parameter, OPTIMIZERS["lion"].per_parameter
(16, 16, 12)
>>> from symparams.symbols import h, d_ff
>>> OPTIMIZERS["adafactor"].state_bytes((d_ff, h))
4*d_ff*h + 4*d_ff + 4*h
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Mul

from symparams.errors import ConventionError
from symparams.options import choose

__all__ = ["Optimizer", "OPTIMIZERS", "optimizer", "factored_elements"]


@dataclass(frozen=True)
class Optimizer:
    """Bytes per parameter of the weights and gradients, and of each optimizer state.

    ``master``: the fp32 copy of the weights (0 when the weights are fp32 already);
    ``moments``: bytes per element of each full-size state; ``factored``: bytes per element
    of a factored second moment (0 if none); ``dtype``: what the model computes in.
    """

    name: str
    weights: int
    gradients: int
    master: int
    moments: tuple[int, ...]
    factored: int
    dtype: str
    description: str

    @property
    def per_parameter(self) -> int | None:
        """Weights + gradients + optimizer state bytes per parameter (None when factored: shape-dependent)."""
        if self.factored:
            return None
        return self.weights + self.gradients + self.master + sum(self.moments)

    def state_bytes(self, shape) -> Expr:
        """Optimizer-state bytes of one tensor of ``shape`` (master copy included)."""
        full = (self.master + sum(self.moments)) * Mul(*shape)
        return full + self.factored * factored_elements(shape) if self.factored else full


def factored_elements(shape) -> Expr:
    """Elements of a factored second moment of a tensor: the row and column statistics of its last
    two axes (for each index of the others), or every element of a vector — what
    ``transformers.optimization.Adafactor`` allocates (``exp_avg_sq_row`` and ``exp_avg_sq_col``).

    >>> from symparams.symbols import E, h, d_ff
    >>> factored_elements((E, d_ff, h)), factored_elements((h,))
    (E*(d_ff + h), h)
    """
    shape = tuple(shape)
    if len(shape) < 2:
        return Mul(*shape)
    return Mul(*shape[:-2]) * (shape[-2] + shape[-1])


OPTIMIZERS = {o.name: o for o in (
    Optimizer("adamw", 2, 2, 4, (4, 4), 0, "bf16",
              "AdamW, mixed precision: 16-bit weights and gradients; fp32 master, m and v (ZeRO's K = 12)"),
    Optimizer("adamw-fp32", 4, 4, 0, (4, 4), 0, "fp32", "AdamW in fp32: fp32 weights, gradients, m and v"),
    Optimizer("adam-8bit", 2, 2, 4, (1, 1), 0, "bf16",
              "8-bit Adam (block-wise quantised m and v, 1 byte each; per-block scales not counted); fp32 master"),
    Optimizer("adafactor", 2, 2, 4, (), 4, "bf16",
              "Adafactor without momentum: factored fp32 second moment (rows + columns of each matrix); "
              "fp32 master"),
    Optimizer("sgd", 2, 2, 4, (4,), 0, "bf16", "SGD with momentum: one fp32 momentum buffer; fp32 master"),
    Optimizer("lion", 2, 2, 4, (4,), 0, "bf16", "Lion: one fp32 momentum; fp32 master"),
)}


def optimizer(name) -> Optimizer:
    """The optimizer called ``name`` (one of :data:`OPTIMIZERS`), or ``name`` if it is one."""
    if isinstance(name, Optimizer):
        return name
    return choose("optimizer", name, OPTIMIZERS, error=ConventionError)

