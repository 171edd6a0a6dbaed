"""The weight matrices of an architecture as the model's own modules, by their Hugging Face names.

LoRA adapters (:mod:`symparams.studies.lora`) and weight quantization
(:mod:`symparams.studies.quantization`) act on modules — ``nn.Linear``,
``nn.Embedding``, GPT-2's ``Conv1D`` — named as transformers names them
(``q_proj``, ``c_attn``, ``query_key_value``, ``lm_head``). Nothing here is a
hand list per model: each module is derived from a component's tensors (a
matrix of ``d_out × d_in``, or ``copies`` of them for the experts of a
mixture), and its name from the family's ``modules`` table
(:class:`~symparams.hf.family.Family`), which renames the components' own
names where transformers differs and fuses what transformers fuses (one
``c_attn`` for Q, K and V). A tied output head is a module too (its weight is
the embedding's).

>>> from symparams.presets import model
>>> [(m.name, m.d_in, m.d_out) for m in modules(model("gpt2").architecture) if m.stack == "block"]
[('c_attn', h, 3*h), ('c_proj', h, h), ('c_fc', h, 4*h), ('c_proj', 4*h, h)]
>>> target_names(model("gpt2").architecture)
('c_attn', 'c_fc', 'c_proj', 'lm_head', 'wpe', 'wte')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from sympy import Expr, Integer

from symparams._expr import as_expr
from symparams.components.base import Tensor
from symparams.components.tokens import SharedEmbedding
from symparams.costs.params import EMBEDDING_KEYS
from symparams.errors import OptionError

__all__ = ["Module", "KINDS", "modules", "component_modules", "target_names", "fused_names", "select", "names_of"]

#: what a module is: a linear map (``nn.Linear`` / ``Conv1D``), a lookup table (``nn.Embedding``), a
#: convolution (``nn.Conv2d``: a ViT's patch embedding; ``d_in`` is ``channels × kernel``), a MoE router
#: (transformers 5: a module holding an ``E × h`` weight, not an ``nn.Linear``), a 3-D parameter of fused
#: experts (transformers 5's MoE layout), or a bare ``nn.Parameter`` of no module (a ViT's CLS token and
#: position table); PEFT's ``target_modules`` wraps the first three kinds
KINDS = ("linear", "embedding", "conv", "router", "parameter", "tensor")


@dataclass(frozen=True)
class Module:
    """One weight matrix (or ``copies`` of it) of one block of stack ``stack``.

    ``d_in`` is the last axis of the weight (a linear map's input features, an
    embedding's width), ``d_out`` the other (output features, or rows of a
    table). ``parts`` are the component tensors it holds (several when fused),
    ``outs`` their output widths.
    """

    name: str
    stack: str
    component: str
    parts: tuple[str, ...]
    d_in: Expr
    d_out: Expr
    copies: Expr = Integer(1)
    bias: bool = False
    kind: str = "linear"
    tied: bool = False
    outs: tuple = ()

    def __post_init__(self) -> None:
        if not self.outs:
            object.__setattr__(self, "outs", (self.d_out,))

    @property
    def numel(self) -> Expr:
        """Elements of the weight (0 for a tied head: the embedding holds them)."""
        return Integer(0) if self.tied else self.copies * self.d_in * self.d_out

    def matches(self, target: str) -> bool:
        """Whether a PEFT-style target names this module: its name, or a dotted suffix of it."""
        return self.name == target or self.name.endswith("." + target)


def _family_record(arch):
    from symparams.families import SUPPORTED_MODEL_TYPES, family

    name = arch.name.removesuffix("+head")  # a model with its pretraining head (Architecture.head_model)
    if name not in SUPPORTED_MODEL_TYPES:
        return None
    fam = family(name)
    return family(fam.text_config) if fam.text_config else fam  # a multimodal config counts its text model


@lru_cache(maxsize=256)
def modules(arch) -> tuple[Module, ...]:
    """Every weight matrix of ``arch`` as a module, stack by stack (one entry per block: a layer
    stack's modules occur ``count`` times)."""
    return tuple(m for st in arch.stacks for c in st.block for m in component_modules(arch, c, st.name))


@lru_cache(maxsize=4096)
def component_modules(arch, component, stack: str) -> tuple[Module, ...]:
    """The modules of one component of ``arch`` (in stack ``stack``), named as the family names them.

    The family's ``modules`` table (or what it returns for ``arch``, when it is a function) is looked up
    by ``"ComponentClass.prefix"`` first (T5's ``GatedMLP`` names its ``up_proj`` ``wi_1``, its plain
    ``MLP`` ``wi``), then ``"stack:component key.prefix"`` (T5's ``decoder.embed_tokens``), then
    ``"component key.prefix"``. A name given as a tuple is a module and the modules that share its
    weight (T5's ``shared`` table is also ``encoder.embed_tokens``): tied copies, each of which PEFT
    can adapt on its own; so is a :class:`~symparams.components.tokens.SharedEmbedding` (the decoder's
    lookup into the encoder's table).
    """
    fam = _family_record(arch)
    names, kinds = (fam.modules, fam.module_kinds) if fam is not None else ({}, {})
    names = names(arch) if callable(names) else names
    c = component
    groups: dict[str, list] = {}
    aliases: dict[str, tuple] = {}
    own = {t.name: t for t in c.tensors() if t.trainable}
    mats = [t for t in own.values() if len(t.shape) >= 2]
    if c.key == "output_head" and getattr(c, "tied", False):
        mats.append(_tied_weight(c))
    if isinstance(c, SharedEmbedding):  # a lookup into another stack's table: a tied module of its own
        mats.append(Tensor("embed_tokens.tied", (c.V, c.h)))
    for t in mats:
        prefix = t.name.rsplit(".", 1)[0]
        hf = next((names[k] for k in (f"{type(c).__name__}.{prefix}", f"{stack}:{c.key}.{prefix}",
                                      f"{c.key}.{prefix}") if k in names), prefix)
        if not isinstance(hf, str):
            aliases[hf[0]] = tuple(hf[1:])
            hf = hf[0]
        groups.setdefault(hf, []).append((prefix, t))
    mods = []
    for hf, members in groups.items():
        m = _fuse(arch, stack, c, hf, members, own, kinds.get(hf))
        mods += [m] + [replace(m, name=alias, tied=True) for alias in aliases.get(hf, ())]
    return tuple(mods)


def _tied_weight(head):
    lin = head.linear()
    return Tensor(f"{lin.name}.tied", (lin.d_out, lin.d_in))


def _axes(shape) -> tuple:
    """(copies, d_out, d_in) of a weight: a convolution's ``d_out × channels × kernel`` reads as a
    ``d_out × (channels·kernel)`` matrix (what PEFT's Conv2d adapter sees), a 3-D weight as copies."""
    if len(shape) == 4:
        return Integer(1), shape[0], as_expr(shape[1] * shape[2] * shape[3])
    return (shape[0] if len(shape) == 3 else Integer(1)), shape[-2], shape[-1]


def _fuse(arch, stack: str, c, hf: str, members, own, kind=None) -> Module:
    shapes = [_axes(t.shape) for _, t in members]
    copies, d_in = shapes[0][0], shapes[0][2]
    if any(sh[2] != d_in or sh[0] != copies for sh in shapes):
        raise OptionError(f"{arch.name}: the tensors {', '.join(p for p, _ in members)} of {c.key} are named "
                          f"{hf!r} but do not share an input width; fix the family's modules table")
    d_out = as_expr(sum((sh[1] for sh in shapes), Integer(0)))
    parts = tuple(p for p, _ in members)
    bias = any(f"{p}.bias" in own for p in parts)
    tied = any(t.name.endswith(".tied") for _, t in members)
    kind = kind or _kind(c, parts, any(len(t.shape) == 4 for _, t in members))
    return Module(hf, stack, c.key, parts, d_in, d_out, copies, bias, kind, tied, tuple(sh[1] for sh in shapes))


def _kind(c, parts, conv: bool) -> str:
    """What module the component's tensors ``parts`` are, unless the family's ``module_kinds`` says."""
    if conv:
        return "conv"
    if c.key in EMBEDDING_KEYS:
        return "embedding"
    if any(p.startswith("experts.") for p in parts):
        return "parameter"
    return "router" if parts == ("router",) else "linear"


def names_of(arch, kinds=KINDS) -> tuple[str, ...]:
    """The module names of ``arch`` (of the given kinds), sorted."""
    return tuple(sorted({m.name for m in modules(arch) if m.kind in kinds}))


#: the kinds PEFT's ``target_modules`` can adapt
TARGETS = ("linear", "embedding", "conv")


@lru_cache(maxsize=1)
def _expert_names() -> tuple[str, ...]:
    """The last names of a MoE's expert tensors, as the MoE component names them (gate_proj, up_proj,
    down_proj)."""
    from symparams.components.moe import MoE
    from symparams.symbols import E, d_ff, h, k

    return tuple(dict.fromkeys(t.name.split(".")[1] for t in MoE(h, d_ff, E, k).tensors()
                               if t.name.startswith("experts.")))


def fused_names(arch) -> frozenset:
    """The last names of the tensors a MoE's fused 3-D expert parameters hold (``gate_proj``,
    ``up_proj``, ``down_proj``): PEFT (for transformers 5) maps a target of that name onto the fused
    parameters of the families transformers converts so, whichever module it also names, so such
    targets are not counted here."""
    fam = _family_record(arch)
    # the names follow the family (PEFT converts by model_type), a config whose layers are all dense too:
    # the expert tensors of the MoE component
    declared = set(_expert_names()) if fam is not None and fam.moe else set()
    return frozenset(declared | {p.rsplit(".", 1)[-1] for m in modules(arch) if m.kind == "parameter"
                                 for p in m.parts})


def target_names(arch) -> tuple[str, ...]:
    """The names PEFT's ``target_modules`` can take for ``arch``: its linear maps, lookup tables and
    convolutions (but for a name PEFT maps onto fused experts: :func:`fused_names`)."""
    fused = fused_names(arch)
    return tuple(n for n in names_of(arch, TARGETS) if n.rsplit(".", 1)[-1] not in fused)


def select(arch, targets, *, kinds=TARGETS, option: str = "--lora-targets") -> tuple[Module, ...]:
    """The modules ``targets`` name (PEFT's matching: a module's name or a dotted suffix of it).

    A target that names no module of the allowed kinds is refused, listing the
    valid names (and saying why, for the fused expert parameters of a MoE).

    >>> from symparams.presets import model
    >>> select(model("gpt2").architecture, ["q_proj"])
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --lora-targets: 'q_proj' is not a module of gpt2; its modules are: c_attn, c_fc, c_proj, lm_head, wpe, wte
    """
    if isinstance(targets, str):
        targets = [t for t in targets.split(",") if t]
    targets = list(targets)
    if not targets:
        raise OptionError(f"{option}: give at least one module name; {arch.name} has: "
                          f"{', '.join(names_of(arch, kinds))}")
    mods = modules(arch)
    fused = fused_names(arch) if kinds == TARGETS else frozenset()
    chosen = []
    for target in targets:
        if not isinstance(target, str):
            raise OptionError(f"{option}: {target!r} is not a module name")
        if target.rsplit(".", 1)[-1] in fused:
            raise OptionError(f"{option}: {target!r}: on {arch.name}, PEFT maps a target named "
                              f"{target.rsplit('.', 1)[-1]!r} onto the experts' fused 3-D parameters (transformers 5 "
                              "stores them so), which is not counted here; its countable modules are: "
                              f"{', '.join(target_names(arch))}")
        hits = [m for m in mods if m.matches(target)]
        allowed = [m for m in hits if m.kind in kinds]
        if not allowed:
            why = ""
            if hits and hits[0].kind == "router":
                why = f" ({target!r} is the router of {hits[0].component}: transformers 5 keeps it as a parameter)"
            elif hits and hits[0].kind == "tensor":
                why = f" ({target!r} is a bare parameter of {hits[0].component}, not a module)"
            elif hits:
                why = (f" ({target!r} is a fused {hits[0].kind} of {hits[0].component}: transformers keeps the "
                       "experts as 3-D parameters, not modules)")
            raise OptionError(f"{option}: {target!r} is not a module of {arch.name}{why}; its modules are: "
                              f"{', '.join(names_of(arch, kinds))}")
        chosen += [m for m in allowed if m not in chosen]
    return tuple(m for m in mods if m in chosen)
