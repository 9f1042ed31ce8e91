"""The invariants on the real contracts: silent through honest histories, loud at a planted fault.

Model and contracts are driven side by side through the checked facade
(:class:`CheckedProtocol`), as in ``test_model_vs_contracts.py``: the
simulated beacon chain pays a minipool by raising its balance and telling
the model. After every step a
:class:`invariants.Watcher` observes the chain once and runs every check.
"""

from __future__ import annotations

import dataclasses

import boa
import pytest

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.chain.status import PRELAUNCH
from harness.fuzz.checked import CheckedProtocol
from harness.model import norm
from harness.units import ETH
from invariants import InvariantViolation, Watcher, check_distribution_split
from invariants.observe import StorageWrites, observe


class World:
    """Contracts, model and invariants, stepped together: the checked facade, then a watch."""

    def __init__(self, p, beacon_config: BeaconConfig | None = None, vault_names=None):
        self.p = p
        # The test's beacon chain (APR 0 unless told otherwise), paying through the facade,
        # which tells the model.
        p.beacon = BeaconChain(
            beacon_config or BeaconConfig(apr=0), credit=lambda a, w: p.beacon_credit(a, w)
        )
        p.beacon.now = p.beacon.last_sweep = p.now()
        self.beacon = p.beacon
        self.cp = CheckedProtocol(p)
        self.model = self.cp.model
        actors = [p.guardian, *p.odao_members, *p.depositors, *p.node_operators]
        self.watch = Watcher(p, self.model, actors, vault_names)
        self.events = []

    def step(self) -> None:
        self.events += [event.name for event in self.watch.step()]
        # The watcher re-reads only what was written; a full read must agree.
        full = observe(self.p, self.model, self.watch.actors, self.watch.vault_names)
        assert self.watch.previous == full

    # ------------------------------------------------------------ actions
    # Each goes through the checked facade (the outcome must be the model's), then
    # every invariant is checked.
    def deposit(self, depositor, amount: int) -> None:
        self.cp.deposit(depositor, amount)
        self.step()

    def burn(self, holder, amount: int) -> None:
        self.cp.burn(holder, amount)
        self.step()

    def node_with_rpl(self, node, rpl: int) -> None:
        self.cp.register_node(node)
        self.step()
        self.cp.fund_rpl(node, rpl)
        self.cp.stake_rpl(node, rpl)
        self.step()

    def create_minipool(self, node, bond: int):
        _, minipool = self.cp.create_minipool(node, bond=bond)
        self.step()
        return minipool

    def stake(self, minipool) -> None:
        self.cp.stake(minipool)
        self.step()

    def refund(self, minipool, caller) -> None:
        self.cp.refund(minipool, caller)
        self.step()

    def distribute(self, minipool, by, rewards_only: bool = False) -> None:
        expect = self.cp.distribute(minipool, by, rewards_only)
        if expect.ok:
            # The split invariant, on the call's EtherWithdrawalProcessed events (read
            # before the watch makes calls of its own).
            paid = [
                (log.nodeAmount, log.userAmount)
                for log in minipool.get_logs()
                if type(log).__name__ == "EtherWithdrawalProcessed"
            ]
            node, user = sum(n for n, _ in paid), sum(u for _, u in paid)
            check_distribution_split(expect.values, node, user)
        self.step()

    def report_truth(self) -> None:
        boa.env.time_travel(seconds=3_600)
        self.cp.report()
        self.step()


def staking_minipool(w: World, node, depositor):
    """A node with RPL, 24 ETH from ``depositor`` and one 8 ETH minipool staked."""
    w.node_with_rpl(node, 10_000 * ETH)
    w.deposit(depositor, 24 * ETH)
    minipool = w.create_minipool(node, 8)
    assert w.model.minipools[norm(minipool.address)].status == PRELAUNCH
    boa.env.time_travel(seconds=w.p.settings.getScrubPeriod() + 1)
    w.stake(minipool)
    w.report_truth()
    return minipool, w.beacon.validator(w.model.minipools[norm(minipool.address)].pubkey)


