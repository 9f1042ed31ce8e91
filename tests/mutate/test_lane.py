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
from harness.fuzz import views
from harness.mutate import lane as mutate_lane
from harness.mutate import runner
from harness.mutate.operators import generate
from harness.run.workers import LaneError, WarmLane
from invariants import events

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


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
    """A fork's loader: the lane's deployer for an unchanged file, the compiler for the rest.

    In every module that imported the compiling function by name, not only
    ``revm``: the event decoders kept the original and loaded every contract
    again inside the first example, seconds a fresh process did not spend
    (issue 17: a mutant a fresh process killed survived in the lane).
    """
    compiled_here: list[Path] = []

    def fake(path):
        compiled_here.append(path)
        return "fresh"

    holders = (revm, backend, events, views)  # as after `from harness.chain.revm import compiled`
    for module in holders:
        monkeypatch.setattr(module, "compiled", fake)
    state = mutate_lane.LaneState(tmp_path, {"A.vy": "lane's A", "B.vy": "lane's B"}, 0.0)
    work = tmp_path / "work"
    mutate_lane._install_loader(state, work, ("B.vy",))
    for module in holders:
        assert module.compiled(work / "A.vy") == "lane's A", module.__name__
    assert compiled_here == []
    assert revm.compiled(work / "B.vy") == "fresh"  # the mutated file
    assert events.compiled(work / "B.vy") == "fresh"
    assert revm.compiled(work / "C.vy") == "fresh"  # one the lane never loaded
    assert revm.compiled(tmp_path / "mocks" / "A.vy") == "fresh"  # outside the deployment
    assert compiled_here == [
        (work / "B.vy").resolve(),
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


# --------------------------------------------------------------------------- a mutant's fork
def _run_recording_loads(state: mutate_lane.LaneState, task: mutate_lane.MutantJob) -> dict:
    """``run_mutant``, noting every contract the fork loads (compiled or from the disk cache)."""
    import boa

    loaded: list[str] = []
    load_partial = boa.load_partial

    def recording(path, *args, **kwargs):
        loaded.append(Path(path).name)
        return load_partial(path, *args, **kwargs)

    boa.load_partial = recording
    out = mutate_lane.run_mutant(state, task)
    out["loaded"] = loaded
    return out


def test_a_lane_fork_loads_only_the_mutated_contract_and_kills_as_a_fresh_process_does(tmp_path):
    """Issue 17: the deposit contract without its credentials-length check, in a lane's fork.

    A stranger's deposit with 31-byte credentials is refused by the data-root
    check instead ("reconstructed root does not match"), and the model says
    which check should refuse it: ``--fresh`` kills it in about 3 s. The lane
    let it survive a 20 s budget: its fork loaded every contract of the working
    copy again inside the first example (the event decoders bypassed the
    lane's loader), which took the budget. Now it loads the one file the
    mutant changed, and the same campaign kills it.
    """
    [mutant] = [m for m in generate(CONTRACTS, only="DepositContract.vy:70")]
    prof = runner.resolve_profile("deep")
    settings = runner._Settings(1, 15.0, prof.steps, prof, "revm", None, 0.0)
    lane = runner._Lane(CONTRACTS, tmp_path / "work-0", settings, tmp_path)
    lane.warm._run = _run_recording_loads
    answers: list[tuple[str, object]] = []
    run = lane._run
    lane._run = lambda task: answers.append(run(task)) or answers[-1]
    try:
        outcome = lane.fuzz(mutant)
    finally:
        lane.close()
    [(kind, answer)] = answers
    assert kind == "done"
    assert answer["loaded"] == ["DepositContract.vy"]
    assert (outcome.status, outcome.invariant) == (runner.KILLED, "outcome")
    assert "deposit contract: reconstructed root does not match" in outcome.message
    assert "deposit contract: invalid withdrawal credentials length" in outcome.message
