"""``rpfuzz replay`` and ``rpfuzz minimize``, run as an auditor runs them.

The planted bug: ``RocketMinipool._node_rewards`` counts the node's own
portion of the rewards twice. A campaign found it (``tests/data/README.md``);
its replay files are replayed here on a patched copy of ``contracts/`` made
for this module, then on the project's own contracts, where the bug is not.
Both deployments are made once, outside titanoboa's per-test anchor, and
every replay runs in an anchor of its own. The modules' own unit tests,
which need no deployment, are beside this file: ``test_replay_file.py``,
``test_emit.py``, ``test_minimize.py``, ``test_replay_display.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from rich.console import Console

import harness.cli.commands
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.cli.commands import main
from harness.config import PROJECT_ROOT
from harness.replay.file import ReplayFile, contracts_sha256
from harness.replay.minimize import minimize
from harness.replay.session import (
    ReplaySession,
    load_replay,
    protocol_for,
    replay,
    run_steps,
)
from harness.units import DAY, ETH, HOUR

DATA = Path(__file__).resolve().parents[1] / "data"
FOUND = DATA / "node-rewards-oracle-read.json"
UNSHRUNK = DATA / "node-rewards-unshrunk.json"
CONFIG = json.loads(FOUND.read_text())["config"]
CORRECT = "    return node_portion + (rewards - node_portion) * self._node_fee // ONE"
PLANTED = "    return node_portion + rewards * self._node_fee // ONE"


@pytest.fixture(scope="module")
def bugged() -> Path:
    """A copy of contracts/ with the planted bug.

    It lives at a path named by its content's hash: titanoboa's compile cache
    is keyed on file paths, so the next run (and a subprocess) reuses the
    compiled output instead of compiling the copy again (half a minute).
    """
    staging = Path(tempfile.mkdtemp(prefix="rpfuzz-planted-")) / "contracts"
    shutil.copytree(DEFAULT_CONTRACTS_DIR, staging)
    minipool = staging / "RocketMinipool.vy"
    source = minipool.read_text()
    assert source.count(CORRECT) == 1, "the line the bug is planted in has changed"
    minipool.write_text(source.replace(CORRECT, PLANTED))
    home = Path(tempfile.gettempdir()) / f"rpfuzz-planted-{contracts_sha256(staging)[:16]}"
    home.mkdir(exist_ok=True)
    # Another worker may have moved its identical copy in first: then use that one.
    with contextlib.suppress(OSError):
        os.rename(staging, home / "contracts")
    shutil.rmtree(staging.parent, ignore_errors=True)
    return home / "contracts"


@pytest.fixture(scope="module")
def deployed(bugged) -> None:
    """Both deployments, made once for the module (a replay shares them, see protocol_for).

    titanoboa's plugin wraps every test in an anchor: a deployment made inside
    a test would be rolled back after it. A module fixture is set up before
    the test's own fixtures, in an anchor that lasts until the module ends.
    """
    protocol_for(CONFIG, bugged)
    protocol_for(CONFIG, None)


replays = pytest.mark.usefixtures("deployed")


def _bind(source: Path, directory: Path, contracts: Path, name: str | None = None) -> Path:
    """A copy of data file ``source`` naming ``contracts`` (and their hash), in ``directory``."""
    data = json.loads(source.read_text())
    data["contracts_dir"] = str(contracts)
    data["contracts_sha256"] = contracts_sha256(contracts)
    path = directory / (name or source.name)
    path.write_text(json.dumps(data, indent=2))
    return path


@pytest.fixture
def found(tmp_path, bugged) -> Path:
    """The campaign's replay file, naming the planted-bug contracts."""
    return _bind(FOUND, tmp_path, bugged)


def _scene(nodes: int = 4) -> list[dict]:
    """The machine's opening scene: one rule, so checked after its last step only."""
    steps = []
    for i in range(nodes):
        steps.append({"rule": "register_node", "args": {"node": f"node_operator_{i}"}})
        steps.append(
            {"rule": "stake_rpl", "args": {"node": f"node_operator_{i}", "amount": 3_000 * ETH}}
        )
    for step in steps:
        step["check"] = False
    return [*steps, {"rule": "deposit", "args": {"who": "depositor_0", "amount": 20 * ETH}}]


