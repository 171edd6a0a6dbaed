"""Accelerators as data: dense peak FLOP/s per dtype, memory bandwidth, memory, interconnect.

Each :class:`Device` is one row with its datasheet source. Figures are exact
integers in base units (FLOP/s, bytes/s, bytes; GB = 10⁹ as datasheets use
them) and *dense* (no structured-sparsity doubling). ``interconnect`` is the
bandwidth one device has to its peers for collectives (NVLink, Infinity
Fabric, ICI; PCIe where there is nothing else), total over both directions as
the datasheets state it. Serving (:mod:`symparams.studies.inference`) and
training at scale (:mod:`symparams.studies.parallel`) read the same table.

>>> device("h100-sxm").flops("bf16")
989400000000000
>>> device("h100-sxm").memory_bytes // 10**9
80
>>> device("a100-80gb").ridge("bf16")
Fraction(312000, 2039)
>>> device("v100")
Traceback (most recent call last):
...
symparams.errors.OptionError: device='v100' is not one of: a100-40gb, a100-80gb, h100-sxm, h100-pcie, h200, b200, mi300x, l4, l40s, rtx-4090, tpu-v5e; or define one: --peak-tflops, --bandwidth, --memory (custom_device() in Python)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Mapping

from symparams.errors import OptionError
from symparams.options import choose

__all__ = ["Device", "DEVICES", "device", "custom_device", "TERA", "GB"]

TERA = 10**12
GB = 10**9


def _t(value: str) -> int:
    """TFLOP/s or TB/s written as on the datasheet (``"989.4"``) to an exact int of FLOP/s or bytes/s."""
    return int(Fraction(value) * TERA)


@dataclass(frozen=True)
class Device:
    """One accelerator: dense peak FLOP/s by dtype, memory bandwidth and size, interconnect, source."""

    name: str
    title: str
    peak: Mapping[str, int]
    bandwidth: int
    memory_bytes: int
    interconnect: int
    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "peak", MappingProxyType(dict(self.peak)))
        for what, value in (("bandwidth", self.bandwidth), ("memory_bytes", self.memory_bytes),
                            ("interconnect", self.interconnect), *self.peak.items()):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise OptionError(f"device {self.name}: {what}={value!r} must be a positive integer")

    def flops(self, dtype: str = "bf16") -> int:
        """Dense peak FLOP/s for ``dtype`` (``"bf16"``, ``"fp16"``, ``"fp8"``, ``"int8"``, ``"fp32"``, ...)."""
        return choose(f"{self.name} dtype", dtype, self.peak, hint=f"{self.name} datasheet lists these")

    def ridge(self, dtype: str = "bf16") -> Fraction:
        """FLOPs per byte at which compute time equals memory time (the roofline's ridge point)."""
        return Fraction(self.flops(dtype), self.bandwidth)

    def _repr_markdown_(self) -> str:
        from symparams.printing.reprs import device_markdown

        return device_markdown(self)


def custom_device(name: str = "custom", *, peak_tflops, bandwidth_tbs, memory_gb, interconnect_gbs=None,
                  dtype: str = "bf16") -> Device:
    """A device defined by hand: peak TFLOP/s (for ``dtype``), bandwidth in TB/s, memory in GB
    (10⁹ bytes), interconnect in GB/s (default: none given, the memory bandwidth is not used for it).
    Numbers may be ints, Fractions or decimal strings (``"989.4"``); floats are refused.

    >>> custom_device(peak_tflops=100, bandwidth_tbs="1.5", memory_gb=24).ridge()
    Fraction(200, 3)
    """
    def exact(value, what):
        if isinstance(value, float) or isinstance(value, bool):
            raise OptionError(f"{what}={value!r}: pass an int, a Fraction or a decimal string, not a float")
        try:
            number = Fraction(value)
        except (TypeError, ValueError):
            raise OptionError(f"{what}={value!r} is not a number") from None
        if number <= 0:
            raise OptionError(f"{what}={value} must be positive")
        return number

    peak = int(exact(peak_tflops, "peak_tflops") * TERA)
    bandwidth = int(exact(bandwidth_tbs, "bandwidth_tbs") * TERA)
    memory = int(exact(memory_gb, "memory_gb") * GB)
    link = int(exact(interconnect_gbs, "interconnect_gbs") * GB) if interconnect_gbs is not None else 1
    return Device(name, f"custom device ({name})", {dtype: peak}, bandwidth, memory, link,
                  "given on the command line" if name == "custom" else "given by hand")


_NVIDIA_A100 = "NVIDIA A100 Tensor Core GPU datasheet (2021), table 'A100 80GB PCIe / SXM'; dense figures"
_NVIDIA_H100 = ("NVIDIA H100 Tensor Core GPU Architecture whitepaper (2022), table 'NVIDIA H100 SXM5 / H100 PCIe': "
                "dense peaks at the boost clock (the datasheet's sparse figures are twice these)")
_NVIDIA_H200 = ("NVIDIA H200 Tensor Core GPU datasheet (2024), H200 SXM column: BF16/FP16 1,979, FP8/INT8 3,958, "
                "TF32 989 TFLOPS with sparsity, so dense = half; FP32 67 TFLOPS")
_NVIDIA_B200 = ("NVIDIA HGX B200 datasheet (2024), per GPU at 1,000 W (DGX B200: 1,440 GB over 8 GPUs); "
                "dense = half the sparse figure")
_AMD_MI300X = "AMD Instinct MI300X accelerator data sheet (2023): peak dense matrix throughput"
_NVIDIA_L4 = "NVIDIA L4 Tensor Core GPU datasheet (2023); dense = half the sparse figure"
_NVIDIA_L40S = "NVIDIA L40S GPU datasheet (2023); dense = half the sparse figure"
_NVIDIA_4090 = "NVIDIA Ada Lovelace GPU architecture whitepaper v2.01, appendix table (GeForce RTX 4090); tensor FP16/BF16 with FP32 accumulate, dense"
_GOOGLE_V5E = ("Google Cloud TPU v5e documentation, 'System architecture' (per chip): 197 TFLOPS bf16, 393 TOPS int8, "
               "16 GB HBM2 at 819 GB/s, bidirectional ICI 400 GB/s")

DEVICES: Mapping[str, Device] = MappingProxyType({d.name: d for d in (
    Device("a100-40gb", "NVIDIA A100 SXM4 40 GB",
           {"bf16": _t("312"), "fp16": _t("312"), "tf32": _t("156"), "fp32": _t("19.5"), "int8": _t("624")},
           _t("1.555"), 40 * GB, 600 * GB, _NVIDIA_A100 + "; HBM2 1,555 GB/s; NVLink 600 GB/s"),
    Device("a100-80gb", "NVIDIA A100 SXM4 80 GB",
           {"bf16": _t("312"), "fp16": _t("312"), "tf32": _t("156"), "fp32": _t("19.5"), "int8": _t("624")},
           _t("2.039"), 80 * GB, 600 * GB, _NVIDIA_A100 + "; HBM2e 2,039 GB/s; NVLink 600 GB/s"),
    Device("h100-sxm", "NVIDIA H100 SXM5 80 GB",
           {"bf16": _t("989.4"), "fp16": _t("989.4"), "fp8": _t("1978.9"), "int8": _t("1978.9"), "tf32": _t("494.7"),
            "fp32": _t("66.9")},
           _t("3.35"), 80 * GB, 900 * GB, _NVIDIA_H100 + "; HBM3 3.35 TB/s; NVLink 900 GB/s"),
    Device("h100-pcie", "NVIDIA H100 PCIe 80 GB",
           {"bf16": _t("756.5"), "fp16": _t("756.5"), "fp8": _t("1513"), "int8": _t("1513"), "tf32": _t("378"),
            "fp32": _t("51.2")},
           _t("2.0"), 80 * GB, 128 * GB, _NVIDIA_H100 + " (PCIe); HBM2e 2 TB/s; PCIe Gen5 128 GB/s"),
    Device("h200", "NVIDIA H200 SXM 141 GB",
           {"bf16": _t("989.5"), "fp16": _t("989.5"), "fp8": _t("1979"), "int8": _t("1979"), "tf32": _t("494.5"),
            "fp32": _t("67")},
           _t("4.8"), 141 * GB, 900 * GB, _NVIDIA_H200 + "; HBM3e 4.8 TB/s; NVLink 900 GB/s"),
    Device("b200", "NVIDIA B200 180 GB",
           {"bf16": _t("2250"), "fp16": _t("2250"), "fp8": _t("4500"), "int8": _t("4500"), "fp4": _t("9000"),
            "tf32": _t("1100"), "fp32": _t("80")},
           _t("8"), 180 * GB, 1800 * GB, _NVIDIA_B200 + "; HBM3e 8 TB/s; NVLink 5 1.8 TB/s"),
    Device("mi300x", "AMD Instinct MI300X 192 GB",
           {"bf16": _t("1307.4"), "fp16": _t("1307.4"), "fp8": _t("2614.9"), "int8": _t("2614.9"), "tf32": _t("653.7"),
            "fp32": _t("163.4")},
           _t("5.3"), 192 * GB, 896 * GB, _AMD_MI300X + "; HBM3 5.3 TB/s; Infinity Fabric 896 GB/s"),
    Device("l4", "NVIDIA L4 24 GB",
           {"bf16": _t("121"), "fp16": _t("121"), "fp8": _t("242.5"), "int8": _t("242.5"), "tf32": _t("60"),
            "fp32": _t("30.3")},
           _t("0.3"), 24 * GB, 64 * GB, _NVIDIA_L4 + "; GDDR6 300 GB/s; PCIe Gen4 x16 64 GB/s"),
    Device("l40s", "NVIDIA L40S 48 GB",
           {"bf16": _t("362.05"), "fp16": _t("362.05"), "fp8": _t("733"), "int8": _t("733"), "tf32": _t("183"),
            "fp32": _t("91.6")},
           _t("0.864"), 48 * GB, 64 * GB, _NVIDIA_L40S + "; GDDR6 864 GB/s; PCIe Gen4 x16 64 GB/s"),
    Device("rtx-4090", "NVIDIA GeForce RTX 4090 24 GB",
           {"bf16": _t("165.2"), "fp16": _t("165.2"), "fp8": _t("330.3"), "int8": _t("660.6"), "tf32": _t("82.6"),
            "fp32": _t("82.6")},
           _t("1.008"), 24 * GB, 64 * GB, _NVIDIA_4090 + "; GDDR6X 1,008 GB/s; PCIe Gen4 x16 64 GB/s (no NVLink)"),
    Device("tpu-v5e", "Google Cloud TPU v5e",
           {"bf16": _t("197"), "int8": _t("393")},
           _t("0.819"), 16 * GB, 400 * GB, _GOOGLE_V5E),
)})


def device(name) -> Device:
    """The device called ``name`` (a lower-case id such as ``"h100-sxm"``), or ``name`` itself if it
    is a :class:`Device`."""
    if isinstance(name, Device):
        return name
    return choose("device", name, DEVICES,
                  hint="or define one: --peak-tflops, --bandwidth, --memory (custom_device() in Python)")
