"""Presets from published ``config.json`` files shipped with the package.

Each file in ``symparams/hf/configs/`` is the ``config.json`` a Hugging Face
Hub repository publishes (copied verbatim; see ``tests/fixtures/hf_configs/
SOURCES.md``); the preset's name is the file's stem. Every one is checked in
the tests against the parameter count ``transformers`` builds from it.

>>> "bert-base-uncased" in HF_PRESETS, "deepseek-v3" in HF_PRESETS
(True, True)
>>> HF_PRESETS["llama-2-7b"].source
'meta-llama/Llama-2-7b-hf'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

__all__ = ["HFPreset", "HF_PRESETS", "CONFIG_DIR"]

CONFIG_DIR = Path(__file__).parent / "configs"


@dataclass(frozen=True)
class HFPreset:
    """A shipped config: preset name, file, and the Hub repository it comes from."""

    name: str
    path: Path
    source: str


# preset name -> Hugging Face Hub repository of its config.json
_HUB = {
    "bloom-560m": "bigscience/bloom-560m",
    "falcon-7b": "tiiuae/falcon-7b",
    "gemma-2b": "google/gemma-2b",
    "gemma-7b": "google/gemma-7b",
    "gemma-2-2b": "google/gemma-2-2b",
    "llama-2-7b": "meta-llama/Llama-2-7b-hf",
    "llama-3-8b": "meta-llama/Meta-Llama-3-8B",
    "llama-3.2-1b": "meta-llama/Llama-3.2-1B",
    "mistral-7b-v0.1": "mistralai/Mistral-7B-v0.1",
    "mixtral-8x7b-v0.1": "mistralai/Mixtral-8x7B-v0.1",
    "olmo-2-1124-7b": "allenai/OLMo-2-1124-7B",
    "opt-125m": "facebook/opt-125m",
    "opt-6.7b": "facebook/opt-6.7b",
    "phi-2": "microsoft/phi-2",
    "pythia-160m": "EleutherAI/pythia-160m",
    "pythia-6.9b": "EleutherAI/pythia-6.9b",
    "qwen2-0.5b": "Qwen/Qwen2-0.5B",
    "qwen1.5-moe-a2.7b": "Qwen/Qwen1.5-MoE-A2.7B",
    "qwen2-7b": "Qwen/Qwen2-7B",
    "qwen3-0.6b-base": "Qwen/Qwen3-0.6B-Base",
    "santacoder": "bigcode/gpt_bigcode-santacoder",
    "stablelm-2-1_6b": "stabilityai/stablelm-2-1_6b",
    "starcoder2-3b": "bigcode/starcoder2-3b",
    "bert-base-uncased": "google-bert/bert-base-uncased",
    "roberta-base": "FacebookAI/roberta-base",
    "distilbert-base-uncased": "distilbert/distilbert-base-uncased",
    "electra-small-discriminator": "google/electra-small-discriminator",
    "modernbert-base": "answerdotai/ModernBERT-base",
    "flan-t5-base": "google/flan-t5-base",
    "bart-large": "facebook/bart-large",
    "vit-base-patch16-224": "google/vit-base-patch16-224",
    # issue 13: the decoder families people run now
    "deepseek-v3": "deepseek-ai/DeepSeek-V3",
    "deepseek-v2-lite": "deepseek-ai/DeepSeek-V2-Lite",
    "qwen3-30b-a3b": "Qwen/Qwen3-30B-A3B",
    "olmoe-1b-7b-0924": "allenai/OLMoE-1B-7B-0924",
    "gemma-3-1b-pt": "google/gemma-3-1b-pt",
    "gemma-3-4b-pt": "google/gemma-3-4b-pt",
    "phi-3-mini-4k-instruct": "microsoft/Phi-3-mini-4k-instruct",
    "gpt-j-6b": "EleutherAI/gpt-j-6b",
    "granite-3.1-8b-base": "ibm-granite/granite-3.1-8b-base",
    "c4ai-command-r-v01": "CohereForAI/c4ai-command-r-v01",
    "c4ai-command-r7b-12-2024": "CohereForAI/c4ai-command-r7b-12-2024",
    "minitron-8b-base": "nvidia/Minitron-8B-Base",
    "llama-4-scout-17b-16e": "meta-llama/Llama-4-Scout-17B-16E",
}

HF_PRESETS: Mapping[str, HFPreset] = MappingProxyType(
    {name: HFPreset(name, CONFIG_DIR / f"{name}.json", hub) for name, hub in _HUB.items()}
)


@lru_cache(maxsize=128)
def hf_preset_model(name: str):
    """The :class:`~symparams.models.Model` of the shipped preset ``name`` (read once: the shipped
    files do not change)."""
    from dataclasses import replace

    from symparams.hf import from_hf_config

    preset = HF_PRESETS[name]
    return replace(from_hf_config(preset.path, name=name), source=f"Hugging Face {preset.source} config.json")
