"""Hugging Face ``config.json`` in, exact costs out — without torch.

:func:`from_hf_config` reads a config (a dict, a ``.json`` file, or a folder
holding ``config.json``), validates the fields its ``model_type``'s family
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
>>> from_hf_config({"model_type": "bert"})
Traceback (most recent call last):
...
symparams.errors.UnknownModelError: config dict: unsupported model_type 'bert'; supported: bloom, cohere, ..., starcoder2
"""

from __future__ import annotations

from pathlib import Path

from symparams.hf.reader import Fields, load

__all__ = ["from_hf_config", "build"]


def build(raw):
    """``(architecture, sizes by symbol name)`` of a loaded config (:func:`symparams.hf.reader.load`)."""
    from symparams.families import family

    fam = family(raw.model_type, raw.where)
    fields = Fields(raw, fam.fields)
    arch = fam.build(fields)
    return arch, fields.values()


def from_hf_config(config, *, name: str | None = None):
    """A :class:`~symparams.models.Model` from a Hugging Face config.

    Parameters
    ----------
    config
        A ``dict`` (as ``json.load`` returns), or a path to a ``.json`` file or
        to a folder holding ``config.json``.
    name
        The model's name; default: the file's stem (the folder's name for a
        ``config.json``), else ``_name_or_path``, else the ``model_type``.

    Raises
    ------
    ConfigError
        The file is unreadable or not a JSON object, or a field is missing,
        mistyped or inconsistent (the message names file, field and fix).
    UnknownModelError
        The ``model_type`` is not supported (the message lists those that are).
    """
    from symparams.models import Model

    raw = load(config)
    arch, values = build(raw)
    source = raw.where if isinstance(config, (str, Path)) else "Hugging Face config (dict)"
    return Model(name or raw.name, arch, values, source)
