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


@pytest.mark.parametrize("name", golden.model_names())
def test_component_tables_equal_the_golden_record(name):
    diff = first_difference(golden.component_tables(name), GOLDEN["components"][name])
    assert diff is None, f"{name} components: {diff} (after a deliberate change: python tests/golden.py)"


def test_saved_tensor_tables_equal_the_golden_record():
    diff = first_difference(golden.saved_tensor_tables(), GOLDEN["saved tensors"])
    assert diff is None, f"saved tensors: {diff} (after a deliberate change: python tests/golden.py)"


def test_refusal_messages_equal_the_golden_record():
    assert len(GOLDEN["refusals"]) >= 300  # the mutation record's refused variants
    diff = first_difference(golden.refusals(), GOLDEN["refusals"])
    assert diff is None, f"refusals: {diff} (after a deliberate change: python tests/golden.py)"
