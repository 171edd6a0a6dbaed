"""Weight quantization, named: the bytes each format stores, module by module.

A :class:`Scheme` says how a weight matrix of ``d_out × d_in`` (``N × K``) is
stored; its bytes are those of the tensors the library keeps (state-dict
tensors; bitsandbytes' per-matrix JSON record ``quant_state.bitsandbytes__*``,
a serialisation of the shape and dtype, is not counted):

* ``int4`` / ``int8`` as GPTQ stores them (AutoGPTQ / GPTQModel ``QuantLinear``):
  ``qweight`` ``K·N·bits/8`` bytes (int32-packed), per group of ``g`` input rows a
  packed zero point (``⌈K/g⌉·N·bits/8``) and an fp16 scale (``2·⌈K/g⌉·N``), and the
  int32 ``g_idx`` (``4·K``); ``group_size=-1`` is one group (per output channel);
* ``int4`` with ``layout="awq"`` as AutoAWQ's ``WQLinear_GEMM``: the same without
  ``g_idx`` (``g`` must divide ``K``);
* ``int8`` with ``layout="bnb"`` as bitsandbytes' LLM.int8 (``Linear8bitLt``): int8
  weights, an fp32 scale per output row (``SCB``) and a one-byte ``weight_format``;
* ``fp8``: one byte per weight, a weight scale and a static input scale per tensor in the model
  dtype (compressed-tensors' ``FP8`` scheme, as llm-compressor writes it for vLLM);
* ``nf4`` as bitsandbytes' ``Linear4bit``: packed 4-bit codes (``⌈M/2⌉`` bytes for
  ``M`` elements), an absmax per block of 64 (fp32, or with double quantization
  uint8 plus an fp32 absmax per 256 blocks and the 256-entry fp32 nested code),
  and the 16-entry fp32 code.

What stays in the model dtype: lookup tables (no library above quantizes
``nn.Embedding``), norms and biases (vectors), and by default the output head
and a mixture's router (``keep``: the module names kept, Hugging Face names).
With bitsandbytes, transformers 5 converts ``nn.Linear`` modules only, so the
fused experts of a mixture stay in the model dtype too; the checkpoint formats
(GPTQ, AWQ, fp8) store each expert's matrices apart, each with its own scales. The KV cache dtype is
chosen apart (:mod:`symparams.studies.inference`).

>>> from symparams.presets import model
>>> m = model("tests/fixtures/hf_configs/llama-2-7b.json")
>>> m.value(weight_bytes(m.architecture, scheme("bf16")).total) == 2 * m.params.total
True
>>> m.value(weight_bytes(m.architecture, scheme("int4")).total)   # GPTQ g128; embeddings, head, norms bf16
3893862400
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sympy import Expr, Integer, ceiling

from symparams.breakdown import Breakdown
from symparams.costs.collect import collect
from symparams.errors import OptionError
from symparams.options import choose
from symparams.units import dtype_bytes

__all__ = ["Scheme", "SCHEMES", "LAYOUTS", "scheme", "weight_bytes", "quantized_modules", "DEFAULT_KEEP",
           "check_quantization"]

#: how each storage layout is named and where it comes from
LAYOUTS = {
    "dense": "one element per weight in the model dtype",
    "gptq": "GPTQ (AutoGPTQ/GPTQModel QuantLinear): int32-packed qweight, packed zeros and fp16 scales per group, "
            "int32 g_idx",
    "awq": "AWQ (AutoAWQ WQLinear_GEMM): int32-packed qweight, packed zeros and fp16 scales per group",
    "bnb": "bitsandbytes LLM.int8 (Linear8bitLt): int8 weight, fp32 scale per output row (SCB), weight_format byte",
    "fp8": "fp8 (e4m3) weights, a weight scale and a static input scale per tensor (compressed-tensors FP8)",
    "nf4": "bitsandbytes Linear4bit NF4: packed 4-bit codes, absmax per 64-element block, 16-entry fp32 code",
}

#: the weight formats by name: (bits, layouts it may take (first: default))
SCHEMES = {"bf16": (16, ("dense",)), "fp16": (16, ("dense",)), "fp32": (32, ("dense",)),
           "int8": (8, ("gptq", "bnb")), "int4": (4, ("gptq", "awq")), "fp8": (8, ("fp8",)), "nf4": (4, ("nf4",))}

#: modules kept in the model dtype unless ``keep`` says otherwise (the output head; a MoE's router)
DEFAULT_KEEP = ("lm_head", "gate", "router", "embed_out")
_NF4_BLOCK, _NESTED_BLOCK = 64, 256


@dataclass(frozen=True)
class Scheme:
    """A weight format: ``name`` (``int4``, ``nf4``, ...), its ``layout``, the ``group_size`` of
    the group layouts (``None``: one group per output channel) and ``double_quant`` for nf4."""

    name: str
    layout: str = "dense"
    group_size: int | None = None
    double_quant: bool = False

    @property
    def bits(self) -> int:
        return SCHEMES[self.name][0]

    @property
    def quantized(self) -> bool:
        return self.layout != "dense"

    def describe(self) -> str:
        """One line naming every choice."""
        if not self.quantized:
            return f"{self.name} weights ({dtype_bytes(self.name)} bytes each)"
        what = LAYOUTS[self.layout]
        if self.layout in ("gptq", "awq"):
            what += f"; {self.bits}-bit, " + (f"group size {self.group_size}" if self.group_size else "per channel")
        if self.layout == "nf4":
            what += ("; double quantization (uint8 absmax, fp32 absmax per 256 blocks, 256-entry fp32 code)"
                     if self.double_quant else "; fp32 absmax")
        return what

    def matrix_bytes(self, K, N, copies=Integer(1), dtype: str = "bf16") -> Expr:
        """Bytes this format stores for ``copies`` matrices of ``N × K`` (``K``: input features);
        ``dtype``: the model dtype (fp8's scales are stored in it)."""
        K, N, c = Integer(K) if isinstance(K, int) else K, N, copies
        b = self.bits
        if self.layout == "dense":
            return c * K * N * dtype_bytes(self.name)
        if self.layout in ("gptq", "awq"):
            groups = Integer(1) if self.group_size is None else ceiling(K / self.group_size)
            packed = K * N * b / 8 + groups * N * b / 8 + 2 * groups * N
            return c * (packed + 4 * K) if self.layout == "gptq" else c * packed
        if self.layout == "bnb":
            return c * (K * N + 4 * N + 1)
        if self.layout == "fp8":
            return c * (K * N + 2 * dtype_bytes(dtype))
        elements = c * K * N
        blocks = ceiling(elements / _NF4_BLOCK)
        stored = ceiling(elements / 2) + 16 * 4
        if not self.double_quant:
            return stored + 4 * blocks
        return stored + blocks + 4 * ceiling(blocks / _NESTED_BLOCK) + 4 * _NESTED_BLOCK


def scheme(name: str = "bf16", *, layout: str | None = None, group_size: int | None = 128,
           double_quant: bool = False) -> Scheme:
    """The :class:`Scheme` called ``name`` (``--weights``), in ``layout`` (default: the first the
    name takes), with ``group_size`` (the group layouts; ``-1`` or ``None``: per channel).

    >>> scheme("int4").describe()
    'GPTQ (AutoGPTQ/GPTQModel QuantLinear): int32-packed qweight, packed zeros and fp16 scales per group, int32 g_idx; 4-bit, group size 128'
    >>> scheme("int8", layout="awq")
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --weights int8 layout='awq' is not one of: gptq, bnb
    """
    bits, layouts = choose("--weights", name, SCHEMES)
    layout = layouts[0] if layout is None else choose(f"--weights {name} layout", layout, layouts)
    if double_quant and layout != "nf4":
        raise OptionError(f"--double-quant applies to nf4 (bitsandbytes), not to --weights {name}")
    if layout not in ("gptq", "awq"):
        return Scheme(name, layout, None, double_quant)
    if group_size in (None, -1):
        if layout == "awq":
            raise OptionError("--group-size -1 (per channel) is GPTQ's; AWQ takes a group size that divides the "
                              "input features (e.g. 128)")
        return Scheme(name, layout, None)
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size <= 0:
        raise OptionError(f"--group-size={group_size!r} must be a positive integer (or -1: per channel)")
    return Scheme(name, layout, group_size)


def _kept(m, keep) -> bool:  # convolutions and bare parameters are never converted either (below)
    return m.kind == "embedding" or m.tied or any(m.matches(k) for k in keep)


def quantized_modules(arch, sch: Scheme, keep=None) -> tuple:
    """The modules ``sch`` quantizes (``keep``: names kept in the model dtype, default
    :data:`DEFAULT_KEEP`), each checked against the format's shape rules."""
    from symparams.studies.modules import modules, select

    if not sch.quantized:
        return ()
    keep = DEFAULT_KEEP if keep is None else tuple(keep)
    if keep and keep != DEFAULT_KEEP:
        select(arch, keep, kinds=("linear", "parameter", "embedding", "router"), option="--keep-16bit")
    return tuple(m for m in modules(arch) if not _kept(m, keep) and m.kind not in ("conv", "tensor")
                 and not (m.kind in ("parameter", "router") and sch.layout in ("bnb", "nf4")))


def check_quantization(model, sch: Scheme, keep=None) -> None:
    """Refuse a model whose shapes the format cannot store: GPTQ and AWQ pack ``32/bits`` values per
    int32 along both axes, and AWQ's groups must divide the input features.

    >>> from symparams.presets import model
    >>> check_quantization(model("gpt2"), scheme("int4", layout="awq", group_size=96))
    >>> check_quantization(model("gpt2"), scheme("int4", layout="awq", group_size=512))
    Traceback (most recent call last):
    ...
    symparams.errors.OptionError: --group-size 512: AWQ needs it to divide c_attn's 768 input features
    """
    if sch.layout not in ("gptq", "awq"):
        return
    per_int = 32 // sch.bits
    for m in quantized_modules(model.architecture, sch, keep):
        d_in, d_out = model.value(m.d_in), model.value(m.d_out)
        for what, width in (("input", d_in), ("output", d_out)):
            if width % per_int:
                raise OptionError(f"--weights {sch.name}: {model.name}'s {m.name} has {width} {what} features, "
                                  f"not a multiple of {per_int} ({sch.bits}-bit values packed in int32)")
        if sch.layout == "awq" and d_in % sch.group_size:
            raise OptionError(f"--group-size {sch.group_size}: AWQ needs it to divide {m.name}'s {d_in} input "
                              "features")


@lru_cache(maxsize=512)
def weight_bytes(arch, sch: Scheme = Scheme("bf16"), *, dtype: str = "bf16", keep=None) -> Breakdown:
    """Bytes of the weights of ``arch`` stored in format ``sch``; what it does not quantize (lookup
    tables, norms, biases, the ``keep`` modules) in ``dtype``. One piece per module.

    >>> from symparams.families import architecture
    >>> weight_bytes(architecture("gpt-classic"), scheme("fp8")).block   # 6 matrices: 12h² bytes + 6 scales
    12*h**2 + 26*h + 24
    """
    from symparams.studies.modules import component_modules

    keep = None if keep is None else tuple(keep)
    if not sch.quantized and sch.name != dtype:
        dtype = sch.name
    chosen = set(quantized_modules(arch, sch, keep))
    size = dtype_bytes(dtype)

    def measure(c, st):
        rows = []
        mods = component_modules(arch, c, st.name)
        for m in mods:
            fmt = sch if m in chosen else Scheme(dtype)
            label = f"{m.name} ({sch.name})" if m in chosen else f"{m.name} ({dtype})"
            if m.numel != 0:
                parts = m.outs if m in chosen and m.kind == "parameter" else (m.d_out,)  # experts stored apart
                rows.append((f"{c.key}.{m.name}", label,
                             sum((fmt.matrix_bytes(m.d_in, out, m.copies, dtype) for out in parts), Integer(0))))
        matrices = {p for m in mods for p in m.parts}
        vectors = sum((t.numel for t in c.tensors() if t.trainable and t.name.rsplit(".", 1)[0] not in matrices
                       or t.trainable and t.name.endswith(".bias")), Integer(0))
        if vectors != 0:
            rows.append((f"{c.key}.vectors", f"{c.label}: norms and biases ({dtype})", size * vectors))
        return rows

    return collect(arch, measure, quantity="weights", unit="bytes", convention=f"{sch.describe()}; kept modules, "
                   f"lookup tables, norms and biases in {dtype}")
