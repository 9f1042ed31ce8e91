"""Fixtures for the RPL side's unit tests: the protocol with node-side doubles.

Node staking reads the node manager and the minipool manager, which another
part of the project builds. These tests deploy test doubles in their place
(``contracts/mocks/``): the guardian decides which nodes exist, their
withdrawal addresses, their matched and provided ETH, and which addresses are
minipools. ``mockMinipool`` counts as a registered minipool and forwards
``slash(node, eth)`` to ``slashRPL``, as a finalising minipool would.

Test modules load this file with ``pytest_plugins = ["rpl_fixtures"]``;
plain helpers live in ``rpl_helpers``.
"""

from __future__ import annotations

from typing import Any

import boa
import pytest

from harness import Protocol, deploy_protocol
from harness.config import PROJECT_ROOT

MOCKS = PROJECT_ROOT / "contracts" / "mocks"
DOUBLES = {
    "rocketMinipoolManager": MOCKS / "MockMinipoolManager.vy",
    "rocketNodeManager": MOCKS / "MockNodeManager.vy",
    "mockMinipool": MOCKS / "MockMinipool.vy",
}


@pytest.fixture(scope="session")
def rpl_protocol() -> Protocol:
    """The protocol with the node manager and minipool manager replaced by doubles."""
    return deploy_protocol(replace=DOUBLES)


@pytest.fixture
def node_manager(rpl_protocol: Protocol) -> Any:
    """The node manager double (``setNodeExists``, ``setWithdrawalAddress``)."""
    return rpl_protocol.node_manager


@pytest.fixture
def minipool_manager(rpl_protocol: Protocol) -> Any:
    """The minipool manager double (``setNodeETHMatched``, ``setNodeETHProvided``, ...)."""
    return rpl_protocol.minipool_manager


@pytest.fixture
def mock_minipool(rpl_protocol: Protocol) -> Any:
    """A registered minipool double whose ``slash(node, eth)`` calls ``slashRPL``."""
    return rpl_protocol.contracts["mockMinipool"]


@pytest.fixture
def withdrawal_address() -> str:
    """Where the node's withdrawn RPL goes: an address distinct from the node."""
    return boa.env.generate_address("node_withdrawal_address")


@pytest.fixture
def node_operator(rpl_protocol: Protocol, node_manager: Any, withdrawal_address: str) -> str:
    """A registered node operator holding 10,000 RPL, with its own withdrawal address."""
    node = rpl_protocol.node_operators[0]
    with boa.env.prank(rpl_protocol.guardian):
        node_manager.setNodeExists(node, True)
        node_manager.setWithdrawalAddress(node, withdrawal_address)
    rpl_protocol.fund_rpl(node, "10000")
    return node
