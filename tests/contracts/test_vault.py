"""RocketVault: ETH and token custody per network contract, moved only by its owner."""

import boa

from harness.units import ETH
from tests.helpers import only_event


def _as(p, name):
    """The registered address of a network contract, funded so it can send ETH."""
    addr = p.storage.getAddress(name)
    boa.env.set_balance(addr, boa.env.get_balance(addr) + 100 * ETH)
    return addr


def test_network_contract_deposits_ether_under_its_own_name(p):
    pool = _as(p, "rocketDepositPool")
    p.vault.depositEther(value=3 * ETH, sender=pool)
    ev = only_event(p.vault, "EtherDeposited")
    assert (ev.by, ev.amount) == ("rocketDepositPool", 3 * ETH)
    assert p.vault.balanceOf("rocketDepositPool") == 3 * ETH
    assert p.vault.balanceOf("rocketTokenRETH") == 0
    assert boa.env.get_balance(p.vault.address) == 3 * ETH


def test_stranger_cannot_deposit_or_withdraw_ether(p, stranger):
    with boa.reverts("vault: caller is not a network contract"):
        p.vault.depositEther(value=ETH, sender=stranger)
    with boa.reverts("vault: caller is not a network contract"):
        p.vault.withdrawEther(ETH, sender=stranger)
    assert boa.env.get_balance(p.vault.address) == 0


def test_zero_ether_deposit_reverts(p):
    pool = _as(p, "rocketDepositPool")
    with boa.reverts("vault: no ether deposited"):
        p.vault.depositEther(value=0, sender=pool)


def test_withdrawal_returns_ether_through_the_callback(p):
    pool = _as(p, "rocketDepositPool")
    p.vault.depositEther(value=5 * ETH, sender=pool)
    before = boa.env.get_balance(pool)
    p.vault.withdrawEther(2 * ETH, sender=pool)
    ev = only_event(p.vault, "EtherWithdrawn")
    assert (ev.by, ev.amount) == ("rocketDepositPool", 2 * ETH)
    assert boa.env.get_balance(pool) == before + 2 * ETH
    assert p.vault.balanceOf("rocketDepositPool") == 3 * ETH


def test_contract_cannot_withdraw_another_contracts_ether(p):
    pool = _as(p, "rocketDepositPool")
    reth = _as(p, "rocketTokenRETH")
    p.vault.depositEther(value=5 * ETH, sender=pool)
    with boa.reverts("vault: insufficient balance"):
        p.vault.withdrawEther(ETH, sender=reth)
    with boa.reverts("vault: insufficient balance"):
        p.vault.withdrawEther(5 * ETH + 1, sender=pool)
    with boa.reverts("vault: no ether withdrawn"):
        p.vault.withdrawEther(0, sender=pool)
    assert p.vault.balanceOf("rocketDepositPool") == 5 * ETH


def test_withdrawal_to_a_contract_without_the_callback_reverts(p):
    # The settings contract is registered but has no receiveVaultWithdrawalETH.
    settings = _as(p, "rocketDAOProtocolSettings")
    p.vault.depositEther(value=ETH, sender=settings)
    with boa.reverts():
        p.vault.withdrawEther(ETH, sender=settings)
    assert p.vault.balanceOf("rocketDAOProtocolSettings") == ETH


def test_tokens_deposit_transfer_and_withdraw(p, stranger):
    pool = _as(p, "rocketDepositPool")
    p.fund_rpl(pool, "100")
    p.rpl.approve(p.vault.address, 100 * ETH, sender=pool)
    p.vault.depositToken("rocketTokenRETH", p.rpl.address, 60 * ETH, sender=pool)
    ev = only_event(p.vault, "TokenDeposited")
    assert (ev.by, ev.token, ev.amount) == ("rocketTokenRETH", p.rpl.address, 60 * ETH)
    assert p.vault.balanceOfToken("rocketTokenRETH", p.rpl.address) == 60 * ETH
    assert p.rpl.balanceOf(p.vault.address) == 60 * ETH

    reth = _as(p, "rocketTokenRETH")
    p.vault.transferToken("rocketDepositPool", p.rpl.address, 10 * ETH, sender=reth)
    ev = only_event(p.vault, "TokenTransfer")
    assert (ev.by, ev.to, ev.amount) == ("rocketTokenRETH", "rocketDepositPool", 10 * ETH)
    assert p.vault.balanceOfToken("rocketTokenRETH", p.rpl.address) == 50 * ETH
    assert p.vault.balanceOfToken("rocketDepositPool", p.rpl.address) == 10 * ETH

    p.vault.withdrawToken(stranger, p.rpl.address, 50 * ETH, sender=reth)
    assert p.rpl.balanceOf(stranger) == 50 * ETH
    assert p.vault.balanceOfToken("rocketTokenRETH", p.rpl.address) == 0
    assert p.rpl.balanceOf(p.vault.address) == 10 * ETH


def test_token_paths_refuse_bad_input(p, stranger):
    pool = _as(p, "rocketDepositPool")
    p.fund_rpl(pool, "10")
    p.rpl.approve(p.vault.address, 10 * ETH, sender=pool)
    with boa.reverts("vault: caller is not a network contract"):
        p.vault.depositToken("rocketDepositPool", p.rpl.address, ETH, sender=stranger)
    with boa.reverts("vault: unknown network contract"):
        p.vault.depositToken("rocketNobody", p.rpl.address, ETH, sender=pool)
    with boa.reverts("vault: no tokens deposited"):
        p.vault.depositToken("rocketDepositPool", p.rpl.address, 0, sender=pool)
    p.vault.depositToken("rocketDepositPool", p.rpl.address, 4 * ETH, sender=pool)
    with boa.reverts("vault: insufficient token balance"):
        p.vault.withdrawToken(stranger, p.rpl.address, 4 * ETH + 1, sender=pool)
    with boa.reverts("vault: insufficient token balance"):
        p.vault.transferToken("rocketTokenRETH", p.rpl.address, 5 * ETH, sender=pool)
    with boa.reverts("vault: unknown network contract"):
        p.vault.transferToken("rocketNobody", p.rpl.address, ETH, sender=pool)
    with boa.reverts("vault: no tokens withdrawn"):
        p.vault.withdrawToken(stranger, p.rpl.address, 0, sender=pool)
    with boa.reverts("vault: no tokens transferred"):
        p.vault.transferToken("rocketTokenRETH", p.rpl.address, 0, sender=pool)
    assert p.vault.balanceOfToken("rocketDepositPool", p.rpl.address) == 4 * ETH
