"""RocketNodeDistributorFactory and the fee distributor: addresses, the split, hostile payees.

The split is checked against ``harness.model.economics`` (v1.3.1's formula
written out in Python), never against the distributor's own views; the
``dp`` protocol's figures come from real minipools, ``fee_protocol``'s are
set by hand on doubles for the differential check.
"""

from __future__ import annotations

from typing import Any

import boa
import pytest
from eth.exceptions import Revert
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness.model import economics as econ
from harness.units import ETH, ONE
from tests.contracts.conftest import MOCKS
from tests.contracts.helpers import pass_scrub_period, prelaunch_minipool, staking_minipool
from tests.helpers import events

# A distributor's code is the EIP-1167 forwarder, not the delegate's whose ABI
# it answers to; titanoboa says so each time it meets one.
pytestmark = pytest.mark.filterwarnings("ignore:casted bytecode does not match")

FEE = 14 * 10**16
# Vyper's create_minimal_proxy_to init code around the 20-byte target.
PROXY_INIT = (
    bytes.fromhex("602d3d8160093d39f3363d3d373d3d3d363d73"),
    bytes.fromhex("5af43d82803e903d91602b57fd5bf3"),
)


def distributor_of(protocol, node: str) -> Any:
    """The handle of ``node``'s distributor (the delegate's ABI at the proxy's address)."""
    address = protocol.distributor_factory.getProxyAddress(node)
    return protocol.distributor_delegate.deployer.at(address)


def create2_address(factory: str, node: str, delegate: str) -> str:
    """CREATE2 by hand: keccak(0xff ++ factory ++ keccak(abi(node)) ++ keccak(init code))."""
    salt = keccak(bytes(12) + bytes.fromhex(node[2:]))
    init = PROXY_INIT[0] + bytes.fromhex(delegate[2:]) + PROXY_INIT[1]
    digest = keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + keccak(init))
    return to_checksum_address(digest[12:])


def give(address: Any, amount: int) -> None:
    """Fees arriving as on mainnet: the balance rises and no code runs."""
    address = getattr(address, "address", address)
    boa.env.set_balance(address, boa.env.get_balance(address) + amount)


def balance(address: Any) -> int:
    return boa.env.get_balance(getattr(address, "address", address))


def set_node_fee(protocol, fee: int) -> None:
    """The network node fee new minipools get: minimum, target and maximum all ``fee``."""
    with boa.env.prank(protocol.guardian):
        if fee < protocol.settings.getMinimumNodeFee():
            order = ("minimum", "target", "maximum")
        else:
            order = ("maximum", "target", "minimum")
        for name in order:
            protocol.settings.setSettingUint(f"network.node.fee.{name}", fee)


@pytest.fixture
def withdrawal(dp, dp_node) -> str:
    address = boa.env.generate_address("distributor_withdrawal")
    dp.node_manager.setWithdrawalAddress(dp_node, address, True, sender=dp_node)
    return address


# ------------------------------------------------------------ the factory
def test_registration_creates_the_distributor_at_its_predicted_address(dp, stranger):
    factory = dp.distributor_factory
    delegate = dp.distributor_delegate
    node = dp.node_operators[1]
    predicted = factory.getProxyAddress(node)
    assert predicted == create2_address(str(factory.address), str(node), str(delegate.address))
    assert len(boa.env.get_code(predicted)) == 0
    dp.register_node(node)
    (created,) = events(dp.node_manager, "ProxyCreated", factory)
    assert (created.proxyAddress, created.nodeAddress) == (predicted, node)
    assert len(boa.env.get_code(predicted)) == 45  # the EIP-1167 forwarder
    assert distributor_of(dp, node).getNodeAddress() == node
    # Another node's distributor lives elsewhere.
    assert factory.getProxyAddress(dp.node_operators[2]) != predicted


def test_create_proxy_refusals(dp, dp_node, stranger):
    factory = dp.distributor_factory
    with boa.reverts("node distributor factory: caller is not the node manager"):
        factory.createProxy(stranger, sender=stranger)
    with boa.reverts("node distributor factory: distributor already exists"):
        factory.createProxy(dp_node, sender=dp.node_manager.address)


