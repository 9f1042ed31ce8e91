"""Campaigns, replay files, profiles and the benchmark: ``rpfuzz run`` / ``rpfuzz bench``.

The campaigns here are tiny (an example or two of a few steps) and use the
``ci`` profile (derandomised, no database) with a fixed seed, so they draw
the same steps every time. Each runs in ``tmp_path``, where ``failures/``
and ``.hypothesis/`` are created.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import boa
import pytest

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.cli.commands import main
from harness.fuzz.actions import ACTIONS
from harness.fuzz.flows import FLOW_NAMES
from harness.fuzz.invariant_runner import AFTER_EACH_RULE
from harness.fuzz.machine import RocketPoolMachine
from harness.fuzz.steps import StepContext, execute
from harness.replay.file import ReplayFile, ReplayFileError, contracts_sha256
from harness.run.campaign import CampaignJob, campaign_settings, run_worker
from harness.run.profiles import Profile, load_profiles
from harness.world.deploy import shared_protocol
from invariants import InvariantViolation
from tests.helpers import planted_copy

# The campaign isolates its examples itself (an anchor per example); its one
# deploy per process must outlive the test that made it, so these tests opt
# out of titanoboa's per-test anchor, which would roll the deploy back and
# leave the process-wide cache of harness.fuzz.machine.shared_protocol stale.
campaign_test = pytest.mark.ignore_isolation

TINY = ["--profile", "ci", "--seed", "1", "--examples", "1", "--steps", "3"]
# What TINY runs (the ci profile draws the same every time): three rules, the
# opening scene and two after it, with no re-entrant actor paid.
EXPECTED_RULES = 3
EXPECTED_REENTRY = 0


def _replay() -> ReplayFile:
    return ReplayFile(
        seed=7,
        config={"settings": {"deposit.fee": "0.05%"}},
        contracts_sha256="ab" * 32,
        steps=[
            {"rule": "register_node", "args": {"node": "node_operator_0"}},
            {"rule": "deposit", "args": {"who": "depositor_0", "amount": 20 * 10**18}},
        ],
        failure={"step": 1, "invariant": "call-values", "message": "minted too much"},
    )


# --------------------------------------------------------------------------- replay files
def test_replay_file_round_trip(tmp_path):
    path = _replay().write(tmp_path / "failures" / "call-values.json")
    assert ReplayFile.load(path) == _replay()
    data = json.loads(path.read_text())
    assert list(data) == [
        "format",
        "seed",
        "config",
        "contracts_dir",
        "contracts_sha256",
        "steps",
        "failure",
    ]
    assert data["format"] == 1
    # The write is atomic: no temporary file is left beside it.
    assert [p.name for p in path.parent.iterdir()] == ["call-values.json"]


def _without(key: str):
    def edit(data: dict) -> dict:
        del data[key]
        return data

    return edit


@pytest.mark.parametrize(
    ("edit", "field", "fix"),
    [
        (lambda d: {**d, "format": 2}, "format", "format 1 only"),
        # Only "steps" is required (a file written by hand); a misspelt field is refused.
        (_without("steps"), "steps", "re-run the campaign"),
        (lambda d: {**d, "sede": 3}, "sede", "rename or remove it"),
        (lambda d: {**d, "failure": {"step": 0}}, "failure.invariant", "remove 'failure'"),
        (lambda d: {**d, "steps": "deposit"}, "steps", "a list of steps"),
        (lambda d: {**d, "steps": [{"rule": "deposit"}]}, "steps[0]", '"args"'),
        (lambda d: {**d, "failure": {**d["failure"], "step": 9}}, "failure.step", "index"),
        (lambda d: {**d, "seed": "seven"}, "seed", "an integer"),
    ],
)
def test_replay_file_load_errors_name_the_file_the_field_and_the_fix(tmp_path, edit, field, fix):
    path = tmp_path / "bad.json"
    data = json.loads(_replay().to_json())
    path.write_text(json.dumps(edit(data)))
    with pytest.raises(ReplayFileError) as err:
        ReplayFile.load(path)
    message = str(err.value)
    assert str(path) in message
    assert f"'{field}'" in message
    assert fix in message


def test_truncated_and_missing_replay_files(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(_replay().to_json()[:120])
    with pytest.raises(ReplayFileError, match=r"cut\.json: truncated at line .*re-run"):
        ReplayFile.load(path)
    path.write_text("{not json at all}")
    with pytest.raises(ReplayFileError, match="not valid JSON"):
        ReplayFile.load(path)
    with pytest.raises(ReplayFileError, match="nowhere.json: file not found"):
        ReplayFile.load(tmp_path / "nowhere.json")


def test_contracts_sha256_follows_every_source(tmp_path):
    copy = tmp_path / "contracts"
    shutil.copytree(DEFAULT_CONTRACTS_DIR, copy)
    original = contracts_sha256(copy)
    assert original == contracts_sha256(DEFAULT_CONTRACTS_DIR)
    pool = copy / "RocketDepositPool.vy"
    pool.write_text(pool.read_text() + "\n# a comment is a change\n")
    assert contracts_sha256(copy) != original
    pool.unlink()
    assert contracts_sha256(copy) != original


# --------------------------------------------------------------------------- profiles
def test_campaign_settings_resize_the_profile_and_keep_the_database():
    profile = load_profiles()["quick"]
    settings = campaign_settings(profile, examples=3, steps=7, database="db")
    assert (settings.max_examples, settings.stateful_step_count) == (3, 7)
    assert settings.database is not None
    assert settings.deadline is None
    assert load_profiles()["ci"].derandomize


# --------------------------------------------------------------------------- campaigns
@campaign_test
def test_the_same_seed_draws_the_same_steps():
    def steps(seed: int) -> list:
        profile = Profile("test", examples=2, steps=3, max_seconds=60)
        job = CampaignJob(0, seed, 2, 3, 60.0, profile, None, None, None, keep_steps=True)
        return run_worker(job)["all_steps"]

    first = steps(3)
    assert first == steps(3)
    assert first != steps(4)


@campaign_test
def test_a_tiny_campaign_passes_and_writes_the_rule_table(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "campaign.json"
    assert main(["run", *TINY, "--json", str(out)]) == 0, capsys.readouterr().out
    report = json.loads(out.read_text())
    assert report["failures"] == []
    assert report["examples"] >= 1
    assert report["steps"] >= 9  # the opening scene alone is 9 steps
    assert report["steps_per_second"] > 0
    assert report["rules"]["deposit"]["calls"] >= 1
    for row in report["rules"].values():
        assert row["calls"] == row["successes"] + row["reverts"]
    # Every flow has a row, moved or not; the opening scene stakes RPL in every example.
    assert list(report["flows"]) == list(FLOW_NAMES)
    assert report["flows"]["RPL withdrawal"]["started"] >= report["examples"]
    # Every rule has a row, called or not, and the JSON names those never called.
    assert set(report["rules"]) == set(ACTIONS)
    assert report["rules"]["claim_bid"]["calls"] == 0
    assert "claim_bid" in report["rules_never_called"]
    never = {r for r, row in report["rules"].items() if row["calls"] and not row["successes"]}
    assert report["rules_never_successful"] == sorted(never)
    # Each invariant, checked how often: exact for this seed, and consistent. The
    # watcher's checks ran after every rule (the opening scene is one), rate
    # monotonicity after none (no balances report was accepted).
    invariants = report["invariants"]
    checked = {name: row["checked"] for name, row in invariants.items()}
    after_each_rule = [n for n in AFTER_EACH_RULE if n not in ("rate-monotonicity", "reentrancy")]
    assert {checked[n] for n in after_each_rule} == {EXPECTED_RULES}
    assert checked["rate-monotonicity"] == 0
    assert checked["reentrancy"] == EXPECTED_REENTRY
    # outcome once per step the checked facade compared (all but the beacon chain's).
    assert checked["outcome"] == sum(
        row["calls"] for rule, row in report["rules"].items() if ACTIONS[rule].checked
    )
    assert checked["events"] == checked["outcome"]  # the same steps' events, compared
    assert all(row["failed_at_step"] is None for row in invariants.values())
    printed = capsys.readouterr().out
    assert "Rule metrics" in printed
    assert "Flows" in printed
    assert "Invariants" in printed
    assert "every invariant held: 13 of 15 checked, 3 to 16 times each" in printed
    # The seed alone on its line, at the start and at the end.
    assert printed.splitlines().count("seed: 1") == 2


class _FailureSpy(io.StringIO):
    """A console file that checks, whenever a failure is printed, that its replay file exists."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = root
        self.checked = 0

    def write(self, text: str) -> int:
        if "FAILED" in text or "replay file:" in text:
            assert list((self.root / "failures").glob("*.json")), "printed before it was written"
            self.checked += 1
        return super().write(text)


