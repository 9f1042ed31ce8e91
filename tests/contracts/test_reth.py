"""RocketTokenRETH: the exchange rate, mint, burn, and the collateral it keeps."""

import boa
import pytest

from harness.units import ETH
from tests.helpers import only_event


def test_token_metadata(p):
    assert (p.reth.name(), p.reth.symbol(), p.reth.decimals()) == ("Rocket Pool ETH", "rETH", 18)
    assert p.reth.totalSupply() == 0


def test_rate_is_one_before_any_report(p):
    assert p.reth.getExchangeRate() == ETH
    assert p.reth.getEthValue(123) == 123
    assert p.reth.getRethValue(456) == 456


def test_rate_follows_the_report_not_live_balances(p, depositor):
    p.deposit(depositor, "10")
    p.report_balances(total_eth="110", reth_supply="100")
    assert p.reth.getExchangeRate() == 11 * ETH // 10
    assert p.reth.getEthValue(ETH) == 11 * ETH // 10
    assert p.reth.getRethValue(11 * ETH) == 10 * ETH
    # ETH arriving at the contract changes nothing until the next report
    boa.env.set_balance(p.reth.address, 50 * ETH)
    assert p.reth.getExchangeRate() == 11 * ETH // 10


@pytest.mark.parametrize(
    ("total", "supply", "eth_in", "reth_out", "reth_in", "eth_out"),
    [
        # rate 3: one third of a wei of rETH per wei is rounded down
        (3 * ETH, ETH, ETH, ETH // 3, ETH, 3 * ETH),
        (3 * ETH, ETH, 2, 0, 1, 3),
        # rate 2/3: value of rETH rounds down too
        (2 * ETH, 3 * ETH, 1, 1, 1, 0),
        (2 * ETH, 3 * ETH, 10, 15, 10, 6),
    ],
)
def test_every_conversion_rounds_down(p, total, supply, eth_in, reth_out, reth_in, eth_out):
    p.report_balances(total_eth=total, reth_supply=supply)
    assert p.reth.getRethValue(eth_in) == reth_out
    assert p.reth.getEthValue(reth_in) == eth_out


def test_reth_value_with_supply_but_no_eth_reverts(p):
    p.report_balances(total_eth=0, reth_supply=ETH)
    assert p.reth.getEthValue(ETH) == 0
    with boa.reverts("reth: network ETH balance is zero"):
        p.reth.getRethValue(ETH)


def test_only_the_deposit_pool_mints(p, stranger):
    with boa.reverts("reth: caller is not the deposit pool"):
        p.reth.mint(ETH, stranger, sender=stranger)
    assert p.reth.totalSupply() == 0


def test_mint_of_nothing_reverts(p, depositor):
    # At rate 3, 2 wei of ETH is worth 0 rETH.
    p.report_balances(total_eth=3 * ETH, reth_supply=ETH)
    p.settings.setSettingUint("deposit.minimum", 1, sender=p.guardian)
    with boa.reverts("reth: mint amount is zero"):
        p.deposit_pool.deposit(value=2, sender=depositor)
    assert p.reth.balanceOf(depositor) == 0


def test_mint_event(p, depositor):
    p.deposit_pool.deposit(value=10 * ETH, sender=depositor)
    ev = only_event(p.deposit_pool, "TokensMinted")
    assert (ev.to, ev.amount, ev.ethAmount) == (depositor, 9_995 * ETH // 1000, 9_995 * ETH // 1000)


def test_burn_pays_the_reported_rate(p, depositor):
    # The example: after totalEth 110 / supply 100, 1 rETH pays 1.1 ETH.
    p.deposit(depositor, "10")
    p.report_balances(total_eth="110", reth_supply="100")
    before = p.balance(depositor)
    p.reth.burn(ETH, sender=depositor)
    ev = only_event(p.reth, "TokensBurned")
    assert (ev.sender, ev.amount, ev.ethAmount) == (depositor, ETH, 11 * ETH // 10)
    # the ETH came from the deposit pool's excess
    ev = only_event(p.reth, "ExcessWithdrawn")
    assert (ev.to, ev.amount) == (p.reth.address, 11 * ETH // 10)
    ev = only_event(p.reth, "EtherDeposited", emitter=p.reth)
    assert (ev.sender, ev.amount) == (p.deposit_pool.address, 11 * ETH // 10)
    assert p.balance(depositor) - before == 11 * ETH // 10
    assert p.reth.balanceOf(depositor) == 9_995 * ETH // 1000 - ETH
    assert p.reth.totalSupply() == 9_995 * ETH // 1000 - ETH
    assert p.deposit_pool.getBalance() == 10 * ETH - 11 * ETH // 10


def test_burn_uses_own_balance_first(p, depositor, stranger):
    p.deposit(depositor, "10")
    boa.env.set_balance(p.reth.address, 3 * ETH)
    p.reth.burn(2 * ETH, sender=depositor)
    assert boa.env.get_balance(p.reth.address) == ETH
    assert p.deposit_pool.getBalance() == 10 * ETH
    # then tops up from the pool: 1 ETH own + 1.5 ETH from the pool
    p.reth.burn(25 * ETH // 10, sender=depositor)
    assert boa.env.get_balance(p.reth.address) == 0
    assert p.deposit_pool.getBalance() == 10 * ETH - 15 * ETH // 10


def test_burn_bad_amounts_revert_and_change_nothing(p, depositor, stranger):
    p.deposit(depositor, "1")
    minted = p.reth.balanceOf(depositor)
    with boa.reverts("reth: burn amount is zero"):
        p.reth.burn(0, sender=depositor)
    with boa.reverts("reth: burn amount exceeds balance"):
        p.reth.burn(minted + 1, sender=depositor)
    with boa.reverts("reth: burn amount exceeds balance"):
        p.reth.burn(1, sender=stranger)
    assert p.reth.balanceOf(depositor) == minted
    assert p.deposit_pool.getBalance() == ETH


def test_burn_beyond_collateral_reverts_at_the_exact_boundary(p, depositor):
    # 1 ETH in the pool, 0.9995 rETH minted; a report doubling the rate
    # makes the 0.9995 rETH worth 1.999 ETH, more than the 1 ETH held.
    p.deposit(depositor, "1")
    minted = p.reth.balanceOf(depositor)
    p.report_balances(total_eth=2 * minted, reth_supply=minted)
    assert p.reth.getTotalCollateral() == ETH
    with boa.reverts("reth: insufficient ETH collateral"):
        p.reth.burn(ETH // 2 + 1, sender=depositor)  # worth 1 ETH + 2 wei
    assert p.reth.balanceOf(depositor) == minted
    p.reth.burn(ETH // 2, sender=depositor)  # worth exactly the collateral
    assert p.reth.getTotalCollateral() == 0


def test_burn_to_a_contract_that_refuses_eth_reverts(p, depositor):
    refuser = boa.loads(
        """
@external
def nothing():
    pass
"""
    )
    p.deposit(depositor, "1")
    p.reth.transfer(refuser.address, ETH // 2, sender=depositor)
    with boa.reverts("reth: ETH transfer failed"):
        p.reth.burn(ETH // 2, sender=refuser.address)
    assert p.reth.balanceOf(refuser.address) == ETH // 2


def test_received_eth_is_accepted_from_anyone(p, stranger):
    # Minipool distributions arrive this way; it is value for holders.
    boa.env.raw_call(p.reth.address, sender=stranger, value=2 * ETH)
    assert boa.env.get_balance(p.reth.address) == 2 * ETH
    assert p.reth.getTotalCollateral() == 2 * ETH


def test_deposit_excess_is_for_the_deposit_pool_only(p, stranger):
    with boa.reverts("reth: caller is not the deposit pool"):
        p.reth.depositExcess(value=ETH, sender=stranger)


def test_collateral_views(p, depositor):
    assert p.reth.getCollateralRate() == ETH  # no rETH yet
    p.deposit(depositor, "10")
    assert p.reth.getTotalCollateral() == 10 * ETH
    boa.env.set_balance(p.reth.address, ETH)
    assert p.reth.getTotalCollateral() == 11 * ETH
    # 1 ETH against 9.995 rETH at rate 1, rounded down
    assert p.reth.getCollateralRate() == ETH * ETH // (9_995 * ETH // 1000)


def test_excess_collateral_goes_back_to_the_pool(p, depositor, stranger):
    p.deposit(depositor, "10")
    boa.env.set_balance(p.reth.address, 5 * ETH)
    p.reth.depositExcessCollateral(sender=stranger)
    # keep 10% of 9.995 ETH of rETH value = 0.9995 ETH; 4.0005 ETH recycled
    assert boa.env.get_balance(p.reth.address) == 9_995 * ETH // 10_000
    assert p.deposit_pool.getBalance() == 10 * ETH + 40_005 * ETH // 10_000
    ev = only_event(p.reth, "DepositRecycled")
    assert (ev.sender, ev.amount) == (p.reth.address, 40_005 * ETH // 10_000)
    # nothing left above the target: a second call moves nothing
    p.reth.depositExcessCollateral(sender=stranger)
    assert boa.env.get_balance(p.reth.address) == 9_995 * ETH // 10_000


def test_excess_collateral_below_target_stays(p, depositor, stranger):
    p.deposit(depositor, "10")
    boa.env.set_balance(p.reth.address, ETH // 2)
    p.reth.depositExcessCollateral(sender=stranger)
    assert boa.env.get_balance(p.reth.address) == ETH // 2
    assert p.deposit_pool.getBalance() == 10 * ETH


def test_reth_transfers_like_an_erc20(p, depositor, stranger):
    p.deposit(depositor, "1")
    p.reth.transfer(stranger, 100, sender=depositor)
    assert p.reth.balanceOf(stranger) == 100
    p.reth.approve(stranger, 50, sender=depositor)
    p.reth.transferFrom(depositor, stranger, 50, sender=stranger)
    assert p.reth.balanceOf(stranger) == 150
    assert p.reth.allowance(depositor, stranger) == 0