def test_initialise_refusals_and_the_bare_delegate(dp, dp_node, stranger):
    distributor = distributor_of(dp, dp_node)
    factory = dp.distributor_factory.address
    with boa.reverts("node distributor: caller is not the factory"):
        distributor.initialise(stranger, sender=stranger)
    with boa.reverts("node distributor: already initialised"):
        distributor.initialise(stranger, sender=factory)
    delegate = dp.distributor_delegate
    with boa.reverts("node distributor: invalid node address"):
        delegate.initialise("0x" + "00" * 20, sender=factory)
    for call in (delegate.distribute, delegate.getNodeShare, delegate.getUserShare):
        with boa.reverts("node distributor: not initialised"):
            call(sender=stranger)
    # A payment is accepted; a call to a function it does not have (a minipool's
    # distributeBalance(false)) is not.
    boa.env.raw_call(distributor.address, sender=stranger, value=5)
    assert balance(distributor) == 5
    with pytest.raises(Revert) as refused:
        boa.env.raw_call(
            distributor.address, sender=stranger, data=bytes.fromhex("54efc6e5") + bytes(32)
        )
    assert b"node distributor: unknown function" in refused.value.args[0]


# ------------------------------------------------------------ the split, to the wei
def test_two_8_eth_minipools_at_14_percent_split_1_eth(dp, dp_node, withdrawal, stranger):
    for _ in range(2):
        staking_minipool(dp, dp_node)
    assert dp.node_manager.getAverageNodeFee(dp_node) == FEE
    distributor = distributor_of(dp, dp_node)
    give(distributor, ETH)
    # The formula: ratio = 64 ETH / (64 - 48) ETH = 4.0, so the node's capital
    # part is 1/4 ETH; of the users' 0.75 ETH the node takes 14%, 0.105 ETH.
    # By hand: node 0.355 ETH, users 0.645 ETH.
    ratio = econ.collateral_ratio(48 * ETH, 2)
    assert ratio == 4 * ONE
    node_share = econ.distributor_node_share(ETH, FEE, ratio)
    assert node_share == 355 * 10**15
    assert distributor.getNodeShare() == node_share
    assert distributor.getUserShare() == ETH - node_share
    reth_before, withdrawal_before = balance(dp.reth), balance(withdrawal)
    distributor.distribute(sender=stranger)
    (fees,) = events(distributor, "FeesDistributed", distributor)
    assert (fees.nodeAddress, fees.nodeAmount, fees.userAmount) == (
        dp_node,
        355 * 10**15,
        645 * 10**15,
    )
    assert balance(withdrawal) - withdrawal_before == 355 * 10**15
    assert balance(dp.reth) - reth_before == 645 * 10**15
    assert balance(distributor) == 0


def test_mixed_bonds_weigh_each_fee_by_the_user_eth_it_earns_on(dp, dp_node, withdrawal):
    staking_minipool(dp, dp_node, bond=16)  # at 14%
    set_node_fee(dp, 10 * 10**16)
    staking_minipool(dp, dp_node, bond=8)  # at 10%
    # Weights: 16 ETH of users' ETH against 24: 0.4 and 0.6, so 0.4 * 14% + 0.6 * 10% = 11.6%.
    expected_fee = econ.average_node_fee({16 * ETH: (1, FEE), 8 * ETH: (1, 10 * 10**16)})
    assert expected_fee == 116 * 10**15
    assert dp.node_manager.getAverageNodeFee(dp_node) == expected_fee
    manager = dp.minipool_manager
    assert manager.getNodeStakingMinipoolCountBySize(dp_node, 16 * ETH) == 1
    assert manager.getNodeAverageFeeNumerator(dp_node, 8 * ETH) == 10 * 10**16
    distributor = distributor_of(dp, dp_node)
    give(distributor, 3 * ETH + 7)
    # ratio = 64 / (64 - 40) ETH: the node provided 24 of 64 ETH.
    node_share = econ.distributor_node_share(
        3 * ETH + 7, expected_fee, econ.collateral_ratio(40 * ETH, 2)
    )
    before = balance(withdrawal)
    distributor.distribute(sender=dp_node)
    assert balance(withdrawal) - before == node_share


def test_a_node_without_staking_minipools_gets_half_and_no_fee(dp, dp_node, withdrawal):
    """v1.3.1 with nothing matched: the legacy 2.0 ratio and an average fee of zero."""
    distributor = distributor_of(dp, dp_node)
    give(distributor, 5)
    before = balance(dp.reth)
    distributor.distribute(sender=dp_node)
    assert balance(withdrawal) == 2  # 5 * 1e18 // 2e18
    assert balance(dp.reth) - before == 3