@pytest.fixture(scope="module")
def bugged() -> Path:
    """The contracts with a planted bug: the deposit fee no longer taken from the rETH minted.

    One copy at a fixed path for both tests (and every later run): compiled once.
    """
    return planted_copy(
        DEFAULT_CONTRACTS_DIR,
        "RocketDepositPool.vy",
        "msg.value - fee, msg.sender",
        "msg.value, msg.sender",
    )


@campaign_test
def test_a_planted_bug_fails_with_a_valid_replay_file(bugged, tmp_path, monkeypatch):
    from rich.console import Console

    import harness.cli.commands

    monkeypatch.chdir(tmp_path)
    spy = _FailureSpy(tmp_path)
    monkeypatch.setattr(harness.cli.commands, "Console", lambda: Console(file=spy, width=200))
    out = tmp_path / "campaign.json"
    assert main(["run", *TINY, "--contracts", str(bugged), "--json", str(out)]) == 1
    assert spy.checked >= 1
    # The machine class is left as found, for the machine's own TestCase in this process.
    assert RocketPoolMachine.contracts_dir is None

    report = json.loads(out.read_text())
    [failure] = report["failures"]
    # The opening scene's deposit is the first to mint the fee: its 14th step, after the
    # nodes' registrations, stakes and withdrawal addresses, and the opening price report.
    assert report["first_failure"]["steps"] == 14
    assert report["first_failure"]["examples"] == 1
    assert 0 < report["first_failure"]["seconds"] <= report["seconds"]
    assert failure["crashed"] is False
    replay = ReplayFile.load(tmp_path / failure["replay_file"])
    assert replay.failure["invariant"] == failure["invariant"] == "call-values"
    assert replay.seed == 1
    assert replay.contracts_sha256 == contracts_sha256(bugged)
    assert replay.contracts_sha256 != contracts_sha256(DEFAULT_CONTRACTS_DIR)
    assert replay.contracts_dir == str(bugged.resolve())
    # The opening scene is one rule: the invariants ran after none of its steps but the last.
    assert [step.get("check", True) for step in replay.steps] == [False] * (
        len(replay.steps) - 1
    ) + [True]
    assert replay.steps[replay.failure["step"]]["rule"] == "deposit"
    assert replay.config["profiles"]["ci"]["derandomize"] is True
    assert "minted" in spy.getvalue()
    # The invariant table names it and the step it failed at (checked during a step,
    # it has no count). It failed inside the first rule, the opening scene, so no
    # invariant ran after a rule; the outcome was compared at each of its 14 steps
    # (and again as Hypothesis reproduced it).
    invariants = report["invariants"]
    assert invariants["call-values"] == {
        "when": "during a step",
        "checked": None,
        "failed_at_step": 13,
        "replay_file": failure["replay_file"],
    }
    assert invariants["solvency"] == {
        "when": "after each rule",
        "checked": 0,
        "failed_at_step": None,
    }
    assert invariants["outcome"]["checked"] >= 14
    printed = " ".join(spy.getvalue().split())
    assert "│ call-values │ - │ during a step │ failed at step 13 │" in printed
    assert "│ solvency │ 0 │ after each rule │ never checked │" in printed
    # The recorded steps reproduce the failure at the recorded step, outside Hypothesis.
    assert _first_failing_step(shared_protocol(None, str(bugged)), replay.steps) == (
        replay.failure["step"],
        "call-values",
    )


