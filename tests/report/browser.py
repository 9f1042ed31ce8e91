"""Opening a report page in a real browser, for the tests beside this file.

The pages are opened in a real browser: Debian's headless ``chromium``
(installed by ``.ci/run``). :func:`open_in_chromium` screenshots a page and
collects what it logged; a test that needs it is skipped, saying why, when
chromium is absent, except under ``CI=true``, where it fails instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

# Written into the page copy the browser opens first: every error (a script
# error, a resource that failed to load, a console.error) becomes text in the
# DOM, which --dump-dom prints. No DevTools connection needed.
_CATCHER = """<script>
(function () {
  var seen = [];
  function note(text) {
    seen.push(String(text));
    var box = document.getElementById("rpfuzz-errors");
    if (box) { box.textContent = seen.join("\\n"); }
  }
  window.addEventListener("error", function (e) {
    var what = e.target && (e.target.src || e.target.href);
    note(e.message || ("failed to load " + (what || "?")));
  }, true);
  var original = console.error;
  console.error = function () {
    note([].slice.call(arguments).join(" "));
    original.apply(console, arguments);
  };
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.createElement("pre");
    box.id = "rpfuzz-errors";
    box.textContent = seen.join("\\n");
    document.body.appendChild(box);
  });
})();
</script>"""


def chromium() -> str:
    """The browser's path; skip (fail under ``CI``) when there is none."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    message = "headless chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + "; .ci/run installs it, so under CI it must be there")
    pytest.skip(message)


@dataclass
class Rendered:
    """What the browser made of a page: its screenshot, the errors it logged."""

    screenshot: Path
    errors: list[str]
    dom: str


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def open_in_chromium(page: Path, out_dir: Path, size: str = "1280,2000") -> Rendered:
    """Screenshot ``page`` in headless chromium and collect the errors it logged."""
    browser = chromium()
    common = [
        browser,
        "--headless",
        "--no-sandbox",  # tests may run as root in a container
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={out_dir / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    shot = out_dir / (page.stem + ".png")
    done = _run([*common, f"--window-size={size}", f"--screenshot={shot}", page.as_uri()])
    assert shot.is_file(), f"chromium wrote no screenshot: {done.stderr[-2000:]}"
    # The same page with the error catcher first in <head>, its DOM dumped.
    watched = out_dir / (page.stem + ".watched.html")
    watched.write_text(page.read_text().replace("<head>", "<head>" + _CATCHER, 1))
    dumped = _run([*common, "--dump-dom", watched.as_uri()])
    match = re.search(r'<pre id="rpfuzz-errors">(.*?)</pre>', dumped.stdout, re.S)
    assert match is not None, f"the error catcher did not run: {dumped.stderr[-2000:]}"
    errors = [line for line in match.group(1).splitlines() if line.strip()]
    # Console messages chromium logs to stderr name the page's source: "CONSOLE(...)".
    errors += [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    return Rendered(shot, errors, dumped.stdout)


def not_blank(png: Path) -> tuple[int, float]:
    """The screenshot's distinct colours and its share of non-white pixels."""
    from matplotlib import image

    pixels = image.imread(str(png))[:, :, :3]
    flat = (pixels.reshape(-1, 3) * 255).round().astype(int)
    colours = len({tuple(p) for p in flat[:: max(1, len(flat) // 200_000)]})
    non_white = float((flat.min(axis=1) < 245).mean())
    return colours, non_white
