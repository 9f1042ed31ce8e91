"""Per-contract unit tests: each ``test_<contract>.py`` drives one contract of ``contracts/``.

Most files use the session's ``protocol`` (``tests/conftest.py``). Two other
protocols, each deployed at most once per session and only when a test asks
for it, put test doubles of ``contracts/mocks/`` in place of the contracts
around the one under test:

- ``np`` (node side: node manager, node deposit, minipools, bond reducer):
  ``MockNodeStaking`` in place of the RPL side's node staking, so any ETH may
  be matched; fixtures ``np``, ``mock_staking``, ``node``, ``other_node``.
- ``rpl_protocol`` (RPL side: node staking, auctions): the node manager and
  minipool manager replaced by doubles, through which the guardian decides
  which nodes exist, their withdrawal addresses, their matched and provided
  ETH, and which addresses are minipools. ``mockMinipool`` counts as a
  registered minipool and forwards ``slash(node, eth)`` to ``slashRPL``, as a
  finalising minipool would. Fixtures ``rpl_protocol``, ``node_manager``,
  ``minipool_manager``, ``mock_minipool``, ``withdrawal_address``,
  ``node_operator``.
- ``dp`` (fee distributors): as ``np`` (the harness deploys the node
  distributor factory and delegate, so every node registered on it gets its
  distributor). Fixtures ``dp``, ``dp_node``.
- ``fee_protocol`` (the distributor's split alone): ``rpl_protocol``'s
  doubles with the real factory and delegate, so a test sets a node's ETH
  matched, active minipools and average fee directly.

titanoboa's plugin anchors every test and fixture, and the autouse fixture
below rewinds each facade's off-EVM state, so each test starts from the
state its fixtures built. Plain helpers are in ``tests/contracts/helpers.py``.
"""

from __future__ import annotations

from typing import Any

import boa
import pytest

from harness import Protocol, deploy_protocol
from harness.config import PROJECT_ROOT
from tests.contracts.helpers import node_staking

MOCKS = PROJECT_ROOT / "contracts" / "mocks"
RPL_SIDE_DOUBLES = {
    "rocketMinipoolManager": MOCKS / "MockMinipoolManager.vy",
    "rocketNodeManager": MOCKS / "MockNodeManager.vy",
    "mockMinipool": MOCKS / "MockMinipool.vy",
}


@pytest.fixture(autouse=True)
def _rewind_test_double_protocols(request):
    """Undo what a test did to the off-EVM state of ``np`` and ``rpl_protocol``.

    As ``tests/conftest.py`` does for ``protocol``: titanoboa rolls the EVM
    back, this rewinds the facade's beacon, oracle and minipool salt hints,
    so the one deployment each is shared by every file and test.
    """
    protocols = [
        request.getfixturevalue(name)
        for name in ("np", "rpl_protocol", "dp", "fee_protocol")
        if name in request.fixturenames
    ]
    states = [(protocol, protocol.python_state()) for protocol in protocols]
    yield
    for protocol, state in states:
        protocol.restore_python_state(state)


# ------------------------------------------------------------ node side


@pytest.fixture(scope="session")
def np() -> Protocol:
    """The protocol, with the node staking test double (unlimited ETH matched)."""
    return deploy_protocol(
        config={"settings": {"deposit.pool.maximum": "1000 ether"}},
        replace={"rocketNodeStaking": MOCKS / "MockNodeStaking.vy"},
    )


@pytest.fixture
def mock_staking(np: Protocol) -> Any:
    """The ``MockNodeStaking`` double of ``np``."""
    return node_staking(np)


@pytest.fixture
def node(np: Protocol) -> str:
    """A registered node operator of ``np`` with 10,000 ETH."""
    operator = np.node_operators[0]
    np.register_node(operator)
    return operator


@pytest.fixture
def other_node(np: Protocol) -> str:
    """A second registered node operator of ``np``."""
    operator = np.node_operators[1]
    np.register_node(operator)
    return operator


# ------------------------------------------------------------ RPL side


@pytest.fixture(scope="session")
def rpl_protocol() -> Protocol:
    """The protocol with the node manager and minipool manager replaced by doubles."""
    return deploy_protocol(replace=RPL_SIDE_DOUBLES)


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


# ------------------------------------------------------------ fee distributors


@pytest.fixture(scope="session")
def dp() -> Protocol:
    """``np`` with the node distributor factory and delegate: nodes get distributors."""
    return deploy_protocol(
        config={"settings": {"deposit.pool.maximum": "1000 ether"}},
        replace={"rocketNodeStaking": MOCKS / "MockNodeStaking.vy"},
    )


@pytest.fixture
def dp_node(dp: Protocol) -> str:
    """A registered node operator of ``dp`` (registering created its distributor)."""
    operator = dp.node_operators[0]
    dp.register_node(operator)
    return operator


@pytest.fixture(scope="session")
def fee_protocol() -> Protocol:
    """The RPL side's doubles plus the distributor contracts: the split's inputs set by hand."""
    return deploy_protocol(replace=RPL_SIDE_DOUBLES)
