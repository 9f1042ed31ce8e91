"""The honest oDAO's watch over bond reductions, and the race a node can win against it.

The reference lets a node reduce a 16 ETH bond to 8 on any staking
validator and leaves the validator's health to the oDAO, which votes to
cancel a reduction whose validator holds less than 32 ETH (less 0.001 ETH)
or is slashed or leaving. The simulation's oDAO keeps that watch whenever
time passes. A node that reduces in the same moment its validator fails
has raced the watch: the users' capital grows by the 8 ETH credit over a
validator that no longer covers it, the named outcome
``bond-reduction-not-cancelled``, and the next report may lower the rate
by that loss, no more.
"""

from __future__ import annotations

from harness.replay.session import replaying
from harness.units import DAY, ETH, HOUR
from harness.world.oracle import REDUCTION_CANCEL_BELOW_GWEI

# The beacon chain earns nothing, so each loss is a round number.
CONFIG = {"beacon": {"apr": "0%"}}


def staked_16_eth_minipool(run) -> None:
    run.register_node(node="node_operator_0")
    run.stake_rpl(node="node_operator_0", amount=3_000 * ETH)
    run.create_minipool(node="node_operator_0", bond=16, credit=False, value=None)
    run.deposit(who="depositor_0", amount=16 * ETH)
    run.advance(seconds=13 * HOUR)
    run.stake(minipool=0)


def test_the_watch_threshold_is_32_eth_less_a_thousandth():
    assert REDUCTION_CANCEL_BELOW_GWEI == 31_999_000_000


def test_the_odao_cancels_a_reduction_whose_validator_failed_before_time_passed():
    with replaying(CONFIG) as run:
        staked_16_eth_minipool(run)
        run.begin_reduce_bond(minipool=0)
        run.beacon_penalty(minipool=0, amount=12 * ETH)
        run.advance(seconds=2 * DAY + HOUR)
        mp = next(iter(run.session.model.minipools.values()))
        assert mp.reduction_cancelled
        assert len(mp.cancel_votes) == 2  # two of three members reach the 51% quorum
        reduced = run.reduce_bond(minipool=0)
        assert reduced.reason == "bond reducer: bond reduction was cancelled"
        assert mp.bond == 16 * ETH


def test_a_healthy_validator_keeps_its_reduction():
    with replaying(CONFIG) as run:
        staked_16_eth_minipool(run)
        run.begin_reduce_bond(minipool=0)
        run.advance(seconds=2 * DAY + HOUR)
        reduced = run.reduce_bond(minipool=0)
        assert reduced.outcome == "ok"
        assert reduced.events == []
        mp = next(iter(run.session.model.minipools.values()))
        assert (mp.bond, mp.user_capital, mp.cancel_votes) == (8 * ETH, 24 * ETH, {})


def test_a_node_that_races_the_watch_leaves_users_a_named_loss_the_rate_may_pass_on():
    with replaying(CONFIG) as run:
        staked_16_eth_minipool(run)
        run.report()
        run.begin_reduce_bond(minipool=0)
        run.advance(seconds=2 * DAY + HOUR)
        run.beacon_penalty(minipool=0, amount=12 * ETH)  # 20 ETH: within the 16 ETH bond
        reduced = run.reduce_bond(minipool=0)  # before any time passes
        assert reduced.outcome == "ok"
        assert reduced.events == ["bond-reduction-not-cancelled"]
        # 24 ETH of users' capital over a 20 ETH validator.
        model = run.session.model
        assert model.unpoliced_losses == 4 * ETH
        supply = run.session.p.reth.totalSupply()
        before = run.session.p.reth.getExchangeRate()
        report = run.report()
        assert report.events == ["uncovered-loss-socialised"]
        fall = before - run.session.p.reth.getExchangeRate()
        assert 0 < fall <= 4 * ETH * ETH // supply + 2
