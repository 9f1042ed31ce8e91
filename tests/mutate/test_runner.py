"""rpfuzz mutate's runner: selecting, the equivalents file, compiling, scoring, the command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.bugzoo import BY_NAME
from harness.cli.commands import main
from harness.config import ConfigError
from harness.mutate import runner
from harness.mutate.operators import generate
from tests.helpers import bug_copy

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"


def _outcome(status: str, n: int = 0) -> runner.MutantOutcome:
    return runner.MutantOutcome(f"X.vy:{n}:op:0", "X.vy", n, "op", "a", "b", status=status)


def test_kill_rate_counts_killed_over_killed_and_survived_only():
    result = runner.MutateResult(
        [_outcome(runner.KILLED, 1), _outcome(runner.KILLED, 2), _outcome(runner.SURVIVED, 3)]
        + [_outcome(runner.STILLBORN, 4), _outcome(runner.CRASHED, 5)],
        seed=1,
        budget=60,
        backend="revm",
        profile="deep",
        pool=10,
        equivalent=1,
    )
    assert result.kill_rate == pytest.approx(2 / 3)
    assert runner.summary_line(result).startswith(
        "2 killed, 1 survived, 1 stillborn, 1 crashed: kill rate 67% (5 of 10 mutants fuzzed, "
        "1 left out as equivalent"
    )
    data = result.to_json()
    assert (data["killed"], data["survived"], data["stillborn"], data["crashed"]) == (2, 1, 1, 1)


def test_nothing_scored_has_no_rate():
    result = runner.MutateResult([_outcome(runner.STILLBORN)], 1, 60, "revm", "deep", 1, 0)
    assert result.kill_rate is None
    assert "no mutant scored" in runner.summary_line(result)


def test_equivalents_file_needs_an_argument_per_mutant(tmp_path):
    good = tmp_path / "equivalents.txt"
    good.write_text("# header\n\nA.vy:3:bool-flip:0  # both branches pay the same\n")
    assert runner.load_equivalents(good) == {"A.vy:3:bool-flip:0": "both branches pay the same"}
    bad = tmp_path / "bad.txt"
    bad.write_text("A.vy:3:bool-flip:0\n")
    with pytest.raises(ConfigError, match=r"bad.txt:1: mutant A.vy:3:bool-flip:0 has no argument"):
        runner.load_equivalents(bad)
    with pytest.raises(ConfigError, match="equivalents file not found"):
        runner.load_equivalents(tmp_path / "missing.txt")


def test_the_shipped_contracts_use_the_checked_in_equivalents(tmp_path):
    shipped = runner.load_equivalents(runner.default_equivalents(None, None))
    pool = generate(CONTRACTS)
    ids = {m.id for m in pool}
    # Every declaration names a mutant that exists, and they stay under 5% of the pool.
    assert set(shipped) <= ids
    assert set(shipped) == {
        "DepositContract.vy:22:arith-swap:0",
        "DepositContract.vy:22:constant-off-by-one:0",
        "DepositContract.vy:22:constant-off-by-one:1",
        "RocketMinipoolBondReducer.vy:122:assert-drop:0",
    }
    assert len(shipped) <= 0.05 * len(pool)
    # A copy elsewhere gets none unless named; a named file always wins.
    assert runner.default_equivalents(tmp_path, None) is None
    named = tmp_path / "mine.txt"
    assert runner.default_equivalents(tmp_path, named) == named


def test_select_leaves_out_declared_equivalents_and_counts_them():
    pool = generate(CONTRACTS, only="RocketVault.vy")
    first = pool[0]
    kept, size, excluded = runner.select(CONTRACTS, "RocketVault.vy", None, 1, {first.id: "why"})
    assert size == len(pool)
    assert excluded == 1
    assert [m.id for m in kept] == [m.id for m in pool[1:]]


def test_a_module_change_recompiles_its_importers():
    importers = runner.affected(CONTRACTS, "rocket_base.vy")
    assert "RocketTokenRETH.vy" in importers and "RocketDepositPool.vy" in importers
    assert "RocketVault.vy" not in importers  # it finds no peers by name
    assert "rocket_base.vy" not in importers and "odao_votes.vy" not in importers
    # through odao_votes, a module that imports rocket_base
    voters = runner.affected(CONTRACTS, "odao_votes.vy")
    assert voters and set(voters) <= set(importers)
    assert runner.affected(CONTRACTS, "RocketVault.vy") == ["RocketVault.vy"]


def test_a_mutant_that_does_not_compile_is_stillborn(tmp_path):
    copy = tmp_path / "contracts"
    shutil.copytree(CONTRACTS, copy)
    vault = copy / "RocketVault.vy"
    vault.write_text(vault.read_text() + "\n@external\ndef broken() -> uint256:\n    return True\n")
    message = runner.compile_error(copy, "RocketVault.vy")
    assert message is not None and message.startswith("RocketVault.vy: ")
    assert runner.compile_error(CONTRACTS, "RocketVault.vy") is None


def test_list_prints_each_mutant_and_the_count(capsys):
    assert main(["mutate", "--list", "--only", "RocketVault.vy", "--sample", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("RocketVault.vy:") == 3
    assert "3 of " in out and "0 left out as equivalent" in out


def test_min_score_out_of_range_is_a_usage_error(capsys):
    assert main(["mutate", "--min-score", "90"]) == 2
    assert "--min-score 90.0: give a rate between 0 and 1" in capsys.readouterr().out


def test_refuses_to_score_when_the_original_fails(tmp_path, capsys):
    """A failing original would make every mutant a kill: exit 2, naming the failure."""
    broken = bug_copy(BY_NAME["consensus-off-by-one"], CONTRACTS)
    code = main(
        ["mutate", "--contracts", str(broken), "--only", "RocketVault.vy", "--sample", "1"]
        + ["--budget", "20", "--out", str(tmp_path / "out"), "--profile", "zoo"]
    )
    out = " ".join(capsys.readouterr().out.split())
    assert code == 2
    assert "fail the same campaign" in out and "no mutant was scored" in out


def test_unknown_backend_is_a_usage_error_even_for_list(capsys):
    assert main(["mutate", "--list", "--backend", "evm1"]) == 2
    assert "--backend evm1: unknown backend; choose one of" in capsys.readouterr().out


# --------------------------------------------------------------------------- scoring a campaign
def _summary(*failures: dict) -> dict:
    return {"failures": list(failures), "first_failure_seconds": 1.5, "first_failure_steps": 7}


def _failure(invariant: str, step: int, crashed: bool, message: str = "why") -> dict:
    return {
        "invariant": invariant,
        "message": message,
        "step": step,
        "replay_file": None,
        "crashed": crashed,
    }


def test_a_revert_in_the_world_setup_kills_and_says_where():
    """Before the first step (the machine's start, the watcher's first reading): setup."""
    outcome = _outcome(runner.SURVIVED)
    runner._score(outcome, _summary(_failure("RevmReverted", -1, True, "queue: capacity")))
    assert outcome.status == runner.KILLED
    assert outcome.message == "setup (before the first step): reverted: queue: capacity"
    assert outcome.invariant == "RevmReverted"


def test_a_revert_outside_a_checked_call_kills_naming_the_step():
    outcome = _outcome(runner.SURVIVED)
    runner._score(outcome, _summary(_failure("BoaError", 15, True, "getExcessBalance")))
    assert outcome.status == runner.KILLED
    assert outcome.message == "step 15 (outside the checked calls): reverted: getExcessBalance"


def test_an_invariant_wins_over_a_revert_and_a_harness_error_is_a_crash():
    outcome = _outcome(runner.SURVIVED)
    failures = (_failure("KeyError", 3, True), _failure("solvency", 4, False, "vault short"))
    runner._score(outcome, _summary(*failures))
    assert (outcome.status, outcome.invariant, outcome.message) == (
        runner.KILLED,
        "solvency",
        "vault short",
    )
    crashed = _outcome(runner.SURVIVED)
    runner._score(crashed, _summary(_failure("KeyError", 3, True, "'node_operator_9'")))
    assert (crashed.status, crashed.message) == (runner.CRASHED, "'node_operator_9'")
    untouched = _outcome(runner.SURVIVED)
    runner._score(untouched, _summary())
    assert untouched.status == runner.SURVIVED and untouched.message is None


def test_the_median_overhead_is_over_the_mutants_that_reached_an_example():
    outcomes = [_outcome(runner.KILLED, n) for n in range(3)] + [_outcome(runner.STILLBORN, 9)]
    for outcome, seconds in zip(outcomes, (1.0, 4.0, 2.0), strict=False):
        outcome.overhead_seconds = seconds
    result = runner.MutateResult(outcomes, 1, 30, "revm", "deep", 4, 0, wall_seconds=42.0)
    assert result.median_overhead == 2.0
    assert result.to_json()["median_overhead_seconds"] == 2.0
    assert runner.summary_line(result).endswith("median overhead 2.0 s; 42 s in all)")


# --------------------------------------------------------------------------- end to end
def test_ci_mutate_run_kills_and_tells_stillborn_mutants_apart(tmp_path):
    """The CI run: one line's four mutants on revm, a tiny budget, in one warm lane.

    ``slice(convert(reversed_, bytes32), 24, 8)`` (the deposit contract's
    little-endian amount): reading past the 32 bytes does not compile; one
    byte off changes every deposit's data root, so the first minipool's
    deposit reverts where the model expects it to go through.
    """
    out = tmp_path / "result.json"
    code = main(
        ["mutate", "--only", "DepositContract.vy:171", "--budget", "4", "--profile", "zoo"]
        + ["--out", str(tmp_path / "out"), "--json", str(out), "--min-score", "1"]
    )
    data = json.loads(out.read_text())
    by_id = {m["id"]: m for m in data["mutants"]}
    status = {ident.rsplit(":", 1)[1]: m["status"] for ident, m in by_id.items()}
    assert status == {"0": "stillborn", "1": "killed", "2": "stillborn", "3": "killed"}
    for index in ("0", "2"):
        stillborn = by_id[f"DepositContract.vy:171:constant-off-by-one:{index}"]
        assert stillborn["message"].startswith("DepositContract.vy: ")
        assert "slice out of bounds" in stillborn["message"]
        assert stillborn["overhead_seconds"] is None
    for index in ("1", "3"):
        killed = by_id[f"DepositContract.vy:171:constant-off-by-one:{index}"]
        assert killed["invariant"] == "outcome"
        assert 0 < killed["overhead_seconds"] < 30
        assert Path(killed["replay_file"]).is_file()
    assert (data["killed"], data["stillborn"], data["kill_rate"]) == (2, 2, 1.0)
    assert data["median_overhead_seconds"] is not None
    assert code == 0


def test_a_mutant_whose_deployment_reverts_is_killed_at_deploy(tmp_path, monkeypatch):
    """The directory refusing its guardian: the deploy reverts, in the lane's fork.

    The lane loads nothing up front here (the fork compiles the two contracts
    the deploy reaches before it reverts), to keep the test short.
    """
    monkeypatch.setattr(runner, "_deployables", lambda contracts_dir: [])
    mutant = next(m for m in generate(CONTRACTS, only="RocketStorage.vy:51") if "flip" in m.id)
    prof = runner.resolve_profile("zoo")
    settings = runner._Settings(1, 4.0, prof.steps, prof, "revm", None, 0.0)
    lane = runner._Lane(CONTRACTS, tmp_path / "work-0", settings, tmp_path)
    try:
        outcome = lane.fuzz(mutant)
    finally:
        lane.close()
    assert outcome.status == runner.KILLED
    assert outcome.message.startswith("deploy reverted: ")
    assert "rocket storage: caller is not the guardian" in outcome.message
    assert outcome.overhead_seconds is None
    # the working copy is the original again
    assert (tmp_path / "work-0" / "contracts" / "RocketStorage.vy").read_text() == (
        CONTRACTS / "RocketStorage.vy"
    ).read_text()


def test_a_progress_line_says_how_and_where():
    killed = _outcome(runner.KILLED, 15)
    runner._score(killed, _summary(_failure("RevmReverted", 15, True, "getExcessBalance")))
    killed.overhead_seconds = 2.25
    assert runner.progress_line(killed) == (
        "  killed X.vy:15:op:0 by RevmReverted after 1.5 s in step 15 (outside the checked "
        "calls): reverted: getExcessBalance (2.2 s to the first example)"
    )
    stillborn = _outcome(runner.STILLBORN, 3)
    stillborn.message = "X.vy: StructureException: no"
    line = runner.progress_line(stillborn)
    assert line == "  stillborn X.vy:3:op:0: X.vy: StructureException: no"


def test_a_lane_keeps_nothing_of_a_killed_mutant(tmp_path):
    """After a mutant dies in the working copy, the same copy, restored, holds in the same lane.

    The same directory is the same key for every per-process cache (the
    shared deployment among them): had the mutant's deployment or compiled
    code stayed behind, the restored contracts would fail as it did.
    """
    [mutant] = [m for m in generate(CONTRACTS, only="DepositContract.vy:171") if m.index == 3]
    prof = runner.resolve_profile("zoo")
    settings = runner._Settings(1, 3.0, prof.steps, prof, "revm", None, 0.0)
    lane = runner._Lane(CONTRACTS, tmp_path / "work-0", settings, tmp_path)
    try:
        killed = lane.fuzz(mutant)
        summary = lane.original(lane.workspace.contracts)
    finally:
        lane.close()
    assert (killed.status, killed.invariant) == (runner.KILLED, "outcome")
    assert summary["failures"] == []
    assert summary["examples"] > 0 and summary["steps"] > 0
    assert lane.warm.starts == 1
