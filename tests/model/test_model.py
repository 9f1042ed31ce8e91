"""The reference model on its own: exact numbers worked out by hand from docs/protocol.md.

Pure Python, no EVM. Every expected number below is computed in the test from
the rules (fee, split, rate), never read back from the model.
"""

from __future__ import annotations

import copy
import inspect

import pytest

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.chain.deposit_data import minipool_withdrawal_credentials
from harness.model import (
    DISSOLVED,
    INITIALISED,
    PRELAUNCH,
    STAKING,
    Expect,
    Model,
    ReportMarks,
    economics,
)
from harness.units import DAY, ETH, ETH_GWEI, HOUR

RPL = 10**18
SCRUB = 12 * HOUR
FEE = 14 * 10**16  # the node fee, 14%


def addr(n: int) -> str:
    return f"0x{n:040x}"


MEMBERS = [addr(0xA1), addr(0xA2), addr(0xA3)]
DEPOSITOR = addr(0xD1)
OTHER_DEPOSITOR = addr(0xD2)
NODE = addr(0xB1)
STRANGER = addr(0xE1)


def new_model(settings=None, members=MEMBERS):
    """A model and the beacon chain it reads, whose sweeps credit the model."""
    model = None
    # No automatic rewards: every beacon balance in these tests is set by hand.
    beacon = BeaconChain(BeaconConfig(apr=0), credit=lambda a, wei: model.credit(a, wei))
    model = Model(settings or {}, members, beacon)
    return model, beacon


def ok(expect: Expect) -> dict[str, int]:
    assert expect.ok, expect.reason
    return expect.values


def refused(expect: Expect, reason: str) -> None:
    assert not expect.ok
    assert expect.reason == reason
    assert expect.values == {}


def state(model: Model) -> dict:
    """Everything the model holds except the beacon chain (the world, not the model)."""
    return copy.deepcopy({k: v for k, v in vars(model).items() if k != "beacon"})


def refused_unchanged(model: Model, call, reason: str) -> None:
    before = state(model)
    refused(call(), reason)
    assert state(model) == before


def report(model: Model, total: int, supply: int, staking: int = 0, block: int | None = None):
    """Two of the three members (67% >= 51%) report; the second vote brings consensus."""
    block = model.report.block + 1 if block is None else block
    first = ok(model.report_balances(block, total, staking, supply, MEMBERS[0]))
    assert first["accepted"] == 0
    assert ok(model.report_balances(block, total, staking, supply, MEMBERS[1]))["accepted"] == 1


def node_with_rpl(model: Model, rpl: int = 1_000 * RPL, node: str = NODE) -> str:
    ok(model.register_node(node))
    model.fund_rpl(node, rpl)
    ok(model.stake_rpl(node, rpl))
    return node


def create(model, beacon, node=NODE, bond=8 * ETH, index=1, now=None) -> str:
    """A minipool created by ``node``; its 1 ETH pre-deposit reaches the beacon chain."""
    address = addr(0x1000 + index)
    pubkey = bytes([index]) * 48
    ok(model.create_minipool(node, bond, address, pubkey, now=now))
    beacon.process_deposit(pubkey, minipool_withdrawal_credentials(address), ETH_GWEI)
    return address


def stake(model, beacon, address, now) -> None:
    ok(model.stake(address, now))
    mp = model.minipools[address]
    beacon.process_deposit(mp.pubkey, minipool_withdrawal_credentials(address), 31 * ETH_GWEI)


def validator(model, beacon, address):
    return beacon.validator(model.minipools[address].pubkey)


def exit_validator(model, beacon, address) -> None:
    """The validator exits and its whole balance is swept to the minipool."""
    v = validator(model, beacon, address)
    beacon.exit(v)
    beacon.advance(beacon.config.exit_delay + beacon.config.withdrawal_delay)
    beacon.sweep()
    assert v.balance == 0


def rewards_node(r: int, user: int, node: int, fee: int = FEE) -> int:
    """docs/protocol.md: nodePortion = r*N/(U+N); node gets it plus fee on the rest."""
    portion = r * node // (user + node)
    return portion + (r - portion) * fee // ETH


def staked_minipool(model, beacon, bond=8 * ETH, now=0):
    """A node with 1000 RPL, one minipool funded by a depositor, staked after the scrub period."""
    node_with_rpl(model)
    address = create(model, beacon, bond=bond, now=now)
    ok(model.deposit(DEPOSITOR, 32 * ETH - bond, now=now))
    assert model.minipools[address].status == PRELAUNCH
    stake(model, beacon, address, now + SCRUB + 1)
    return address


# ---------------------------------------------------------------- deposits and burns
def test_a_10_eth_deposit_at_rate_1_with_the_default_fee_mints_9_995_reth():
    model, _ = new_model()
    values = ok(model.deposit(DEPOSITOR, 10 * ETH))
    # fee = 10 ETH * 0.05% = 0.005 ETH; rETH = (10 - 0.005) * 1 at rate 1
    assert values["fee"] == 5 * 10**15
    assert values["minted"] == 9_995 * 10**15
    assert model.reth_balances[DEPOSITOR] == model.reth_supply == 9_995 * 10**15
    # The whole deposit stays in the pool: the fee is value for holders.
    assert model.pool_balance == 10 * ETH
    assert model.rate() == ETH
    assert model.owed(DEPOSITOR) == 9_995 * 10**15
    assert model.solvency_gap() == -(5 * 10**15)


def test_after_a_report_of_110_over_100_burning_1_reth_pays_1_1_eth():
    model, _ = new_model({"deposit.fee": 0})
    assert ok(model.deposit(DEPOSITOR, 100 * ETH))["minted"] == 100 * ETH
    report(model, 110 * ETH, 100 * ETH)
    assert model.rate() == 11 * 10**17
    values = ok(model.burn(DEPOSITOR, ETH))
    assert values == {"eth": 11 * 10**17, "from_pool": 11 * 10**17}
    assert model.pool_balance == 100 * ETH - 11 * 10**17
    assert model.reth_supply == 99 * ETH
    assert model.eth_out[DEPOSITOR] == 11 * 10**17
    # A later deposit mints at the new rate: 11 ETH buys 10 rETH.
    assert ok(model.deposit(OTHER_DEPOSITOR, 11 * ETH))["minted"] == 10 * ETH


def test_burn_uses_reth_eth_first_then_the_pool_excess():
    model, _ = new_model({"deposit.fee": 0})
    ok(model.deposit(DEPOSITOR, 10 * ETH))
    model.reth_address = addr(0xEE)
    model.credit(addr(0xEE), 3 * ETH)  # a gift to the rETH contract
    assert ok(model.burn(DEPOSITOR, 4 * ETH)) == {"eth": 4 * ETH, "from_pool": ETH}
    assert model.reth_eth == 0
    assert model.pool_balance == 9 * ETH


