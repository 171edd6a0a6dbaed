"""An architecture: counted stacks of components over the size symbols.

A transformer is a sequence of :class:`Stack` s. A stack is a name, a count
(an expression: ``l``, ``l - l_dense``, ``1``), a block of components, and the
tokens per sequence it runs over (``s``, an encoder's ``s_enc``, ``n_p + 1``
patches). Every cost is additive over layers, so every cost of a model is a
sum over its stacks of ``count × (cost of one block)``; the order of the stacks
is for display. :func:`once` makes the stacks that occur once (embeddings, the
final norm and head), :func:`decoder` the common shape ``once(embed) + l ×
block + once(final)``.

>>> from symparams.components import Attention, GatedMLP, OutputHead, RMSNorm, TokenEmbedding
>>> from symparams.symbols import V, a, d_ff, h, l, n_kv
>>> gqa = decoder("gqa-swiglu", "GQA + SwiGLU decoder",
...               embed=(TokenEmbedding(V, h),),
...               block=(RMSNorm(h), Attention(h, a, n_kv, h / a), RMSNorm(h), GatedMLP(h, d_ff)),
...               final=(RMSNorm(h), OutputHead(h, V, tied=False)))
>>> gqa.params().block
3*d_ff*h + 2*h**2 + 2*h + 2*h**2*n_kv/a
>>> [(st.name, st.count) for st in gqa.stacks]
[('embedding', 1), ('block', l), ('head', 1)]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator

from sympy import Expr, Integer, Symbol

from symparams._expr import as_expr
from symparams.components.base import Component, Dropout
from symparams.errors import OptionError
from symparams.symbols import l as _layers, s as _s, s_enc as _s_enc

__all__ = ["Stack", "once", "Architecture", "decoder"]


@dataclass(frozen=True)
class Stack:
    """``count`` copies of ``block``, each run over ``seq`` tokens per sequence.

    ``layers`` says whether the block is a transformer layer (repeated, shown
    with a subtotal per block, split by pipeline stages, kept only as its input
    under full recomputation) or a part that occurs once (:func:`once`).

    >>> from symparams.components import LayerNorm
    >>> from symparams.symbols import h, l, l_dense
    >>> Stack("moe", l - l_dense, (LayerNorm(h),)).count
    l - l_dense
    """

    name: str
    count: Expr
    block: tuple[Component, ...]
    seq: Expr = _s
    layers: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise OptionError(f"a stack needs a non-empty name, got {self.name!r}")
        object.__setattr__(self, "count", as_expr(self.count))
        object.__setattr__(self, "seq", as_expr(self.seq))
        block = tuple(self.block)
        for c in block:
            if not isinstance(c, Component):
                raise TypeError(f"stack {self.name!r}: {c!r} is not a Component "
                                "(use the classes of symparams.components)")
        object.__setattr__(self, "block", block)
        if self.count.is_positive is False or self.count == 0:
            raise OptionError(f"stack {self.name!r}: count={self.count} must be positive "
                              "(leave out a stack that has no layers)")

    @property
    def title(self) -> str:
        """How a derivation names one of its blocks: ``one block``, ``one moe block``."""
        return "one block" if self.name == "block" else f"one {self.name} block"


def once(name: str, *components: Component, seq=_s) -> Stack:
    """A stack that occurs once (embeddings, a final norm and head, a pooler).

    >>> from symparams.components import TokenEmbedding
    >>> from symparams.symbols import V, h
    >>> once("embedding", TokenEmbedding(V, h)).count
    1
    """
    return Stack(name, Integer(1), tuple(components), seq, layers=False)


@dataclass(frozen=True)
class Architecture:
    """A transformer as counted stacks of components.

    ``notes`` records modelling choices a reader should know (e.g. "positions
    ignored"); they appear in derivations. ``dropout`` says where the model
    trains with dropout (every site by default, as the classic GPT): it decides
    which masks activation memory counts. ``parallel_residual`` records that
    attention and MLP read the same input (GPT-J, Falcon): no count changes.
    ``head_model`` is the same model with its pretraining head (an encoder's
    masked-LM head, an encoder-decoder's LM head, a classifier), itself an
    architecture, so that every cost works for both; ``None`` when this one
    already is what the loss runs on (a causal LM). :attr:`with_head` gives
    whichever applies.
    """

    name: str
    title: str
    stacks: tuple[Stack, ...]
    notes: tuple[str, ...] = field(default=())
    parallel_residual: bool = False
    dropout: Dropout = Dropout()
    head_model: "Architecture | None" = None

    def __post_init__(self) -> None:
        stacks = tuple(self.stacks)
        for st in stacks:
            if not isinstance(st, Stack):
                raise TypeError(f"{self.name}: {st!r} is not a Stack (use Stack(...) or once(...))")
        names = [st.name for st in stacks]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise OptionError(f"{self.name}: stack names must be unique, repeated: {', '.join(repeated)}")
        object.__setattr__(self, "stacks", stacks)
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "dropout", Dropout.of(self.dropout))
        if self.head_model is not None and not isinstance(self.head_model, Architecture):
            raise TypeError(f"{self.name}: head_model={self.head_model!r} is not an Architecture")

    # ---- structure ----
    def parts(self) -> Iterator[tuple[Component, Stack]]:
        """Every component with the stack it belongs to, in display order."""
        for st in self.stacks:
            for c in st.block:
                yield c, st

    @property
    def layer_stacks(self) -> tuple[Stack, ...]:
        """The stacks of transformer layers (``layers=True``)."""
        return tuple(st for st in self.stacks if st.layers)

    @property
    def repeats(self) -> tuple[tuple[str, Expr], ...]:
        """``(stack name, count)`` of every layer stack: what a breakdown multiplies by."""
        return tuple((st.name, st.count) for st in self.layer_stacks)

    def stack(self, name: str) -> Stack:
        """The stack called ``name``."""
        for st in self.stacks:
            if st.name == name:
                return st
        raise KeyError(f"{self.name} has no stack {name!r}; stacks: {', '.join(st.name for st in self.stacks)}")

    @property
    def layers(self) -> Expr:
        """Total number of transformer layers (the sum of the layer stacks' counts)."""
        return as_expr(sum((st.count for st in self.layer_stacks), Integer(0)))

    @property
    def block(self) -> tuple[Component, ...]:
        """The block of the one layer stack (an error when there are several: use :meth:`stack`)."""
        stacks = self.layer_stacks
        if len(stacks) != 1:
            raise OptionError(f"{self.name} has {len(stacks)} layer stacks "
                              f"({', '.join(st.name for st in stacks) or 'none'}); use .stack(name).block")
        return stacks[0].block

    def component(self, key: str) -> Component:
        """The first component with this key (e.g. ``"attention"``)."""
        for c, _ in self.parts():
            if c.key == key:
                return c
        raise KeyError(f"{self.name} has no component {key!r}")

    def components(self, key: str) -> tuple[tuple[Component, Stack], ...]:
        """Every component with this key, with its stack."""
        return tuple((c, st) for c, st in self.parts() if c.key == key)

    @property
    def is_encoder_decoder(self) -> bool:
        """Whether a stack runs over an encoder's ``s_enc`` tokens beside the decoder's ``s``."""
        return any(_s_enc in st.seq.free_symbols for st in self.stacks)

    @property
    def with_head(self) -> "Architecture":
        """The model with its pretraining head: :attr:`head_model`, or this architecture when it has
        none (a causal LM already ends in its head)."""
        return self if self.head_model is None else self.head_model

    # ---- making variants ----
    def replace(self, **changes) -> "Architecture":
        """This architecture with some fields changed; ``notes`` are dropped unless given
        (a variant must not inherit its base's notes), and so is ``head_model`` when the stacks
        change (it would describe the old stacks)."""
        changes.setdefault("notes", ())
        if "stacks" in changes:
            changes.setdefault("head_model", None)
        return replace(self, **changes)

    def map_components(self, change, *, name: str | None = None, title: str | None = None) -> "Architecture":
        """A variant with ``change(component)`` applied to every component (return it unchanged
        to keep it). ``notes`` are not inherited.

        >>> from dataclasses import replace
        >>> from symparams.families import architecture
        >>> from symparams.symbols import n_kv
        >>> gqa = architecture("gpt-classic").map_components(
        ...     lambda c: replace(c, n_kv=n_kv) if c.key == "attention" else c, name="gqa")
        >>> from sympy import factor
        >>> factor(gqa.params().total - architecture("gpt-classic").params().total)
        -2*h*l*(a - n_kv)*(h + 1)/a
        """
        stacks = tuple(replace(st, block=tuple(change(c) for c in st.block)) for st in self.stacks)
        head = None if self.head_model is None else self.head_model.map_components(change)
        return self.replace(name=name or self.name, title=title or self.title, stacks=stacks, head_model=head)

    # ---- shortcuts to the cost modules (which cache: an architecture is immutable) ----
    def params(self):
        """Trainable parameters: :func:`symparams.costs.params.parameters`."""
        from symparams.costs.params import parameters

        return parameters(self)

    def buffers(self):
        """Non-trainable buffer elements: :func:`symparams.costs.params.buffers`."""
        from symparams.costs.params import buffers

        return buffers(self)

    def forward_flops(self, convention=None):
        """Forward FLOPs over ``b`` sequences: :func:`symparams.costs.flops.forward_flops`."""
        from symparams.costs.flops import forward_flops

        return forward_flops(self) if convention is None else forward_flops(self, convention)

    def kv_cache(self, **kwargs):
        """KV cache bytes: :func:`symparams.costs.kv_cache.kv_cache`."""
        from symparams.costs.kv_cache import kv_cache

        return kv_cache(self, **kwargs)

    @property
    def symbols(self) -> list[Symbol]:
        """The size symbols the parameter count depends on, by name."""
        return sorted(self.params().free_symbols, key=lambda x: x.name)

    def __repr__(self) -> str:
        from sympy import Add

        def counted(st):
            if st.count == 1:
                return st.name
            return f"({st.count})×{st.name}" if isinstance(st.count, Add) else f"{st.count}×{st.name}"

        stacks = " + ".join(counted(st) for st in self.stacks)
        return f"<Architecture {self.name}: {stacks}>"

    def _repr_markdown_(self) -> str:
        from symparams.printing.markdown import breakdown_table

        return f"**{self.title}** (`{self.name}`)\n\n" + breakdown_table(self.params())


def decoder(name: str, title: str, *, embed: Iterable[Component], block: Iterable[Component],
            final: Iterable[Component], layers=_layers, notes: Iterable[str] = (), **options) -> Architecture:
    """The common shape: ``once("embedding", *embed)``, ``Stack("block", layers, block)``,
    ``once("head", *final)``. ``options`` are the other fields of :class:`Architecture`
    (``dropout``, ``parallel_residual``)."""
    stacks = (once("embedding", *embed), Stack("block", layers, tuple(block)), once("head", *final))
    return Architecture(name, title, stacks, tuple(notes), **options)
