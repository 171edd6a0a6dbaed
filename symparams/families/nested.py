"""Multimodal configs read through the language model they nest (Gemma 3, Llama 4).

A multimodal ``config.json`` (``model_type`` ``gemma3``, ``llama4``) nests its text model under
``text_config``, often leaving out the sizes its text config class fills in by default; the
family counts that text model, with those defaults, and says that the vision tower and the
projector are not counted.
"""

from __future__ import annotations

from symparams.hf.fields import size
from symparams.hf.reader import Fields, RawConfig
from symparams.symbols import by_name

__all__ = ["text_model", "with_defaults"]


def with_defaults(fields: dict, **defaults) -> dict:
    """``fields`` with the REQUIRED sizes named in ``defaults`` given those class defaults instead."""
    out = dict(fields)
    for key, value in defaults.items():
        spec = out[key]
        out[key] = size(spec.key, value, *spec.aliases, symbol=spec.symbol)
    return out


def text_model(f, *, model_type: str, fields: dict, build, name: str):
    """The architecture ``build`` makes of ``f``'s ``text_config`` (a ``model_type`` config, read
    with ``fields``), its sizes bound on ``f``."""
    nested = f.raw.data.get("text_config", {})
    if not isinstance(nested, dict) or nested.get("model_type", model_type) != model_type:
        raise f.error(f"field 'text_config' = {nested!r} must be a {model_type} config object")
    from symparams.families import FAMILIES
    from symparams.families.common import check_config_keys

    inner = Fields(RawConfig(nested, f"{f.raw.where}: text_config", f.raw.name), fields)
    arch = build(inner)
    check_config_keys(inner, arch, FAMILIES[model_type])  # the text model's own cache keys and RoPE dict
    for symbol, value in inner.values().items():
        f.bind(by_name(symbol), value)
    return arch.replace(name=name, notes=(*arch.notes, "text model only: the vision tower and multimodal projector "
                                          "of this multimodal checkpoint are not counted"))
