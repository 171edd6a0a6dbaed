"""Layers that differ along two axes, as counted stacks: the attention (local or global) and the
MLP (dense or a mixture of experts).

A family lists each layer's ``(attention kind, MLP kind)``; :func:`grid_stacks` makes one
:class:`~symparams.stacks.Stack` per kind present, each counted by symbols — never one stack per
layer. One axis that varies gives ``l_local`` and ``l − l_local`` layers (or ``l_dense`` and
``l − l_dense``); both give up to four stacks over ``l_local``, ``l_dense`` and, only when all four
combinations occur, ``l_ld`` (local layers with a dense MLP).

>>> from symparams.hf.fields import llama_like
>>> from symparams.hf.reader import Fields, load
>>> f = Fields(load({"num_hidden_layers": 6}), llama_like())
>>> kinds = [("local", "dense"), ("local", "moe"), ("global", "moe")] * 2
>>> [(st.name, st.count) for st in grid_stacks(f, kinds, lambda att, mlp: ())]
[('local-dense', l_dense), ('local-moe', -l_dense + l_local), ('global-moe', l - l_local)]
>>> f.values()
{'l': 6, 'l_local': 4, 'l_dense': 2}
"""

from __future__ import annotations

from sympy import Expr, Integer

from symparams.stacks import Stack
from symparams.symbols import E, k, l, l_dense, l_ld, l_local

__all__ = ["grid_stacks", "routed_experts", "ATTENTION_AXIS", "MLP_AXIS"]

#: the two values of each axis: the first is counted by its symbol, the second by what remains
ATTENTION_AXIS = ("local", "global")
MLP_AXIS = ("dense", "moe")


def grid_stacks(f, kinds: list[tuple[str, str]], block_for, *, names: dict[str, str] | None = None
                ) -> tuple[Stack, ...]:
    """One stack per ``(attention, mlp)`` kind present in ``kinds`` (one entry per layer, in
    layer order), its block ``block_for(attention, mlp)``; local before global, dense before MoE.

    Attention kinds are ``"local"`` / ``"global"``, MLP kinds ``"dense"`` / ``"moe"``; ``names``
    renames a kind in the stack names (Llama 4 calls its local layers ``"chunked"``). The
    symbols used are bound on ``f``.
    """
    names = names or {}
    for att, mlp in kinds:
        if att not in ATTENTION_AXIS or mlp not in MLP_AXIS:
            raise ValueError(f"layer kind {(att, mlp)!r}: expected attention in {ATTENTION_AXIS}, mlp in {MLP_AXIS}")
    f.use("layers")
    present = sorted(set(kinds), key=lambda kind: (ATTENTION_AXIS.index(kind[0]), MLP_AXIS.index(kind[1])))
    atts, mlps = {att for att, _ in kinds}, {mlp for _, mlp in kinds}
    counts = _counts(f, kinds, present, split_attention=len(atts) == 2, split_mlp=len(mlps) == 2)

    def stack_name(att: str, mlp: str) -> str:
        parts = ([names.get(att, att)] if len(atts) == 2 else []) + ([names.get(mlp, mlp)] if len(mlps) == 2 else [])
        return "-".join(parts) or "block"

    return tuple(Stack(stack_name(att, mlp), counts[(att, mlp)], block_for(att, mlp)) for att, mlp in present)


def _counts(f, kinds, present, *, split_attention: bool, split_mlp: bool) -> dict[tuple[str, str], Expr]:
    """Each present kind's count as a formula over ``l``, ``l_local``, ``l_dense`` (and ``l_ld``)."""
    local = f.bind(l_local, sum(att == "local" for att, _ in kinds)) if split_attention else None
    dense = f.bind(l_dense, sum(mlp == "dense" for _, mlp in kinds)) if split_mlp else None
    if not (split_attention and split_mlp):
        if split_attention:
            return {(att, mlp): local if att == "local" else l - local for att, mlp in present}
        if split_mlp:
            return {(att, mlp): dense if mlp == "dense" else l - dense for att, mlp in present}
        return {present[0]: l}
    cells = set(present)
    both = ("local", "dense")
    # x: layers both local and dense, written with the symbols when a combination is absent
    if both not in cells:
        x = Integer(0)
    elif ("global", "dense") not in cells:
        x = dense
    elif ("local", "moe") not in cells:
        x = local
    elif ("global", "moe") not in cells:
        x = local + dense - l
    else:
        x = f.bind(l_ld, kinds.count(both))
    grid = {both: x, ("local", "moe"): local - x, ("global", "dense"): dense - x,
            ("global", "moe"): l - local - dense + x}
    return {cell: grid[cell] for cell in present}


def routed_experts(f) -> tuple:
    """``(E, k)``: the experts (field ``experts``) and the experts per token (``top_k``), bound,
    checked ``k ≤ E``."""
    experts, top_k = f.size("experts"), f.size("top_k")
    if top_k > experts:
        raise f.error(f"field {f.key('top_k')!r} = {top_k} exceeds {f.key('experts')!r} = {experts}; "
                      "expected top-k <= number of experts")
    return f.use("experts", E), f.use("top_k", k)


def pattern_kinds(f, default_pattern: int) -> list[str]:
    """Each layer's kind (``layer_types`` entries) from ``layer_types``, or from the older
    ``sliding_window_pattern`` (layer ``i`` slides unless ``(i + 1) % pattern == 0``, transformers'
    rule; default ``default_pattern``). Both given must agree.

    >>> from symparams.hf.fields import llama_like
    >>> from symparams.hf.reader import Fields, load
    >>> pattern_kinds(Fields(load({"num_hidden_layers": 4, "sliding_window_pattern": 2}), llama_like()), 6)
    ['sliding_attention', 'full_attention', 'sliding_attention', 'full_attention']
    >>> pattern_kinds(Fields(load({"num_hidden_layers": 2, "sliding_window_pattern": 2,
    ...                            "layer_types": ["full_attention"] * 2}), llama_like()), 6)
    Traceback (most recent call last):
    ...
    symparams.errors.ConfigError: config dict: field 'sliding_window_pattern' = 2 contradicts field 'layer_types' = ['full_attention', 'full_attention'] (the pattern makes layers [0] sliding); remove one of them or make them agree
    """
    from symparams.families.common import layer_kinds

    layers = f.size("layers")
    pattern = f.raw.data.get("sliding_window_pattern", default_pattern)
    if isinstance(pattern, bool) or not isinstance(pattern, int) or pattern < 1:
        raise f.error(f"field 'sliding_window_pattern' = {pattern!r} must be a positive integer "
                      "(every pattern-th layer is global)")
    implied = ["sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(layers)]
    kinds = layer_kinds(f, implied)
    if "sliding_window_pattern" in f.raw.data and kinds != implied:
        sliding = [i for i, kind in enumerate(implied) if kind == "sliding_attention"]
        raise f.error(f"field 'sliding_window_pattern' = {pattern} contradicts field 'layer_types' = "
                      f"{f.raw.data['layer_types']!r} (the pattern makes layers {sliding} sliding); remove one of "
                      "them or make them agree")
    return kinds
