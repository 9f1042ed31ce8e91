"""How often each invariant was checked (``harness.fuzz.invariant_runner``): the campaign's table.

The runner counts the checks of :func:`invariants.check_all` after each rule
in the order they run, so a violation tells which held before it. Here: that
order is check_all's own (read from its source, so the two cannot drift),
and the counts a step adds, with the watcher and the chain stood in for.
"""

from __future__ import annotations

import ast
import collections
import inspect
from types import SimpleNamespace

import pytest

import invariants.checks
from harness.fuzz import invariant_runner
from harness.fuzz.invariant_runner import (
    AFTER_EACH_RULE,
    DURING_EACH_STEP,
    WHEN,
    check_step,
    checked_counts,
    count_step,
)
from invariants import EconomicEvent, InvariantViolation


def _calls(function) -> list[str]:
    """The ``check_*`` functions ``function`` calls, in source order."""
    tree = ast.parse(inspect.getsource(function))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    calls.sort(key=lambda node: (node.lineno, node.col_offset))
    return [
        node.func.id
        for node in calls
        if isinstance(node.func, ast.Name) and node.func.id.startswith("check_")
    ]


def _invariant_names(function) -> list[str]:
    """The invariants ``function`` checks, in order (``check_solvency`` checks solvency)."""
    names = []
    for called in _calls(function):
        inner = getattr(invariants.checks, called)
        if _calls(inner):  # a group of checks (check_minipools): its members
            names += _invariant_names(inner)
        else:
            names.append(called.removeprefix("check_").replace("_", "-"))
    return names


def test_the_counted_order_is_check_alls_then_reentrancy():
    assert list(AFTER_EACH_RULE) == [*_invariant_names(invariants.checks.check_all), "reentrancy"]


def test_every_counted_invariant_says_when_it_is_checked():
    assert set(WHEN) == {*AFTER_EACH_RULE, *DURING_EACH_STEP}
    assert list(checked_counts(collections.Counter())) == [*AFTER_EACH_RULE, *DURING_EACH_STEP]
    assert set(checked_counts(collections.Counter()).values()) == {0}


class _Watcher:
    """Stands in for invariants.Watcher: a step that raises, or moves the report block."""

    def __init__(self, raises: str | None = None, new_report: bool = False) -> None:
        self.previous = SimpleNamespace(reported_block=7)
        self.raises, self.new_report = raises, new_report
        self.written: set[str] | None = set()

    def step(self) -> list[EconomicEvent]:
        if self.raises:
            raise InvariantViolation(self.raises, "planted")
        if self.new_report:
            self.previous = SimpleNamespace(reported_block=8)
        return []


def _machine(watcher: _Watcher, chain_block: int = 7):
    """A machine enough for check_step: its class holds the counts."""
    cls = type("Machine", (), {"invariant_stats": collections.Counter()})
    machine = cls()
    machine.watcher = watcher
    machine.ctx = SimpleNamespace(contracts={})  # no re-entrant actor deployed
    machine.p = SimpleNamespace(
        network_balances=SimpleNamespace(getBalancesBlock=lambda: chain_block)
    )
    machine.model, machine.steps, machine.economic_events = None, [], []
    return machine


def test_a_step_without_a_report_checks_all_but_rate_monotonicity():
    machine = _machine(_Watcher())
    check_step(machine)
    check_step(machine)
    expected = {name: 2 for name in AFTER_EACH_RULE[:-1] if name != "rate-monotonicity"}
    assert dict(type(machine).invariant_stats) == expected


def test_a_step_that_accepted_a_report_checks_rate_monotonicity_too():
    machine = _machine(_Watcher(new_report=True))
    check_step(machine)
    assert type(machine).invariant_stats["rate-monotonicity"] == 1
    assert type(machine).invariant_stats["solvency"] == 1


@pytest.mark.parametrize(
    ("failed", "chain_block", "counted"),
    [
        # The first check fails: only it ran.
        ("vault", 7, ["vault"]),
        # Solvency fails in a step without a report: all before it but rate monotonicity.
        ("solvency", 7, [n for n in AFTER_EACH_RULE[:11] if n != "rate-monotonicity"]),
        # The same in a step whose report the chain accepted (its block moved): rate too.
        ("solvency", 8, list(AFTER_EACH_RULE[:11])),
    ],
)
def test_a_violation_counts_the_checks_that_ran_up_to_it(failed, chain_block, counted):
    machine = _machine(_Watcher(raises=failed), chain_block)
    with pytest.raises(InvariantViolation, match="planted"):
        check_step(machine)
    assert sorted(type(machine).invariant_stats) == sorted(counted)
    assert set(type(machine).invariant_stats.values()) == {1}


def test_outcome_is_counted_for_steps_the_checked_facade_compares():
    machine = _machine(_Watcher())
    count_step(machine, "deposit")  # a call the model predicts
    count_step(machine, "beacon_penalty")  # the simulated beacon chain: no call to compare
    count_step(machine, "no_such_rule")
    assert dict(type(machine).invariant_stats) == {"outcome": 1, "events": 1}


def test_a_replay_runs_the_same_checks_without_counting():
    # run_checks (replay's entry) takes no counts: the replay has no class counter.
    machine = _machine(_Watcher(new_report=True))
    assert invariant_runner.run_checks(machine) == []
    assert type(machine).invariant_stats == collections.Counter()
