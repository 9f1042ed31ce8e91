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

from invariants import Watcher

# Only the deposit pool keeps ETH in the vault; reading the other names
# costs 16 view calls a step and detects nothing more (see invariants.observe).
VAULT_NAMES = ("rocketDepositPool",)


def start_watching(machine: Any) -> Watcher:
    """A watcher over ``machine``'s protocol, model and actors, from the current state."""
    return Watcher(machine.p, machine.model, list(machine.ctx.actors.values()), VAULT_NAMES)


def check_step(machine: Any) -> None:
    """The per-step invariants for ``machine``; economic events are recorded, violations raise."""
    for found in machine.watcher.step():
        event(found.name)
        machine.economic_events.append({"step": len(machine.steps), "event": found.name})
