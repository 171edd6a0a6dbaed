"""Oracle: the pairs each mask keeps equal what transformers' own mask functions allow.

``transformers.masking_utils`` defines the masks its models build (causal, sliding window,
chunked, bidirectional and bidirectional sliding window); counting the pairs each function
allows, over every (query, key), must give :meth:`Mask.pairs`.
"""

import pytest

from symparams.components.mask import Mask

from _oracle import require_oracle

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()


def _count(fn, queries, keys):
    import torch

    t = torch.tensor
    return sum(bool(fn(t(0), t(0), t(i), t(j))) for i in range(queries) for j in range(keys))


@pytest.mark.parametrize("seq", [1, 2, 5, 13])
@pytest.mark.parametrize("size", [1, 2, 4, 7])
def test_masks_match_transformers(seq, size):
    import torch
    from transformers import masking_utils as mu

    no_padding = torch.zeros(1, dtype=torch.long)
    cases = {
        Mask("causal"): mu.causal_mask_function,
        Mask("full"): mu.bidirectional_mask_function,
        Mask("window", size): mu.sliding_window_causal_mask_function(size),
        Mask("chunked", size): mu.chunked_causal_mask_function(size, no_padding),
        Mask("local", size): mu.sliding_window_bidirectional_mask_function(size),
    }
    for mask, fn in cases.items():
        assert mask.pairs(seq, seq) == _count(fn, seq, seq), mask
