"""A heterogeneous architecture built with the public API (2 dense layers then MoE layers with a
sliding window), property-tested against an independent count written layer by layer in plain ints."""

from hypothesis import given
from sympy import expand

from symparams import Architecture, Stack, architecture, once
from symparams.components import Attention, GatedMLP, MoE, OutputHead, RMSNorm, RotaryPositions, TokenEmbedding
from symparams.costs.diff import difference
from symparams.symbols import E, V, a, d_ff, d_head, h, k, l, l_dense, n_kv, s_max, w
from symparams.testing import sizes


def dense_then_moe() -> Architecture:
    """GQA everywhere; ``l_dense`` dense SwiGLU layers, then MoE layers whose attention slides over ``w``."""
    attention = Attention(h, a, n_kv, d_head)
    return Architecture("dense-then-moe", "dense then MoE", (
        once("embedding", TokenEmbedding(V, h), RotaryPositions(s_max, d_head, layout="inv_freq")),
        Stack("dense", l_dense, (RMSNorm(h), attention, RMSNorm(h), GatedMLP(h, d_ff))),
        Stack("moe", l - l_dense, (RMSNorm(h), Attention(h, a, n_kv, d_head, mask="window", window=w), RMSNorm(h),
                                   MoE(h, d_ff, E, k))),
        once("head", RMSNorm(h), OutputHead(h, V, tied=False)),
    ))


ARCH = dense_then_moe()


def independent(sz):
    """(params, forward FLOPs dense, forward FLOPs over kept pairs, KV elements), layer by layer."""
    L, H, A, KV, D, F, n_exp, top, Vv, W = (sz[x] for x in ("l", "h", "a", "n_kv", "d_head", "d_ff", "E", "k", "V", "w"))
    B, S = sz["b"], sz["s"]
    params, dense, masked, cache = Vv * H + H + H * Vv, 2 * B * S * H * Vv, 2 * B * S * H * Vv, 0
    for i in range(L):
        window = None if i < sz["l_dense"] else W
        attn = H * A * D + 2 * H * KV * D + A * D * H
        params += 2 * H + attn
        proj = 2 * B * S * attn
        pairs = sum(1 for q in range(S) for kk in range(q + 1) if window is None or q - kk < window)
        dense += proj + 2 * 2 * B * A * D * S * S
        masked += proj + 2 * 2 * B * A * D * pairs
        if i < sz["l_dense"]:
            params += 3 * H * F
            mlp = 2 * B * S * 3 * H * F
        else:
            params += n_exp * 3 * H * F + n_exp * H  # experts and router
            mlp = 2 * B * S * (H * n_exp + top * 3 * H * F)
        dense += mlp
        masked += mlp
        cache += 2 * B * KV * D * (S if window is None else min(S, window - 1))
    return params, dense, masked, cache


@given(sizes(ARCH, max_layers=5, max_seq=12))
def test_counts_equal_a_layer_by_layer_count(sz):
    params, dense, masked, cache = independent(sz)
    assert ARCH.params().at(sz).total == params
    assert ARCH.forward_flops().at(sz).total == dense
    assert ARCH.forward_flops("causal-exact").at(sz).total == masked
    from symparams.costs.kv_cache import kv_cache_elements
    from symparams.symbols import s

    assert kv_cache_elements(ARCH, tokens=s).at(sz).total == cache


def test_subtotal_per_stack_in_the_derivation():
    from symparams.printing.rows import breakdown_rows

    texts = [r.text for r in breakdown_rows(ARCH.params())]
    assert "one dense block (×l_dense)" in texts and "one moe block (×(l - l_dense))" in texts


def test_a_gqa_swiglu_variant_compares_symbolically_with_its_base():
    base = architecture("gpt-classic")
    variant = base.map_components(
        lambda c: type(c)(c.h, c.a, n_kv, c.d_head, c.qkv_bias, c.o_bias) if c.key == "attention" else c,
        name="gpt-gqa")
    assert variant.notes == () and base.notes
    assert expand(difference(variant, base, "params") - (-2 * l * h * (h + 1) * (a - n_kv) / a)) == 0
