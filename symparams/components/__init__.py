"""Architecture components: each lists its tensors (symbolic shapes) and matmuls.

Parameter counts and FLOPs are derived from those shapes by the cost modules.
"""

from symparams.components.attention import Attention
from symparams.components.base import Activation, Component, Dropout, Linear, Matmul, Tensor
from symparams.components.embedding import LearnedPositions, TokenEmbedding
from symparams.components.head import OutputHead
from symparams.components.mlp import MLP, GatedMLP
from symparams.components.moe import MoE
from symparams.components.norm import LayerNorm, RMSNorm
from symparams.components.projection import Projection
from symparams.components.rotary import RotaryPositions

#: the encoders' components, loaded on first use (PEP 562): a decoder's count never imports them
_LAZY = {"LogitsBias": "mlm", "MaskedLMHead": "mlm", "Classifier": "pooling", "Pooler": "pooling",
         "RelativePositionBias": "relative", "IndexBuffers": "tokens", "LearnedToken": "tokens",
         "SharedEmbedding": "tokens", "TokenTypes": "tokens", "PatchEmbedding": "vision"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f"symparams.components.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'symparams.components' has no attribute {name!r}")

__all__ = [
    "Activation", "Dropout",
    "Attention", "Component", "GatedMLP", "LayerNorm", "LearnedPositions", "Linear",
    "MLP", "Matmul", "MoE", "OutputHead", "Projection", "RMSNorm", "RotaryPositions", "Tensor", "TokenEmbedding",
    "Classifier", "IndexBuffers", "LearnedToken", "LogitsBias", "MaskedLMHead", "PatchEmbedding", "Pooler",
    "RelativePositionBias", "SharedEmbedding", "TokenTypes",
]
