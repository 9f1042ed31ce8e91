"""Fee distributors in the harness: proposals pay them, distribute_fees splits as predicted.

Amounts are worked out here from v1.3.1's formula (``harness.model.economics``)
and the protocol's settings, and checked against the chain; the steps run
checked, so the model's prediction of each call is compared as well, and the
invariants after each step (the watcher) see the distributor balances.
"""

from __future__ import annotations

import pytest
from eth_utils import keccak

from harness.bugzoo.patch import Bug, Edit
from harness.chain.actors import reentry_counters
from harness.fuzz.actions.distributor import ELSEWHERE
from harness.fuzz.steps import StepContext, execute
from harness.fuzz.views import read_view
from harness.model import economics as econ
from harness.units import DAY, ETH, HOUR, ONE
from harness.world.deploy import deploy_protocol
from invariants import InvariantViolation, Watcher
from tests.helpers import bug_copy


def _two_staking_eight_eth_minipools(
    ctx: StepContext, node: str = "node_operator_0", watcher: Watcher | None = None
) -> None:
    for rule, args in [
        ("register_node", {"node": node}),
        ("stake_rpl", {"node": node, "amount": 3_000 * ETH}),
        ("deposit", {"who": "depositor_0", "amount": 62 * ETH}),
        ("create_minipool", {"node": node, "bond": 8, "credit": False, "value": None}),
        ("create_minipool", {"node": node, "bond": 8, "credit": False, "value": None}),
        ("advance", {"seconds": 13 * HOUR}),
        ("stake", {"minipool": 0}),
        ("stake", {"minipool": 1}),
    ]:
        assert execute(ctx, rule, args) is not False
        if watcher is not None:
            watcher.step()


@pytest.fixture
def ctx(p):
    context = StepContext.create(p, check=True)
    _two_staking_eight_eth_minipools(context)
    return context


def _fee(ctx: StepContext) -> int:
    return ctx.p.settings.getTargetNodeFee()


def test_a_proposal_pays_the_distributor_and_distribute_splits_by_the_formula(ctx):
    p, node = ctx.p, ctx.who("node_operator_0")
    distributor = p.distributor(node)
    reth_before, node_before = p.balance(p.reth), p.balance(node)
    execute(ctx, "propose", {"minipool": 0, "fees": ETH})
    assert p.balance(distributor) == ETH
    # Two 8 ETH minipools: 64 ETH staked, 48 matched, ratio 4; the network's fee on the rest.
    fee = _fee(ctx)
    node_amount = ETH // 4 + (ETH - ETH // 4) * fee // ONE
    assert node_amount == econ.distributor_node_share(ETH, fee, 4 * ONE)
    expect = execute(ctx, "distribute_fees", {"node": "node_operator_0", "who": "stranger"})
    assert expect.values == {"user": ETH - node_amount, "node": node_amount}
    assert p.balance(distributor) == 0
    assert p.balance(p.reth) - reth_before == ETH - node_amount
    assert p.balance(node) - node_before == node_amount
    assert ctx.cp.model.fees_to_users == ETH - node_amount


def test_a_refusing_withdrawal_address_has_its_share_held_and_the_views_say_so(ctx):
    p, node = ctx.p, ctx.who("node_operator_0")
    execute(ctx, "set_withdrawal_address", {"node": "node_operator_0", "to": "refuser"})
    execute(ctx, "propose", {"minipool": 1, "fees": 3 * ETH})
    expect = execute(ctx, "distribute_fees", {"node": "node_operator_0", "who": "node"})
    held = econ.distributor_node_share(3 * ETH, _fee(ctx), 4 * ONE)
    assert expect.values == {"user": 3 * ETH - held, "node": held}
    assert p.balance(p.distributor(node)) == held
    # Held for the node: not split again, all of it the node's.
    assert read_view(ctx, "distributor.getNodeShare", {"node": "node_operator_0"}) == held
    assert read_view(ctx, "distributor.getUserShare", {"node": "node_operator_0"}) == 0
    expect = execute(ctx, "distribute_fees", {"node": "node_operator_0", "who": "stranger"})
    assert expect.values == {"user": 0, "node": 0}
    assert ctx.cp.model.distributor_held[node.lower()] == held


