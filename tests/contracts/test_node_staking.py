"""RocketNodeStaking: staking, withdrawal above the maximum, slashing, and the limits.

Prices are ETH (wei) per 1e18 RPL; the oracle starts at 0.01 ETH. Expected
numbers are worked out here in Python from docs/protocol.md, not read back.
"""

from __future__ import annotations

import boa
import pytest

from harness.units import ETH, ONE
from tests.contracts.helpers import set_node_eth, set_setting
from tests.helpers import events

RPL = ONE
PRICE = 10**16  # 0.01 ETH per RPL, the oracle's initial price
COOLDOWN = 28 * 86_400


@pytest.fixture
def p(rpl_protocol):
    return rpl_protocol


@pytest.fixture
def staking(p):
    return p.node_staking


def vault_rpl(p, name: str) -> int:
    return p.vault.balanceOfToken(name, p.rpl.address)


def snapshot(p, node: str, *others: str) -> tuple:
    """Everything a refused call could have touched."""
    s = p.node_staking
    return (
        s.getNodeRPLStake(node),
        s.getTotalRPLStake(),
        s.getNodeRPLStakedTime(node),
        vault_rpl(p, "rocketNodeStaking"),
        vault_rpl(p, "rocketAuctionManager"),
        p.rpl.balanceOf(node),
        *(p.rpl.balanceOf(o) for o in others),
    )


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def test_node_staking_finds_its_peers_through_the_directory(p, staking):
    assert staking.ROCKET_STORAGE() == p.storage.address
    assert p.storage.getAddress("rocketNodeStaking") == staking.address


# ---------------------------------------------------------------- stakeRPL
def test_stake_records_stake_time_and_vault_balance(p, staking, node_operator):
    p.stake_rpl(node_operator, "1000")
    logs = events(staking, "RPLStaked")

    assert staking.getNodeRPLStake(node_operator) == 1_000 * RPL
    assert staking.getTotalRPLStake() == 1_000 * RPL
    assert staking.getNodeRPLStakedTime(node_operator) == boa.env.evm.patch.timestamp
    assert vault_rpl(p, "rocketNodeStaking") == 1_000 * RPL
    assert p.rpl.balanceOf(staking.address) == 0
    assert p.rpl.balanceOf(p.vault.address) == 1_000 * RPL
    assert p.rpl.balanceOf(node_operator) == 9_000 * RPL
    assert len(logs) == 1
    assert logs[0].node == node_operator
    assert logs[0].amount == 1_000 * RPL


def test_stake_accumulates_and_restarts_the_cooldown(p, staking, node_operator):
    p.stake_rpl(node_operator, "1000")
    boa.env.time_travel(seconds=3_600)
    p.stake_rpl(node_operator, 5 * 10**17)

    assert staking.getNodeRPLStake(node_operator) == 1_000 * RPL + 5 * 10**17
    assert staking.getTotalRPLStake() == 1_000 * RPL + 5 * 10**17
    assert staking.getNodeRPLStakedTime(node_operator) == boa.env.evm.patch.timestamp


def test_total_stake_sums_nodes(p, staking, node_operator, node_manager):
    other = p.node_operators[1]
    with boa.env.prank(p.guardian):
        node_manager.setNodeExists(other, True)
    p.fund_rpl(other, "300")
    p.stake_rpl(node_operator, "1000")
    p.stake_rpl(other, "300")

    assert staking.getNodeRPLStake(other) == 300 * RPL
    assert staking.getTotalRPLStake() == 1_300 * RPL


def test_stake_by_unregistered_node_reverts(p, staking):
    stranger_node = p.node_operators[2]
    p.fund_rpl(stranger_node, "100")
    p.rpl.approve(staking.address, 100 * RPL, sender=stranger_node)
    before = snapshot(p, stranger_node)

    with boa.reverts("node staking: caller is not a registered node"):
        staking.stakeRPL(100 * RPL, sender=stranger_node)
    assert snapshot(p, stranger_node) == before


def test_stake_of_zero_reverts(p, staking, node_operator):
    before = snapshot(p, node_operator)
    with boa.reverts("node staking: amount must be positive"):
        staking.stakeRPL(0, sender=node_operator)
    assert snapshot(p, node_operator) == before


def test_stake_without_approval_reverts(p, staking, node_operator):
    before = snapshot(p, node_operator)
    with boa.reverts("erc20: insufficient allowance"):
        staking.stakeRPL(100 * RPL, sender=node_operator)
    assert snapshot(p, node_operator) == before


# ---------------------------------------------------------------- ETH views and limits
def test_eth_matched_and_provided_come_from_the_minipool_manager(p, staking, node_operator):
    set_node_eth(p, node_operator, matched=24 * ETH, provided=8 * ETH)
    assert staking.getNodeETHMatched(node_operator) == 24 * ETH
    assert staking.getNodeETHProvided(node_operator) == 8 * ETH


