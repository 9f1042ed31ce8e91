"""The bug zoo: planted bugs as data, ``rpfuzz zoo``, and a fast subset of the zoo itself.

The subset (marked ``zoo``) runs real campaigns, each in its own spawned
process, against a few bugs that a short budget finds: the proof that the
zoo still works end to end. A plain ``pytest`` runs its quickest bug; the
whole subset of three is marked ``slow`` (``pytest -m slow``, which
``.ci/run`` also runs). ``rpfuzz zoo`` in full takes up to two minutes per
bug and is not run here.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import harness.bugzoo.runner as zoo_runner
from harness.bugzoo import BUGS, BY_NAME, Bug, Edit, PatchError, apply_bug, patched_sources
from harness.bugzoo.patch import CATALOGUE
from harness.bugzoo.runner import (
    BLOCKED,
    FOUND,
    MISSED,
    BugOutcome,
    ZooResult,
    run_bug,
    run_zoo,
    select_bugs,
)
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.cli.commands import main
from harness.config import ConfigError
from harness.replay.file import ReplayFile, contracts_sha256
from harness.run.campaign import resolve_profile

FEE_BUG = BY_NAME["deposit-fee-minted"]


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "contracts"
    shutil.copytree(DEFAULT_CONTRACTS_DIR, copy)
    return copy


# --------------------------------------------------------------------------- the catalogue
def test_the_zoo_has_at_least_fifteen_named_described_bugs():
    names = [bug.name for bug in BUGS]
    assert len(names) >= 15
    assert len(set(names)) == len(names)
    for bug in BUGS:
        assert bug.description and "\n" not in bug.description, bug.name
        assert bug.imitates, bug.name
        assert bug.edits, bug.name


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.name)
def test_every_bug_applies_to_todays_contracts_and_changes_them(bug):
    texts = patched_sources(bug, DEFAULT_CONTRACTS_DIR)
    assert list(texts) == bug.files
    for file, text in texts.items():
        assert text != (DEFAULT_CONTRACTS_DIR / file).read_text(), f"{bug.name} leaves {file} as is"


# The reason of an assert: `assert cond, "..."` or `), "..."` closing a multi-line one.
_REASON = re.compile(r'(?:\)|assert [^,\n]+),\s*"([^"]*)"')


def test_every_assert_a_bug_adds_keeps_a_module_prefixed_reason():
    assert _REASON.findall('    ), "minipool: scrub period has not ended"') == [
        "minipool: scrub period has not ended"
    ]
    for bug in BUGS:
        for edit in bug.edits:
            for reason in _REASON.findall(edit.new):
                assert ": " in reason, f"{bug.name}: {reason!r} has no module prefix"


def test_bug_seeds_are_fixed_by_their_names():
    assert FEE_BUG.seed == BY_NAME["deposit-fee-minted"].seed == 3065992565
    assert len({bug.seed for bug in BUGS}) == len(BUGS)


# --------------------------------------------------------------------------- applying
def test_apply_bug_patches_a_copy_and_leaves_the_source_alone(tmp_path):
    before = contracts_sha256(DEFAULT_CONTRACTS_DIR)
    dest = apply_bug(FEE_BUG, DEFAULT_CONTRACTS_DIR, tmp_path / "copy")
    assert contracts_sha256(DEFAULT_CONTRACTS_DIR) == before
    changed = [
        p.name
        for p in sorted(DEFAULT_CONTRACTS_DIR.rglob("*.vy*"))
        if p.read_text() != (dest / p.relative_to(DEFAULT_CONTRACTS_DIR)).read_text()
    ]
    assert changed == ["RocketDepositPool.vy"]
    source = (dest / "RocketDepositPool.vy").read_text()
    assert "msg.value, msg.sender" in source
    assert "msg.value - fee, msg.sender" not in source


def test_a_second_bug_in_the_same_copy_replaces_the_first(tmp_path):
    dest = tmp_path / "copy"
    apply_bug(FEE_BUG, DEFAULT_CONTRACTS_DIR, dest)
    apply_bug(BY_NAME["queue-capacity-32-eth"], DEFAULT_CONTRACTS_DIR, dest)
    pool = (dest / "RocketDepositPool.vy").read_text()
    assert pool == (DEFAULT_CONTRACTS_DIR / "RocketDepositPool.vy").read_text()
    assert "= 32 * 10**18" in (dest / "RocketMinipoolQueue.vy").read_text()


def test_drifted_contracts_name_the_bug_the_file_and_the_fix(tmp_path):
    copy = _copy(tmp_path)
    pool = copy / "RocketDepositPool.vy"
    pool.write_text(pool.read_text().replace("msg.value - fee, msg.sender", "amount, msg.sender"))
    with pytest.raises(PatchError) as err:
        apply_bug(FEE_BUG, copy, tmp_path / "out")
    message = str(err.value)
    assert str(pool) in message
    assert "'deposit-fee-minted', edit 1" in message
    assert "does not occur" in message
    assert "'msg.value - fee, msg.sender'" in message
    assert CATALOGUE in message
    assert not (tmp_path / "out").exists(), "nothing may be written when an edit fails"


def test_an_edit_that_matches_twice_is_refused(tmp_path):
    copy = _copy(tmp_path)
    pool = copy / "RocketDepositPool.vy"
    pool.write_text(pool.read_text() + "\n# msg.value - fee, msg.sender\n")
    with pytest.raises(PatchError, match="occurs 2 times"):
        patched_sources(FEE_BUG, copy)


def test_a_missing_file_and_an_empty_edit_are_refused(tmp_path):
    missing = Bug(
        "ghost", "edits a file that is not there", "nothing", (Edit("Nope.vy", "a", "b"),)
    )
    with pytest.raises(PatchError, match=r"Nope\.vy: bug 'ghost' edits this file"):
        patched_sources(missing, DEFAULT_CONTRACTS_DIR)
    idle = Bug(
        "idle",
        "replaces a text by itself",
        "nothing",
        (
            Edit(
                "RocketVault.vy",
                "ROCKET_STORAGE = IRocketStorage(rocket_storage)",
                "ROCKET_STORAGE = IRocketStorage(rocket_storage)",
            ),
        ),
    )
    with pytest.raises(PatchError, match="replaces a text by itself"):
        patched_sources(idle, DEFAULT_CONTRACTS_DIR)


def test_patching_the_contracts_themselves_is_refused():
    with pytest.raises(PatchError, match="cannot be the contracts themselves"):
        apply_bug(FEE_BUG, DEFAULT_CONTRACTS_DIR, DEFAULT_CONTRACTS_DIR)


# --------------------------------------------------------------------------- selection, status
def test_select_bugs_keeps_catalogue_order_and_names_the_valid_ones():
    assert [b.name for b in select_bugs(["queue-capacity-32-eth", "deposit-fee-minted"])] == [
        "deposit-fee-minted",
        "queue-capacity-32-eth",
    ]
    assert select_bugs(None) == list(BUGS)
    with pytest.raises(ConfigError) as err:
        select_bugs(["deposit-fee-minted", "no-such-bug"])
    assert "--only no-such-bug: no such bug in the zoo" in str(err.value)
    assert "deposit-fee-minted, " in str(err.value)


def test_a_bug_the_harness_cannot_catch_yet_is_blocked_not_run(tmp_path):
    bug = Bug(
        "needs-an-actor",
        "needs a module that does not exist",
        "nothing",
        FEE_BUG.edits,
        requires="harness.no_such_module",
    )
    outcome = run_bug(
        bug,
        source_dir=DEFAULT_CONTRACTS_DIR,
        out_dir=tmp_path,
        budget=1.0,
        profile=resolve_profile("zoo"),
        steps=5,
        shrink_seconds=0.0,
    )
    assert outcome.status == BLOCKED
    assert outcome.message == "not run: the harness has no harness.no_such_module yet"
    assert list(tmp_path.iterdir()) == []


def _outcome(name: str, status: str, seconds: float | None = None) -> BugOutcome:
    return BugOutcome(name, "d", "i", status, seed=1, seconds=seconds)


def test_zoo_result_exit_code_and_median():
    result = ZooResult(
        "zoo",
        20.0,
        50,
        0.0,
        "out",
        [_outcome("a", FOUND, 1.0), _outcome("b", FOUND, 5.0), _outcome("c", FOUND, 3.0)],
    )
    assert result.exit_code == 0
    assert result.median_seconds == 3.0
    result.outcomes.append(_outcome("d", BLOCKED))
    assert result.exit_code == 0
    result.outcomes.append(_outcome("e", MISSED))
    assert result.exit_code == 1
    document = result.to_json()
    assert document["missed"] == ["e"]
    assert document["blocked"] == ["d"]
    assert document["found"] == 3
    assert document["median_seconds_to_detection"] == 3.0


# --------------------------------------------------------------------------- the command line
def test_zoo_only_an_unknown_bug_exits_2_naming_the_valid_ones(capsys):
    assert main(["zoo", "--only", "no-such-bug"]) == 2
    printed = " ".join(capsys.readouterr().out.split())
    assert "no-such-bug: no such bug in the zoo" in printed
    for bug in BUGS:
        assert bug.name in printed


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["zoo", "--budget", "0"], "--budget"),
        (["zoo", "--budget", "soon"], "--budget"),
        (["zoo", "--steps", "0"], "--steps"),
        (["zoo", "--shrink-seconds", "-1"], "--shrink-seconds"),
        (["zoo", "--seed", "-1"], "--seed"),
    ],
)
def test_zoo_bad_flags_exit_2_naming_the_flag(capsys, argv, flag):
    assert main(argv) == 2
    assert flag in capsys.readouterr().err


def test_zoo_unknown_backend_exits_2_naming_the_choices(capsys):
    assert main(["zoo", "--backend", "evm1", "--only", "deposit-fee-minted"]) == 2
    assert "--backend evm1: unknown backend; choose one of" in capsys.readouterr().out


def test_zoo_on_drifted_contracts_exits_2_before_running_anything(tmp_path, capsys):
    copy = _copy(tmp_path)
    pool = copy / "RocketDepositPool.vy"
    pool.write_text(pool.read_text().replace("msg.value - fee, msg.sender", "amount, msg.sender"))
    out = tmp_path / "out"
    argv = ["zoo", "--contracts", str(copy), "--out", str(out)]
    assert main(argv) == 2
    printed = " ".join(capsys.readouterr().out.split())
    assert "bug 'deposit-fee-minted', edit 1" in printed
    assert "RocketDepositPool.vy" in printed
    assert not out.exists()


def test_zoo_list_names_every_bug_and_runs_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["zoo", "--list"]) == 0
    printed = capsys.readouterr().out
    for bug in BUGS:
        assert bug.name in printed
    assert list(tmp_path.iterdir()) == []


def test_zoo_exits_1_when_a_bug_is_missed(tmp_path, capsys, monkeypatch):
    def fake_run_bug(bug, **kwargs):
        status = MISSED if bug.name == "consensus-off-by-one" else FOUND
        outcome = _outcome(bug.name, status, 2.0 if status == FOUND else None)
        outcome.invariant = "outcome" if status == FOUND else None
        return outcome

    monkeypatch.setattr(zoo_runner, "run_bug", fake_run_bug)
    out = tmp_path / "zoo.json"
    argv = ["zoo", "--only", "deposit-fee-minted,consensus-off-by-one", "--json", str(out)]
    assert main(argv) == 1
    printed = " ".join(capsys.readouterr().out.split())
    assert "1 of 2 planted bugs found; median time to detection 2.0 s." in printed
    assert "1 not found: consensus-off-by-one" in printed
    assert json.loads(out.read_text())["missed"] == ["consensus-off-by-one"]


# --------------------------------------------------------------------------- the CI subset
# Bugs a 20 second budget finds (in 9, 10 and about 140 steps, a few seconds on
# these machines), in different contracts, caught by different checks.
# A lone vote that reaches consensus shows as that vote's wrong outcome or, when
# the lone voter is the dishonest member, as its inflated report accepted.
CI_SUBSET = {
    "deposit-fee-minted": {"call-values"},
    "consensus-off-by-one": {"outcome", "dishonest-consensus"},
    "user-capital-misses-predeposit": {"minipool-accounting"},
}


def _check_found(outcome: BugOutcome, out: Path, budget: float, invariants: set[str]) -> None:
    """``outcome`` is a find within ``budget``, its replay file beside the patched copy."""
    assert outcome.status == FOUND, outcome
    assert outcome.invariant in invariants, (outcome.name, outcome.invariant)
    assert 0 < outcome.seconds < budget
    assert outcome.steps >= 9  # the opening scene is 9 steps
    replay = ReplayFile.load(outcome.replay_file)
    assert replay.failure["invariant"] == outcome.invariant
    assert replay.seed == BY_NAME[outcome.name].seed
    # The replay file lies beside the patched copy it was found on.
    contracts = out / outcome.name / "contracts"
    assert Path(outcome.replay_file).parent == out / outcome.name
    assert replay.contracts_sha256 == contracts_sha256(contracts)


@pytest.fixture
def zoo_out(request) -> Path:
    """Where the zoo plants its bugs: a fixed directory of the pytest cache, per test.

    titanoboa's compile cache is keyed on a contract's path (see
    harness.bugzoo.runner), so a fixed path compiles the patched copy on the
    first run only, as ``rpfuzz zoo``'s own fixed ``--out`` does; a fresh
    temporary directory would recompile every contract on every run.
    """
    out = request.config.cache.mkdir("zoo") / request.node.name.replace("[", "-").strip("]")
    for bug_dir in out.glob("*/"):  # no replay file of an earlier run
        for replay in bug_dir.glob("*.json"):
            replay.unlink()
    return out


@pytest.mark.zoo
def test_one_planted_bug_is_found_within_20_seconds_end_to_end(zoo_out, tmp_path, capsys):
    """The default run's proof that the zoo works: the CI subset's quickest bug (9 steps)."""
    result = run_zoo(
        only=["deposit-fee-minted"],
        budget=20,
        shrink_seconds=0,
        out_dir=zoo_out,
        json_path=tmp_path / "zoo.json",
    )
    assert result.exit_code == 0, capsys.readouterr().out
    [outcome] = result.outcomes
    _check_found(outcome, zoo_out, 20, CI_SUBSET["deposit-fee-minted"])
    document = json.loads((tmp_path / "zoo.json").read_text())
    assert (document["found"], document["missed"]) == (1, [])
    assert document["backend"] == "revm"  # the zoo's default EVM
    printed = capsys.readouterr().out
    assert "1 of 1 planted bugs found" in printed


@pytest.mark.zoo
@pytest.mark.slow
def test_the_ci_subset_of_the_zoo_is_found_within_20_seconds_each(zoo_out, tmp_path, capsys):
    result = run_zoo(
        only=list(CI_SUBSET),
        budget=20,
        shrink_seconds=0,
        out_dir=zoo_out,
        json_path=tmp_path / "zoo.json",
    )
    assert result.exit_code == 0, capsys.readouterr().out
    assert {o.name for o in result.outcomes} == set(CI_SUBSET)
    for outcome in result.outcomes:
        _check_found(outcome, zoo_out, 20, CI_SUBSET[outcome.name])
    document = json.loads((tmp_path / "zoo.json").read_text())
    assert document["found"] == 3
    assert document["missed"] == []
    assert document["backend"] == "revm"  # the zoo's default EVM
    printed = capsys.readouterr().out
    assert "Bug zoo" in printed
    assert "3 of 3 planted bugs found" in printed
