"""``symparams devices``: the accelerators the serving and training estimates know, with sources."""

from __future__ import annotations

from symparams.cli._output import add_json, json_text

HELP = "accelerators: dense peak FLOP/s per dtype, memory bandwidth, memory, interconnect, source"


def add_parser(sub) -> None:
    d = sub.add_parser("devices", help=HELP)
    add_json(d, 'one JSON object on stdout: {"devices": {name: {...}}}')


def run(args) -> str:
    from symparams.devices import DEVICES

    rows = {name: {"title": d.title, "flops_per_second": dict(d.peak), "bytes_per_second": d.bandwidth,
                   "memory_bytes": d.memory_bytes, "interconnect_bytes_per_second": d.interconnect,
                   "source": d.source} for name, d in DEVICES.items()}
    if args.json:
        return json_text({"devices": rows})
    lines = [f"{'device':<10} {'bf16 TFLOP/s':>12} {'TB/s':>6} {'GB':>5} {'link GB/s':>9}  title"]
    for name, d in DEVICES.items():
        bf16 = d.peak.get("bf16")
        lines.append(f"{name:<10} {'' if bf16 is None else f'{bf16 / 10**12:g}':>12} {d.bandwidth / 10**12:>6g} "
                     f"{d.memory_bytes // 10**9:>5} {d.interconnect // 10**9:>9}  {d.title}")
    lines += ["", "dense peaks (no sparsity); GB = 10⁹ bytes; sources: symparams devices --json"]
    return "\n".join(lines)