def test_1000_rpl_at_one_cent_supports_exactly_100_eth_matched(p, staking, node_operator):
    p.stake_rpl(node_operator, "1000")
    # 1000 RPL * 0.01 ETH / 10% = 100 ETH
    assert staking.getNodeETHMatchedLimit(node_operator) == 100 * ETH
    assert staking.getNodeETHMatchedLimit(p.node_operators[3]) == 0


def test_matched_limit_follows_the_oracle_price(p, staking, node_operator):
    p.stake_rpl(node_operator, "1000")
    p.report_price("0.02")
    assert p.network_prices.getRPLPrice() == 2 * PRICE
    assert staking.getNodeETHMatchedLimit(node_operator) == 200 * ETH


def test_matched_limit_is_unlimited_without_a_minimum_stake(p, staking, node_operator):
    set_setting(p, "node.per.minipool.stake.minimum", 0)
    assert staking.getNodeETHMatchedLimit(node_operator) == 2**256 - 1


def test_minimum_maximum_and_effective_stake(p, staking, node_operator):
    set_node_eth(p, node_operator, matched=24 * ETH, provided=8 * ETH)
    # 10% of 24 ETH = 2.4 ETH = 240 RPL; 150% of 8 ETH = 12 ETH = 1200 RPL
    assert staking.getNodeMinimumRPLStake(node_operator) == 240 * RPL
    assert staking.getNodeMaximumRPLStake(node_operator) == 1_200 * RPL

    p.stake_rpl(node_operator, "1000")
    assert staking.getNodeEffectiveRPLStake(node_operator) == 1_000 * RPL
    p.stake_rpl(node_operator, "1000")
    assert staking.getNodeEffectiveRPLStake(node_operator) == 1_200 * RPL


def test_stake_views_round_in_the_protocols_favour(p, staking, node_operator):
    price = 7 * 10**15  # 0.007 ETH: nothing divides evenly
    p.report_price(price)
    set_node_eth(p, node_operator, matched=ETH, provided=ETH)
    stake = 1_000 * RPL + 1
    p.stake_rpl(node_operator, stake)

    exact_max = ETH * 15 * 10**17
    assert exact_max % price != 0
    # what the node must hold rounds up; what it may take or count rounds down
    assert staking.getNodeMinimumRPLStake(node_operator) == ceil_div(ETH * 10**17, price)
    assert staking.getNodeMaximumRPLStake(node_operator) == ceil_div(exact_max, price)
    assert staking.getNodeEffectiveRPLStake(node_operator) == exact_max // price
    assert staking.getNodeETHMatchedLimit(node_operator) == stake * price // 10**17


# ---------------------------------------------------------------- withdrawRPL
@pytest.fixture
def over_staked(p, node_operator):
    """Node with 8 ETH bonded (maximum 1200 RPL) and 2000 RPL staked."""
    set_node_eth(p, node_operator, matched=24 * ETH, provided=8 * ETH)
    p.stake_rpl(node_operator, "2000")
    return node_operator


def test_withdraw_above_the_maximum_after_the_cooldown(p, staking, over_staked, withdrawal_address):
    boa.env.time_travel(seconds=COOLDOWN)
    p.withdraw_rpl(over_staked, "800")
    logs = events(staking, "RPLWithdrawn")

    assert staking.getNodeRPLStake(over_staked) == 1_200 * RPL
    assert staking.getTotalRPLStake() == 1_200 * RPL
    assert vault_rpl(p, "rocketNodeStaking") == 1_200 * RPL
    assert p.rpl.balanceOf(withdrawal_address) == 800 * RPL
    assert p.rpl.balanceOf(over_staked) == 8_000 * RPL
    assert len(logs) == 1
    assert (logs[0].node, logs[0].to, logs[0].amount) == (
        over_staked,
        withdrawal_address,
        800 * RPL,
    )


def test_withdraw_goes_to_the_node_when_no_withdrawal_address_is_set(
    p, staking, over_staked, node_manager
):
    from boa.util.abi import Address

    with boa.env.prank(p.guardian):
        node_manager.setWithdrawalAddress(over_staked, Address("0x" + "00" * 20))
    boa.env.time_travel(seconds=COOLDOWN)
    p.withdraw_rpl(over_staked, "100")
    assert p.rpl.balanceOf(over_staked) == 8_100 * RPL


def test_withdraw_inside_the_cooldown_reverts(p, staking, over_staked, withdrawal_address):
    boa.env.time_travel(seconds=COOLDOWN - 1)
    before = snapshot(p, over_staked, withdrawal_address)
    with boa.reverts("node staking: withdrawal cooldown has not passed"):
        staking.withdrawRPL(100 * RPL, sender=over_staked)
    assert snapshot(p, over_staked, withdrawal_address) == before


def test_withdraw_below_the_maximum_reverts(p, staking, over_staked, withdrawal_address):
    boa.env.time_travel(seconds=COOLDOWN)
    before = snapshot(p, over_staked, withdrawal_address)
    with boa.reverts("node staking: remaining stake would be below the maximum"):
        staking.withdrawRPL(800 * RPL + 1, sender=over_staked)
    assert snapshot(p, over_staked, withdrawal_address) == before


