"""The reference model against the real contracts: one scripted history, checked at every step.

The contracts are driven through the checked facade (:class:`CheckedProtocol`:
each call asks the model first, and its outcome, revert reason and returned
amounts must be the model's); the beacon chain's payments reach the model
too. After every step the model must also predict every observable number:
rETH balances and supply, the deposit pool, the queue, each minipool's
status and balances, the nodes' ETH matched and RPL, the rate, and what
each actor's ETH balance did. Bad calls must revert with exactly the reason
the model gives.
"""

from __future__ import annotations

import boa

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.chain.status import INITIALISED, PRELAUNCH
from harness.fuzz.checked import CheckedProtocol
from harness.model import norm
from harness.units import ETH, ETH_GWEI

RPL = 10**18


class Replay:
    """The checked facade, and every observable number compared with the model's after a step."""

    def __init__(self, p):
        self.p = p
        # A beacon chain that earns nothing (APR 0), so every amount is exact; it
        # pays the way the real one does: the address's balance rises, no code runs,
        # and the facade tells the model.
        p.beacon = BeaconChain(BeaconConfig(apr=0), credit=lambda a, w: p.beacon_credit(a, w))
        self.cp = CheckedProtocol(p)
        self.model = self.cp.model
        self.beacon = p.beacon
        self.actors = [*p.depositors, *p.node_operators]
        self.start = {a: boa.env.get_balance(a) for a in self.actors}

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
        assert self.cp.deposit(depositor, amount).ok  # and minted what the model says
        self.check()

    def burn(self, holder, amount: int) -> None:
        assert self.cp.burn(holder, amount).ok  # and paid what the model says
        self.check()

    def create_minipool(self, node, bond: int):
        expect, minipool = self.cp.create_minipool(node, bond=bond)
        assert expect.ok, expect.reason
        assert self.p.validator(minipool).balance == ETH_GWEI
        self.check()
        return minipool

    def report_truth(self) -> None:
        report_block = self.p.next_report_block()
        # The model's truth (the facade checks the oracle reads the same), voted for by
        # the smallest set of members that reaches consensus, each vote checked.
        _, staking, _ = self.cp.report()
        # So accepted means every vote was, and the last one brought consensus.
        assert self.model.report.block == report_block
        assert self.p.network_balances.getStakingETHBalance() == staking
        self.check()


def test_a_scripted_history_matches_the_model_step_by_step(protocol):
    p = protocol
    r = Replay(p)
    cp, m = r.cp, r.model
    depositor, other = p.depositors[0], p.depositors[1]
    node, stranger = p.node_operators[0], p.node_operators[1]

    # Deposits, and refusals the model foresees (the facade checks the contracts'
    # reason is the model's).
    r.deposit(depositor, 10 * ETH)
    assert not cp.deposit(depositor, 10**15).ok
    assert not cp.burn(depositor, 0).ok
    assert not cp.burn(other, 1).ok  # holds no rETH yet

    # A node with RPL, and a minipool that waits in the queue (17 ETH < 31 ETH).
    assert cp.register_node(node).ok
    cp.fund_rpl(node, 1_000 * RPL)
    assert not cp.stake_rpl(node, 0).ok
    assert cp.stake_rpl(node, 1_000 * RPL).ok
    r.check()
    expect, _ = cp.create_minipool(node, bond=4)
    assert not expect.ok
    minipool = r.create_minipool(node, 8)
    assert m.minipools[norm(minipool.address)].status == INITIALISED

    # 24 ETH more: the pool holds 41 ETH and assigns 31 to the minipool.
    r.deposit(other, 24 * ETH)
    assert m.minipools[norm(minipool.address)].status == PRELAUNCH
    assert not cp.stake(minipool).ok

    # Stake after the scrub period: 31 ETH to the beacon chain.
    boa.env.time_travel(seconds=p.settings.getScrubPeriod() + 1)
    assert cp.stake(minipool).ok
    validator = p.validator(minipool)
    assert validator.balance == 32 * ETH_GWEI
    r.check()
    r.report_truth()

    # Rewards: 0.5 ETH skimmed to the minipool, distributed by a stranger.
    r.beacon.reward(validator, ETH // 2)
    r.beacon.sweep()
    r.check()
    expect = cp.distribute(minipool, stranger, rewards_only=True)
    assert expect.ok, expect.reason
    r.check()
    assert minipool.getNodeRefundBalance() == expect.values["node"] > 0
    assert cp.refund(minipool, node).ok
    r.check()
    assert not cp.refund(minipool, node).ok

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
    assert not cp.distribute(minipool, stranger).ok
    assert not cp.distribute(minipool, node, rewards_only=True).ok
    expect = cp.distribute(minipool, node)
    assert expect.ok, expect.reason
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