def test_a_minipool_that_starts_staking_distributes_the_fees_first(p):
    ctx = StepContext.create(p, check=True)
    _two_staking_eight_eth_minipools(ctx)
    execute(ctx, "deposit", {"who": "depositor_1", "amount": 31 * ETH})
    execute(
        ctx,
        "create_minipool",
        {"node": "node_operator_0", "bond": 16, "credit": False, "value": None},
    )
    execute(ctx, "propose", {"minipool": 0, "fees": ETH})
    reth_before = p.balance(p.reth)
    execute(ctx, "advance", {"seconds": 13 * HOUR})
    execute(ctx, "stake", {"minipool": 2})
    # Split at the figures before the third minipool counted as staking: the fee of
    # the two 8 ETH ones, and the ratio of all three active (96 ETH, 64 matched: 3).
    assert econ.collateral_ratio(64 * ETH, 3) == 3 * ONE
    user = ETH - econ.distributor_node_share(ETH, _fee(ctx), 3 * ONE)
    assert user == 573_333_333_333_333_334
    assert p.balance(p.distributor(ctx.who("node_operator_0"))) == 0
    assert p.balance(p.reth) - reth_before == user
    assert ctx.cp.model.last_fee_split["user"] == user


def test_stolen_fees_go_elsewhere_and_the_distributor_gets_nothing(ctx):
    p = ctx.p
    execute(ctx, "propose", {"minipool": 0, "fees": ETH, "stolen": True})
    assert p.balance(p.distributor(ctx.who("node_operator_0"))) == 0
    assert p.balance(ELSEWHERE) == ETH
    assert ctx.cp.model.fees_received == 0


def test_the_invariants_count_distributor_balances_and_catch_a_hidden_one(p):
    ctx = StepContext.create(p, check=True)
    watcher = Watcher(p, ctx.cp.model, list(ctx.actors.values()))
    _two_staking_eight_eth_minipools(ctx, watcher=watcher)
    execute(ctx, "propose", {"minipool": 0, "fees": 2 * ETH})
    watcher.step()  # income the model was told of: conservation holds
    distributor = p.distributor(ctx.who("node_operator_0"))
    p.chain.set_balance(distributor.address, p.balance(distributor) + 5)
    with pytest.raises(InvariantViolation) as info:
        watcher.step()
    assert info.value.name == "node-accounting"
    assert "fee distributor holds" in str(info.value)


def test_distributed_fees_raise_the_rate_at_the_next_report_and_not_before(p):
    """Solvency and the report count a distributor's balance only once distributed."""
    ctx = StepContext.create(p, check=True)
    watcher = Watcher(p, ctx.cp.model, list(ctx.actors.values()))
    _two_staking_eight_eth_minipools(ctx, watcher=watcher)
    model = ctx.cp.model
    execute(ctx, "report", {})
    watcher.step()
    rate, held = p.rate(), model.held_for_users()
    execute(ctx, "propose", {"minipool": 1, "fees": 4 * ETH})
    watcher.step()
    assert model.held_for_users() == held  # in the distributor: not yet the users'
    execute(ctx, "report", {})
    watcher.step()
    assert p.rate() == rate
    expect = execute(ctx, "distribute_fees", {"node": "node_operator_0", "who": "withdrawal"})
    watcher.step()
    assert model.held_for_users() == held + expect.values["user"]
    execute(ctx, "report", {})
    watcher.step()  # rate monotonicity, solvency and no free lunch with this income
    supply = p.reth.totalSupply()
    assert p.rate() == (held + expect.values["user"]) * ONE // supply
    assert p.rate() > rate


