"""Black-box scenarios on the real contracts (RPL staking and auctions included).

Unit tests of the node side use a node-staking double; these go through
``deploy_protocol()`` as deployed, by the reference's function names.
"""

import boa
import pytest

from harness.chain.status import INITIALISED, PRELAUNCH, STAKING
from harness.model import economics
from harness.units import ETH, GWEI
from tests.helpers import events, only_event

RPL = 10**18
# The oracle's initial price: 0.01 ETH per RPL.
PRICE = 10**16
FEE = 14 * 10**16  # the default target node fee


@pytest.fixture
def node(p):
    operator = p.node_operators[0]
    p.register_node(operator)
    p.fund_rpl(operator, "5000")
    return operator


def staked_minipool(p, node, bond=8):
    """A minipool of ``node`` through assignment and stake, with ETH from a depositor."""
    minipool = p.create_minipool(node, bond=bond)
    if minipool.getStatus() == INITIALISED:
        p.deposit(p.depositors[0], str(32 - bond))
    boa.env.time_travel(seconds=p.settings.getScrubPeriod() + 1)
    p.stake(minipool)
    assert minipool.getStatus() == STAKING
    return minipool


def test_rpl_stake_limits_the_eth_a_node_may_be_matched(p, node):
    # 24 ETH matched at 10% needs RPL worth 2.4 ETH: 240 RPL at 0.01 ETH.
    p.stake_rpl(node, "239")
    assert p.node_staking.getNodeETHMatchedLimit(node) == 239 * RPL * PRICE // RPL * 10
    with boa.reverts("node deposit: insufficient RPL stake"):
        p.create_minipool(node, bond=8)
    p.stake_rpl(node, "1")
    assert p.node_staking.getNodeETHMatchedLimit(node) == 24 * ETH
    minipool = p.create_minipool(node, bond=8)
    assert p.minipool_manager.getNodeETHMatched(node) == 24 * ETH
    assert p.minipool_manager.getNodeETHProvided(node) == 8 * ETH
    assert p.node_staking.getNodeMinimumRPLStake(node) == 240 * RPL
    # 150% of 8 ETH bonded, in RPL at 0.01 ETH
    assert p.node_staking.getNodeMaximumRPLStake(node) == 1_200 * RPL
    assert minipool.getNodeFee() == p.settings.getTargetNodeFee()


def test_queued_minipools_raise_the_deposit_limit_and_are_assigned_in_order(p, node):
    p.stake_rpl(node, "1000")  # supports 100 ETH matched: four 8 ETH minipools
    p.settings.setSettingUint("deposit.pool.maximum", 10 * ETH, sender=p.guardian)
    minipools = [p.create_minipool(node, bond=8) for _ in range(4)]
    assert [m.getStatus() for m in minipools] == [INITIALISED] * 4
    assert p.minipool_queue.getLength() == 4
    assert p.minipool_queue.getEffectiveCapacity() == 4 * 31 * ETH
    assert p.deposit_pool.getBalance() == 28 * ETH
    assert p.deposit_pool.getNodeBalance() == 28 * ETH
    assert p.deposit_pool.getUserBalance() == 0
    assert p.deposit_pool.getExcessBalance() == 0
    # maximum + queue capacity - balance = 10 + 124 - 28
    assert p.deposit_pool.getMaximumDepositAmount() == 106 * ETH
    depositor = p.depositors[0]
    with boa.reverts("deposit pool: deposit exceeds the maximum pool size and queue capacity"):
        p.deposit_pool.deposit(value=106 * ETH + 1, sender=depositor)
    p.deposit_pool.deposit(value=106 * ETH, sender=depositor)
    assigned = events(p.deposit_pool, "DepositAssigned")
    assert [a.minipool for a in assigned] == [m.address for m in minipools]
    assert {a.amount for a in assigned} == {31 * ETH}
    assert [m.getStatus() for m in minipools] == [PRELAUNCH] * 4
    assert [m.getUserDepositBalance() for m in minipools] == [24 * ETH] * 4
    assert p.deposit_pool.getBalance() == 10 * ETH
    assert p.deposit_pool.getNodeBalance() == 0
    assert p.minipool_queue.getLength() == 0


def test_dissolved_deposit_is_recycled_by_a_registered_minipool_only(p, node, stranger):
    p.stake_rpl(node, "300")
    minipool = p.create_minipool(node, bond=8)
    p.deposit(p.depositors[0], "24")
    assert minipool.getStatus() == PRELAUNCH
    with boa.reverts("deposit pool: caller is not a registered minipool"):
        p.deposit_pool.recycleDissolvedDeposit(value=ETH, sender=stranger)
    boa.env.time_travel(seconds=p.settings.getLaunchTimeout())
    before = p.deposit_pool.getBalance()
    minipool.dissolve(sender=stranger)
    ev = only_event(minipool, "DepositRecycled")
    assert (ev.sender, ev.amount) == (minipool.address, 24 * ETH)
    assert p.deposit_pool.getBalance() == before + 24 * ETH
    # The node closes and gets the rest of its bond (7 ETH; 1 ETH is on the beacon chain).
    node_before = p.balance(node)
    minipool.close(sender=node)
    assert p.balance(node) == node_before + 7 * ETH
    assert p.minipool_manager.getNodeETHMatched(node) == 0
    assert p.minipool_manager.getMinipoolDestroyed(minipool.address)


