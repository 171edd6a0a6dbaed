"""An architecture: components over the size symbols, arranged as a model.

A model is its embedding components (once), a block of components repeated
``layers`` times, and the final components (final norm, output head). Every
cost is derived from the components by the :mod:`symparams.costs` modules; the
methods here are shortcuts to them.

>>> from symparams.architectures import architecture
>>> arch = architecture("gpt-classic")
>>> arch.params().expanded
V*h + 12*h**2*l + 13*h*l
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from sympy import Expr, Symbol

from symparams.components.base import Component, Dropout
from symparams.symbols import l as _layers

__all__ = ["Architecture"]


@dataclass(frozen=True)
class Architecture:
    """A transformer as components: ``embeddings``, ``layers × block``, ``final``.

    ``notes`` records modelling choices a reader should know (e.g. "positions
    ignored"); they appear in derivations. ``dropout`` says where the model
    trains with dropout (every site by default, as the classic GPT): it decides
    which masks activation memory counts.
    """

    name: str
    title: str
    embeddings: tuple[Component, ...]
    block: tuple[Component, ...]
    final: tuple[Component, ...]
    layers: Expr = _layers
    notes: tuple[str, ...] = field(default=())
    parallel_residual: bool = False
    dropout: Dropout = Dropout()

    def parts(self) -> Iterator[tuple[Component, bool]]:
        """Every component with whether it sits in the repeated block."""
        for c in self.embeddings:
            yield c, False
        for c in self.block:
            yield c, True
        for c in self.final:
            yield c, False

    def component(self, key: str) -> Component:
        """The first component with this key (e.g. ``"attention"``)."""
        for c, _ in self.parts():
            if c.key == key:
                return c
        raise KeyError(f"{self.name} has no component {key!r}")

    # Shortcuts to the cost modules (which cache: an architecture is immutable).
    def params(self):
        """Trainable parameters: :func:`symparams.costs.params.parameters`."""
        from symparams.costs.params import parameters

        return parameters(self)

    def buffers(self):
        """Non-trainable buffer elements: :func:`symparams.costs.params.buffers`."""
        from symparams.costs.params import buffers

        return buffers(self)

    def forward_flops(self, convention=None):
        """Forward FLOPs over ``b × s`` tokens: :func:`symparams.costs.flops.forward_flops`."""
        from symparams.costs.flops import forward_flops

        return forward_flops(self) if convention is None else forward_flops(self, convention)

    def kv_cache(self, **kwargs):
        """KV cache bytes: :func:`symparams.costs.kv_cache.kv_cache`."""
        from symparams.costs.kv_cache import kv_cache

        return kv_cache(self, **kwargs)

    @property
    def symbols(self) -> list[Symbol]:
        """The size symbols the parameter count depends on, by name."""
        return sorted(self.params().free_symbols, key=lambda s: s.name)

    def _repr_markdown_(self) -> str:
        from symparams.printing.markdown import breakdown_table

        return f"**{self.title}** (`{self.name}`)\n\n" + breakdown_table(self.params())