def test_a_bond_reduction_distributes_the_fees_first_at_the_old_ratio(p):
    ctx = StepContext.create(p, check=True)
    watcher = Watcher(p, ctx.cp.model, list(ctx.actors.values()))
    for rule, args in [
        ("register_node", {"node": "node_operator_2"}),
        ("stake_rpl", {"node": "node_operator_2", "amount": 3_000 * ETH}),
        ("deposit", {"who": "depositor_0", "amount": 16 * ETH}),
        (
            "create_minipool",
            {"node": "node_operator_2", "bond": 16, "credit": False, "value": None},
        ),
        ("advance", {"seconds": 13 * HOUR}),
        ("stake", {"minipool": 0}),
        ("begin_reduce_bond", {"minipool": 0}),
        ("advance", {"seconds": 2 * 24 * HOUR + HOUR}),
        ("propose", {"minipool": 0, "fees": ETH}),
    ]:
        execute(ctx, rule, args)
        watcher.step()
    reth_before = p.balance(p.reth)
    expect = execute(ctx, "reduce_bond", {"minipool": 0})
    watcher.step()
    assert expect.ok, expect.reason
    # One 16 ETH minipool: 32 staked, 16 matched, ratio 2 (after the reduction it is 4).
    user = ETH - econ.distributor_node_share(ETH, _fee(ctx), 2 * ONE)
    assert p.balance(p.distributor(ctx.who("node_operator_2"))) == 0
    assert p.balance(p.reth) - reth_before == user


def test_a_reentrant_withdrawal_address_is_paid_once_and_its_call_back_refused(ctx):
    p = ctx.p
    execute(ctx, "set_withdrawal_address", {"node": "node_operator_0", "to": "reentrant"})
    reentrant = ctx.contracts["reentrant"]
    address = str(reentrant.address).lower()
    attempts_before, _ = reentry_counters(reentrant)
    model_before = ctx.cp.model.expected_reentries(address)[0]
    before = p.balance(reentrant)
    execute(ctx, "propose", {"minipool": 0, "fees": 2 * ETH})
    expect = execute(ctx, "distribute_fees", {"node": "node_operator_0", "who": "stranger"})
    node_amount = econ.distributor_node_share(2 * ETH, _fee(ctx), 4 * ONE)
    assert expect.values == {"user": 2 * ETH - node_amount, "node": node_amount}
    assert p.balance(reentrant) - before == node_amount
    assert reentry_counters(reentrant) == (attempts_before + 1, 0)
    assert ctx.cp.model.expected_reentries(address) == (model_before + 1, 0)


def test_a_distributor_that_skips_the_distribute_first_rule_is_caught(tmp_path):
    """The minipool manager forgets to distribute before a minipool stakes: the fees that
    arrived would later be split at the new figures. The stake's events show it at once
    (without them, node-accounting sees the distributor still holding the fees)."""
    bug = Bug(
        "no-distribute-first",
        "the minipool manager never distributes before a node's fee inputs change",
        "v1.3.1's _tryDistribute dropped",
        (
            Edit(
                "RocketMinipoolManager.vy",
                "    if distributor.balance == 0:\n        return",
                "    if distributor.balance >= 0:\n        return",
            ),
        ),
    )
    contracts = bug_copy(bug)
    mutant = deploy_protocol(
        replace={"rocketMinipoolManager": contracts / "RocketMinipoolManager.vy"}
    )
    ctx = StepContext.create(mutant, check=True)
    watcher = Watcher(mutant, ctx.cp.model, list(ctx.actors.values()))
    _two_staking_eight_eth_minipools(ctx, watcher=watcher)
    execute(ctx, "deposit", {"who": "depositor_1", "amount": 31 * ETH})
    watcher.step()
    execute(
        ctx,
        "create_minipool",
        {"node": "node_operator_0", "bond": 8, "credit": False, "value": None},
    )
    watcher.step()
    execute(ctx, "propose", {"minipool": 0, "fees": ETH})
    watcher.step()
    execute(ctx, "advance", {"seconds": 13 * HOUR})
    watcher.step()
    # The model distributes first: the rETH deposit and FeesDistributed the stake must emit.
    with pytest.raises(InvariantViolation, match="should have been RocketTokenRETH.EtherDeposited"):
        execute(ctx, "stake", {"minipool": 2})


