"""Render a report as a person sees it, with headless Chromium: a PNG screenshot or the DOM.

Used by the tests (the report must display, not just parse) and for the README screenshot:

    python -m scratchflow_devtools.screenshot RUN/summarise/REPORT.html report.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scratchflow import outputs
from scratchflow.errors import InputError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# No sandbox (containers run as root), no GPU, and nothing that talks to the network.
QUIET_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars")


def find_browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def run_browser(html: Path, *flags: str, timeout_s: float = 120) -> str:
    """Open ``html`` in a throwaway profile with ``flags``; return what the browser printed."""
    browser = find_browser()
    if browser is None:
        raise InputError(None, "Chromium not found on PATH",
                         "install it (Debian: apt-get install chromium), or run `make install`")
    if not Path(html).is_file():
        raise InputError(html, "report not found", "check the path")
    with tempfile.TemporaryDirectory(prefix="scratchflow-chromium-") as profile:
        cmd = [browser, *QUIET_FLAGS, f"--user-data-dir={profile}", *flags,
               Path(html).resolve().as_uri()]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if result.returncode != 0:
        raise RuntimeError(f"Chromium failed (exit {result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 4000) -> Path:
    """A ``width`` x ``height`` PNG of the top of the page, written atomically."""
    with outputs.atomic_path(png) as tmp:
        target = tmp.with_suffix(".png")  # Chromium picks the format from the name
        try:
            run_browser(html, f"--screenshot={target}", f"--window-size={width},{height}")
            target.replace(tmp)
        finally:
            target.unlink(missing_ok=True)
    return Path(png)


def dump_dom(html: Path, budget_ms: int = 5000) -> str:
    """The DOM after the page loaded and its scripts ran (``budget_ms`` of virtual time)."""
    return run_browser(html, f"--virtual-time-budget={budget_ms}", "--dump-dom")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 5):
        sys.exit("usage: python -m scratchflow_devtools.screenshot REPORT.html OUT.png "
                 "[WIDTH HEIGHT]")
    size = [int(v) for v in sys.argv[3:5]]
    try:
        print(screenshot(Path(sys.argv[1]), Path(sys.argv[2]), *size))
    except InputError as err:
        sys.exit(f"error: {err}")
