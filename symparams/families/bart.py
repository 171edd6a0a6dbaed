"""BART: a post-norm encoder-decoder with learned positions and biases everywhere.

``BartModel``: one shared vocabulary table (``tie_word_embeddings``, default
true; untied, transformers 5.23 gives the encoder and the decoder each their
own table beside the unused ``shared`` one); each side a learned position
table of ``s_max + 2`` rows (BART's offset) and a LayerNorm on the embeddings;
``l`` encoder layers over ``s_enc`` tokens, ``l_dec`` decoder layers over
``s`` (self-attention, cross-attention, MLP, each followed by its LayerNorm).
The head model (``BartForConditionalGeneration``) adds the LM head (tied to
the shared table) and the ``final_logits_bias`` buffer. Decoder heads and
MLP width get their own symbols (``a_dec``, ``d_dec``) when they differ from
the encoder's.

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config({"model_type": "bart", "d_model": 1024, "encoder_layers": 12, "decoder_layers": 12,
...     "encoder_attention_heads": 16, "decoder_attention_heads": 16, "encoder_ffn_dim": 4096,
...     "decoder_ffn_dim": 4096, "vocab_size": 50265})
>>> m.params.total   # facebook/bart-large
406291456
"""

from __future__ import annotations

from symparams.components import MLP, Attention, LayerNorm, LearnedPositions, OutputHead, TokenEmbedding
from symparams.components.mlm import LogitsBias
from symparams.components.tokens import SharedEmbedding, UnusedTable
from symparams.families.common import dropout_sites
from symparams.families.encoders import encoder_decoder, post_norm
from symparams.families.sampling import IDS, base
from symparams.hf.family import Family
from symparams.hf.fields import REQUIRED, Field, dropout, flag, pad_token, size, text
from symparams.stacks import Stack
from symparams.symbols import V, a, a_dec, d_dec, d_ff, h, l, l_dec, s_enc, s_max

__all__ = ["BART"]


def _decoder_size(f, name: str, encoder: str, encoder_symbol, symbol):
    """A decoder size: the encoder's symbol when the two are equal, else its own symbol, bound."""
    value = f.size(name)
    return encoder_symbol if value == f.size(encoder) else f.bind(symbol, value)


def bart(f):
    """``BartModel`` (base) and ``BartForConditionalGeneration`` (with its LM head)."""
    for key in ("hidden", "layers", "heads", "vocab", "positions", "ffn"):
        f.use(key)
    f.use("dec_layers")
    for name in ("encoder_layerdrop", "decoder_layerdrop"):
        if f.probability(name) > 0:
            raise f.error(f"field {f.key(name)!r} = {f.probability(name)} is not supported: LayerDrop skips "
                          "random layers in training, so no count is exact; expected 0")
    hidden = f.size("hidden")
    for heads_key in ("heads", "dec_heads"):
        if hidden % f.size(heads_key):
            raise f.error(f"field {f.key('hidden')!r} = {hidden} is not divisible by {f.key(heads_key)!r} = "
                          f"{f.size(heads_key)}; expected d_model % heads == 0")
    dec_heads = _decoder_size(f, "dec_heads", "heads", a, a_dec)
    dec_ffn = _decoder_size(f, "dec_ffn", "ffn", d_ff, d_dec)
    act = f.text("act")

    def attention(heads, **kw):
        return Attention(h, heads, heads, h / heads, qkv_bias=True, o_bias=True, **kw)

    enc_block = post_norm(attention(a, mask="full"), MLP(h, d_ff, bias=True, activation=act))
    norm = LayerNorm(h)
    dec_block = (attention(dec_heads), norm, attention(dec_heads, key_len=s_enc, mask="full"), norm,
                 MLP(h, dec_ffn, bias=True, activation=act), norm)
    positions = LearnedPositions(s_max, h, offset=2)
    tied = f.flag("tie")
    # untied, transformers builds the encoder's and the decoder's own tables beside the (unused) shared one
    enc_tables = (TokenEmbedding(V, h),) if tied else (UnusedTable(V, h), TokenEmbedding(V, h))
    dec_table = SharedEmbedding(V, h) if tied else TokenEmbedding(V, h)
    notes = () if tied else ("tie_word_embeddings = false: the encoder and the decoder each have their own "
                             "V × h table, beside the shared one (unused), and the LM head its own",)
    return encoder_decoder(
        "bart", f"BART (post-norm, learned positions, biases; {'tied' if tied else 'untied'} embeddings)",
        embed=(*enc_tables, positions, LayerNorm(h)),
        encoder=(Stack("encoder", l, enc_block, seq=s_enc),), encoder_final=(),
        decoder_embed=(dec_table, positions, LayerNorm(h)),
        decoder=(Stack("decoder", l_dec, dec_block),), decoder_final=(),
        head=(OutputHead(h, V, tied=tied), LogitsBias(V)), dropout=dropout_sites(f),
        notes=("the encoder reads s_enc tokens, the decoder s; the decoder caches its own s tokens "
               "(self-attention) and the encoder's s_enc (cross-attention)", *notes))


