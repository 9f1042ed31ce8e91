"""The execute_update and gift steps, checked against the model on the real contracts."""

from __future__ import annotations

import boa

from harness.fuzz.steps import StepContext, execute
from harness.units import ETH


def _staking_minipool(ctx: StepContext) -> None:
    for rule, args in [
        ("register_node", {"node": "node_operator_0"}),
        ("stake_rpl", {"node": "node_operator_0", "amount": 3_000 * ETH}),
        ("deposit", {"who": "depositor_0", "amount": 40 * ETH}),
        ("create_minipool", {"node": "node_operator_0", "bond": 8, "credit": False, "value": None}),
        ("advance", {"seconds": 13 * 3_600}),
        ("stake", {"minipool": 0}),
    ]:
        execute(ctx, rule, args)


def test_a_report_applies_once(p):
    ctx = StepContext.create(p, check=True)
    before = execute(ctx, "execute_update", {"who": "stranger", "which": "balances"})
    assert (before.ok, before.reason) == (
        False,
        "network balances: block is not after the last accepted report",
    )
    execute(ctx, "deposit", {"who": "depositor_0", "amount": 10 * ETH})
    execute(ctx, "advance", {"seconds": 3_600})
    execute(ctx, "report", {})
    again = execute(ctx, "execute_update", {"who": "stranger", "which": "balances"})
    assert again.reason == "network balances: block is not after the last accepted report"
    prices = execute(ctx, "execute_update", {"who": "stranger", "which": "prices"})
    assert prices.reason == "network prices: block is not after the last accepted report"


def test_a_gift_to_a_minipool_is_shared_out_as_rewards(p):
    ctx = StepContext.create(p, check=True)
    _staking_minipool(ctx)
    minipool = ctx.minipool(0)
    balance = boa.env.get_balance(minipool.address)
    assert balance == 0  # stake() sent the 31 ETH on
    gift = execute(ctx, "gift", {"who": "stranger", "minipool": 0, "amount": ETH})
    assert gift.ok
    assert boa.env.get_balance(minipool.address) == balance + ETH
    assert ctx.cp.model.minipools[minipool.address.lower()].eth == balance + ETH
    # 1 ETH is below 8 ETH: rewards; the node gets its capital share plus 14% of the rest.
    split = execute(ctx, "distribute", {"who": "stranger", "minipool": 0, "rewards_only": True})
    assert split.ok
    node = ETH // 4 + (ETH - ETH // 4) * 14 // 100
    assert split.values["node"] == node
    assert split.values["user"] == ETH - node


def _vote_under_full_threshold(ctx: StepContext, which: str) -> None:
    execute(ctx, "deposit", {"who": "depositor_0", "amount": 10 * ETH})
    execute(ctx, "advance", {"seconds": 3_600})
    full = {"path": "network.consensus.threshold", "value": ETH}
    assert execute(ctx, "set_setting", full).ok
    for member in ("odao_member_1", "odao_member_2"):
        vote = execute(ctx, "vote_report", {"member": member, "which": which})
        assert (vote.ok, vote.values["accepted"]) == (True, 0)


def test_a_report_short_of_consensus_applies_once_the_threshold_falls(p):
    ctx = StepContext.create(p, check=True)
    _vote_under_full_threshold(ctx, "balances")
    assert p.network_balances.getTotalETHBalance() == 0
    pending = {"who": "stranger", "which": "balances", "pending": True}
    early = execute(ctx, "execute_update", pending)
    assert early.reason == "network balances: consensus has not been reached"
    # Two votes of three: 2/3 of 1e18, rounded down, is just short of 2/3 + 1 wei.
    two_thirds = 2 * ETH // 3
    threshold = {"path": "network.consensus.threshold", "value": two_thirds + 1}
    assert execute(ctx, "set_setting", threshold).ok
    assert execute(ctx, "execute_update", pending).reason == (
        "network balances: consensus has not been reached"
    )
    assert execute(ctx, "set_setting", {**threshold, "value": two_thirds}).ok
    applied = execute(ctx, "execute_update", pending)
    assert (applied.ok, applied.values["accepted"]) == (True, 1)
    total = p.network_balances.getTotalETHBalance()
    assert total == ctx.cp.model.report.total_eth
    assert total == 10 * ETH  # the deposit (its fee stays in the pool), counted by two members
    again = execute(ctx, "execute_update", pending)  # nothing pending now: the applied one again
    assert again.reason == "network balances: block is not after the last accepted report"


def test_a_price_short_of_consensus_applies_once_the_threshold_falls(p):
    ctx = StepContext.create(p, check=True)
    _vote_under_full_threshold(ctx, "prices")
    block = p.network_prices.getPricesBlock()
    assert execute(
        ctx, "set_setting", {"path": "network.consensus.threshold", "value": 51 * 10**16}
    ).ok
    applied = execute(
        ctx, "execute_update", {"who": "stranger", "which": "prices", "pending": True}
    )
    assert applied.ok
    assert p.network_prices.getPricesBlock() > block
    assert p.network_prices.getPricesBlock() == ctx.cp.model.prices_block


def test_a_readmitted_member_votes_again_and_its_old_vote_no_longer_counts(p):
    ctx = StepContext.create(p, check=True)
    execute(ctx, "deposit", {"who": "depositor_0", "amount": 10 * ETH})
    execute(ctx, "advance", {"seconds": 3_600})
    member = {"member": "odao_member_1"}
    first = execute(ctx, "vote_report", {**member, "which": "balances"})
    assert (first.ok, first.values["votes"]) == (True, 1)
    assert execute(ctx, "remove_member", member).values["members"] == 2
    assert p.odao.getMemberCount() == 2
    twice = execute(ctx, "remove_member", member)
    assert twice.reason == "odao: not a member"
    assert execute(ctx, "add_member", member).ok
    # A new membership: the vote it cast before no longer counts, and it may vote again.
    again = execute(ctx, "vote_report", {**member, "which": "balances"})
    assert (again.ok, again.values["votes"], again.values["accepted"]) == (True, 1, 0)
    # One more member makes two of three, past the 51% threshold: the report applies.
    second = execute(ctx, "vote_report", {"member": "odao_member_2", "which": "balances"})
    assert (second.values["votes"], second.values["accepted"]) == (2, 1)
    assert p.network_balances.getTotalETHBalance() == 10 * ETH
