"""Shared pieces of the oracle tests (torch/transformers, extra ``oracle``)."""

import json
import logging
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "hf_configs"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))
ORACLE_EXAMPLES = {"dev": 3, "ci": 10}.get(os.environ.get("HYPOTHESIS_PROFILE", "dev"), 3)


def published_params() -> dict[str, int]:
    """Parameter counts transformers 5.23 builds for each fixture (meta device, tied weights once),
    measured once and kept in ``fixtures/transformers_params.json``: an independent
    source, not symparams' output (the oracle tests re-measure it live)."""
    return json.loads((FIXTURES.parent / "transformers_params.json").read_text())


def require_oracle():
    """Skip unless torch and transformers are installed (the ``oracle`` extra)."""
    pytest.importorskip("torch", reason="oracle tests need torch: pip install 'symparams[oracle]' (CPU wheel)")
    pytest.importorskip("transformers", reason="oracle tests need transformers: pip install 'symparams[oracle]'")
    logging.getLogger("transformers").setLevel(logging.ERROR)


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def gpt2_config(*, l, h, a, V, s_max, **_):
    return {"model_type": "gpt2", "n_layer": l, "n_embd": h, "n_head": a, "vocab_size": V,
            "n_positions": s_max, "bos_token_id": 0, "eos_token_id": 0}


def cs336_as_llama(*, l, h, a, V, d_ff, s_max, **_):
    """CS336's decoder is exactly a Llama with MHA, no biases, untied head."""
    return {"model_type": "llama", "num_hidden_layers": l, "hidden_size": h, "num_attention_heads": a,
            "num_key_value_heads": a, "intermediate_size": d_ff, "vocab_size": V,
            "max_position_embeddings": s_max, "tie_word_embeddings": False,
            "bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0}


def flops_mode(cfg):
    # MoE: aten._grouped_mm's fake kernel needs 16-byte strides; small configs run for real
    from symparams.families import FAMILIES

    return "real" if FAMILIES[cfg["model_type"]].moe else "fake"
