"""OPT: learned positions with 2 extra rows, ReLU MLP, optional projections between a narrower
word embedding and the model width.

>>> from symparams.hf import from_hf_config
>>> from_hf_config("tests/fixtures/hf_configs/opt-125m.json").params.total
125239296
"""

from __future__ import annotations

from sympy import Integer

from symparams.stacks import Stack
from symparams.components import MLP, Attention, LayerNorm, LearnedPositions, Projection, TokenEmbedding
from symparams.families.common import decoder_of, describe, ffn_width, head, head_size
from symparams.families.sampling import base, llama_config
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, dropout, flag, pad_token, size, text
from symparams.symbols import V, a, d_emb, d_ff, h, l, s_max

__all__ = ["OPT"]


def opt(f):
    """``OPTForCausalLM``: biases by ``enable_bias``; LayerNorms only with
    ``layer_norm_elementwise_affine``; the final norm only for pre-norm models
    (``do_layer_norm_before``, not ``_remove_final_layer_norm``); a
    ``word_embed_proj_dim`` ≠ ``hidden_size`` adds ``project_in`` / ``project_out``
    and narrows the token table and the head to ``d_emb``."""
    d_head, _ = head_size(f)
    f.use("positions")
    bias = f.flag("bias")
    attention = Attention(h, a, a, d_head, qkv_bias=bias, o_bias=bias)
    mlp = MLP(h, ffn_width(f), bias=bias, activation=f.text("act"))
    affine = f.flag("norm_affine")
    block = (LayerNorm(h), attention, LayerNorm(h), mlp) if affine else (attention, mlp)
    width, project_in, project_out = h, (), ()
    proj = f.size("proj_dim")
    if proj is not DERIVED and proj != f.size("hidden"):
        width = f.bind(d_emb, proj)
        project_in, project_out = (Projection("project_in", d_emb, h),), (Projection("project_out", h, d_emb),)
    final_norm = f.flag("norm_before") and not f.flag("remove_final_norm") and affine
    return decoder_of(f, name="opt", title=f"OPT; {describe(a, mlp, f.flag('tie'))}",
                      embed=(TokenEmbedding(V, width), LearnedPositions(s_max, h, Integer(2)), *project_in),
                      layers=(Stack("block", l, block),),
                      final=(*((LayerNorm(h),) if final_norm else ()), *project_out, head(f, width)))


def _sample(draw, st, bd):
    d = base(draw, st, bd, step=1)
    cfg = llama_config("opt", d, ffn_dim=d.ffn, word_embed_proj_dim=d.hidden, do_layer_norm_before=True,
                       enable_bias=draw(st.booleans()))
    return cfg


#: transformers' module names
_MODULES = {"attention.o_proj": "out_proj", "mlp.up_proj": "fc1", "mlp.down_proj": "fc2"}

OPT = Family("opt", "OPT", {
    "hidden": size("hidden_size", symbol=h), "layers": size("num_hidden_layers", symbol=l),
    "heads": size("num_attention_heads", symbol=a), "vocab": size("vocab_size", symbol=V),
    "ffn": size("ffn_dim", symbol=d_ff), "positions": size("max_position_embeddings", 2048, symbol=s_max),
    "proj_dim": size("word_embed_proj_dim", DERIVED),  # null → hidden_size
    "tie": flag("tie_word_embeddings", True), "bias": flag("enable_bias", True),
    "norm_affine": flag("layer_norm_elementwise_affine", True), "norm_before": flag("do_layer_norm_before", True),
    "remove_final_norm": flag("_remove_final_layer_norm", False), "act": text("activation_function", "relu"), **pad_token(1),
    **dropout(attention=("attention_dropout", 0.0), residual=("dropout", 0.1)),
}, opt, _sample, head_step=1, modules=_MODULES)