def _sample(draw, st, bd):
    d = base(draw, st, bd, step=1)
    dec_heads = draw(st.sampled_from([x for x in range(1, d.hidden + 1) if d.hidden % x == 0 and x <= 8]))
    return {"model_type": "bart", "d_model": d.hidden, "encoder_layers": d.layers,
            "decoder_layers": draw(bd.span("layers")), "encoder_attention_heads": d.heads,
            "decoder_attention_heads": draw(st.sampled_from([d.heads, dec_heads])), "encoder_ffn_dim": d.ffn,
            "decoder_ffn_dim": draw(st.sampled_from([d.ffn, draw(bd.span("ffn"))])),
            "vocab_size": max(d.vocab, 4), "max_position_embeddings": d.positions + 16,
            "tie_word_embeddings": d.tie, "decoder_start_token_id": 0, "forced_eos_token_id": 0, **IDS}


#: BartModel: self_attn/encoder_attn.{q,k,v}_proj and out_proj, fc1, fc2; tied, the shared table is
#: also each stack's embed_tokens (tied modules); untied, the encoder and the decoder own theirs
_MODULES = {"attention.o_proj": "out_proj", "mlp.up_proj": "fc1", "mlp.down_proj": "fc2",
            "embedding.embed_tokens": ("shared", "encoder.embed_tokens"),
            "decoder.embedding:embedding.embed_tokens": "decoder.embed_tokens"}
_UNTIED = {**_MODULES, "UnusedTable.embed_tokens": "shared",
           "encoder.embedding:embedding.embed_tokens": "encoder.embed_tokens"}

BART = Family(
    "bart", "BART",
    # attribute_map names first: BartConfig lets hidden_size, num_hidden_layers and num_attention_heads
    # override d_model, encoder_layers and encoder_attention_heads when both are given
    {"hidden": size("hidden_size", REQUIRED, "d_model", symbol=h),
     "layers": size("num_hidden_layers", REQUIRED, "encoder_layers", symbol=l),
     "dec_layers": size("decoder_layers", symbol=l_dec),
     "heads": size("num_attention_heads", REQUIRED, "encoder_attention_heads", symbol=a),
     "dec_heads": size("decoder_attention_heads", symbol=a_dec),
     "ffn": size("encoder_ffn_dim", symbol=d_ff), "dec_ffn": size("decoder_ffn_dim", symbol=d_dec),
     "vocab": size("vocab_size", symbol=V), "positions": size("max_position_embeddings", 1024, symbol=s_max),
     "tie": flag("tie_word_embeddings", True), "act": text("activation_function", "gelu"), **pad_token(1),
     **{name: Field(name, "probability", 0.0) for name in ("encoder_layerdrop", "decoder_layerdrop")},
     **dropout(embedding=("dropout", 0.1), attention=("attention_dropout", 0.0), residual=("dropout", 0.1))},
    bart, _sample, head_step=1, auto_class="AutoModel", head_class="BartForConditionalGeneration",
    lengths=lambda values, data: {"s_enc": values["s_max"]},
    modules=lambda arch: _MODULES if any(isinstance(c, SharedEmbedding) for c, _ in arch.parts()) else _UNTIED)
