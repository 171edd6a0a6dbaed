"""A model: an architecture bound to concrete sizes, with exact costs.

>>> from symparams.presets import model
>>> m = model("gpt2-xl")
>>> m
<Model gpt2-xl: gpt2, V=50257, a=25, h=1600, l=48, s_max=1024>
>>> m.params.total
1557611200
>>> m.forward_flops(batch=1, seq=1024).total
3506703564800
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

from sympy import Symbol

from symparams.stacks import Architecture
from symparams.breakdown import Evaluation
from symparams.errors import ConfigError
from symparams.symbols import b as _b, by_name, s as _s, s_max as _s_max
from symparams.units import dtype_bytes
from symparams.values import evaluate, normalize_values

__all__ = ["Model"]


@dataclass(frozen=True, eq=False)
class Model:
    """An :class:`~symparams.stacks.Architecture` at concrete sizes.

    ``lengths`` are default sequence lengths beside ``s`` that the model fixes
    itself (a ViT's patch count), bound by :meth:`workload` unless given.
    """

    name: str
    architecture: Architecture
    values: Mapping[Symbol, int]
    source: str = ""
    lengths: Mapping[Symbol, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.architecture, Architecture):
            raise TypeError(f"{self.name}: architecture={self.architecture!r} must be an Architecture")
        object.__setattr__(self, "values", normalize_values(self.values, source=self.name))
        object.__setattr__(self, "lengths", normalize_values(self.lengths, source=self.name))

    def __repr__(self) -> str:
        sizes = ", ".join(f"{sym.name}={v}" for sym, v in sorted(self.values.items(), key=lambda kv: kv[0].name))
        return f"<Model {self.name}: {self.architecture.name}, {sizes}>"

    def value(self, expr) -> int:
        """Any formula over the size symbols, at this model's sizes, exactly."""
        return evaluate(expr, self.values)

    @cached_property
    def params(self) -> Evaluation:
        """Trainable parameters, per piece and in total."""
        return self.architecture.params().at(self.values, name=self.name)

    @cached_property
    def with_head(self) -> "Model":
        """This model with its pretraining head (the architecture's
        :attr:`~symparams.stacks.Architecture.with_head`): an encoder's masked-LM head, an
        encoder-decoder's LM head, a classifier; the model itself for a causal LM.

        >>> from symparams.presets import model
        >>> m = model("bert-base")
        >>> m.with_head.params.total - m.params.total   # MLM transform + LayerNorm + bias, NSP classifier
        624188
        """
        if self.architecture.head_model is None:
            return self
        return Model(self.name, self.architecture.head_model, self.values, self.source, self.lengths)

    @cached_property
    def buffers(self) -> Evaluation:
        """Non-trainable buffer elements (e.g. the RoPE table)."""
        return self.architecture.buffers().at(self.values, name=self.name)

    @property
    def embedding_params(self) -> int:
        """Parameters of the lookup tables (token, position, token-type embeddings)."""
        from symparams.costs.params import embedding_parameters

        return self.value(embedding_parameters(self.architecture).total)

    @property
    def non_embedding_params(self) -> int:
        return self.params.total - self.embedding_params

    @property
    def active_params(self) -> int:
        """Parameters one token goes through: the total, except that a mixture
        of experts counts its router and ``k`` of its ``E`` experts."""
        from symparams.costs.params import active_parameters

        return self.value(active_parameters(self.architecture).total)

    def default_seq(self) -> int:
        """The context length (``s_max``), the default sequence length."""
        if _s in self.lengths:
            return self.lengths[_s]
        if _s_max not in self.values:
            raise ConfigError(f"{self.name}: no context length (s_max) to default to; "
                              "give a sequence length (seq= in Python, --seq on the command line)")
        return self.values[_s_max]

    def workload(self, batch: int = 1, seq: int | None = None, **lengths: int) -> dict[Symbol, int]:
        """Sizes plus ``b``, ``s`` (default: the context length) and any other length by name
        (``s_enc=512``); the model's own default lengths fill what is not given."""
        seq = self.default_seq() if seq is None else seq
        given = {by_name(k): v for k, v in lengths.items()}
        extra = {**{k: v for k, v in self.lengths.items() if k != _s}, **given}
        return {**self.values, **normalize_values({_b: batch, _s: seq, **extra}, source="workload")}

    def evaluate(self, breakdown, batch: int = 1, seq: int | None = None, **lengths) -> Evaluation:
        """A symbolic breakdown at this model's sizes and a workload."""
        return breakdown.at(self.workload(batch, seq, **lengths), name=self.name)

    def cost(self, name: str, batch: int = 1, seq: int | None = None, *, convention=None, dtype: str = "bf16",
             **lengths) -> Evaluation:
        """Any cost of :data:`symparams.costs.registry.COSTS` by name, evaluated.

        >>> from symparams.presets import model
        >>> model("gpt2").cost("N", convention="kaplan").total
        85056000
        """
        from symparams.costs.registry import breakdown

        bd = breakdown(self.architecture, name, convention, dtype=dtype)
        return self.evaluate(bd, batch, seq, **lengths)

    def forward_flops(self, batch: int = 1, seq: int | None = None, convention=None, **lengths) -> Evaluation:
        """Forward FLOPs for ``batch`` sequences of ``seq`` tokens."""
        return self.evaluate(self.architecture.forward_flops(convention), batch, seq, **lengths)

    def kv_cache(self, batch: int = 1, tokens: int | None = None, dtype: str = "bf16", **lengths) -> Evaluation:
        """The KV cache of ``batch`` sequences after ``tokens`` tokens (a prefill), in bytes, per piece."""
        return self.evaluate(self.architecture.kv_cache(dtype=dtype, tokens=_s), batch, tokens, **lengths)

    def kv_cache_elements(self, batch: int = 1, tokens: int | None = None, **lengths) -> int:
        """K and V values cached for ``batch`` sequences of ``tokens`` tokens (after a prefill)."""
        from symparams.costs.kv_cache import kv_cache_elements

        return self.evaluate(kv_cache_elements(self.architecture, tokens=_s), batch, tokens, **lengths).total

    def kv_cache_bytes(self, batch: int = 1, tokens: int | None = None, dtype: str = "bf16", **lengths) -> int:
        """Bytes of K and V cached for ``batch`` sequences of ``tokens`` tokens."""
        return self.kv_cache(batch, tokens, dtype, **lengths).total

    def weights_bytes(self, dtype: str = "fp32") -> int:
        """Bytes to hold the trainable parameters in ``dtype``."""
        return evaluate(self.params.total * dtype_bytes(dtype), {})

    # ---- training costs (symparams.costs.flops / activations / training) ----
    def backward_flops(self, batch: int = 1, seq: int | None = None, convention=None, **lengths) -> Evaluation:
        """Backward FLOPs: two gradient matmuls per forward matmul (= 2 × forward)."""
        from symparams.costs.flops import backward_flops

        return self.evaluate(backward_flops(self.architecture, convention), batch, seq, **lengths)

    def train_step_flops(self, batch: int = 1, seq: int | None = None, *, optimizer: bool = True,
                         convention=None, **lengths) -> Evaluation:
        """Forward + backward (+ recomputation) (+ AdamW update) FLOPs of one step, under one convention.

        >>> from symparams.presets import model
        >>> m = model("gpt2")
        >>> m.train_step_flops(seq=1024, optimizer=False).total == 3 * m.forward_flops(seq=1024).total
        True
        """
        from symparams.costs.flops import train_step_flops

        bd = train_step_flops(self.architecture, convention, optimizer=optimizer)
        return self.evaluate(bd, batch, seq, **lengths)

    def flops_per_token(self, seq: int | None = None, *, convention=None, **lengths) -> int:
        """Forward + backward (+ recomputation) FLOPs per trained token (no optimizer)."""
        from symparams.costs.flops import flops_per_token

        return evaluate(flops_per_token(self.architecture, convention), self.workload(1, seq, **lengths))

    def activation_memory(self, batch: int = 1, seq: int | None = None, *, lengths=None, **options) -> Evaluation:
        """Activation bytes of a training forward pass (options of
        :func:`symparams.costs.activations.activation_memory`: dtype, dropout, recompute, attention, t,
        sequence_parallel); ``lengths`` are other lengths by name (``{"s_enc": 512}``)."""
        from symparams.costs.activations import activation_memory

        return self.evaluate(activation_memory(self.architecture, **options), batch, seq, **(lengths or {}))

    def activation_bytes(self, batch: int = 1, seq: int | None = None, dtype: str = "bf16", **options) -> int:
        """Total of :meth:`activation_memory`, in bytes."""
        return self.activation_memory(batch, seq, dtype=dtype, **options).total

    def training_memory(self, batch: int = 1, seq: int | None = None, *, lengths=None, **options) -> Evaluation:
        """Peak AdamW training bytes per device (options of
        :func:`symparams.costs.training.training_memory`: recipe, zero, n_dp, t, activations);
        ``lengths`` are other lengths by name."""
        from symparams.costs.training import training_memory

        return self.evaluate(training_memory(self.architecture, **options), batch, seq, **(lengths or {}))

    def _repr_markdown_(self) -> str:
        return self.params._repr_markdown_()
