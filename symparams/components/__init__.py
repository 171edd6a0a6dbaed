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
from symparams.components.mlm import LogitsBias, MaskedLMHead
from symparams.components.pooling import Classifier, Pooler
from symparams.components.relative import RelativePositionBias
from symparams.components.tokens import IndexBuffers, LearnedToken, SharedEmbedding, TokenTypes
from symparams.components.vision import PatchEmbedding

__all__ = [
    "Activation", "Dropout",
    "Attention", "Component", "GatedMLP", "LayerNorm", "LearnedPositions", "Linear",
    "MLP", "Matmul", "MoE", "OutputHead", "Projection", "RMSNorm", "RotaryPositions", "Tensor", "TokenEmbedding",
    "Classifier", "IndexBuffers", "LearnedToken", "LogitsBias", "MaskedLMHead", "PatchEmbedding", "Pooler",
    "RelativePositionBias", "SharedEmbedding", "TokenTypes",
]
