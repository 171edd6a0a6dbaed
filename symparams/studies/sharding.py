"""Megatron-style sharding of parameters over tensor, expert and pipeline parallel ranks.

Tensor parallelism of degree ``t`` (Shoeybi et al. 2019; Narayanan et al.
2021) splits every matrix and the vocabulary, and replicates norms:

- *column-parallel* linears (``q_proj``, ``k_proj``, ``v_proj``, ``gate_proj``,
  ``up_proj``, the output head ``lm_head``) split their output features: the
  weight and the bias are divided by ``t``;
- *row-parallel* linears (``o_proj``, ``down_proj``) split their input
  features: the weight is divided by ``t``, the bias is replicated (it is added
  once, after the all-reduce);
- the token embedding is vocabulary-parallel (``V/t`` rows per rank), and so
  is a masked-LM head's decoder and its output bias (Megatron's BERT head adds a
  ``V/t`` bias to its vocabulary-parallel logits); learned positions, norms and a
  mixture of experts' router are replicated;
- any other matrix of a layer (a component this module has no rule for) is split
  on its first axis, any other vector replicated;
- a tensor of a once-only stack (embedding, pooler, heads) with no rule above is
  replicated, as Megatron keeps its plain ``nn.Linear`` / ``nn.Embedding``
  modules there (BERT's token types, pooler, LM-head transform and binary head;
  ViT's patch projection, ``[CLS]`` token and classifier): they are never split,
  so a ``1 × 1 × h`` ``[CLS]`` token needs no ``t`` to divide 1.

Expert parallelism of degree ``N_ep`` gives each rank ``E/N_ep`` of the
experts (each still split by ``t``, as Megatron-Core's default expert tensor
parallelism). A pipeline stage is a slice of the stacks: every layer stack's
``count/N_pp`` layers, the stacks before the first layer stack (the
embedding) on the first stage, the others (final norm, head) on the last; with
a tied head and ``N_pp > 1`` the last stage keeps its own copy of the
embedding's table for the logits (Megatron's ``word_embeddings`` on the last
stage, its gradient all-reduced with the first stage's).

>>> from symparams.families import architecture
>>> arch = architecture("gpt-classic")
>>> stage_parameters(arch, "all").block
12*h**2/t + 6*h + 7*h/t
>>> stage_parameters(arch, "last").total - stage_parameters(arch, "first").total
0
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sympy import Expr, Integer, Mul

from symparams._expr import sum_exprs
from symparams.breakdown import Breakdown, Piece, merge_pieces
from symparams.errors import OptionError
from symparams.options import choose
from symparams.symbols import n_ep as _n_ep, n_pp as _n_pp, t as _t
from symparams.values import evaluate_exact

__all__ = ["Shard", "rank_tensors", "tied_tables", "stage_stacks", "stage_parameters", "split_by_group", "check_sharding",
           "STAGES", "COLUMN", "ROW", "VOCAB", "REPLICATED", "EXPERT_SUFFIX"]

COLUMN = frozenset({"q_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "lm_head"})
ROW = frozenset({"o_proj", "down_proj"})
VOCAB = frozenset({"embed_tokens", "decoder"})
REPLICATED = frozenset({"norm", "router", "shared_expert_gate", "embed_positions"})
#: pipeline stages a device can sit on: the only one (no pipeline), the first or the last
STAGES = ("all", "first", "last")
#: the key suffix of the pieces that hold routed experts (sharded over N_ep, ZeRO over N_dp/N_ep)
EXPERT_SUFFIX = ".experts"


@dataclass(frozen=True)
class Shard:
    """One tensor as a rank holds it: its name, per-rank shape, the rule that split it, and
    whether it is a routed expert's (replicated over ``N_dp/N_ep`` ranks rather than ``N_dp``)."""

    name: str
    shape: tuple
    rule: str
    expert: bool = False

    @property
    def numel(self) -> Expr:
        return Mul(*self.shape)


def _rule(name: str, ndim: int, once: bool = False) -> str:
    parts = name.split(".")
    linear, kind = (parts[-2], parts[-1]) if len(parts) >= 2 else (parts[0], "weight")
    if linear in REPLICATED:
        return "replicated"
    if linear in VOCAB:
        return "vocab"
    if linear in COLUMN:
        return "column"
    if linear in ROW:
        return "row" if kind == "weight" else "replicated"
    return "column" if ndim >= 2 and not once else "replicated"