def _rewards_split_file(
    path: Path, contracts: Path, padding: list[dict] = (), nodes: int = 4
) -> Path:
    """Hand-made: a minipool stakes, earns 30 days of rewards, and the owner splits them."""
    steps = [
        *_scene(nodes),
        {"rule": "deposit", "args": {"who": "depositor_1", "amount": 31 * ETH}},
        *padding,
        {
            "rule": "create_minipool",
            "args": {"node": "node_operator_0", "bond": 8, "credit": False, "value": None},
        },
        {"rule": "advance", "args": {"seconds": 13 * HOUR}, "check": False},
        {"rule": "stake", "args": {"minipool": 0}},
        {"rule": "advance", "args": {"seconds": 30 * DAY}},
        {"rule": "distribute", "args": {"who": "owner", "minipool": 0, "rewards_only": True}},
    ]
    replay_file = ReplayFile(
        seed=None,
        config=CONFIG,
        contracts_dir=str(contracts),
        contracts_sha256=contracts_sha256(contracts),
        steps=steps,
        failure={"step": len(steps) - 1, "invariant": "call-values", "message": "hand-made"},
    )
    return replay_file.write(path)


def _run(monkeypatch, argv: list[str]) -> tuple[int, str]:
    """``rpfuzz ARGV`` in this process; its exit code and what it printed (one line per row)."""
    out = io.StringIO()
    monkeypatch.setattr(harness.cli.commands, "Console", lambda: Console(file=out, width=200))
    code = main([str(a) for a in argv])
    return code, out.getvalue()


def _step_rows(out: str) -> list[str]:
    """The rows of the step table: they start with the step's number."""
    return [line for line in out.splitlines() if re.match(r"│ +\d+ │", line)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}


