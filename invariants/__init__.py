"""Invariants: one pure function per property, shared by the machine, replay and the REPL.

Each check raises :class:`InvariantViolation` with the property's name, a
readable message and the numbers behind it. :func:`observe` reads the chain
once per step into an :class:`Observation`; the ``check_*`` functions compare
it with the reference model; :func:`check_all` runs them in order and
:class:`Watcher` carries the state between steps; :func:`check_events` compares
the events a checked action emitted with the model's (:mod:`invariants.events`).

May import: :mod:`harness.model`, :mod:`harness.chain`, :mod:`harness.config`,
:mod:`harness.units`, and itself; never :mod:`harness.fuzz` or anything above.
"""

from __future__ import annotations

from invariants.checks import (
    LEGAL_STATUSES,
    LEGAL_TRANSITIONS,
    RATE_DUST,
    EconomicEvent,
    ReportMarks,
    check_all,
    check_auction,
    check_beacon_deposits,
    check_deposit_pool,
    check_distribution_split,
    check_eth_conservation,
    check_minipool_accounting,
    check_minipool_lifecycle,
    check_minipools,
    check_no_free_lunch,
    check_node_accounting,
    check_outcome,
    check_penalty_split,
    check_rate_monotonicity,
    check_reth_supply,
    check_solvency,
    check_vault,
    conservation_baseline,
    report_accepted,
)
from invariants.events import check_events
from invariants.observe import (
    MinipoolObservation,
    NodeObservation,
    Observation,
    observe,
)
from invariants.reentry import check_no_reentry
from invariants.violation import InvariantViolation
from invariants.watcher import Watcher

__all__ = [
    "LEGAL_STATUSES",
    "LEGAL_TRANSITIONS",
    "RATE_DUST",
    "EconomicEvent",
    "ReportMarks",
    "InvariantViolation",
    "MinipoolObservation",
    "NodeObservation",
    "Observation",
    "Watcher",
    "check_all",
    "check_auction",
    "check_beacon_deposits",
    "check_deposit_pool",
    "check_distribution_split",
    "check_eth_conservation",
    "check_events",
    "check_minipool_accounting",
    "check_penalty_split",
    "check_minipool_lifecycle",
    "check_minipools",
    "check_no_free_lunch",
    "check_no_reentry",
    "check_node_accounting",
    "check_outcome",
    "check_rate_monotonicity",
    "check_reth_supply",
    "check_solvency",
    "check_vault",
    "conservation_baseline",
    "observe",
    "report_accepted",
]
