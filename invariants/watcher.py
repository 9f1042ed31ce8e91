"""The state the pure checks need from one step to the next, kept in one place.

:class:`Watcher` takes the baseline observation, remembers the previous one,
the ETH the harness minted and the model's loss marks at the last accepted
report, and after each step observes the chain once and runs
:func:`invariants.checks.check_all`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.model import Model, norm
from invariants.checks import (
    EconomicEvent,
    ReportMarks,
    check_all,
    conservation_baseline,
    report_accepted,
)
from invariants.observe import Observation, StorageWrites, observe

# Outcomes a solvency check returns at every step until the next report: each
# is reported again only when the amount under this key of its details grows.
_LASTING = {
    "uncovered-loss": "uncovered_since_report",
    "bond-reduction-not-cancelled": "unpoliced_since_report",
    "deficit-carried": "owed",
    "stale-report": "owed",
}


class Watcher:
    """Checks every invariant after each step of one history.

    Create it before the first action (``actors`` must include every address
    that can receive protocol ETH); call :meth:`fund` whenever the harness
    mints ETH into an actor, and :meth:`step` after every action
    (``vault_names``: see :func:`invariants.observe`). Each step re-reads
    only the views whose contracts wrote storage since the last one (see
    :class:`invariants.observe.StorageWrites`). Economic
    events are returned by :meth:`step` once each (an uncovered loss is
    reported again only when it grows) and collected in ``events``.
    """

    def __init__(
        self,
        p: Any,
        model: Model,
        actors: Iterable[str],
        vault_names: Iterable[str] | None = None,
    ) -> None:
        self.p = p
        self.vault_names = None if vault_names is None else list(vault_names)
        self.model = model
        self.actors = [norm(a) for a in actors]
        self.writes = StorageWrites(getattr(p, "chain", None))
        self.baseline: Observation = observe(p, model, self.actors, self.vault_names)
        self.previous: Observation = self.baseline
        self.initial_total = conservation_baseline(self.baseline)
        self.funded: dict[str, int] = {}
        # The marks of the moment the last accepted report describes.
        self.at_last_report = model.report.marks if model.report.block else ReportMarks.of(model)
        self.events: list[EconomicEvent] = []
        # Outcomes that last until the next report, by name: the amount last reported.
        self._reported_amounts: dict[str, int] = {}
        # Contracts that wrote storage during the last step (None: unknown).
        self.written: set[str] | None = None

    def fund(self, actor: str, wei: int) -> None:
        """Record that the harness minted ``wei`` into ``actor`` (outside the protocol)."""
        actor = norm(actor)
        self.funded[actor] = self.funded.get(actor, 0) + wei

    def step(self) -> list[EconomicEvent]:
        """Observe once, run every check (raising on a violation), return new economic events.

        Afterwards ``written`` holds the contracts (lower-case addresses)
        that wrote storage during the step, ``None`` if that is unknown, for
        checks outside the watcher that read only what changed.
        """
        self.written = self.writes.take()
        obs = observe(
            self.p,
            self.model,
            self.actors,
            self.vault_names,
            previous=self.previous,
            written=self.written,
        )
        events = check_all(
            obs,
            self.model,
            self.previous,
            at_last_report=self.at_last_report,
            initial_total=self.initial_total,
            funded=self.funded,
            baseline=self.baseline,
            actors=self.actors,
        )
        if report_accepted(self.previous, obs):
            self.at_last_report = self.model.report.marks
            self._reported_amounts.clear()
        self.previous = obs
        fresh = []
        for event in events:
            key = _LASTING.get(event.name)
            # The rate check's events of the same names (one per report) have no such key.
            if key is not None and key in event.details:
                amount = event.details[key]
                if amount <= self._reported_amounts.get(event.name, 0):
                    continue
                self._reported_amounts[event.name] = amount
            fresh.append(event)
        self.events.extend(fresh)
        return fresh
