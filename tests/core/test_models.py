"""Model: presets by name, and the errors a wrong name gives."""

import pytest

from symparams.errors import UnknownModelError
from symparams.presets import from_preset, model


def test_from_preset_gpt2_small_by_hand():
    # 12·12·768² + 13·12·768 (blocks) + 50257·768 (tokens) + 1024·768 (positions) + 2·768 (final norm)
    assert from_preset("gpt2").params.total == 124_439_808


def test_unknown_preset_names_the_choices():
    with pytest.raises(UnknownModelError, match="unknown preset 'gpt2-tiny'; core presets: bert-base, bert-large, cs336-gpt2-large"):
        from_preset("gpt2-tiny")
    with pytest.raises(UnknownModelError, match="unknown model 'gpt2-tiny'"):
        model("gpt2-tiny")
