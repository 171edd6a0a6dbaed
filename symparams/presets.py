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
from types import MappingProxyType
from typing import Mapping

__all__ = ["Preset", "PRESETS"]


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
