"""``harness.replay.display``: a violation's details as rows of expected, actual and difference."""

from __future__ import annotations

import boa

from harness.replay.display import detail_rows
from harness.units import ETH


def test_details_pair_expected_with_actual_values():
    rows, rest = detail_rows(
        {"held": 30 * ETH, "owed": 31 * ETH, "gap": ETH, "dust": 32, "reth_supply": 3}
    )
    assert rows == [
        (
            "ETH for rETH holders: held for them (model), owed at the reported rate",
            f"30 ETH ({30 * ETH} wei)",
            f"31 ETH ({31 * ETH} wei)",
            f"1 ETH ({ETH} wei)",
        )
    ]
    assert rest == [("gap", f"1 ETH ({ETH} wei)"), ("dust", "32"), ("reth_supply", "3")]
    node = boa.env.generate_address("node_operator_9")
    rows, rest = detail_rows(
        {
            "node": str(node).lower(),
            "field": "eth_matched",
            "expected": 24 * ETH,
            "actual": 16 * ETH,
        }
    )
    assert rows == [
        (
            "eth_matched",
            f"24 ETH ({24 * ETH} wei)",
            f"16 ETH ({16 * ETH} wei)",
            f"-8 ETH ({-8 * ETH} wei)",
        )
    ]
    assert rest == [("node", f"node_operator_9 ({str(node).lower()})")]
    rows, rest = detail_rows(
        {
            "address": "0xcd",
            "attempts": 2,
            "successes": 1,
            "expected_attempts": 2,
            "expected_successes": 0,
        }
    )
    assert rows == [("attempts", "2", "2", ""), ("successes", "0", "1", "1")]
    assert rest == [("address", "0xcd")]
