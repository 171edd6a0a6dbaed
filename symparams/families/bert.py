"""BERT and its lineage: BERT, RoBERTa, DistilBERT, ELECTRA — post-norm bidirectional encoders.

``params.total`` is the base model ``AutoModel`` builds (``BertModel``: with its
pooler; ``RobertaModel`` too; ``DistilBertModel`` and ``ElectraModel`` have
none); ``Model.with_head`` adds the pretraining head: ``BertForPreTraining``
(masked-LM head + next-sentence classifier, pooler kept),
``RobertaForMaskedLM`` and ``DistilBertForMaskedLM`` (masked-LM head, no
pooler), ``ElectraForPreTraining`` (the discriminator's per-token dense layers).

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config({"model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12,
...                     "num_attention_heads": 12, "intermediate_size": 3072, "vocab_size": 30522})
>>> m.params.total, m.with_head.params.total   # bert-base-uncased: BertModel, BertForPreTraining
(109482240, 110106428)
"""

from __future__ import annotations

from sympy import Integer

from symparams.components import (
    MLP, Attention, Classifier, LayerNorm, LearnedPositions, MaskedLMHead, Pooler, Projection, TokenEmbedding,
)
from symparams.components.tokens import IndexBuffers, TokenTypes
from symparams.families.common import check_padding, dropout_sites, ffn_width, head_size
from symparams.families.encoders import encoder_only, post_norm
from symparams.families.sampling import IDS, base
from symparams.hf.family import Family
from symparams.hf.fields import REQUIRED, dropout, flag, llama_like, pad_token, size, text
from symparams.stacks import Stack
from symparams.symbols import V, a, d_emb, d_ff, h, l, n_type, s_max

__all__ = ["BERT", "ROBERTA", "DISTILBERT", "ELECTRA"]

_HIDDEN_DROPOUT = ("hidden_dropout_prob", 0.1)


def _bert_fields(pad: int = 0) -> dict:
    """``BertConfig``'s names (shared by ``RobertaConfig`` and ``ElectraConfig``): Llama's core names
    (no KV heads, no ``head_dim``: heads are ``h/a``), token types, BERT's defaults."""
    core = llama_like(tie=True, act="gelu", positions=512, pad=pad)
    return {
        **{name: spec for name, spec in core.items() if name not in ("kv_heads", "head_dim")},
        "types": size("type_vocab_size", 2, symbol=n_type),
        "positions_kind": text("position_embedding_type", "absolute"),
        "is_decoder": flag("is_decoder", False),
        "cross": flag("add_cross_attention", False),
        **dropout(embedding=_HIDDEN_DROPOUT, attention=("attention_probs_dropout_prob", 0.1),
                  residual=_HIDDEN_DROPOUT),
    }


def _encoder_checks(f) -> None:
    """BERT-like configs can also describe a decoder (``is_decoder``, cross-attention layers) or relative
    position embeddings transformers 5.23 no longer builds: refused."""
    for name in ("is_decoder", "cross"):
        if f.flag(name):
            raise f.error(f"field {f.key(name)!r} = true is not supported (a BERT-style decoder with a causal mask "
                          "and cross-attention); expected false: symparams counts the bidirectional encoder")
    kind = f.text("positions_kind")
    if kind != "absolute":
        raise f.error(f"field 'position_embedding_type' = {kind!r} is not supported: transformers 5.23 builds "
                      "absolute position tables only (no relative_key distance embeddings); expected 'absolute'")


def _bidirectional(d_head):
    return Attention(h, a, a, d_head, qkv_bias=True, o_bias=True, mask="full")


def _embeddings(f, width=h, *, types: bool = True):
    for key in ("hidden", "layers", "heads", "vocab", "positions"):
        f.use(key)
    tables = [TokenEmbedding(V, width), LearnedPositions(s_max, width)]
    if types:
        tables.append(TokenTypes(f.use("types"), width))
    ids = ("position_ids", "token_type_ids") if types else ("position_ids",)
    return (*tables, LayerNorm(width), IndexBuffers(s_max, ids))


