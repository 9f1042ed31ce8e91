"""The actions added so that every entry point a user may call has a legitimate caller:
a node's timezone, the two-step withdrawal address, rETH and RPL allowances, rETH's
excess collateral and the pool's maybe-assign. Each runs checked against the model.
"""

from __future__ import annotations

import pytest

from harness.fuzz.steps import StepContext, execute
from harness.model import norm
from harness.units import ETH
from invariants import InvariantViolation


@pytest.fixture
def ctx(p):
    return StepContext.create(p, check=True)


def _refused(ctx, rule: str, **args) -> str | None:
    expect = execute(ctx, rule, args)
    assert not expect.ok
    return expect.reason


# --------------------------------------------------------------------------- timezone
def test_a_node_changes_its_timezone_and_the_view_follows_the_model(ctx):
    p, node = ctx.p, ctx.who("node_operator_0")
    execute(ctx, "register_node", {"node": "node_operator_0"})
    assert p.node_manager.getNodeTimezoneLocation(node) == "Etc/UTC"
    assert execute(ctx, "set_timezone", {"node": "node_operator_0", "timezone": "Asia/Tokyo"}).ok
    assert p.node_manager.getNodeTimezoneLocation(node) == "Asia/Tokyo"
    assert ctx.cp.model.nodes[norm(node)].timezone == "Asia/Tokyo"
    execute(
        ctx,
        "read_view",
        {"view": "node_manager.getNodeTimezoneLocation", "node": "node_operator_0"},
    )
    # Three characters are one short of a timezone; the old one stays.
    reason = _refused(ctx, "set_timezone", node="node_operator_0", timezone="UTC")
    assert reason == "node manager: invalid timezone location"
    assert p.node_manager.getNodeTimezoneLocation(node) == "Asia/Tokyo"
    reason = _refused(ctx, "set_timezone", node="stranger", timezone="Asia/Tokyo")
    assert reason == "node manager: node not registered"


def test_a_timezone_the_contract_did_not_keep_is_a_view_violation(ctx):
    execute(ctx, "register_node", {"node": "node_operator_0"})
    # As if setTimezoneLocation had not stored it: the model has moved, the chain has not.
    ctx.cp.model.nodes[norm(ctx.who("node_operator_0"))].timezone = "Asia/Tokyo"
    with pytest.raises(InvariantViolation, match="getNodeTimezoneLocation"):
        execute(
            ctx,
            "read_view",
            {"view": "node_manager.getNodeTimezoneLocation", "node": "node_operator_0"},
        )


# --------------------------------------------------------------------------- withdrawal address
def test_the_two_step_withdrawal_address(ctx):
    p, node, to = ctx.p, ctx.who("node_operator_0"), ctx.who("depositor_1")
    execute(ctx, "register_node", {"node": "node_operator_0"})
    step = {"node": "node_operator_0", "to": "depositor_1", "confirm": False}
    assert execute(ctx, "set_withdrawal_address", step).ok
    assert p.node_manager.getNodePendingWithdrawalAddress(node) == to
    assert p.node_manager.getNodeWithdrawalAddress(node) == node
    # The wrong address cannot confirm; the pending one can, once.
    reason = _refused(ctx, "confirm_withdrawal_address", node="node_operator_0", by="stranger")
    assert reason == "node manager: caller is not the pending withdrawal address"
    confirm = {"node": "node_operator_0", "by": "depositor_1"}
    assert execute(ctx, "confirm_withdrawal_address", confirm).ok
    assert p.node_manager.getNodeWithdrawalAddress(node) == to
    assert ctx.cp.model.withdrawal_address(node) == norm(to)
    reason = _refused(ctx, "confirm_withdrawal_address", **confirm)
    assert reason == "node manager: caller is not the pending withdrawal address"
    # The new withdrawal address may now name the next one; the old node still may too.
    by_payee = {"node": "node_operator_0", "to": "depositor_2", "by": "depositor_1"}
    assert execute(ctx, "set_withdrawal_address", {**by_payee, "confirm": False}).ok
    reason = _refused(ctx, "confirm_withdrawal_address", node="node_operator_0", by="depositor_1")
    assert reason == "node manager: caller is not the pending withdrawal address"


def test_a_stranger_cannot_name_a_pending_withdrawal_address(ctx):
    execute(ctx, "register_node", {"node": "node_operator_0"})
    step = {"node": "node_operator_0", "to": "stranger", "by": "stranger", "confirm": False}
    reason = _refused(ctx, "set_withdrawal_address", **step)
    assert reason == "node manager: caller is not the node or its withdrawal address"
    assert ctx.p.node_manager.getNodePendingWithdrawalAddress(ctx.who("node_operator_0")) == (
        "0x0000000000000000000000000000000000000000"
    )


