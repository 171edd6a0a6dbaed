"""Encoders and encoder-decoders: the two other thirds of the taxonomy, and their shapes.

Built-in architectures over the size symbols, beside ``gpt-classic``:

* ``bert`` (Devlin et al. 2019; ``BertModel``): token, position and token-type
  tables with a LayerNorm; ``l`` post-norm layers of bidirectional attention
  and a GELU MLP, biases everywhere; the pooler (a dense layer on the
  ``[CLS]`` token). Its head model (``BertForPreTraining``) adds the
  masked-LM head (transform + LayerNorm + decoder tied to the token table +
  an output bias) and the next-sentence classifier on the pooled token.
* ``t5`` (Raffel et al. 2020, T5 v1.0; ``T5Model``): one shared vocabulary
  table; an encoder of ``l`` pre-norm (RMSNorm) layers over ``s_enc`` tokens
  and a decoder of ``l_dec`` layers over ``s`` tokens (self-attention,
  cross-attention over the encoder's tokens, a ReLU MLP), no biases; each
  stack's relative position bias (``n_rb`` buckets × ``a`` heads) held by
  its first layer. The head model (``T5ForConditionalGeneration``) adds the
  LM head, tied to the shared table.

The Hugging Face families (:mod:`symparams.families.bert`, ``t5``, ``bart``,
``vit``, ``modernbert``) build the same shapes from a ``config.json`` through
:func:`encoder_only` and :func:`encoder_decoder`.

>>> from sympy import expand
>>> from symparams.symbols import V, a, d_ff, h, l, l_dec, n_rb, n_type, s_max
>>> expand(bert().params().total - ((V + s_max + n_type) * h + 2 * h
...                                 + l * (4 * h**2 + 2 * h * d_ff + 9 * h + d_ff) + h**2 + h))
0
>>> expand(t5().params().total - (V * h + 2 * n_rb * a + l * (4 * h**2 + 2 * h * d_ff + 2 * h)
...                               + l_dec * (8 * h**2 + 2 * h * d_ff + 3 * h) + 2 * h))
0
"""

from __future__ import annotations

from typing import Iterable

from sympy import Integer

from symparams.components import (
    MLP, Attention, Classifier, Component, Dropout, LayerNorm, LearnedPositions, MaskedLMHead, OutputHead, Pooler,
    RMSNorm, TokenEmbedding,
)
from symparams.components.relative import RelativePositionBias
from symparams.components.tokens import IndexBuffers, SharedEmbedding, TokenTypes
from symparams.stacks import Architecture, Stack, once
from symparams.symbols import V, a, d_ff, h, l, l_dec, n_rb, n_type, s, s_enc, s_max

__all__ = ["bert", "t5", "encoder_only", "encoder_decoder", "post_norm", "t5_encoder_block", "t5_decoder_block"]


def encoder_only(name: str, title: str, *, embed: Iterable[Component], layers: tuple[Stack, ...],
                 final: Iterable[Component] = (), pooler: Iterable[Component] = (), head: Iterable[Component],
                 head_keeps_pooler: bool, seq=s, notes: Iterable[str] = (), dropout=Dropout(),
                 head_notes: Iterable[str] = ()) -> Architecture:
    """An encoder: ``once("embedding")``, the layer stacks, ``once("final")`` (a final norm),
    ``once("pooler")``; its head model drops the pooler unless ``head_keeps_pooler``
    (``BertForPreTraining`` keeps it for the next-sentence head; ``…ForMaskedLM`` and
    ``ViTForImageClassification`` build their base without it) and adds ``once("head", *head)``.
    Every stack runs over ``seq`` tokens."""
    front = [once("embedding", *embed, seq=seq), *layers]
    if tuple(final):
        front.append(once("final", *final, seq=seq))
    pool = [once("pooler", *pooler, seq=seq)] if tuple(pooler) else []
    notes, head_notes = tuple(notes), tuple(head_notes)
    with_head = Architecture(f"{name}+head", f"{title}, with its pretraining head",
                             (*front, *(pool if head_keeps_pooler else []), once("head", *head, seq=seq)),
                             notes + head_notes, dropout=dropout)
    return Architecture(name, title, (*front, *pool), notes, dropout=dropout, head_model=with_head)


