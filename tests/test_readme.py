"""The README's Python examples run as doctests: every number it shows is measured."""

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_examples(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples read tests/fixtures/... relative to the repository
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10
    assert result.failed == 0


def test_readme_opens_with_the_two_setup_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```bash") + 1: lines.index("```bash") + 3]
    assert block[0].startswith("pip install . && symparams ")
    assert block[1] == "pip install -e '.[test]' && pytest"


def test_readme_preset_table_matches_transformers():
    """The README's preset table: the transformers column is the measured table (transformers_params.json)."""
    import re

    from _oracle import published_params

    TRANSFORMERS_PARAMS = published_params()

    rows = re.findall(r"^\| ([a-z0-9.\-_]+) \| ([\d,]+)[^|]*\| ([\d,]+) \|$", (ROOT / "README.md").read_text(), re.M)
    assert len(rows) >= 10
    for name, ours, theirs in rows:
        assert int(theirs.replace(",", "")) == TRANSFORMERS_PARAMS[name], name
        assert ours == theirs, name
