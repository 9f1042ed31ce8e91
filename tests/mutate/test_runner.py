"""rpfuzz mutate's runner: selecting, the equivalents file, compiling, scoring, the command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.bugzoo import BY_NAME, apply_bug
from harness.cli.commands import main
from harness.config import ConfigError
from harness.mutate import runner
from harness.mutate.operators import generate

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
    broken = apply_bug(BY_NAME["consensus-off-by-one"], CONTRACTS, tmp_path / "broken")
    code = main(
        ["mutate", "--contracts", str(broken), "--only", "RocketVault.vy", "--sample", "1"]
        + ["--budget", "20", "--out", str(tmp_path / "out"), "--profile", "zoo"]
    )
    out = " ".join(capsys.readouterr().out.split())
    assert code == 2
    assert "fail the same campaign" in out and "no mutant was scored" in out


def test_a_dropped_access_check_is_killed(tmp_path):
    """End to end on revm: the original is clean, the mutant dies, the JSON says so."""
    mutants = generate(CONTRACTS, only="RocketTokenRETH.vy")
    target = next(
        m for m in mutants if m.operator == "assert-drop" and "deposit pool" in m.original
    )
    out = tmp_path / "result.json"
    code = main(
        ["mutate", "--only", f"RocketTokenRETH.vy:{target.line}", "--budget", "20"]
        + ["--profile", "zoo", "--out", str(tmp_path / "out"), "--json", str(out)]
        + ["--min-score", "1"]
    )
    data = json.loads(out.read_text())
    by_id = {m["id"]: m for m in data["mutants"]}
    assert by_id[target.id]["status"] == "killed"
    assert by_id[target.id]["invariant"] is not None
    assert code == (0 if data["kill_rate"] == 1 else 1)


def test_unknown_backend_is_a_usage_error_even_for_list(capsys):
    assert main(["mutate", "--list", "--backend", "evm1"]) == 2
    assert "--backend evm1: unknown backend; choose one of" in capsys.readouterr().out
