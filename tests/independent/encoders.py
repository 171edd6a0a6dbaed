"""The encoder families, read from ``config.json`` with each config class's defaults, tensor by tensor
as transformers' modeling files allocate them: BERT, RoBERTa, DistilBERT, ELECTRA, ModernBERT, ViT.

``head=True`` lists the model with its pretraining head (BertForPreTraining, RobertaForMaskedLM,
DistilBertForMaskedLM, ElectraForPreTraining, ModernBertForMaskedLM, ViTForImageClassification).
An encoder caches nothing.
"""

from __future__ import annotations

from independent.shapes import layernorm as _layernorm, linear as _linear

__all__ = ["MODEL_TYPES", "tensors", "matmuls", "kv_elements"]

MODEL_TYPES = ("bert", "roberta", "distilbert", "electra", "modernbert", "vit")


def _get(cfg, key, default):
    value = cfg.get(key)
    return default if value is None else value


def _sizes(cfg):
    """(h, l, a, d_ff, V) under each config class's names."""
    if cfg["model_type"] == "distilbert":
        return cfg["dim"], cfg["n_layers"], cfg["n_heads"], cfg["hidden_dim"], cfg["vocab_size"]
    return (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["intermediate_size"],
            cfg.get("vocab_size", 0))


def _norm(prefix, width, bias=True):
    return _layernorm(prefix, width) if bias else {f"{prefix}.weight": (width,)}


def _modernbert_kinds(cfg):
    l = cfg["num_hidden_layers"]
    every = _get(cfg, "global_attn_every_n_layers", 3)
    return cfg.get("layer_types") or ["sliding_attention" if i % every else "full_attention" for i in range(l)]


