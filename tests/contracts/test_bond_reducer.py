"""RocketMinipoolBondReducer: 16 -> 8 ETH, its window, the oDAO's cancel vote, credit."""

from __future__ import annotations

import boa
import pytest

from harness.chain.status import PRELAUNCH
from harness.model import economics
from harness.units import ETH
from tests.contracts.helpers import fund_pool, prelaunch_minipool, snapshot, staking_minipool
from tests.helpers import events

FEE = 14 * 10**16


@pytest.fixture
def big(np, node):
    """A staking minipool with a 16 ETH bond."""
    return staking_minipool(np, node, bond=16)


@pytest.fixture
def stranger():
    return boa.env.generate_address("stranger")


def window_start(protocol) -> int:
    return protocol.settings.getBondReductionWindowStart()


def window_length(protocol) -> int:
    return protocol.settings.getBondReductionWindowLength()


def begin(protocol, minipool, node_address) -> None:
    protocol.bond_reducer.beginReduceBondAmount(minipool.address, 8 * ETH, sender=node_address)


def test_begin_records_the_reduction(np, node, big):
    reducer = np.bond_reducer
    begin(np, big, node)
    (event,) = events(reducer, "BeginBondReduction")
    assert (event.minipool, event.newBondAmount) == (big.address, 8 * ETH)
    assert reducer.getReduceBondTime(big.address) == boa.env.evm.patch.timestamp
    assert reducer.getReduceBondValue(big.address) == 8 * ETH
    assert not reducer.canReduceBondAmount(big.address)


def test_begin_refusals(np, node, big, stranger):
    reducer = np.bond_reducer
    with boa.reverts("bond reducer: caller is not the minipool owner"):
        reducer.beginReduceBondAmount(big.address, 8 * ETH, sender=stranger)
    with boa.reverts("bond reducer: minipool does not exist"):
        reducer.beginReduceBondAmount(stranger, 8 * ETH, sender=node)
    with boa.reverts("bond reducer: invalid bond amount"):
        reducer.beginReduceBondAmount(big.address, 4 * ETH, sender=node)
    with boa.reverts("bond reducer: bond must be lower than the current bond"):
        reducer.beginReduceBondAmount(big.address, 16 * ETH, sender=node)
    small = staking_minipool(np, node, bond=8)
    with boa.reverts("bond reducer: bond must be lower than the current bond"):
        reducer.beginReduceBondAmount(small.address, 8 * ETH, sender=node)
    prelaunch = prelaunch_minipool(np, node, bond=16)
    assert prelaunch.getStatus() == PRELAUNCH
    with boa.reverts("bond reducer: minipool must be staking"):
        reducer.beginReduceBondAmount(prelaunch.address, 8 * ETH, sender=node)
    np.settings.setSettingBool("minipool.bond.reduction.enabled", False, sender=np.guardian)
    with boa.reverts("bond reducer: bond reduction is disabled"):
        reducer.beginReduceBondAmount(big.address, 8 * ETH, sender=node)
    assert reducer.getReduceBondTime(big.address) == 0


def test_window_edges(np, node, big):
    reducer = np.bond_reducer
    begin(np, big, node)
    boa.env.time_travel(seconds=window_start(np) - 1)
    assert not reducer.canReduceBondAmount(big.address)
    before = snapshot(np, node, big)
    with boa.reverts("bond reducer: outside the bond reduction window"):
        reducer.reduceBondAmount(big.address, sender=node)
    assert snapshot(np, node, big) == before
    boa.env.time_travel(seconds=1)
    assert reducer.canReduceBondAmount(big.address)
    boa.env.time_travel(seconds=window_length(np))  # the last second is inside
    assert reducer.canReduceBondAmount(big.address)
    boa.env.time_travel(seconds=1)
    assert not reducer.canReduceBondAmount(big.address)
    with boa.reverts("bond reducer: outside the bond reduction window"):
        reducer.reduceBondAmount(big.address, sender=node)


def test_reduce_without_begin_reverts(np, node, big):
    with boa.reverts("bond reducer: outside the bond reduction window"):
        np.bond_reducer.reduceBondAmount(big.address, sender=node)