def rank_tensors(component, t=_t, n_ep=_n_ep, *, once: bool = False) -> tuple[Shard, ...]:
    """The trainable tensors of ``component`` as one tensor- and expert-parallel rank holds them;
    ``once``: the component sits in a once-only stack (a tensor without a named rule is replicated).

    >>> from symparams.components import Attention, MoE
    >>> from symparams.symbols import h, a, d_ff, E, k
    >>> [(s.name, s.shape) for s in rank_tensors(Attention(h, a, a, h / a, o_bias=True))][-2:]
    [('o_proj.weight', (h, h/t)), ('o_proj.bias', (h,))]
    >>> [(s.name, s.shape) for s in rank_tensors(MoE(h, d_ff, E, k))][:2]
    [('router.weight', (E, h)), ('experts.gate_proj.weight', (E/n_ep, d_ff/t, h))]
    >>> from symparams.components.tokens import LearnedToken
    >>> [(s.shape, s.rule) for s in rank_tensors(LearnedToken(h), once=True)]
    [((1, 1, h), 'replicated')]
    """
    out = []
    for tensor in component.tensors():
        if not tensor.trainable:
            continue
        expert = tensor.name.startswith("experts.")
        shape = list(tensor.shape)
        lead = 1 if expert else 0  # an expert tensor is (E, d_out, d_in)
        rule = _rule(tensor.name, len(shape) - lead, once)
        if expert:
            shape[0] = shape[0] / n_ep
        if rule in ("column", "vocab"):
            shape[lead] = shape[lead] / t
        elif rule == "row":
            shape[lead + 1] = shape[lead + 1] / t
        out.append(Shard(tensor.name, tuple(shape), rule, expert))
    return tuple(out)


def stage_stacks(arch, stage: str = "all") -> tuple:
    """The stacks a pipeline stage holds: every layer stack, and the stacks that occur once and
    come before the first layer stack (``"first"``) or after it (``"last"``); ``"all"``: every stack.

    >>> from symparams.families import architecture
    >>> [st.name for st in stage_stacks(architecture("gpt2"), "first")]
    ['embedding', 'block']
    """
    choose("stage", stage, STAGES)
    if stage == "all":
        return arch.stacks
    first_layer = next((i for i, st in enumerate(arch.stacks) if st.layers), len(arch.stacks))
    keep = []
    for i, st in enumerate(arch.stacks):
        if st.layers or (stage == "first") == (i < first_layer):
            keep.append(st)
    return tuple(keep)


def _rows(component, t, n_ep, once=False):
    shards = rank_tensors(component, t, n_ep, once=once)
    dense = [s.numel for s in shards if not s.expert]
    expert = [s.numel for s in shards if s.expert]
    rows = []
    if dense:
        rows.append((component.key, component.label, sum_exprs(dense)))
    if expert:
        rows.append((component.key + EXPERT_SUFFIX, f"{component.label}: routed experts (E/N_ep per rank)",
                     sum_exprs(expert)))
    return rows


def tied_tables(arch) -> tuple:
    """``(component, (V, h) shape)`` of every head tied to the embedding table (an output head, a
    masked-LM head's decoder): the table the last pipeline stage keeps a copy of."""
    out = []
    for c, _ in arch.parts():
        if c.key == "output_head" and getattr(c, "tied", False):
            out.append((c, c.linear().tensors()[0].shape))
        elif c.key == "mlm_head" and getattr(c, "tied", False):
            out.append((c, c.linears()[1].tensors()[0].shape))
    return tuple(out)


def _head_copy(arch, t) -> tuple[Piece, ...]:
    """The last stage's copy of a tied embedding table (Megatron keeps one for the logits)."""
    return tuple(Piece(c.key, f"{c.label}: the last stage's copy of the tied embedding table",
                       Mul(*shape) / t, stack="head") for c, shape in tied_tables(arch))


