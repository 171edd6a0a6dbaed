"""Devices as data: every figure against its datasheet as published (dense = half the sparse figure
where a datasheet lists sparse ones), the roofline's ridge, devices defined by hand."""

from fractions import Fraction

import pytest

from symparams.devices import DEVICES, custom_device, device
from symparams.errors import OptionError

T = 10**12
# device: (bf16 dense TFLOP/s, memory bandwidth TB/s, memory GB, interconnect GB/s), as the sources print them
DATASHEETS = {
    "a100-40gb": ("312", "1.555", 40, 600),        # A100 datasheet: BF16 312/624*, HBM2 1,555 GB/s, NVLink 600
    "a100-80gb": ("312", "2.039", 80, 600),        # HBM2e 2,039 GB/s
    "h100-sxm": ("989.4", "3.35", 80, 900),        # H100 whitepaper: 989.4/1978.9*; datasheet 3.35 TB/s
    "h100-pcie": ("756.5", "2", 80, 128),          # whitepaper 756.5/1513*; 2 TB/s; PCIe Gen5 128 GB/s
    "h200": (Fraction(1979, 2), "4.8", 141, 900),  # H200 datasheet: BF16 1,979* (sparse); 4.8 TB/s; 141 GB
    "b200": (Fraction(4500, 2), "8", 180, 1800),   # HGX B200: 4.5 PF* per GPU; 8 TB/s; NVLink 5 1.8 TB/s
    "mi300x": ("1307.4", "5.3", 192, 896),         # MI300X data sheet: 1307.4 dense; 5.3 TB/s; 7 × 128 GB/s
    "l4": (Fraction(242, 2), "0.3", 24, 64),       # L4 datasheet: BF16 242*; 300 GB/s; PCIe Gen4 x16
    "l40s": ("362.05", "0.864", 48, 64),           # L40S datasheet: 362.05 | 733*; 864 GB/s
    "rtx-4090": ("165.2", "1.008", 24, 64),        # Ada whitepaper: 165.2/330.4* (FP32 accumulate); 1,008 GB/s
    "tpu-v5e": ("197", "0.819", 16, 400),          # Cloud TPU v5e: 197 TFLOPS bf16; 819 GB/s; ICI 400 GB/s
}


def test_every_device_has_its_datasheet_row():
    assert set(DEVICES) == set(DATASHEETS)


@pytest.mark.parametrize("name", sorted(DATASHEETS))
def test_figures_are_the_datasheets(name):
    bf16, tbs, gb, link = DATASHEETS[name]
    d = device(name)
    assert d.flops("bf16") == Fraction(bf16) * T
    assert d.bandwidth == Fraction(tbs) * T
    assert d.memory_bytes == gb * 10**9
    assert d.interconnect == link * 10**9
    assert d.source and d.ridge("bf16") == Fraction(d.flops("bf16"), d.bandwidth)
    assert d.flops("fp8") == Fraction(FP8[name]) * T if name in FP8 else "fp8" not in d.peak


# dense fp8 TFLOP/s as printed (sparse / 2 where only the sparse figure is): the devices with fp8 units
FP8 = {"h100-sxm": "1978.9", "h100-pcie": "1513", "h200": Fraction(3958, 2), "b200": Fraction(9000, 2),
       "mi300x": "2614.9", "l4": Fraction(485, 2), "l40s": "733", "rtx-4090": "330.3"}


def test_custom_device_is_exact_and_refuses_floats():
    d = custom_device(peak_tflops="100.5", bandwidth_tbs=2, memory_gb="24", interconnect_gbs=64)
    assert (d.flops(), d.bandwidth, d.memory_bytes, d.interconnect) == (100_500 * 10**9, 2 * T, 24 * 10**9, 64 * 10**9)
    with pytest.raises(OptionError, match="not a float"):
        custom_device(peak_tflops=100.5, bandwidth_tbs=2, memory_gb=24)
    with pytest.raises(OptionError, match="a100-80gb dtype='fp8' is not one of"):
        device("a100-80gb").flops("fp8")
