"""The invariants on the real contracts: silent through honest histories, loud at a planted fault.

Model and contracts are driven side by side, as in
``test_model_vs_contracts.py``: the simulated beacon chain pays a minipool
by raising its balance and telling the model. After every step a
:class:`invariants.Watcher` observes the chain once and runs every check.
"""

from __future__ import annotations

import dataclasses

import boa
import pytest

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.chain.protocol import PRELAUNCH_VALUE
from harness.chain.reverts import revert_reason
from harness.model import Model, norm
from invariants import (
    InvariantViolation,
    Watcher,
    check_distribution_split,
    check_outcome,
)
from invariants.observe import StorageWrites, observe

ETH = 10**18
GWEI_PER_ETH = 10**9


def now() -> int:
    return boa.env.evm.patch.timestamp


def block() -> int:
    return boa.env.evm.patch.block_number


class World:
    """Contracts, model and invariants, stepped together."""

    def __init__(self, p, beacon_config: BeaconConfig | None = None, vault_names=None):
        self.p = p
        self.model: Model | None = None
        self.beacon = BeaconChain(beacon_config or BeaconConfig(apr=0), credit=self._credit)
        self.beacon.now = self.beacon.last_sweep = now()
        self.model = Model(
            p.config.settings, p.odao_members, self.beacon, reth_address=p.reth.address, now=now()
        )
        actors = [p.guardian, *p.odao_members, *p.depositors, *p.node_operators]
        self.watch = Watcher(p, self.model, actors, vault_names)
        self.events = []

    def _credit(self, address: str, wei: int) -> None:
        boa.env.set_balance(address, boa.env.get_balance(address) + wei)
        self.model.credit(address, wei)

    def step(self) -> None:
        self.events += [event.name for event in self.watch.step()]
        # The watcher re-reads only what was written; a full read must agree.
        full = observe(self.p, self.model, self.watch.actors, self.watch.vault_names)
        assert self.watch.previous == full

    def call(self, action: str, expect, call) -> None:
        """Make a call the model predicted, check its outcome, then every invariant."""
        try:
            call()
            ok, reason = True, None
        except boa.BoaError as exc:
            ok, reason = False, revert_reason(exc)
        check_outcome(action, expect, ok, reason)
        self.step()

    # ------------------------------------------------------------ actions
    def deposit(self, depositor, amount: int) -> None:
        expect = self.model.deposit(depositor, amount, now=now())
        self.call("deposit", expect, lambda: self.p.deposit(depositor, amount))

    def burn(self, holder, amount: int) -> None:
        expect = self.model.burn(holder, amount, now=now())
        self.call("burn", expect, lambda: self.p.burn(holder, amount))

    def node_with_rpl(self, node, rpl: int) -> None:
        self.call("register", self.model.register_node(node, now=now()), lambda: None)
        self.p.register_node(node)
        self.model.fund_rpl(node, rpl)
        self.p.fund_rpl(node, rpl)
        expect = self.model.stake_rpl(node, rpl, now=now())
        self.call("stake RPL", expect, lambda: self.p.stake_rpl(node, rpl))

    def create_minipool(self, node, bond: int):
        salt = self.p.free_salt(node)
        address = self.p.expected_minipool_address(node, salt)
        pubkey = self.p.deposit_data(node, address, PRELAUNCH_VALUE, salt).pubkey
        expect = self.model.create_minipool(node, bond * ETH, address, pubkey, now=now())
        handle = []

        def create():
            handle.append(self.p.create_minipool(node, bond=bond, salt=salt))
            self.beacon.ingest_logs(self.p.node_deposit.get_logs())

        self.call("create minipool", expect, create)
        return handle[0]

    def stake(self, minipool) -> None:
        expect = self.model.stake(minipool, now())

        def stake():
            self.p.stake(minipool)
            self.beacon.ingest_logs(minipool.get_logs())

        self.call("stake", expect, stake)

    def distribute(self, minipool, by, rewards_only: bool = False) -> None:
        expect = self.model.distribute(minipool, by, rewards_only, now())
        paid = []
        self.call(
            "distribute",
            expect,
            lambda: paid.extend(self.p.distribute(minipool, by=by, rewards_only=rewards_only)),
        )
        if expect.ok:
            node = sum(n for n, _ in paid)
            user = sum(u for _, u in paid)
            check_distribution_split(expect.values, node, user)

    def report_truth(self) -> None:
        boa.env.time_travel(seconds=3_600)
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
        self.p.report_balances(total, supply, staking, block=report_block)
        self.step()


def staking_minipool(w: World, node, depositor):
    """A node with RPL, 24 ETH from ``depositor`` and one 8 ETH minipool staked."""
    w.node_with_rpl(node, 10_000 * ETH)
    w.deposit(depositor, 24 * ETH)
    minipool = w.create_minipool(node, 8)
    assert w.model.minipools[norm(minipool.address)].status == 1
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
    w.call(
        "refund",
        w.model.refund(minipool, node, now=now()),
        lambda: minipool.refund(sender=node),
    )
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