def test_fees_are_distributed_before_a_minipool_starts_staking(dp, dp_node, withdrawal):
    """v1.3.1's _tryDistribute: ETH already here is split at the figures it arrived under."""
    staking_minipool(dp, dp_node)  # at 14%
    set_node_fee(dp, 10 * 10**16)
    second = prelaunch_minipool(dp, dp_node)  # at 10%, not yet staking
    distributor = distributor_of(dp, dp_node)
    give(distributor, ETH)
    pass_scrub_period(dp)
    before = balance(withdrawal)
    dp.stake(second)
    # Split at 14% (the one staking minipool) and ratio 4: 0.355 ETH, not at 12% (0.34 ETH).
    assert balance(withdrawal) - before == econ.distributor_node_share(ETH, FEE, 4 * ONE)
    assert balance(withdrawal) - before == 355 * 10**15
    assert balance(distributor) == 0
    assert dp.node_manager.getAverageNodeFee(dp_node) == 12 * 10**16


# ------------------------------------------------------------ hostile withdrawal addresses
def test_a_refusing_withdrawal_address_cannot_block_the_users_share(dp, dp_node, stranger):
    for _ in range(2):
        staking_minipool(dp, dp_node)
    refusing = boa.load(MOCKS / "RefusingWithdrawalAddress.vy")
    dp.node_manager.setWithdrawalAddress(dp_node, refusing.address, True, sender=dp_node)
    distributor = distributor_of(dp, dp_node)
    give(distributor, ETH)
    reth_before = balance(dp.reth)
    distributor.distribute(sender=stranger)
    (held,) = events(distributor, "NodeShareHeld", distributor)
    assert (held.nodeAddress, held.amount) == (dp_node, 355 * 10**15)
    assert balance(dp.reth) - reth_before == 645 * 10**15
    assert balance(distributor) == 355 * 10**15
    # What is held is the node's and is not split again with new fees.
    give(distributor, ETH)
    assert distributor.getNodeShare() == 2 * 355 * 10**15
    assert distributor.getUserShare() == 645 * 10**15
    distributor.distribute(sender=stranger)
    assert balance(dp.reth) - reth_before == 2 * 645 * 10**15
    assert balance(distributor) == 2 * 355 * 10**15
    # A withdrawal address that accepts collects all of it with the next distribution.
    payee = boa.env.generate_address("new_withdrawal")
    dp.node_manager.setWithdrawalAddress(dp_node, payee, True, sender=dp_node)
    distributor.distribute(sender=stranger)
    (fees,) = events(distributor, "FeesDistributed", distributor)
    assert (fees.nodeAmount, fees.userAmount) == (0, 0)
    assert balance(payee) == 2 * 355 * 10**15
    assert balance(dp.reth) - reth_before == 2 * 645 * 10**15
    assert balance(distributor) == 0


def test_a_reentrant_withdrawal_address_cannot_drain_the_users_share(dp, dp_node, stranger):
    for _ in range(2):
        staking_minipool(dp, dp_node)
    reentrant = boa.load(MOCKS / "ReentrantWithdrawalAddress.vy")
    reentrant.setReentryCall(bytes.fromhex("e4fc6b6d"))  # distribute()
    dp.node_manager.setWithdrawalAddress(dp_node, reentrant.address, True, sender=dp_node)
    distributor = distributor_of(dp, dp_node)
    give(distributor, ETH)
    reth_before = balance(dp.reth)
    distributor.distribute(sender=stranger)
    assert (reentrant.reentryAttempts(), reentrant.reentrySuccesses()) == (1, 0)
    assert balance(reentrant) == 355 * 10**15
    assert balance(dp.reth) - reth_before == 645 * 10**15
    assert balance(distributor) == 0


# ------------------------------------------------------------ differential: the formula
def _set_figures(protocol, node: str, matched: int, active: int, fee: int) -> None:
    with boa.env.prank(protocol.guardian):
        protocol.minipool_manager.setNodeETHMatched(node, matched)
        protocol.minipool_manager.setNodeActiveMinipoolCount(node, active)
        protocol.node_manager.setAverageNodeFee(node, fee)


