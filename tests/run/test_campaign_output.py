"""What a campaign prints and writes at the end: the rule and invariant tables, the JSON, the seed.

Built from given figures (no campaign runs here); the tiny campaigns of
``test_campaign.py`` check the same output end to end.
"""

from __future__ import annotations

import collections
import io

from rich.console import Console

from harness.fuzz.actions import ACTIONS
from harness.fuzz.invariant_runner import AFTER_EACH_RULE
from harness.run.campaign import (
    CampaignFailure,
    CampaignResult,
    _combine,
    _rules,
    checked_summary,
    invariants_table,
    print_seed,
    rules_table,
)


def _text(renderable, width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def _row(text: str, rule: str) -> list[str]:
    """The cells of ``rule``'s row in a printed table."""
    [line] = [line for line in text.splitlines() if f"│ {rule} " in line]
    return [cell.strip() for cell in line.strip("│ ").split("│")]


# Two rules called: one with successes, one whose every call reverted; the rest never.
STATS = collections.Counter(
    {
        ("deposit", "calls"): 5,
        ("deposit", "successes"): 4,
        ("deposit", "reverts"): 1,
        ("withdraw_rpl", "calls"): 16,
        ("withdraw_rpl", "reverts"): 16,
    }
)


def _result(**fields) -> CampaignResult:
    return CampaignResult(
        profile="ci", seed=1, workers=1, examples=2, steps=21, seconds=3.0,
        budget_reached=False, rules=_rules(STATS), **fields,
    )  # fmt: skip


def test_every_rule_has_a_row_and_the_table_fits_80_columns():
    rules = _rules(STATS)
    assert list(rules) == list(ACTIONS)
    assert rules["claim_bid"] == {"calls": 0, "successes": 0, "reverts": 0}
    text = _text(rules_table(rules))
    assert max(len(line) for line in text.splitlines()) <= 80
    for rule in ACTIONS:
        assert _row(text, rule)[0] == rule  # never cut short


def test_a_rule_never_called_and_one_never_successful_are_marked():
    text = _text(rules_table(_rules(STATS)))
    assert _row(text, "claim_bid") == ["claim_bid", "never", "-", "-", "-"]
    assert _row(text, "withdraw_rpl") == ["withdraw_rpl", "16", "none", "16", "100%"]
    assert _row(text, "deposit") == ["deposit", "5", "4", "1", "20%"]
    assert "calls never: no example called it; successes none: every call reverted" in text
    # In colour: the never-successful count in red, the never-called row dim.
    out = io.StringIO()
    Console(file=out, width=80, force_terminal=True, color_system="standard").print(
        rules_table(_rules(STATS))
    )
    colored = out.getvalue()
    assert "\x1b[31mnone" in colored
    assert "\x1b[2mclaim_bid" in colored


def test_the_failed_column_appears_when_a_call_raised():
    stats = STATS + collections.Counter({("deposit", "calls"): 1})
    text = _text(rules_table(_rules(stats)))
    assert _row(text, "deposit") == ["deposit", "6", "4", "1", "17%", "1"]
    assert _row(text, "claim_bid") == ["claim_bid", "never", "-", "-", "-", "-"]


def test_the_json_names_the_rules_never_called_and_never_successful():
    report = _result().to_json()
    assert report["rules"]["claim_bid"] == {"calls": 0, "successes": 0, "reverts": 0}
    assert report["rules_never_successful"] == ["withdraw_rpl"]
    assert report["rules_never_called"] == sorted(set(ACTIONS) - {"deposit", "withdraw_rpl"})


COUNTS = {name: 10 for name in AFTER_EACH_RULE} | {
    "rate-monotonicity": 0,
    "reentrancy": 3,
    "outcome": 19,
}


def test_the_invariant_rows_say_when_how_often_and_held():
    rows = _result(invariants=COUNTS).to_json()["invariants"]
    assert list(rows) == [*AFTER_EACH_RULE, "outcome"]
    assert rows["solvency"] == {"when": "after each rule", "checked": 10, "failed_at_step": None}
    assert rows["rate-monotonicity"]["when"] == "after each report"
    assert rows["outcome"] == {"when": "each step", "checked": 19, "failed_at_step": None}
    text = _text(invariants_table(_result(invariants=COUNTS).invariant_rows()))
    assert _row(text, "solvency") == ["solvency", "10", "after each rule", "held"]
    assert _row(text, "rate-monotonicity") == [
        "rate-monotonicity", "0", "after each report", "never checked",
    ]  # fmt: skip
    assert checked_summary(rows) == "13 of 14 checked, 3 to 19 times each"


def test_a_failed_invariant_shows_the_step_it_failed_at():
    failures = [
        CampaignFailure("solvency", "short by 1 ETH", step=6, steps=9, replay_file="f/s.json"),
        # Checked during a step, not counted: it gets a row of its own.
        CampaignFailure("call-values", "minted", step=13, steps=14, replay_file="f/c.json"),
    ]
    result = _result(invariants=COUNTS, failures=failures)
    rows = result.to_json()["invariants"]
    assert rows["solvency"] == {
        "when": "after each rule",
        "checked": 10,
        "failed_at_step": 6,
        "replay_file": "f/s.json",
    }
    assert rows["call-values"] == {
        "when": "during a step",
        "checked": None,
        "failed_at_step": 13,
        "replay_file": "f/c.json",
    }
    text = _text(invariants_table(result.invariant_rows()))
    assert _row(text, "solvency") == ["solvency", "10", "after each rule", "failed at step 6"]
    assert _row(text, "call-values") == ["call-values", "-", "during a step", "failed at step 13"]
    assert _row(text, "vault") == ["vault", "10", "after each rule", "held"]


def test_the_workers_counts_are_summed():
    def summary(vault: int, outcome: int) -> dict:
        return {
            "examples": 1, "steps": outcome, "seconds": 1.0, "budget_reached": False,
            "failures": [], "rules": _rules(STATS), "flows": {},
            "invariants": {"vault": vault, "outcome": outcome},
        }  # fmt: skip

    combined = _combine([summary(10, 19), summary(7, 12)])
    assert combined["invariants"] == {"vault": 17, "outcome": 31}
    assert combined["rules"]["withdraw_rpl"] == {"calls": 32, "successes": 0, "reverts": 32}


def test_the_seed_is_alone_on_its_line_unstyled_and_unwrapped():
    out = io.StringIO()
    # A narrow colour terminal: neither wrapped nor highlighted (a digit run would be coloured).
    print_seed(Console(file=out, width=10, force_terminal=True), 1234567890123)
    assert out.getvalue() == "seed: 1234567890123\n"
