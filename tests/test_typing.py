"""Typing: symparams ships ``py.typed``, and its public API type-checks under mypy.

mypy checks the modules the public names live in and tests/typing/public_api.py — a user's
program that asserts the types the API returns (``assert_type``: an un-annotated function would
be ``Any`` and fail). The lazily imported top-level names have a ``TYPE_CHECKING`` import each, kept
in step with the lazy table here.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import symparams

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "tests" / "typing" / "public_api.py"
#: modules of the public API beside the top-level names' own
PUBLIC = ("symparams/__init__.py", "symparams/hf/__init__.py", "symparams/hf/hub.py", "symparams/lengths.py",
          "symparams/reports/count.py", "symparams/reports/compare.py", "symparams/reports/derivation.py",
          "symparams/printing/mathml.py", "symparams/printing/html.py", "symparams/printing/reprs.py",
          "symparams/printing/rows.py", "symparams/printing/words.py", "symparams/printing/jupyter.py",
          "symparams/cli/_output.py", "symparams/cli/_args.py", "symparams/devices.py", "symparams/precision.py")


def _modules() -> list[str]:
    files = {m.replace(".", "/") + ".py" for m in set(symparams._EXPORTS.values())}
    files = {f if (ROOT / f).exists() else f[:-3] + "/__init__.py" for f in files}
    return sorted(files | set(PUBLIC))


def test_py_typed_is_shipped():
    assert (ROOT / "symparams" / "py.typed").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'packages = ["symparams"]' in pyproject  # hatch ships every file of the package folder


def test_lazy_names_have_type_checking_imports():
    tree = ast.parse((ROOT / "symparams" / "__init__.py").read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    imported = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert imported == symparams._EXPORTS


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy") / "cache"  # one fresh cache for the module's runs


def test_public_api_type_checks(cache):
    from mypy import api

    args = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache),
            "--no-error-summary", str(PROGRAM), *(str(ROOT / f) for f in _modules())]
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        out, err, status = api.run(args)
    finally:
        os.chdir(cwd)
    assert status == 0, out + err


def test_the_typed_program_runs():
    done = subprocess.run([sys.executable, str(PROGRAM)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_mypy_would_catch_a_wrong_type(tmp_path, cache):
    """The check can fail: a wrong expected type is reported."""
    from mypy import api

    bad = tmp_path / "bad.py"
    bad.write_text("import symparams\nfrom typing_extensions import assert_type\n"
                   "assert_type(symparams.model('gpt2').params.total, str)\n")
    out, _, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache), str(bad)])
    assert status == 1 and "assert-type" in out