def test_an_honest_history_breaks_no_invariant_then_planted_faults_are_caught(protocol):
    p = protocol
    w = World(p)
    depositor, other = p.depositors[0], p.depositors[1]
    node, stranger = p.node_operators[0], p.node_operators[1]

    w.deposit(depositor, 10 * ETH)
    w.burn(other, 1)  # refused, with the model's reason
    minipool, validator = staking_minipool(w, node, other)

    # Skimmed rewards, distributed by a stranger; the node takes its refund.
    w.beacon.reward(validator, ETH // 2)
    w.beacon.sweep()
    w.step()
    w.distribute(minipool, stranger, rewards_only=True)
    w.refund(minipool, node)
    w.report_truth()
    assert p.rate() > ETH

    # The sandwich: deposit, report, burn, all at the rules' prices.
    w.deposit(stranger, 5 * ETH)
    w.beacon.reward(validator, ETH // 10)
    w.report_truth()
    w.burn(stranger, p.reth.balanceOf(stranger))
    w.burn(depositor, p.reth.balanceOf(depositor) // 2)

    # The exit: 32 ETH plus rewards, finalised by the owner.
    w.beacon.reward(validator, ETH // 4)
    w.beacon.exit(validator)
    w.beacon.advance(w.beacon.config.exit_delay + w.beacon.config.withdrawal_delay)
    w.beacon.sweep()
    w.step()
    w.distribute(minipool, node)
    assert minipool.getFinalised()
    w.report_truth()
    w.burn(other, p.reth.balanceOf(other))
    w.burn(depositor, p.reth.balanceOf(depositor))
    assert w.events == []

    # Planted faults, one at a time, each undone afterwards.
    with boa.env.anchor():
        boa.env.set_balance(p.vault.address, boa.env.get_balance(p.vault.address) + 1)
        with pytest.raises(InvariantViolation) as caught:
            w.watch.step()
    assert caught.value.name == "vault"
    assert caught.value.details["actual"] == caught.value.details["expected"] + 1

    w.model.pool_node_balance += 1
    with pytest.raises(InvariantViolation) as caught:
        w.watch.step()
    w.model.pool_node_balance -= 1
    assert caught.value.name == "deposit-pool"
    assert "node balance" in caught.value.message

    with boa.env.anchor():
        boa.env.set_balance(minipool.address, boa.env.get_balance(minipool.address) + 1)
        with pytest.raises(InvariantViolation) as caught:
            w.watch.step()
    assert caught.value.name == "minipool-accounting"
    assert "eth" in caught.value.message

    w.step()  # all undone: silent again


def test_a_loss_past_the_bond_is_a_named_event_and_the_rate_falls_within_bounds(protocol):
    p = protocol
    # Only the deposit pool keeps ETH in the vault: reading its entry alone is enough.
    w = World(p, BeaconConfig(apr=0, slashing_correlation=0), ("rocketDepositPool",))
    node, depositor = p.node_operators[0], p.depositors[0]
    minipool, validator = staking_minipool(w, node, depositor)
    assert w.events == []

    # 12 ETH lost: the 8 ETH bond absorbs the first 8, the users lose 4.
    w.beacon.penalise(validator, 12 * ETH)
    w.step()
    assert w.events == ["uncovered-loss"]
    w.beacon.exit(validator)
    w.beacon.advance(w.beacon.config.exit_delay + w.beacon.config.withdrawal_delay)
    w.beacon.sweep()
    w.step()
    w.distribute(minipool, node)
    w.report_truth()
    assert p.rate() < ETH
    assert w.events == ["uncovered-loss", "uncovered-loss-socialised"]


def test_storage_writes_name_the_contracts_a_call_wrote_and_views_write_none(protocol):
    p = protocol
    writes = StorageWrites()
    p.reth.getExchangeRate()
    p.deposit_pool.getBalance()
    assert writes.take() == set()
    p.deposit(p.depositors[0], 5 * ETH)
    written = writes.take()
    # rETH mints, the vault books the ETH to the pool; the pool keeps no ledger of its own.
    assert {norm(p.reth.address), norm(p.vault.address)} <= written
    assert norm(p.network_balances.address) not in written
    assert writes.take() == set()


def test_a_write_the_watcher_did_not_expect_is_still_read(protocol):
    """A contract written outside any flow (here: the vault's storage poked) is re-read."""
    p = protocol
    w = World(p)
    w.deposit(p.depositors[0], 10 * ETH)
    before = w.watch.previous.vault_balances["rocketDepositPool"]
    writes = w.watch.writes
    # Pretend the vault was written: the next step must read it again, not carry it over.
    writes.trace.written.add(norm(p.vault.address))
    stale = dataclasses.replace(w.watch.previous, vault_balances={"rocketDepositPool": before + 1})
    w.watch.previous = stale
    obs = observe(p, w.model, w.watch.actors, w.watch.vault_names, stale, writes.take())
    assert obs.vault_balances["rocketDepositPool"] == before
    # ...and a group nobody wrote is carried over as it was.
    assert obs.reth_supply == stale.reth_supply
