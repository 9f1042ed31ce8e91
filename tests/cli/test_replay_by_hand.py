"""Replay files a person writes: only ``steps`` is required, and the replay says what is missing."""

from __future__ import annotations

import io
import json
import types

import pytest
from rich.console import Console

import harness.cli.commands
from harness.cli.commands import main
from harness.cli.replay import _use_config, _verdict
from harness.config import DEFAULT_CONFIG_PATH
from harness.replay.file import ReplayFile
from harness.replay.session import ReplayResult
from harness.units import ETH

STEPS = [
    {"rule": "deposit", "args": {"who": "depositor_0", "amount": 5 * ETH}},
    {"rule": "burn", "args": {"who": "depositor_0", "amount": ETH}},
]


@pytest.fixture
def by_hand(tmp_path):
    path = tmp_path / "by-hand.json"
    path.write_text(json.dumps({"steps": STEPS}))
    return path


def test_a_file_of_steps_alone_loads_with_nothing_recorded(by_hand):
    replay = ReplayFile.load(by_hand)
    assert replay.steps == STEPS
    assert (replay.seed, replay.config, replay.contracts_sha256) == (None, {}, None)
    assert replay.failure == {}
    assert replay.recorded is False
    # Written back, it is a complete file that loads the same.
    again = by_hand.with_name("again.json")
    replay.write(again)
    data = json.loads(again.read_text())
    assert data["format"] == 1 and data["contracts_sha256"] is None and data["failure"] == {}
    assert ReplayFile.load(again) == replay


def test_left_out_fields_are_not_shared_between_files(by_hand):
    first = ReplayFile.load(by_hand)
    first.config["settings"] = {"deposit.fee": "1%"}
    first.failure["step"] = 0
    second = ReplayFile.load(by_hand)
    assert (second.config, second.failure) == ({}, {})


def test_seed_and_config_may_be_given(tmp_path):
    path = tmp_path / "seeded.json"
    config = {"settings": {"deposit.fee": "0.1%"}}
    path.write_text(json.dumps({"seed": 7, "config": config, "steps": STEPS}))
    replay = ReplayFile.load(path)
    assert (replay.seed, replay.config, replay.recorded) == (7, config, False)


def test_the_command_s_config_fills_in_a_file_that_records_none(by_hand, tmp_path):
    replay = ReplayFile.load(by_hand)
    assert _use_config(replay, DEFAULT_CONFIG_PATH, False) == (
        f"config: {DEFAULT_CONFIG_PATH} (the file records none)"
    )
    assert replay.config == {}  # the packaged file: what an empty config means already
    local = tmp_path / "boa_config.toml"
    local.write_text(
        DEFAULT_CONFIG_PATH.read_text().replace(
            '"deposit.fee" = "0.05%"', '"deposit.fee" = "0.07%"'
        )
    )
    assert _use_config(replay, local, False) == f"config: {local} (the file records none)"
    assert replay.config["settings"]["deposit.fee"] == "0.07%"


def test_a_recorded_config_wins_unless_config_is_given(tmp_path):
    recorded = {"settings": {"deposit.fee": "0.1%"}}
    replay = ReplayFile(None, dict(recorded), None, STEPS)
    assert _use_config(replay, DEFAULT_CONFIG_PATH, False) == "config: as recorded in the file"
    assert replay.config == recorded
    assert _use_config(replay, DEFAULT_CONFIG_PATH, True) == f"config: {DEFAULT_CONFIG_PATH}"
    assert replay.config["settings"]["deposit.fee"] == "0.05%"


def _verdict_text(replay: ReplayFile, failure) -> tuple[int, str]:
    out = io.StringIO()
    result = types.SimpleNamespace(failure=failure, until=None, total=len(replay.steps))
    result.reproduces = lambda recorded: ReplayResult.reproduces(result, recorded)
    code = _verdict(Console(file=out, width=200), replay, result)
    return code, out.getvalue()


def test_the_verdict_on_a_file_without_a_recorded_failure():
    replay = ReplayFile(None, {}, None, STEPS)
    assert _verdict_text(replay, None) == (
        0,
        "Every step passed and every invariant held through all 2 steps.\n",
    )
    failed = types.SimpleNamespace(invariant="solvency", index=1)
    assert _verdict_text(replay, failed) == (1, "FAILED: solvency at step 1.\n")


def test_rpfuzz_replay_runs_a_hand_written_file(by_hand, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no boa_config.toml here: the packaged one
    out = io.StringIO()
    monkeypatch.setattr(harness.cli.commands, "Console", lambda: Console(file=out, width=200))
    assert main(["replay", str(by_hand)]) == 0
    text = out.getvalue()
    assert f"{by_hand}: 2 steps, no seed; no recorded failure: the steps alone" in text
    assert f"config: {DEFAULT_CONFIG_PATH} (the file records none)" in text
    assert (
        "note: the file records no contracts hash: it runs on these contracts as they are" in text
    )
    assert "Every step passed and every invariant held through all 2 steps." in text
    assert "Traceback" not in text
