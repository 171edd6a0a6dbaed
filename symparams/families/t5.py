"""T5 and its kin: T5 v1.0, T5 v1.1 / Flan-T5, mT5, UMT5 — relative-position encoder-decoders.

One shared vocabulary table; an encoder of ``l`` layers over ``s_enc`` tokens
and a decoder of ``l_dec`` layers over ``s`` (self-attention, cross-attention
over the encoder's tokens, then the MLP), pre-norm RMSNorm, no biases anywhere.
Heads of ``d_kv`` (``d_head`` when ``a·d_kv ≠ h``). The relative position bias
(``n_rb`` buckets × ``a`` heads) sits in the first layer of each stack (T5,
mT5) or in every layer (UMT5). ``feed_forward_proj``: ``"relu"`` (v1.0,
``wi → ReLU → wo``) or ``"gated-gelu"`` (v1.1, Flan, mT5: ``wi_0``, ``wi_1``,
``wo``).

The LM head (``T5ForConditionalGeneration``) follows what the checkpoint
holds: tied to the shared table unless ``tie_word_embeddings`` is false (v1.1,
Flan, mT5 keep their own ``lm_head.weight``). transformers 5.23's config
classes read the flag differently: ``T5Config`` pops it, keeps "not false" as
``scale_decoder_outputs`` (v1.0 rescales the decoder output by ``h^-½``
before a tied head) and forces ``tie_word_embeddings = True``, as do
``MT5Config`` and ``UMT5Config``; so ``from_config`` always ties, and
``from_pretrained`` unties again for a checkpoint holding its own head.

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config({"model_type": "t5", "d_model": 512, "num_layers": 6, "num_heads": 8, "d_ff": 2048,
...                     "vocab_size": 32128})
>>> m.params.total   # t5-small
60506624
>>> from_hf_config({"model_type": "t5", "d_model": 768, "num_layers": 12, "num_heads": 12, "d_ff": 2048,
...                 "vocab_size": 32128, "feed_forward_proj": "gated-gelu",
...                 "tie_word_embeddings": False}).with_head.params.total   # flan-t5-base
247577856
"""

from __future__ import annotations

from symparams.components import MLP, Attention, GatedMLP, OutputHead, RMSNorm, TokenEmbedding
from symparams.components.relative import RelativePositionBias
from symparams.components.tokens import SharedEmbedding
from symparams.families.common import dropout_sites
from symparams.families.encoders import encoder_decoder, t5_decoder_block, t5_encoder_block
from symparams.families.sampling import IDS, base
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, REQUIRED, dropout, flag, size, text
from symparams.stacks import Stack
from symparams.symbols import V, a, d_ff, d_head, h, l, l_dec, n_rb, s_enc

__all__ = ["T5", "MT5", "UMT5", "ACTIVATIONS", "feed_forward", "encoder_length"]

#: activation names transformers' ``ACT2FN`` knows (5.23), as ``feed_forward_proj`` may name them
ACTIVATIONS = ("gelu", "gelu_10", "gelu_fast", "gelu_new", "gelu_python", "gelu_pytorch_tanh", "gelu_python_tanh",
               "gelu_accurate", "hardswish", "laplace", "leaky_relu", "linear", "mish", "quick_gelu", "relu", "relu2",
               "relu6", "sigmoid", "silu", "sqrtsoftplus", "swish", "tanh", "prelu", "xielu")


def feed_forward(f):
    """The MLP ``feed_forward_proj`` names: ``"{act}"`` (``wi``, ``wo``) or ``"gated-{act}"`` (``wi_0``,
    ``wi_1``, ``wo``); ``"gated-gelu"`` runs ``gelu_new``, as ``T5Config`` sets it."""
    spec = f.text("ffn_proj")
    parts = spec.split("-")
    gated = len(parts) == 2 and parts[0] == "gated"
    act = parts[-1]
    if len(parts) > 2 or (len(parts) == 2 and not gated) or act not in ACTIVATIONS:
        raise f.error(f"field {f.key('ffn_proj')!r} = {spec!r} is not a feed-forward projection transformers "
                      "builds; expected '<activation>' or 'gated-<activation>' (e.g. 'relu', 'gated-gelu') "
                      f"with an activation among: {', '.join(ACTIVATIONS)}")
    width = f.use("ffn")
    if gated:
        return GatedMLP(h, width, activation="gelu_new" if spec == "gated-gelu" else act)
    return MLP(h, width, activation=act)


