"""GPT-J: attention and MLP in parallel after one LayerNorm, rotary on the first ``rotary_dim``
values of each head, a biased output head.

Every attention layer holds its own sinusoidal table, ``n_positions × rotary_dim`` values
(a non-persistent buffer, so ``l · s_max · rotary_dim`` buffer elements in all); Q, K, V and the
output projection have no bias, the MLP and the head do.

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config("tests/fixtures/hf_configs/gpt-j-6b.json")
>>> m.params.total, m.buffers.total
(6050882784, 3670016)
"""

from __future__ import annotations

from sympy import Integer

from symparams.components import MLP, Attention, LayerNorm, RotaryPositions, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head
from symparams.families.layers import grid_stacks
from symparams.families.sampling import IDS, base
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, REQUIRED, dropout, flag, size, text
from symparams.symbols import V, a, d_ff, h, l, s_max

__all__ = ["GPTJ"]


def _rotary_dim(f, head_dim: int) -> int:
    """``rotary_dim``: even and at most the head size (transformers' sin/cos table and slices need it);
    null rotates ``n_embd`` values, which fits only a single head."""
    null = "rotary_dim" in f.raw.data and f.raw.data["rotary_dim"] is None
    rotary = DERIVED if null else f.size("rotary")
    if rotary is DERIVED:
        if f.size("heads") != 1:
            raise f.error(f"field 'rotary_dim' = null: GPT-J's sin/cos table then covers n_embd = {f.size('hidden')} "
                          f"values, but each of the {f.size('heads')} heads has {head_dim}; expected rotary_dim <= "
                          f"{head_dim}")
        rotary = head_dim
    if rotary % 2 or rotary > head_dim:
        raise f.error(f"field 'rotary_dim' = {rotary} must be even and at most the head size {head_dim} "
                      "(n_embd / n_head)")
    return rotary


def gptj(f):
    """``GPTJForCausalLM``."""
    hidden, heads = f.size("hidden"), f.size("heads")
    for key, alias in (("n_embd", "hidden_size"), ("n_layer", "num_hidden_layers"), ("n_head", "num_attention_heads"),
                       ("n_positions", "max_position_embeddings")):
        if key in f.raw.data and alias in f.raw.data and f.raw.data[key] != f.raw.data[alias]:
            raise f.error(f"fields {key!r} = {f.raw.data[key]!r} and {alias!r} = {f.raw.data[alias]!r} name the same "
                          "size (GPTJConfig's attribute_map); give one")
    if hidden % heads:
        raise f.error(f"field 'n_embd' = {hidden} is not divisible by 'n_head' = {heads}")
    rotary = _rotary_dim(f, hidden // heads)
    attention = Attention(h, a, a, h / a)
    mlp = MLP(h, ffn_width(f, 4), bias=True, activation=f.text("act"))
    table = RotaryPositions(s_max, Integer(rotary), layout="cos_sin")
    f.use("positions")
    return decoder_of(f, name="gptj", title=f"GPT-J (parallel attention and MLP, rotary_dim {rotary}); "
                                            f"{describe(a, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, h),),
                      layers=grid_stacks(f, [("global", "dense")] * f.size("layers"),
                                         lambda att, mlp_: (LayerNorm(h), attention, table, mlp)),
                      final=(LayerNorm(h), head(f, bias=True)),
                      notes=("parallel attention and MLP (same parameter count as sequential)",
                             "a sinusoidal table of s_max × rotary_dim values in every attention layer (buffers)"),
                      parallel_residual=True)


def _sample(draw, st, bd):
    d = base(draw, st, bd)
    return {"model_type": "gptj", "n_embd": d.hidden, "n_layer": d.layers, "n_head": d.heads,
            "vocab_size": d.vocab, "n_positions": max(d.positions, 64), "tie_word_embeddings": d.tie, **IDS,
            "rotary_dim": 2 * draw(st.integers(1, d.head_dim // 2)), "n_inner": draw(st.one_of(st.none(), st.just(d.ffn))),
            "activation_function": "gelu_new"}


GPTJ = Family("gptj", "GPT-J", {
    "hidden": size("n_embd", REQUIRED, "hidden_size", symbol=h), "layers": size("n_layer", REQUIRED, "num_hidden_layers", symbol=l),
    "heads": size("n_head", REQUIRED, "num_attention_heads", symbol=a), "vocab": size("vocab_size", symbol=V),
    "ffn": size("n_inner", DERIVED, symbol=d_ff),  # null → 4 * n_embd
    "positions": size("n_positions", 2048, "max_position_embeddings", symbol=s_max),
    "rotary": size("rotary_dim", 64), "tie": flag("tie_word_embeddings", False),
    "act": text("activation_function", "gelu_new"),
    **dropout(embedding=("embd_pdrop", 0.0), attention=("attn_pdrop", 0.0), residual=("resid_pdrop", 0.0)),
}, gptj, _sample, rope_theta=False,
   # GPTJModel: transformer.wte, attn.out_proj, mlp.fc_in, mlp.fc_out
   modules={"embedding.embed_tokens": "wte", "attention.o_proj": "out_proj", "mlp.up_proj": "fc_in",
            "mlp.down_proj": "fc_out"})
