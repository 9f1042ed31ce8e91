"""RocketMinipool: every lifecycle transition, every illegal one, and the split."""

from __future__ import annotations

import boa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness.chain.status import DISSOLVED, INITIALISED, PRELAUNCH, STAKING
from harness.model import economics
from harness.units import ETH
from tests.contracts.helpers import (
    fund_pool,
    pass_scrub_period,
    prelaunch_minipool,
    snapshot,
    staking_minipool,
)
from tests.helpers import events

FEE = 14 * 10**16


@pytest.fixture
def withdrawal(np, node):
    """A separate withdrawal address for ``node``, so node and owner payouts are told apart."""
    address = boa.env.generate_address("withdrawal_address")
    np.node_manager.setWithdrawalAddress(node, address, True, sender=node)
    return address


@pytest.fixture
def queued(np, node):
    """An 8 ETH minipool waiting in the queue (status Initialised).

    Ask for it after ``prelaunch``/``staked``: funding their assignment would
    otherwise assign this one, first in the queue.
    """
    return np.create_minipool(node)


@pytest.fixture
def prelaunch(np, node):
    return prelaunch_minipool(np, node)


@pytest.fixture
def staked(np, node, withdrawal):
    return staking_minipool(np, node)


def add_eth(minipool, amount: int) -> None:
    """Simulate the beacon chain paying ``amount`` to ``minipool`` (no code runs)."""
    boa.env.set_balance(minipool.address, boa.env.get_balance(minipool.address) + amount)


# ------------------------------------------------------------ creation
def test_second_initialise_reverts(np, node, queued):
    with boa.reverts("minipool: already initialised"):
        queued.initialise(node, FEE, 8 * ETH, b"\x02" * 48, sender=np.minipool_manager.address)
    with boa.reverts("minipool: caller is not the minipool manager"):
        queued.initialise(node, FEE, 8 * ETH, b"\x02" * 48, sender=node)
    assert queued.getNodeFee() == FEE
    assert queued.getInitialised()
    assert queued.MINIPOOL_MANAGER() == np.minipool_manager.address
    assert queued.ROCKET_STORAGE() == np.storage.address


def test_deposit_only_from_the_pool_and_only_once(np, node, prelaunch, queued):
    assert queued.getStatus() == INITIALISED
    with boa.reverts("minipool: caller is not the deposit pool"):
        queued.deposit(value=31 * ETH, sender=node)
    pool = np.deposit_pool.address
    boa.env.set_balance(pool, 100 * ETH)
    with boa.reverts("minipool: deposit can only be assigned while initialised"):
        prelaunch.deposit(value=31 * ETH, sender=pool)
    with boa.reverts("minipool: invalid deposit amount"):
        queued.deposit(value=30 * ETH, sender=pool)
    assert queued.getStatus() == INITIALISED


def test_assignment_sets_prelaunch(np, node, queued):
    fund_pool(np, 24)
    assert queued.getStatus() == PRELAUNCH
    assert queued.getStatusTime() == boa.env.evm.patch.timestamp
    assert queued.getUserDepositBalance() == 24 * ETH
    assert queued.getUserDepositAssignedTime() == boa.env.evm.patch.timestamp
    assert np.balance(queued) == 31 * ETH


# ------------------------------------------------------------ stake
def test_stake(np, node, prelaunch):
    assert not prelaunch.canStake()
    pass_scrub_period(np)
    assert prelaunch.canStake()
    data = np.stake_deposit_data(prelaunch)
    prelaunch.stake(data.signature, data.root, sender=node)
    (status,) = events(prelaunch, "StatusUpdated", prelaunch)
    assert status.status == STAKING
    assert prelaunch.getStatus() == STAKING
    assert np.balance(prelaunch) == 0
    assert np.balance(np.deposit_contract) == 32 * ETH
    assert np.deposit_contract.depositCount() == 2
    assert np.minipool_manager.getNodeStakingMinipoolCount(node) == 1
    assert np.minipool_manager.getStakingMinipoolCount() == 1
    assert not prelaunch.canStake()