def test_loss_past_the_bond_slashes_rpl_into_an_auction_that_refills_the_pool(p, node):
    p.stake_rpl(node, "1000")
    minipool = staked_minipool(p, node)
    # The validator exits with 20 ETH: 4 ETH below the users' 24.
    boa.env.set_balance(minipool.address, 20 * ETH)
    reth_before = p.balance(p.reth)
    pool_before = p.deposit_pool.getBalance()
    minipool.distributeBalance(False, sender=node)
    slashed = only_event(minipool, "RPLSlashed")
    # 4 ETH at 0.01 ETH per RPL is 400 RPL.
    assert (slashed.node, slashed.amount, slashed.ethValue) == (node, 400 * RPL, 4 * ETH)
    assert minipool.getFinalised()
    # All 20 ETH went to the users: rETH keeps its collateral, the rest is recycled.
    assert p.balance(p.reth) + p.deposit_pool.getBalance() == reth_before + pool_before + 20 * ETH
    assert p.node_staking.getNodeRPLStake(node) == 600 * RPL
    auction = p.auction_manager
    assert auction.getTotalRPLBalance() == 400 * RPL
    auction.createLot(sender=p.depositors[1])
    assert auction.getLotTotalRPLAmount(0) == 400 * RPL
    assert auction.getLotStartPrice(0) == PRICE
    # A bidder buys the whole lot at the start price: 4 ETH, which goes to the pool.
    pool_before = p.deposit_pool.getBalance()
    bidder = p.depositors[2]
    auction.placeBid(0, value=4 * ETH, sender=bidder)
    recycled = only_event(auction, "DepositRecycled")
    assert (recycled.sender, recycled.amount) == (auction.address, 4 * ETH)
    assert p.deposit_pool.getBalance() == pool_before + 4 * ETH
    assert auction.getLotIsCleared(0)
    auction.claimBid(0, sender=bidder)
    assert p.rpl.balanceOf(bidder) == 400 * RPL


def test_rpl_above_the_maximum_can_leave_after_the_cooldown(p, node):
    p.stake_rpl(node, "2000")
    staked_minipool(p, node)
    maximum = p.node_staking.getNodeMaximumRPLStake(node)
    assert maximum == 1_200 * RPL
    with boa.reverts("node staking: withdrawal cooldown has not passed"):
        p.withdraw_rpl(node, "1")
    boa.env.time_travel(seconds=p.settings.getRPLWithdrawalCooldown())
    with boa.reverts("node staking: remaining stake would be below the maximum"):
        p.withdraw_rpl(node, 800 * RPL + 1)
    before = p.rpl.balanceOf(node)
    p.withdraw_rpl(node, "800")
    assert p.rpl.balanceOf(node) == before + 800 * RPL
    assert p.node_staking.getNodeRPLStake(node) == 1_200 * RPL


def test_withdrawal_address_receives_the_exit(p, node, stranger):
    p.stake_rpl(node, "300")
    minipool = staked_minipool(p, node)
    p.node_manager.setWithdrawalAddress(node, stranger, False, sender=node)
    p.node_manager.confirmWithdrawalAddress(node, sender=stranger)
    assert p.node_manager.getNodeWithdrawalAddress(node) == stranger
    boa.env.set_balance(minipool.address, 33 * ETH)  # 1 ETH of rewards on top
    before = p.balance(stranger)
    minipool.distributeBalance(False, sender=stranger)  # the withdrawal address is an owner
    # node: 8 ETH + its 1/4 capital share of 1 ETH + 14% of the users' 3/4
    node_rewards = ETH // 4 + (ETH - ETH // 4) * 14 // 100
    assert p.balance(stranger) == before + 8 * ETH + node_rewards
    assert minipool.getFinalised()
    assert p.minipool_manager.getNodeFinalisedMinipoolCount(node) == 1
    assert p.minipool_manager.getNodeActiveMinipoolCount(node) == 0


def test_bond_reduction_moves_no_value_to_users(p, node):
    """The users' capital grows by 8 ETH with no ETH moving: the truth must not change.

    The pool records the released credit as node balance until the node
    spends it, so the honest report stays put through the reduction and the
    new minipool the credit pays for. (The reference counts the credit for
    users as well; the reference model caught it.)
    """
    p.stake_rpl(node, "2000")
    minipool = staked_minipool(p, node, bond=16)
    p.deposit(p.depositors[1], "10")
    before = p.oracle.truthful_balances()[0]
    p.bond_reducer.beginReduceBondAmount(minipool.address, 8 * ETH, sender=node)
    p.advance(seconds=p.settings.getBondReductionWindowStart())
    p.bond_reducer.reduceBondAmount(minipool.address, sender=node)
    assert minipool.getUserDepositBalance() == 24 * ETH
    assert p.node_deposit.getDepositCredit(node) == 8 * ETH
    assert p.deposit_pool.getNodeBalance() == 8 * ETH
    assert minipool.getNodeFee() == FEE
    # The users' share of the minipool's balance (beacon + contract - refund), split by
    # the rules (harness.model.economics), not by the contract's calculateUserShare.
    balance = p.balance(minipool) - minipool.getNodeRefundBalance()
    balance += p.validator(minipool).balance * GWEI
    users = economics.user_share(balance, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE)
    rewards = users - 24 * ETH
    assert p.oracle.truthful_balances()[0] == before + rewards
    p.create_minipool(node, bond=8, credit=True, value=0)
    assert p.node_deposit.getDepositCredit(node) == 0
    assert p.oracle.truthful_balances()[0] == before + rewards
