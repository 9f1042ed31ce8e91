"""Replay files on their own (``harness.replay.file``, ``validate_steps``): loading old
files, and the arguments a step of each rule must have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.replay.file import ReplayFile

FOUND = Path(__file__).resolve().parents[1] / "data" / "node-rewards-oracle-read.json"


def test_a_file_from_before_the_optional_fields_still_loads(tmp_path):
    data = json.loads(FOUND.read_text())
    del data["contracts_dir"]
    for step in data["steps"]:
        step.pop("check", None)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    old = ReplayFile.load(path)
    assert old.contracts_dir is None
    assert all("check" not in step for step in old.steps)


def test_steps_of_a_rule_taking_keyword_arguments_validate():
    from harness.replay.file import ReplayFileError
    from harness.replay.session import validate_steps

    # read_view takes the view's own arguments as **args: none is required by name.
    validate_steps(
        "f.json",
        [
            {"rule": "read_view", "args": {"view": "reth.getExchangeRate"}},
            {"rule": "read_view", "args": {"view": "minipool.getStatus", "minipool": 0}},
        ],
    )
    with pytest.raises(ReplayFileError, match=r"'steps\[0\]\.args\.view' is missing"):
        validate_steps("f.json", [{"rule": "read_view", "args": {"minipool": 0}}])


def test_steps_of_the_oracle_rules_validate_which_and_pending():
    from harness.replay.file import ReplayFileError
    from harness.replay.session import validate_steps

    validate_steps(
        "f.json",
        [
            {"rule": "vote_report", "args": {"member": "odao_member_1", "which": "prices"}},
            {"rule": "execute_update", "args": {"who": "stranger", "which": "balances"}},
            {
                "rule": "execute_update",
                "args": {"who": "stranger", "which": "balances", "pending": True},
            },
            {"rule": "remove_member", "args": {"member": "odao_member_2"}},
            {"rule": "add_member", "args": {"member": "odao_member_2"}},
        ],
    )
    with pytest.raises(ReplayFileError, match=r"'steps\[0\]\.args\.which' .*\"balances\" or"):
        validate_steps(
            "f.json", [{"rule": "vote_report", "args": {"member": "m", "which": "rates"}}]
        )
    with pytest.raises(ReplayFileError, match=r"'steps\[0\]\.args\.pending' .*true or false"):
        step = {"who": "stranger", "which": "prices", "pending": "yes"}
        validate_steps("f.json", [{"rule": "execute_update", "args": step}])