def test_stake_before_the_scrub_period_ends_reverts(np, node, prelaunch):
    data = np.stake_deposit_data(prelaunch)
    # Exactly at the end of the scrub period is still inside it.
    boa.env.time_travel(seconds=np.settings.getScrubPeriod())
    before = snapshot(np, node, prelaunch)
    with boa.reverts("minipool: scrub period has not ended"):
        prelaunch.stake(data.signature, data.root, sender=node)
    assert snapshot(np, node, prelaunch) == before
    assert prelaunch.getStatus() == PRELAUNCH
    boa.env.time_travel(seconds=1)
    prelaunch.stake(data.signature, data.root, sender=node)
    assert prelaunch.getStatus() == STAKING


def test_stake_refusals(np, node, prelaunch, queued, stranger):
    assert queued.getStatus() == INITIALISED
    pass_scrub_period(np)
    data = np.stake_deposit_data(prelaunch)
    with boa.reverts("minipool: caller is not the minipool owner"):
        prelaunch.stake(data.signature, data.root, sender=stranger)
    with boa.reverts("minipool: can only stake while in prelaunch"):
        queued.stake(data.signature, data.root, sender=node)
    with boa.reverts("deposit contract: reconstructed root does not match"):
        prelaunch.stake(data.signature, b"\x22" * 32, sender=node)
    assert prelaunch.getStatus() == PRELAUNCH
    assert np.balance(prelaunch) == 31 * ETH
    prelaunch.stake(data.signature, data.root, sender=node)
    with boa.reverts("minipool: can only stake while in prelaunch"):
        prelaunch.stake(data.signature, data.root, sender=node)


def test_stake_sends_exactly_31_eth_never_the_whole_balance(np, node, prelaunch):
    add_eth(prelaunch, 5 * ETH)  # a gift before staking
    pass_scrub_period(np)
    np.stake(prelaunch)
    assert np.balance(prelaunch) == 5 * ETH
    assert np.balance(np.deposit_contract) == 32 * ETH


# ------------------------------------------------------------ dissolve and close
def test_dissolve_before_the_timeout_reverts(np, node, prelaunch, stranger):
    boa.env.time_travel(seconds=np.settings.getLaunchTimeout() - 1)
    before = snapshot(np, node, prelaunch)
    with boa.reverts("minipool: launch timeout has not passed"):
        prelaunch.dissolve(sender=stranger)
    assert snapshot(np, node, prelaunch) == before


def test_dissolve_at_the_timeout_returns_the_user_deposit(np, node, prelaunch, stranger):
    boa.env.time_travel(seconds=np.settings.getLaunchTimeout())
    pool_before = np.deposit_pool.getBalance()
    prelaunch.dissolve(sender=stranger)
    (withdrawn,) = events(prelaunch, "EtherWithdrawn", prelaunch)
    assert (withdrawn.to, withdrawn.amount) == (np.deposit_pool.address, 24 * ETH)
    assert prelaunch.getStatus() == DISSOLVED
    assert np.deposit_pool.getBalance() == pool_before + 24 * ETH
    assert np.balance(prelaunch) == 7 * ETH
    # The users have been repaid: nothing left here is theirs.
    assert prelaunch.getUserDepositBalance() == 0
    assert prelaunch.calculateUserShare(7 * ETH) == 0
    # Still counted until closed.
    assert np.minipool_manager.getNodeETHMatched(node) == 24 * ETH
    with boa.reverts("minipool: can only dissolve while in prelaunch"):
        prelaunch.dissolve(sender=stranger)


def test_dissolve_staking_or_queued_reverts(np, node, staked, queued):
    boa.env.time_travel(seconds=np.settings.getLaunchTimeout())
    for minipool in (staked, queued):
        with boa.reverts("minipool: can only dissolve while in prelaunch"):
            minipool.dissolve()


