"""Oracle: bytes autograd saves in the classic GPT equal symparams.costs.saved_tensors.

Measured with ``torch.autograd.graph.saved_tensors_hooks`` (deduplicated by
storage, weights excluded) on ``GPT2LMHeadModel`` in training mode, bf16 on
CPU, exact GELU, dropout 0.1 everywhere, eager attention. The per-layer
difference from Korthikanti et al.'s ``34bsh + 5bs²a`` is explained in
docs/activation_memory.md and checked term by term here.
"""

import pytest
from hypothesis import given, settings, strategies as st

from symparams.families import architecture
from symparams.costs.saved_tensors import saved_tensors
from symparams.testing import sizes

from _oracle import ORACLE_EXAMPLES, require_oracle

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


def _measure(sz, *, labels=False):
    from symparams.testing.activations_oracle import gpt2_training_config, saved_tensor_bytes

    cfg = gpt2_training_config(l=sz["l"], h=sz["h"], a=sz["a"], V=sz["V"], s_max=sz["s_max"])
    return saved_tensor_bytes(cfg, sz["b"], sz["s"], labels=labels)


def _drawn(**kw):
    return sizes("gpt2", max_layers=2, max_seq=12, max_vocab=32, **kw).map(
        lambda sz: {**sz, "s_max": max(sz["s_max"], sz["s"])})


@pytest.mark.parametrize("labels", [False, True], ids=["forward", "forward+loss"])
def test_whole_model_matches_exactly(labels):
    bd = saved_tensors(architecture("gpt2"), loss=labels)

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(_drawn())
    def check(sz):
        assert bd.at(sz).total == _measure(sz, labels=labels), sz

    check()


def test_per_layer_is_korthikanti_plus_explained_bytes():
    """One more layer costs 34bsh + 5bs²a (16-bit, 1-byte masks) plus, on CPU in bf16:
    the attention-dropout mask's second byte (bs²a), the two residual-dropout
    masks' second bytes (2bsh) and LayerNorm's mean and rstd (2 LNs × 2 × bs × 2 bytes)."""

    @settings(max_examples=ORACLE_EXAMPLES)
    @given(_drawn(), st.integers(1, 2))
    def check(sz, extra):
        b, s, h, a = sz["b"], sz["s"], sz["h"], sz["a"]
        deeper = {**sz, "l": sz["l"] + extra}
        per_layer = (_measure(deeper) - _measure(sz)) // extra
        korthikanti = 34 * b * s * h + 5 * b * s * s * a
        assert per_layer - korthikanti == b * s * s * a + 2 * b * s * h + 8 * b * s
        assert per_layer == saved_tensors(architecture("gpt-classic")).at(sz).block

    check()


def test_a_known_point():
    """b=2, s=8, h=32, a=4: 21,632 bytes per layer (= 19,968 Korthikanti + 1,664)."""
    sz = {"l": 1, "h": 32, "a": 4, "V": 64, "s_max": 8, "b": 2, "s": 8}
    one, two = _measure(sz), _measure({**sz, "l": 2})
    assert two - one == 21_632
    assert 34 * 2 * 8 * 32 + 5 * 2 * 8 * 8 * 4 == 19_968
    assert two - one - 19_968 == 512 + 1_024 + 128  # bs²a + 2bsh + 8bs
