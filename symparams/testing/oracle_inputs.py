"""What the oracle builds and feeds: the family's transformers class, tying as a checkpoint holds it,
fake-tensor construction, and the inputs of each kind of model (tokens, encoder-decoder, image).

Used by :mod:`symparams.testing.oracle`; ``torch`` and ``transformers`` are imported inside the functions.
"""

from __future__ import annotations

from typing import Any

__all__ = ["model_class", "untie_like_checkpoint", "values_not_initialised", "inputs"]


def model_class(config: dict, head: bool = False):
    """The transformers class the family says to build: its ``auto_class`` (the base model an
    encoder's card counts; a decoder's causal LM), or with ``head`` its ``head_class``."""
    import transformers

    from symparams.families import FAMILIES

    fam = FAMILIES.get(config.get("model_type"))
    name = "AutoModelForCausalLM" if fam is None else fam.auto_class
    if head and fam is not None and fam.head_class is not None:
        name = fam.head_class
    return getattr(transformers, name)


def untie_like_checkpoint(model, config: dict) -> None:
    """Give the output layer its own weight when the config says the checkpoint holds one.

    T5's, MT5's and UMT5's config classes (transformers 5.23) drop ``tie_word_embeddings`` and
    force it to True, so ``from_config`` always ties ``lm_head`` to the shared table; a T5 v1.1 /
    Flan-T5 checkpoint (``tie_word_embeddings: false``) holds a different ``lm_head.weight``,
    and ``from_pretrained`` keeps it (``tie_weights`` does not tie two tensors that differ). This
    builds what loading such a checkpoint gives.
    """
    if config.get("tie_word_embeddings") is not False:
        return
    import torch

    out, inp = model.get_output_embeddings(), model.get_input_embeddings()
    if out is not None and inp is not None and out.weight is inp.weight:
        out.weight = torch.nn.Parameter(torch.empty_like(inp.weight))


def values_not_initialised():
    """Skip transformers' weight initialisation (tying still runs): fake tensors have no values, and
    some initialisers (ViT's truncated normal) test values, which a fake tensor cannot answer."""
    from contextlib import contextmanager

    from transformers import PreTrainedModel

    @contextmanager
    def skip():
        original = PreTrainedModel.initialize_weights
        PreTrainedModel.initialize_weights = lambda self: None
        try:
            yield
        finally:
            PreTrainedModel.initialize_weights = original

    return skip()


def inputs(model, batch: int, seq: int, s_enc: int | None, use_cache: bool) -> dict:
    """The forward's inputs: token ids of ``seq`` tokens; for an encoder-decoder, ``s_enc`` encoder
    tokens and ``seq`` decoder tokens; for a vision model, an image of ``seq − 1`` patches plus the
    [CLS] token (the configured image when that is its size, else a ``p × (seq−1)p`` strip with the
    position table interpolated)."""
    import inspect

    import torch

    cfg = model.config
    kwargs: dict[str, Any] = {}
    if "use_cache" in inspect.signature(model.forward).parameters:
        kwargs["use_cache"] = use_cache
    if model.main_input_name == "pixel_values":
        size, patch = cfg.image_size, cfg.patch_size
        height, width = (size, size) if isinstance(size, int) else tuple(size)
        p = patch if isinstance(patch, int) else patch[0]
        if (height // p) * (width // p) != seq - 1:
            height, width = p, p * (seq - 1)
            kwargs["interpolate_pos_encoding"] = True
        kwargs["pixel_values"] = torch.zeros((batch, cfg.num_channels, height, width))
        return kwargs
    if getattr(cfg, "is_encoder_decoder", False):
        if s_enc is None:
            raise ValueError("an encoder-decoder needs the encoder's length: pass s_enc=")
        kwargs["input_ids"] = torch.zeros((batch, s_enc), dtype=torch.long)
        kwargs["decoder_input_ids"] = torch.zeros((batch, seq), dtype=torch.long)
        return kwargs
    kwargs["input_ids"] = torch.zeros((batch, seq), dtype=torch.long)
    return kwargs
