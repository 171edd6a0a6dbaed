"""Hugging Face ``config.json`` in, exact costs out — without torch.

:func:`from_hf_config` reads a config (a dict, a ``.json`` file, a folder
holding ``config.json``, a Hugging Face model id ``org/name`` from the local Hub cache —
:mod:`symparams.hf.hub` — or a transformers ``PretrainedConfig``), validates the fields its ``model_type``'s family
reads, and returns a :class:`~symparams.models.Model` whose parameter count
equals ``sum(p.numel() for p in model.parameters())`` of the model
``transformers`` builds from it (tied weights once), with forward FLOPs and KV
cache under symparams' conventions. Supported ``model_type`` values:
:data:`symparams.families.SUPPORTED_MODEL_TYPES`.

>>> m = from_hf_config({"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32,
...     "num_attention_heads": 32, "intermediate_size": 11008, "vocab_size": 32000,
...     "max_position_embeddings": 4096})
>>> m.params.total   # Llama-2-7B
6738415616
>>> from_hf_config({"model_type": "xlnet"})
Traceback (most recent call last):
...
symparams.errors.UnknownModelError: config dict: unsupported model_type 'xlnet'; supported: bart, bert, bloom, cohere, ..., vit
"""

from __future__ import annotations

import json

from dataclasses import replace
from pathlib import Path

from typing import TYPE_CHECKING

from symparams.errors import ConfigError
from symparams.hf.reader import Fields, load

if TYPE_CHECKING:
    from symparams.models import Model

__all__ = ["from_hf_config", "build"]


def build(raw):
    """``(architecture, sizes by symbol name)`` of a loaded config (:func:`symparams.hf.reader.load`)."""
    from symparams.families import family

    from symparams.families.common import check_config_keys

    fam = family(raw.model_type, raw.where)
    fields = Fields(raw, fam.fields)
    arch = fam.build(fields)
    check_config_keys(fields, arch, fam)
    return arch, fields.values()


def _pretrained(config) -> bool:
    """A transformers ``PretrainedConfig`` (duck-typed: transformers is never imported here)."""
    return callable(getattr(config, "to_dict", None)) and isinstance(getattr(config, "model_type", None), str)


def from_hf_config(config, *, name: str | None = None, revision: str | None = None) -> Model:
    """A :class:`~symparams.models.Model` from a Hugging Face config.

    Parameters
    ----------
    config
        A ``dict`` (as ``json.load`` returns), a path to a ``.json`` file or
        to a folder holding ``config.json``, a model id ``org/name`` (read from
        the local Hub cache, see :mod:`symparams.hf.hub`), or a transformers
        ``PretrainedConfig`` (its ``to_dict()`` is read).
    name
        The model's name; default: the file's stem (the folder's name for a
        ``config.json``; the id for a model id), else ``_name_or_path``, else the ``model_type``.
    revision
        For a model id: the branch, tag or commit (default ``main``).

    Raises
    ------
    ConfigError
        The file is unreadable or not a JSON object, or a field is missing,
        mistyped or inconsistent (the message names file, field and fix).
    UnknownModelError
        The ``model_type`` is not supported (the message lists those that are).
    """
    from symparams.families import family
    from symparams.hf import hub
    from symparams.models import Model

    if hub.is_repo_id(config):
        found = hub.resolve(config, revision)
        return replace(from_hf_config(found.path, name=name or found.repo_id), source=found.source)
    if revision is not None:
        raise ConfigError(f"revision={revision!r} is only for a Hugging Face model id (org/name), not {config!r}")
    if _pretrained(config):
        # its JSON form, as save_pretrained writes it (to_dict() keeps int keys such as id2label's)
        text = config.to_json_string(use_diff=False) if callable(getattr(config, "to_json_string", None)) else None
        data = json.loads(text) if text is not None else config.to_dict()
        model = from_hf_config(data, name=name)
        return replace(model, source=f"transformers {type(config).__name__} ({model.name})")
    raw = load(config)
    arch, values = build(raw)
    source = raw.where if isinstance(config, (str, Path)) else "Hugging Face config (dict)"
    fam = family(raw.model_type, raw.where)
    lengths = fam.lengths(values, raw.data) if fam.lengths is not None else {}
    return Model(name or raw.name, arch, values, source, lengths)
