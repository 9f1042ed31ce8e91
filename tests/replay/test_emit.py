"""``harness.replay.emit``: the pytest file ``rpfuzz replay --emit-pytest`` writes, argument
by argument (its end-to-end run on the planted bug is in ``test_replay.py``)."""

from __future__ import annotations

import pytest

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.replay.emit import PROJECT_CONTRACTS, arg_code, emit_pytest
from harness.replay.file import ReplayFile
from harness.replay.session import ReplayResult, StepResult
from harness.units import DAY, ETH, HOUR, to_wei


@pytest.mark.parametrize(
    ("rule", "name", "value", "code"),
    [
        ("deposit", "amount", 20 * ETH, "20 * ETH"),
        ("deposit", "amount", ETH, "ETH"),
        ("deposit", "amount", 0, "0"),
        ("burn", "amount", ETH // 4, "ETH // 4"),
        ("deposit", "amount", 10**16 - 1, 'to_wei("0.009999999999999999")'),
        ("stake_rpl", "amount", 12_345 * ETH, "12_345 * ETH"),
        ("advance", "seconds", 2 * DAY + HOUR, "2 * DAY + HOUR"),
        ("advance", "seconds", 13 * HOUR, "13 * HOUR"),
        ("advance", "seconds", 90, "90"),
        ("create_minipool", "value", None, "None"),
        ("create_minipool", "value", ETH // 2, "ETH // 2"),
        ("set_setting", "value", True, "True"),
        ("set_setting", "value", 51 * 10**16, 'to_wei("0.51")'),
        ("place_bid", "lot", 12_000, "12_000"),
        ("deposit", "who", "depositor_0", '"depositor_0"'),
    ],
)
def test_emitted_arguments_read_in_eth_and_mean_the_same(rule, name, value, code):
    assert arg_code(rule, name, value) == code
    assert eval(code, {"ETH": ETH, "HOUR": HOUR, "DAY": DAY, "to_wei": to_wei}) == value


def test_an_emitted_test_names_the_projects_contracts_without_this_machines_path():
    replay_file = ReplayFile(
        seed=1,
        config={},
        contracts_sha256="ab" * 32,
        steps=[{"rule": "register_node", "args": {"node": "node_operator_0"}}],
        failure={"step": 0, "invariant": "outcome", "message": "recorded elsewhere"},
    )
    passed = ReplayResult(
        [StepResult(0, "register_node", {"node": "node_operator_0"}, True, "ok")], 1
    )
    for contracts_dir in (None, DEFAULT_CONTRACTS_DIR):
        text = emit_pytest(replay_file, passed, contracts_dir)
        assert f"    {PROJECT_CONTRACTS}\n" in text
        assert str(DEFAULT_CONTRACTS_DIR) not in text
        assert "RECORDED_CONTRACTS = None" in text
