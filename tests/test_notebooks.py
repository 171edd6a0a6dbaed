"""Every notebook in notebooks/ runs top to bottom (nbclient, a fresh kernel each).

Skipped with a reason when nbclient/nbformat/ipykernel are not installed
(extra ``test`` installs them). The committed notebooks keep their outputs so
they render on GitHub; this test executes a copy and never rewrites them.
"""

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    for expected in ("01_classic_gpt.ipynb", "02_cs336_accounting.ipynb", "03_modern_families.ipynb"):
        assert expected in names


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
