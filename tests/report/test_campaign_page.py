"""The campaign page drawn from a canned ``--json`` document, then opened in headless chromium.

``data/campaign.json`` is a small document of the shape ``rpfuzz run --json``
writes, with one rule never called, one never successful, one failure,
coverage and progress samples; the ``invariants`` table another branch is
adding is drawn when a document has it and left out when not.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from harness.report.campaign_page import campaign_page, write_campaign_page
from tests.report.browser import not_blank, open_in_chromium

DOC = json.loads((Path(__file__).parent / "data" / "campaign.json").read_text())


def _row(page: str, first_cell: str) -> str:
    """The ``<tr>`` whose first cell is ``first_cell``."""
    match = re.search(rf"<tr[^>]*><td[^>]*>{re.escape(first_cell)}</td>.*?</tr>", page)
    assert match is not None, f"no row for {first_cell}"
    return match.group(0)


def test_the_rule_table_marks_rules_never_called_and_never_successful():
    page = campaign_page(DOC)
    assert 'class="never"' in _row(page, "claim_bid") and "never called" in _row(page, "claim_bid")
    withdraw = _row(page, "withdraw_rpl")
    assert 'class="no-success"' in withdraw and "never succeeded" in withdraw
    assert "100%" in withdraw  # 16 reverts of 16 calls
    deposit = _row(page, "deposit")
    assert "<tr>" in deposit and ">120<" in deposit and ">101<" in deposit and ">16%<" in deposit
    # report: 41 calls, 40 successes, no revert: one call failed a check.
    assert re.search(r">41<.*>40<.*>0<.*>0%<.*>1<", _row(page, "report"))


def test_the_failure_summary_flows_and_coverage_are_shown():
    page = campaign_page(DOC)
    assert "1 failure</b>" in page
    assert "depositor_0 got 0.027 ETH for nothing" in page
    assert "failures/no-free-lunch-w0.json" in page
    assert 'class="never"' in _row(page, "lot claimed")  # started, never ended
    assert "Lines 87.0%, branches 80.0%, external functions reached 86 of 90." in page
    assert "maybeAssignDeposits" in _row(page, "RocketDepositPool.vy")


def test_the_invariant_table_is_drawn_when_the_document_has_one_and_skipped_when_not():
    assert "<h2>Invariants</h2>" not in campaign_page(DOC)
    doc = copy.deepcopy(DOC)
    # The shape rpfuzz run --json writes (CampaignResult.invariant_rows).
    doc["invariants"] = {
        "solvency": {"when": "after every rule", "checked": 400, "failed_at_step": None},
        "rate-monotonicity": {"when": "after a report", "checked": 0, "failed_at_step": None},
        "no-free-lunch": {"when": "after every rule", "checked": 212, "failed_at_step": 12},
        "call-values": {"when": "during a step", "checked": None, "failed_at_step": 7},
    }
    page = campaign_page(doc)
    assert "<h2>Invariants</h2>" in page
    page = page[page.index("<h2>Invariants</h2>") :]  # not the failure table's row
    assert "<th>invariant</th><th>checked when</th><th>times</th><th>verdict</th>" in page
    assert ">400<" in _row(page, "solvency") and ">held<" in _row(page, "solvency")
    assert 'class="never"' in _row(page, "rate-monotonicity")
    assert ">never checked<" in _row(page, "rate-monotonicity")
    failed = _row(page, "no-free-lunch")
    assert 'class="failed"' in failed and ">failed at step 12<" in failed
    assert ">-<" in _row(page, "call-values") and ">failed at step 7<" in _row(page, "call-values")


def test_steps_per_second_over_time_is_plotted_from_the_samples():
    page = campaign_page(DOC)
    assert "(6 samples)" in page
    assert page.count("<svg") == 1
    without = {k: v for k, v in DOC.items() if k != "samples"}
    assert "(3 samples)" in campaign_page(without, samples=[(0, 0), (1, 10), (2, 25)])
    assert "Too few progress samples to draw (overall 9.8 steps/s)" in campaign_page(without)


def test_without_coverage_the_page_says_it_was_not_measured():
    doc = {**DOC, "coverage": None}
    assert "Not measured (run with --coverage)." in campaign_page(doc)


def test_the_page_is_self_contained():
    page = campaign_page(DOC)
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page
    assert not re.search(r"url\((?!#)", page)  # only the SVG's own clip paths
    # Only the SVG namespace names an http address, and it is never fetched.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }


def test_the_page_renders_in_headless_chromium_without_errors(tmp_path):
    page = write_campaign_page(tmp_path / "campaign.html", DOC)
    shown = open_in_chromium(page, tmp_path, size="1280,1600")
    assert shown.errors == []
    colours, non_white = not_blank(shown.screenshot)
    assert colours > 50, f"the screenshot has {colours} colours: is it blank?"
    assert non_white > 0.02, f"only {non_white:.1%} of the screenshot is not white"
    assert "Rules" in shown.dom and "claim_bid" in shown.dom


def test_the_browser_check_catches_an_error_and_a_missing_resource(tmp_path):
    # The check above can fail: a page that throws and loads a missing image is caught.
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body><p>text</p>"
        '<img src="missing.png"><script>throw new Error("boom")</script></body></html>'
    )
    shown = open_in_chromium(page, tmp_path, size="400,300")
    assert any("boom" in error for error in shown.errors), shown.errors
    assert any("missing.png" in error for error in shown.errors), shown.errors
