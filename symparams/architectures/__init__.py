"""Named architectures: one short definition per family, built from components.

>>> sorted(ARCHITECTURES)
['cs336', 'gpt-classic', 'gpt2']
>>> architecture("gpt2").title
'GPT-2 (learned positions, final LayerNorm, tied embeddings)'
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from symparams.architecture import Architecture
from symparams.architectures.classic import gpt2, gpt_classic
from symparams.architectures.cs336 import cs336
from symparams.errors import UnknownArchitectureError

__all__ = ["ARCHITECTURES", "architecture", "Architecture"]

ARCHITECTURES: dict[str, Callable[[], Architecture]] = {
    "gpt-classic": gpt_classic,
    "gpt2": gpt2,
    "cs336": cs336,
}


@lru_cache(maxsize=None)
def architecture(name: str) -> Architecture:
    """The architecture called ``name`` (built once, then cached)."""
    try:
        factory = ARCHITECTURES[name]
    except KeyError:
        raise UnknownArchitectureError(
            f"unknown architecture {name!r}; choose one of: {', '.join(sorted(ARCHITECTURES))}"
        ) from None
    return factory()
