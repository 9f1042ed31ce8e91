"""Running the invariants after a machine step.

The machine keeps one :class:`invariants.Watcher` per example: it reads the
chain once per step, runs every check of :mod:`invariants` against the
reference model, and returns the named economic events (an uncovered loss,
a bounded fall of the rate) that the campaign reports as outcomes rather
than failures.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event

from harness.chain.actors import REENTRANT, reentry_counters
from invariants import EconomicEvent, Watcher, check_no_reentry

# Only the deposit pool keeps ETH in the vault; reading the other names
# costs 16 view calls a step and detects nothing more (see invariants.observe).
VAULT_NAMES = ("rocketDepositPool",)


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
    watcher = machine.watcher
    found = watcher.step()
    reentrant = machine.ctx.contracts.get(REENTRANT)
    if reentrant is not None:
        address = str(reentrant.address)
        if watcher.written is None or address.lower() in watcher.written:
            counters = reentry_counters(reentrant, getattr(machine.p, "chain", None))
            check_no_reentry({address: counters}, machine.model)
    return found


def check_step(machine: Any) -> None:
    """The per-step invariants for ``machine``; economic events are recorded, violations raise."""
    for found in run_checks(machine):
        event(found.name)
        machine.economic_events.append({"step": len(machine.steps), "event": found.name})