def test_every_deposit_refusal_has_the_contracts_reason_and_changes_nothing():
    model, beacon = new_model()
    refused_unchanged(
        model, lambda: model.deposit(DEPOSITOR, 10**16 - 1), "deposit pool: deposit below minimum"
    )
    ok(model.set_setting("deposit.enabled", False))
    refused_unchanged(
        model, lambda: model.deposit(DEPOSITOR, ETH), "deposit pool: deposits are disabled"
    )
    ok(model.set_setting("deposit.enabled", True))
    # Above the maximum pool size (160 ETH) with assignment off...
    ok(model.set_setting("deposit.assign.enabled", False))
    refused_unchanged(
        model,
        lambda: model.deposit(DEPOSITOR, 160 * ETH + 1),
        "deposit pool: deposit exceeds the maximum pool size",
    )
    ok(model.deposit(DEPOSITOR, 160 * ETH))  # exactly the maximum is fine
    ok(model.set_setting("deposit.assign.enabled", True))
    # ...and with it on, beyond the queue's capacity (one queued minipool: 31 ETH).
    ok(model.set_setting("deposit.pool.maximum", 200 * ETH))
    node_with_rpl(model)
    create(model, beacon)  # pool 160 + 7: assignment gives it 31 at once
    assert model.minipools[addr(0x1001)].status == PRELAUNCH
    ok(model.set_setting("deposit.assign.enabled", False))
    create(model, beacon, index=2)  # queued: capacity 31
    ok(model.set_setting("deposit.assign.enabled", True))
    assert model.pool_balance == 160 * ETH + 7 * ETH - 31 * ETH + 7 * ETH
    room = 200 * ETH + 31 * ETH - model.pool_balance
    refused_unchanged(
        model,
        lambda: model.deposit(DEPOSITOR, room + 1),
        "deposit pool: deposit exceeds the maximum pool size and queue capacity",
    )
    assert ok(model.deposit(DEPOSITOR, room))["assigned"] == 1


def test_deposits_refused_by_rETH_when_the_reported_balances_make_minting_impossible():
    model, _ = new_model()
    ok(model.deposit(DEPOSITOR, ETH))
    report(model, 10**30, 1)  # 1 wei of rETH is worth 1e12 ETH: 0.01 ETH mints nothing
    refused_unchanged(model, lambda: model.deposit(DEPOSITOR, 10**16), "reth: mint amount is zero")
    report(model, 0, 10 * ETH)
    refused_unchanged(
        model, lambda: model.deposit(DEPOSITOR, ETH), "reth: network ETH balance is zero"
    )


def test_every_burn_refusal_has_the_contracts_reason_and_changes_nothing():
    model, _ = new_model({"deposit.fee": 0})
    ok(model.deposit(DEPOSITOR, 10 * ETH))
    refused_unchanged(model, lambda: model.burn(DEPOSITOR, 0), "reth: burn amount is zero")
    refused_unchanged(
        model, lambda: model.burn(DEPOSITOR, 10 * ETH + 1), "reth: burn amount exceeds balance"
    )
    refused_unchanged(model, lambda: model.burn(STRANGER, 1), "reth: burn amount exceeds balance")
    report(model, 20 * ETH, 10 * ETH)  # rate 2: 10 rETH are owed 20 ETH, 10 ETH exist
    refused_unchanged(
        model, lambda: model.burn(DEPOSITOR, 10 * ETH), "reth: insufficient ETH collateral"
    )
    assert ok(model.burn(DEPOSITOR, 5 * ETH))["eth"] == 10 * ETH


def test_transfers_move_reth_and_its_value():
    model, _ = new_model({"deposit.fee": 0})
    ok(model.deposit(DEPOSITOR, 10 * ETH))
    refused(
        model.transfer_reth(DEPOSITOR, OTHER_DEPOSITOR, 10 * ETH + 1),
        "erc20: transfer amount exceeds balance",
    )
    refused(
        model.transfer_reth(DEPOSITOR, "0x" + "00" * 20, 1), "erc20: transfer to the zero address"
    )
    ok(model.transfer_reth(DEPOSITOR, OTHER_DEPOSITOR, 4 * ETH))
    assert model.owed(OTHER_DEPOSITOR) == 4 * ETH
    assert model.earned(DEPOSITOR) == -4 * ETH


# ---------------------------------------------------------------- assignment
def test_assignment_is_fifo_and_socialised_assignments_are_capped():
    model, beacon = new_model({"deposit.fee": 0})
    node_with_rpl(model, 2_000 * RPL)  # 200 ETH matched: plenty
    ok(model.set_setting("deposit.assign.enabled", False))
    queued = [create(model, beacon, index=i) for i in range(1, 6)]
    assert model.queue == queued
    assert (model.pool_balance, model.pool_node_balance) == (35 * ETH, 35 * ETH)
    ok(model.deposit(DEPOSITOR, 100 * ETH))
    ok(model.set_setting("deposit.assign.enabled", True))
    # No deposit pays for it: only the socialised maximum (2), oldest first.
    assert ok(model.assign_deposits())["assigned"] == 2
    assert [model.minipools[a].status for a in queued] == [PRELAUNCH] * 2 + [INITIALISED] * 3
    assert model.queue == queued[2:]
    assert model.pool_balance == 135 * ETH - 62 * ETH
    assert model.pool_node_balance == 35 * ETH - 2 * 7 * ETH
    assert model.minipools[queued[0]].user_capital == 24 * ETH
    assert model.minipools[queued[0]].eth == 31 * ETH
    # A 31 ETH deposit pays for one more than the socialised two: the last three go.
    assert ok(model.deposit(DEPOSITOR, 31 * ETH))["assigned"] == 3
    assert model.queue == []
    assert model.pool_balance == 73 * ETH + 31 * ETH - 93 * ETH
    assert model.pool_node_balance == 0


def test_assignment_respects_the_per_call_maximum_and_the_pools_eth():
    model, beacon = new_model({"deposit.fee": 0, "deposit.assign.maximum": 1})
    node_with_rpl(model, 2_000 * RPL)
    ok(model.set_setting("deposit.assign.enabled", False))
    queued = [create(model, beacon, index=i) for i in range(1, 4)]
    ok(model.set_setting("deposit.assign.enabled", True))
    # 21 ETH pool (node ETH only) cannot pay 31 ETH: nothing happens, no refusal.
    assert ok(model.assign_deposits())["assigned"] == 0
    assert ok(model.deposit(DEPOSITOR, 100 * ETH))["assigned"] == 1
    assert model.queue == queued[1:]
    ok(model.set_setting("deposit.assign.enabled", False))
    refused(model.assign_deposits(), "deposit pool: deposit assignments are disabled")


