"""``rpfuzz replay FILE --html PAGE`` on a planted failure whose state goes wrong two steps early.

The planted bug is the zoo's ``rate-from-live-supply``: ``getEthValue``
divides by the live rETH supply instead of the one last reported. After a
report, a deposit (step 16) raises the live supply, so the rate the chain
answers falls below the model's, yet every invariant holds; a day later a
burn (step 18) pays out at that rate and ``call-values`` fires. The replay
must name step 16 as where the state went wrong, in its text and its page
(without the deposit's follow-up reads, which would now see it at step 16).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from rich.console import Console

import harness.cli.commands
from harness.bugzoo.catalogue import BUGS
from harness.bugzoo.patch import apply_bug
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.cli.commands import main
from harness.fuzz.followups import FOLLOW_UPS
from harness.replay.file import ReplayFile, contracts_sha256
from harness.units import DAY, ETH, HOUR
from tests.report.browser import not_blank, open_in_chromium

# The configuration the replay tests' data files were recorded with.
CONFIG = json.loads(
    (Path(__file__).parents[1] / "data" / "node-rewards-oracle-read.json").read_text()
)["config"]
BUG = next(bug for bug in BUGS if bug.name == "rate-from-live-supply")


@pytest.fixture(scope="module")
def planted() -> Path:
    """A copy of contracts/ with the bug, at a path named by its hash (compiled once, cached)."""
    staging = Path(tempfile.mkdtemp(prefix="rpfuzz-report-")) / "contracts"
    apply_bug(BUG, DEFAULT_CONTRACTS_DIR, staging)
    home = Path(tempfile.gettempdir()) / f"rpfuzz-report-{contracts_sha256(staging)[:16]}"
    home.mkdir(exist_ok=True)
    with contextlib.suppress(OSError):  # another worker moved its identical copy in first
        os.rename(staging, home / "contracts")
    shutil.rmtree(staging.parent, ignore_errors=True)
    return home / "contracts"


def _steps() -> list[dict]:
    steps: list[dict] = []
    for i in range(4):
        node = f"node_operator_{i}"
        steps.append({"rule": "register_node", "args": {"node": node}, "check": False})
        steps.append({"rule": "stake_rpl", "args": {"node": node, "amount": 3_000 * ETH}})
        steps[-1]["check"] = i == 3
    return [
        *steps,
        {"rule": "deposit", "args": {"who": "depositor_0", "amount": 20 * ETH}},
        {"rule": "deposit", "args": {"who": "depositor_1", "amount": 31 * ETH}},
        {
            "rule": "create_minipool",
            "args": {"node": "node_operator_0", "bond": 8, "credit": False, "value": None},
        },
        {"rule": "advance", "args": {"seconds": 13 * HOUR}, "check": False},
        {"rule": "stake", "args": {"minipool": 0}},
        {"rule": "advance", "args": {"seconds": 30 * DAY}},
        {"rule": "distribute", "args": {"who": "owner", "minipool": 0, "rewards_only": True}},
        {"rule": "report", "args": {}},  # 15: the rate is reported
        {"rule": "deposit", "args": {"who": "depositor_0", "amount": 5 * ETH}},  # 16: goes wrong
        {"rule": "advance", "args": {"seconds": DAY}},
        {"rule": "burn", "args": {"who": "depositor_0", "amount": ETH}},  # 18: call-values
    ]


@pytest.fixture(scope="module")
def replayed(planted, tmp_path_factory) -> tuple[int, str, Path, Path]:
    """The replay run once for the module: exit code, text, the page, its directory."""
    where = tmp_path_factory.mktemp("report")
    path = ReplayFile(
        seed=None,
        config=CONFIG,
        contracts_dir=str(planted),
        contracts_sha256=contracts_sha256(planted),
        steps=_steps(),
        failure={"step": 18, "invariant": "call-values", "message": "planted"},
    ).write(where / "planted.json")
    page = where / "planted.html"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(harness.cli.commands, "Console", lambda: Console(file=out, width=200))
        # The harness now reads rETH's collateral rate after a deposit and would
        # see this bug at step 16 itself: without that read, the state goes wrong
        # unseen until the burn, which is what the divergence is there to show.
        mp.delitem(FOLLOW_UPS, "deposit")
        code = main(["replay", str(path), "--html", str(page)])
    return code, out.getvalue(), page, where


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_text_names_the_earlier_step_where_the_figures_diverged(replayed):
    code, out, page, _ = replayed
    text = _flat(out)
    assert code == 1, out
    assert "FAILED: the recorded failure reproduces (call-values at step 18)." in text
    assert (
        "The state went wrong before the failing step 18: the model's and the chain's figures "
        "first differ after step 16 (deposit who=depositor_0 amount=5 ETH): rETH rate (ETH per "
        "rETH) (model 1.001831455571315069 ETH, chain 0.912531165345603911 ETH)."
    ) in text
    assert f"Wrote the report page to {page}" in text


def test_the_page_shows_the_failure_the_divergence_and_the_trace_of_figures(replayed):
    _, _, page, _ = replayed
    html = page.read_text()
    assert "<b>Violated: call-values</b> at step 18 (burn who=depositor_0 amount=1 ETH)" in html
    # The model's value beside the chain's, and the difference.
    assert re.search(r"<td>eth</td><td>1\.001831455571315069 ETH \(1001831455571315069 wei\)", html)
    assert "-0.089300290225711158 ETH" in html
    divergence = html[html.index("Where the state went wrong") :]
    assert "first differ after step 16 (deposit who=depositor_0 amount=5 ETH)" in divergence
    assert (
        "<tr><td>rETH rate (ETH per rETH)</td><td>1.001831455571315069 ETH</td>"
        "<td>0.912531165345603911 ETH</td></tr>"
    ) in divergence
    # Steps 16 (diverged) and 18 (failed) are marked in the table; 19 rows in all.
    assert re.search(r'<tr class="diverged"><td class="num">16</td><td>deposit</td>', html)
    assert re.search(r'<tr class="failed"><td class="num">18</td><td>burn</td>', html)
    assert len(re.findall(r'<td class="num">\d+</td><td>[a-z_]+</td>', html)) == 19
    # One SVG of six panels (four figures, the minipool's balance and status).
    assert html.count("<svg") == 1
    for title in ("rETH supply", "deposit pool balance", "each minipool", "rETH collateral"):
        assert title in html
    assert "<script" not in html and not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_the_page_renders_in_headless_chromium_without_errors(replayed):
    _, _, page, where = replayed
    shown = open_in_chromium(page, where, size="1280,2400")
    assert shown.errors == []
    colours, non_white = not_blank(shown.screenshot)
    assert colours > 50, f"the screenshot has {colours} colours: is it blank?"
    assert non_white > 0.05, f"only {non_white:.1%} of the screenshot is not white"
    assert "first differ after step 16" in shown.dom
