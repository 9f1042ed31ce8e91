"""RocketDepositPool: user deposits, the fee, capacity, and who may move pool ETH."""

import boa
import pytest

from harness.units import ETH
from tests.helpers import events, only_event


def test_ten_eth_at_rate_one_mints_exactly_9_995_reth(p, depositor):
    before = p.balance(depositor)
    p.deposit_pool.deposit(value=10 * ETH, sender=depositor)
    ev = only_event(p.deposit_pool, "DepositReceived")
    assert (ev.sender, ev.amount) == (depositor, 10 * ETH)
    assert p.reth.balanceOf(depositor) == 9_995 * ETH // 1000
    assert p.balance(depositor) == before - 10 * ETH
    # The whole deposit stays in the pool; the fee is never minted.
    assert p.deposit_pool.getBalance() == 10 * ETH
    assert p.vault.balanceOf("rocketDepositPool") == 10 * ETH
    assert p.balance(p.vault) == 10 * ETH
    assert p.reth.totalSupply() == 9_995 * ETH // 1000


def test_fee_accrues_to_holders_at_the_next_report(p, depositor):
    p.deposit(depositor, "10")
    supply = p.reth.totalSupply()
    # The truthful report: 10 ETH held for 9.995 rETH.
    p.report_balances(total_eth=10 * ETH, reth_supply=supply)
    assert p.reth.getExchangeRate() == 10 * ETH * ETH // supply
    assert p.reth.getExchangeRate() > ETH


@pytest.mark.parametrize(
    ("fee", "amount", "minted"),
    [(0, 10 * ETH, 10 * ETH), (10**16 - 1, ETH, ETH - (10**16 - 1)), (5 * 10**14, 3, 3)],
)
def test_fee_is_rounded_down(p, depositor, fee, amount, minted):
    p.settings.setSettingUint("deposit.fee", fee, sender=p.guardian)
    p.settings.setSettingUint("deposit.minimum", 1, sender=p.guardian)
    assert p.deposit(depositor, amount) == minted


def test_minimum_deposit_boundary(p, depositor):
    with boa.reverts("deposit pool: deposit below minimum"):
        p.deposit_pool.deposit(value=10**16 - 1, sender=depositor)
    with boa.reverts("deposit pool: deposit below minimum"):
        p.deposit_pool.deposit(value=0, sender=depositor)
    assert p.deposit_pool.getBalance() == 0
    assert p.deposit(depositor, 10**16) == 10**16 - 10**16 * 5 * 10**14 // ETH


def test_deposits_disabled(p, depositor):
    p.settings.setSettingBool("deposit.enabled", False, sender=p.guardian)
    assert p.deposit_pool.getMaximumDepositAmount() == 0
    with boa.reverts("deposit pool: deposits are disabled"):
        p.deposit_pool.deposit(value=ETH, sender=depositor)
    assert p.reth.totalSupply() == 0


def test_pool_maximum_with_empty_queue(p):
    a, b = p.depositors[:2]
    assert p.deposit_pool.getMaximumDepositAmount() == 160 * ETH
    p.deposit(a, "100")
    assert p.deposit_pool.getMaximumDepositAmount() == 60 * ETH
    p.deposit(a, "60")
    assert p.deposit_pool.getMaximumDepositAmount() == 0
    with boa.reverts("deposit pool: deposit exceeds the maximum pool size and queue capacity"):
        p.deposit_pool.deposit(value=10**16, sender=b)
    p.settings.setSettingBool("deposit.assign.enabled", False, sender=p.guardian)
    with boa.reverts("deposit pool: deposit exceeds the maximum pool size"):
        p.deposit_pool.deposit(value=10**16, sender=b)
    assert p.deposit_pool.getBalance() == 160 * ETH
    assert p.reth.balanceOf(b) == 0


def test_balances_without_nodes(p, depositor):
    p.deposit(depositor, "7")
    assert p.deposit_pool.getBalance() == 7 * ETH
    assert p.deposit_pool.getNodeBalance() == 0
    assert p.deposit_pool.getUserBalance() == 7 * ETH
    # With an empty queue, all of it is excess.
    assert p.deposit_pool.getExcessBalance() == 7 * ETH


