"""Running the invariants after a machine step.

The machine keeps one :class:`invariants.Watcher` per example: it reads the
chain once per step, runs every check of :mod:`invariants` against the
reference model, and returns the named economic events (an uncovered loss,
a bounded fall of the rate) that the campaign reports as outcomes rather
than failures.

It also counts, for the campaign's invariant table, how often each
invariant was checked (:func:`check_step`, :func:`count_step`): the checks of
:data:`AFTER_EACH_RULE` after every rule, in that order (so a violation
means those before it held), and ``outcome`` once per step the checked
facade compares with the model's prediction.
"""

from __future__ import annotations

import collections
from typing import Any, Final

from hypothesis import event

from harness.chain.actors import REENTRANT, reentry_counters
from harness.fuzz.actions import ACTIONS
from invariants import EconomicEvent, InvariantViolation, Watcher, check_no_reentry

# Only the deposit pool keeps ETH in the vault; reading the other names
# costs 16 view calls a step and detects nothing more (see invariants.observe).
VAULT_NAMES = ("rocketDepositPool",)

# The invariants checked after every rule, in the order they run: those of
# invariants.check_all (tests/fuzz/test_invariant_counts.py holds the two
# in step), then the re-entrant actor's. Rate monotonicity runs only after a
# rule in which a balances report was accepted, and re-entrancy only after
# one that wrote the re-entrant actor's storage.
AFTER_EACH_RULE: Final = (
    "vault",
    "auction",
    "reth-supply",
    "deposit-pool",
    "minipool-lifecycle",
    "minipool-accounting",
    "node-accounting",
    "beacon-deposits",
    "eth-conservation",
    "rate-monotonicity",
    "solvency",
    "no-free-lunch",
    "reentrancy",
)
# Checked during a step, once per step of a checked action (its calls' outcome
# against the model's prediction, then the events its transactions emitted
# against the model's). The other checks made during a step (call-values,
# views, access-control, ...) are not counted: a table row shows them only
# when one fails.
DURING_EACH_STEP: Final = ("outcome", "events")
# When each counted invariant is checked, for the campaign's table.
WHEN: Final = {
    **dict.fromkeys(AFTER_EACH_RULE, "after each rule"),
    "rate-monotonicity": "after each report",
    "reentrancy": "after each re-entry",
    "outcome": "each step",
    "events": "each step",
}


def start_watching(machine: Any) -> Watcher:
    """A watcher over ``machine``'s protocol, model and actors, from the current state."""
    return Watcher(machine.p, machine.model, list(machine.ctx.actors.values()), VAULT_NAMES)


def run_checks(machine: Any) -> list[EconomicEvent]:
    """Every per-step invariant on ``machine``'s state now; raises a violation, returns events.

    ``machine`` is anything with the machine's ``watcher``, ``ctx`` and
    ``model``: the machine itself, or a replay (:mod:`harness.replay.session`), so
    both check exactly the same things. After the watcher's checks: no call
    back from the re-entrant withdrawal address went through
    (:func:`invariants.check_no_reentry`). Its counters change only with its
    storage, so they are read only in steps that wrote it (every attempt
    does) or when that is unknown.
    """
    return _run_checks(machine, [])


def _run_checks(machine: Any, checked: list[str]) -> list[EconomicEvent]:
    """:func:`run_checks`, naming in ``checked`` each invariant it ran (raised or not)."""
    watcher = machine.watcher
    reported_block = watcher.previous.reported_block
    try:
        found = watcher.step()
    except InvariantViolation as exc:
        checked += _ran_until(exc.name, _report_accepted(machine, reported_block))
        raise
    checked += [
        name
        for name in AFTER_EACH_RULE[:-1]
        if name != "rate-monotonicity" or watcher.previous.reported_block != reported_block
    ]
    reentrant = machine.ctx.contracts.get(REENTRANT)
    if reentrant is not None:
        address = str(reentrant.address)
        if watcher.written is None or address.lower() in watcher.written:
            checked.append("reentrancy")
            counters = reentry_counters(reentrant, getattr(machine.p, "chain", None))
            check_no_reentry({address: counters}, machine.model)
    return found


def _report_accepted(machine: Any, reported_block: int) -> bool:
    """Whether the step just checked had a balances report accepted (read after a violation).

    The watcher's observation of the step is lost with the violation; the
    one view it compares is read again.
    """
    try:
        return machine.p.network_balances.getBalancesBlock() != reported_block
    except Exception:  # noqa: BLE001 - a count must not hide the violation being raised
        return False


def _ran_until(failed: str, report: bool) -> list[str]:
    """The watcher's invariants that ran in a step whose check ``failed`` raised."""
    order = [n for n in AFTER_EACH_RULE[:-1] if n != "rate-monotonicity" or report]
    return order[: order.index(failed) + 1] if failed in order else [failed]


def count_step(machine: Any, rule: str) -> None:
    """Count ``outcome`` and ``events`` once for a step of ``rule`` the checked facade compares."""
    action = ACTIONS.get(rule)
    if action is not None and action.checked:
        for name in DURING_EACH_STEP:
            type(machine).invariant_stats[name] += 1


def check_step(machine: Any) -> None:
    """The per-step invariants for ``machine``; economic events are recorded, violations raise.

    Each invariant that ran is counted in the machine class's
    ``invariant_stats`` (the campaign's invariant table), a raised one too.
    """
    checked: list[str] = []
    try:
        found = _run_checks(machine, checked)
    finally:
        type(machine).invariant_stats.update(checked)
    for economic in found:
        event(economic.name)
        machine.economic_events.append({"step": len(machine.steps), "event": economic.name})


def checked_counts(stats: collections.Counter) -> dict[str, int]:
    """The counted invariants, every one (zero if never checked), in table order."""
    return {name: stats.get(name, 0) for name in (*AFTER_EACH_RULE, *DURING_EACH_STEP)}
