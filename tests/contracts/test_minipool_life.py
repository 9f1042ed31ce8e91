"""One scripted minipool life in which every wei is accounted for.

A depositor funds the pool, a node bonds 8 ETH, the pool assigns, the node
stakes; the beacon chain (simulated by raising the minipool's balance) pays
two skims and then the exit; the skims are distributed by a stranger and by
the owner, the exit by the owner, and the node is refunded. After every step
the ETH of every actor and contract adds up: what left for the beacon deposit
contract is gone from the rest, what the simulated beacon chain paid has
arrived, nothing else moved.
"""

from __future__ import annotations

from decimal import Decimal

import boa
import pytest

from harness.chain.status import PRELAUNCH, STAKING
from harness.model import economics
from harness.units import ETH
from tests.contracts.helpers import pass_scrub_period

FEE = 14 * 10**16


def wei(eth: str) -> int:
    return int(Decimal(eth) * ETH)


class Ledger:
    """Balances of every actor and contract, and the beacon chain's side of the books."""

    def __init__(self, protocol, actors):
        self.protocol = protocol
        self.actors = list(actors)
        self.to_beacon = 0  # sent to the beacon deposit contract
        self.from_beacon = 0  # paid by the simulated beacon chain
        self.start = self.balances()

    def addresses(self) -> list[str]:
        contracts = [self.protocol.storage, *self.protocol.contracts.values()]
        minipools = self.protocol.minipools()
        return [str(c.address) for c in contracts + minipools] + [str(a) for a in self.actors]

    def balances(self) -> dict[str, int]:
        return {address: boa.env.get_balance(address) for address in self.addresses()}

    def beacon_pays(self, minipool, amount: int) -> None:
        boa.env.set_balance(minipool.address, boa.env.get_balance(minipool.address) + amount)
        self.from_beacon += amount

    def check(self) -> None:
        """Every wei accounted for: total now == total before - to beacon + from beacon."""
        deposit_contract = str(self.protocol.deposit_contract.address)
        now = self.balances()
        assert now[deposit_contract] - self.start[deposit_contract] == self.to_beacon
        others_now = sum(v for k, v in now.items() if k != deposit_contract)
        others_start = sum(self.start.get(k, 0) for k in now if k != deposit_contract)
        assert others_now == others_start - self.to_beacon + self.from_beacon

    def delta(self, who) -> int:
        address = str(getattr(who, "address", who))
        return boa.env.get_balance(address) - self.start.get(address, 0)


@pytest.fixture
def withdrawal():
    return boa.env.generate_address("life_withdrawal_address")


@pytest.fixture
def stranger():
    return boa.env.generate_address("life_stranger")


def test_a_minipool_life_accounts_for_every_wei(np, withdrawal, stranger):
    depositor = np.depositors[0]
    operator = np.node_operators[0]
    ledger = Ledger(np, [depositor, operator, withdrawal, stranger, *np.odao_members])
    vault, reth = np.vault, np.reth

    # Users deposit.
    np.deposit_pool.deposit(value=24 * ETH, sender=depositor)
    assert ledger.delta(depositor) == -24 * ETH
    assert ledger.delta(vault) == 24 * ETH
    ledger.check()

    # The node registers and moves its withdrawal address in two steps.
    np.register_node(operator)
    np.node_manager.setWithdrawalAddress(operator, withdrawal, False, sender=operator)
    np.node_manager.confirmWithdrawalAddress(operator, sender=withdrawal)

    # Bond: 1 ETH pre-deposit, 7 ETH to the pool, 31 ETH assigned at once.
    minipool = np.create_minipool(operator, bond=8)
    ledger.to_beacon += ETH
    assert minipool.getStatus() == PRELAUNCH
    assert ledger.delta(operator) == -8 * ETH
    assert ledger.delta(minipool) == 31 * ETH
    assert ledger.delta(vault) == 0  # 24 + 7 - 31
    ledger.check()

    # Stake after the scrub period: exactly 31 ETH to the deposit contract.
    pass_scrub_period(np)
    np.stake(minipool)
    ledger.to_beacon += 31 * ETH
    assert minipool.getStatus() == STAKING
    assert ledger.delta(minipool) == 0
    assert ledger.delta(np.deposit_contract) == 32 * ETH
    ledger.check()

    # First skim, distributed by a stranger: the node's part waits as refund.
    skim = wei("0.6")
    ledger.beacon_pays(minipool, skim)
    minipool.distributeBalance(True, sender=stranger)
    node_part = economics.rewards_node_share(
        skim, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE
    )
    assert node_part == wei("0.15") + wei("0.45") * 14 // 100  # 0.213 ETH
    assert minipool.getNodeRefundBalance() == node_part
    assert ledger.delta(reth) == skim - node_part
    assert ledger.delta(minipool) == node_part
    ledger.check()
    minipool.refund(sender=withdrawal)
    assert ledger.delta(withdrawal) == node_part
    assert ledger.delta(minipool) == 0
    ledger.check()

    # Second skim, distributed by the owner: refunded in the same call.
    skim2 = wei("0.2")
    ledger.beacon_pays(minipool, skim2)
    minipool.distributeBalance(True, sender=operator)
    node_part2 = economics.rewards_node_share(
        skim2, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE
    )
    assert ledger.delta(withdrawal) == node_part + node_part2
    assert ledger.delta(reth) == skim + skim2 - node_part - node_part2
    ledger.check()

    # The exit: 32 ETH of capital and 0.4 ETH of last rewards.
    exit_balance = wei("32.4")
    ledger.beacon_pays(minipool, exit_balance)
    minipool.distributeBalance(False, sender=operator)
    exit_node = economics.node_share(
        exit_balance, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE
    )
    assert exit_node == 8 * ETH + wei("0.1") + wei("0.3") * 14 // 100  # 8.142 ETH
    assert minipool.getFinalised()
    assert ledger.delta(minipool) == 0
    node_total = node_part + node_part2 + exit_node
    assert ledger.delta(withdrawal) == node_total
    # Users got 24 ETH back and the rest of every reward, split between rETH's
    # collateral and the pool (rETH sent its excess there on finalisation).
    users_total = skim + skim2 + exit_balance - node_total
    assert ledger.delta(reth) + ledger.delta(vault) == users_total
    assert ledger.delta(vault) > 0
    assert users_total == 24 * ETH + wei("1.2") - (node_total - 8 * ETH)
    ledger.check()

    # Everyone's books, once more, in full.
    assert ledger.delta(depositor) == -24 * ETH
    assert ledger.delta(operator) == -8 * ETH
    assert ledger.delta(stranger) == 0
    assert ledger.to_beacon == 32 * ETH
    assert ledger.from_beacon == wei("33.2")
    assert (
        ledger.delta(depositor)
        + ledger.delta(operator)
        + ledger.delta(withdrawal)
        + ledger.delta(reth)
        + ledger.delta(vault)
        + ledger.delta(np.deposit_contract)
    ) == ledger.from_beacon

    manager = np.minipool_manager
    assert manager.getNodeFinalisedMinipoolCount(operator) == 1
    assert manager.getNodeActiveMinipoolCount(operator) == 0
    assert manager.getNodeStakingMinipoolCount(operator) == 0
    assert manager.getNodeETHMatched(operator) == 0
    assert manager.getNodeETHProvided(operator) == 0
    assert minipool.getNodeRefundBalance() == 0
    assert minipool.getNodeSlashBalance() == 0