@lru_cache(maxsize=1024)
def stage_parameters(arch, stage: str = "all", *, t=_t, n_pp=_n_pp, n_ep=_n_ep) -> Breakdown:
    """Parameters one rank of a pipeline ``stage`` holds under tensor parallelism ``t`` and expert
    parallelism ``n_ep``; each layer stack contributes ``count/n_pp`` layers (``"all"``: no pipeline,
    every layer). Routed experts are the pieces keyed ``….experts``.

    >>> from symparams.families import architecture
    >>> arch = architecture("gpt2")
    >>> stage_parameters(arch, "first").total
    V*h/t + h*s_max + l*(12*h**2/t + 6*h + 7*h/t)/n_pp
    >>> stage_parameters(arch, "last").total
    V*h/t + 2*h + l*(12*h**2/t + 6*h + 7*h/t)/n_pp
    """
    choose("stage", stage, STAGES)
    stacks = stage_stacks(arch, stage)
    pieces = []
    for st in stacks:
        for component in st.block:
            for key, label, expr in _rows(component, t, n_ep, not st.layers):
                if expr != 0:
                    pieces.append(Piece(key, label, expr, stack=st.name))
    if stage == "last":
        pieces.extend(_head_copy(arch, t))
    per = Integer(1) if stage == "all" else n_pp
    repeats = tuple((st.name, st.count / per) for st in arch.layer_stacks)
    where = "every layer (no pipeline)" if stage == "all" else f"the {stage} of N_pp pipeline stages"
    return Breakdown("parameters per device", "parameters", merge_pieces(pieces), repeats,
                     convention=f"Megatron sharding: matrices and vocabulary split over t, norms, positions and "
                                f"the router replicated, experts over N_ep; {where}")


def split_by_group(bd: Breakdown) -> tuple[Expr, Expr]:
    """``(dense, routed experts)`` totals of a :func:`stage_parameters`-like breakdown, each as
    ``Σ count · (the stack's pieces of that group)``."""
    def total(expert: bool) -> Expr:
        terms = []
        for st in bd.stacks:
            block = sum_exprs(p.per_block for p in bd.pieces
                              if p.stack == st and p.key.endswith(EXPERT_SUFFIX) == expert)
            if block != 0:
                terms.append(bd.count_of(st) * block if st in dict(bd.repeats) else block)
        return sum_exprs(terms)

    return total(False), total(True)


def _whole(expr, values) -> bool:
    return evaluate_exact(expr, values).denominator == 1


def check_sharding(arch, values, *, tp: int, ep: int = 1) -> None:
    """Refuse a tensor- or expert-parallel degree the model's shapes cannot be split by, naming
    what does not divide (query heads, key/value heads, MLP width, vocabulary, experts).

    >>> from symparams.presets import model
    >>> m = model("gpt2")
    >>> check_sharding(m.architecture, m.values, tp=5)
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --tp 5: the 12 query heads (a) are not divisible by 5
    """
    def need(expr, what, option, degree, fix=""):
        number = evaluate_exact(expr, values)
        if number.denominator != 1 or number.numerator % degree:
            shown = number if number.denominator != 1 else number.numerator
            raise OptionError(f"{option} {degree}: the {shown} {what} are not divisible by {degree}{fix}")

    parts = [c for c, _ in arch.parts()]
    for c in parts:  # heads first: the usual reason a degree does not fit
        if c.key == "attention":
            need(c.a, "query heads (a)", "--tp", tp)
            need(c.n_kv, "key/value heads (n_kv)", "--tp", tp,
                 "; Megatron splits the key/value heads over the tensor-parallel ranks")
    for c in parts:
        if c.key in ("mlp", "moe"):
            need(c.d_ff, "MLP features (d_ff)" if c.key == "mlp" else "expert MLP features (d_ff)", "--tp", tp)
        if c.key == "moe":
            need(c.E, "experts (E)", "--ep", ep)
    for c in parts:
        if c.key in ("embedding", "output_head"):
            need(c.V, "vocabulary rows (V)", "--tp", tp,
                 " (Megatron pads the vocabulary to a multiple of 128·t: give a config with a padded vocab_size)")
    if ep > 1 and not any(c.key == "moe" for c, _ in arch.parts()):
        raise OptionError(f"--ep {ep}: {arch.name} has no mixture-of-experts layer to split over expert-parallel "
                          "ranks; use --ep 1")
    degrees = {_t: tp, _n_ep: ep}
    for c, st in arch.parts():
        for shard in rank_tensors(c, once=not st.layers):
            for size in shard.shape:
                if not _whole(size, {**values, **degrees}):
                    raise OptionError(f"--tp {tp}: tensor {shard.name} of {c.label} has a dimension {size} "
                                      f"that does not split into whole rows over {tp} ranks")
