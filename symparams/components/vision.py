"""The patch embedding of a vision transformer: a ``p × p``, stride-``p`` convolution.

A convolution whose stride equals its kernel sees each pixel once: it is one
matmul of the flattened patches, ``(b·n_p) × (c_in·p²)`` by ``(c_in·p²) × h``,
and ``FlopCounterMode`` counts it as such (2 FLOPs per multiply-accumulate of
every output element). The weight is stored ``(h, c_in, p, p)`` with a bias
``h``, as ``nn.Conv2d``.

The stack it sits in runs over ``s`` tokens per image: the patches plus
``extra`` tokens that are not patches (ViT's one ``[CLS]`` token), so the
convolution covers ``s − extra`` patches.

>>> from symparams.symbols import c_in, p, h, b, s
>>> pe = PatchEmbedding(c_in, p, h)
>>> pe.params()
c_in*h*p**2 + h
>>> pe.matmuls(b, s)[0].flops()
2*b*c_in*h*p**2*(s - 1)
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams._expr import as_expr
from symparams.components.base import Activation, Component, Matmul, Tensor

__all__ = ["PatchEmbedding"]


@dataclass(frozen=True)
class PatchEmbedding(Component):
    """``Conv2d(c_in, h, kernel_size=p, stride=p)`` over the ``s − extra`` patches of each image."""

    c_in: Expr
    p: Expr
    h: Expr
    bias: bool = True
    extra: Expr = Integer(1)
    key = "patch_embedding"
    label = "patch embedding (convolution, stride = kernel)"

    def patches(self, s) -> Expr:
        """Patches per image when the stack runs over ``s`` tokens."""
        return as_expr(s) - self.extra

    @property
    def patch_size(self) -> Expr:
        """Inputs of one patch: ``c_in·p²``."""
        return self.c_in * self.p ** 2

    def tensors(self) -> tuple[Tensor, ...]:
        weight = Tensor("patch_embeddings.projection.weight", (self.h, self.c_in, self.p, self.p))
        if not self.bias:
            return (weight,)
        return (weight, Tensor("patch_embeddings.projection.bias", (self.h,)))

    def matmuls(self, b, s) -> tuple[Matmul, ...]:
        return (Matmul("projection", b * self.patches(s), self.patch_size, self.h),)

    def saved_activations(self, b, s, *, dropout=True) -> tuple[Activation, ...]:
        """The pixels, for the weight gradient (an input image does not require grad)."""
        return (Activation("patch_embedding.input", b * self.patches(s) * self.patch_size, split="sequence"),)

    def op_outputs(self, b, s) -> tuple[Activation, ...]:
        return (Activation("patch_embedding.projection", b * self.patches(s) * self.h),)

    def elementwise_flops(self, b, s) -> Expr:
        """The bias add, 1 per output element."""
        return b * self.patches(s) * self.h if self.bias else Integer(0)