def bert(f):
    """``BertModel``: word + position + token-type tables and their LayerNorm, ``l`` post-norm layers,
    the pooler; head ``BertForPreTraining``: masked-LM head (tied to the word table unless
    ``tie_word_embeddings`` is false, then with both of its output biases) and the next-sentence
    classifier on the pooled token."""
    _encoder_checks(f)
    d_head, _ = head_size(f)
    act = f.text("act")
    block = post_norm(_bidirectional(d_head), MLP(h, ffn_width(f), bias=True, activation=act))
    tied = f.flag("tie")
    return encoder_only(
        "bert", "BERT (learned positions and token types, post-norm, pooler)",
        embed=_embeddings(f), layers=(Stack("block", l, block),), pooler=(Pooler(h, h),),
        head=(MaskedLMHead(h, V, tied=tied, loose_bias=True, activation=act), Classifier(h, Integer(2))),
        head_keeps_pooler=True, dropout=dropout_sites(f),
        head_notes=("head: BertForPreTraining — masked-LM head on every token and the next-sentence classifier "
                    "(h → 2) on the pooled [CLS] token",))


def roberta(f):
    """``RobertaModel``: BERT with RoBERTa's defaults (pooler kept); head ``RobertaForMaskedLM``
    (dense + GELU + LayerNorm + decoder, no pooler); its position table has the padding row too."""
    _encoder_checks(f)
    check_padding(f, "positions")
    d_head, _ = head_size(f)
    block = post_norm(_bidirectional(d_head), MLP(h, ffn_width(f), bias=True, activation=f.text("act")))
    return encoder_only(
        "roberta", "RoBERTa (BERT's encoder; masked-LM pretraining only)",
        embed=_embeddings(f), layers=(Stack("block", l, block),), pooler=(Pooler(h, h),),
        head=(MaskedLMHead(h, V, tied=f.flag("tie"), loose_bias=True),), head_keeps_pooler=False,
        dropout=dropout_sites(f), head_notes=("head: RobertaForMaskedLM (built without the pooler)",))


def distilbert(f):
    """``DistilBertModel``: word + position tables (no token types), post-norm layers, no pooler;
    head ``DistilBertForMaskedLM`` (``vocab_transform``, ``vocab_layer_norm``, ``vocab_projector``)."""
    d_head, _ = head_size(f)
    act = f.text("act")
    block = post_norm(_bidirectional(d_head), MLP(h, ffn_width(f), bias=True, activation=act))
    notes = ()
    if f.flag("sinusoidal"):
        notes = ("sinusoidal_pos_embds: the position table is filled with sinusoids and frozen "
                 "(requires_grad=False), but stays a parameter, counted as model.parameters() does",)
    return encoder_only(
        "distilbert", "DistilBERT (BERT distilled: no token types, no pooler)",
        embed=_embeddings(f, types=False), layers=(Stack("block", l, block),),
        head=(MaskedLMHead(h, V, tied=f.flag("tie"), activation=act),), head_keeps_pooler=False,
        dropout=dropout_sites(f), notes=notes, head_notes=("head: DistilBertForMaskedLM",))


