"""The reference model against the real contracts: one scripted history, checked at every step.

The contracts are driven through the facade; the model is told the same
actions (and the beacon chain's payments) and must predict every observable
number: rETH balances and supply, the deposit pool, the queue, each
minipool's status and balances, the nodes' ETH matched and RPL, the rate,
and what each actor's ETH balance did. Bad calls must revert with exactly
the reason the model gives.
"""

from __future__ import annotations

import boa
import pytest

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.chain.protocol import PRELAUNCH_VALUE
from harness.chain.reverts import revert_reason
from harness.model import Model, norm

ETH = 10**18
RPL = 10**18
GWEI_PER_ETH = 10**9


def now() -> int:
    return boa.env.evm.patch.timestamp


def block() -> int:
    return boa.env.evm.patch.block_number


class Replay:
    """Drives the contracts and the model side by side."""

    def __init__(self, p):
        self.p = p
        self.model: Model | None = None
        # The simulated beacon chain pays the way the real one does: the
        # address's balance rises and no code runs; the model is told too.
        self.beacon = BeaconChain(BeaconConfig(apr=0), credit=self._credit)
        self.model = Model(
            p.config.settings, p.odao_members, self.beacon, reth_address=p.reth.address, now=now()
        )
        self.actors = [*p.depositors, *p.node_operators]
        self.start = {a: boa.env.get_balance(a) for a in self.actors}
        self.pubkeys: dict[str, bytes] = {}

    def _credit(self, address: str, wei: int) -> None:
        boa.env.set_balance(address, boa.env.get_balance(address) + wei)
        self.model.credit(address, wei)

    def ingest(self, called) -> None:
        """The beacon chain learns of deposits from the deposit contract's logs."""
        self.beacon.ingest_logs(called.get_logs())

    def same_revert(self, expect, call) -> None:
        """The model refuses, and the contracts refuse with exactly its reason."""
        assert not expect.ok, f"the model accepted a call expected to revert: {expect}"
        with pytest.raises(boa.BoaError) as info:
            call()
        assert revert_reason(info.value) == expect.reason

    def check(self) -> None:
        """Every observable number of the contracts equals the model's."""
        p, m = self.p, self.model
        assert p.reth.totalSupply() == m.reth_supply
        for actor in self.actors:
            assert p.reth.balanceOf(actor) == m.reth_balances.get(norm(actor), 0), actor
            moved = m.eth_out.get(norm(actor), 0) - m.eth_in.get(norm(actor), 0)
            assert boa.env.get_balance(actor) == self.start[actor] + moved, actor
        assert p.deposit_pool.getBalance() == m.pool_balance
        assert p.deposit_pool.getNodeBalance() == m.pool_node_balance
        assert p.deposit_pool.getUserBalance() == m.user_balance()
        assert p.deposit_pool.getExcessBalance() == m.excess_balance()
        assert p.balance(p.reth) == m.reth_eth
        assert p.reth.getTotalCollateral() == m.excess_balance() + m.reth_eth
        assert p.rate() == m.rate()
        assert p.network_balances.getTotalETHBalance() == m.report.total_eth
        assert p.network_balances.getTotalRETHSupply() == m.report.reth_supply
        queue = [
            norm(p.minipool_queue.getMinipoolAt(i)) for i in range(p.minipool_queue.getLength())
        ]
        assert queue == m.queue
        for address, mp in m.minipools.items():
            onchain = p.minipool_at(address)
            assert onchain.getStatus() == mp.status, address
            assert onchain.getStatusTime() == mp.status_time
            assert boa.env.get_balance(address) == mp.eth
            assert onchain.getNodeRefundBalance() == mp.refund
            assert onchain.getNodeSlashBalance() == mp.slash
            assert onchain.getUserDepositBalance() == mp.user_capital
            assert onchain.getNodeDepositBalance() == mp.bond
            assert onchain.getFinalised() == mp.finalised
            assert onchain.getUserDistributed() == mp.user_distributed
            assert onchain.getNodeFee() == mp.fee
        for node, state in m.nodes.items():
            assert p.minipool_manager.getNodeETHMatched(node) == state.eth_matched
            assert p.minipool_manager.getNodeETHProvided(node) == state.eth_provided
            assert p.node_staking.getNodeRPLStake(node) == state.rpl_stake
            assert p.minipool_manager.getNodeFinalisedMinipoolCount(node) == state.finalised_count
        assert p.auction_manager.getTotalRPLBalance() == m.auction_rpl

    # ------------------------------------------------------------ steps
    def deposit(self, depositor, amount: int) -> None:
        expect = self.model.deposit(depositor, amount, now=now())
        assert expect.ok, expect.reason
        assert self.p.deposit(depositor, amount) == expect.values["minted"]
        self.check()

    def burn(self, holder, amount: int) -> None:
        expect = self.model.burn(holder, amount, now=now())
        assert expect.ok, expect.reason
        assert self.p.burn(holder, amount) == expect.values["eth"]
        self.check()

    def create_minipool(self, node, bond: int):
        salt = self.p.free_salt(node)
        address = self.p.expected_minipool_address(node, salt)
        pubkey = self.p.deposit_data(node, address, PRELAUNCH_VALUE, salt).pubkey
        expect = self.model.create_minipool(node, bond * ETH, address, pubkey, now=now())
        assert expect.ok, expect.reason
        minipool = self.p.create_minipool(node, bond=bond, salt=salt)
        self.ingest(self.p.node_deposit)
        assert self.beacon.validator(pubkey).balance == GWEI_PER_ETH
        self.check()
        return minipool

    def report_truth(self) -> None:
        total, staking, supply = self.model.truthful_report()
        report_block = self.p.next_report_block()
        for member in self.p.quorum_members():
            expect = self.model.report_balances(
                report_block,
                total,
                staking,
                supply,
                member,
                slot_timestamp=now(),
                current_block=block(),
                now=now(),
            )
            assert expect.ok, expect.reason
        assert expect.values["accepted"] == 1
        self.p.report_balances(total, supply, staking, block=report_block)
        assert self.p.network_balances.getStakingETHBalance() == staking
        self.check()


