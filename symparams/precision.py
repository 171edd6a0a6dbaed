"""Training precision recipes: bytes per parameter of weights, gradients, optimizer state.

The 16 vs 18 bytes-per-parameter disagreement between tools is a choice of
recipe; naming it makes the choice visible.

>>> RECIPES["mixed"].total, RECIPES["mixed-18"].total, RECIPES["fp32"].total
(16, 18, 16)
>>> RECIPES["mixed-18"].bytes
(2, 4, 12)
"""

from __future__ import annotations

from dataclasses import dataclass

from symparams.errors import ConventionError
from symparams.options import choose

__all__ = ["Recipe", "RECIPES", "recipe", "RECIPE_OF_DTYPE", "recipe_for"]


@dataclass(frozen=True)
class Recipe:
    """Bytes per parameter of weights, gradients and optimizer state, named."""

    name: str
    weights: int
    gradients: int
    optimizer: int
    description: str

    @property
    def bytes(self) -> tuple[int, int, int]:
        """(weights, gradients, optimizer state) bytes per parameter."""
        return (self.weights, self.gradients, self.optimizer)

    @property
    def total(self) -> int:
        return self.weights + self.gradients + self.optimizer

    def _repr_markdown_(self) -> str:
        from symparams.printing.reprs import recipe_markdown

        return recipe_markdown(self)


RECIPES: dict[str, Recipe] = {r.name: r for r in (
    Recipe("mixed", 2, 2, 12, "16-bit weights and gradients; fp32 master weights, AdamW m and v"),
    Recipe("mixed-18", 2, 4, 12, "16-bit weights, fp32 gradients; fp32 master weights, AdamW m and v"),
    Recipe("fp32", 4, 4, 8, "fp32 weights and gradients; AdamW m and v in fp32 (no master copy)"),
)}


def recipe(name: str) -> Recipe:
    """The precision recipe called ``name`` (``mixed``, ``mixed-18``, ``fp32``)."""
    return choose("recipe", name, RECIPES, error=ConventionError)


#: the training recipe whose weights are in a dtype: what a report that says ``--dtype fp32`` trains with,
#: so its weights, activations and training memory follow one recipe
RECIPE_OF_DTYPE = {"fp32": "fp32", "bf16": "mixed", "fp16": "mixed"}


def recipe_for(dtype: str) -> str:
    """The name of the training recipe of ``dtype`` (:data:`RECIPE_OF_DTYPE`).

    >>> recipe_for("fp32"), recipe_for("bf16")
    ('fp32', 'mixed')
    """
    return choose("dtype", dtype, RECIPE_OF_DTYPE, hint="training memory is given for fp32, bf16 and fp16")