# --------------------------------------------------------------------------- token allowances
def test_reth_is_moved_within_an_allowance(ctx):
    p = ctx.p
    owner, spender = ctx.who("depositor_0"), ctx.who("depositor_2")
    execute(ctx, "deposit", {"who": "depositor_0", "amount": 10 * ETH})
    approve = {"who": "depositor_0", "spender": "depositor_2", "amount": 3 * ETH}
    assert execute(ctx, "approve_reth", approve).ok
    move = {"who": "depositor_2", "holder": "depositor_0", "to": "stranger", "amount": 2 * ETH}
    assert execute(ctx, "transfer_from_reth", move).ok
    assert p.reth.balanceOf(ctx.who("stranger")) == 2 * ETH
    assert p.reth.allowance(owner, spender) == ETH
    assert ctx.cp.model.allowances[("reth", norm(owner), norm(spender))] == ETH
    assert _refused(ctx, "transfer_from_reth", **move) == "erc20: insufficient allowance"
    # An unlimited allowance is not spent; the balance still bounds it.
    assert execute(ctx, "approve_reth", {**approve, "amount": 2**256 - 1}).ok
    assert execute(ctx, "transfer_from_reth", {**move, "amount": ETH}).ok
    assert p.reth.allowance(owner, spender) == 2**256 - 1
    reason = _refused(ctx, "transfer_from_reth", **{**move, "amount": 100 * ETH})
    assert reason == "erc20: transfer amount exceeds balance"


def test_rpl_is_transferred_and_moved_within_an_allowance(ctx):
    p = ctx.p
    holder, spender = ctx.who("depositor_0"), ctx.who("node_operator_1")
    give = {"who": "guardian", "to": "depositor_0", "amount": 100 * ETH}
    assert execute(ctx, "transfer_rpl", give).ok
    assert p.rpl.balanceOf(holder) == 100 * ETH
    too_much = {"who": "depositor_0", "to": "depositor_1", "amount": 100 * ETH + 1}
    assert _refused(ctx, "transfer_rpl", **too_much) == "erc20: transfer amount exceeds balance"
    approve = {"who": "depositor_0", "spender": "node_operator_1", "amount": 40 * ETH}
    assert execute(ctx, "approve_rpl", approve).ok
    move = {"who": "node_operator_1", "holder": "depositor_0", "to": "depositor_1"}
    assert execute(ctx, "transfer_from_rpl", {**move, "amount": 30 * ETH}).ok
    assert p.rpl.balanceOf(ctx.who("depositor_1")) == 30 * ETH
    assert p.rpl.allowance(holder, spender) == 10 * ETH
    reason = _refused(ctx, "transfer_from_rpl", **{**move, "amount": 10 * ETH + 1})
    assert reason == "erc20: insufficient allowance"
    assert ctx.cp.model.rpl_balances[norm(holder)] == 70 * ETH


# --------------------------------------------------------------------------- pool and rETH
def test_maybe_assign_does_nothing_where_assign_reverts(ctx):
    execute(ctx, "set_setting", {"path": "deposit.assign.enabled", "value": False})
    reason = _refused(ctx, "assign_deposits", who="stranger")
    assert reason == "deposit pool: deposit assignments are disabled"
    assert execute(ctx, "maybe_assign_deposits", {"who": "stranger"}).ok


def test_maybe_assign_assigns_a_waiting_minipool(ctx):
    for step in (
        ("register_node", {"node": "node_operator_0"}),
        ("stake_rpl", {"node": "node_operator_0", "amount": 3_000 * ETH}),
        ("set_setting", {"path": "deposit.assign.enabled", "value": False}),
        ("create_minipool", {"node": "node_operator_0", "bond": 8, "credit": False, "value": None}),
        ("deposit", {"who": "depositor_0", "amount": 40 * ETH}),
        ("set_setting", {"path": "deposit.assign.enabled", "value": True}),
    ):
        execute(ctx, *step)
    assert ctx.p.minipool_queue.getLength() == 1
    expect = execute(ctx, "maybe_assign_deposits", {"who": "stranger"})
    assert (expect.ok, expect.values["assigned"]) == (True, 1)
    assert ctx.p.minipool_queue.getLength() == 0


def test_anyone_sends_the_excess_collateral_to_the_pool(ctx):
    p = ctx.p
    execute(ctx, "deposit", {"who": "depositor_0", "amount": 10 * ETH})
    # ETH sent to rETH is collateral above a zero target: all of it goes to the pool.
    execute(ctx, "set_setting", {"path": "network.reth.collateral.target", "value": 0})
    p.chain.raw_call(str(p.reth.address), sender=ctx.who("depositor_1"), value=ETH)
    ctx.cp.model.credit(p.reth.address, ETH)
    pool = p.deposit_pool.getBalance()
    assert execute(ctx, "deposit_excess_collateral", {"who": "stranger"}).ok
    assert p.balance(p.reth) == 0
    assert p.deposit_pool.getBalance() == pool + ETH
