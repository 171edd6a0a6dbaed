"""Presets: an architecture plus the sizes of a published model.

Data only: each row names the architecture, the sizes, and where they come
from. Hugging Face families add their own presets from ``config.json`` files.

>>> PRESETS["gpt2-xl"].values["h"]
1600
>>> sorted(PRESETS)[:4]
['cs336-gpt2-large', 'cs336-gpt2-medium', 'cs336-gpt2-small', 'cs336-gpt2-xl']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from symparams.errors import UnknownModelError

__all__ = ["Preset", "PRESETS", "model", "from_preset"]


@dataclass(frozen=True)
class Preset:
    """A named published model: architecture name, sizes by symbol name, source."""

    name: str
    architecture: str
    values: Mapping[str, int]
    source: str


# GPT-2 shapes (Radford et al. 2019; Hugging Face gpt2* config.json): l, h, a.
_GPT2_SHAPES = {
    "small": (12, 768, 12),
    "medium": (24, 1024, 16),
    "large": (36, 1280, 20),
    "xl": (48, 1600, 25),
}
_GPT2_VOCAB = 50257
_GPT2_CONTEXT = 1024


def _gpt2(size: str) -> Preset:
    l, h, a = _GPT2_SHAPES[size]
    name = "gpt2" if size == "small" else f"gpt2-{size}"
    values = {"l": l, "h": h, "a": a, "V": _GPT2_VOCAB, "s_max": _GPT2_CONTEXT}
    return Preset(name, "gpt2", MappingProxyType(values), "Hugging Face openai-community/" + name)


def _cs336(size: str) -> Preset:
    l, h, a = _GPT2_SHAPES[size]
    values = {"l": l, "h": h, "a": a, "V": _GPT2_VOCAB, "s_max": _GPT2_CONTEXT, "d_ff": 4 * h}
    return Preset(
        f"cs336-gpt2-{size}",
        "cs336",
        MappingProxyType(values),
        "Stanford CS336 assignment 1: architecture A with GPT-2 shapes, d_ff = 4h",
    )


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {p.name: p for p in [*map(_gpt2, _GPT2_SHAPES), *map(_cs336, _GPT2_SHAPES)]}
)


def from_preset(name: str):
    """The :class:`~symparams.models.Model` of the core preset called ``name``.

    >>> from_preset("gpt2").params.total   # 124M: 12·12·768² + 13·12·768 + 50257·768 + 1024·768 + 2·768
    124439808
    """
    from symparams.families import architecture
    from symparams.models import Model

    if name not in PRESETS:
        raise UnknownModelError(f"unknown preset {name!r}; core presets: {', '.join(sorted(PRESETS))} "
                                "(model() also reads Hugging Face presets and config.json paths)")
    preset = PRESETS[name]
    return Model(preset.name, architecture(preset.architecture), preset.values, preset.source)


def model(name):
    """A model by name: a core preset, a shipped Hugging Face preset, or a ``config.json``
    (file or folder) by path.

    >>> model("gpt2-tiny")
    Traceback (most recent call last):
    ...
    symparams.errors.UnknownModelError: unknown model 'gpt2-tiny'; presets: bloom-560m, ..., gpt2-xl, ... (or a path to a config.json)
    """
    if isinstance(name, str) and name in PRESETS:
        return from_preset(name)  # core presets need no config reader (keeps the CLI light)
    from symparams.hf.presets import HF_PRESETS, hf_preset_model

    if isinstance(name, str) and name in HF_PRESETS:
        return hf_preset_model(name)
    if isinstance(name, (str, Path)):
        path = Path(name)
        if path.suffix == ".json" or path.is_dir() or path.exists():
            from symparams.hf import from_hf_config

            return from_hf_config(path)
    names = sorted([*PRESETS, *HF_PRESETS])
    raise UnknownModelError(
        f"unknown model {str(name)!r}; presets: {', '.join(names)} (or a path to a config.json)"
    )
