"""Fixtures and helpers shared by the node-side tests (node manager, node
deposit, minipools, bond reducer).

Import the fixtures a test file needs (``from node_side import np, ...``);
``tests/conftest.py`` stays as it is. The protocol here is deployed once per
session with ``MockNodeStaking`` in place of the RPL side's node staking, and
titanoboa's plugin anchors every test and fixture, so each test starts from
the state its fixtures built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boa
import pytest

from harness import deploy_protocol
from harness.model import economics
from tests.helpers import events  # noqa: F401  (re-exported for the node-side tests)

ETH = 10**18
ROOT = Path(__file__).resolve().parents[2]
MOCK_NODE_STAKING = ROOT / "contracts" / "mocks" / "MockNodeStaking.vy"

# Minipool statuses.
INITIALISED, PRELAUNCH, STAKING, WITHDRAWABLE, DISSOLVED = range(5)


@pytest.fixture(scope="session")
def np():
    """The protocol, with the node staking test double (unlimited ETH matched)."""
    protocol = deploy_protocol(
        config={"settings": {"deposit.pool.maximum": "1000 ether"}},
        replace={"rocketNodeStaking": MOCK_NODE_STAKING},
    )
    return protocol


def node_staking(protocol) -> Any:
    """The node staking contract, whatever facade name it was deployed under."""
    contracts = protocol.contracts
    return contracts.get("node_staking") or contracts["rocketNodeStaking"]


@pytest.fixture
def staking(np):
    """The ``MockNodeStaking`` double."""
    return node_staking(np)


@pytest.fixture
def node(np):
    """A registered node operator with 10,000 ETH."""
    operator = np.node_operators[0]
    np.register_node(operator)
    return operator


@pytest.fixture
def other_node(np):
    """A second registered node operator."""
    operator = np.node_operators[1]
    np.register_node(operator)
    return operator


@pytest.fixture
def depositor(np):
    """A funded depositor."""
    return np.depositors[0]


def fund_pool(protocol, amount_eth: int, depositor: str | None = None) -> None:
    """A depositor puts ``amount_eth`` ETH into the deposit pool."""
    who = depositor or protocol.depositors[0]
    protocol.deposit_pool.deposit(value=amount_eth * ETH, sender=who)


def prelaunch_minipool(protocol, node: str, bond: int = 8) -> Any:
    """A minipool of ``node`` that has been assigned its 31 ETH (Prelaunch)."""
    fund_pool(protocol, 32 - bond)
    return protocol.create_minipool(node, bond=bond)


def pass_scrub_period(protocol) -> None:
    """Advance time just past the scrub period."""
    boa.env.time_travel(seconds=protocol.settings.getScrubPeriod() + 1)


def staking_minipool(protocol, node: str, bond: int = 8) -> Any:
    """A staking minipool of ``node`` (31 ETH sent to the deposit contract)."""
    minipool = prelaunch_minipool(protocol, node, bond)
    pass_scrub_period(protocol)
    protocol.stake(minipool)
    return minipool


# The split, from harness.model.economics (written from ROCKETPOOL.md, not from the
# contract), with the argument order these tests use: node capital first.
def rewards_node_share(rewards: int, node_capital: int, user_capital: int, fee: int) -> int:
    """The node's part of ``rewards``: its capital share plus ``fee`` on the rest."""
    return economics.rewards_node_share(rewards, user_capital, node_capital, fee)


def node_share(balance: int, node_capital: int, user_capital: int, fee: int) -> int:
    """ROCKETPOOL.md's node share of a minipool balance (refund balance excluded)."""
    return economics.node_share(balance, user_capital, node_capital, fee)


def snapshot(protocol, node: str, *addresses: Any) -> dict[str, Any]:
    """What a reverted node-side call must leave unchanged."""
    manager = protocol.minipool_manager
    state = {
        "minipools": manager.getMinipoolCount(),
        "node_minipools": manager.getNodeMinipoolCount(node),
        "matched": manager.getNodeETHMatched(node),
        "provided": manager.getNodeETHProvided(node),
        "active": manager.getNodeActiveMinipoolCount(node),
        "staking": manager.getNodeStakingMinipoolCount(node),
        "finalised": manager.getNodeFinalisedMinipoolCount(node),
        "credit": protocol.node_deposit.getDepositCredit(node),
        "pool": protocol.deposit_pool.getBalance(),
        "pool_node": protocol.deposit_pool.getNodeBalance(),
        "queue": protocol.minipool_queue.getLength(),
        "beacon_deposits": protocol.deposit_contract.depositCount(),
    }
    for address in (node, *addresses):
        address = getattr(address, "address", address)
        state[f"eth:{address}"] = boa.env.get_balance(address)
    return state


def credit(protocol, node: str, amount: int) -> None:
    """Give ``node`` deposit credit as the bond reducer would."""
    protocol.node_deposit.increaseDepositCreditBalance(
        node, amount, sender=protocol.bond_reducer.address
    )