def test_reduce(np, node, big):
    manager = np.minipool_manager
    assert manager.getNodeETHMatched(node) == 16 * ETH
    assert manager.getNodeETHProvided(node) == 16 * ETH
    begin(np, big, node)
    boa.env.time_travel(seconds=window_start(np))
    np.bond_reducer.reduceBondAmount(big.address, sender=node)
    (reduced,) = events(np.bond_reducer, "BondReduced", big)
    assert (reduced.previousBondAmount, reduced.newBondAmount) == (16 * ETH, 8 * ETH)
    assert big.getNodeDepositBalance() == 8 * ETH
    assert big.getUserDepositBalance() == 24 * ETH
    assert big.getNodeFee() == FEE
    assert manager.getNodeETHMatched(node) == 24 * ETH
    assert manager.getNodeETHProvided(node) == 8 * ETH
    assert np.node_deposit.getDepositCredit(node) == 8 * ETH
    reducer = np.bond_reducer
    assert reducer.getReduceBondTime(big.address) == 0
    assert reducer.getReduceBondValue(big.address) == 0
    assert reducer.getLastBondReductionTime(big.address) == boa.env.evm.patch.timestamp
    # The exit is now split on the new capital.
    assert big.calculateNodeShare(32 * ETH) == 8 * ETH
    # Once is all: the bond is 8 ETH now.
    with boa.reverts("bond reducer: bond must be lower than the current bond"):
        begin(np, big, node)


def test_skimmed_rewards_are_split_at_the_old_ratio_first(np, node, big):
    boa.env.set_balance(big.address, ETH)
    reth_before = np.balance(np.reth)
    begin(np, big, node)
    boa.env.time_travel(seconds=window_start(np))
    np.bond_reducer.reduceBondAmount(big.address, sender=node)
    share = economics.rewards_node_share(ETH, user_capital=16 * ETH, node_capital=16 * ETH, fee=FEE)
    assert share == ETH // 2 + (ETH // 2) * 14 // 100
    assert big.getNodeRefundBalance() == share
    assert np.balance(np.reth) == reth_before + ETH - share


def test_reduce_with_an_exit_balance_reverts(np, node, big):
    begin(np, big, node)
    boa.env.time_travel(seconds=window_start(np))
    boa.env.set_balance(big.address, 8 * ETH)
    before = snapshot(np, node, big)
    with boa.reverts("minipool: cannot reduce bond with a balance of 8 ETH or more"):
        np.bond_reducer.reduceBondAmount(big.address, sender=node)
    assert snapshot(np, node, big) == before
    assert np.bond_reducer.canReduceBondAmount(big.address)


def test_reduce_needs_rpl_for_the_extra_eth_matched(np, node, big, mock_staking):
    begin(np, big, node)
    boa.env.time_travel(seconds=window_start(np))
    mock_staking.setETHMatchedLimit(node, 24 * ETH - 1, sender=np.guardian)
    with boa.reverts("bond reducer: insufficient RPL stake"):
        np.bond_reducer.reduceBondAmount(big.address, sender=node)
    assert big.getNodeDepositBalance() == 16 * ETH
    mock_staking.setETHMatchedLimit(node, 24 * ETH, sender=np.guardian)
    np.bond_reducer.reduceBondAmount(big.address, sender=node)
    assert big.getNodeDepositBalance() == 8 * ETH


def test_reduce_refusals(np, node, big, stranger):
    begin(np, big, node)
    boa.env.time_travel(seconds=window_start(np))
    with boa.reverts("bond reducer: caller is not the minipool owner"):
        np.bond_reducer.reduceBondAmount(big.address, sender=stranger)
    with boa.reverts("minipool: caller is not the bond reducer"):
        big.reduceBondAmount(sender=node)
    np.settings.setSettingBool("minipool.bond.reduction.enabled", False, sender=np.guardian)
    with boa.reverts("bond reducer: bond reduction is disabled"):
        np.bond_reducer.reduceBondAmount(big.address, sender=node)


