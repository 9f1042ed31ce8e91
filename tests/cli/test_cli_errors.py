"""Every error path of ``rpfuzz``: exit code 2, a message naming the input and the fix.

No traceback anywhere. One table, run in this process through :func:`main` (argument errors, bad
profiles, configs, contracts directories, replay files, databases and
clusters: all refused before anything is deployed), then the few paths that
need a real process: a contract that does not compile (a one-file broken
copy, so only that file is compiled), the same under an emitted pytest
file, and ``--help`` answering without importing titanoboa.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.commands import _LineTracker, main
from harness.config import PROJECT_ROOT

# What the working directory of each case holds (see the `inputs` fixture).
FILES = {
    "bad.toml": "[settings\n",
    "badvalue.toml": '[settings]\n"deposit.fee" = "lots"\n',
    "noprofiles.toml": "[actors]\ndepositors = 2\n",
    "cut.json": '{"steps": [\n',
    "list.json": "[1, 2]\n",
    "nosteps.json": '{"seed": 1}\n',
    "typo.json": '{"steps": [], "sede": 1}\n',
    "argless.json": '{"steps": [{"rule": "deposit"}]}\n',
    "badrule.json": '{"steps": [{"rule": "depost", "args": {}}]}\n',
    "halffailure.json": '{"steps": [], "failure": {"step": 0}}\n',
    "elsewhere.json": '{"steps": [], "contracts_dir": "/no/such/contracts"}\n',
    "twosteps.json": json.dumps(
        {"steps": [{"rule": "deposit", "args": {"who": "depositor_0", "amount": 10**18}}] * 2}
    ),
    "afile": "",
}

# (argv, what the message must say). Argument errors come from argparse ("rpfuzz run:
# error: ..."); the rest from the command ("rpfuzz: ..."), each naming the input.
CASES: list[tuple[str, list[str], list[str]]] = [
    # argparse: flags and their values
    ("unknown command", ["frobnicate"], ["invalid choice: 'frobnicate'"]),
    ("unknown flag", ["run", "--frobnicate"], ["unrecognized arguments: --frobnicate"]),
    ("workers not a number", ["run", "--workers", "x"], ["--workers", "'x' is not an integer"]),
    ("workers zero", ["run", "--workers", "0"], ["--workers", "0 must be at least 1"]),
    ("negative seed", ["run", "--seed", "-1"], ["--seed", "-1 must be at least 0"]),
    ("examples zero", ["run", "--examples", "0"], ["--examples", "0 must be at least 1"]),
    ("budget zero", ["run", "--max-seconds", "0"], ["--max-seconds", "must be more than 0"]),
    ("budget text", ["run", "--max-seconds", "soon"], ["'soon' is not a number of seconds"]),
    ("shrink negative", ["zoo", "--shrink-seconds", "-1"], ["must be 0 seconds or more"]),
    ("bench repeat zero", ["bench", "--repeat", "0"], ["--repeat", "0 must be at least 1"]),
    ("replay without file", ["replay"], ["the following arguments are required: FILE"]),
    ("until negative", ["replay", "twosteps.json", "--until", "-1"], ["-1 must be at least 0"]),
    ("flag without value", ["run", "--config"], ["--config: expected one argument"]),
    # profiles and backends
    (
        "unknown profile",
        ["run", "--profile", "nightly"],
        ["boa_config.toml: no [profiles.nightly] section", "one of: ci, deep, quick"],
    ),
    ("unknown backend", ["run", "--backend", "evm"], ["--backend evm: unknown backend", "revm"]),
    ("unknown bench backend", ["bench", "--backend", "boa,evm"], ["--backend evm: unknown"]),
    ("mutate backend", ["mutate", "--backend", "evm"], ["--backend evm: unknown backend"]),
    ("coverage on revm", ["run", "--coverage", "--backend", "revm"], ["titanoboa only"]),
    ("min score", ["mutate", "--min-score", "2"], ["--min-score 2.0: give a rate between 0"]),
    ("unknown bug", ["zoo", "--only", "no-such-bug"], ["no-such-bug"]),
    (
        "unknown mutant file",
        ["mutate", "--only", "Nope.vy", "--list"],
        ["--only Nope.vy: 'Nope.vy' is not a contract in", "name a .vy file"],
    ),
    ("equivalents missing", ["mutate", "--equivalents", "nope.txt", "--list"], ["not found"]),
    # --config
    (
        "config missing",
        ["run", "--config", "nope.toml"],
        ["--config nope.toml: file not found", "leave --config out"],
    ),
    ("config a directory", ["run", "--config", "."], ["--config .: is a directory"]),
    (
        "config not toml",
        ["run", "--config", "bad.toml"],
        ["bad.toml: not valid TOML", "line 1", "fix the syntax"],
    ),
    (
        "config bad value",
        ["run", "--config", "badvalue.toml"],
        ["badvalue.toml: [settings] 'deposit.fee'", "write e.g."],
    ),
    (
        "config without the profile",
        ["run", "--config", "noprofiles.toml"],
        ["noprofiles.toml: no [profiles.quick] section"],
    ),
    ("bench config", ["bench", "--config", "bad.toml"], ["bad.toml: not valid TOML"]),
    ("zoo config", ["zoo", "--config", "bad.toml"], ["bad.toml: not valid TOML"]),
    ("mutate config", ["mutate", "--config", "bad.toml"], ["bad.toml: not valid TOML"]),
    ("demo config", ["demo", "--config", "nope.toml"], ["--config nope.toml: file not found"]),
    ("shell config", ["shell", "--config", "nope.toml"], ["--config nope.toml: file not found"]),
    ("shell script", ["shell", "--script", "nope.py"], ["--script nope.py: file not found"]),
    (
        "replay config",
        ["replay", "twosteps.json", "--config", "bad.toml"],
        ["bad.toml: not valid TOML"],
    ),
    # --contracts and output paths
    ("run contracts", ["run", "--contracts", "nowhere"], ["nowhere: not a directory"]),
    ("demo contracts", ["demo", "--contracts", "nowhere"], ["nowhere: not a directory"]),
    ("shell contracts", ["shell", "--contracts", "nowhere"], ["nowhere: not a directory"]),
    ("bench contracts", ["bench", "--contracts", "nowhere"], ["nowhere: not a directory"]),
    ("zoo contracts", ["zoo", "--contracts", "nowhere"], ["nowhere: not a directory"]),
    ("mutate contracts", ["mutate", "--contracts", "nowhere"], ["--contracts nowhere: not a"]),
    ("mutate list contracts", ["mutate", "--list", "--contracts", "nowhere"], ["not a directory"]),
    (
        "replay contracts",
        ["replay", "twosteps.json", "--contracts", "nowhere"],
        ["nowhere: not a directory"],
    ),
    ("json directory", ["run", "--json", "nodir/x.json"], ["nodir/x.json: directory", "create"]),
    ("html directory", ["run", "--html", "nodir/r.html"], ["--html nodir/r.html: directory"]),
    (
        "replay html directory",
        ["replay", "twosteps.json", "--html", "nodir/r.html"],
        ["--html nodir/r.html: directory", "create it"],
    ),
    ("failures dir a file", ["run", "--failures-dir", "afile"], ["afile: exists and is not a"]),
    # --database and --cluster
    ("database a file", ["run", "--database", "afile"], ["--database afile: exists and is not"]),
    ("database no host", ["run", "--database", "redis://"], ["--database redis://: no host"]),
    (
        "database on ci",
        ["run", "--profile", "ci", "--database", "db"],
        ["--database with --profile ci", "derandomised"],
    ),
    ("cluster local:0", ["run", "--cluster", "local:0"], ["--cluster local:0 is not local:N"]),
    ("cluster and coverage", ["run", "--cluster", "local:1", "--coverage"], ["drop one of"]),
    (
        "cluster unknown transport",
        ["run", "--cluster", "bogus://x:1"],
        ["Dask has no transport called 'bogus'", "write tcp://HOST:PORT"],
    ),
    # replay files
    ("replay missing", ["replay", "nope.json"], ["nope.json: file not found"]),
    ("minimize missing", ["minimize", "nope.json"], ["nope.json: file not found"]),
    ("replay a directory", ["replay", "."], [".: cannot be read", "pass a replay file"]),
    ("replay truncated", ["replay", "cut.json"], ["cut.json: truncated at line 2", "restore"]),
    ("replay not an object", ["replay", "list.json"], ["list.json: the top level is a list"]),
    ("replay without steps", ["replay", "nosteps.json"], ["field 'steps' is missing"]),
    ("replay unknown field", ["replay", "typo.json"], ["field 'sede' is not a replay file field"]),
    ("replay step without args", ["replay", "argless.json"], ["field 'steps[0]'", "fix or"]),
    ("replay unknown rule", ["replay", "badrule.json"], ["steps[0]", "depost", "deposit"]),
    (
        "replay half a failure",
        ["replay", "halffailure.json"],
        ["field 'failure.invariant' is missing", "remove 'failure'"],
    ),
    (
        "replay other machine",
        ["replay", "elsewhere.json"],
        ["field 'contracts_dir' names /no/such/contracts", "pass --contracts"],
    ),
    (
        "replay until too far",
        ["replay", "twosteps.json", "--until", "9"],
        ["--until 9: twosteps.json has 2 steps", "from 0 to 2"],
    ),
    (
        "emit into nowhere",
        ["replay", "twosteps.json", "--emit-pytest", "nodir/t.py"],
        ["--emit-pytest nodir/t.py: directory", "create it"],
    ),
    (
        "emit with until",
        ["replay", "twosteps.json", "--emit-pytest", "t.py", "--until", "1"],
        ["run them separately"],
    ),
    (
        "minimize into nowhere",
        ["minimize", "twosteps.json", "--output", "nodir/x.json"],
        ["--output nodir/x.json: directory", "create it"],
    ),
]


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    """A working directory holding the bad inputs, and no boa_config.toml of its own."""
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("argv", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_bad_input_exits_2_naming_it_and_the_fix(inputs, capsys, argv, says):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    text = _flat(out + err)
    for part in says:
        assert part in text
    # Said once: argparse's "rpfuzz run: error: ..." or ours, "rpfuzz: ...".
    assert len(re.findall(r"^rpfuzz[\w ]*: ", out + err, flags=re.MULTILINE)) == 1
    assert "Traceback" not in out + err


def test_the_table_covers_every_command():
    commands = {c[1][0] for c in CASES}
    assert commands >= {"run", "bench", "zoo", "mutate", "replay", "minimize", "shell", "demo"}


# --------------------------------------------------------------------------- in a process
def _rpfuzz(*argv: str, cwd: Path, env: dict | None = None, timeout: int = 240):
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})},
        timeout=timeout,
    )


@pytest.fixture
def broken(tmp_path) -> Path:
    """A contracts directory of one file, RocketStorage.vy (deployed first), with a syntax error.

    The deploy compiles it first and stops there: nothing else is compiled.
    """
    source = (PROJECT_ROOT / "contracts" / "RocketStorage.vy").read_text()
    assert "    self.guardian = msg.sender\n" in source
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "RocketStorage.vy").write_text(
        source.replace("    self.guardian = msg.sender\n", "    self.guardian = msg.sender +* 1\n")
    )
    return broken


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_compile_error_is_exit_2_with_the_file_line_and_message_once(broken):
    line = _line_of(broken / "RocketStorage.vy", "+* 1")
    result = _rpfuzz("run", "--contracts", "broken", "--examples", "1", cwd=broken.parent)
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    where = f"broken/RocketStorage.vy:{line}: the contract does not compile: SyntaxException"
    assert out.count(where) == 1
    assert f"---> {line}     self.guardian = msg.sender +* 1" in out
    assert "fix the source, or point --contracts" in out
    # After the live line, on a line of its own.
    assert f"\nrpfuzz: {where}" in result.stdout
    assert "Traceback" not in out


def test_a_compile_error_in_replay_and_demo_is_exit_2(inputs, broken, capsys):
    line = _line_of(broken / "RocketStorage.vy", "+* 1")
    for argv in (
        ["replay", "twosteps.json", "--contracts", str(broken)],
        ["demo", "--contracts", str(broken)],
    ):
        assert main(argv) == 2
        out = _flat(capsys.readouterr().out)
        assert f"RocketStorage.vy:{line}: the contract does not compile: SyntaxException" in out
        assert "Traceback" not in out


def test_an_emitted_test_on_contracts_that_do_not_compile_exits_2(broken, tmp_path):
    # The lines an emitted test starts with (harness.replay.emit): the contracts from
    # $RPFUZZ_CONTRACTS, else those recorded.
    test = tmp_path / "test_emitted.py"
    test.write_text(
        "import os\n\n"
        "from harness.replay.session import replaying\n\n"
        'CONTRACTS = os.environ.get("RPFUZZ_CONTRACTS") or None\n\n\n'
        "def test_replay():\n"
        "    with replaying({}, CONTRACTS) as run:\n"
        '        run.deposit(who="depositor_0", amount=10**18)\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            str(test),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RPFUZZ_CONTRACTS": str(broken)},
        timeout=240,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "RocketStorage.vy:" in out and "the contract does not compile" in out
    assert "Traceback" not in out


HEAVY = ("boa", "vyper", "hypothesis", "dask")


@pytest.mark.parametrize(
    "argv", [["--help"], ["run", "--help"], ["run", "--workers", "x"], ["replay"]]
)
def test_help_and_argument_errors_import_no_evm(argv, tmp_path):
    """Behaviour, not timing: parsing must not import titanoboa, the compiler or Hypothesis
    (each costs seconds), so --help and usage errors answer at once."""
    probe = (
        "import sys\n"
        "from harness.cli.commands import main\n"
        "code = main(sys.argv[1:])\n"
        f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        timeout=60,
    )
    assert result.returncode == (0 if "--help" in argv else 2), result.stderr
    assert "HEAVY []" in result.stdout
    assert "Traceback" not in result.stderr


def test_an_error_starts_on_a_line_of_its_own():
    """What main uses to start an error below a live line left open, and only then."""
    tracker = _LineTracker(io.StringIO())
    assert tracker.line_open is False
    tracker.write("[quick] examples 0 | steps 0")
    assert tracker.line_open is True
    tracker.write("\r\n")
    tracker.write("\x1b[?25h")  # the cursor shown again: no text
    assert tracker.line_open is False
