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
from symparams.symbols import l, l_dense, l_ld, l_local

__all__ = ["grid_stacks", "ATTENTION_AXIS", "MLP_AXIS"]

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