def _flat(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- reproduction
@replays
def test_the_campaign_failure_reproduces_at_the_same_step_every_time(found, bugged):
    replay_file = load_replay(found)
    assert replay_file.failure["step"] == 10
    runs = [replay(replay_file, bugged) for _ in range(3)]
    for result in runs:
        assert result.failure is not None
        assert (result.failure.index, result.failure.invariant) == (10, "oracle-read")
        assert result.reproduces(replay_file.failure)
    # Not only the failure: every step's outcome and numbers are the same each time.
    trace = [[(s.index, s.outcome, s.reason, s.after) for s in result.steps] for result in runs]
    assert trace[0] == trace[1] == trace[2]
    assert len(trace[0]) == 11


def test_the_failure_reproduces_in_a_fresh_process(found, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "replay", str(found)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    out = _flat(done.stdout)
    assert "FAILED: the recorded failure reproduces (oracle-read at step 10)." in out
    assert "Traceback" not in done.stdout + done.stderr


@replays
def test_replay_prints_a_row_per_step_and_the_failure_with_its_vyper_trace(monkeypatch, found):
    code, out = _run(monkeypatch, ["replay", found])
    assert code == 1
    rows = _step_rows(out)
    assert len(rows) == 11  # one per step, each on one line at this width
    assert "│  1 │ stake_rpl " in rows[1] and "amount=3000 ETH" in rows[1]
    assert "who=depositor_0 amount=20 ETH" in rows[8]
    assert "+19.99" in rows[8]  # rETH minted: 20 ETH less the 0.05% deposit fee
    assert "+20" in rows[8]  # the deposit pool
    assert "FAILED: oracle-read" in rows[10]
    flat = _flat(out)
    assert "Violated: oracle-read at step 10 (report)" in flat
    assert "Vyper source trace of the revert (titanoboa)" in flat
    assert 'function "calculateUserShare"' in flat
    assert "note:" not in flat  # recorded on exactly these sources


@replays
def test_expected_values_beside_actual_ones(monkeypatch, tmp_path, bugged):
    path = _rewards_split_file(tmp_path / "split.json", bugged)
    result = replay(load_replay(path), bugged)
    failure = result.failure
    assert (failure.index, failure.invariant) == (14, "call-values")
    details = failure.failure.details
    assert details["key"] == "node"
    assert details["actual"] > details["expected"] > 0  # the node is paid too much
    code, out = _run(monkeypatch, ["replay", path])
    assert code == 1
    flat = _flat(out)
    assert "The model's values beside the contracts'" in flat
    row = next(line for line in out.splitlines() if line.startswith("│ node "))
    assert f"({details['expected']} wei)" in row
    assert f"({details['actual']} wei)" in row
    assert f"({details['actual'] - details['expected']} wei)" in row


@replays
def test_with_the_bug_fixed_replay_exits_0_and_says_the_sources_differ(monkeypatch, found, bugged):
    code, out = _run(monkeypatch, ["replay", found, "--contracts", DEFAULT_CONTRACTS_DIR])
    assert code == 0
    flat = _flat(out)
    assert (
        f"note: the file was recorded on contracts with sha256 {contracts_sha256(bugged)}; "
        f"these hash to {contracts_sha256(DEFAULT_CONTRACTS_DIR)}: the sources differ" in flat
    )
    assert flat.index("note:") < flat.index("Steps (11 of 11 run)")  # said before replaying
    assert "every invariant held through all 11 steps" in flat
    assert "(oracle-read at step 10) no longer reproduces" in flat


@replays
def test_the_checked_in_file_runs_on_the_project_contracts_and_passes(monkeypatch):
    # contracts_dir is null: the project's own contracts, which have no bug.
    code, out = _run(monkeypatch, ["replay", FOUND])
    assert code == 0
    assert "the sources differ" in _flat(out)


# --------------------------------------------------------------------------- where checks run
@replays
def test_invariants_run_where_the_campaign_ran_them(monkeypatch, bugged):
    steps = _scene()
    replay_file = ReplayFile(None, CONFIG, contracts_sha256(bugged), steps, {"step": -1})
    with ReplaySession(protocol_for(CONFIG, bugged)) as session:
        checked_after = []
        step = session.watcher.step

        def counting():
            checked_after.append(len(session.results))
            return step()

        monkeypatch.setattr(session.watcher, "step", counting)
        result = run_steps(session, replay_file.steps)
    assert not result.failed
    assert checked_after == [8]  # after the rule's last step only: the machine checks per rule
    assert [s.checked for s in result.steps] == [False] * 8 + [True]


@replays
def test_a_file_without_marks_is_checked_after_every_step(bugged):
    steps = [{"rule": s["rule"], "args": s["args"]} for s in _scene()]
    with ReplaySession(protocol_for(CONFIG, bugged)) as session:
        result = run_steps(session, steps)
    assert [s.checked for s in result.steps] == [True] * 9


@replays
def test_a_marked_last_step_is_still_checked(bugged):
    steps = _scene()[:2]  # both marked "check": false
    with ReplaySession(protocol_for(CONFIG, bugged)) as session:
        result = run_steps(session, steps)
    assert [s.checked for s in result.steps] == [False, True]


# --------------------------------------------------------------------------- --until, --shell
@replays
def test_until_stops_before_step_n(monkeypatch, found):
    code, out = _run(monkeypatch, ["replay", found, "--until", "10"])
    assert code == 0
    assert len(_step_rows(out)) == 10
    assert "Stopped before step 10 of 11 as asked (--until); the next step is report" in _flat(out)


@replays
def test_until_and_shell_open_the_shell_just_before_the_failure(monkeypatch, capsys, found, bugged):
    expected = replay(load_replay(found), bugged, until=10)
    supply_before_failure = expected.steps[-1].after["supply"]
    commands = [
        "print(len(ctx.minipools), len(session.results))",
        "print(p.reth.totalSupply())",
        "print(model.reth_supply)",
        "r = next_step()",
        "print(r.index, r.invariant)",
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(commands) + "\n"))
    code, out = _run(monkeypatch, ["replay", found, "--until", "10", "--shell"])
    printed, banner = capsys.readouterr()
    assert code == 0  # nothing failed before step 10; the shell exited normally
    assert printed.split("\n")[:4] == [
        "1 10",
        str(supply_before_failure),
        str(supply_before_failure),
        "10 oracle-read",
    ]
    assert "The replay's state, before step 10: report" in banner
    assert "next_step()" in banner
    assert "FAILED: oracle-read" in out  # next_step() printed the failing row


# --------------------------------------------------------------------------- --emit-pytest
@replays
def test_the_emitted_test_fails_on_the_bug_and_passes_once_it_is_fixed(
    monkeypatch, tmp_path, found, bugged
):
    test = tmp_path / "test_oracle_read.py"
    code, out = _run(monkeypatch, ["replay", found, "--emit-pytest", test])
    assert code == 1
    assert f"Wrote a regression test to {test}: it fails now" in _flat(out)
    text = test.read_text()
    assert "        # Step 10: `oracle-read` fails here: the honest oDAO could not" in text
    assert "        run.report()  # step 10\n" in text
    assert '            run.stake_rpl(node="node_operator_0", amount=3000 * ETH)  # step 1' in text
    assert "        run.assert_invariants()\n" in text
    # As ruff leaves it, and clean under the project's lint rules.
    for check in (["format", "--check"], ["check", "--select", "E,F,W,I,B,UP,SIM"]):
        linted = subprocess.run(
            [sys.executable, "-m", "ruff", *check, "--no-cache", "--isolated", str(test)],
            capture_output=True,
            text=True,
        )
        assert linted.returncode == 0, linted.stdout + linted.stderr

    def pytest_on(contracts: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
            cwd=tmp_path,
            env={**_env(), "RPFUZZ_CONTRACTS": str(contracts)},
            capture_output=True,
            text=True,
            timeout=300,
        )

    failing = pytest_on(bugged)
    assert failing.returncode == 1, failing.stdout
    assert "oracle-read: the honest oDAO could not read the chain" in failing.stdout
    passing = pytest_on(DEFAULT_CONTRACTS_DIR)
    assert passing.returncode == 0, passing.stdout
    assert "1 passed" in passing.stdout


# --------------------------------------------------------------------------- minimize
@replays
def test_minimize_shrinks_a_file_and_the_same_invariant_still_fails(monkeypatch, tmp_path, bugged):
    path = _bind(UNSHRUNK, tmp_path, bugged)
    out = tmp_path / "small.json"
    code, printed = _run(monkeypatch, ["minimize", path, "--output", out])
    assert code == 0, printed
    small = load_replay(out)
    assert len(small.steps) <= 5 < 22
    assert small.failure["invariant"] == "BoaError"
    assert small.failure["step"] == len(small.steps) - 1
    assert small.contracts_dir == str(bugged)
    assert small.contracts_sha256 == contracts_sha256(bugged)
    # The inflation of the dishonest report does not matter: lowered to nothing.
    assert small.steps[-1] == {
        "rule": "report_dishonest",
        "args": {"member": "odao_member_0", "inflate": 0},
    }
    result = replay(small, bugged)
    assert result.reproduces(small.failure)
    flat = _flat(printed)
    assert f"22 steps -> {len(small.steps)}" in flat
    assert "BoaError still fails" in flat


@replays
def test_minimize_survives_candidates_that_cannot_run(tmp_path, bugged):
    # Padding the hand-made file: deleting create_minipool leaves "stake minipool=0"
    # naming a minipool that never exists; such candidates just do not reproduce.
    padding = [
        {"rule": "unauthorised", "args": {"entry": "vault.withdrawEther"}},
        {"rule": "report_price", "args": {"price": 2 * 10**16}},
        {"rule": "transfer_reth", "args": {"who": "depositor_1", "to": "stranger", "amount": ETH}},
    ]
    path = _rewards_split_file(tmp_path / "padded.json", bugged, padding, nodes=1)
    padded = load_replay(path)
    result = minimize(padded, bugged, max_seconds=120)
    assert result.invariant == "call-values"
    assert len(result.minimized.steps) < len(padded.steps) - len(padding)
    assert not any(
        step["rule"] in ("unauthorised", "report_price") for step in result.minimized.steps
    )
    assert replay(result.minimized, bugged).failure.invariant == "call-values"


@replays
def test_minimize_exits_1_when_the_file_does_not_fail(monkeypatch, found):
    code, out = _run(monkeypatch, ["minimize", found, "--contracts", DEFAULT_CONTRACTS_DIR])
    assert code == 1
    flat = _flat(out)
    assert f"{found}: replaying its 11 steps, every invariant held" in flat
    assert "pass --contracts DIR with the sources it fails on" in flat


# --------------------------------------------------------------------------- unusable input
def _edit(edit):
    def write(path: Path) -> None:
        data = json.loads(path.read_text())
        edit(data)
        path.write_text(json.dumps(data, indent=2))

    return write


def _set_step(index: int, **change):
    def edit(data: dict) -> None:
        data["steps"][index].update(change)

    return edit


def _set_arg(index: int, name: str, value):
    def edit(data: dict) -> None:
        data["steps"][index]["args"][name] = value

    return edit


def _truncate(path: Path) -> None:
    path.write_text(path.read_text()[:700])


@pytest.mark.parametrize(
    ("corrupt", "field", "fix"),
    [
        (_edit(_set_step(8, rule="depositt")), "steps[8].rule", "did you mean 'deposit'?"),
        (_edit(_set_step(8, rule="mint")), "steps[8].rule", "Fix the name or remove the step"),
        (_edit(_set_arg(8, "amount", "20")), "steps[8].args.amount", "an amount in wei"),
        (_edit(_set_arg(8, "amount", -1)), "steps[8].args.amount", "an integer >= 0"),
        (_edit(_set_arg(8, "amount", True)), "steps[8].args.amount", "fix the value"),
        (_edit(_set_arg(9, "credit", "no")), "steps[9].args.credit", "true or false"),
        (
            _edit(
                lambda d: d["steps"].insert(
                    9,
                    {
                        "rule": "set_withdrawal_address",
                        "args": {"node": "node_operator_0", "to": "depositor_0", "by": 3},
                    },
                )
            ),
            "steps[9].args.by",
            "an actor's role name, or null",
        ),
        (_edit(_set_arg(8, "amonut", 1)), "steps[8].args.amonut", "rename or remove it"),
        (
            _edit(lambda d: d["steps"][8]["args"].pop("who")),
            "steps[8].args.who",
            "takes who, amount); add it",
        ),
        (_edit(_set_step(0, check="no")), "steps[0].check", "true or false"),
        (_edit(_set_step(0, chek=False)), "steps[0].chek", "rename or remove it"),
        (_edit(lambda d: d.update(format=2)), "format", "reads format 1 only"),
        (_truncate, "truncated", "restore it"),
        (_edit(lambda d: d.update(failures=d.pop("failure"))), "failures", "rename or remove"),
        (_edit(lambda d: d.pop("steps")), "steps", "re-run the campaign"),
        (_edit(lambda d: d.update(contracts_dir=3)), "contracts_dir", "a path or null"),
    ],
)
def test_a_corrupt_file_exits_2_naming_the_file_the_field_and_the_fix(
    monkeypatch, found, corrupt, field, fix
):
    corrupt(found)
    for command in ("replay", "minimize"):
        code, out = _run(monkeypatch, [command, found])
        assert code == 2
        flat = _flat(out)
        assert flat.startswith(f"rpfuzz: {found}: ")
        assert field in flat
        assert fix in flat
        assert "Traceback" not in out


@replays
@pytest.mark.parametrize(
    ("corrupt", "field", "what"),
    [
        (_edit(_set_arg(8, "who", "depositor_9")), "steps[8].args.who", "which is no actor here"),
        # "owner" names a minipool's owner only in distribute.
        (_edit(_set_arg(8, "who", "owner")), "steps[8].args.who", "'owner', which is no actor"),
        (
            _edit(lambda d: d["steps"].insert(9, {"rule": "stake", "args": {"minipool": 0}})),
            "steps[9].args.minipool",
            "is 0, but only 0 minipools exist at this step",
        ),
    ],
)
def test_a_step_naming_what_does_not_exist_exits_2(monkeypatch, found, corrupt, field, what):
    corrupt(found)
    code, out = _run(monkeypatch, ["replay", found])
    assert code == 2
    flat = _flat(out)
    assert f"rpfuzz: {found}: field '{field}' " in flat
    assert what in flat
    assert "fix the step or remove it" in flat


@replays
def test_a_contracts_dir_that_is_not_here_exits_2(monkeypatch, tmp_path, found, bugged):
    _edit(lambda d: d.update(contracts_dir=str(tmp_path / "elsewhere")))(found)
    code, out = _run(monkeypatch, ["replay", found])
    assert code == 2
    flat = _flat(out)
    assert f"field 'contracts_dir' names {tmp_path / 'elsewhere'}" in flat
    assert "pass --contracts DIR with the sources it was recorded on (sha256 " in flat
    # With --contracts, it runs.
    assert _run(monkeypatch, ["replay", found, "--contracts", bugged])[0] == 1


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["--until", "12"], ["--until 12", "has 11 steps", "from 0 to 11"]),
        (["--contracts", "{tmp}/nowhere"], ["nowhere: not a directory", "--contracts"]),
        (["--emit-pytest", "{tmp}/no/dir/test_x.py"], ["--emit-pytest", "does not exist"]),
        (["--emit-pytest", "{tmp}/t.py", "--until", "3"], ["whole file and --until replays part"]),
    ],
)
def test_unusable_flags_exit_2_naming_the_flag(monkeypatch, tmp_path, found, argv, names):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out = _run(monkeypatch, ["replay", found, *argv])
    assert code == 2
    flat = _flat(out)
    for name in names:
        assert name in flat
    assert "Steps (" not in flat  # nothing replayed


def test_a_missing_file_exits_2(monkeypatch, tmp_path):
    code, out = _run(monkeypatch, ["replay", tmp_path / "nowhere.json"])
    assert code == 2
    assert "nowhere.json: file not found" in _flat(out)
