"""A Hugging Face family: its ``model_type``, its field table and its builder — one record.

The registry of families (:data:`symparams.families.FAMILIES`) holds these;
the config reader, the supported list, the Hypothesis strategies of
:mod:`symparams.testing` and the oracle's key tables all derive from it, so a
new family is one module with one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

__all__ = ["Family"]


@dataclass(frozen=True)
class Family:
    """How ``transformers`` builds one ``model_type``.

    ``build(fields)`` returns the :class:`~symparams.stacks.Architecture`
    (binding the sizes it reads on ``fields``); ``fields`` is the table of
    :class:`~symparams.hf.fields.Field` s it reads. For testing:
    ``sample(draw, st, bounds)`` draws a small valid config dict
    (``st`` is ``hypothesis.strategies``, passed in so that the library does
    not import Hypothesis), ``head_step`` is the multiple head sizes are drawn
    in, ``moe`` marks data-dependent routing (the oracle then runs real tensors
    instead of fake ones), ``auto_class`` the transformers auto class the
    oracle builds. ``modules`` names the model's ``nn.Module`` s as transformers
    does (what PEFT's ``target_modules`` and the quantizers'
    ``modules_to_not_convert`` take): ``"component key.tensor prefix"`` →
    Hugging Face name, for the tensors whose name differs from the
    component's own (``q_proj``, ``gate_proj``, ``embed_tokens``, ``lm_head``, ...);
    tensors of one component mapped to the same name are one fused module
    (GPT-2's ``c_attn``); a key may name the component's class instead of its key
    (``"GatedMLP.up_proj"``), which then wins, or be qualified by a stack
    (``"decoder.embedding:embedding.embed_tokens"``); ``modules`` may be a function of the
    architecture returning the table (BART's differs when untied); a value may be a tuple: the module and
    the modules transformers ties to its weight (T5's ``shared``, ``encoder.embed_tokens``,
    ``decoder.embed_tokens``). ``module_kinds`` overrides what kind of module a Hugging
    Face name is when the shapes alone cannot tell (a ViT's ``cls_token`` is a bare
    ``"tensor"``; Llama 4's ``router`` is an ``nn.Linear``: ``"linear"``). Read by
    :mod:`symparams.studies.modules`.

    Encoders and encoder-decoders: ``auto_class`` is the base model
    (``AutoModel``, what :attr:`Model.params` counts) and ``head_class`` the
    transformers class of the model with its pretraining head (what
    :attr:`Model.with_head` counts, e.g. ``"BertForPreTraining"``; ``None``
    when the base model already is it). ``lengths(values, data)`` gives the default
    lengths the model fixes itself, by symbol name, from its bound sizes and its
    (validated) config data (a ViT's ``s = n_p + 1`` tokens per image; BART's
    encoder ``s_enc = s_max``; T5's ``s_enc = n_positions`` when given).

    Config-class rules transformers applies that no field states: ``rope_theta`` — whether the config
    class fills ``rope_theta`` (and ``original_max_position_embeddings``) into a RoPE dict (None: it
    does when the model has rotary positions; GPT-J's does not); ``heads_divide_hidden`` — the config
    class refuses ``hidden_size % num_attention_heads != 0`` even when ``head_dim`` is given
    (``LlamaConfig.validate_architecture``).

    Multimodal wrappers: ``text_config`` is the ``model_type`` of the language model its ``text_config``
    nests, which is what the family counts (Gemma 3, Llama 4); the oracle builds that text model.
    """

    model_type: str
    title: str
    fields: Mapping[str, Any]
    build: Callable[..., Any]
    sample: Callable[..., dict] | None = None
    head_step: int = 2
    moe: bool = False
    auto_class: str = "AutoModelForCausalLM"
    notes: tuple[str, ...] = field(default=())
    modules: Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] = field(default_factory=dict)
    head_class: str | None = None
    lengths: Callable[[Mapping[str, int], Mapping[str, Any]], dict] | None = None
    text_config: str | None = None
    module_kinds: Mapping[str, str] = field(default_factory=dict)
    rope_theta: bool | None = None
    heads_divide_hidden: bool = False
