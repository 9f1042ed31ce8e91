"""The facade's world: beacon chain, honest oracle and time, on the real contracts."""

import boa
import pytest

from harness.model import economics
from harness.units import ETH, GWEI

FEE = 14 * 10**16


@pytest.fixture
def node(p):
    operator = p.node_operators[0]
    p.register_node(operator)
    p.fund_rpl(operator, "1000")
    p.stake_rpl(operator, "1000")
    return operator


@pytest.fixture
def staking(p, node):
    """An 8 ETH minipool, staking, with 24 ETH of a depositor's ETH."""
    minipool = p.create_minipool(node, bond=8)
    p.deposit(p.depositors[0], "24")
    p.advance(hours=12, seconds=1)
    p.stake(minipool)
    return minipool


def test_deposits_reach_the_beacon_chain(p, node):
    minipool = p.create_minipool(node, bond=8)
    v = p.validator(minipool)
    assert (v.balance, v.status) == (1 * 10**9, "pending")
    assert v.withdrawal_address == str(minipool.address).lower()
    p.deposit(p.depositors[0], "24")
    p.advance(hours=13)
    p.stake(minipool)
    assert (v.balance, v.status) == (32 * 10**9, "active")
    assert p.beacon.deposits_seen == p.deposit_contract.depositCount() == 2


def test_a_deposit_made_behind_the_facades_back_is_reported(p, node):
    p.create_minipool(node, bond=8)
    p.beacon.deposits_seen -= 1  # as if the facade had not seen it
    with pytest.raises(RuntimeError, match="deposit was made without the facade"):
        p.advance(days=1)


def test_advance_moves_both_clocks(p):
    start, block = p.now(), boa.env.evm.patch.block_number
    p.advance(days=2, hours=1)
    assert p.now() == start + 2 * 86_400 + 3_600
    assert p.beacon.now == p.now()
    assert boa.env.evm.patch.block_number == block + (2 * 86_400 + 3_600) // 12


def test_sweeps_pay_the_minipool_without_running_code(p, staking):
    p.advance(days=5)  # the first sweep
    v = p.validator(staking)
    skim = v.withdrawn * GWEI
    assert skim > 0
    assert p.balance(staking) == skim
    # what it earned since the sweep is still on the beacon chain
    assert v.balance == 32 * 10**9 + v.rewards - v.withdrawn


def test_truthful_report_counts_each_minipool_users_share(p, staking):
    p.advance(days=12)  # two sweeps, then two more days of rewards on the beacon
    v = p.validator(staking)
    contract_eth = p.balance(staking)
    beacon_eth = v.balance * GWEI
    users = economics.user_share(
        contract_eth + beacon_eth, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE
    )
    pool_users = p.deposit_pool.getUserBalance()
    total, staking_eth, supply = p.oracle.truthful_balances()
    assert total == pool_users + p.balance(p.reth) + users
    assert staking_eth == users
    assert supply == p.reth.totalSupply()
    report = p.report()
    assert (report.total_eth, report.reth_supply) == (total, supply)
    assert p.network_balances.getTotalETHBalance() == total
    assert p.rate() == ETH * total // supply > ETH


def test_exit_and_distribution_pay_the_users_to_reth(p, staking):
    v = p.validator(staking)
    p.beacon.exit(v)
    p.advance(days=5)
    assert v.status == "withdrawn"
    balance = p.balance(staking)
    node_share = economics.node_share(balance, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE)
    reth_before = p.balance(p.reth) + p.deposit_pool.getBalance()
    [(node_amount, user_amount)] = p.distribute(staking)
    assert (node_amount, user_amount) == (node_share, balance - node_share)
    assert p.balance(p.reth) + p.deposit_pool.getBalance() == reth_before + user_amount
    assert staking.getFinalised()


def test_anchor_undoes_the_world_too(p, staking):
    v = p.validator(staking)
    before = (p.now(), v.balance, len(p.beacon.withdrawals))
    with p.anchor():
        p.advance(days=30)
        assert p.validator(staking).balance != before[1] or p.beacon.withdrawals
    assert (p.now(), p.validator(staking).balance, len(p.beacon.withdrawals)) == before


def test_rpl_price_walk_is_reproducible_and_reported(p):
    first = [p.oracle.next_price() for _ in range(5)]
    p.oracle.rng.seed(p.config.oracle.seed)
    p.oracle.rpl_price = p.config.oracle.rpl_price
    assert [p.oracle.next_price() for _ in range(5)] == first
    assert all(
        abs(b - a) <= a * 5 // 100 + 1 for a, b in zip([10**16, *first], first, strict=False)
    )
    price = p.oracle.report_price()
    assert p.network_prices.getRPLPrice() == price
