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
    oracle builds. ``text_config``: for a multimodal wrapper, the
    ``model_type`` of the language model its ``text_config`` nests, which is
    what the family counts (Gemma 3, Llama 4); the oracle builds that text model.
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
    text_config: str | None = None
