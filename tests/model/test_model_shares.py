"""The model's per-minipool figures, summed the fast way, equal the plain per-minipool formulas.

``held_for_users``, ``earned_by_actor``, ``user_losses`` and the checks that
use them walk every minipool after every step, so they take a cheaper path
than one public call per minipool. This file pins their numbers on one
model holding a minipool in every state the sums treat differently, both as
values worked out once and as the plain formulas written out here (one
public ``minipool_total``/``pending_user_share``/``owed`` call per item, as
the model computed them before), so a faster path that drifts fails here.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.model import DISSOLVED, INITIALISED, PRELAUNCH, STAKING, Model
from harness.units import DAY, ETH, ETH_GWEI
from invariants import (
    InvariantViolation,
    ReportMarks,
    check_all,
    check_no_free_lunch,
    check_solvency,
)
from tests.invariants.test_invariants import START, observation_of

SCRUB = 12 * 3_600
ODAO = "0x" + "0d" * 20
DEPOSITOR = "0x" + "de" * 20
NODE = "0x" + "ee" * 20
NODE_2 = "0x" + "ef" * 20
PAYEE_2 = "0x" + "fa" * 20  # NODE_2's withdrawal address
STRANGER = "0x" + "5e" * 20
ACTORS = [DEPOSITOR, NODE, NODE_2, PAYEE_2, STRANGER]
# One minipool per state the sums treat differently (see ``several_minipools``).
HEALTHY = "0x" + "aa" * 20
PAST_THE_BOND = "0x" + "bb" * 20
REDUCED = "0x" + "cc" * 20
DISSOLVED_MP = "0x" + "dd" * 20
PRELAUNCHED = "0x" + "ee" * 19 + "01"
UNSEEN_DEPOSIT = "0x" + "ff" * 20
FINALISED = "0x" + "ab" * 20
QUEUED = "0x" + "cd" * 20


def pubkey(address: str) -> bytes:
    return bytes.fromhex(address[2:]) + b"\x00" * 28


def credentials(address: str) -> bytes:
    return b"\x01" + b"\x00" * 11 + bytes.fromhex(address[2:])


def ok(expect):
    assert expect.ok, expect.reason
    return expect.values


def several_minipools() -> Model:
    """Eight minipools of two nodes (one paying a withdrawal address), a report, then a penalty.

    Staking: healthy with rewards, a skim paid to its refund balance and ETH
    left in the contract; penalised past its bond; bond reduced 16 -> 8
    (its node holds 8 ETH of deposit credit); staked with the 31 ETH not yet
    seen by the beacon chain; exited, finalised and gifted 2 ETH since
    (split as rewards). Also one dissolved (7 ETH left in it), one in
    Prelaunch and one Initialised in the queue.
    """
    model = None
    beacon = BeaconChain(BeaconConfig(apr=0), credit=lambda a, wei: model.credit(a, wei))
    model = Model(None, [ODAO], beacon, reth_address="0x" + "e7" * 20)
    for node in (NODE, NODE_2):
        ok(model.register_node(node, now=0))
        model.fund_rpl(node, 10_000 * ETH)
        ok(model.stake_rpl(node, 10_000 * ETH, now=0))
    ok(model.set_withdrawal_address(NODE_2, NODE_2, PAYEE_2, True))

    def create(node: str, address: str, bond: int = 8 * ETH) -> None:
        ok(model.create_minipool(node, bond, address, pubkey(address), now=model.now))
        beacon.process_deposit(pubkey(address), credentials(address), ETH_GWEI)

    def stake(address: str, seen: bool = True) -> None:
        ok(model.stake(address, model.now + SCRUB + 1))
        if seen:
            beacon.process_deposit(pubkey(address), credentials(address), 31 * ETH_GWEI)

    ok(model.deposit(DEPOSITOR, 100 * ETH, now=0))
    create(NODE, HEALTHY)
    create(NODE, PAST_THE_BOND)
    create(NODE_2, REDUCED, 16 * ETH)
    create(NODE_2, DISSOLVED_MP)
    for address in (HEALTHY, PAST_THE_BOND, REDUCED):
        stake(address)
    ok(model.deposit(DEPOSITOR, 24 * ETH, now=model.now))
    create(NODE, FINALISED)
    stake(FINALISED)
    finalised = beacon.validator(pubkey(FINALISED))
    beacon.reward(finalised, ETH)
    beacon.exit(finalised)
    beacon.advance(beacon.config.exit_delay + beacon.config.withdrawal_delay)
    beacon.sweep()
    ok(model.distribute(FINALISED, NODE, False, model.now + 1))
    model.credit(FINALISED, 2 * ETH)
    ok(model.begin_reduce_bond(REDUCED, NODE_2, model.now))
    ok(model.reduce_bond(REDUCED, NODE_2, model.now + 2 * DAY + 1))
    ok(model.dissolve(DISSOLVED_MP, model.now + 72 * 3_600))
    healthy = beacon.validator(pubkey(HEALTHY))
    beacon.reward(healthy, 3 * ETH // 2)
    model.credit(HEALTHY, 4 * ETH // 10)
    ok(model.distribute(HEALTHY, DEPOSITOR, True, model.now + 1))  # node's part to its refund
    model.credit(HEALTHY, ETH // 10)
    beacon.penalise(beacon.validator(pubkey(PAST_THE_BOND)), 12 * ETH)
    create(NODE, PRELAUNCHED)
    create(NODE, UNSEEN_DEPOSIT)
    stake(UNSEEN_DEPOSIT, seen=False)
    create(NODE_2, QUEUED)
    total, staking, supply = model.truthful_report()
    assert model.report_balances(1, total, staking, supply, ODAO).values["accepted"] == 1
    beacon.penalise(healthy, ETH)  # the world moves after the report
    return model


@pytest.fixture(scope="module")
def model() -> Model:
    return several_minipools()


def test_the_scenario_has_a_minipool_in_every_state(model):
    states = {
        a: (mp.status, mp.capital_distributed, mp.eth, mp.refund)
        for a, mp in model.minipools.items()
    }
    assert states == {
        HEALTHY: (STAKING, False, 242 * 10**15, 142 * 10**15),
        PAST_THE_BOND: (STAKING, False, 0, 0),
        REDUCED: (STAKING, False, 0, 0),
        DISSOLVED_MP: (DISSOLVED, False, 7 * ETH, 0),
        FINALISED: (STAKING, True, 2 * ETH, 0),
        PRELAUNCHED: (PRELAUNCH, False, 31 * ETH, 0),
        UNSEEN_DEPOSIT: (STAKING, False, 0, 0),
        QUEUED: (INITIALISED, False, 0, 0),
    }
    assert model.nodes[NODE_2].deposit_credit == 8 * ETH
    assert model.rate() == 994_247_123_561_780_890


# ---------------------------------------------------------------- the plain formulas
def plain_held_for_users(m: Model) -> int:
    return m.user_balance() + m.reth_eth + sum(m.pending_user_share(a) for a in m.minipools)


def plain_earned_by_actor(m: Model, actors: list[str]) -> dict[str, int]:
    totals = {}
    for actor in actors:
        actor = actor.lower()
        state = m.nodes.get(actor)
        totals[actor] = (
            m.eth_out.get(actor, 0)
            - m.eth_in.get(actor, 0)
            + m.owed(actor)
            + (state.deposit_credit if state is not None else 0)
        )
    for address, mp in m.minipools.items():
        payee = m.withdrawal_address(mp.node)
        if payee not in totals:
            continue
        if mp.status == DISSOLVED:
            totals[payee] += mp.eth
            continue
        if mp.status == INITIALISED:
            totals[payee] += mp.bond - ETH
        totals[payee] += mp.refund + m.minipool_total(address) - m.pending_user_share(address)
    return totals


def plain_user_losses(m: Model) -> dict[str, int]:
    out = {}
    for address, mp in m.minipools.items():
        if mp.status == STAKING:
            loss = mp.user_capital - mp.capital_returned - m.pending_user_share(address)
            if loss > 0:
                out[address] = loss
    return out


# ---------------------------------------------------------------- the numbers
SHARES = {
    HEALTHY: (32_600 * 10**15, 24_387 * 10**15),
    PAST_THE_BOND: (20 * ETH, 20 * ETH),
    REDUCED: (32 * ETH, 24 * ETH),
    DISSOLVED_MP: (8 * ETH, 0),
    PRELAUNCHED: (32 * ETH, 24 * ETH),
    UNSEEN_DEPOSIT: (32 * ETH, 24 * ETH),
    FINALISED: (2 * ETH, 1_290 * 10**15),
    QUEUED: (ETH, 0),
}
HELD = 122_580 * 10**15
EARNED = {
    DEPOSITOR: -775_000_000_000_000_056,
    NODE: -6_580 * 10**15,
    NODE_2: -24 * ETH,
    PAYEE_2: 23 * ETH,
    STRANGER: 0,
}


def test_per_minipool_totals_and_user_shares(model):
    for address, (total, share) in SHARES.items():
        assert model.minipool_total(address) == total, address
        assert model.pending_user_share(address) == share, address
    assert model.pending_user_share(HEALTHY.upper().replace("0X", "0x")) == SHARES[HEALTHY][1]


def test_held_for_users_is_the_sum_of_the_user_shares(model):
    assert model.held_for_users() == HELD
    assert plain_held_for_users(model) == HELD
    assert model.user_balance() + model.reth_eth + sum(s for _, s in SHARES.values()) == HELD


def test_earned_by_actor_matches_the_plain_formula(model):
    assert model.earned_by_actor(ACTORS) == EARNED
    assert plain_earned_by_actor(model, ACTORS) == EARNED
    # Keys are normalised, whatever the caller's case.
    shouted = [a.upper().replace("0X", "0x") for a in ACTORS]
    assert model.earned_by_actor(shouted) == EARNED
    assert model.earned(PAYEE_2) == EARNED[PAYEE_2]
    # An actor asked for alone gets the same figure.
    assert {a: model.earned_by_actor([a])[a] for a in ACTORS} == EARNED


def test_user_losses_and_the_truthful_report(model):
    assert model.user_losses() == {PAST_THE_BOND: 4 * ETH}
    assert plain_user_losses(model) == {PAST_THE_BOND: 4 * ETH}
    assert model.uncovered_losses() == 4 * ETH
    assert model.truthful_report() == (HELD, 93_677 * 10**15, 123_938 * 10**15)


def test_world_gain_counts_the_beacon_changes_only():
    m = several_minipools()
    assert m.world_gain() == -1_420 * 10**15
    assert m.world_gain() == -1_420 * 10**15  # asking again changes nothing
    m.beacon.reward(m.beacon.validator(pubkey(REDUCED)), ETH // 2)
    users = ETH // 2 - m.node_split(REDUCED, ETH // 2)["node"]
    assert m.world_gain() == -1_420 * 10**15 + users


def test_the_checks_report_the_same_numbers(model):
    """Solvency and no free lunch read these sums: their details are pinned too."""
    # UNSEEN_DEPOSIT's 31 ETH left the deposit contract's books only in the model.
    obs = observation_of(model, ACTORS)
    obs = replace(obs, beacon_deposited=obs.deposit_contract_eth)
    event = check_solvency(obs, model, ReportMarks())
    assert event.name == "uncovered-loss"
    assert event.details["held"] == HELD
    assert event.details["owed"] == obs.reth_value(obs.reth_supply)
    assert event.details["uncovered_since_report"] == 4 * ETH
    assert event.details["lost_since_report"] == 1_420 * 10**15
    marks = ReportMarks.of(model)
    assert (marks.uncovered, marks.world_gain) == (4 * ETH, -1_420 * 10**15)
    baseline = replace(obs, actor_eth=dict.fromkeys(ACTORS, START), reth_balances={})
    check_no_free_lunch(obs, model, ACTORS, baseline)
    richer = replace(obs, actor_eth={**obs.actor_eth, PAYEE_2: obs.actor_eth[PAYEE_2] + 1})
    with pytest.raises(InvariantViolation) as caught:
        check_no_free_lunch(richer, model, ACTORS, baseline)
    assert caught.value.details == {
        "actor": PAYEE_2,
        "expected": EARNED[PAYEE_2],
        "actual": EARNED[PAYEE_2] + 1,
        "eth_gain": 1,  # the 23 ETH it earned are claims: node shares not paid yet
        "reth_value": 0,
        "model_eth_gain": 0,
        "model_reth_value": 0,
    }
    assert caught.value.message == (
        f"actor {PAYEE_2} is up 23.000000… ETH (23000000000000000001 wei) (ETH 0.000000… ETH "
        "(1 wei), rETH worth 0 ETH (0 wei)) but the rules say it earned 23 ETH "
        "(23000000000000000000 wei): it got 0.000000… ETH (1 wei) for nothing"
    )
    # The harness minted the extra wei: no violation.
    check_no_free_lunch(richer, model, ACTORS, baseline, {PAYEE_2: 1})
    # Marks taken now leave no allowance for the penalty after the report.
    with pytest.raises(InvariantViolation) as caught:
        check_all(obs, model, obs, at_last_report=marks, baseline=baseline, actors=ACTORS)
    assert caught.value.name == "solvency"
    assert caught.value.details["gap"] == event.details["gap"] == 644_999_999_999_999_876 + 124
    events = check_all(obs, model, obs, baseline=baseline, actors=ACTORS)
    assert [e.name for e in events] == ["uncovered-loss"]
    assert events[0].details == event.details


@pytest.mark.parametrize("actor", ACTORS)
def test_no_free_lunch_fails_one_wei_past_each_actors_earnings(model, actor):
    """The violation states the actor's earnings, claims included, and its gain one wei above."""
    obs = replace(observation_of(model, ACTORS), beacon_deposited=model.beacon_deposits)
    baseline = replace(obs, actor_eth=dict.fromkeys(ACTORS, START), reth_balances={})
    check_no_free_lunch(obs, model, ACTORS, baseline)
    richer = replace(obs, actor_eth={**obs.actor_eth, actor: obs.actor_eth[actor] + 1})
    with pytest.raises(InvariantViolation) as caught:
        check_no_free_lunch(
            richer, model, [a.upper().replace("0X", "0x") for a in ACTORS], baseline
        )
    details = caught.value.details
    assert (details["actor"], details["expected"], details["actual"]) == (
        actor,
        EARNED[actor],
        EARNED[actor] + 1,
    )
    assert details["model_reth_value"] == model.owed(actor)
    assert details["reth_value"] == obs.reth_balances.get(actor, 0) * obs.exchange_rate // ETH