@pytest.fixture
def fee_distributor(fee_protocol) -> tuple[Any, str]:
    node = fee_protocol.node_operators[0]
    factory = fee_protocol.distributor_factory
    factory.createProxy(node, sender=fee_protocol.node_manager.address)
    return distributor_of(fee_protocol, node), node


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    eight=st.integers(0, 40),
    sixteen=st.integers(0, 40),
    fee=st.integers(0, ONE),
    amount=st.integers(0, 10**30),
)
@example(eight=0, sixteen=0, fee=FEE, amount=ETH)  # nothing matched: the 2.0 ratio
@example(eight=2, sixteen=0, fee=FEE, amount=ETH)
@example(eight=1, sixteen=1, fee=ONE, amount=1)
@example(eight=40, sixteen=40, fee=0, amount=10**30)
@example(eight=0, sixteen=1, fee=20 * 10**16, amount=3)
def test_the_split_matches_the_formula(fee_protocol, fee_distributor, eight, sixteen, fee, amount):
    distributor, node = fee_distributor
    matched = eight * 24 * ETH + sixteen * 16 * ETH
    _set_figures(fee_protocol, node, matched, eight + sixteen, fee)
    boa.env.set_balance(distributor.address, amount)
    expected = econ.distributor_node_share(
        amount, fee, econ.collateral_ratio(matched, eight + sixteen)
    )
    assert distributor.getNodeShare() == expected
    assert distributor.getUserShare() == amount - expected
    reth_before = balance(fee_protocol.reth)
    payee = fee_protocol.node_manager.getNodeWithdrawalAddress(node)
    payee_before = balance(payee)
    distributor.distribute(sender=node)
    assert balance(payee) - payee_before == expected
    assert balance(fee_protocol.reth) - reth_before == amount - expected
    assert balance(distributor) == 0


def test_figures_follow_a_bond_reduction_a_finalisation_and_a_dissolve(
    dp, dp_node, withdrawal, stranger
):
    """Each change of the node's fee inputs distributes first, at the figures before it."""
    manager, node_manager = dp.minipool_manager, dp.node_manager
    big = staking_minipool(dp, dp_node, bond=16)  # at 14%
    set_node_fee(dp, 10 * 10**16)
    small = staking_minipool(dp, dp_node, bond=8)  # at 10%
    distributor = distributor_of(dp, dp_node)
    # The bond reduction: split at 11.6% and ratio 64 / 24 first.
    give(distributor, ETH)
    dp.bond_reducer.beginReduceBondAmount(big.address, 8 * ETH, sender=dp_node)
    boa.env.time_travel(seconds=dp.settings.getBondReductionWindowStart())
    dp.bond_reducer.reduceBondAmount(big.address, sender=dp_node)
    (fees,) = events(dp.bond_reducer, "FeesDistributed", distributor)
    expected = econ.distributor_node_share(ETH, 116 * 10**15, econ.collateral_ratio(40 * ETH, 2))
    assert (fees.nodeAmount, fees.userAmount) == (expected, ETH - expected)
    assert manager.getNodeStakingMinipoolCountBySize(dp_node, 16 * ETH) == 0
    assert manager.getNodeStakingMinipoolCountBySize(dp_node, 8 * ETH) == 2
    assert manager.getNodeAverageFeeNumerator(dp_node, 16 * ETH) == 0
    assert manager.getNodeAverageFeeNumerator(dp_node, 8 * ETH) == 24 * 10**16
    assert node_manager.getAverageNodeFee(dp_node) == 12 * 10**16
    # The finalisation of the 10% minipool: split at 12% and ratio 4 first, i.e.
    # 0.25 + 0.75 * 0.12 = 0.34 ETH to the node.
    give(distributor, ETH)
    give(small, 32 * ETH)
    small.distributeBalance(False, sender=dp_node)
    (fees,) = events(small, "FeesDistributed", distributor)
    assert (fees.nodeAmount, fees.userAmount) == (34 * 10**16, 66 * 10**16)
    assert small.getFinalised()
    assert manager.getNodeStakingMinipoolCountBySize(dp_node, 8 * ETH) == 1
    assert manager.getNodeAverageFeeNumerator(dp_node, 8 * ETH) == FEE
    assert node_manager.getAverageNodeFee(dp_node) == FEE
    assert manager.getNodeETHMatched(dp_node) == 24 * ETH
    # A dissolved and closed minipool never staked: the fee stays, its ETH matched leaves.
    prelaunch = prelaunch_minipool(dp, dp_node)
    assert manager.getNodeETHMatched(dp_node) == 48 * ETH
    boa.env.time_travel(seconds=dp.settings.getLaunchTimeout())
    prelaunch.dissolve(sender=stranger)
    prelaunch.close(sender=dp_node)
    assert manager.getNodeETHMatched(dp_node) == 24 * ETH
    assert node_manager.getAverageNodeFee(dp_node) == FEE
    assert balance(distributor) == 0
