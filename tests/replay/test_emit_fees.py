"""``rpfuzz replay --emit-pytest`` of a sequence with blocks and a distribute: the written
test carries the seeded ``advance`` and the ``propose``/``distribute_fees`` steps, and runs."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from rich.console import Console

import harness.cli.commands
from harness.cli import main
from harness.config import PROJECT_ROOT
from harness.replay.file import ReplayFile
from harness.units import ETH, HOUR

STEPS = [
    {"rule": "register_node", "args": {"node": "node_operator_0"}},
    {"rule": "stake_rpl", "args": {"node": "node_operator_0", "amount": 3_000 * ETH}},
    {"rule": "deposit", "args": {"who": "depositor_0", "amount": 24 * ETH}},
    {
        "rule": "create_minipool",
        "args": {"node": "node_operator_0", "bond": 8, "credit": False, "value": None},
    },
    {"rule": "advance", "args": {"seconds": 13 * HOUR}},
    {"rule": "stake", "args": {"minipool": 0}},
    {"rule": "propose", "args": {"minipool": 0, "fees": ETH // 2, "stolen": False}},
    {"rule": "advance", "args": {"seconds": 30 * 24 * HOUR, "seed": 7}},
    {"rule": "distribute_fees", "args": {"node": "node_operator_0", "who": "stranger"}},
]


def test_an_emitted_sequence_with_blocks_and_a_distribute_runs(monkeypatch, tmp_path):
    replay = ReplayFile(seed=None, config={}, contracts_sha256=None, steps=STEPS)
    path = replay.write(tmp_path / "fees.json")
    test = tmp_path / "test_fees.py"
    out = io.StringIO()
    monkeypatch.setattr(harness.cli.commands, "Console", lambda: Console(file=out, width=200))
    assert main(["replay", str(path), "--emit-pytest", str(test)]) == 0, out.getvalue()
    text = test.read_text()
    assert "run.advance(seconds=30 * DAY, seed=7)  # step 7" in text
    assert "run.propose(minipool=0, fees=ETH // 2, stolen=False)  # step 6" in text
    assert 'run.distribute_fees(node="node_operator_0", who="stranger")  # step 8' in text
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout
