"""How a plain ``pytest`` runs: small Hypothesis budgets with or without CI, slow tests left out.

Each check runs in a fresh process, since the profile is chosen when
``tests/conftest.py`` is imported and the ``slow`` tests are deselected at
collection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.run.profiles import load_profiles

ROOT = Path(__file__).resolve().parent.parent
CI_BUDGET = load_profiles()["ci"]

# Every variable by which Hypothesis (and so tests/conftest.py) decides it runs in CI.
CI_VARIABLES = ("CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI")

SHOW_SETTINGS = """
import json
import tests.conftest
from hypothesis import settings
s = settings()
print(json.dumps({
    "profile": settings.get_current_profile_name(),
    "max_examples": s.max_examples,
    "stateful_step_count": s.stateful_step_count,
    "derandomize": s.derandomize,
    "database": s.database is not None,
}))
"""


def _environment(**variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in CI_VARIABLES and not k.startswith(("HYPOTHESIS", "PYTEST_")) and "TOX" not in k
    }
    env["PYTHONPATH"] = str(ROOT)
    env.update(variables)
    return env


def _settings_under(**variables: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=ROOT,
        env=_environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_outside_ci_the_tests_run_at_the_ci_budgets_randomised_with_a_database():
    assert _settings_under() == {
        "profile": "dev",
        "max_examples": CI_BUDGET.examples,
        "stateful_step_count": CI_BUDGET.steps,
        "derandomize": False,
        "database": True,
    }
    # The small budgets: nowhere near Hypothesis's default of 100 examples of 50 steps.
    assert (CI_BUDGET.examples, CI_BUDGET.steps) == (4, 30)


def test_under_ci_the_same_budgets_derandomised_and_without_a_database():
    assert _settings_under(CI="true") == {
        "profile": "ci",
        "max_examples": CI_BUDGET.examples,
        "stateful_step_count": CI_BUDGET.steps,
        "derandomize": True,
        "database": False,
    }


def test_larger_budgets_are_chosen_by_hypothesis_profile():
    deep = load_profiles()["deep"]
    shown = _settings_under(HYPOTHESIS_PROFILE="deep", CI="true")
    assert (shown["profile"], shown["max_examples"]) == ("deep", deep.examples)
    assert shown["stateful_step_count"] == deep.steps


SOAK = "tests/fuzz/test_clean_campaign.py"
FAST = f"{SOAK}::test_a_long_revm_campaign_on_the_shipped_contracts_stays_clean[20s]"
SLOW = f"{SOAK}::test_a_long_revm_campaign_on_the_shipped_contracts_stays_clean[soak-90s]"


def _collected(*args: str) -> tuple[list[str], str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line], done.stdout


@pytest.mark.parametrize(
    ("args", "expected", "deselected"),
    [
        ([SOAK], [FAST], "1 deselected"),
        ([SOAK, "-m", "slow"], [SLOW], "1 deselected"),
        ([SLOW], [SLOW], None),  # named by its node id: run as asked
    ],
    ids=["default", "-m slow", "node id"],
)
def test_slow_tests_are_left_out_unless_asked_for(args, expected, deselected):
    collected, printed = _collected(*args)
    assert collected == expected
    if deselected:
        assert deselected in printed
    else:
        assert "deselected" not in printed
