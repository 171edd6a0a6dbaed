"""Hypothesis strategies for small, valid Hugging Face ``config.json`` dicts.

:func:`hf_configs` draws a config of one ``model_type`` with the flags that
change a count drawn too (tied embeddings, biases, GQA/MQA, an explicit
``head_dim``, parallel blocks, MoE experts and top-k, …). Sizes respect what
``transformers`` needs: ``h = a · d_head``, ``n_kv`` divides ``a``, ``k ≤ E``,
head sizes even where RoPE rotates them (and a partial-rotary slice even).
The dicts are plain JSON data, usable with :func:`symparams.from_hf_config`
and with ``transformers.AutoConfig.for_model``.

Needs the ``test`` extra (Hypothesis).

>>> from hypothesis import find
>>> cfg = find(hf_configs("mixtral"), lambda c: c["num_experts_per_tok"] > 1)
>>> cfg["num_experts_per_tok"] <= cfg["num_local_experts"]
True
>>> hf_configs("xlnet")
Traceback (most recent call last):
...
symparams.errors.UnknownModelError: no strategy for model_type 'xlnet'; choose one of: bart, bert, bloom, cohere, ..., vit
"""

from __future__ import annotations

from hypothesis import strategies as st

from symparams.errors import UnknownModelError
from symparams.families import FAMILIES
from symparams.testing.strategies import Bounds

__all__ = ["HF_MODEL_TYPES", "hf_configs"]

HF_MODEL_TYPES = tuple(name for name, fam in sorted(FAMILIES.items()) if fam.sample is not None)


def hf_configs(model_type: str, **bounds):
    """A strategy of small ``config.json`` dicts of ``model_type``, drawn by its family's sampler.

    ``**bounds`` are the keyword-only ``min_*``/``max_*`` of
    :class:`~symparams.testing.strategies.Bounds` (validated at call time).
    """
    if model_type not in HF_MODEL_TYPES:
        raise UnknownModelError(
            f"no strategy for model_type {model_type!r}; choose one of: {', '.join(HF_MODEL_TYPES)}"
        )
    sample, bd = FAMILIES[model_type].sample, Bounds(**bounds)

    @st.composite
    def draw_config(draw):
        return sample(draw, st, bd)

    return draw_config()