def _head_size(f):
    """``h/a`` when the ``a`` heads of ``d_kv`` span ``h`` exactly, else ``d_head`` bound to ``d_kv``."""
    hidden, heads, kv = f.size("hidden"), f.size("heads"), f.size("head_dim")
    return h / a if heads * kv == hidden else f.bind(d_head, kv)


def _t5(f, *, name: str, title: str, every_layer: bool):
    for key in ("hidden", "layers", "heads", "vocab", "buckets"):
        f.use(key)
    if f.size("buckets") < 4:  # the encoder's bidirectional buckets: num_buckets // 2 // 2 exact ones
        raise f.error(f"field {f.key('buckets')!r} = {f.size('buckets')}: the encoder's bidirectional position "
                      "buckets keep num_buckets // 4 exact distances, and transformers divides by that (0 here: "
                      "ZeroDivisionError); expected at least 4")
    f.size("n_positions")  # validated here; the encoder's default length (see encoder_length)
    decoder_layers = f.size("dec_layers")
    if decoder_layers is DERIVED:
        # T5Config copies its num_layers field (the key, or the class default) before the attribute_map
        # alias num_hidden_layers overrides num_layers: that copy is the decoder's depth
        decoder_layers = f.size("num_layers_field")
    f.bind(l_dec, decoder_layers)
    d_head_ = _head_size(f)
    mlp = feed_forward(f)
    bias = RelativePositionBias(n_rb, a, shared=not every_layer)
    per_layer = (bias,) if every_layer else ()
    once_bias = () if every_layer else (bias,)
    enc_attention = Attention(h, a, a, d_head_, mask="full")
    dec_attention = Attention(h, a, a, d_head_)
    cross = Attention(h, a, a, d_head_, key_len=s_enc, mask="full")
    tied = f.flag("tie")
    gated = "gated " if isinstance(mlp, GatedMLP) else ""
    return encoder_decoder(
        name, f"{title}; {gated}{mlp.activation} MLP; {'tied' if tied else 'untied'} LM head",
        embed=(TokenEmbedding(V, h), *once_bias),
        encoder=(Stack("encoder", l, (*per_layer, *t5_encoder_block(enc_attention, mlp)), seq=s_enc),),
        encoder_final=(RMSNorm(h),),
        decoder_embed=(SharedEmbedding(V, h), *once_bias),
        decoder=(Stack("decoder", l_dec, (*per_layer, *t5_decoder_block(dec_attention, cross, mlp))),),
        decoder_final=(RMSNorm(h),),
        head=(OutputHead(h, V, tied=tied),), dropout=dropout_sites(f),
        notes=("the encoder reads s_enc tokens, the decoder s; the decoder caches its own s tokens "
               "(self-attention) and the encoder's s_enc (cross-attention)",
               "tie_word_embeddings read as the checkpoint holds it (transformers' T5Config forces True)",))


def t5(f):
    """``T5Model``: v1.0 (ReLU, tied head) or v1.1 / Flan (gated GELU, untied head), as the config says."""
    return _t5(f, name="t5", title="T5 (relative position bias in the first layer of each stack)",
               every_layer=False)


def mt5(f):
    """``MT5Model``: T5 v1.1's layers (``MT5Config`` defaults: gated GELU)."""
    return _t5(f, name="mt5", title="mT5 (T5 v1.1 layers)", every_layer=False)


def umt5(f):
    """``UMT5Model``: T5 v1.1's layers with a relative position bias in every self-attention layer."""
    return _t5(f, name="umt5", title="UMT5 (relative position bias in every layer)", every_layer=True)