def test_one_share_table_gives_every_sum_the_plain_formulas_give(model):
    """``user_shares`` is computed once per check pass and read by held, lost and uncovered."""
    shares = model.user_shares()
    assert shares == {address: share for address, (_, share) in SHARES.items()}
    assert shares == {a: model.pending_user_share(a) for a in model.minipools}
    assert model.held_for_users(shares) == model.held_for_users() == HELD
    assert model.user_losses(shares) == plain_user_losses(model) == {PAST_THE_BOND: 4 * ETH}
    assert model.uncovered_losses(shares) == 4 * ETH
    assert (
        ReportMarks.of(model, shares)
        == ReportMarks.of(model)
        == ReportMarks(4 * ETH, -1_420 * 10**15, supply=123_938 * 10**15, paid_in=124 * ETH)
    )
    obs = replace(observation_of(model, ACTORS), beacon_deposited=model.beacon_deposits)
    assert check_solvency(obs, model, None, shares) == check_solvency(obs, model)


def test_world_gain_from_a_fresh_share_table():
    m = several_minipools()
    assert m.world_gain(m.user_shares()) == -1_420 * 10**15
    m.beacon.reward(m.beacon.validator(pubkey(REDUCED)), ETH // 2)
    users = ETH // 2 - m.node_split(REDUCED, ETH // 2)["node"]
    assert users == 3_225 * 10**14
    assert m.world_gain(m.user_shares()) == -1_420 * 10**15 + users
    assert m.world_gain() == -1_420 * 10**15 + users
