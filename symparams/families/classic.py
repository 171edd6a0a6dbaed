"""The classic GPT decoder (worked example B) and GPT-2.

``gpt-classic``: LayerNorm (γ, β), biases on every linear layer, FFN
``h → 4h → h``, input and output embeddings tied, positions ignored.
``gpt2``: the same plus a learned position table ``s_max × h`` and the final
LayerNorm — the model ``transformers`` builds for ``model_type: gpt2``.

>>> from sympy import expand
>>> from symparams.symbols import l, h, V, s_max
>>> expand(gpt_classic().params().total - (12*l*h**2 + 13*l*h + V*h))
0
>>> expand(gpt2().params().total - (12*l*h**2 + 13*l*h + V*h + s_max*h + 2*h))
0
"""

from __future__ import annotations

from symparams.stacks import Architecture, decoder
from symparams.components import Attention, LayerNorm, LearnedPositions, MLP, OutputHead, TokenEmbedding
from symparams.symbols import V, a, h, s_max

__all__ = ["gpt_classic", "gpt2"]


def _gpt_block():
    return (
        LayerNorm(h),
        Attention(h, a, a, h / a, qkv_bias=True, o_bias=True),
        LayerNorm(h),
        MLP(h, 4 * h, bias=True, activation="gelu"),
    )


def gpt_classic() -> Architecture:
    """Worked example B: ``12·l·h² + 13·l·h + V·h`` parameters."""
    return decoder(
        "gpt-classic",
        "Classic GPT decoder (LayerNorm, biases, FFN 4h, tied embeddings)",
        embed=(TokenEmbedding(V, h),),
        block=_gpt_block(),
        final=(OutputHead(h, V, tied=True),),
        notes=(
            "position embeddings ignored (rotary/ALiBi have no parameters)",
            "final LayerNorm not counted, as in the classic derivation",
        ),
    )


def gpt2() -> Architecture:
    """GPT-2: gpt-classic plus learned positions ``s_max·h`` and the final LayerNorm ``2h``."""
    return decoder(
        "gpt2",
        "GPT-2 (learned positions, final LayerNorm, tied embeddings)",
        embed=(TokenEmbedding(V, h), LearnedPositions(s_max, h)),
        block=_gpt_block(),
        final=(LayerNorm(h), OutputHead(h, V, tied=True)),
    )