def test_close(np, node, prelaunch, withdrawal, stranger):
    with boa.reverts("minipool: can only close while dissolved"):
        prelaunch.close(sender=node)
    boa.env.time_travel(seconds=np.settings.getLaunchTimeout())
    prelaunch.dissolve()
    with boa.reverts("minipool: caller is not the minipool owner"):
        prelaunch.close(sender=stranger)
    prelaunch.close(sender=node)
    (destroyed,) = events(prelaunch, "MinipoolDestroyed", np.minipool_manager)
    assert destroyed.minipool == prelaunch.address
    assert np.balance(withdrawal) == 7 * ETH
    assert np.balance(prelaunch) == 0
    manager = np.minipool_manager
    assert not manager.getMinipoolExists(prelaunch.address)
    assert manager.getMinipoolDestroyed(prelaunch.address)
    assert manager.getMinipoolCount() == 0
    assert manager.getNodeMinipoolCount(node) == 0
    assert manager.getNodeActiveMinipoolCount(node) == 0
    assert manager.getNodeETHMatched(node) == 0
    assert manager.getNodeETHProvided(node) == 0
    assert manager.getNodeFinalisedMinipoolCount(node) == 0
    assert prelaunch.getNodeDepositBalance() == 0
    with boa.reverts("minipool: already closed"):
        prelaunch.close(sender=node)
    # The pre-deposit's 1 ETH, returned later by the beacon chain, is the owner's.
    add_eth(prelaunch, ETH)
    with boa.reverts("minipool: only the owner can distribute a dissolved minipool"):
        prelaunch.distributeBalance(False, sender=stranger)
    prelaunch.distributeBalance(False, sender=node)
    assert np.balance(withdrawal) == 8 * ETH


def test_destroying_one_of_several_keeps_the_sets_consistent(np, node):
    fund_pool(np, 72)
    first, second, third = (np.create_minipool(node) for _ in range(3))
    boa.env.time_travel(seconds=np.settings.getLaunchTimeout())
    first.dissolve()
    first.close(sender=node)
    manager = np.minipool_manager
    assert manager.getMinipoolCount() == 2
    assert {manager.getMinipoolAt(0), manager.getMinipoolAt(1)} == {second.address, third.address}
    assert {manager.getNodeMinipoolAt(node, i) for i in range(2)} == {
        second.address,
        third.address,
    }
    assert {m.address for m in np.minipools()} == {second.address, third.address}
    assert manager.getNodeETHMatched(node) == 48 * ETH
    with boa.reverts("minipool manager: index out of range"):
        manager.getMinipoolAt(2)


# ------------------------------------------------------------ scrub
def test_scrub_needs_the_quorum(np, node, prelaunch, mock_staking):
    first, second, _ = np.odao_members
    pool_before = np.deposit_pool.getBalance()
    prelaunch.voteScrub(sender=first)
    (voted,) = events(prelaunch, "ScrubVoted", prelaunch)
    assert voted.member == first
    assert prelaunch.getStatus() == PRELAUNCH  # 1 of 3 is below 51%
    assert prelaunch.getScrubVoted(first)
    assert prelaunch.getTotalScrubVotes() == 1
    with boa.reverts("minipool: member has already voted to scrub"):
        prelaunch.voteScrub(sender=first)
    prelaunch.voteScrub(sender=second)
    assert len(events(prelaunch, "MinipoolScrubbed", prelaunch)) == 1
    assert prelaunch.getStatus() == DISSOLVED
    assert np.deposit_pool.getBalance() == pool_before + 24 * ETH
    assert mock_staking.getSlashed(node) == 0  # the penalty is disabled by default


def test_removed_members_scrub_votes_do_not_count(np, node, prelaunch):
    first, second, third = np.odao_members
    prelaunch.voteScrub(sender=first)
    np.odao.removeMember(first, sender=np.guardian)
    assert prelaunch.getTotalScrubVotes() == 0
    assert not prelaunch.getScrubVoted(first)
    # 1 valid vote of 2 members is 50% < 51%: had first's vote counted, 2 of 2 would scrub.
    prelaunch.voteScrub(sender=second)
    assert prelaunch.getStatus() == PRELAUNCH
    assert prelaunch.getTotalScrubVotes() == 1
    # Re-admitted, first votes afresh under its new membership, once.
    np.odao.addMember(first, sender=np.guardian)
    prelaunch.voteScrub(sender=first)
    assert prelaunch.getStatus() == DISSOLVED


