"""``symparams list``: presets, architectures and the supported ``model_type`` values."""

from __future__ import annotations

HELP = "presets and architectures"


def add_parser(sub) -> None:
    sub.add_parser("list", help=HELP)


def run(args) -> str:
    from symparams.families import ARCHITECTURES, SUPPORTED_MODEL_TYPES
    from symparams.hf.presets import HF_PRESETS
    from symparams.presets import PRESETS

    lines = ["architectures: " + ", ".join(sorted(ARCHITECTURES)), "presets:"]
    lines += [f"  {name:<20} {p.architecture:<12} {p.source}" for name, p in sorted(PRESETS.items())]
    lines += ["Hugging Face configs (model_type: " + ", ".join(SUPPORTED_MODEL_TYPES) + "):"]
    lines += [f"  {name:<20} {p.path.name:<24} {p.source}" for name, p in sorted(HF_PRESETS.items())]
    return "\n".join(lines)
