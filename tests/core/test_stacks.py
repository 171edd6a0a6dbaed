"""Architectures as counted stacks: validation, repeats, per-stack subtotals in every format."""

import pytest
from sympy import expand

from symparams import Architecture, Stack, decoder, once
from symparams.breakdown import Breakdown, Piece
from symparams.components import Attention, GatedMLP, LayerNorm, OutputHead, RMSNorm, TokenEmbedding
from symparams.errors import OptionError
from symparams.families import architecture
from symparams.printing.latex import breakdown_latex
from symparams.printing.markdown import breakdown_table
from symparams.symbols import V, a, d_ff, h, l, l_dense, s

BLOCK = (RMSNorm(h), Attention(h, a, a, h / a), RMSNorm(h), GatedMLP(h, d_ff))


def two_stacks():
    return Architecture("two", "two stacks", (
        once("embedding", TokenEmbedding(V, h)),
        Stack("dense", l_dense, BLOCK),
        Stack("rest", l - l_dense, BLOCK),
        once("head", RMSNorm(h), OutputHead(h, V, tied=True)),
    ))


def test_single_stack_keeps_block_and_layers():
    bd = architecture("gpt-classic").params()
    assert bd.block == 12 * h**2 + 13 * h and bd.layers == l
    assert bd.repeats == (("block", l),)


def test_a_split_model_counts_the_same_as_its_single_stack():
    single = decoder("one", "one", embed=(TokenEmbedding(V, h),), block=BLOCK, final=(RMSNorm(h), OutputHead(h, V)))
    assert expand(two_stacks().params().total - single.params().total) == 0
    assert expand(two_stacks().forward_flops().total - single.forward_flops().total) == 0


def test_several_stacks_have_no_single_block():
    bd = two_stacks().params()
    with pytest.raises(OptionError, match="per_block"):
        bd.block
    assert bd.per_block("dense") == bd.per_block("rest")
    assert bd.count_of("rest") == l - l_dense and bd.count_of("embedding") == 1
    assert set(bd.by_stack()) == {"embedding", "dense", "rest", "head"}


def test_subtotal_per_stack_in_markdown_and_latex():
    md = breakdown_table(two_stacks().params())
    assert "| one dense block (×l_dense) |" in md and "| one rest block (×(l - l_dense)) |" in md
    tex = breakdown_latex(two_stacks().params())
    assert r"\text{one rest block (}{\times}\left(l - l_{\mathrm{dense}}\right)\text{)}" in tex


def test_validation():
    with pytest.raises(OptionError, match="unique"):
        Architecture("x", "x", (once("a"), once("a")))
    with pytest.raises(TypeError, match="not a Stack"):
        Architecture("x", "x", (LayerNorm(h),))
    with pytest.raises(TypeError, match="not a Component"):
        Stack("x", l, ("norm",))
    with pytest.raises(OptionError, match="positive"):
        Stack("x", 0, BLOCK)


def test_each_stack_runs_over_its_own_tokens():
    from symparams.symbols import s_enc

    arch = Architecture("enc", "enc", (Stack("encoder", l, (Attention(h, a, a, h / a, mask="full"),), seq=s_enc),))
    flops = arch.forward_flops().total
    assert flops.free_symbols >= {s_enc} and s not in flops.free_symbols


def test_a_variant_does_not_inherit_its_notes():
    base = architecture("gpt-classic")
    assert base.notes and base.replace(name="other").notes == ()


def test_breakdown_without_stacks_is_all_once():
    bd = Breakdown("x", "u", (Piece("p", "p", 3), Piece("q", "q", 4, count=2)))
    assert bd.total == 11 and bd.block == 0 and not bd.has_block