@pytest.mark.parametrize(
    ("bond", "setting", "penalty"),
    [
        (8, 24 * 10**17, 24 * 10**17),  # v1.3.1's 2.4 ETH
        (16, 24 * 10**17, 24 * 10**17),
        (8, 8 * ETH, 7 * ETH),  # capped at the bond left here: 8 ETH less the pre-deposit
        (16, 8 * ETH, 8 * ETH),
        (8, 0, 0),
    ],
)
def test_scrub_penalty_takes_the_bond_to_the_pool(
    np, node, mock_staking, withdrawal, bond, setting, penalty
):
    """v1.3.1's ``_dissolve(scrubPenalty)``: users' capital plus the penalty to the pool, no RPL."""
    np.settings.setSettingBool("minipool.scrub.penalty.enabled", True, sender=np.guardian)
    np.settings.setSettingUint("minipool.scrub.penalty", setting, sender=np.guardian)
    minipool = prelaunch_minipool(np, node, bond)
    pool_before = np.deposit_pool.getBalance()
    user_capital = (32 - bond) * ETH
    for member in np.odao_members[:2]:
        minipool.voteScrub(sender=member)
    (withdrawn,) = events(minipool, "EtherWithdrawn", minipool)
    assert (withdrawn.to, withdrawn.amount) == (np.deposit_pool.address, user_capital + penalty)
    assert minipool.getStatus() == DISSOLVED
    assert np.deposit_pool.getBalance() == pool_before + user_capital + penalty
    # 31 ETH arrived; the node keeps its bond less the 1 ETH pre-deposit and the penalty.
    kept = (bond - 1) * ETH - penalty
    assert boa.env.get_balance(minipool.address) == kept
    assert mock_staking.getSlashed(node) == 0
    assert mock_staking.getSlashCount(node) == 0
    before = boa.env.get_balance(withdrawal)
    minipool.close(sender=node)
    assert boa.env.get_balance(withdrawal) - before == kept


def test_a_timed_out_dissolve_takes_no_penalty(np, node, prelaunch):
    np.settings.setSettingBool("minipool.scrub.penalty.enabled", True, sender=np.guardian)
    pool_before = np.deposit_pool.getBalance()
    boa.env.time_travel(seconds=np.settings.getLaunchTimeout())
    prelaunch.dissolve(sender=np.odao_members[0])
    assert np.deposit_pool.getBalance() == pool_before + 24 * ETH
    assert boa.env.get_balance(prelaunch.address) == 7 * ETH


def test_scrub_refusals(np, node, prelaunch, queued, stranger):
    with boa.reverts("minipool: caller is not an oDAO member"):
        prelaunch.voteScrub(sender=stranger)
    with boa.reverts("minipool: can only scrub while in prelaunch"):
        queued.voteScrub(sender=np.odao_members[0])
    boa.env.time_travel(seconds=np.settings.getScrubPeriod())
    prelaunch.voteScrub(sender=np.odao_members[0])  # the last second of the period
    boa.env.time_travel(seconds=1)
    with boa.reverts("minipool: scrub period has ended"):
        prelaunch.voteScrub(sender=np.odao_members[1])
    assert prelaunch.getTotalScrubVotes() == 1


def test_slash_refusal_and_guards(np, node, staked, stranger):
    with boa.reverts("minipool: no balance to slash"):
        staked.slash(sender=stranger)
    with boa.reverts("minipool: caller is not the bond reducer"):
        staked.reduceBondAmount(sender=node)
    with boa.reverts("mock node staking: caller is not a registered minipool"):
        np.node_staking.slashRPL(node, ETH, sender=stranger)


# ------------------------------------------------------------ the split, value by value
def expected_share(minipool, balance: int) -> int:
    return economics.node_share(
        balance,
        user_capital=minipool.getUserDepositBalance(),
        node_capital=minipool.getNodeDepositBalance(),
        fee=minipool.getNodeFee(),
    )