def electra(f):
    """``ElectraModel``: BERT's embeddings at ``embedding_size`` (``d_emb``), projected to ``h`` when
    they differ; no pooler. Head ``ElectraForPreTraining``: the discriminator's dense layer and its
    one logit per token."""
    _encoder_checks(f)
    d_head, _ = head_size(f)
    act = f.text("act")
    width = f.size("embedding")
    if width == f.size("hidden"):
        width, project = h, ()
    else:
        width = f.bind(d_emb, width)
        project = (Projection("embeddings_project", d_emb, h, bias=True),)
    block = post_norm(_bidirectional(d_head), MLP(h, ffn_width(f), bias=True, activation=act))
    head = (Projection("discriminator.dense", h, h, bias=True),
            Projection("discriminator.dense_prediction", h, Integer(1), bias=True))
    return encoder_only(
        "electra", "ELECTRA (BERT's encoder, embeddings of their own width)",
        embed=(*_embeddings(f, width), *project), layers=(Stack("block", l, block),), head=head,
        head_keeps_pooler=False, dropout=dropout_sites(f),
        head_notes=("head: ElectraForPreTraining — the discriminator (dense h → h, activation, h → 1 per "
                    "token)",))


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd, step=1)
        # positions: at least the tests' sequences (RoBERTa's ids start at padding_idx + 1)
        common = {"model_type": model_type, "vocab_size": max(d.vocab, 4), **IDS}
        if model_type == "distilbert":
            return {**common, "dim": d.hidden, "n_layers": d.layers, "n_heads": d.heads, "hidden_dim": d.ffn,
                    "max_position_embeddings": d.positions + 16, "tie_word_embeddings": d.tie,
                    "sinusoidal_pos_embds": draw(st.booleans())}
        cfg = {**common, "hidden_size": d.hidden, "num_hidden_layers": d.layers, "num_attention_heads": d.heads,
               "intermediate_size": d.ffn, "max_position_embeddings": d.positions + 16,
               "type_vocab_size": draw(st.integers(1, 3)), "tie_word_embeddings": d.tie}
        if model_type == "electra":
            cfg["embedding_size"] = draw(st.sampled_from([d.hidden, draw(bd.span("ffn"))]))
        return cfg
    return sample


#: BertModel's module names (RoBERTa's and ELECTRA's too): ``attention.self.query`` ...,
#: ``attention.output.dense``, ``intermediate.dense``, ``output.dense``
BERT_MODULES = {"attention.q_proj": "query", "attention.k_proj": "key", "attention.v_proj": "value",
                "attention.o_proj": "attention.output.dense", "mlp.up_proj": "intermediate.dense",
                "mlp.down_proj": "output.dense", "embedding.embed_tokens": "word_embeddings",
                "positions.embed_positions": "position_embeddings"}
#: DistilBertModel's: ``attention.q_lin`` ..., ``ffn.lin1``, ``ffn.lin2``
DISTILBERT_MODULES = {"attention.q_proj": "q_lin", "attention.k_proj": "k_lin", "attention.v_proj": "v_lin",
                      "attention.o_proj": "out_lin", "mlp.up_proj": "lin1", "mlp.down_proj": "lin2",
                      "embedding.embed_tokens": "word_embeddings", "positions.embed_positions": "position_embeddings"}

BERT = Family("bert", "BERT", _bert_fields(), bert, _sample("bert"), head_step=1, auto_class="AutoModel",
              head_class="BertForPreTraining", modules=BERT_MODULES)
ROBERTA = Family("roberta", "RoBERTa", _bert_fields(pad=1), roberta, _sample("roberta"), head_step=1,
                 auto_class="AutoModel", head_class="RobertaForMaskedLM", modules=BERT_MODULES)
DISTILBERT = Family(
    "distilbert", "DistilBERT",
    # attribute_map names first: DistilBertConfig lets hidden_size, num_hidden_layers, num_attention_heads
    # override dim, n_layers, n_heads when both are given
    {"hidden": size("hidden_size", REQUIRED, "dim", symbol=h),
     "layers": size("num_hidden_layers", REQUIRED, "n_layers", symbol=l),
     "heads": size("num_attention_heads", REQUIRED, "n_heads", symbol=a),
     "vocab": size("vocab_size", symbol=V), "ffn": size("hidden_dim", symbol=d_ff),
     "positions": size("max_position_embeddings", 512, symbol=s_max), "tie": flag("tie_word_embeddings", True),
     **pad_token(0), "act": text("activation", "gelu"), "sinusoidal": flag("sinusoidal_pos_embds", False),
     **dropout(embedding=("dropout", 0.1), attention=("attention_dropout", 0.1), residual=("dropout", 0.1))},
    distilbert, _sample("distilbert"), head_step=1, auto_class="AutoModel", head_class="DistilBertForMaskedLM",
    modules=DISTILBERT_MODULES)
ELECTRA = Family("electra", "ELECTRA", {**_bert_fields(), "embedding": size("embedding_size", 128, symbol=d_emb)},
                 electra, _sample("electra"), head_step=1, auto_class="AutoModel",
                 head_class="ElectraForPreTraining", modules=BERT_MODULES)
