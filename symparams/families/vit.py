"""ViT: an encoder over image patches — patch embedding, [CLS] token, no vocabulary.

``ViTModel``: a ``p × p`` stride-``p`` convolution embeds each of the
``n_p = (image/patch)²`` patches (``c_in`` channels); a learned [CLS] token
is prepended and a learned table of ``n_p + 1`` positions added; ``l``
pre-norm layers of bidirectional attention and a GELU MLP; a final LayerNorm;
the pooler on the [CLS] token. Each image is ``s = n_p + 1`` tokens — the
model's default length (a longer or shorter ``s`` is an image of ``s − 1``
patches, the position table interpolated, as ``interpolate_pos_encoding``
does). The head model (``ViTForImageClassification``) drops the pooler and
classifies the [CLS] token into ``n_cls`` labels (``id2label``/``num_labels``).

>>> from symparams.hf import from_hf_config
>>> m = from_hf_config({"model_type": "vit", "hidden_size": 768, "num_hidden_layers": 12,
...                     "num_attention_heads": 12, "intermediate_size": 3072, "num_labels": 1000})
>>> m.params.total, m.with_head.params.total, m.default_seq()   # ViT-B/16 at 224²
(86389248, 86567656, 197)
"""

from __future__ import annotations

from sympy import Integer

from symparams.components import MLP, Attention, Classifier, LayerNorm, LearnedPositions, Pooler
from symparams.components.tokens import LearnedToken
from symparams.components.vision import PatchEmbedding
from symparams.families.common import dropout_sites, ffn_width, head_size, pre_norm
from symparams.families.encoders import encoder_only
from symparams.families.sampling import base
from symparams.hf.family import Family
from symparams.hf.fields import DERIVED, dropout, flag, size, text
from symparams.stacks import Stack
from symparams.symbols import a, c_in, d_ff, h, l, n_cls, n_p, p

__all__ = ["VIT", "image_patches"]


def _pair(f, key: str, default: int) -> tuple[int, int]:
    """An ``int`` or a ``[height, width]`` list of positive JSON integers."""
    value = f.raw.data.get(key, default)
    sides = [value, value] if not isinstance(value, list) else value
    if len(sides) != 2 or any(isinstance(x, bool) or not isinstance(x, int) or x <= 0 for x in sides):
        raise f.error(f"field {key!r} = {value!r} must be a positive integer or a list of two "
                      "(height, width)")
    return sides[0], sides[1]


def image_patches(f) -> int:
    """``n_p``: patches per image, ``(height/p)·(width/p)``; the image must divide into whole square patches."""
    height, width = _pair(f, "image_size", 224)
    ph, pw = _pair(f, "patch_size", 16)
    if ph != pw:
        raise f.error(f"field 'patch_size' = {[ph, pw]} is not square; expected one patch size (p × p patches)")
    if height % ph or width % pw:
        raise f.error(f"field 'image_size' = {f.raw.data.get('image_size', 224)!r} is not divisible by "
                      f"'patch_size' = {ph}; expected whole patches (transformers would drop the remainder)")
    f.bind(p, ph)
    count = (height // ph) * (width // pw)
    f.bind(n_p, count)
    return count


def _labels(f) -> int:
    """The classifier's outputs: ``len(id2label)`` if given, else ``num_labels`` (default 2), as
    ``PreTrainedConfig`` reads them."""
    labels = f.raw.data.get("id2label")
    if labels is not None:
        if not isinstance(labels, dict):
            raise f.error(f"field 'id2label' must be an object (label index → name), got {type(labels).__name__}")
        return len(labels)
    value = f.raw.data.get("num_labels", 2)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise f.error(f"field 'num_labels' = {value!r} must be a non-negative integer")
    return value


def vit(f):
    """``ViTModel`` and ``ViTForImageClassification``."""
    for key in ("hidden", "layers", "heads"):
        f.use(key)
    d_head, _ = head_size(f)
    image_patches(f)
    f.use("channels")
    pooled = f.size("pooler_out")
    pooled = h if pooled is DERIVED or pooled == f.size("hidden") else Integer(pooled)
    attention = Attention(h, a, a, d_head, qkv_bias=f.flag("qkv_bias"), o_bias=True, mask="full")
    block = pre_norm(LayerNorm(h), attention, MLP(h, ffn_width(f), bias=True, activation=f.text("act")))
    labels = _labels(f)
    head = (Classifier(h, f.bind(n_cls, labels)),) if labels else ()
    return encoder_only(
        "vit", "ViT (patch embedding, [CLS] token, learned positions, pre-norm)",
        embed=(PatchEmbedding(c_in, p, h), LearnedToken(h), LearnedPositions(n_p + 1, h)),
        layers=(Stack("block", l, block),), final=(LayerNorm(h),),
        pooler=(Pooler(h, pooled, activation=f.text("pooler_act")),), head=head, head_keeps_pooler=False,
        dropout=dropout_sites(f),
        notes=("each image is s = n_p + 1 tokens (its patches and the [CLS] token); the patch embedding covers "
               "s − 1 patches",),
        head_notes=("head: ViTForImageClassification — built without the pooler; the classifier reads the [CLS] "
                    "token" if labels else "head: ViTForImageClassification with num_labels = 0 (no classifier)",))


def _sample(draw, st, bd):
    d = base(draw, st, bd, step=1)
    patch = draw(st.integers(1, 4))
    side = draw(st.integers(1, 3))
    return {"model_type": "vit", "hidden_size": d.hidden, "num_hidden_layers": d.layers,
            "num_attention_heads": d.heads, "intermediate_size": d.ffn, "patch_size": patch,
            "image_size": patch * side, "num_channels": draw(st.integers(1, 4)),
            "qkv_bias": draw(st.booleans()), "num_labels": draw(st.integers(0, 5))}


VIT = Family(
    "vit", "ViT",
    {"hidden": size("hidden_size", symbol=h), "layers": size("num_hidden_layers", symbol=l),
     "heads": size("num_attention_heads", symbol=a), "ffn": size("intermediate_size", symbol=d_ff),
     "channels": size("num_channels", 3, symbol=c_in), "qkv_bias": flag("qkv_bias", True),
     "pooler_out": size("pooler_output_size", DERIVED), "pooler_act": text("pooler_act", "tanh"),
     "act": text("hidden_act", "gelu"),
     **dropout(embedding=("hidden_dropout_prob", 0.0), attention=("attention_probs_dropout_prob", 0.0),
               residual=("hidden_dropout_prob", 0.0))},
    vit, _sample, head_step=1, auto_class="AutoModel", head_class="ViTForImageClassification",
    lengths=lambda values, data: {"s": values["n_p"] + 1},
    # ViTModel: the CLS token and the position table are bare parameters of ViTEmbeddings, the patch
    # embedding a Conv2d; the MLP is mlp.fc1, mlp.fc2
    modules={"mlp.up_proj": "fc1", "mlp.down_proj": "fc2", "positions.embed_positions": "position_embeddings"},
    module_kinds={"cls_token": "tensor", "position_embeddings": "tensor"})
