"""Every preset's command-line output equals the golden record (``tests/golden.py`` says what it holds
and how to remake it after a deliberate change)."""

from __future__ import annotations

import pytest

import golden
from golden import first_difference

GOLDEN = golden.load()


def test_the_record_covers_every_preset_and_architecture():
    assert sorted(GOLDEN["models"]) == golden.model_names()
    assert sorted(GOLDEN["formulas"]) == golden.architecture_names()


@pytest.mark.parametrize("name", golden.model_names())
def test_command_outputs_equal_the_golden_record(name):
    expected = GOLDEN["models"][name]
    for args in golden.commands(name):
        key = " ".join(args)
        diff = first_difference(golden.run(args), expected[key])
        assert diff is None, f"symparams {key}: {diff} (after a deliberate change: python tests/golden.py)"


@pytest.mark.parametrize("name", golden.architecture_names())
def test_formula_outputs_equal_the_golden_record(name):
    for key, value in golden.formula_outputs(name).items():
        diff = first_difference(value, GOLDEN["formulas"][name][key])
        assert diff is None, f"symparams {key}: {diff} (after a deliberate change: python tests/golden.py)"