def test_withdraw_more_than_staked_reverts(p, staking, over_staked, withdrawal_address):
    set_node_eth(p, over_staked, matched=0, provided=0)
    boa.env.time_travel(seconds=COOLDOWN)
    before = snapshot(p, over_staked, withdrawal_address)
    with boa.reverts("node staking: amount exceeds the node's stake"):
        staking.withdrawRPL(2_000 * RPL + 1, sender=over_staked)
    assert snapshot(p, over_staked, withdrawal_address) == before
    # and the whole stake may leave once nothing is bonded
    p.withdraw_rpl(over_staked, "2000")
    assert staking.getNodeRPLStake(over_staked) == 0
    assert p.rpl.balanceOf(withdrawal_address) == 2_000 * RPL


def test_withdraw_of_zero_reverts(p, staking, over_staked):
    boa.env.time_travel(seconds=COOLDOWN)
    before = snapshot(p, over_staked)
    with boa.reverts("node staking: amount must be positive"):
        staking.withdrawRPL(0, sender=over_staked)
    assert snapshot(p, over_staked) == before


def test_withdraw_by_unregistered_node_reverts(p, staking, over_staked, node_manager):
    with boa.env.prank(p.guardian):
        node_manager.setNodeExists(over_staked, False)
    boa.env.time_travel(seconds=COOLDOWN)
    before = snapshot(p, over_staked)
    with boa.reverts("node staking: caller is not a registered node"):
        staking.withdrawRPL(100 * RPL, sender=over_staked)
    assert snapshot(p, over_staked) == before


# ---------------------------------------------------------------- slashRPL
def test_slash_of_2_eth_at_one_cent_moves_exactly_200_rpl(p, staking, node_operator, mock_minipool):
    p.stake_rpl(node_operator, "1000")
    mock_minipool.slash(node_operator, 2 * ETH)
    logs = events(mock_minipool, "RPLSlashed")

    assert staking.getNodeRPLStake(node_operator) == 800 * RPL
    assert staking.getTotalRPLStake() == 800 * RPL
    assert vault_rpl(p, "rocketNodeStaking") == 800 * RPL
    assert vault_rpl(p, "rocketAuctionManager") == 200 * RPL
    assert p.auction_manager.getTotalRPLBalance() == 200 * RPL
    assert len(logs) == 1
    assert (logs[0].node, logs[0].amount, logs[0].ethValue) == (
        node_operator,
        200 * RPL,
        2 * ETH,
    )
    assert logs[0].time == boa.env.evm.patch.timestamp


def test_slash_larger_than_the_stake_moves_the_whole_stake(
    p, staking, node_operator, mock_minipool
):
    p.stake_rpl(node_operator, "1000")
    mock_minipool.slash(node_operator, 20 * ETH)  # worth 2000 RPL

    assert staking.getNodeRPLStake(node_operator) == 0
    assert staking.getTotalRPLStake() == 0
    assert vault_rpl(p, "rocketNodeStaking") == 0
    assert vault_rpl(p, "rocketAuctionManager") == 1_000 * RPL
    assert events(mock_minipool, "RPLSlashed")[0].amount == 1_000 * RPL


def test_slash_rounds_the_rpl_up(p, staking, node_operator, mock_minipool):
    price = 7 * 10**15
    p.report_price(price)
    p.stake_rpl(node_operator, "1000")
    mock_minipool.slash(node_operator, ETH)

    slashed = ceil_div(ETH * ONE, price)
    assert slashed == ETH * ONE // price + 1
    assert vault_rpl(p, "rocketAuctionManager") == slashed
    assert staking.getNodeRPLStake(node_operator) == 1_000 * RPL - slashed


def test_slash_of_a_node_without_stake_moves_nothing(p, staking, node_operator, mock_minipool):
    mock_minipool.slash(node_operator, 2 * ETH)
    assert vault_rpl(p, "rocketAuctionManager") == 0
    assert events(mock_minipool, "RPLSlashed")[0].amount == 0


def test_any_registered_minipool_may_slash(p, staking, node_operator, minipool_manager):
    minipool = boa.env.generate_address("registered_minipool")
    with boa.env.prank(p.guardian):
        minipool_manager.setMinipoolExists(minipool, True)
    p.stake_rpl(node_operator, "1000")
    staking.slashRPL(node_operator, ETH, sender=minipool)
    assert staking.getNodeRPLStake(node_operator) == 900 * RPL


def test_slash_by_a_stranger_reverts(p, staking, node_operator, stranger):
    p.stake_rpl(node_operator, "1000")
    before = snapshot(p, node_operator)
    with boa.reverts("node staking: caller is not a registered minipool"):
        staking.slashRPL(node_operator, 2 * ETH, sender=stranger)
    assert snapshot(p, node_operator) == before


def test_slash_by_the_node_itself_reverts(p, staking, node_operator):
    p.stake_rpl(node_operator, "1000")
    before = snapshot(p, node_operator)
    with boa.reverts("node staking: caller is not a registered minipool"):
        staking.slashRPL(node_operator, 2 * ETH, sender=node_operator)
    assert snapshot(p, node_operator) == before
