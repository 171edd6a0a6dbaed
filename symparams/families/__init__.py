"""Every family in one place: the built-in symbolic architectures and the Hugging Face families.

Built-in architectures (:data:`ARCHITECTURES`) are short definitions over the
size symbols (worked examples A and B, GPT-2). Hugging Face families
(:data:`FAMILIES`) are one record each (:class:`~symparams.hf.family.Family`:
field table, builder, test sampler), defined in one module per lineage; the
registry is this explicit table, filled by no import side effect.

>>> sorted(ARCHITECTURES)
['cs336', 'gpt-classic', 'gpt2']
>>> architecture("gpt2").title
'GPT-2 (learned positions, final LayerNorm, tied embeddings)'
>>> family("llama").title
'Llama'
>>> family("bert")
Traceback (most recent call last):
...
symparams.errors.UnknownModelError: unsupported model_type 'bert'; supported: bloom, falcon, gemma, gemma2, gpt2, gpt_bigcode, gpt_neox, llama, mistral, mixtral, olmo2, opt, phi, qwen2, qwen2_moe, qwen3, stablelm, starcoder2
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Callable, Mapping

from symparams.architecture import Architecture
from symparams.errors import UnknownArchitectureError, UnknownModelError
from symparams.families.bloom import BLOOM
from symparams.families.classic import gpt2, gpt_classic
from symparams.families.cs336 import cs336
from symparams.families.falcon import FALCON
from symparams.families.gemma import GEMMA, GEMMA2
from symparams.families.gpt import GPT2, GPT_BIGCODE
from symparams.families.llama import LLAMA, MISTRAL, MIXTRAL, OLMO2
from symparams.families.neox import GPT_NEOX, STABLELM
from symparams.families.opt import OPT
from symparams.families.phi import PHI
from symparams.families.qwen import QWEN2, QWEN2_MOE, QWEN3
from symparams.families.starcoder2 import STARCODER2
from symparams.hf.family import Family

__all__ = ["ARCHITECTURES", "architecture", "FAMILIES", "family", "SUPPORTED_MODEL_TYPES"]

ARCHITECTURES: Mapping[str, Callable[[], Architecture]] = MappingProxyType({
    "gpt-classic": gpt_classic,
    "gpt2": gpt2,
    "cs336": cs336,
})

FAMILIES: Mapping[str, Family] = MappingProxyType({fam.model_type: fam for fam in (
    GPT2, GPT_BIGCODE,
    LLAMA, MISTRAL, MIXTRAL, OLMO2,
    QWEN2, QWEN2_MOE, QWEN3,
    GEMMA, GEMMA2,
    GPT_NEOX, STABLELM, PHI,
    OPT, FALCON, BLOOM, STARCODER2,
)})

SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(sorted(FAMILIES))


@lru_cache(maxsize=None)
def architecture(name: str) -> Architecture:
    """The built-in architecture called ``name`` (built once, then cached)."""
    if not isinstance(name, str) or name not in ARCHITECTURES:
        raise UnknownArchitectureError(
            f"unknown architecture {name!r}; choose one of: {', '.join(sorted(ARCHITECTURES))}"
        )
    return ARCHITECTURES[name]()


def family(model_type: str, where: str = "") -> Family:
    """The Hugging Face family of ``model_type``."""
    if model_type not in FAMILIES:
        head = f"{where}: " if where else ""
        raise UnknownModelError(
            f"{head}unsupported model_type {model_type!r}; supported: {', '.join(SUPPORTED_MODEL_TYPES)}"
        )
    return FAMILIES[model_type]