def _fields(*, act: str, layers: int) -> dict:
    """``T5Config``'s names (shared by ``MT5Config`` and ``UMT5Config``), with a family's class defaults
    for ``feed_forward_proj`` and ``num_layers``."""
    rate = ("dropout_rate", 0.1)
    return {
        # attribute_map names first: T5Config lets hidden_size, num_hidden_layers, num_attention_heads and
        # head_dim override d_model, num_layers, num_heads and d_kv when both are given
        "hidden": size("hidden_size", REQUIRED, "d_model", symbol=h),
        "layers": size("num_hidden_layers", REQUIRED, "num_layers", symbol=l),
        "dec_layers": size("num_decoder_layers", DERIVED, symbol=l_dec),
        "num_layers_field": size("num_layers", layers),
        "heads": size("num_attention_heads", REQUIRED, "num_heads", symbol=a),
        "head_dim": size("head_dim", 64, "d_kv", symbol=d_head),
        "vocab": size("vocab_size", symbol=V),
        "ffn": size("d_ff", symbol=d_ff),
        "buckets": size("relative_attention_num_buckets", 32, symbol=n_rb),
        "tie": flag("tie_word_embeddings", True),
        "ffn_proj": text("feed_forward_proj", act),
        "n_positions": size("n_positions", DERIVED),
        **dropout(embedding=rate, attention=rate, residual=rate),
    }


def encoder_length(values, data) -> dict:
    """The encoder's default length: ``n_positions``, which the published T5 configs give (512, the
    length they were trained on; transformers' ``T5Config`` keeps it as an extra attribute, no shape
    depends on it). The decoder's length has no default (relative positions, no context length).

    >>> encoder_length({}, {"n_positions": 512}), encoder_length({}, {})
    ({'s_enc': 512}, {})
    """
    given = data.get("n_positions")
    return {"s_enc": given} if given is not None else {}


def _sample(model_type):
    def sample(draw, st, bd):
        d = base(draw, st, bd, step=1)
        cfg = {"model_type": model_type, "d_model": d.hidden, "num_layers": d.layers, "num_heads": d.heads,
               "d_kv": draw(st.sampled_from([d.head_dim, draw(bd.span("head_dim"))])), "d_ff": d.ffn,
               "vocab_size": max(d.vocab, 4), "relative_attention_num_buckets": draw(st.integers(4, 40)),
               "feed_forward_proj": draw(st.sampled_from(["relu", "gated-gelu", "gelu", "gated-silu"])),
               "tie_word_embeddings": d.tie, "decoder_start_token_id": 0, **IDS}
        if draw(st.booleans()):
            cfg["num_decoder_layers"] = draw(bd.span("layers"))
        return cfg
    return sample


#: T5Model's module names: ``SelfAttention.q`` ... and ``EncDecAttention.q`` ..., ``DenseReluDense.wi``/``wo``
#: (gated: ``wi_0`` the activated half, ``wi_1`` the linear one); the ``shared`` table is also the encoder's
#: ``embed_tokens``, and the decoder's ``embed_tokens`` a lookup into it (tied modules)
T5_MODULES = {"attention.q_proj": "q", "attention.k_proj": "k", "attention.v_proj": "v", "attention.o_proj": "o",
              "mlp.up_proj": "wi", "GatedMLP.gate_proj": "wi_0", "GatedMLP.up_proj": "wi_1", "mlp.down_proj": "wo",
              "embedding.embed_tokens": ("shared", "encoder.embed_tokens"),
              "decoder.embedding:embedding.embed_tokens": "decoder.embed_tokens"}


def _family(model_type: str, title: str, build, *, act: str, layers: int, head_class: str) -> Family:
    return Family(model_type, title, _fields(act=act, layers=layers), build, _sample(model_type), head_step=1,
                  auto_class="AutoModel", head_class=head_class, lengths=encoder_length, modules=T5_MODULES)


T5 = _family("t5", "T5", t5, act="relu", layers=6, head_class="T5ForConditionalGeneration")
MT5 = _family("mt5", "mT5", mt5, act="gated-gelu", layers=8, head_class="MT5ForConditionalGeneration")
UMT5 = _family("umt5", "UMT5", umt5, act="gated-gelu", layers=8, head_class="UMT5ForConditionalGeneration")
