"""Every family in one place: the built-in symbolic architectures and the Hugging Face families.

Built-in architectures (:data:`ARCHITECTURES`) are short definitions over the
size symbols (worked examples A and B, GPT-2). Hugging Face families
(:data:`FAMILIES`) are one record each (:class:`~symparams.hf.family.Family`:
field table, builder, test sampler), defined in one module per lineage; the
registry is this explicit table, filled by no import side effect.

>>> sorted(ARCHITECTURES)
['bert', 'cs336', 'gpt-classic', 'gpt2', 't5']
>>> architecture("gpt2").title
'GPT-2 (learned positions, final LayerNorm, tied embeddings)'
>>> family("llama").title
'Llama'
>>> family("xlnet")
Traceback (most recent call last):
...
symparams.errors.UnknownModelError: unsupported model_type 'xlnet'; supported: bart, bert, bloom, cohere, ..., vit
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from types import MappingProxyType
from typing import Callable, Iterator, Mapping

from symparams.stacks import Architecture
from symparams.errors import UnknownArchitectureError, UnknownModelError
from symparams.families.classic import gpt2, gpt_classic
from symparams.families.cs336 import cs336


def bert() -> Architecture:
    """The built-in BERT (:func:`symparams.families.encoders.bert`; its module loads on first use)."""
    from symparams.families.encoders import bert as build

    return build()


def t5() -> Architecture:
    """The built-in T5 (:func:`symparams.families.encoders.t5`; its module loads on first use)."""
    from symparams.families.encoders import t5 as build

    return build()


__all__ = ["ARCHITECTURES", "architecture", "FAMILIES", "family", "SUPPORTED_MODEL_TYPES"]

ARCHITECTURES: Mapping[str, Callable[[], Architecture]] = MappingProxyType({
    "gpt-classic": gpt_classic,
    "gpt2": gpt2,
    "cs336": cs336,
    "bert": bert,
    "t5": t5,
})

#: model_type -> (module of symparams.families, name of its Family record), one row per family
_HF_FAMILIES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "gpt2": ("gpt", "GPT2"),
    "gpt_bigcode": ("gpt", "GPT_BIGCODE"),
    "llama": ("llama", "LLAMA"),
    "mistral": ("llama", "MISTRAL"),
    "mixtral": ("llama", "MIXTRAL"),
    "olmo2": ("llama", "OLMO2"),
    "qwen2": ("qwen", "QWEN2"),
    "qwen2_moe": ("qwen", "QWEN2_MOE"),
    "qwen3": ("qwen", "QWEN3"),
    "qwen3_moe": ("qwen", "QWEN3_MOE"),
    "gemma": ("gemma", "GEMMA"),
    "gemma2": ("gemma", "GEMMA2"),
    "gemma3_text": ("gemma", "GEMMA3_TEXT"),
    "gemma3": ("gemma", "GEMMA3"),
    "gpt_neox": ("neox", "GPT_NEOX"),
    "stablelm": ("neox", "STABLELM"),
    "phi": ("phi", "PHI"),
    "opt": ("opt", "OPT"),
    "falcon": ("falcon", "FALCON"),
    "bloom": ("bloom", "BLOOM"),
    "starcoder2": ("starcoder2", "STARCODER2"),
    "bert": ("bert", "BERT"),
    "roberta": ("bert", "ROBERTA"),
    "distilbert": ("bert", "DISTILBERT"),
    "electra": ("bert", "ELECTRA"),
    "t5": ("t5", "T5"),
    "mt5": ("t5", "MT5"),
    "umt5": ("t5", "UMT5"),
    "bart": ("bart", "BART"),
    "vit": ("vit", "VIT"),
    "modernbert": ("modernbert", "MODERNBERT"),
    "olmoe": ("olmoe", "OLMOE"),
    "phi3": ("phi3", "PHI3"),
    "gptj": ("gptj", "GPTJ"),
    "granite": ("granite", "GRANITE"),
    "cohere": ("cohere", "COHERE"),
    "cohere2": ("cohere", "COHERE2"),
    "nemotron": ("nemotron", "NEMOTRON"),
    "llama4_text": ("llama4", "LLAMA4_TEXT"),
    "llama4": ("llama4", "LLAMA4"),
    "deepseek_v2": ("deepseek", "DEEPSEEK_V2"),
    "deepseek_v3": ("deepseek", "DEEPSEEK_V3"),
})


class _Families(Mapping):
    """The family records by ``model_type``, each module imported when its family is first used
    (the preset path of the command line imports none)."""

    def __getitem__(self, model_type: str):
        module, name = _HF_FAMILIES[model_type]
        return getattr(import_module(f"symparams.families.{module}"), name)

    def __iter__(self) -> Iterator[str]:
        return iter(_HF_FAMILIES)

    def __len__(self) -> int:
        return len(_HF_FAMILIES)


FAMILIES: Mapping = _Families()

SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(sorted(_HF_FAMILIES))


@lru_cache(maxsize=None)
def architecture(name: str) -> Architecture:
    """The built-in architecture called ``name`` (built once, then cached)."""
    if not isinstance(name, str) or name not in ARCHITECTURES:
        raise UnknownArchitectureError(
            f"unknown architecture {name!r}; choose one of: {', '.join(sorted(ARCHITECTURES))}"
        )
    return ARCHITECTURES[name]()


def family(model_type: str, where: str = ""):
    """The Hugging Face family (:class:`~symparams.hf.family.Family`) of ``model_type``."""
    if not isinstance(model_type, str) or model_type not in _HF_FAMILIES:
        head = f"{where}: " if where else ""
        raise UnknownModelError(
            f"{head}unsupported model_type {model_type!r}; supported: {', '.join(SUPPORTED_MODEL_TYPES)}"
        )
    return FAMILIES[model_type]
