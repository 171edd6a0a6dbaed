"""Regenerate docs/derivation-cs336-gpt2-xl.png: ``symparams derive cs336-gpt2-xl --format html`` as
headless Chromium shows it with the network off (MathML; no script, no font from elsewhere).

    python docs/render_derivation.py        # needs Chromium (apt-get install chromium)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_harness import screenshot  # noqa: E402


def main(width: int = 720, height: int = 1412) -> Path:
    page = subprocess.run([sys.executable, "-m", "symparams", "derive", "cs336-gpt2-xl", "--format", "html"],
                          capture_output=True, text=True, check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "cs336-gpt2-xl.html"
        html.write_text(page, encoding="utf-8")
        return screenshot(html, ROOT / "docs" / "derivation-cs336-gpt2-xl.png", width=width, height=height)


if __name__ == "__main__":
    print(main())
