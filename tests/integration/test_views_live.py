"""Every public view agrees with the model through a history, and a wrong one is caught.

The ``read_view`` step (:mod:`harness.fuzz.views`) runs here over a short
history that reaches every kind of record: queued, prelaunch and staking
minipools, a scrub vote, a bond reduction under way, an RPL slashing,
an auction lot with a bid, and fee distributors paid by block proposals (one
still holding its fees, one distributed when its minipool finalised).
"""

from __future__ import annotations

import itertools

import pytest

from harness.fuzz.steps import StepContext, execute
from harness.fuzz.views import (
    AMOUNTS,
    BLOCK_OFFSETS,
    BOOL_PATHS,
    CONTRACT_NAMES,
    UINT_PATHS,
    VIEWS,
    read_view,
)
from harness.units import DAY, ETH
from invariants import InvariantViolation


def _history(ctx: StepContext) -> None:
    steps = [
        ("register_node", {"node": "node_operator_0"}),
        ("register_node", {"node": "node_operator_1"}),
        ("stake_rpl", {"node": "node_operator_0", "amount": 3_000 * ETH}),
        ("stake_rpl", {"node": "node_operator_1", "amount": 3_000 * ETH}),
        ("deposit", {"who": "depositor_0", "amount": 60 * ETH}),
        (
            "create_minipool",
            {"node": "node_operator_0", "bond": 16, "credit": False, "value": None},
        ),
        ("create_minipool", {"node": "node_operator_1", "bond": 8, "credit": False, "value": None}),
        ("create_minipool", {"node": "node_operator_1", "bond": 8, "credit": False, "value": None}),
        ("create_minipool", {"node": "node_operator_0", "bond": 8, "credit": False, "value": None}),
        ("vote_scrub", {"member": "odao_member_1", "minipool": 2}),
        ("vote_scrub", {"member": "odao_member_2", "minipool": 2}),
        ("close", {"minipool": 2}),
        ("vote_scrub", {"member": "odao_member_1", "minipool": 3}),
        ("advance", {"seconds": 13 * 3_600}),
        ("stake", {"minipool": 0}),
        ("propose", {"minipool": 0, "fees": ETH // 3 + 7}),
        ("stake", {"minipool": 1}),
        ("propose", {"minipool": 1, "fees": 2 * ETH + 11}),
        ("report", {}),
        ("deposit", {"who": "depositor_1", "amount": 31 * ETH}),
        ("begin_reduce_bond", {"minipool": 0}),
        ("beacon_penalty", {"minipool": 1, "amount": 12 * ETH}),
        ("beacon_exit", {"minipool": 1}),
        ("advance", {"seconds": 7 * DAY}),
        ("distribute", {"who": "owner", "minipool": 1, "rewards_only": False}),
        ("create_lot", {"who": "depositor_1"}),
        ("place_bid", {"lot": 0, "who": "depositor_2", "amount": ETH // 2}),
    ]
    for rule, args in steps:
        execute(ctx, rule, args)


@pytest.fixture
def ctx(p):
    context = StepContext.create(p, check=True)
    _history(context)
    return context


def _arguments(view: str, ctx: StepContext):
    kinds = {
        "node": ["node_operator_0", "node_operator_1", "node_operator_2", "stranger"],
        "member": ["odao_member_1", "odao_member_2", "stranger"],
        "bidder": ["depositor_1", "depositor_2"],
        "minipool": list(range(len(ctx.minipools))),
        "lot": [0, 1],
        "index": [0, 1, 5],
        "amount": list(AMOUNTS),
        "blocks": list(BLOCK_OFFSETS),
        "uint_path": list(UINT_PATHS),
        "bool_path": list(BOOL_PATHS),
        "holder": ["guardian", "node_operator_0", "depositor_0", "rocketVault", "stranger"],
        "spender": ["rocketNodeStaking", "depositor_1"],
        "contract": list(CONTRACT_NAMES),
    }
    needs = VIEWS[view].needs
    for values in itertools.product(*(kinds[k] for k in needs)):
        yield dict(zip(needs, values, strict=True))


def test_the_history_reaches_every_kind_of_record(ctx):
    model = ctx.cp.model
    assert [model.minipools[a.lower()].status for a in ctx.minipools] == [2, 2, 4, 1]
    assert model.minipools[ctx.minipools[2].lower()].destroyed
    assert model.lots and model.lots[0].total_bid > 0
    assert model.minipools[ctx.minipools[0].lower()].reduce_time > 0


def test_every_view_answers_with_the_models_value(ctx):
    read = 0
    for view in sorted(VIEWS):
        for args in _arguments(view, ctx):
            read_view(ctx, view, args)
            read += 1
    # 584, then 79 more: the average node fee (4 nodes), the staking count and fee
    # numerator by bond size (4 nodes x 8 amounts each), and 16 ETH among the amounts
    # (3 amount views, 2 minipool views x 4 minipools); then 23 more: the fee
    # distributor's four views and the factory's address (4 nodes each), the
    # factory's directory, and the two new contract names for each name view; then 17
    # more: the penalty count and rate (4 minipools each), the cap, the two penalty
    # contracts' directory, the two penalty settings (getter and by path) and the two
    # new contract names; then 4 more: getFeeDistributorInitialised (4 nodes).
    assert read == 707


def test_a_view_that_disagrees_with_the_model_is_the_views_invariant(ctx, monkeypatch):
    model = ctx.cp.model
    monkeypatch.setattr(model, "total_rpl_stake", model.total_rpl_stake + 1)
    with pytest.raises(InvariantViolation) as caught:
        read_view(ctx, "node_staking.getTotalRPLStake", {})
    assert caught.value.name == "views"
    assert caught.value.message == (
        "node_staking.getTotalRPLStake() returned 5600219178000000000000, "
        "the rules say 5600219178000000000001"
    )


def test_a_closed_minipools_top_up_value_reverts_as_the_model_says(ctx):
    # Closing leaves no bond: bond - 1 ETH underflows, and the model expects the revert.
    assert read_view(ctx, "minipool.getNodeTopUpValue", {"minipool": 2}) is None
    assert read_view(ctx, "minipool.getNodeTopUpValue", {"minipool": 3}) == 7 * ETH
