"""Every notebook in notebooks/ runs top to bottom (nbclient, a fresh kernel each).

Skipped with a reason when nbclient/nbformat/ipykernel are not installed
(extra ``test`` installs them). The committed notebooks keep their outputs so
they render on GitHub; this test executes a copy and never rewrites them.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    for expected in ("01_classic_gpt.ipynb", "02_cs336_accounting.ipynb", "03_modern_families.ipynb",
                     "06_your_own_architecture.ipynb"):
        assert expected in names


#: a formula printed as SymPy ``str`` (``12*h**2*l``) rather than typeset
_SYMPY_STR = re.compile(r"[A-Za-z_]\*\*\d|\d\*[A-Za-z_(]|[A-Za-z_)]\*[A-Za-z_(]")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_formulas_are_typeset_not_printed(path):
    """Committed outputs: formulas are LaTeX (text/latex, or math in Markdown), never SymPy ``str`` in a
    printed line — except where a cell shows the command line's own text output."""
    nb = json.loads(path.read_text())
    typeset = 0
    for cell in (c for c in nb["cells"] if c["cell_type"] == "code"):
        source = "".join(cell["source"])
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            typeset += "text/latex" in data or "$" in "".join(data.get("text/markdown", ""))
            texts = ["".join(out.get("text", ""))] if out["output_type"] == "stream" else []
            if "text/plain" in data and not set(data) & {"text/latex", "text/markdown", "image/png"}:
                texts.append("".join(data["text/plain"]))
            if "symparams.cli" in source:
                continue
            for text in texts:
                found = _SYMPY_STR.search(text)
                assert not found, f"{path.name}: a printed formula: {text[max(0, found.start() - 60):found.end() + 30]!r}"
    assert typeset >= 3, f"{path.name}: no typeset formula"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path):
    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (extra 'test')")
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed (extra 'test')")
    pytest.importorskip("ipykernel", reason="ipykernel not installed (extra 'test')")
    nb = nbformat.read(path, as_version=4)
    assert any(c.cell_type == "code" and c.get("outputs") for c in nb.cells), f"{path.name} committed without outputs"
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