def test_odao_cancels_at_the_quorum(np, node, big, stranger):
    reducer = np.bond_reducer
    first, second, _ = np.odao_members
    begin(np, big, node)
    with boa.reverts("bond reducer: caller is not an oDAO member"):
        reducer.voteCancelReduction(big.address, sender=stranger)
    reducer.voteCancelReduction(big.address, sender=first)
    assert not reducer.getReduceBondCancelled(big.address)
    assert reducer.getCancelReductionVotes(big.address) == 1
    with boa.reverts("bond reducer: member has already voted to cancel"):
        reducer.voteCancelReduction(big.address, sender=first)
    reducer.voteCancelReduction(big.address, sender=second)
    (cancelled,) = events(reducer, "ReductionCancelled")
    assert cancelled.minipool == big.address
    assert reducer.getReduceBondCancelled(big.address)
    assert reducer.getReduceBondTime(big.address) == 0
    assert reducer.getReduceBondValue(big.address) == 0
    with boa.reverts("bond reducer: already cancelled"):
        reducer.voteCancelReduction(big.address, sender=np.odao_members[2])
    boa.env.time_travel(seconds=window_start(np))
    with boa.reverts("bond reducer: bond reduction was cancelled"):
        reducer.reduceBondAmount(big.address, sender=node)
    with boa.reverts("bond reducer: bond reduction was cancelled"):
        begin(np, big, node)
    assert big.getNodeDepositBalance() == 16 * ETH


def test_removed_members_cancel_votes_do_not_count(np, node, big):
    first, second, _ = np.odao_members
    reducer = np.bond_reducer
    begin(np, big, node)
    reducer.voteCancelReduction(big.address, sender=first)
    np.odao.removeMember(first, sender=np.guardian)
    assert reducer.getCancelReductionVotes(big.address) == 0
    # 1 valid vote of 2 members is below 51%: counting first's would cancel.
    reducer.voteCancelReduction(big.address, sender=second)
    assert reducer.getReduceBondCancelled(big.address) is False
    boa.env.time_travel(seconds=window_start(np))
    reducer.reduceBondAmount(big.address, sender=node)
    assert big.getNodeDepositBalance() == 8 * ETH


def test_cancel_vote_on_an_unknown_minipool_reverts(np, stranger):
    with boa.reverts("bond reducer: minipool does not exist"):
        np.bond_reducer.voteCancelReduction(stranger, sender=np.odao_members[0])


def test_credit_funds_a_new_minipool(np, node, big):
    """The released 8 ETH bonds a new 8 ETH minipool without the node sending ETH."""
    begin(np, big, node)
    boa.env.time_travel(seconds=window_start(np))
    np.bond_reducer.reduceBondAmount(big.address, sender=node)
    fund_pool(np, 32)
    node_before = np.balance(node)
    minipool = np.create_minipool(node, credit=True, value=0)
    assert np.balance(node) == node_before
    assert np.node_deposit.getDepositCredit(node) == 0
    assert minipool.getStatus() == PRELAUNCH
    manager = np.minipool_manager
    assert manager.getNodeETHMatched(node) == 48 * ETH
    assert manager.getNodeETHProvided(node) == 16 * ETH


def test_finalising_a_reduced_minipool_releases_its_new_totals(np, node, big):
    begin(np, big, node)
    boa.env.time_travel(seconds=window_start(np))
    np.bond_reducer.reduceBondAmount(big.address, sender=node)
    boa.env.set_balance(big.address, 32 * ETH)
    node_before = np.balance(node)
    big.distributeBalance(False, sender=node)
    manager = np.minipool_manager
    assert big.getFinalised()
    assert np.balance(node) == node_before + 8 * ETH  # the reduced bond, not 16
    assert manager.getNodeETHMatched(node) == 0
    assert manager.getNodeETHProvided(node) == 0


def test_a_finalised_minipool_cannot_reduce(np, node, big):
    boa.env.set_balance(big.address, 32 * ETH)
    big.distributeBalance(False, sender=node)
    begin(np, big, node)  # still "staking" on paper
    boa.env.time_travel(seconds=window_start(np))
    with boa.reverts("minipool: balance already distributed"):
        np.bond_reducer.reduceBondAmount(big.address, sender=node)
    assert np.node_deposit.getDepositCredit(node) == 0
