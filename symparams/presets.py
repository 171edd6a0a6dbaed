"""Presets: an architecture plus the sizes of a published model.

Data only: each row names the architecture, the sizes, and where they come
from. Hugging Face families add their own presets from ``config.json`` files.

>>> PRESETS["gpt2-xl"].values["h"]
1600
>>> sorted(PRESETS)[:4]
['bert-base', 'bert-large', 'cs336-gpt2-large', 'cs336-gpt2-medium']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

from symparams.errors import ModelNameTypeError, UnknownModelError, type_name

if TYPE_CHECKING:
    from symparams.models import Model

__all__ = ["Preset", "PRESETS", "model", "from_preset"]


@dataclass(frozen=True)
class Preset:
    """A named published model: architecture name, sizes by symbol name, source; ``lengths``: default
    sequence lengths by symbol name where the model has no context length to default to (T5)."""

    name: str
    architecture: str
    values: Mapping[str, int]
    source: str
    lengths: Mapping[str, int] = field(default_factory=dict)


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


# BERT (Devlin et al. 2019, Table/§3; Hugging Face google-bert/bert-*-uncased config.json): l, h, a;
# d_ff = 4h, WordPiece vocabulary 30522, 512 positions, 2 token types.
_BERT_SHAPES = {"base": (12, 768, 12), "large": (24, 1024, 16)}


def _bert(size: str) -> Preset:
    l, h, a = _BERT_SHAPES[size]
    values = {"l": l, "h": h, "a": a, "d_ff": 4 * h, "V": 30522, "s_max": 512, "n_type": 2}
    return Preset(f"bert-{size}", "bert", MappingProxyType(values),
                  f"BERT-{size.capitalize()} (Devlin et al. 2019); Hugging Face google-bert/bert-{size}-uncased")


# T5 v1.0 (Raffel et al. 2020, §3.7; Hugging Face google-t5/t5-* config.json): l = l_dec, h, a, d_ff;
# SentencePiece vocabulary 32128 (padded), 32 relative-position buckets. Default lengths: T5's
# span-corruption pre-training, 512 input tokens and 114 target tokens (15% noise, mean span 3:
# t5.data.preprocessors.random_spans_helper; transformers' run_t5_mlm_flax.py).
_T5_SHAPES = {"small": (6, 512, 8, 2048), "base": (12, 768, 12, 3072)}
_T5_LENGTHS = MappingProxyType({"s_enc": 512, "s": 114})


def _t5(size: str) -> Preset:
    l, h, a, d_ff = _T5_SHAPES[size]
    values = {"l": l, "l_dec": l, "h": h, "a": a, "d_ff": d_ff, "V": 32128, "n_rb": 32}
    return Preset(f"t5-{size}", "t5", MappingProxyType(values),
                  f"T5-{size.capitalize()} (Raffel et al. 2020); Hugging Face google-t5/t5-{size}", _T5_LENGTHS)


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {p.name: p for p in [*map(_gpt2, _GPT2_SHAPES), *map(_cs336, _GPT2_SHAPES), *map(_bert, _BERT_SHAPES),
                         *map(_t5, _T5_SHAPES)]}
)


def from_preset(name: str) -> Model:
    """The :class:`~symparams.models.Model` of the core preset called ``name``.

    >>> from_preset("gpt2").params.total   # 124M: 12·12·768² + 13·12·768 + 50257·768 + 1024·768 + 2·768
    124439808
    """
    from symparams.families import architecture
    from symparams.models import Model

    if not isinstance(name, str):
        raise ModelNameTypeError(f"preset name {name!r} ({type_name(name)}) is not a string; pass a str such as 'gpt2'")
    if name not in PRESETS:
        raise UnknownModelError(f"unknown preset {name!r}; core presets: {', '.join(sorted(PRESETS))} "
                                "(model() also reads Hugging Face presets and config.json paths)")
    preset = PRESETS[name]
    return Model(preset.name, architecture(preset.architecture), preset.values, preset.source, preset.lengths)


def _is_pretrained(config) -> bool:
    from symparams.hf import _pretrained

    return _pretrained(config)


def model(name, *, revision: str | None = None) -> Model:
    """A model by name: a core preset, a shipped Hugging Face preset, a ``config.json``
    (file or folder) by path, a Hugging Face model id ``org/name`` (its ``config.json`` from the
    local Hub cache, at ``revision``: :mod:`symparams.hf.hub`), or a transformers ``PretrainedConfig``.

    >>> model("gpt2-tiny")
    Traceback (most recent call last):
    ...
    symparams.errors.UnknownModelError: unknown model 'gpt2-tiny'; presets: bart-large, bert-base, ..., gpt2-xl, ... (or a path to a config.json, or a Hugging Face model id org/name)
    """
    if not isinstance(name, (str, Path)) and not _is_pretrained(name):
        raise ModelNameTypeError(f"model name {name!r} ({type_name(name)}) is not a string or a path; pass a preset "
                                 "name (a str such as 'gpt2'), the path of a config.json (a str or pathlib.Path) "
                                 "or a Hugging Face model id ('org/name')")
    if revision is None and isinstance(name, str) and name in PRESETS:
        return from_preset(name)  # core presets need no config reader (keeps the CLI light)
    from symparams.hf.presets import HF_PRESETS, hf_preset_model

    if revision is None and isinstance(name, str) and name in HF_PRESETS:
        return hf_preset_model(name)
    from symparams.hf import _pretrained, from_hf_config
    from symparams.hf.hub import is_repo_id

    if is_repo_id(name) or revision is not None or _pretrained(name):
        return from_hf_config(name, revision=revision)  # a model id, or an error naming what revision is for
    if isinstance(name, (str, Path)):
        path = Path(name)
        if path.suffix == ".json" or path.is_dir() or path.exists():
            return from_hf_config(path)
    names = sorted([*PRESETS, *HF_PRESETS])
    raise UnknownModelError(
        f"unknown model {str(name)!r}; presets: {', '.join(names)} (or a path to a config.json, "
        "or a Hugging Face model id org/name)"
    )