def test_a_scripted_history_matches_the_model_step_by_step(protocol):
    p = protocol
    r = Replay(p)
    m = r.model
    depositor, other = p.depositors[0], p.depositors[1]
    node, stranger = p.node_operators[0], p.node_operators[1]

    # Deposits, and refusals the model foresees.
    r.deposit(depositor, 10 * ETH)
    r.same_revert(
        m.deposit(depositor, 10**15, now=now()),
        lambda: p.deposit_pool.deposit(value=10**15, sender=depositor),
    )
    r.same_revert(m.burn(depositor, 0), lambda: p.reth.burn(0, sender=depositor))
    r.same_revert(m.burn(other, 1), lambda: p.reth.burn(1, sender=other))  # holds no rETH yet

    # A node with RPL, and a minipool that waits in the queue (17 ETH < 31 ETH).
    assert m.register_node(node, now=now()).ok
    p.register_node(node)
    m.fund_rpl(node, 1_000 * RPL)
    p.fund_rpl(node, "1000")
    r.same_revert(
        m.stake_rpl(node, 0, now=now()),
        lambda: p.node_staking.stakeRPL(0, sender=node),
    )
    assert m.stake_rpl(node, 1_000 * RPL, now=now()).ok
    p.stake_rpl(node, "1000")
    r.check()
    salt = p.free_salt(node)
    address = p.expected_minipool_address(node, salt)
    r.same_revert(
        m.create_minipool(node, 4 * ETH, address, b"\x00" * 48, now=now()),
        lambda: p.create_minipool(node, bond=4, salt=salt),
    )
    minipool = r.create_minipool(node, 8)
    assert m.minipools[norm(minipool.address)].status == 0

    # 24 ETH more: the pool holds 41 ETH and assigns 31 to the minipool.
    r.deposit(other, 24 * ETH)
    assert m.minipools[norm(minipool.address)].status == 1
    r.same_revert(m.stake(minipool, now()), lambda: p.stake(minipool))

    # Stake after the scrub period: 31 ETH to the beacon chain.
    boa.env.time_travel(seconds=p.settings.getScrubPeriod() + 1)
    assert m.stake(minipool, now()).ok
    p.stake(minipool)
    r.ingest(minipool)
    validator = r.beacon.validator(m.minipools[norm(minipool.address)].pubkey)
    assert validator.balance == 32 * GWEI_PER_ETH
    r.check()
    r.report_truth()

    # Rewards: 0.5 ETH skimmed to the minipool, distributed by a stranger.
    r.beacon.reward(validator, ETH // 2)
    r.beacon.sweep()
    r.check()
    expect = m.distribute(minipool, stranger, True, now())
    assert expect.ok, expect.reason
    minipool.distributeBalance(True, sender=stranger)
    r.check()
    assert minipool.getNodeRefundBalance() == expect.values["node"] > 0
    assert m.refund(minipool, node, now=now()).ok
    minipool.refund(sender=node)
    r.check()
    r.same_revert(m.refund(minipool, node), lambda: minipool.refund(sender=node))

    # An honest report: the rate rises, a burn pays at it.
    boa.env.time_travel(seconds=3_600)
    r.report_truth()
    assert p.rate() > ETH
    r.burn(depositor, p.reth.balanceOf(depositor) // 2)

    # The exit: 32 ETH plus 0.25 ETH of rewards arrive at the minipool.
    r.beacon.reward(validator, ETH // 4)
    r.beacon.exit(validator)
    r.beacon.advance(r.beacon.config.exit_delay + r.beacon.config.withdrawal_delay)
    r.beacon.sweep()
    r.check()
    r.same_revert(
        m.distribute(minipool, stranger, False, now()),
        lambda: minipool.distributeBalance(False, sender=stranger),
    )
    r.same_revert(
        m.distribute(minipool, node, True, now()),
        lambda: minipool.distributeBalance(True, sender=node),
    )
    expect = m.distribute(minipool, node, False, now())
    assert expect.ok, expect.reason
    minipool.distributeBalance(False, sender=node)
    r.check()
    assert expect.values["finalised"] == 1
    # 32.25 ETH: the node's 8 ETH, plus a quarter of 0.25 ETH and 14% of the rest.
    assert expect.values["node"] == 8 * ETH + ETH // 16 + (ETH // 4 - ETH // 16) * 14 // 100
    assert expect.values["user"] == 24 * ETH + (ETH // 4 - ETH // 16) * 86 // 100
    assert minipool.getFinalised()

    # Report the truth after the exit, then everyone leaves.
    boa.env.time_travel(seconds=3_600)
    r.report_truth()
    assert m.solvency_gap() <= 0
    r.burn(other, p.reth.balanceOf(other))
    r.burn(depositor, p.reth.balanceOf(depositor))
    assert p.reth.totalSupply() == 0
    # The node got its bond back and its share of the rewards.
    assert m.earned(node) > 0
