"""The public API is what ``__all__`` says, and the modules import as a tree (no cycles)."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import symparams

PACKAGE = Path(symparams.__file__).parent


def _modules():
    return sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], "symparams.")
                  if not m.name.startswith(("symparams.testing", "symparams.__main__", "symparams.cli.__main__")))


def test_top_level_all_resolves_and_is_complete():
    for name in symparams.__all__:
        assert getattr(symparams, name) is not None, name
    public = {n for n in dir(symparams) if not n.startswith("_")}
    assert set(symparams.__all__) <= public


@pytest.mark.parametrize("module", _modules())
def test_every_all_names_something(module):
    mod = importlib.import_module(module)
    for name in getattr(mod, "__all__", ()):
        assert hasattr(mod, name), f"{module}.__all__ names {name!r}, which it does not define"


def _imports(path: Path, module: str) -> set[str]:
    """symparams modules imported anywhere in a module, inside functions too (a lazy import that
    closes a loop is still a cycle of dependencies)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("symparams"):
            found.add(node.module)
            for alias in node.names:  # "from symparams.x import y" may import the module x.y
                if importlib.util.find_spec(f"{node.module}.{alias.name}") if _is_package(node.module) else False:
                    found.add(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("symparams")}
    found.discard(module)
    return found


def _is_package(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.submodule_search_locations is not None


def test_no_import_cycles():
    graph = {}
    for module in _modules():
        spec = importlib.util.find_spec(module)
        graph[module] = _imports(Path(spec.origin), module)
    state: dict[str, int] = {}

    def visit(node, trail):
        if state.get(node) == 1:
            raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(node):] + [node]))
        if state.get(node) == 2:
            return
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt in graph:
                visit(nxt, trail + [node])
        state[node] = 2

    for module in graph:
        visit(module, [])


def test_import_symparams_is_light():
    import subprocess
    import sys

    code = "import sys, symparams; print(sorted(m for m in ('sympy', 'torch', 'numpy', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_components_stay_loaded():
    # symparams.components loads the encoders' components on first use (PEP 562) and keeps them
    import symparams.components as components
    from symparams.components.pooling import Pooler

    first = components.Pooler
    assert first is Pooler and components.Pooler is Pooler and vars(components)["Pooler"] is Pooler