@campaign_test
def test_a_bounded_shrink_stops_soon_after_the_first_failure(bugged, tmp_path):
    profile = Profile("test", examples=50, steps=5, max_seconds=600)
    job = CampaignJob(
        0,
        1,
        50,
        5,
        600.0,
        profile,
        None,
        None,
        str(bugged),
        failures_dir=str(tmp_path / "replays"),
        shrink_seconds=0.0,
    )
    summary = run_worker(job)
    # One failing example, not shrunk, not followed by a hunt for other failures: it fails
    # at the opening scene's deposit, its 14th step (index 13).
    assert summary["examples"] == 1
    assert summary["first_failure_steps"] == 14
    assert summary["budget_reached"] is True
    [failure] = summary["failures"]
    assert failure["invariant"] == "call-values"
    assert failure["shrunk"] is False
    assert Path(failure["replay_file"]).parent == tmp_path / "replays"
    assert ReplayFile.load(failure["replay_file"]).failure["step"] == 13


def test_run_failures_dir_must_be_a_directory(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("")
    assert main(["run", "--failures-dir", str(taken)]) == 2
    printed = " ".join(capsys.readouterr().out.split())
    assert "taken: exists and is not a directory; pick another --failures-dir" in printed


def _first_failing_step(p, steps: list) -> tuple[int, str] | None:
    state = p.python_state()
    try:
        with boa.env.anchor():
            ctx = StepContext.create(p, check=True)
            for index, step in enumerate(steps):
                try:
                    execute(ctx, step["rule"], step["args"])
                except InvariantViolation as exc:
                    return index, exc.name
    finally:
        p.restore_python_state(state)
    return None


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["run", "--profile", "nightly"], ["--profile", "profiles.nightly", "quick"]),
        (["run", "--contracts", "{tmp}/nowhere"], ["nowhere", "not a directory"]),
        (["run", "--json", "{tmp}/no/such/dir/out.json"], ["--json", "does not exist"]),
        (["bench", "--json", "{tmp}/no/such/dir/out.json"], ["--json", "does not exist"]),
    ],
)
def test_config_errors_exit_2_naming_what_to_fix(tmp_path, capsys, argv, names):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    printed = " ".join(capsys.readouterr().out.split())
    for name in names:
        assert name in printed


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["run", "--examples", "0"], "--examples"),
        (["run", "--steps", "many"], "--steps"),
        (["run", "--max-seconds", "-1"], "--max-seconds"),
        (["run", "--workers", "0"], "--workers"),
        (["run", "--seed", "-3"], "--seed"),
        (["bench", "--examples", "0"], "--examples"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(capsys, argv, flag):
    assert main(argv) == 2
    assert flag in capsys.readouterr().err


@campaign_test
def test_bench_reports_both_rates_and_their_ratio(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert (
        main(["bench", "--seed", "0", "--examples", "1", "--steps", "3", "--json", str(out)]) == 0
    )
    figures = json.loads(out.read_text())
    assert figures["machine_steps"] == figures["replay_steps"] >= 9
    assert figures["machine_steps_per_second"] > 0
    assert figures["replay_steps_per_second"] > 0
    assert figures["ratio"] > 0
    assert figures["peak_memory_mib"] > 0
    assert figures["machine_examples"] == 1
    assert figures["machine_examples_per_second"] == pytest.approx(
        1 / figures["machine_seconds"], rel=0.01
    )
    assert figures["replay_examples_per_second"] == pytest.approx(
        1 / figures["replay_seconds"], rel=0.01
    )
    assert figures["deploy_seconds"] >= 0
    assert figures["load_average"] >= 0
    assert "machine / replay" in capsys.readouterr().out


def test_workers_run_in_spawned_processes_and_add_up(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "campaign.json"
    argv = ["run", "--profile", "quick", "--seed", "5", "--examples", "1", "--steps", "2"]
    assert main([*argv, "--workers", "2", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    # The live line's last state: the two workers' examples of their two, the shared
    # directory database counted (the quick profile keeps one).
    printed = capsys.readouterr().out
    [line] = [line for line in printed.splitlines() if line.startswith("[quick] ")]
    assert line.startswith(f"[quick] {report['examples']}/2 examples")
    assert ", done | " in line and "| db " in line and "no db" not in line
    assert report["workers"] == 2
    assert report["examples"] >= 2  # at least one from each worker
    assert sum(row["calls"] for row in report["rules"].values()) == report["steps"]
    # The workers' invariant counts are summed: each ran at least its opening scene's rule.
    assert report["invariants"]["solvency"]["checked"] >= 2
    assert 0 < report["invariants"]["outcome"]["checked"] <= report["steps"]