def test_socialised_assignment_can_use_queued_nodes_eth_and_the_report_stays_right():
    # Three 16 ETH minipools put 45 ETH of node ETH in the pool: the first is
    # assigned with other nodes' bond ETH, so users owe nodes 16 ETH for now.
    model, beacon = new_model({"deposit.fee": 0})
    node_with_rpl(model, 2_000 * RPL)
    first = create(model, beacon, bond=16 * ETH, index=1)
    create(model, beacon, bond=16 * ETH, index=2)
    assert model.minipools[first].status == INITIALISED
    create(model, beacon, bond=16 * ETH, index=3)
    assert model.minipools[first].status == PRELAUNCH
    assert model.user_balance() == 45 * ETH - 31 * ETH - 30 * ETH == -16 * ETH
    # users: -16 in the pool + 16 of capital in the first minipool (1 + 31 ETH)
    assert model.truthful_report() == (0, 0, 0)


# ---------------------------------------------------------------- node deposits
def test_node_deposit_refusals_in_the_contracts_order():
    model, beacon = new_model()
    pubkey = b"\x07" * 48
    address = addr(0x1007)

    def attempt(**kw):
        args = {"node": NODE, "bond_wei": 8 * ETH, "address": address, "pubkey": pubkey}
        args.update(kw)
        return lambda: model.create_minipool(**args)

    refused_unchanged(model, attempt(), "node deposit: node not registered")
    ok(model.register_node(NODE))
    ok(model.set_setting("node.deposit.enabled", False))
    refused_unchanged(model, attempt(), "node deposit: node deposits are disabled")
    ok(model.set_setting("node.deposit.enabled", True))
    refused_unchanged(model, attempt(bond_wei=4 * ETH), "node deposit: invalid bond amount")
    refused_unchanged(
        model, attempt(value=7 * ETH), "node deposit: value does not match bond amount"
    )
    refused_unchanged(
        model,
        attempt(minimum_node_fee=FEE + 1),
        "node deposit: minimum node fee exceeds network node fee",
    )
    # 24 ETH matched needs RPL worth 2.4 ETH: 240 RPL at 0.01 ETH.
    model.fund_rpl(NODE, 240 * RPL)
    ok(model.stake_rpl(NODE, 239 * RPL))
    refused_unchanged(model, attempt(), "node deposit: insufficient RPL stake")
    ok(model.stake_rpl(NODE, RPL))
    assert model.eth_matched_limit(NODE) == 24 * ETH
    refused_unchanged(
        model, attempt(pubkey=b"\x07" * 47), "minipool manager: invalid validator pubkey"
    )
    values = ok(attempt()())
    assert values == {
        "pre_deposit": ETH,
        "node_balance": 7 * ETH,
        "credit_used": 0,
        "assigned": 0,
    }
    node = model.nodes[NODE]
    assert (node.eth_matched, node.eth_provided, node.active_count) == (24 * ETH, 8 * ETH, 1)
    model.fund_rpl(NODE, 1_000 * RPL)
    ok(model.stake_rpl(NODE, 1_000 * RPL))
    refused_unchanged(model, attempt(), "node deposit: minipool address already used")
    refused_unchanged(
        model,
        attempt(address=addr(0x1008)),
        "minipool manager: validator pubkey already in use",
    )
    refused(
        model.create_minipool(NODE, 8 * ETH, addr(0x1009), b"\x09" * 48, credit=True),
        "node deposit: insufficient deposit credit",
    )
    refused(
        model.create_minipool(
            NODE, 8 * ETH, addr(0x1009), b"\x09" * 48, credit=True, value=9 * ETH
        ),
        "node deposit: value exceeds bond amount",
    )


def test_stake_rpl_and_withdraw_rpl_rules():
    model, beacon = new_model()
    refused(model.stake_rpl(NODE, RPL), "node staking: caller is not a registered node")
    ok(model.register_node(NODE))
    refused(model.register_node(NODE), "node manager: node already registered")
    refused(model.stake_rpl(NODE, 0), "node staking: amount must be positive")
    refused(model.stake_rpl(NODE, RPL), "erc20: transfer amount exceeds balance")
    model.fund_rpl(NODE, 2_000 * RPL)
    ok(model.stake_rpl(NODE, 2_000 * RPL, now=100))
    create(model, beacon, now=100)
    # 150% of 8 ETH bonded at 0.01 ETH per RPL: 1200 RPL must stay.
    assert model.maximum_rpl_stake(NODE) == 1_200 * RPL
    cooldown = 28 * DAY
    refused(
        model.withdraw_rpl(NODE, RPL, now=100 + cooldown - 1),
        "node staking: withdrawal cooldown has not passed",
    )
    refused(
        model.withdraw_rpl(NODE, 800 * RPL + 1, now=100 + cooldown),
        "node staking: remaining stake would be below the maximum",
    )
    refused(model.withdraw_rpl(NODE, 2_001 * RPL), "node staking: amount exceeds the node's stake")
    ok(model.withdraw_rpl(NODE, 800 * RPL))
    assert model.nodes[NODE].rpl_stake == 1_200 * RPL
    assert model.rpl_balances[NODE] == 800 * RPL


