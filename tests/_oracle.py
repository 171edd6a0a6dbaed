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


def bert_config(*, l, h, a, V, d_ff, s_max, n_type, **_):
    """The built-in ``bert`` is BertModel (and BertForPreTraining) at these sizes."""
    return {"model_type": "bert", "num_hidden_layers": l, "hidden_size": h, "num_attention_heads": a,
            "vocab_size": V, "intermediate_size": d_ff, "max_position_embeddings": s_max, "type_vocab_size": n_type,
            "pad_token_id": 0}


def t5_config(*, l, l_dec, h, a, V, d_ff, n_rb, **_):
    """The built-in ``t5`` is T5 v1.0 (ReLU, tied head, heads of h/a) at these sizes."""
    return {"model_type": "t5", "num_layers": l, "num_decoder_layers": l_dec, "d_model": h, "num_heads": a,
            "d_kv": h // a, "vocab_size": V, "d_ff": d_ff, "relative_attention_num_buckets": n_rb,
            "feed_forward_proj": "relu", "pad_token_id": 0, "eos_token_id": 0, "decoder_start_token_id": 0}


#: built-in architecture -> the transformers config that builds the same model
BUILTIN_AS_HF = {"gpt2": gpt2_config, "cs336": cs336_as_llama, "bert": bert_config, "t5": t5_config}


def flops_mode(cfg):
    # MoE: aten._grouped_mm's fake kernel needs 16-byte strides; small configs run for real
    from symparams.families import FAMILIES

    return "real" if FAMILIES[cfg["model_type"]].moe else "fake"


def workload(cfg, seq):
    """``(s, lengths)`` for a forward over ``seq`` tokens, the same for symparams and the oracle: an
    encoder-decoder's ``seq`` is its decoder's, and its encoder reads ``s_enc = seq + 3`` (a length of
    its own, so that the two cannot be mistaken for each other); an image model needs at least one
    patch besides its [CLS] token (``s ≥ 2``). Every other model: ``(seq, {})``."""
    import symparams

    arch = symparams.from_hf_config(cfg).architecture
    if arch.is_encoder_decoder:
        return seq, {"s_enc": seq + 3}
    if arch.components("patch_embedding"):
        return max(seq, 2), {}
    return seq, {}


def symparams_figures(cfg, batch, seq):
    """``(params, buffers, forward FLOPs, KV-cache elements)`` symparams gives for a forward of ``batch`` ×
    ``seq`` tokens (lengths as :func:`workload` sets them), or the ``SymparamsError`` it raises: what the
    mutation suite compares with transformers and its record replays."""
    import copy

    import symparams
    from symparams.errors import SymparamsError

    try:
        m = symparams.from_hf_config(copy.deepcopy(cfg))
        seq, lengths = workload(cfg, seq)
        return (m.params.total, m.buffers.total, m.forward_flops(batch=batch, seq=seq, **lengths).total,
                m.kv_cache_elements(batch=batch, tokens=seq, **lengths))
    except SymparamsError as exc:
        return exc