EDGES_8 = [
    # (balance, node share) for N = 8, U = 24, fee 14%, by hand.
    (0, 0),
    (1, 0),  # 1 wei: 1 * 8 // 32 = 0, then 1 * 14% rounds to 0
    (100, 25 + 75 * 14 // 100),  # 25 + 10 = 35
    (8 * ETH - 1, 2 * ETH - 1 + 6 * ETH * 14 // 100),  # just below the exit threshold
    (8 * ETH, 0),  # an exit of 8 ETH: all to users, 16 ETH short
    (24 * ETH, 0),  # exactly U
    (24 * ETH + 1, 1),  # the node absorbs losses first
    (28 * ETH, 4 * ETH),
    (32 * ETH, 8 * ETH),  # exactly U + N, zero rewards
    (32 * ETH + 1, 8 * ETH),  # 1 wei of rewards rounds to the users
    (33 * ETH, 8 * ETH + ETH // 4 + (3 * ETH // 4) * 14 // 100),  # 8.355 ETH
]


@pytest.mark.parametrize("balance,share", EDGES_8)
def test_calculate_shares_at_the_edges(prelaunch, balance, share):
    assert prelaunch.calculateNodeShare(balance) == share
    assert prelaunch.calculateUserShare(balance) == balance - share
    assert expected_share(prelaunch, balance) == share  # the Python model agrees


def test_sixteen_eth_bond_shares(np, node):
    minipool = prelaunch_minipool(np, node, bond=16)
    assert minipool.calculateNodeShare(33 * ETH) == 16 * ETH + ETH // 2 + (ETH // 2) * 14 // 100
    assert minipool.calculateNodeShare(20 * ETH) == 4 * ETH
    assert minipool.calculateNodeShare(16 * ETH) == 0
    assert minipool.calculateNodeShare(ETH) == ETH // 2 + (ETH // 2) * 14 // 100


@pytest.fixture
def split_minipools(np, node):
    """Minipools with different capital and fees: 8 ETH at 14%, 16 ETH at 20%, 8 ETH at 5%."""
    minipools = [prelaunch_minipool(np, node, bond=8)]
    guardian = np.guardian
    np.settings.setSettingUint("network.node.fee.maximum", 20 * 10**16, sender=guardian)
    np.settings.setSettingUint("network.node.fee.target", 20 * 10**16, sender=guardian)
    minipools.append(prelaunch_minipool(np, node, bond=16))
    np.settings.setSettingUint("network.node.fee.minimum", 5 * 10**16, sender=guardian)
    np.settings.setSettingUint("network.node.fee.target", 5 * 10**16, sender=guardian)
    minipools.append(prelaunch_minipool(np, node, bond=8))
    assert [m.getNodeFee() for m in minipools] == [14 * 10**16, 20 * 10**16, 5 * 10**16]
    return minipools


EDGE_BALANCES = [0, 8 * ETH, 16 * ETH, 24 * ETH, 32 * ETH]


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    balance=st.one_of(
        st.integers(0, 64 * ETH),
        st.builds(
            lambda edge, delta: max(0, edge + delta),
            st.sampled_from(EDGE_BALANCES),
            st.integers(-3, 3),
        ),
    ),
    which=st.integers(0, 2),
)
@example(balance=8 * ETH - 1, which=1)
@example(balance=32 * ETH + 1, which=2)
def test_shares_match_the_python_model(split_minipools, balance, which):
    minipool = split_minipools[which]
    share = expected_share(minipool, balance)
    assert minipool.calculateNodeShare(balance) == share
    assert minipool.calculateUserShare(balance) == balance - share


# ------------------------------------------------------------ distribution
@pytest.mark.parametrize(
    "balance",
    [1, 7 * ETH, 8 * ETH - 1],
    ids=["1 wei", "7 ETH", "8 ETH less 1 wei"],
)
def test_skim_distributed_by_anyone(np, node, staked, withdrawal, stranger, balance):
    add_eth(staked, balance)
    reth_before = np.balance(np.reth)
    staked.distributeBalance(True, sender=stranger)
    share = economics.rewards_node_share(
        balance, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE
    )
    (processed,) = events(staked, "EtherWithdrawalProcessed", staked)
    assert (processed.nodeAmount, processed.userAmount) == (share, balance - share)
    assert staked.getNodeRefundBalance() == share
    assert np.balance(np.reth) == reth_before + balance - share
    assert np.balance(staked) == share
    assert np.balance(withdrawal) == 0
    assert not staked.getFinalised()
    if share:
        staked.refund(sender=withdrawal)
        assert np.balance(withdrawal) == share
        assert staked.getNodeRefundBalance() == 0
    with boa.reverts("minipool: no refund balance"):
        staked.refund(sender=node)


def test_skim_distributed_by_the_owner_is_refunded_at_once(np, node, staked, withdrawal):
    add_eth(staked, ETH)
    staked.distributeBalance(True, sender=node)
    share = economics.rewards_node_share(ETH, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE)
    assert np.balance(withdrawal) == share
    assert staked.getNodeRefundBalance() == 0
    assert np.balance(staked) == 0


def test_refund_refusals(np, node, staked, stranger):
    add_eth(staked, ETH)
    staked.distributeBalance(True, sender=stranger)
    with boa.reverts("minipool: caller is not the minipool owner"):
        staked.refund(sender=stranger)


def test_rewards_only_refuses_an_exit(np, node, staked):
    add_eth(staked, 8 * ETH)
    with boa.reverts("minipool: balance exceeds 8 ETH"):
        staked.distributeBalance(True, sender=node)
    assert np.balance(staked) == 8 * ETH


def test_distribute_before_staking_reverts(np, node, prelaunch):
    with boa.reverts("minipool: minipool must be staking"):
        prelaunch.distributeBalance(False, sender=node)


EXITS = [
    # (balance, node share, slash) for N = 8, U = 24
    (8 * ETH, 0, 16 * ETH),
    (20 * ETH, 0, 4 * ETH),
    (24 * ETH, 0, 0),
    (24 * ETH + 1, 1, 0),
    (32 * ETH, 8 * ETH, 0),
    (33 * ETH, 8 * ETH + ETH // 4 + (3 * ETH // 4) * 14 // 100, 0),
]


@pytest.mark.parametrize("balance,share,slash", EXITS)
def test_owner_distributes_an_exit_and_finalises(
    np,
    node,
    staked,
    withdrawal,
    mock_staking,
    balance,
    share,
    slash,
):
    add_eth(staked, balance)
    reth_and_pool_before = np.balance(np.reth) + np.deposit_pool.getBalance()
    staked.distributeBalance(False, sender=node)
    assert staked.getFinalised()
    assert np.balance(withdrawal) == share
    assert np.balance(staked) == 0
    # The users' share went to rETH (and its excess collateral on to the pool).
    assert np.balance(np.reth) + np.deposit_pool.getBalance() == (
        reth_and_pool_before + balance - share
    )
    assert mock_staking.getSlashed(node) == slash
    assert staked.getNodeSlashBalance() == 0
    manager = np.minipool_manager
    assert manager.getNodeStakingMinipoolCount(node) == 0
    assert manager.getNodeActiveMinipoolCount(node) == 0
    assert manager.getNodeFinalisedMinipoolCount(node) == 1
    assert manager.getNodeETHMatched(node) == 0
    assert manager.getNodeETHProvided(node) == 0
    assert manager.getFinalisedMinipoolCount() == 1
    with boa.reverts("minipool: can only finalise after a user distribution"):
        staked.finalise(sender=node)


def test_stranger_cannot_distribute_an_exit_before_the_window(np, node, staked, stranger):
    add_eth(staked, 32 * ETH)
    before = snapshot(np, node, staked)
    with boa.reverts("minipool: only the owner can distribute right now"):
        staked.distributeBalance(False, sender=stranger)
    assert snapshot(np, node, staked) == before
    assert not staked.userDistributeAllowed()


def test_user_distribute_window(np, node, staked, stranger):
    start = np.settings.getUserDistributeWindowStart()
    length = np.settings.getUserDistributeWindowLength()
    with boa.reverts("minipool: balance too low"):
        staked.beginUserDistribute(sender=stranger)
    add_eth(staked, 32 * ETH)
    staked.beginUserDistribute(sender=stranger)
    started = staked.getUserDistributeTime()
    assert started == boa.env.evm.patch.timestamp
    # Nobody can push a running timer back.
    boa.env.time_travel(seconds=start - 1)
    with boa.reverts("minipool: user distribution already pending"):
        staked.beginUserDistribute(sender=stranger)
    assert not staked.userDistributeAllowed()
    with boa.reverts("minipool: only the owner can distribute right now"):
        staked.distributeBalance(False, sender=stranger)
    boa.env.time_travel(seconds=1)  # start of the window
    assert staked.userDistributeAllowed()
    boa.env.time_travel(seconds=length - 1)  # last second of the window
    assert staked.userDistributeAllowed()
    with boa.reverts("minipool: user distribution already pending"):
        staked.beginUserDistribute(sender=stranger)
    boa.env.time_travel(seconds=1)  # the window has closed
    assert not staked.userDistributeAllowed()
    with boa.reverts("minipool: only the owner can distribute right now"):
        staked.distributeBalance(False, sender=stranger)
    staked.beginUserDistribute(sender=stranger)  # a new timer, now allowed
    assert staked.getUserDistributeTime() == started + start + length


def test_user_distribution_then_refund_finalises_once(
    np,
    node,
    staked,
    withdrawal,
    stranger,
):
    add_eth(staked, 33 * ETH)
    staked.beginUserDistribute(sender=stranger)
    boa.env.time_travel(seconds=np.settings.getUserDistributeWindowStart())
    reth_before = np.balance(np.reth)
    staked.distributeBalance(False, sender=stranger)
    share = 8 * ETH + ETH // 4 + (3 * ETH // 4) * 14 // 100
    assert staked.getUserDistributed()
    assert not staked.getFinalised()
    assert staked.getUserDistributeTime() == 0
    assert staked.getNodeRefundBalance() == share
    assert np.balance(np.reth) == reth_before + 33 * ETH - share
    assert np.minipool_manager.getNodeActiveMinipoolCount(node) == 1
    with boa.reverts("minipool: balance already distributed"):
        staked.beginUserDistribute(sender=stranger)

    # The node cannot take its ETH without finalising.
    staked.refund(sender=node)
    assert staked.getFinalised()
    assert np.balance(withdrawal) == share
    assert np.minipool_manager.getNodeActiveMinipoolCount(node) == 0
    assert np.minipool_manager.getNodeFinalisedMinipoolCount(node) == 1
    with boa.reverts("minipool: no refund balance"):
        staked.refund(sender=node)
    with boa.reverts("minipool: already finalised"):
        staked.finalise(sender=node)
    assert np.minipool_manager.getNodeFinalisedMinipoolCount(node) == 1


def test_user_distribution_with_a_shortfall(
    np,
    node,
    staked,
    withdrawal,
    stranger,
    mock_staking,
):
    add_eth(staked, 20 * ETH)
    staked.beginUserDistribute(sender=stranger)
    boa.env.time_travel(seconds=np.settings.getUserDistributeWindowStart())
    staked.distributeBalance(False, sender=stranger)
    assert staked.getNodeSlashBalance() == 4 * ETH
    assert staked.getNodeRefundBalance() == 0
    # Anyone may trigger the slash; it happens once.
    staked.slash(sender=stranger)
    assert mock_staking.getSlashed(node) == 4 * ETH
    assert staked.getNodeSlashBalance() == 0
    with boa.reverts("minipool: no balance to slash"):
        staked.slash(sender=stranger)
    # Nothing to refund, so the owner finalises explicitly.
    with boa.reverts("minipool: caller is not the minipool owner"):
        staked.finalise(sender=stranger)
    staked.finalise(sender=withdrawal)
    assert staked.getFinalised()
    assert mock_staking.getSlashed(node) == 4 * ETH
    assert mock_staking.getSlashCount(node) == 1
    assert np.minipool_manager.getNodeETHMatched(node) == 0


def test_eth_arriving_after_a_user_distribution_is_split_at_finalisation(
    np,
    node,
    staked,
    withdrawal,
    stranger,
):
    add_eth(staked, 32 * ETH)
    staked.beginUserDistribute(sender=stranger)
    boa.env.time_travel(seconds=np.settings.getUserDistributeWindowStart())
    staked.distributeBalance(False, sender=stranger)
    add_eth(staked, ETH)  # a late skim
    reth_before = np.balance(np.reth) + np.deposit_pool.getBalance()
    staked.refund(sender=node)
    late = economics.rewards_node_share(ETH, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE)
    assert np.balance(withdrawal) == 8 * ETH + late
    assert np.balance(np.reth) + np.deposit_pool.getBalance() == reth_before + ETH - late
    assert np.balance(staked) == 0


def test_owner_distribution_after_a_user_distribution_finalises(
    np,
    node,
    staked,
    withdrawal,
    stranger,
):
    add_eth(staked, 32 * ETH)
    staked.beginUserDistribute(sender=stranger)
    boa.env.time_travel(seconds=np.settings.getUserDistributeWindowStart())
    staked.distributeBalance(False, sender=stranger)
    staked.distributeBalance(False, sender=node)
    assert staked.getFinalised()
    assert np.balance(withdrawal) == 8 * ETH
    assert np.minipool_manager.getNodeFinalisedMinipoolCount(node) == 1


def test_after_finalisation_everything_is_rewards(np, node, staked, withdrawal, stranger):
    add_eth(staked, 32 * ETH)
    staked.distributeBalance(False, sender=node)
    # A later arrival, even of 8 ETH or more, cannot finalise a second time.
    add_eth(staked, 9 * ETH)
    staked.distributeBalance(False, sender=stranger)
    share = economics.rewards_node_share(
        9 * ETH, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE
    )
    assert staked.getNodeRefundBalance() == share
    staked.refund(sender=node)
    assert np.balance(withdrawal) == 8 * ETH + share
    assert np.minipool_manager.getNodeFinalisedMinipoolCount(node) == 1
    with boa.reverts("minipool: balance already distributed"):
        staked.beginUserDistribute(sender=stranger)


# ------------------------------------------------------------ a re-entering withdrawal address
REENTRANT_WITHDRAWAL_ADDRESS = """
# pragma version ~=0.4.3
target: public(address)
received: public(uint256)
payments: public(uint256)
reentered: public(bool)

@external
def setTarget(target: address):
    self.target = target

@external
def callRefund():
    raw_call(self.target, method_id("refund()"))

@external
@payable
def __default__():
    self.received += msg.value
    self.payments += 1
    ok: bool = raw_call(
        self.target,
        abi_encode(False, method_id=method_id("distributeBalance(bool)")),
        revert_on_failure=False,
    )
    if ok:
        self.reentered = True
    ok = raw_call(self.target, method_id("refund()"), revert_on_failure=False)
    if ok:
        self.reentered = True
    ok = raw_call(self.target, method_id("finalise()"), revert_on_failure=False)
    if ok:
        self.reentered = True
"""


@pytest.fixture
def hostile(np, node):
    contract = boa.loads(REENTRANT_WITHDRAWAL_ADDRESS)
    np.node_manager.setWithdrawalAddress(node, contract.address, True, sender=node)
    return contract


def test_reentering_withdrawal_address_on_owner_finalisation(np, node, hostile):
    minipool = staking_minipool(np, node)
    hostile.setTarget(minipool.address)
    add_eth(minipool, 33 * ETH)
    minipool.distributeBalance(False, sender=node)
    share = 8 * ETH + ETH // 4 + (3 * ETH // 4) * 14 // 100
    assert not hostile.reentered()
    assert hostile.payments() == 1
    assert hostile.received() == share
    assert minipool.getFinalised()
    assert np.minipool_manager.getNodeFinalisedMinipoolCount(node) == 1
    assert np.minipool_manager.getNodeActiveMinipoolCount(node) == 0
    assert np.balance(minipool) == 0


def test_reentering_withdrawal_address_on_refund(np, node, hostile, stranger):
    minipool = staking_minipool(np, node)
    hostile.setTarget(minipool.address)
    add_eth(minipool, 32 * ETH)
    minipool.beginUserDistribute(sender=stranger)
    boa.env.time_travel(seconds=np.settings.getUserDistributeWindowStart())
    minipool.distributeBalance(False, sender=stranger)
    hostile.callRefund()
    assert not hostile.reentered()
    assert hostile.payments() == 1
    assert hostile.received() == 8 * ETH
    assert minipool.getFinalised()
    assert np.minipool_manager.getNodeFinalisedMinipoolCount(node) == 1
    assert np.balance(minipool) == 0
