"""Plain helpers of the per-contract tests (their fixtures are in ``conftest.py``).

The node-side helpers take the protocol of the ``np`` fixture (deployed with
``MockNodeStaking``); the RPL-side ones that of ``rpl_protocol`` (deployed with
the node manager and minipool manager doubles).
"""

from __future__ import annotations

from typing import Any

import boa

from harness import Protocol
from harness.units import ETH

# ------------------------------------------------------------ node side


def node_staking(protocol) -> Any:
    """The node staking contract, whatever facade name it was deployed under."""
    contracts = protocol.contracts
    return contracts.get("node_staking") or contracts["rocketNodeStaking"]


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


# ------------------------------------------------------------ RPL side


def set_node_eth(p: Protocol, node: str, matched: int, provided: int) -> None:
    """The guardian sets a node's matched and provided ETH on the minipool manager double."""
    manager = p.minipool_manager
    with boa.env.prank(p.guardian):
        manager.setNodeETHMatched(node, matched)
        manager.setNodeETHProvided(node, provided)


def set_setting(p: Protocol, path: str, value: int | bool) -> None:
    """The guardian changes one protocol setting."""
    with boa.env.prank(p.guardian):
        if isinstance(value, bool):
            p.settings.setSettingBool(path, value)
        else:
            p.settings.setSettingUint(path, value)
