"""Open a page in headless Chromium with the network off: a screenshot, and measurements a script takes.

The network is off twice over: Chromium runs in a network namespace of its own (``unshare -n``,
only a downed loopback) when the machine allows it, and every host name resolves to nothing
(``--host-resolver-rules``), with a proxy that does not exist. A page that needs the network
(a CDN stylesheet or script) renders without it, which the measurements show.

Chromium is the Debian package ``chromium`` (``apt-get install chromium``); tests that use it carry
the marker ``chromium`` (tests/conftest.py deselects them when it is missing, except under CI=true).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["chromium_path", "network_off_prefix", "screenshot", "measure"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "headless_shell")


def chromium_path() -> str | None:
    """The Chromium executable, or None."""
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def network_off_prefix() -> list[str]:
    """``["unshare", "-n"]`` when a new network namespace can be made here, else nothing."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def _run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    exe = chromium_path()
    if exe is None:
        raise RuntimeError("Chromium not found (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="symparams-chromium-")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", f"--user-data-dir={profile}",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
             "--virtual-time-budget=5000"]
    try:
        return subprocess.run([*network_off_prefix(), exe, *flags, *args], capture_output=True, text=True,
                              timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(page: Path, png: Path, *, width: int = 720, height: int = 1600) -> Path:
    """A PNG of ``page`` at ``width`` × ``height`` CSS pixels."""
    done = _run([f"--window-size={width},{height}", f"--screenshot={png}", page.resolve().as_uri()])
    if not png.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot: {done.stderr[-2000:]}")
    return png


_PROBE = """<script>
window.addEventListener("load", () => {
  const box = e => e.getBoundingClientRect();
  const maths = [...document.querySelectorAll("math")];
  const sups = [...document.querySelectorAll("msup")].map(e => {
    const [base, exp] = e.children; return box(exp).bottom < box(base).bottom;
  });
  const out = {
    viewport: document.documentElement.clientWidth,
    scroll_width: document.documentElement.scrollWidth,
    maths: maths.length,
    math_display: maths.length ? getComputedStyle(maths[0]).display : null,
    widest_math: Math.max(0, ...maths.map(e => box(e).right)),
    superscripts_raised: sups.filter(Boolean).length, superscripts: sups.length,
    widest_block: Math.max(0, ...[...document.querySelectorAll("table, .row, h1, h2, p, li")].map(e => box(e).right)),
    stylesheets: [...document.styleSheets].map(s => s.href).filter(Boolean),
    scripts: [...document.scripts].map(s => s.src).filter(Boolean),
  };
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def measure(page: Path, *, width: int = 720) -> dict:
    """Layout facts of ``page`` at ``width`` CSS pixels, measured in Chromium by a probe script
    added to a copy of it: the page's widths, how many ``<math>`` elements there are and how they
    display, whether superscripts sit above their base, and which external files it loads."""
    html = page.read_text(encoding="utf-8")
    probe = Path(tempfile.mkdtemp(prefix="symparams-probe-")) / page.name
    probe.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    try:
        done = _run([f"--window-size={width},1200", "--dump-dom", probe.as_uri()])
    finally:
        shutil.rmtree(probe.parent, ignore_errors=True)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    if not found:
        raise RuntimeError(f"the probe did not run: {done.stderr[-2000:]}")
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">"))
