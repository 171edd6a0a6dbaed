"""Input-side parts of encoders: the token-type table, a lookup into a shared table, a learned token.

* :class:`TokenTypes`: BERT's ``n_type × h`` segment table, added to every token
  (a lookup: no FLOPs).
* :class:`SharedEmbedding`: the lookup a second stack makes into a table another
  stack owns (T5's and BART's decoder read the encoder's shared vocabulary
  table): no parameter of its own, but its own dropout mask.
* :class:`UnusedTable`: a ``V × h`` table the model allocates but never reads
  (untied BART's ``shared``, beside the encoder's and the decoder's own tables).
* :class:`LearnedToken`: one learned vector of size ``h`` (ViT's ``[CLS]``
  token, prepended to the patches).
* :class:`IndexBuffers`: the ``1 × s_max`` index rows transformers registers
  beside BERT-style tables (``position_ids``, ``token_type_ids``): buffers,
  not parameters.

>>> from symparams.symbols import V, h, n_type
>>> TokenTypes(n_type, h).params(), SharedEmbedding(V, h).params(), LearnedToken(h).params()
(h*n_type, 0, h)
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, Integer

from symparams.components.base import Component, Tensor
from symparams.components.embedding import TokenEmbedding

__all__ = ["TokenTypes", "SharedEmbedding", "UnusedTable", "LearnedToken", "IndexBuffers"]


@dataclass(frozen=True)
class TokenTypes(Component):
    """The ``n_type × h`` token-type (segment) table BERT adds to each token's embedding."""

    n_type: Expr
    h: Expr
    key = "token_types"
    label = "token-type embedding"

    def tensors(self) -> tuple[Tensor, ...]:
        return (Tensor("token_type_embeddings.weight", (self.n_type, self.h)),)


@dataclass(frozen=True)
class SharedEmbedding(TokenEmbedding):
    """A lookup into the ``V × h`` table another stack holds (counted there once).

    >>> from symparams.symbols import V, h, b, s
    >>> SharedEmbedding(V, h).saved_activations(b, s)[0].numel
    b*h*s
    """

    label = "token embedding (the shared table, counted once)"

    def tensors(self) -> tuple[Tensor, ...]:
        return ()


@dataclass(frozen=True)
class UnusedTable(TokenEmbedding):
    """A ``V × h`` vocabulary table that is a parameter but no stack looks tokens up in: no activations,
    and no tensor-parallel all-reduce of its output.

    >>> from symparams.symbols import V, h, b, s
    >>> UnusedTable(V, h).params(), UnusedTable(V, h).saved_activations(b, s)
    (V*h, ())
    """

    label = "shared vocabulary table (allocated, not read)"
    looked_up = False

    def saved_activations(self, b, s, *, dropout=True):
        return ()


@dataclass(frozen=True)
class LearnedToken(Component):
    """One learned ``1 × 1 × h`` vector prepended to every sequence (ViT's ``cls_token``)."""

    h: Expr
    name: str = "cls_token"
    key = "cls_token"

    @property
    def label(self) -> str:
        return f"learned token ({self.name})"

    def tensors(self) -> tuple[Tensor, ...]:
        return (Tensor(self.name, (Integer(1), Integer(1), self.h)),)


@dataclass(frozen=True)
class IndexBuffers(Component):
    """``1 × s_max`` integer rows kept as (non-persistent) buffers: ``position_ids`` and, with token
    types, ``token_type_ids`` (``BertEmbeddings``); counted by
    :func:`symparams.costs.params.buffers`, never as parameters.

    >>> from symparams.symbols import s_max
    >>> IndexBuffers(s_max, ("position_ids", "token_type_ids")).buffer_elements()
    2*s_max
    """

    s_max: Expr
    names: tuple[str, ...] = ("position_ids",)
    key = "index_buffers"
    label = "index buffers (position ids; not trainable)"

    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(Tensor(name, (Integer(1), self.s_max), trainable=False) for name in self.names)
