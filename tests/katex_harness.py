"""Render LaTeX strings with the real KaTeX (via node) for tests.

Usage::

    from katex_harness import katex_available, render_with_katex

    errors = render_with_katex([r"x^{2}", (r"\\begin{align*} a &= b \\end{align*}", True)])
    # -> [None, None]   (None = rendered OK, otherwise KaTeX's error message)

Items are either a LaTeX string (rendered in inline mode) or a
``(latex, display)`` tuple. The whole batch is rendered by ONE node
subprocess running ``tests/katex/render.js``.

KaTeX is installed test-only with ``npm ci --prefix tests/katex``.
See ``tests/katex/render.js`` for which environments KaTeX accepts in
display vs inline mode (notably: ``align*`` and ``\\tag`` need display mode;
``aligned``/``array`` work in both).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional, Sequence, Tuple, Union

KATEX_DIR = Path(__file__).resolve().parent / "katex"
RENDER_SCRIPT = KATEX_DIR / "render.js"
KATEX_PACKAGE = KATEX_DIR / "node_modules" / "katex"
INSTALL_HINT = "install it with: npm ci --prefix tests/katex"

#: Seconds allowed for one batch (node start-up is ~0.1 s; rendering is fast).
DEFAULT_TIMEOUT = 120.0

Item = Union[str, Tuple[str, bool]]


class KatexHarnessError(RuntimeError):
    """The harness itself failed (node missing/crashed, bad output) --
    as opposed to KaTeX rejecting a formula, which is reported per item."""


def _node_path() -> Optional[str]:
    return shutil.which("node")


def katex_unavailable_reason() -> Optional[str]:
    """Why KaTeX cannot be used, or None if it can."""
    if _node_path() is None:
        return "node executable not found on PATH (KaTeX tests need Node.js)"
    if not RENDER_SCRIPT.is_file():
        return f"KaTeX render script missing: {RENDER_SCRIPT}"
    if not (KATEX_PACKAGE / "package.json").is_file():
        return f"npm package katex not installed in {KATEX_PACKAGE.parent}; {INSTALL_HINT}"
    return None


def katex_available() -> bool:
    """True when node and tests/katex/node_modules/katex are both present."""
    return katex_unavailable_reason() is None


def katex_version() -> Optional[str]:
    """Version of the installed katex package, or None if not installed."""
    try:
        return json.loads((KATEX_PACKAGE / "package.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def _normalise(item: Item) -> dict:
    if isinstance(item, str):
        return {"latex": item, "display": False}
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return {"latex": item[0], "display": bool(item[1])}
    raise TypeError(f"expected str or (str, bool) tuple, got {item!r}")


def render_with_katex(
    items: Sequence[Item], *, timeout: float = DEFAULT_TIMEOUT
) -> list[Optional[str]]:
    """Render every item with KaTeX in a single node subprocess.

    Returns a list parallel to ``items``: ``None`` where KaTeX rendered the
    formula, otherwise KaTeX's error message. Rendering uses
    ``throwOnError: true, strict: "error"``.

    Raises KatexHarnessError if KaTeX is unavailable or node fails.
    """
    payload = [_normalise(item) for item in items]
    if not payload:
        return []
    reason = katex_unavailable_reason()
    if reason is not None:
        raise KatexHarnessError(reason)

    env = dict(os.environ)
    # Make sure require("katex") resolves to the pinned copy in tests/katex.
    env["NODE_PATH"] = str(KATEX_DIR / "node_modules")
    try:
        proc = subprocess.run(
            [_node_path(), str(RENDER_SCRIPT)],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=str(KATEX_DIR),
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise KatexHarnessError(f"KaTeX render timed out after {timeout}s") from exc
    if proc.returncode != 0:
        raise KatexHarnessError(
            f"node {RENDER_SCRIPT.name} exited with {proc.returncode}: {proc.stderr.strip()}"
        )
    try:
        results = json.loads(proc.stdout)
    except ValueError as exc:
        raise KatexHarnessError(f"render.js wrote invalid JSON: {proc.stdout[:200]!r}") from exc
    if not isinstance(results, list) or len(results) != len(payload):
        raise KatexHarnessError(
            f"render.js returned {type(results).__name__} of wrong length "
            f"(expected {len(payload)} results)"
        )
    return [None if r.get("ok") else (r.get("error") or "unknown KaTeX error") for r in results]
