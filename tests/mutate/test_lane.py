"""Warm lanes (``harness.run.workers.WarmLane``): each job in a fork that keeps nothing of the last.

The lane's ``prepare`` and ``run`` below are module-level, so the spawned
lane finds them by name.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from harness.chain import backend, revm
from harness.mutate import lane as mutate_lane
from harness.run.workers import LaneError, WarmLane


def _prepare(start: int) -> dict[str, int]:
    return {"count": start}


def _prepare_fails(arg: object) -> None:
    raise RuntimeError("no contracts here")


def _run(state: dict[str, int], job: tuple[str, int]) -> object:
    kind, value = job
    if kind == "bump":  # change the lane's state: the next fork must not see it
        state["count"] += value
        return state["count"]
    if kind == "pid":
        return os.getpid()
    if kind == "hang":
        time.sleep(value)
    if kind == "die":
        os._exit(value)
    if kind == "kill-lane":  # the lane itself dies, mid-job
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(30)
    raise ValueError(f"job {kind} went wrong")


def test_each_job_runs_in_a_fork_that_starts_from_what_prepare_made():
    """One lane, many jobs: none sees another's state; a hang, an error, a death are reported."""
    with WarmLane(_prepare, 10, _run) as lane:
        assert lane.run(("bump", 1), 30) == ("done", 11)
        assert lane.run(("bump", 5), 30) == ("done", 15)  # not 16: the first fork's change died
        first, second = lane.run(("pid", 0), 30), lane.run(("pid", 0), 30)
        assert first[0] == second[0] == "done" and first[1] != second[1]
        assert lane.run(("hang", 60), 1.0) == ("hung", "no result within 1 s: killed")
        kind, text = lane.run(("oops", 0), 30)
        assert kind == "error" and text.startswith("ValueError: job oops went wrong (")
        assert "test_lane.py:" in text
        assert lane.run(("die", 3), 30) == ("died", "the worker process died (exit code 3)")
        assert lane.run(("bump", 2), 30) == ("done", 12)
        assert lane.starts == 1  # the lane itself lived through all of it


def test_a_lane_that_dies_is_started_again():
    with WarmLane(_prepare, 10, _run) as lane:
        assert lane.run(("bump", 1), 30) == ("done", 11)
        kind, text = lane.run(("kill-lane", 0), 30)
        assert kind == "died" and "the warm lane died" in text
        assert lane.run(("bump", 1), 30) == ("done", 11)
        assert lane.starts == 2
        os.kill(lane.pid, signal.SIGKILL)  # between jobs this time
        time.sleep(0.5)
        assert lane.run(("bump", 3), 30) == ("done", 13)
        assert lane.starts == 3


def test_a_lane_that_cannot_prepare_says_why():
    lane = WarmLane(_prepare_fails, None, _run)
    with pytest.raises(LaneError, match="failed to prepare: RuntimeError: no contracts here"):
        lane.start()


def test_the_loader_reuses_unchanged_contracts_and_compiles_changed_ones(tmp_path, monkeypatch):
    """A fork's loader: the lane's deployer for an unchanged file, the compiler for the rest."""
    compiled_here: list[Path] = []
    monkeypatch.setattr(revm, "compiled", lambda path: compiled_here.append(path) or "fresh")
    monkeypatch.setattr(backend, "compiled", backend.compiled)
    state = mutate_lane.LaneState(tmp_path, {"A.vy": "lane's A", "B.vy": "lane's B"}, 0.0)
    work = tmp_path / "work"
    mutate_lane._install_loader(state, work, ("B.vy",))
    assert revm.compiled(work / "A.vy") == "lane's A"
    assert backend.compiled(work / "A.vy") == "lane's A"  # titanoboa's loader too
    assert revm.compiled(work / "B.vy") == "fresh"  # the mutated file
    assert revm.compiled(work / "C.vy") == "fresh"  # one the lane never loaded
    assert revm.compiled(tmp_path / "mocks" / "A.vy") == "fresh"  # outside the deployment
    assert compiled_here == [
        (work / "B.vy").resolve(),
        (work / "C.vy").resolve(),
        (tmp_path / "mocks" / "A.vy").resolve(),
    ]


def test_a_compiler_message_is_told_by_its_first_line_that_says_something():
    several = Exception(
        "Compilation failed with the following errors:\n\nStructureException: used "
        "@reentrant decorator, but `#pragma nonreentrancy` is not set\n\n  contract ..."
    )
    assert mutate_lane.first_line(several) == (
        "StructureException: used @reentrant decorator, but `#pragma nonreentrancy` is not set"
    )
    assert mutate_lane.first_line(ValueError("slice out of bounds\n  at 171")) == (
        "slice out of bounds"
    )
    assert mutate_lane.first_line(KeyError()) == "KeyError"
