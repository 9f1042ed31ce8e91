"""MEV-theft penalties in the harness: theft, the oDAO's votes, the rate, the penalised exit.

The steps run checked, so each call's outcome, values and events are compared
with the model's prediction, and the watcher runs the invariants after each.
Expected amounts are worked out here from the rules (``harness.model.economics``).
"""

from __future__ import annotations

import pytest

from harness.fuzz.steps import StepContext, execute
from harness.fuzz.views import read_view
from harness.model import economics as econ
from harness.units import DAY, ETH, HOUR, ONE
from invariants import InvariantViolation, Watcher, check_penalty_split

PERCENT = 10**16
MEMBERS = ("odao_member_0", "odao_member_1", "odao_member_2")


@pytest.fixture
def ctx(p):
    """A checked context with one staking 8 ETH minipool of node_operator_0, and its watcher."""
    context = StepContext.create(p, check=True)
    context.watcher = Watcher(p, context.cp.model, list(context.actors.values()))
    for rule, args in [
        ("register_node", {"node": "node_operator_0"}),
        ("stake_rpl", {"node": "node_operator_0", "amount": 3_000 * ETH}),
        ("deposit", {"who": "depositor_0", "amount": 31 * ETH}),
        ("create_minipool", {"node": "node_operator_0", "bond": 8, "credit": False, "value": None}),
        ("advance", {"seconds": 13 * HOUR}),
        ("stake", {"minipool": 0}),
    ]:
        step(context, rule, args)
    return context


def step(ctx: StepContext, rule: str, args: dict) -> object:
    result = execute(ctx, rule, args)
    ctx.watcher.step()
    return result


