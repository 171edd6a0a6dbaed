"""``symparams list``: presets, architectures and the supported ``model_type`` values."""

from __future__ import annotations

from symparams.cli._output import add_json, json_text

HELP = "presets and architectures"


def add_parser(sub) -> None:
    p = sub.add_parser("list", help=HELP)
    add_json(p)


def run(args) -> str:
    from symparams.families import ARCHITECTURES, SUPPORTED_MODEL_TYPES
    from symparams.hf.presets import HF_PRESETS
    from symparams.presets import PRESETS

    if args.json:
        return json_text({
            "architectures": sorted(ARCHITECTURES),
            "presets": {name: {"architecture": p.architecture, "source": p.source} for name, p in sorted(PRESETS.items())},
            "hf_presets": {name: {"file": p.path.name, "source": p.source} for name, p in sorted(HF_PRESETS.items())},
            "model_types": list(SUPPORTED_MODEL_TYPES),
        })
    lines = ["architectures: " + ", ".join(sorted(ARCHITECTURES)), "presets:"]
    lines += [f"  {name:<20} {p.architecture:<12} {p.source}" for name, p in sorted(PRESETS.items())]
    lines += ["Hugging Face configs (model_type: " + ", ".join(SUPPORTED_MODEL_TYPES) + "):"]
    lines += [f"  {name:<20} {p.path.name:<24} {p.source}" for name, p in sorted(HF_PRESETS.items())]
    lines += ["", "also: any config.json path, or a Hugging Face model id (org/name) from the local Hub cache"]
    return "\n".join(lines)
