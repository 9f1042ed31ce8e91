"""``--html`` given a path that cannot be written: exit 2 and a message, before any work."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

import harness.cli.commands
from harness.cli.commands import main
from harness.config import PROJECT_ROOT

DATA = Path(__file__).resolve().parents[1] / "data" / "node-rewards-oracle-read.json"


def _run(monkeypatch, argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    monkeypatch.setattr(harness.cli.commands, "Console", lambda: Console(file=out, width=300))
    return main(argv), " ".join(out.getvalue().split())


def test_replay_html_in_a_missing_directory_is_refused_before_deploying(monkeypatch, tmp_path):
    page = tmp_path / "absent" / "report.html"
    code, out = _run(monkeypatch, ["replay", str(DATA), "--html", str(page)])
    assert code == 2
    assert (
        f"rpfuzz: --html {page}: directory {page.parent} does not exist; create it or pick "
        "another path"
    ) in out
    assert "contracts:" not in out  # refused before the header and the deployment


def test_run_html_in_a_missing_directory_is_refused_before_the_campaign(monkeypatch, tmp_path):
    page = tmp_path / "absent" / "campaign.html"
    code, out = _run(monkeypatch, ["run", "--examples", "1", "--html", str(page)])
    assert code == 2
    assert (
        f"rpfuzz: --html {page}: directory {page.parent} does not exist; create it or pick "
        "another path"
    ) in out
    assert "rpfuzz run: profile" not in out


def test_matplotlib_is_imported_only_when_a_page_is_drawn():
    # A fresh interpreter: this one may have drawn a page already.
    code = (
        "import sys, harness.cli.commands, harness.cli.replay, harness.report.replay_page, "
        "harness.report.campaign_page; print('matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        check=False,
    )
    assert done.stdout.strip() == "False", done.stderr
