"""The execute_update and gift steps, checked against the model on the real contracts."""

from __future__ import annotations

import boa

from harness.steps import StepContext, execute

ETH = 10**18


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