def encoder_decoder(name: str, title: str, *, embed: Iterable[Component], encoder: tuple[Stack, ...],
                    encoder_final: Iterable[Component], decoder_embed: Iterable[Component],
                    decoder: tuple[Stack, ...], decoder_final: Iterable[Component], head: Iterable[Component],
                    notes: Iterable[str] = (), dropout=Dropout()) -> Architecture:
    """An encoder over ``s_enc`` tokens and a decoder over ``s``: ``encoder.embedding``, the encoder
    stacks, ``encoder.final``, ``decoder.embedding``, the decoder stacks, ``decoder.final``; the head
    model adds ``once("head", *head)`` over the decoder's tokens."""
    stacks = (once("encoder.embedding", *embed, seq=s_enc), *encoder,
              *([once("encoder.final", *encoder_final, seq=s_enc)] if tuple(encoder_final) else []),
              once("decoder.embedding", *decoder_embed, seq=s), *decoder,
              *([once("decoder.final", *decoder_final, seq=s)] if tuple(decoder_final) else []))
    notes = tuple(notes)
    with_head = Architecture(f"{name}+head", f"{title}, with its LM head", (*stacks, once("head", *head)), notes,
                             dropout=dropout)
    return Architecture(name, title, stacks, notes, dropout=dropout, head_model=with_head)


def post_norm(attention, mlp, norm=LayerNorm(h)) -> tuple[Component, ...]:
    """A post-norm layer (BERT, BART): ``attention → norm → MLP → norm`` (each norm after its residual add)."""
    return (attention, norm, mlp, norm)


def t5_encoder_block(attention, mlp, norm=RMSNorm(h)) -> tuple[Component, ...]:
    """A T5 encoder layer: ``norm → self-attention → norm → MLP`` (pre-norm, RMSNorm)."""
    return (norm, attention, norm, mlp)


def t5_decoder_block(attention, cross, mlp, norm=RMSNorm(h)) -> tuple[Component, ...]:
    """A T5 decoder layer: ``norm → causal self-attention → norm → cross-attention → norm → MLP``."""
    return (norm, attention, norm, cross, norm, mlp)


def bert() -> Architecture:
    """BERT (``BertModel``, post-norm, GELU MLP ``h → d_ff → h``) and its pretraining head."""
    attention = Attention(h, a, a, h / a, qkv_bias=True, o_bias=True, mask="full")
    block = post_norm(attention, MLP(h, d_ff, bias=True, activation="gelu"))
    return encoder_only(
        "bert", "BERT encoder (learned positions and token types, post-norm LayerNorm, GELU MLP, pooler)",
        embed=(TokenEmbedding(V, h), LearnedPositions(s_max, h), TokenTypes(n_type, h), LayerNorm(h),
               IndexBuffers(s_max, ("position_ids", "token_type_ids"))),
        layers=(Stack("block", l, block),), pooler=(Pooler(h, h),),
        head=(MaskedLMHead(h, V, tied=True), Classifier(h, Integer(2))), head_keeps_pooler=True,
        head_notes=("head: masked-LM head (dense + GELU + LayerNorm, decoder tied to the token table, output bias) "
                    "on every token, next-sentence classifier (h → 2) on the pooled [CLS] token "
                    "(BertForPreTraining)",))


def t5() -> Architecture:
    """T5 v1.0 (``T5Model``: ReLU MLP, no biases, RMSNorm) and its tied LM head."""
    enc_attention = Attention(h, a, a, h / a, mask="full")
    dec_attention = Attention(h, a, a, h / a)
    cross = Attention(h, a, a, h / a, key_len=s_enc, mask="full")
    mlp = MLP(h, d_ff, activation="relu")
    return encoder_decoder(
        "t5", "T5 encoder-decoder (v1.0: relative position bias, RMSNorm pre-norm, ReLU MLP, no biases, "
              "tied embeddings)",
        embed=(TokenEmbedding(V, h), RelativePositionBias(n_rb, a)),
        encoder=(Stack("encoder", l, t5_encoder_block(enc_attention, mlp), seq=s_enc),), encoder_final=(RMSNorm(h),),
        decoder_embed=(SharedEmbedding(V, h), RelativePositionBias(n_rb, a)),
        decoder=(Stack("decoder", l_dec, t5_decoder_block(dec_attention, cross, mlp)),), decoder_final=(RMSNorm(h),),
        head=(OutputHead(h, V, tied=True),),
        notes=("the encoder reads s_enc tokens, the decoder s; the decoder's cache holds its own s tokens "
               "(self-attention) and the encoder's s_enc (cross-attention)",
               "relative position bias: one n_rb × a table per stack, held by its first layer",))