# ---------------------------------------------------------------- a minipool's life
def test_a_minipool_life_create_assign_stake_skim_exit_finalise_refund():
    model, beacon = new_model()
    node_with_rpl(model)
    mp_address = create(model, beacon, now=0)
    mp = model.minipools[mp_address]
    assert (mp.status, mp.bond, mp.fee) == (INITIALISED, 8 * ETH, FEE)
    assert model.queue == [mp_address]
    assert (model.pool_balance, model.pool_node_balance) == (7 * ETH, 7 * ETH)
    # Queued: 1 ETH on the beacon chain, none of it the users'.
    assert model.truthful_report() == (0, 0, 0)

    # A 24 ETH deposit: 7 + 24 = 31 ETH in the pool, assigned at once.
    deposit = ok(model.deposit(DEPOSITOR, 24 * ETH, now=10))
    fee = 24 * ETH * 5 // 10_000
    assert deposit == {"minted": 24 * ETH - fee, "fee": fee, "assigned": 1}
    assert (mp.status, mp.status_time, mp.user_capital, mp.eth) == (
        PRELAUNCH,
        10,
        24 * ETH,
        31 * ETH,
    )
    assert (model.pool_balance, model.pool_node_balance) == (0, 0)
    # Prelaunch: 1 ETH on the beacon chain + 31 ETH here = 32 ETH, of which U = 24.
    assert model.truthful_report() == (24 * ETH, 0, 24 * ETH - fee)

    refused(model.stake(mp_address, 10 + SCRUB), "minipool: scrub period has not ended")
    refused(
        model.stake(mp_address, 10 + SCRUB + 1, caller=STRANGER),
        "minipool: caller is not the minipool owner",
    )
    stake(model, beacon, mp_address, 10 + SCRUB + 1)
    assert (mp.status, mp.eth, model.beacon_deposits) == (STAKING, 0, 32 * ETH)
    assert model.truthful_report() == (24 * ETH, 24 * ETH, 24 * ETH - fee)
    refused(model.stake(mp_address, 10 + SCRUB + 2), "minipool: can only stake while in prelaunch")

    # 0.4 ETH of rewards, swept to the minipool as a skim.
    v = validator(model, beacon, mp_address)
    beacon.reward(v, 4 * ETH // 10)
    beacon.sweep()
    assert mp.eth == 4 * ETH // 10
    skim_node = rewards_node(4 * ETH // 10, 24 * ETH, 8 * ETH)
    assert skim_node == 142 * 10**15  # 0.1 + 0.3 * 14%
    total, staking, _ = model.truthful_report()
    assert total == staking == 24 * ETH + 4 * ETH // 10 - skim_node

    # Anyone may distribute a skim; the node's share waits as its refund.
    values = ok(model.distribute(mp_address, STRANGER, True, 100_000))
    assert (values["node"], values["user"], values["slash"]) == (
        skim_node,
        4 * ETH // 10 - skim_node,
        0,
    )
    assert (mp.refund, mp.eth, model.reth_eth) == (skim_node, skim_node, 4 * ETH // 10 - skim_node)
    refused(model.refund(mp_address, STRANGER), "minipool: caller is not the minipool owner")
    assert ok(model.refund(mp_address, NODE))["refunded"] == skim_node
    assert model.eth_out[NODE] == skim_node
    refused(model.refund(mp_address, NODE), "minipool: no refund balance")

    # 1 ETH more of rewards, then the exit: 33 ETH arrive.
    beacon.reward(v, ETH)
    exit_validator(model, beacon, mp_address)
    assert mp.eth == 33 * ETH
    refused(model.distribute(mp_address, NODE, True, 200_000), "minipool: balance exceeds 8 ETH")
    refused(
        model.distribute(mp_address, STRANGER, False, 200_000),
        "minipool: only the owner can distribute right now",
    )
    exit_node = 8 * ETH + rewards_node(ETH, 24 * ETH, 8 * ETH)
    exit_user = 33 * ETH - exit_node
    reth_before = model.reth_eth
    values = ok(model.distribute(mp_address, NODE, False, 200_000))
    assert values["node"] == values["refunded"] == exit_node
    assert values["user"] == exit_user
    assert values["finalised"] == 1
    # rETH keeps 10% of the rETH value as collateral; the rest goes back to the pool.
    keep = (24 * ETH - fee) * 10**17 // ETH
    assert values["recycled"] == reth_before + exit_user - keep
    assert model.reth_eth == keep
    assert model.pool_balance == reth_before + exit_user - keep
    assert (mp.finalised, mp.eth, mp.refund) == (True, 0, 0)
    node = model.nodes[NODE]
    assert (node.eth_matched, node.eth_provided, node.finalised_count, node.staking_count) == (
        0,
        0,
        1,
        0,
    )
    # The node got its bond and its rewards: 8 ETH in, 8 ETH + both splits out.
    assert model.earned(NODE) == skim_node + exit_node - 8 * ETH
    # Users hold 24 ETH of capital plus their rewards; nothing is left in the minipool.
    total, staking, supply = model.truthful_report()
    assert total == 24 * ETH + (4 * ETH // 10 - skim_node) + (ETH - (exit_node - 8 * ETH))
    assert staking == 0
    # A later gift is split as rewards, even above 8 ETH, since the capital is gone.
    model.credit(mp_address, 9 * ETH)
    assert ok(model.distribute(mp_address, STRANGER, True, 300_000))["node"] == rewards_node(
        9 * ETH, 24 * ETH, 8 * ETH
    )


def test_a_loss_within_the_bond_falls_on_the_node():
    model, beacon = new_model()
    mp_address = staked_minipool(model, beacon)
    v = validator(model, beacon, mp_address)
    beacon.penalise(v, 5 * ETH)  # 27 ETH left: 5 of the node's 8 are gone
    assert model.pending_user_share(mp_address) == 24 * ETH
    exit_validator(model, beacon, mp_address)
    values = ok(model.distribute(mp_address, NODE, False, DAY))
    assert (values["node"], values["user"], values["slash"]) == (3 * ETH, 24 * ETH, 0)
    assert "rpl_slashed" not in values
    assert model.user_losses() == {}
    assert model.uncovered_losses() == 0


def test_a_loss_past_the_bond_records_a_slash_and_slashes_rpl_at_the_price():
    model, beacon = new_model()
    mp_address = staked_minipool(model, beacon)  # the node staked 1000 RPL
    beacon.penalise(validator(model, beacon, mp_address), 12 * ETH)  # 20 ETH left
    assert model.user_losses() == {mp_address: 4 * ETH}
    exit_validator(model, beacon, mp_address)
    values = ok(model.distribute(mp_address, NODE, False, DAY))
    assert (values["node"], values["user"], values["slash"]) == (0, 20 * ETH, 4 * ETH)
    # 4 ETH at 0.01 ETH per RPL: 400 RPL to the auction manager.
    assert values["rpl_slashed"] == 400 * RPL
    assert model.nodes[NODE].rpl_stake == 600 * RPL
    assert model.auction_rpl == 400 * RPL
    assert model.minipools[mp_address].slash == 0
    assert model.uncovered_losses() == 4 * ETH

    # The auction sells it: a bid of 4 ETH at the start price buys the lot.
    assert ok(model.create_lot(1_000)) == {"lot": 0, "rpl": 400 * RPL}
    refused(model.claim_bid(0, STRANGER, 1_000), "auction: lot has not cleared yet")
    pool_before = model.pool_balance
    assert ok(model.place_bid(0, STRANGER, 5 * ETH, 1_000))["bid"] == 4 * ETH
    assert model.pool_balance == pool_before + 4 * ETH
    assert model.uncovered_losses() == 0
    refused(model.place_bid(0, STRANGER, ETH, 1_001), "auction: lot has cleared")
    assert ok(model.claim_bid(0, STRANGER, 1_001)) == {"rpl": 400 * RPL, "bid": 4 * ETH}
    refused(model.claim_bid(0, STRANGER, 1_001), "auction: no bid to claim")


def test_a_loss_past_the_bond_and_the_rpl_is_capped_by_the_stake_and_stays_uncovered():
    model, beacon = new_model()
    ok(model.register_node(NODE))
    model.fund_rpl(NODE, 240 * RPL)  # just enough to be matched 24 ETH
    ok(model.stake_rpl(NODE, 240 * RPL))
    mp_address = create(model, beacon)
    ok(model.deposit(DEPOSITOR, 24 * ETH))
    stake(model, beacon, mp_address, SCRUB + 1)
    beacon.penalise(validator(model, beacon, mp_address), 12 * ETH)
    exit_validator(model, beacon, mp_address)
    values = ok(model.distribute(mp_address, NODE, False, DAY))
    assert values["slash"] == 4 * ETH
    assert values["rpl_slashed"] == 240 * RPL  # 400 RPL owed, 240 staked
    assert model.nodes[NODE].rpl_stake == 0
    # 240 RPL is worth 2.4 ETH: over the 1 ETH minimum lot value.
    ok(model.create_lot(500))
    # Nobody bids until the end: the price falls to the 50% reserve.
    lot = model.lots[0]
    assert lot.price_at(500 + 50_400) == 5 * 10**15
    assert lot.price_at(500 + 25_200) == 10**16 - 5 * 10**15 // 4  # quarter of the drop
    ok(model.place_bid(0, STRANGER, 10 * ETH, 500 + 50_399))
    bid = model.lots[0].total_bid
    assert model.uncovered_losses() == 4 * ETH - bid
    assert model.uncovered_losses() > 4 * ETH - 24 * 10**17


def test_a_validator_below_8_eth_is_split_as_a_skim_and_users_lose_past_the_bond():
    model, beacon = new_model()
    mp_address = staked_minipool(model, beacon)
    beacon.penalise(validator(model, beacon, mp_address), 27 * ETH)  # 5 ETH left
    exit_validator(model, beacon, mp_address)
    # docs/protocol.md's known weakness: treated as rewards, anyone may distribute.
    values = ok(model.distribute(mp_address, STRANGER, True, DAY))
    node_part = rewards_node(5 * ETH, 24 * ETH, 8 * ETH)
    assert (values["node"], values["user"], values["slash"]) == (node_part, 5 * ETH - node_part, 0)
    assert model.user_losses() == {mp_address: 24 * ETH - (5 * ETH - node_part)}


# ---------------------------------------------------------------- user distribution
def test_user_distribute_window_edges_and_finalisation_by_the_owner():
    model, beacon = new_model()
    mp_address = staked_minipool(model, beacon)
    refused(model.begin_user_distribute(mp_address, STRANGER, DAY), "minipool: balance too low")
    exit_validator(model, beacon, mp_address)
    start, length = 90 * DAY, 2 * DAY
    t0 = 10 * DAY
    ok(model.begin_user_distribute(mp_address, STRANGER, t0))
    refused(
        model.distribute(mp_address, STRANGER, False, t0 + start - 1),
        "minipool: only the owner can distribute right now",
    )
    refused(
        model.begin_user_distribute(mp_address, STRANGER, t0 + start + length - 1),
        "minipool: user distribution already pending",
    )
    # The window is [t0 + 90 d, t0 + 92 d): its last second is the last chance.
    assert model.user_distribute_allowed(mp_address, t0 + start + length - 1)
    assert not model.user_distribute_allowed(mp_address, t0 + start + length)
    refused(
        model.distribute(mp_address, STRANGER, False, t0 + start + length),
        "minipool: only the owner can distribute right now",
    )
    # Once the window has passed, anyone may restart the timer.
    t1 = t0 + start + length
    ok(model.begin_user_distribute(mp_address, STRANGER, t1))
    values = ok(model.distribute(mp_address, STRANGER, False, t1 + start))
    assert (values["node"], values["user"]) == (8 * ETH, 24 * ETH)
    assert "finalised" not in values
    mp = model.minipools[mp_address]
    assert (mp.user_distributed, mp.finalised, mp.refund) == (True, False, 8 * ETH)
    refused(
        model.begin_user_distribute(mp_address, STRANGER, t1 + start),
        "minipool: balance already distributed",
    )
    refused(model.finalise(mp_address, STRANGER), "minipool: caller is not the minipool owner")
    # The node's refund finalises first: counters settle before it is paid.
    values = ok(model.refund(mp_address, NODE))
    assert (values["finalised"], values["refunded"]) == (1, 8 * ETH)
    assert model.nodes[NODE].finalised_count == 1
    refused(model.finalise(mp_address, NODE), "minipool: already finalised")


def test_finalise_without_a_refund_after_a_user_distribution():
    model, beacon = new_model()
    mp_address = staked_minipool(model, beacon)
    beacon.penalise(validator(model, beacon, mp_address), 12 * ETH)
    exit_validator(model, beacon, mp_address)
    refused(
        model.finalise(mp_address, NODE), "minipool: can only finalise after a user distribution"
    )
    ok(model.begin_user_distribute(mp_address, STRANGER, DAY))
    values = ok(model.distribute(mp_address, STRANGER, False, DAY + 90 * DAY))
    assert (values["node"], values["user"], values["slash"]) == (0, 20 * ETH, 4 * ETH)
    assert "rpl_slashed" not in values  # slashing waits for finalisation
    refused(model.refund(mp_address, NODE), "minipool: no refund balance")
    assert ok(model.finalise(mp_address, NODE))["rpl_slashed"] == 400 * RPL


# ---------------------------------------------------------------- dissolve, scrub, close
def test_dissolve_after_the_launch_timeout_then_close():
    model, beacon = new_model({"deposit.fee": 0})
    node_with_rpl(model)
    mp_address = create(model, beacon)
    ok(model.deposit(DEPOSITOR, 24 * ETH, now=100))
    refused(
        model.dissolve(mp_address, 100 + 72 * HOUR - 1), "minipool: launch timeout has not passed"
    )
    refused(model.close(mp_address), "minipool: can only close while dissolved")
    values = ok(model.dissolve(mp_address, 100 + 72 * HOUR))
    assert values == {"recycled": 24 * ETH}
    mp = model.minipools[mp_address]
    assert (mp.status, mp.user_capital, mp.eth) == (DISSOLVED, 0, 7 * ETH)
    assert model.pool_balance == 24 * ETH
    # The users are whole; the node's 1 ETH pre-deposit is stuck on the beacon chain.
    assert model.truthful_report() == (24 * ETH, 0, 24 * ETH)
    assert model.solvency_gap() == 0
    refused(model.close(mp_address, STRANGER), "minipool: caller is not the minipool owner")
    assert ok(model.close(mp_address)) == {"paid": 7 * ETH}
    assert model.earned(NODE) == -ETH
    refused(model.close(mp_address), "minipool: already closed")
    assert model.nodes[NODE].eth_matched == 0
    refused(
        model.create_minipool(NODE, 8 * ETH, mp_address, b"\x55" * 48),
        "node deposit: minipool address already used",
    )


def test_the_odao_scrubs_with_51_percent_of_members_and_the_penalty_goes_to_the_pool():
    model, beacon = new_model({"minipool.scrub.penalty.enabled": True})
    node_with_rpl(model)
    mp_address = create(model, beacon)
    ok(model.deposit(DEPOSITOR, 24 * ETH, now=100))
    refused(model.vote_scrub(STRANGER, mp_address, 100), "minipool: caller is not an oDAO member")
    assert ok(model.vote_scrub(MEMBERS[0], mp_address, 100))["scrubbed"] == 0
    refused(
        model.vote_scrub(MEMBERS[0], mp_address, 101), "minipool: member has already voted to scrub"
    )
    # A removed member's vote stops counting: two fresh votes are needed again.
    ok(model.remove_member(MEMBERS[0]))
    assert ok(model.vote_scrub(MEMBERS[1], mp_address, 102))["scrubbed"] == 0  # 1 of 2 = 50%
    values = ok(model.vote_scrub(MEMBERS[2], mp_address, 103))
    # v1.3.1: the users' 24 ETH and 2.4 ETH of the bond go to the pool; no RPL is slashed.
    assert (values["scrubbed"], values["recycled"]) == (1, 24 * ETH + 24 * 10**17)
    assert "rpl_slashed" not in values
    mp = model.minipools[mp_address]
    # 31 ETH arrived, 26.4 ETH left: the node keeps 4.6 ETH of its 7 ETH here.
    assert (mp.status, mp.eth) == (DISSOLVED, 46 * 10**17)
    assert model.nodes[NODE].rpl_slashed == 0
    assert ok(model.close(mp_address)) == {"paid": 46 * 10**17}


def test_the_scrub_penalty_is_capped_at_the_bond_left_in_the_minipool():
    model, beacon = new_model(
        {"minipool.scrub.penalty.enabled": True, "minipool.scrub.penalty": 8 * ETH}
    )
    node_with_rpl(model)
    mp_address = create(model, beacon)
    ok(model.deposit(DEPOSITOR, 24 * ETH, now=100))
    ok(model.vote_scrub(MEMBERS[0], mp_address, 100))
    values = ok(model.vote_scrub(MEMBERS[1], mp_address, 100))
    # An 8 ETH bond leaves 7 ETH here (1 ETH is on the beacon chain): all of it goes.
    assert (values["scrubbed"], values["recycled"]) == (1, 31 * ETH)
    assert model.minipools[mp_address].eth == 0
    assert model.solvency_gap() <= 0


def test_scrub_period_ends_and_the_minipool_can_stake():
    model, beacon = new_model()
    node_with_rpl(model)
    mp_address = create(model, beacon)
    ok(model.deposit(DEPOSITOR, 24 * ETH, now=100))
    refused(
        model.vote_scrub(MEMBERS[0], mp_address, 100 + SCRUB + 1),
        "minipool: scrub period has ended",
    )


# ---------------------------------------------------------------- the oracle
def test_balance_report_consensus_rules():
    model, _ = new_model()
    refused(
        model.report_balances(5, ETH, 2 * ETH, ETH, MEMBERS[0]),
        "network balances: staking balance exceeds total balance",
    )
    refused(
        model.report_balances(5, ETH, 0, ETH, MEMBERS[0], current_block=5),
        "network balances: block is in the future",
    )
    refused(
        model.report_balances(5, ETH, 0, ETH, STRANGER),
        "network balances: caller is not an oDAO member",
    )
    ok(model.report_balances(5, ETH, 0, ETH, MEMBERS[0]))
    refused(
        model.report_balances(5, ETH, 0, ETH, MEMBERS[0]),
        "network balances: duplicate submission from member",
    )
    refused(
        model.report_balances(5, 2 * ETH, 0, ETH, MEMBERS[0]),
        "network balances: member already voted for this block",
    )
    # The first voter leaves: its vote no longer counts, the next one alone is 1 of 2.
    ok(model.remove_member(MEMBERS[0]))
    assert ok(model.report_balances(5, ETH, 0, ETH, MEMBERS[1]))["accepted"] == 0
    refused(
        model.execute_update_balances(5, ETH, 0, ETH),
        "network balances: consensus has not been reached",
    )
    # Re-admitted, it may vote again under its new membership.
    ok(model.add_member(MEMBERS[0]))
    assert ok(model.report_balances(5, ETH, 0, ETH, MEMBERS[0]))["accepted"] == 1
    assert (model.report.block, model.report.total_eth) == (5, ETH)
    refused(
        model.report_balances(5, ETH, 0, ETH, MEMBERS[2]),
        "network balances: block is not after the last accepted report",
    )


def test_price_reports_and_execute_after_a_member_leaves():
    model, _ = new_model()
    refused(model.report_price(3, 0, MEMBERS[0]), "network prices: price must be positive")
    ok(model.report_price(3, 2 * 10**16, MEMBERS[0]))
    refused(
        model.execute_update_prices(3, 2 * 10**16),
        "network prices: consensus has not been reached",
    )
    # With one member left (the voter), its vote is 100%: anyone may execute.
    ok(model.remove_member(MEMBERS[1]))
    ok(model.remove_member(MEMBERS[2]))
    ok(model.execute_update_prices(3, 2 * 10**16))
    assert model.rpl_price == 2 * 10**16


def test_settings_bounds():
    model, _ = new_model()
    refused(model.set_setting("deposit.fee", 10**16), "settings: deposit fee must be below 1%")
    refused(model.set_setting("no.such.path", 1), "settings: unknown numeric setting")
    refused(model.set_setting("deposit.fee", True), "settings: unknown boolean setting")
    refused(
        model.set_setting("network.consensus.threshold", 50 * 10**16),
        "settings: consensus threshold must be between 51% and 100%",
    )
    refused(
        model.set_setting("minipool.scrub.period", 71 * HOUR + 1),
        "settings: scrub period must end 1 hour before launch timeout",
    )
    refused(
        model.set_setting("auction.price.reserve", ONE_ETH_RATIO + 1),
        "settings: reserve price above start price",
    )
    assert ok(model.set_setting("deposit.fee", 0)) == {"old": 5 * 10**14}


ONE_ETH_RATIO = 10**18


# ---------------------------------------------------------------- bond reduction and credit
def test_bond_reduction_window_edges_then_a_minipool_bonded_with_credit():
    model, beacon = new_model({"deposit.fee": 0})
    mp_address = staked_minipool(model, beacon, bond=16 * ETH)
    t = 10 * DAY
    refused(
        model.begin_reduce_bond(mp_address, STRANGER, t),
        "bond reducer: caller is not the minipool owner",
    )
    ok(model.begin_reduce_bond(mp_address, NODE, t))
    refused(
        model.reduce_bond(mp_address, NODE, t + 2 * DAY - 1),
        "bond reducer: outside the bond reduction window",
    )
    # Rewards skimmed before the reduction are split at the old ratio (16/16).
    model.credit(mp_address, ETH)
    values = ok(model.reduce_bond(mp_address, NODE, t + 4 * DAY))  # the window's last second
    assert values["node"] == rewards_node(ETH, 16 * ETH, 16 * ETH)
    assert values["credit"] == 8 * ETH
    mp = model.minipools[mp_address]
    assert (mp.bond, mp.user_capital) == (8 * ETH, 24 * ETH)
    node = model.nodes[NODE]
    assert (node.eth_matched, node.eth_provided, node.deposit_credit) == (
        24 * ETH,
        8 * ETH,
        8 * ETH,
    )
    assert model.outstanding_credit() == 8 * ETH
    refused(
        model.reduce_bond(mp_address, NODE, t + 4 * DAY),
        "bond reducer: outside the bond reduction window",
    )
    # The credit bonds a new minipool: no ETH sent, 8 ETH of pool ETH used.
    ok(model.deposit(DEPOSITOR, 10 * ETH))
    pool = model.pool_balance
    values = ok(model.create_minipool(NODE, 8 * ETH, addr(0x2001), b"\x21" * 48, credit=True))
    assert values["credit_used"] == 8 * ETH
    assert model.pool_balance == pool - ETH  # the pool lent the 1 ETH pre-deposit
    assert model.pool_node_balance == 7 * ETH
    assert model.nodes[NODE].deposit_credit == model.outstanding_credit() == 0


def test_actions_show_that_they_return_an_expect():
    assert inspect.signature(Model.deposit).return_annotation == "Expect"
    assert "deposit pool" in (Model.deposit.__doc__ or "")


def test_the_odao_cancels_a_bond_reduction_for_good():
    model, beacon = new_model()
    mp_address = staked_minipool(model, beacon, bond=16 * ETH)
    ok(model.begin_reduce_bond(mp_address, NODE, DAY))
    assert ok(model.vote_cancel_reduction(MEMBERS[0], mp_address))["cancelled"] == 0
    refused(
        model.vote_cancel_reduction(MEMBERS[0], mp_address),
        "bond reducer: member has already voted to cancel",
    )
    assert ok(model.vote_cancel_reduction(MEMBERS[1], mp_address))["cancelled"] == 1
    refused(
        model.reduce_bond(mp_address, NODE, 3 * DAY), "bond reducer: bond reduction was cancelled"
    )


# ---------------------------------------------------------------- the oracle's truth
def test_truthful_report_equals_hand_computed_values_with_a_driven_beacon_chain():
    model, beacon = new_model({"deposit.fee": 0})
    node_with_rpl(model, 3_000 * RPL)
    staking_mp = create(model, beacon, index=1)
    ok(model.deposit(DEPOSITOR, 24 * ETH))  # assigns the first
    stake(model, beacon, staking_mp, SCRUB + 1)
    prelaunch_mp = create(model, beacon, bond=16 * ETH, index=2, now=SCRUB + 2)
    ok(model.deposit(DEPOSITOR, 16 * ETH))  # 15 + 16 = 31: assigns the second
    assert model.minipools[prelaunch_mp].status == PRELAUNCH
    ok(model.set_setting("deposit.assign.enabled", False))
    create(model, beacon, index=3)  # queued: 7 ETH node balance
    ok(model.deposit(OTHER_DEPOSITOR, 5 * ETH))  # users' ETH in the pool
    model.reth_address = addr(0xEE)
    model.credit(addr(0xEE), ETH // 2)  # a gift to rETH counts for holders
    # The staking validator earned 0.6 ETH; 0.2 ETH of an earlier skim sits in the minipool.
    beacon.reward(validator(model, beacon, staking_mp), 6 * ETH // 10)
    model.credit(staking_mp, ETH // 5)
    rewards = 8 * ETH // 10
    staking_users = 24 * ETH + rewards - rewards_node(rewards, 24 * ETH, 8 * ETH)
    expected_total = (
        5 * ETH  # pool: 12 ETH, of which 7 is the queued node's
        + ETH // 2  # rETH contract
        + staking_users  # the staking minipool: 32.8 ETH, users' share
        + 16 * ETH  # the prelaunch 16 ETH minipool: U = 16
        + 0  # the queued minipool: its 1 ETH is the node's
    )
    assert model.user_balance() == 5 * ETH
    assert model.truthful_report() == (expected_total, staking_users, 45 * ETH)
    # Reported honestly, the rate is what holders really have, rounded down.
    report(model, expected_total, 45 * ETH, staking=staking_users)
    assert model.rate() == expected_total * ETH // (45 * ETH)
    # Holders are owed what exists, less the rate's rounding: under 1 wei per rETH.
    assert -46 <= model.solvency_gap() <= 0


def test_solvency_gap_is_zero_after_honest_flows():
    model, beacon = new_model({"deposit.fee": 0})
    ok(model.deposit(OTHER_DEPOSITOR, 3 * ETH))
    assert model.solvency_gap() == 0
    mp_address = staked_minipool(model, beacon)
    assert model.solvency_gap() == 0
    beacon.reward(validator(model, beacon, mp_address), ETH // 2)
    beacon.sweep()
    ok(model.distribute(mp_address, STRANGER, True, DAY))
    # Rewards make holders better off than the stale rate says: a surplus.
    assert model.solvency_gap() < 0
    total, staking, supply = model.truthful_report()
    report(model, total, supply, staking)
    # At the honest rate, holders are owed exactly what exists, less rounding dust.
    assert -(supply // ETH + 1) <= model.solvency_gap() <= 0
    exit_validator(model, beacon, mp_address)
    ok(model.distribute(mp_address, NODE, False, 2 * DAY))
    assert -(supply // ETH + 1) <= model.solvency_gap() <= 0
    balance = model.reth_balances[DEPOSITOR]
    owed = model.owed(DEPOSITOR)  # balance * rate: the rate is rounded down first
    paid = ok(model.burn(DEPOSITOR, balance))["eth"]  # balance * total / supply
    assert paid == balance * total // supply
    assert 0 <= paid - owed <= balance // ETH + 1
    assert -(supply // ETH + 1) <= model.solvency_gap() <= 0


def test_node_split_and_owed_queries():
    model, beacon = new_model({"deposit.fee": 0})
    mp_address = staked_minipool(model, beacon)
    assert model.node_split(mp_address, ETH) == {
        "node": rewards_node(ETH, 24 * ETH, 8 * ETH),
        "user": ETH - rewards_node(ETH, 24 * ETH, 8 * ETH),
        "slash": 0,
    }
    assert model.node_split(mp_address, 20 * ETH) == {"node": 0, "user": 20 * ETH, "slash": 4 * ETH}
    assert model.owed(DEPOSITOR) == 24 * ETH


@pytest.mark.parametrize("members", [[], [addr(1)]])
def test_consensus_needs_members(members):
    model, _ = new_model(members=members)
    expect = model.report_balances(1, ETH, 0, ETH, addr(1))
    if members:
        assert expect.values["accepted"] == 1
    else:
        refused(expect, "network balances: caller is not an oDAO member")


def test_a_bond_reduction_moves_no_value_to_users():
    # A bond reduction raises the minipool's user capital by 8 ETH with no
    # ETH moving; the pool records the 8 ETH credit as node balance, so the
    # truthful total stays 36 ETH through the reduction and the spending of
    # the credit. (Found by this model: the pool used to count the credit
    # for users too, a 22% rate rise with nothing behind it.)
    model, beacon = new_model({"deposit.fee": 0})
    mp_address = staked_minipool(model, beacon, bond=16 * ETH)
    ok(model.deposit(OTHER_DEPOSITOR, 20 * ETH))
    assert model.truthful_report() == (36 * ETH, 16 * ETH, 36 * ETH)
    ok(model.begin_reduce_bond(mp_address, NODE, DAY))
    ok(model.reduce_bond(mp_address, NODE, 3 * DAY))
    assert model.outstanding_credit() == 8 * ETH
    assert model.truthful_report() == (36 * ETH, 24 * ETH, 36 * ETH)
    ok(model.create_minipool(NODE, 8 * ETH, addr(0x3001), b"\x31" * 48, credit=True))
    assert model.outstanding_credit() == 0
    assert model.truthful_report() == (36 * ETH, 24 * ETH, 36 * ETH)


# ---------------------------------------------------------------- long-campaign findings
def test_a_non_member_is_refused_as_such_before_disabled_submissions():
    # The reference's onlyTrustedNode modifier runs before the body's checks,
    # so a stranger learns it is not a member even while submissions are off.
    model, _ = new_model()
    ok(model.set_setting("network.submit.balances.enabled", False))
    refused_unchanged(
        model,
        lambda: model.report_balances(5, ETH, 0, ETH, STRANGER),
        "network balances: caller is not an oDAO member",
    )
    refused(
        model.report_balances(5, ETH, 0, ETH, MEMBERS[0]),
        "network balances: submissions are disabled",
    )


def test_a_report_keeps_the_marks_of_the_moment_it_was_voted_for():
    # The first vote fixes what the report describes; ETH that reaches a
    # minipool before a late execution is the next report's, not this one's.
    model, beacon = new_model({"deposit.fee": 0})
    mp_address = staked_minipool(model, beacon)
    validator(model, beacon, mp_address).balance -= 13 * ETH_GWEI  # 19 ETH: users lose 5
    voted = ReportMarks.of(model)
    supply = model.reth_supply
    assert voted == ReportMarks(
        uncovered=5 * ETH, world_gain=-5 * ETH, supply=supply, paid_in=24 * ETH
    )
    total, staking, supply = model.truthful_report()
    ok(model.report_balances(7, total, staking, supply, MEMBERS[0]))
    ok(model.set_setting("network.consensus.threshold", ETH))
    ok(model.report_balances(7, total, staking, supply, MEMBERS[1]))
    model.credit(mp_address, ETH // 4)  # a gift after the votes
    assert ReportMarks.of(model).world_gain == -5 * ETH + ETH // 4
    ok(model.set_setting("network.consensus.threshold", 2 * ETH // 3))
    ok(model.execute_update_balances(7, total, staking, supply))
    assert model.report.marks == voted
    # Since the report's moment, holders gained the gift: nothing more to lose.
    assert model.report.marks.lost_since(model) == 0


def test_a_reduction_the_odao_did_not_cancel_books_the_users_loss_exactly():
    model, beacon = new_model({"deposit.fee": 0})
    mp_address = staked_minipool(model, beacon, bond=16 * ETH)
    ok(model.deposit(OTHER_DEPOSITOR, 20 * ETH))
    ok(model.begin_reduce_bond(mp_address, NODE, DAY))
    validator(model, beacon, mp_address).balance = 19 * ETH_GWEI  # 13 ETH lost, within 16
    held = model.held_for_users()
    ok(model.reduce_bond(mp_address, NODE, 3 * DAY))
    # 24 ETH of users' capital over a 19 ETH validator: the 8 ETH credit left the
    # pool's user side and the minipool's users' share grew by only 3.
    assert model.unpoliced_losses == 5 * ETH
    assert held - model.held_for_users() == 5 * ETH
    assert model.uncovered_losses() == 5 * ETH


def test_a_healthy_reduction_books_no_loss():
    model, beacon = new_model({"deposit.fee": 0})
    mp_address = staked_minipool(model, beacon, bond=16 * ETH)
    ok(model.deposit(OTHER_DEPOSITOR, 20 * ETH))
    ok(model.begin_reduce_bond(mp_address, NODE, DAY))
    validator(model, beacon, mp_address).balance = 25 * ETH_GWEI  # below 32, above 24
    ok(model.reduce_bond(mp_address, NODE, 3 * DAY))
    # The oDAO should have cancelled it, but the 8 ETH bond left still covers the loss.
    assert model.unpoliced_losses == 0
    assert model.uncovered_losses() == 0


def test_marks_carry_the_deficit_below_zero_that_a_report_cannot_pass_on():
    model, beacon = new_model({"deposit.fee": 0})
    mp_address = staked_minipool(model, beacon, bond=16 * ETH)
    ok(model.begin_reduce_bond(mp_address, NODE, DAY))
    ok(model.reduce_bond(mp_address, NODE, 3 * DAY))
    # The pool's 8 ETH of credit is the node's; the validator then loses all but 10 ETH.
    validator(model, beacon, mp_address).balance = 10 * ETH_GWEI
    assert model.held_for_users() == -8 * ETH + 10 * ETH
    validator(model, beacon, mp_address).balance = 4 * ETH_GWEI
    marks = ReportMarks.of(model)
    assert model.truthful_report()[0] == 0
    assert marks.deficit == -model.held_for_users() > 0
    assert marks.lost_until(marks) == marks.deficit


# ---------------------------------------------------------------- the fee distributor's figures
def test_the_average_node_fee_follows_staking_and_bond_reduction():
    model, beacon = new_model({"deposit.fee": 0})
    assert model.average_node_fee(NODE) == 0
    mp_address = staked_minipool(model, beacon, bond=16 * ETH)
    assert model.staking_by_size(NODE) == {8 * ETH: (0, 0), 16 * ETH: (1, FEE)}
    assert model.average_node_fee(NODE) == FEE
    ok(model.begin_reduce_bond(mp_address, NODE, 10 * DAY))
    ok(model.reduce_bond(mp_address, NODE, 12 * DAY))
    assert model.staking_by_size(NODE) == {8 * ETH: (1, FEE), 16 * ETH: (0, 0)}
    assert model.average_node_fee(NODE) == FEE


def test_the_average_node_fee_weighs_each_bond_by_its_users_eth():
    # 16 ETH at 14% and 8 ETH at 10%: weights 16/40 and 24/40, so 11.6%.
    assert economics.average_node_fee({16 * ETH: (1, FEE), 8 * ETH: (1, 10**17)}) == 116 * 10**15
    # Integer rounding: three 8 ETH minipools whose fees sum to 1 wei average to 0.
    assert economics.average_node_fee({8 * ETH: (3, 1)}) == 0
    assert economics.average_node_fee({8 * ETH: (0, 0), 16 * ETH: (0, 0)}) == 0
    assert economics.collateral_ratio(0, 0) == 2 * ETH
    assert economics.collateral_ratio(24 * ETH, 1) == 4 * ETH
    assert economics.collateral_ratio(16 * ETH, 1) == 2 * ETH
    # 1 ETH at ratio 4 and 14%: 0.25 + 0.75 * 0.14 = 0.355 ETH.
    assert economics.distributor_node_share(ETH, FEE, 4 * ETH) == 355 * 10**15
