"""Oracle: what ``symparams infer`` serves on encoders and encoder-decoders, against transformers 5.23.

An encoder's one forward is the base model's FlopCounterMode count; an encoder-decoder's prefill (the
encoder over the prompt and the decoder's first step, the LM head on that one token) is the head
model's forward with one decoder token (one query-key pair: the exact causal count is the dense one),
and its cache after the prefill and ``gen`` decode steps is the self- and cross-attention cache
transformers holds after encoding the prompt and decoding ``1 + gen`` tokens.
"""

import pytest

import symparams
from symparams.studies.serving import serve

from _oracle import fixture, require_oracle

pytestmark = pytest.mark.oracle

ENCODERS = ["bert-base-uncased", "roberta-base", "distilbert-base-uncased", "electra-small-discriminator",
            "modernbert-base"]
ENCODER_DECODERS = ["t5-small", "flan-t5-base", "bart-large"]


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


@pytest.mark.parametrize("name", ENCODERS)
def test_encoder_forward(name):
    from symparams.testing.oracle import hf_forward_flops

    from symparams.conventions import FLOP_COUNTER
    from symparams.studies.inference import Setup

    cfg = fixture(name)
    for b, s in ((1, 128), (2, 37)):  # FlopCounterMode's convention: ModernBERT's local layers run dense + mask
        r = serve(symparams.from_hf_config(cfg), "h100-sxm", batch=b, prompt=s, setup=Setup(convention=FLOP_COUNTER))
        assert r["forward"]["flops"] == hf_forward_flops(cfg, b, s), (b, s)


def test_vit_forward_over_its_image():
    from symparams.testing.oracle import hf_forward_flops

    cfg = fixture("vit-base-patch16-224")
    r = serve(symparams.from_hf_config(cfg), "h100-sxm", batch=2)
    assert r["forward"]["flops"] == hf_forward_flops(cfg, 2, 197)


@pytest.mark.parametrize("name", ENCODER_DECODERS)
def test_encoder_decoder_prefill_and_cache(name):
    from symparams.studies.inference import Setup
    from symparams.testing.oracle import hf_forward_flops, hf_kv_cache_split

    cfg = fixture(name)
    m = symparams.from_hf_config(cfg)
    for b, prompt, gen in ((1, 64, 7), (2, 19, 3)):
        r = serve(m, "h100-sxm", batch=b, prompt=prompt, gen=gen, setup=Setup(kv_dtype="fp32"))
        assert r["prefill"]["flops"] == hf_forward_flops(cfg, b, 1, head=True, s_enc=prompt), (b, prompt)
        cache = hf_kv_cache_split(cfg, b, 1 + gen, s_enc=prompt)  # elements; fp32: 4 bytes each
        assert r["memory"]["kv_cache"] == {"self_bytes": 4 * cache["self"], "cross_bytes": 4 * cache["cross"]}
