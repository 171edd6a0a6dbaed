"""A model: an architecture bound to concrete sizes, with exact costs.

>>> m = model("gpt2-xl")
>>> m
<Model gpt2-xl: gpt2, V=50257, a=25, h=1600, l=48, s_max=1024>
>>> m.params.total
1557611200
>>> m.forward_flops(batch=1, seq=1024).total
3506703564800
>>> model("gpt2-tiny")
Traceback (most recent call last):
...
symparams.errors.UnknownModelError: unknown model 'gpt2-tiny'; presets: bloom-560m, cs336-gpt2-large, ..., gpt2-xl, ... (or a path to a config.json)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Mapping

from sympy import Symbol

from symparams.architecture import Architecture
from symparams.breakdown import Evaluation
from symparams.conventions import FLOP_COUNTER, FlopConvention
from symparams.errors import ConfigError, UnknownModelError
from symparams.symbols import b as _b, s as _s, s_max as _s_max
from symparams.units import dtype_bytes
from symparams.values import evaluate, normalize_values

__all__ = ["Model", "model", "from_preset"]


@dataclass(frozen=True, eq=False)
class Model:
    """An :class:`~symparams.architecture.Architecture` at concrete sizes."""

    name: str
    architecture: Architecture
    values: Mapping[Symbol, int]
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", normalize_values(self.values, source=self.name))

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
    def buffers(self) -> Evaluation:
        """Non-trainable buffer elements (e.g. the RoPE table)."""
        return self.architecture.buffers().at(self.values, name=self.name)

    @property
    def embedding_params(self) -> int:
        from symparams.costs.params import embedding_params

        return self.value(embedding_params(self.architecture))

    @property
    def non_embedding_params(self) -> int:
        return self.params.total - self.embedding_params

    @property
    def active_params(self) -> int:
        """Parameters one token goes through: the total, except that a mixture
        of experts counts its router and ``k`` of its ``E`` experts."""
        arch = self.architecture
        return self.value(sum(c.active_params() * (arch.layers if in_block else 1) for c, in_block in arch.parts()))

    def default_seq(self) -> int:
        """The context length (``s_max``), the default sequence length."""
        if _s_max not in self.values:
            raise ConfigError(f"{self.name}: no context length (s_max) to default to; "
                              "give a sequence length (seq= in Python, --seq on the command line)")
        return self.values[_s_max]

    def workload(self, batch: int = 1, seq: int | None = None) -> dict[Symbol, int]:
        """Sizes plus ``b`` and ``s`` (``s`` defaults to the context length)."""
        seq = self.default_seq() if seq is None else seq
        return {**self.values, **normalize_values({_b: batch, _s: seq}, source="workload")}

    def forward_flops(self, batch: int = 1, seq: int | None = None,
                      convention: FlopConvention = FLOP_COUNTER) -> Evaluation:
        """Forward FLOPs for ``batch`` sequences of ``seq`` tokens."""
        return self.architecture.forward_flops(convention).at(self.workload(batch, seq), name=self.name)

    def kv_cache_elements(self, batch: int = 1, tokens: int | None = None) -> int:
        """K and V values cached for ``batch`` sequences of ``tokens`` tokens (after a prefill)."""
        from symparams.costs.kv_cache import kv_cache_elements

        return evaluate(kv_cache_elements(self.architecture, tokens=_s).total, self.workload(batch, tokens))

    def kv_cache_bytes(self, batch: int = 1, tokens: int | None = None, dtype: str = "bf16") -> int:
        """Bytes of K and V cached for ``batch`` sequences of ``tokens`` tokens."""
        cache = self.architecture.kv_cache(dtype=dtype, tokens=_s)
        return evaluate(cache.total, self.workload(batch, tokens))

    def weights_bytes(self, dtype: str = "fp32") -> int:
        """Bytes to hold the trainable parameters in ``dtype``."""
        return evaluate(self.params.total * dtype_bytes(dtype), {})

    # ---- training costs (symparams.costs.flops / activations / training) ----
    def backward_flops(self, batch: int = 1, seq: int | None = None,
                       convention: FlopConvention = FLOP_COUNTER) -> Evaluation:
        """Backward FLOPs: two gradient matmuls per forward matmul (= 2 × forward)."""
        from symparams.costs.flops import backward_flops

        return backward_flops(self.architecture, convention).at(self.workload(batch, seq), name=self.name)

    def train_step_flops(self, batch: int = 1, seq: int | None = None, *, recompute: str = "none",
                         optimizer: bool = True, convention: FlopConvention = FLOP_COUNTER) -> Evaluation:
        """Forward + backward (+ recomputation) (+ AdamW update) FLOPs of one step.

        >>> m = model("gpt2")
        >>> m.train_step_flops(seq=1024, optimizer=False).total == 3 * m.forward_flops(seq=1024).total
        True
        """
        from symparams.costs.flops import train_step_flops

        bd = train_step_flops(self.architecture, convention, recompute=recompute, optimizer=optimizer)
        return bd.at(self.workload(batch, seq), name=self.name)

    def flops_per_token(self, seq: int | None = None, *, recompute: str = "none") -> int:
        """Forward + backward FLOPs per trained token (no optimizer), FlopCounterMode."""
        from symparams.costs.flops import flops_per_token

        return evaluate(flops_per_token(self.architecture, recompute=recompute), self.workload(1, seq))

    def activation_memory(self, batch: int = 1, seq: int | None = None, **options) -> Evaluation:
        """Activation bytes of a training forward pass (options of
        :func:`symparams.costs.activations.activation_memory`: dtype, dropout, recompute, attention, t,
        sequence_parallel)."""
        from symparams.costs.activations import activation_memory

        return activation_memory(self.architecture, **options).at(self.workload(batch, seq), name=self.name)

    def activation_bytes(self, batch: int = 1, seq: int | None = None, dtype: str = "bf16", **options) -> int:
        """Total of :meth:`activation_memory`, in bytes."""
        return self.activation_memory(batch, seq, dtype=dtype, **options).total

    def training_memory(self, batch: int = 1, seq: int | None = None, **options) -> Evaluation:
        """Peak AdamW training bytes per device (options of
        :func:`symparams.costs.training.training_memory`: recipe, zero, n_dp, t, activations)."""
        from symparams.costs.training import training_memory

        return training_memory(self.architecture, **options).at(self.workload(batch, seq), name=self.name)

    def _repr_markdown_(self) -> str:
        return self.params._repr_markdown_()


def from_preset(name: str) -> Model:
    """The core preset model called ``name`` (see :data:`symparams.presets.PRESETS`).

    >>> from_preset("gpt2").params.total   # 124M: 12·12·768² + 13·12·768 + 50257·768 + 1024·768 + 2·768
    124439808
    """
    from symparams.architectures import architecture
    from symparams.presets import PRESETS

    if name not in PRESETS:
        raise UnknownModelError(f"unknown preset {name!r}; core presets: {', '.join(sorted(PRESETS))} "
                                "(model() also reads Hugging Face presets and config.json paths)")
    preset = PRESETS[name]
    return Model(preset.name, architecture(preset.architecture), preset.values, preset.source)


def model(name: str | Path) -> Model:
    """A preset by name, or a Hugging Face ``config.json`` (file or folder) by path."""
    from symparams.presets import PRESETS

    if isinstance(name, str) and name in PRESETS:
        return from_preset(name)  # core presets need no config reader (keeps the CLI light)
    from symparams.hf.presets import HF_PRESETS, hf_preset_model

    if isinstance(name, str) and name in HF_PRESETS:
        return hf_preset_model(name)
    path = Path(name)
    if path.suffix == ".json" or path.is_dir() or path.exists():
        from symparams.hf import from_hf_config

        return from_hf_config(path)
    names = sorted([*PRESETS, *HF_PRESETS])
    raise UnknownModelError(
        f"unknown model {str(name)!r}; presets: {', '.join(names)} (or a path to a config.json)"
    )