def test_assignment_with_an_empty_queue_does_nothing(p, depositor, stranger):
    p.deposit(depositor, "40")
    p.deposit_pool.assignDeposits(sender=stranger)
    assert events(p.deposit_pool, "DepositAssigned") == []
    assert p.deposit_pool.maybeAssignDeposits(sender=stranger) is True
    assert p.deposit_pool.getBalance() == 40 * ETH


def test_assignment_disabled(p, stranger):
    p.settings.setSettingBool("deposit.assign.enabled", False, sender=p.guardian)
    with boa.reverts("deposit pool: deposit assignments are disabled"):
        p.deposit_pool.assignDeposits(sender=stranger)
    assert p.deposit_pool.maybeAssignDeposits(sender=stranger) is False


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda p, s: p.deposit_pool.nodeDeposit(ETH, value=ETH, sender=s), "not node deposit"),
        (lambda p, s: p.deposit_pool.nodeCreditWithdrawal(ETH, sender=s), "not node deposit"),
        (lambda p, s: p.deposit_pool.recycleExcessCollateral(value=ETH, sender=s), "not rETH"),
        (
            lambda p, s: p.deposit_pool.recycleLiquidatedStake(value=ETH, sender=s),
            "not the auction manager",
        ),
        (lambda p, s: p.deposit_pool.withdrawExcessBalance(ETH, sender=s), "not rETH"),
        (
            lambda p, s: p.deposit_pool.receiveVaultWithdrawalETH(value=ETH, sender=s),
            "not the vault",
        ),
    ],
    ids=[
        "nodeDeposit",
        "nodeCreditWithdrawal",
        "recycleExcessCollateral",
        "recycleLiquidatedStake",
        "withdrawExcessBalance",
        "receiveVaultWithdrawalETH",
    ],
)
def test_privileged_entry_points_refuse_strangers(p, depositor, stranger, call, reason):
    p.deposit(depositor, "5")
    with boa.reverts(f"deposit pool: caller is {reason}"):
        call(p, stranger)
    assert p.deposit_pool.getBalance() == 5 * ETH
    assert p.deposit_pool.getNodeBalance() == 0


def test_rETH_may_recycle_collateral(p):
    reth = p.reth.address
    boa.env.set_balance(reth, 3 * ETH)
    p.deposit_pool.recycleExcessCollateral(value=3 * ETH, sender=reth)
    ev = only_event(p.deposit_pool, "DepositRecycled")
    assert (ev.sender, ev.amount) == (reth, 3 * ETH)
    assert p.deposit_pool.getBalance() == 3 * ETH


def test_withdraw_excess_is_bounded_by_the_excess(p, depositor):
    p.deposit(depositor, "5")
    reth = p.reth.address
    with boa.reverts("deposit pool: insufficient excess balance"):
        p.deposit_pool.withdrawExcessBalance(5 * ETH + 1, sender=reth)
    p.deposit_pool.withdrawExcessBalance(5 * ETH, sender=reth)
    ev = only_event(p.deposit_pool, "ExcessWithdrawn")
    assert (ev.to, ev.amount) == (reth, 5 * ETH)
    assert p.deposit_pool.getBalance() == 0
    assert p.balance(reth) == 5 * ETH


def test_deposit_report_burn_round_trip(p):
    """The demo's story: two depositors, a report with rewards, a burn at the new rate."""
    a, b = p.depositors[:2]
    minted_a = p.deposit(a, "10")
    minted_b = p.deposit(b, "20")
    supply = p.reth.totalSupply()
    assert supply == minted_a + minted_b == 29_985 * ETH // 1000
    # Rewards of 3 ETH arrive at rETH; the oracle reports 33 ETH for the supply.
    boa.env.set_balance(p.reth.address, 3 * ETH)
    p.report_balances(total_eth=33 * ETH, reth_supply=supply)
    paid = p.burn(a, minted_a)
    assert paid == minted_a * 33 * ETH // supply
    assert paid > 10 * ETH