def theft_and_votes(ctx: StepContext) -> list:
    """The honest flow: the validator pays a block elsewhere, then every member votes."""
    step(ctx, "propose", {"minipool": 0, "fees": ETH // 10, "stolen": True})
    block = ctx.p.chain.block_number
    outcomes = [
        step(ctx, "submit_penalty", {"member": m, "minipool": 0, "block": block}) for m in MEMBERS
    ]
    step(ctx, "advance", {"seconds": 12})
    return outcomes


def test_theft_then_every_members_vote_applies_one_penalty(ctx):
    first, second, third = theft_and_votes(ctx)
    assert first.values == {"votes": 1, "applied": 0, "count": 0}
    assert second.values == {"votes": 2, "applied": 1, "count": 1}  # 2/3 >= 51%
    assert third.reason == "network penalties: penalty already applied for this block"
    assert read_view(ctx, "network_penalties.getPenaltyCount", {"minipool": 0}) == 1
    assert read_view(ctx, "minipool_penalty.getPenaltyRate", {"minipool": 0}) == 0


def test_the_third_theft_sets_a_10_percent_rate_and_the_exit_pays_it(ctx):
    for _ in range(3):
        theft_and_votes(ctx)
    assert read_view(ctx, "minipool_penalty.getPenaltyRate", {"minipool": 0}) == 10 * PERCENT
    step(ctx, "beacon_exit", {"minipool": 0})
    step(ctx, "advance", {"seconds": 7 * DAY})
    minipool = ctx.minipool(0)
    balance = ctx.p.balance(minipool) - minipool.getNodeRefundBalance()
    assert balance > 32 * ETH  # the exit, with the rewards since the last skim
    fee = minipool.getNodeFee()
    share = econ.node_share(balance, 24 * ETH, 8 * ETH, fee)
    expected_node = share - share * 10 * PERCENT // ONE
    expect = step(ctx, "distribute", {"who": "owner", "minipool": 0, "rewards_only": False})
    assert expect.values["node"] == expected_node
    assert expect.values["user"] == balance - expected_node
    assert ctx.cp.model.penalties_taken == share - expected_node


def test_minority_duplicate_and_stranger_execute(ctx):
    block = ctx.p.chain.block_number
    lone = step(ctx, "submit_penalty", {"member": "odao_member_0", "minipool": 0, "block": block})
    assert lone.values == {"votes": 1, "applied": 0, "count": 0}
    again = step(ctx, "submit_penalty", {"member": "odao_member_0", "minipool": 0, "block": block})
    assert again.reason == "network penalties: duplicate submission from member"
    early = step(ctx, "execute_update_penalty", {"minipool": 0, "block": block})
    assert early.reason == "network penalties: consensus has not been reached"
    # Two members leave: the lone vote is now all the oDAO.
    step(ctx, "remove_member", {"member": "odao_member_1"})
    step(ctx, "remove_member", {"member": "odao_member_2"})
    done = step(ctx, "execute_update_penalty", {"minipool": 0, "block": block})
    assert done.values == {"count": 1}
    stale = step(ctx, "execute_update_penalty", {"minipool": 0, "block": block})
    assert stale.reason == "network penalties: penalty already applied for this block"
    nowhere = step(
        ctx, "submit_penalty", {"member": "odao_member_0", "minipool": "stranger", "block": 1}
    )
    assert nowhere.reason == "network penalties: invalid minipool"


def test_the_guardian_sets_the_cap(ctx):
    for _ in range(3):
        theft_and_votes(ctx)
    step(ctx, "set_max_penalty_rate", {"rate": 5 * PERCENT})
    assert read_view(ctx, "minipool_penalty.getPenaltyRate", {"minipool": 0}) == 5 * PERCENT
    step(ctx, "set_max_penalty_rate", {"rate": 0})
    assert read_view(ctx, "minipool_penalty.getPenaltyRate", {"minipool": 0}) == 0


def test_wrong_callers_are_refused(ctx):
    for entry, caller in [
        ("network_penalties.submitPenalty", "stranger"),
        ("network_penalties.submitPenalty", "node_operator_0"),
        ("minipool_penalty.setPenaltyRate", "odao_member_0"),
        ("minipool_penalty.setPenaltyRate", "minipool_0"),
        ("minipool_penalty.setMaxPenaltyRate", "odao_member_0"),
        ("minipool_penalty.setMaxPenaltyRate", "node_operator_0"),
    ]:
        outcome = step(ctx, "unauthorised", {"entry": entry, "caller": caller, "minipool": 0})
        assert not outcome.ok


# --------------------------------------------------------------------------- the invariant
PENALTY = {"minipool": "0x" + "11" * 20, "rate": 10 * PERCENT, "balance": 33 * ETH}
SHARE = 8_355 * 10**15  # 8 ETH + 1/4 + 3/4 * 14% of a 33 ETH exit


def test_the_penalty_split_holds_for_the_rules_amounts():
    taken = SHARE // 10
    node, user = SHARE - taken, 33 * ETH - (SHARE - taken)
    assert (node, user) == (7_519_500 * 10**12, 25_480_500 * 10**12)
    check_penalty_split({**PENALTY, "share": SHARE, "taken": taken}, node, user)


@pytest.mark.parametrize(
    "node,user",
    [
        (SHARE - 2 * (SHARE // 10), 33 * ETH - SHARE + 2 * (SHARE // 10)),  # taken twice
        (SHARE, 33 * ETH - SHARE),  # not taken at all
        (SHARE - SHARE // 10, 33 * ETH - SHARE),  # taken from the node, not given the users
    ],
)
def test_a_wrong_penalty_split_is_named(node, user):
    with pytest.raises(InvariantViolation, match="penalty rate") as caught:
        check_penalty_split({**PENALTY, "share": SHARE, "taken": SHARE // 10}, node, user)
    assert caught.value.name == "penalty-split"


def test_a_model_penalty_over_the_share_is_named():
    with pytest.raises(InvariantViolation) as caught:
        check_penalty_split({**PENALTY, "rate": 2 * ONE, "share": SHARE, "taken": 2 * SHARE}, 0, 0)
    assert caught.value.name == "penalty-split"
