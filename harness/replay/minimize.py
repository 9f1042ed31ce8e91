"""``rpfuzz minimize``: shrink a replay file while the same invariant still fails.

Hypothesis shrinks what a campaign finds, but a file recorded elsewhere, cut
short by the time budget, or edited by hand can often be smaller. Each
candidate is replayed from the deployed state (:func:`harness.replay.session.replay`)
and kept only if it fails with the same invariant (by name; the step may
move). Steps after the failing one are dropped at once. Then, greedily:

1. **delete steps**: chunks of half the steps, then quarters, down to single
   steps (delta debugging), repeated while a sweep removes anything;
2. **lower amounts**: each amount or duration (``amount``, ``inflate``,
   ``price``, ``seconds``, a minipool's ``value``) is tried at its minimum,
   then halved while the failure holds;
3. one more sweep of single-step deletions, since smaller amounts can make
   steps unnecessary.

A candidate that cannot run (a minipool index that no longer exists, an
actor it no longer has) simply does not reproduce. The search stops at the
time budget and returns the smallest failing file found so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.replay.file import ReplayFile, contracts_sha256
from harness.replay.session import ReplayResult, StepError, failure_message, replay

# Minimum of each argument the search lowers.
_MINIMUM = {"amount": 0, "inflate": 0, "seconds": 0, "price": 1, "value": 0}


class NotReproduced(Exception):
    """The file does not fail on these contracts: there is nothing to keep failing."""


@dataclass
class MinimizeResult:
    """What the search kept: the smaller file, and how it got there."""

    original: ReplayFile
    minimized: ReplayFile
    invariant: str
    replays: int
    seconds: float
    budget_reached: bool
    lowered: int

    @property
    def removed(self) -> int:
        """Steps deleted."""
        return len(self.original.steps) - len(self.minimized.steps)


def lowerable(rule: str, name: str, value: Any) -> bool:
    """Whether argument ``name`` of ``rule`` is an amount or duration the search may lower."""
    if isinstance(value, bool) or not isinstance(value, int) or name not in _MINIMUM:
        return False
    if name == "value" and rule != "create_minipool":
        return False  # a setting's value, not an amount
    return value > _MINIMUM[name]


class _Search:
    def __init__(
        self,
        replay_file: ReplayFile,
        contracts_dir: str | Path | None,
        max_seconds: float,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.file = replay_file
        self.contracts_dir = contracts_dir
        self.deadline = time.perf_counter() + max_seconds
        self.progress = progress
        self.replays = 0
        self.lowered = 0
        self.invariant = ""
        self.budget_reached = False

    def out_of_time(self) -> bool:
        if time.perf_counter() >= self.deadline:
            self.budget_reached = True
        return self.budget_reached

    def run(self, steps: list[dict[str, Any]]) -> ReplayResult:
        self.replays += 1
        return replay(replace(self.file, steps=steps), self.contracts_dir)

    def attempt(self, steps: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """``steps`` cut after their failing step, if they fail with the invariant; else None."""
        if not steps or self.out_of_time():
            return None
        try:
            result = self.run(steps)
        except StepError:
            return None
        failure = result.failure
        if failure is None or failure.invariant != self.invariant:
            return None
        return steps[: failure.index + 1]

    def say(self, steps: list[dict[str, Any]], phase: str) -> None:
        if self.progress is not None:
            self.progress(f"{phase}: {len(steps)} steps, {self.replays} replays")

    def delete(self, steps: list[dict[str, Any]], smallest_chunk_only: bool = False):
        """Delete chunks of steps, halving the chunk size, until a sweep removes nothing."""
        while True:
            before = len(steps)
            chunk = 1 if smallest_chunk_only else max(1, len(steps) // 2)
            while chunk >= 1 and not self.out_of_time():
                start = 0
                while start < len(steps) and not self.out_of_time():
                    kept = self.attempt(steps[:start] + steps[start + chunk :])
                    if kept is not None:
                        steps = kept
                        self.say(steps, "deleting steps")
                    else:
                        start += chunk
                chunk //= 2
            if len(steps) == before or self.out_of_time():
                return steps

    def with_value(self, steps: list[dict[str, Any]], index: int, name: str, value: int):
        """``steps`` with argument ``name`` of step ``index`` set to ``value``, if still failing."""
        trial = list(steps)
        trial[index] = {**steps[index], "args": {**steps[index]["args"], name: value}}
        return self.attempt(trial)

    def lower(self, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Lower every amount and duration: to its minimum if that fails too, else by halves."""
        index = 0
        while index < len(steps) and not self.out_of_time():
            for name, value in list(steps[index]["args"].items()):
                if index >= len(steps) or not lowerable(steps[index]["rule"], name, value):
                    continue
                minimum = _MINIMUM[name]
                kept = self.with_value(steps, index, name, minimum)
                if kept is not None:
                    steps = kept
                    self.lowered += 1
                    self.say(steps, "lowering amounts")
                    continue
                while value // 2 > minimum and index < len(steps):
                    kept = self.with_value(steps, index, name, value // 2)
                    if kept is None:
                        break
                    steps, value = kept, value // 2
                    self.lowered += 1
                    self.say(steps, "lowering amounts")
            index += 1
        return steps


def minimize(
    replay_file: ReplayFile,
    contracts_dir: str | Path | None = None,
    max_seconds: float = 300.0,
    progress: Callable[[str], None] | None = None,
) -> MinimizeResult:
    """Shrink ``replay_file`` on ``contracts_dir`` for at most ``max_seconds``.

    Raises :class:`NotReproduced` when the file does not fail there, and
    :class:`~harness.replay.session.StepError` when the file itself cannot run.
    ``progress`` is called with a line of text after each improvement.
    """
    started = time.perf_counter()
    search = _Search(replay_file, contracts_dir, max_seconds, progress)
    first = search.run(list(replay_file.steps))
    if first.failure is None:
        raise NotReproduced(
            f"replaying its {len(replay_file.steps)} steps, every invariant held: "
            "there is no failure to keep"
        )
    search.invariant = first.failure.invariant
    steps = list(replay_file.steps[: first.failure.index + 1])
    search.say(steps, "start")
    steps = search.delete(steps)
    steps = search.lower(steps)
    steps = search.delete(steps, smallest_chunk_only=True)
    final = search.run(steps)
    failure = final.failure
    assert failure is not None and failure.invariant == search.invariant  # every kept step did
    used = Path(contracts_dir).resolve() if contracts_dir is not None else DEFAULT_CONTRACTS_DIR
    minimized = replace(
        replay_file,
        steps=steps,
        contracts_dir=None if used == DEFAULT_CONTRACTS_DIR.resolve() else str(used),
        contracts_sha256=contracts_sha256(used),
        failure={
            "step": failure.index,
            "invariant": failure.invariant,
            "message": failure_message(failure.failure),
        },
    )
    return MinimizeResult(
        original=replay_file,
        minimized=minimized,
        invariant=search.invariant,
        replays=search.replays,
        seconds=time.perf_counter() - started,
        budget_reached=search.budget_reached,
        lowered=search.lowered,
    )