def _vit_patches(cfg):
    size, patch = _get(cfg, "image_size", 224), _get(cfg, "patch_size", 16)
    height, width = (size, size) if isinstance(size, int) else size
    p = patch if isinstance(patch, int) else patch[0]
    return (height // p) * (width // p), p


def _vit_labels(cfg):
    return len(cfg["id2label"]) if cfg.get("id2label") is not None else _get(cfg, "num_labels", 2)


def tensors(cfg, head: bool = False) -> dict[str, tuple[int, ...]]:
    """Named trainable tensors of ``AutoModel.from_config(cfg)`` (with ``head``: of the head class)."""
    mt = cfg["model_type"]
    h, l, a, F, V = _sizes(cfg)
    tie = _get(cfg, "tie_word_embeddings", True)
    t: dict[str, tuple[int, ...]] = {}
    if mt == "modernbert":
        nb, ab, mb = _get(cfg, "norm_bias", False), _get(cfg, "attention_bias", False), _get(cfg, "mlp_bias", False)
        t["embeddings.tok_embeddings.weight"] = (V, h)
        t.update(_norm("embeddings.norm", h, nb))
        for i in range(l):
            p = f"layers.{i}"
            if i:  # layer 0's attn_norm is nn.Identity
                t.update(_norm(f"{p}.attn_norm", h, nb))
            t.update(_linear(f"{p}.attn.Wqkv", h, 3 * h, ab))
            t.update(_linear(f"{p}.attn.Wo", h, h, ab))
            t.update(_norm(f"{p}.mlp_norm", h, nb))
            t.update(_linear(f"{p}.mlp.Wi", h, 2 * F, mb))
            t.update(_linear(f"{p}.mlp.Wo", F, h, mb))
        t.update(_norm("final_norm", h, nb))
        if head:
            t.update(_linear("head.dense", h, h, _get(cfg, "classifier_bias", False)))
            t.update(_norm("head.norm", h, nb))
            if not tie:
                t["decoder.weight"] = (V, h)
            if _get(cfg, "decoder_bias", True):
                t["decoder.bias"] = (V,)
        return t
    if mt == "vit":
        n_p, p = _vit_patches(cfg)
        c = _get(cfg, "num_channels", 3)
        t["embeddings.cls_token"] = (1, 1, h)
        t["embeddings.position_embeddings"] = (1, n_p + 1, h)
        t["embeddings.patch_embeddings.projection.weight"] = (h, c, p, p)
        t["embeddings.patch_embeddings.projection.bias"] = (h,)
        for i in range(l):
            q = f"encoder.layer.{i}"
            t.update(_layernorm(f"{q}.layernorm_before", h))
            for name in ("q_proj", "k_proj", "v_proj"):
                t.update(_linear(f"{q}.attention.{name}", h, h, _get(cfg, "qkv_bias", True)))
            t.update(_linear(f"{q}.attention.o_proj", h, h, True))
            t.update(_layernorm(f"{q}.layernorm_after", h))
            t.update(_linear(f"{q}.mlp.fc1", h, F, True))
            t.update(_linear(f"{q}.mlp.fc2", F, h, True))
        t.update(_layernorm("layernorm", h))
        if not head:  # ViTModel's pooler; ViTForImageClassification builds its ViTModel without one
            t.update(_linear("pooler.dense", h, _get(cfg, "pooler_output_size", h), True))
        elif _vit_labels(cfg):
            t.update(_linear("classifier", h, _vit_labels(cfg), True))
        return t
    # BERT-style embeddings (ELECTRA's at embedding_size)
    e = _get(cfg, "embedding_size", 128) if mt == "electra" else h
    positions = _get(cfg, "max_position_embeddings", 512)
    t["embeddings.word_embeddings.weight"] = (V, e)
    t["embeddings.position_embeddings.weight"] = (positions, e)
    if mt != "distilbert":
        t["embeddings.token_type_embeddings.weight"] = (_get(cfg, "type_vocab_size", 2), e)
    t.update(_layernorm("embeddings.LayerNorm", e))
    if mt == "electra" and e != h:
        t.update(_linear("embeddings_project", e, h, True))
    for i in range(l):
        q = f"encoder.layer.{i}"
        for name in ("query", "key", "value", "output.dense"):
            t.update(_linear(f"{q}.attention.{name}", h, h, True))
        t.update(_layernorm(f"{q}.attention.output.LayerNorm", h))
        t.update(_linear(f"{q}.intermediate.dense", h, F, True))
        t.update(_linear(f"{q}.output.dense", F, h, True))
        t.update(_layernorm(f"{q}.output.LayerNorm", h))
    pooler = mt in ("bert", "roberta") and (not head or mt == "bert")  # BertForPreTraining keeps its pooler
    if pooler:
        t.update(_linear("pooler.dense", h, h, True))
    if not head:
        return t
    if mt == "electra":  # ElectraDiscriminatorPredictions
        t.update(_linear("discriminator_predictions.dense", h, h, True))
        t.update(_linear("discriminator_predictions.dense_prediction", h, 1, True))
        return t
    t.update(_linear("mlm.transform.dense", h, h, True))
    t.update(_layernorm("mlm.transform.LayerNorm", h))
    if mt == "distilbert":  # vocab_projector: nn.Linear(dim, V), its bias its own
        t["mlm.decoder.bias"] = (V,)
    else:  # BertLMPredictionHead / RobertaLMHead: `bias`, tied to decoder.bias only with the weights
        t["mlm.bias"] = (V,)
        if not tie:
            t["mlm.decoder.bias"] = (V,)
    if not tie:
        t["mlm.decoder.weight"] = (V, h)
    if mt == "bert":
        t.update(_linear("cls.seq_relationship", h, 2, True))
    return t


def matmuls(cfg, *, b, s, head: bool = False):
    """``(m, k, n, count)`` of every matmul of an eager forward over ``b`` sequences of ``s`` tokens
    (an image of ``s − 1`` patches and its [CLS] token for ViT)."""
    mt = cfg["model_type"]
    h, l, a, F, V = _sizes(cfg)
    d = h // a
    tokens = b * s
    attention = [(s, d, s, b * a), (s, s, d, b * a)]
    if mt == "modernbert":
        layer = [(tokens, h, 3 * h, 1), *attention, (tokens, h, h, 1), (tokens, h, 2 * F, 1), (tokens, F, h, 1)]
        out = layer * l
        if head:
            out += [(tokens, h, h, 1), (tokens, h, V, 1)]
        return out
    layer = [(tokens, h, h, 1)] * 3 + attention + [(tokens, h, h, 1), (tokens, h, F, 1), (tokens, F, h, 1)]
    out = layer * l
    if mt == "vit":
        n_p, p = _vit_patches(cfg)
        out.append((b * (s - 1), _get(cfg, "num_channels", 3) * p * p, h, 1))
        if not head:
            out.append((b, h, _get(cfg, "pooler_output_size", h), 1))
        elif _vit_labels(cfg):
            out.append((b, h, _vit_labels(cfg), 1))
        return out
    e = _get(cfg, "embedding_size", 128) if mt == "electra" else h
    if e != h:
        out.append((tokens, e, h, 1))
    if mt == "bert" or (mt == "roberta" and not head):
        out.append((b, h, h, 1))  # the pooler reads the first token of each sequence
    if head:
        if mt == "electra":
            out += [(tokens, h, h, 1), (tokens, h, 1, 1)]
        else:
            out += [(tokens, h, h, 1), (tokens, h, V, 1)]
        if mt == "bert":
            out.append((b, h, 2, 1))
    return out


def kv_elements(cfg, *, b, tokens):
    """An encoder caches nothing."""
    return 0
