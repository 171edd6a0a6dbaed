"""LoRA adapters: trainable parameters and FLOPs, on the modules PEFT's ``target_modules`` names.

A LoRA adapter of rank ``r`` on a module of ``d_in → d_out`` adds ``A`` (``r × d_in``) and ``B``
(``d_out × r``): ``r·(d_in + d_out)`` trainable parameters (an ``nn.Embedding`` of ``V × h``
likewise ``r·(V + h)``: PEFT's ``lora_embedding_A``/``_B``). Targets are the model's own module
names (:mod:`symparams.studies.modules`): a name matches a module whose name is it or ends in
``"." + it``, as PEFT matches; ``"all-linear"`` is PEFT's every linear map but the output head.
The default targets are the modules that hold the attention's query and value projections
(``q_proj, v_proj``; GPT-2's fused ``c_attn``; NeoX's ``query_key_value``; BERT's ``query, value``;
T5's ``q, v``; DeepSeek's MLA ``q_b_proj, kv_b_proj``) — PEFT's defaults where PEFT has one.

>>> from symparams.presets import model
>>> m = model("tests/fixtures/hf_configs/llama-2-7b.json")
>>> m.value(adapter_params(m.architecture, 16, ("q_proj", "v_proj")).total)   # 32 · 2 · 16 · (4096 + 4096)
8388608
>>> default_targets(model("gpt2").architecture)
('c_attn',)
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, Integer

from symparams.breakdown import Breakdown
from symparams.costs.collect import collect
from symparams.errors import OptionError
from symparams.studies.modules import component_modules, modules, select
from symparams.symbols import b as _b

__all__ = ["targets_of", "default_targets", "adapter_params", "adapter_flops", "adapted", "ALL_LINEAR"]

#: PEFT's shorthand for every linear module except the output head
ALL_LINEAR = "all-linear"


#: the tensors that make an attention's queries and values: ``q_proj``/``v_proj``; with MLA the
#: up-projections ``q_b_proj`` (or ``q_proj`` when queries are not low-rank) and ``kv_b_proj``
_QUERY_VALUE = {"attention": {"q_proj", "v_proj"}, "mla": {"q_proj", "q_b_proj", "kv_b_proj"}}


def default_targets(arch) -> tuple[str, ...]:
    """The modules holding the attention's query and value projections (derived from the components).

    >>> from symparams.presets import model
    >>> default_targets(model("tests/fixtures/hf_configs/deepseek-v3.json").architecture)
    ('q_b_proj', 'kv_b_proj')
    """
    names = [m.name for m in modules(arch) if _QUERY_VALUE.get(m.component, set()) & set(m.parts)]
    if not names:
        raise OptionError(f"{arch.name} has no attention query/value projection to adapt by default; "
                          "give --lora-targets")
    return tuple(dict.fromkeys(names))


def targets_of(arch, targets=None) -> tuple[str, ...]:
    """The target names: ``None`` → :func:`default_targets`; ``"all-linear"`` → every linear module
    but the output head; else the names given (checked against the model's modules)."""
    if targets is None:
        return default_targets(arch)
    if isinstance(targets, str):
        targets = tuple(t.strip() for t in targets.split(",") if t.strip())
    targets = tuple(targets)
    if targets == (ALL_LINEAR,):
        if any(m.kind == "parameter" for m in modules(arch)):
            raise OptionError(f"--lora-targets all-linear: on {arch.name}, PEFT then also adapts the experts' 3-D "
                              "parameters (target_parameters), which are not counted here; name the modules")
        return tuple(dict.fromkeys(m.name for m in modules(arch) if m.kind == "linear" and m.name != "lm_head"
                                   and m.component != "output_head"))
    select(arch, targets)
    return targets


@lru_cache(maxsize=256)
def _adapted(arch, targets: tuple) -> frozenset:
    return frozenset(select(arch, targets))


def adapted(arch, targets=None) -> tuple:
    """The modules the targets adapt (every block's, once per block)."""
    return tuple(m for m in modules(arch) if m in _adapted(arch, targets_of(arch, targets)))


def _check_rank(rank) -> int:
    if isinstance(rank, bool) or not isinstance(rank, int) or rank <= 0:
        raise OptionError(f"--lora-rank={rank!r} must be a positive integer (e.g. 8, 16, 64)")
    return rank


def adapter_params(arch, rank: int, targets=None) -> Breakdown:
    """Trainable LoRA parameters of rank ``rank`` on ``targets``, one piece per adapted module."""
    r = _check_rank(rank)
    chosen = _adapted(arch, targets_of(arch, targets))

    def measure(c, st):
        return [(f"lora.{m.name}", f"LoRA on {m.name} (r = {r})", r * (m.d_in + m.d_out))
                for m in component_modules(arch, c, st.name) if m in chosen]

    return collect(arch, measure, quantity="LoRA parameters", unit="parameters",
                   convention=f"rank {r}: A (r × d_in) and B (d_out × r) per adapted module, as PEFT")


def adapter_flops(arch, rank: int, targets=None, *, b=_b) -> Breakdown:
    """Forward FLOPs of the adapters over ``b`` sequences: ``2·r·(d_in + d_out)`` per token and module
    (``x·Aᵀ`` then ``·Bᵀ``; 2 FLOPs per multiply-accumulate); an embedding adapter is a lookup in ``A``
    and a ``r → h`` product (``2·r·h``)."""
    r = _check_rank(rank)
    chosen = _adapted(arch, targets_of(arch, targets))

    def measure(c, st):
        rows = []
        for m in component_modules(arch, c, st.name):
            if m in chosen:
                per_token = 2 * r * m.d_in if m.kind == "embedding" else 2 * r * (m.d_in + m.d_out)
                rows.append((f"lora.{m.name}", f"LoRA on {m.name}", b * st.seq * per_token))
        return rows

    return collect(arch, measure, quantity="LoRA forward FLOPs", unit="FLOPs",
                   convention=f"rank {r}: 2 FLOPs per multiply-accumulate of x·Aᵀ·Bᵀ per token")


def adapter_activations(arch, rank: int, targets=None, *, b=_b) -> Expr:
    """Elements the adapters keep for backward: each adapter's ``r``-wide intermediate per token
    (``x·Aᵀ``, for the gradient of ``B``; its input ``x`` is the frozen layer's, counted there)."""
    r = _check_rank(rank)
    chosen = _adapted(arch, targets_of(arch, targets))
    return collect(arch, lambda c, st: sum((b * st.seq * r for m in component_modules(arch, c, st.name)
                                            if m in chosen), Integer(0)),
                   quantity="LoRA activations", unit="elements").total