def test_time_passing_with_a_seed_gives_blocks_that_pay_the_distributors(p):
    """``advance`` with a seed: blocks at the ``[proposals]`` rate, each paying its node's
    distributor; the model is told (the invariants after the step agree), and the same
    seed replays the same blocks. Without a seed (every older replay) no block comes."""
    ctx = StepContext.create(p, check=True)
    watcher = Watcher(p, ctx.cp.model, list(ctx.actors.values()))
    _two_staking_eight_eth_minipools(ctx, watcher=watcher)
    node = ctx.who("node_operator_0")
    distributor = p.distributor(node)
    start = p.beacon.now
    execute(ctx, "advance", {"seconds": 91 * DAY})
    watcher.step()
    assert p.beacon.proposals == [] and p.balance(distributor) == 0
    drawn = p.beacon.draw_proposals(91 * DAY, seed=7)
    execute(ctx, "advance", {"seconds": 91 * DAY, "seed": 7})
    watcher.step()
    made = p.beacon.proposals
    # The default rate, 0.005% of 655,200 slots: 32.8 blocks expected.
    assert [(b.time, b.validator, b.wei) for b in made] == drawn and 15 < len(made) < 55
    assert all(b.recipient == str(distributor.address) and not b.stolen for b in made)
    assert all(start + 91 * DAY < b.time <= start + 182 * DAY for b in made)
    total = sum(b.wei for b in made)
    assert p.balance(distributor) == total == ctx.cp.model.distributor_balance(node)
    assert ctx.cp.model.fees_received == total
    expect = execute(ctx, "distribute_fees", {"node": "node_operator_0", "who": "node"})
    watcher.step()
    fee_part = econ.distributor_node_share(total, _fee(ctx), 4 * ONE)
    assert expect.values == {"user": total - fee_part, "node": fee_part}


def test_an_explicit_proposal_is_recorded_on_the_beacon_chain(ctx):
    execute(ctx, "propose", {"minipool": 1, "fees": 3 * ETH})
    execute(ctx, "propose", {"minipool": 0, "fees": ETH, "stolen": True})
    validator = ctx.p.validator(ctx.minipool(1))
    honest, stolen = ctx.p.beacon.proposals
    assert (honest.validator, honest.wei, honest.stolen) == (validator.index, 3 * ETH, False)
    assert (stolen.recipient, stolen.wei, stolen.stolen) == (ELSEWHERE, ETH, True)


def test_a_reentrant_payee_calling_distribute_back_is_refused_by_both_payers(p):
    """``reenter_with distribute``: the re-entrant address calls ``distribute()`` on whoever
    pays it. The distributor's lock refuses it; a minipool paying it (whose fallback takes
    any calldata) refuses it too, its lock covering the fallback. Counted, never through."""
    ctx = StepContext.create(p, check=True)
    watcher = Watcher(p, ctx.cp.model, list(ctx.actors.values()))
    _two_staking_eight_eth_minipools(ctx, watcher=watcher)
    reentrant = ctx.contracts["reentrant"]
    attempts, _ = reentry_counters(reentrant)
    for rule, args in [
        ("set_withdrawal_address", {"node": "node_operator_0", "to": "reentrant"}),
        ("reenter_with", {"call": "distribute"}),
        ("propose", {"minipool": 0, "fees": 2 * ETH}),
        ("distribute_fees", {"node": "node_operator_0", "who": "stranger"}),
        ("advance", {"seconds": 6 * DAY}),  # a skim reaches the minipools
        ("distribute", {"minipool": 0, "who": "owner", "rewards_only": True}),
    ]:
        assert execute(ctx, rule, args) is not False, rule
        watcher.step()  # the reentrancy check among the invariants
    assert reentrant.reentryCall() == keccak(b"distribute()")[:4]
    assert reentry_counters(reentrant) == (attempts + 2, 0)
    with pytest.raises(ValueError, match="unknown call 'refund'"):
        execute(ctx, "reenter_with", {"call": "refund"})


def test_the_fee_distributor_is_initialised_when_its_node_registers(p):
    """``getFeeDistributorInitialised``: false before registering, true after (v1.3.1:
    code at the factory's address for the node), read against the model too."""
    ctx = StepContext.create(p, check=True)
    node = "node_operator_1"
    assert p.node_manager.getFeeDistributorInitialised(ctx.who(node)) is False
    assert read_view(ctx, "node_manager.getFeeDistributorInitialised", {"node": node}) is False
    execute(ctx, "register_node", {"node": node})  # its follow-up reads the view too
    assert p.node_manager.getFeeDistributorInitialised(ctx.who(node)) is True
    assert read_view(ctx, "node_manager.getFeeDistributorInitialised", {"node": node}) is True
    assert p.node_manager.getFeeDistributorInitialised(ctx.who("stranger")) is False
