"""Each invariant on hand-made observations: silent when the chain agrees, precise when not.

No EVM here. The reference model is driven through its own actions; the
observation the chain *should* give is built from it (:func:`observation_of`),
and each failing case perturbs one field with ``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.model import Expect, Model
from harness.units import ETH, ETH_GWEI, GWEI
from invariants import (
    RATE_DUST,
    EconomicEvent,
    InvariantViolation,
    MinipoolObservation,
    NodeObservation,
    Observation,
    ReportMarks,
    check_all,
    check_auction,
    check_beacon_deposits,
    check_deposit_pool,
    check_distribution_split,
    check_eth_conservation,
    check_minipool_accounting,
    check_minipool_lifecycle,
    check_no_free_lunch,
    check_node_accounting,
    check_outcome,
    check_rate_monotonicity,
    check_reth_supply,
    check_solvency,
    check_vault,
    conservation_baseline,
)

START = 1_000 * ETH
SCRUB = 12 * 3_600
ODAO = "0x" + "0d" * 20
DEPOSITOR = "0x" + "de" * 20
OTHER = "0x" + "dd" * 20
NODE = "0x" + "ee" * 20
MINIPOOL = "0x" + "a1" * 20
MINIPOOL_2 = "0x" + "a2" * 20
ACTORS = [DEPOSITOR, OTHER, NODE]


def pubkey(address: str) -> bytes:
    return bytes.fromhex(address[2:]) + b"\x00" * 28


def credentials(address: str) -> bytes:
    return b"\x01" + b"\x00" * 11 + bytes.fromhex(address[2:])


def new_model() -> Model:
    beacon = BeaconChain(BeaconConfig(apr=0), credit=lambda address, wei: None)
    return Model(None, [ODAO], beacon, reth_address="0x" + "e7" * 20)


def node_ready(m: Model) -> None:
    assert m.register_node(NODE, now=0).ok
    m.fund_rpl(NODE, 10_000 * ETH)
    assert m.stake_rpl(NODE, 10_000 * ETH, now=0).ok


def create(m: Model, address: str, bond: int = 8 * ETH) -> None:
    assert m.create_minipool(NODE, bond, address, pubkey(address), now=m.now).ok
    m.beacon.process_deposit(pubkey(address), credentials(address), ETH_GWEI)


def report(m: Model, block: int) -> None:
    total, staking, supply = m.truthful_report()
    assert m.report_balances(block, total, staking, supply, ODAO).values["accepted"] == 1


def staked_model() -> Model:
    """24 ETH deposited, one 8 ETH minipool assigned and staked, a report accepted."""
    m = new_model()
    node_ready(m)
    assert m.deposit(DEPOSITOR, 24 * ETH, now=0).ok
    create(m, MINIPOOL)
    assert m.stake(MINIPOOL, SCRUB + 1).ok
    m.beacon.process_deposit(pubkey(MINIPOOL), credentials(MINIPOOL), 31 * ETH_GWEI)
    report(m, 1)
    return m


def observation_of(m: Model, actors=ACTORS) -> Observation:
    """The observation a chain that agrees with ``m`` gives (actors start with START ETH)."""
    beacon = m.beacon
    return Observation(
        reth_supply=m.reth_supply,
        reth_balances={h: m.reth_balances.get(h, 0) for h in sorted({*actors, *m.reth_balances})},
        reth_eth=m.reth_eth,
        exchange_rate=m.rate(),
        pool_balance=m.pool_balance,
        pool_node_balance=m.pool_node_balance,
        pool_user_balance=m.user_balance(),
        pool_excess=m.excess_balance(),
        queue=tuple(m.queue),
        vault_eth=m.pool_balance,
        vault_balances={"rocketVault": 0, "rocketDepositPool": m.pool_balance},
        reported_total_eth=m.report.total_eth,
        reported_staking_eth=m.report.staking_eth,
        reported_reth_supply=m.report.reth_supply,
        reported_block=m.report.block,
        minipools={
            a: MinipoolObservation(
                a,
                mp.status,
                mp.bond,
                mp.user_capital,
                mp.refund,
                mp.slash,
                mp.finalised,
                mp.user_distributed,
                mp.eth,
            )
            for a, mp in m.minipools.items()
        },
        minipool_count=sum(1 for mp in m.minipools.values() if not mp.destroyed),
        nodes={
            a: NodeObservation(
                a,
                s.eth_matched,
                s.eth_provided,
                s.rpl_stake,
                s.staking_count,
                s.active_count,
                s.finalised_count,
            )
            for a, s in m.nodes.items()
        },
        auction_rpl=m.auction_rpl,
        actor_eth={a: START + m.eth_out.get(a, 0) - m.eth_in.get(a, 0) for a in actors},
        deposit_contract_eth=m.beacon_deposits,
        beacon_balance=beacon.total_balance_gwei() * GWEI,
        beacon_rewards=beacon.total_rewards * GWEI,
        beacon_penalties=beacon.total_penalties * GWEI,
        beacon_deposited=sum(v.deposited for v in beacon.validators) * GWEI,
    )


def violation(check, *args, **kwargs) -> InvariantViolation:
    with pytest.raises(InvariantViolation) as caught:
        check(*args, **kwargs)
    return caught.value


@pytest.fixture
def m() -> Model:
    return staked_model()


@pytest.fixture
def obs(m) -> Observation:
    return observation_of(m)


# ---------------------------------------------------------------- solvency
def test_solvency_holds_when_the_report_is_the_truth(m, obs):
    assert check_solvency(obs, m) is None


def test_solvency_fails_when_holders_are_owed_more_than_is_held(m, obs):
    inflated = replace(obs, reported_total_eth=obs.reported_total_eth + ETH)
    error = violation(check_solvency, inflated, m)
    assert error.name == "solvency"
    assert "owed" in error.message and "short by" in error.message
    assert error.details["gap"] == ETH
    assert error.details["owed"] - error.details["held"] == ETH


def test_solvency_allows_rounding_dust_and_no_more(m, obs):
    dust = obs.reth_supply // ETH + 1
    held = m.held_for_users()
    supply = obs.reported_reth_supply
    at_dust = replace(obs, reported_total_eth=held + dust, reported_reth_supply=supply)
    assert check_solvency(at_dust, m) is None
    beyond = replace(obs, reported_total_eth=held + dust + 1)
    assert violation(check_solvency, beyond, m).name == "solvency"


def test_a_loss_past_the_bond_since_the_report_is_the_uncovered_loss_event(m, obs):
    m.beacon.penalise(m.beacon.validator(pubkey(MINIPOOL)), 12 * ETH)
    assert m.uncovered_losses() == 4 * ETH
    event = check_solvency(obs, m)
    assert isinstance(event, EconomicEvent)
    assert event.name == "uncovered-loss"
    assert event.details["uncovered_since_report"] == 4 * ETH
    # Already outstanding at the last report: no allowance left.
    error = violation(check_solvency, obs, m, ReportMarks.of(m))
    assert error.name == "solvency"


def test_a_penalty_that_takes_reported_rewards_is_allowed_until_the_next_report():
    """Rewards the report counted can be lost: above U + N the users share a penalty."""
    m = staked_model()
    validator = m.beacon.validator(pubkey(MINIPOOL))
    m.beacon.reward(validator, ETH)  # 33 ETH: users' part of 1 ETH of rewards
    report(m, 2)
    marks = ReportMarks.of(m)
    users_rewards = ETH - m.node_split(MINIPOOL, ETH)["node"]
    assert m.held_for_users() == 24 * ETH + users_rewards
    m.beacon.penalise(validator, ETH // 2)  # 32.5 ETH: within the bond, no capital lost
    assert m.uncovered_losses() == 0
    lost = marks.lost_since(m)
    assert lost == users_rewards - (ETH // 2 - m.node_split(MINIPOOL, ETH // 2)["node"])
    obs = observation_of(m)
    assert check_solvency(obs, m, marks) is None
    # Without the allowance the same gap is a violation: the check is not blind.
    error = violation(check_solvency, obs, m, ReportMarks.of(m))
    assert error.details["gap"] == lost
    # The next report lowers the rate by the loss over the supply: a named event.
    report(m, 3)
    event = check_rate_monotonicity(obs.exchange_rate, m.rate(), m.reth_supply, lost, 0)
    assert event.name == "beacon-loss-socialised"
    assert event.details["fall"] <= lost * ETH // m.reth_supply + RATE_DUST


def test_a_deposit_on_its_way_to_the_beacon_chain_counts_as_there_already():
    m = new_model()
    node_ready(m)
    assert m.deposit(DEPOSITOR, 24 * ETH, now=0).ok
    create(m, MINIPOOL)
    held, gain = m.held_for_users(), m.world_gain()
    assert m.stake(MINIPOOL, SCRUB + 1).ok  # 31 ETH sent; the beacon has not seen it yet
    assert m.minipool_total(MINIPOOL) == 32 * ETH
    assert m.held_for_users() == held
    m.beacon.process_deposit(pubkey(MINIPOOL), credentials(MINIPOOL), 31 * ETH_GWEI)
    assert m.minipool_total(MINIPOOL) == 32 * ETH
    assert m.world_gain() == gain


def test_protocol_actions_are_not_counted_as_the_worlds_doing():
    m = staked_model()
    before = m.world_gain()
    assert m.deposit(OTHER, 5 * ETH, now=m.now).ok
    assert m.burn(DEPOSITOR, ETH, now=m.now).ok
    assert m.world_gain() == before
    m.beacon.penalise(m.beacon.validator(pubkey(MINIPOOL)), 10 * ETH)  # 22 ETH: 2 past the bond
    assert m.world_gain() == before - 2 * ETH


def test_a_report_executed_late_is_judged_by_the_moment_it_describes():
    # Found by a long campaign: a vote, the threshold raised, a second vote, a
    # gift to the minipool, the threshold lowered, a stranger executes. The
    # report is the truth at its votes; the gift after them is the next report's.
    m = staked_model()
    second = "0x" + "0e" * 20
    assert m.add_member(second).ok
    obs0, marks0 = observation_of(m), m.report.marks
    m.beacon.penalise(m.beacon.validator(pubkey(MINIPOOL)), 12 * ETH)  # 4 ETH past the bond
    total, staking, supply = m.truthful_report()
    assert m.report_balances(2, total, staking, supply, ODAO).values["accepted"] == 0
    m.credit(MINIPOOL, ETH)  # the gift: the users' loss is 3 ETH from here on
    assert m.report_balances(2, total, staking, supply, second).values["accepted"] == 1
    after = observation_of(m)
    events = check_all(after, m, obs0, at_last_report=marks0)
    assert [e.name for e in events] == ["uncovered-loss-socialised"]
    assert events[0].details["lost_since_last_report"] == 4 * ETH
    # Measured at execution instead, the same fall looks like users paying too much.
    error = violation(
        check_rate_monotonicity,
        obs0.exchange_rate,
        after.exchange_rate,
        supply,
        marks0.lost_since(m),
    )
    assert "more than the" in error.message


def test_a_deposit_before_a_late_report_that_raises_the_rate_is_a_stale_report():
    # Found by a long campaign (seed 9): the rETH minted between a report's votes
    # and its execution gets the report's rate too. Here rewards of 2 ETH raise it.
    m = staked_model()
    second = "0x" + "0e" * 20
    assert m.add_member(second).ok
    obs0, marks0 = observation_of(m), m.report.marks
    m.beacon.reward(m.beacon.validator(pubkey(MINIPOOL)), 2 * ETH)
    total, staking, supply = m.truthful_report()
    assert m.report_balances(2, total, staking, supply, ODAO).values["accepted"] == 0
    assert m.deposit(OTHER, 100 * ETH, now=m.now).ok  # at the old rate
    assert m.report_balances(2, total, staking, supply, second).values["accepted"] == 1
    stale = m.reth_balances[OTHER] * total // supply - 100 * ETH
    assert stale > ETH // 10
    assert m.report.marks.stale == stale
    late = observation_of(m)
    events = check_all(late, m, obs0, at_last_report=marks0)
    assert [e.name for e in events] == ["stale-report"]
    assert events[0].details["gap"] <= stale + events[0].details["dust"]
    # Without the stale trades' gain carried, the same state is a violation.
    assert violation(check_solvency, late, m, replace(m.report.marks, stale=0)).name == "solvency"
    # The next report tells the truth: the rate falls by no more than that gain.
    marks = m.report.marks
    total, staking, supply = m.truthful_report()
    assert m.report_balances(3, total, staking, supply, ODAO).values["accepted"] == 0
    assert m.report_balances(3, total, staking, supply, second).values["accepted"] == 1
    after = observation_of(m)
    assert after.exchange_rate < late.exchange_rate
    events = check_all(after, m, late, at_last_report=marks)
    assert [e.name for e in events] == ["stale-report"]
    assert events[0].details["fall"] <= stale * ETH // supply + RATE_DUST


def test_a_deficit_a_report_could_not_pass_on_is_carried_to_later_holders():
    # Found by a long campaign: a reduced minipool loses nearly everything; the
    # node's 8 ETH credit is more than the users' side holds, so the honest
    # report says 0; holders burn for nothing; a new deposit meets the deficit.
    m = new_model()
    node_ready(m)
    assert m.deposit(DEPOSITOR, 16 * ETH, now=0).ok
    create(m, MINIPOOL, bond=16 * ETH)
    assert m.stake(MINIPOOL, SCRUB + 1).ok
    m.beacon.process_deposit(pubkey(MINIPOOL), credentials(MINIPOOL), 31 * ETH_GWEI)
    assert m.begin_reduce_bond(MINIPOOL, NODE, 2 * 86_400).ok
    assert m.reduce_bond(MINIPOOL, NODE, 4 * 86_400).ok
    m.beacon.penalise(m.beacon.validator(pubkey(MINIPOOL)), 28 * ETH)  # 4 ETH left
    assert m.held_for_users() < 0
    report(m, 1)
    assert m.rate() == 0
    assert m.burn(DEPOSITOR, m.reth_balances[DEPOSITOR], now=m.now).ok
    report(m, 2)
    deficit = m.report.marks.deficit
    assert deficit == -m.held_for_users() > 0
    assert m.deposit(OTHER, ETH, now=m.now).ok
    obs = observation_of(m)
    event = check_solvency(obs, m, m.report.marks)
    assert event.name == "deficit-carried"
    assert event.details["gap"] == obs.reth_value(obs.reth_supply) - m.held_for_users()
    # The same gap with no deficit carried is a violation.
    error = violation(check_solvency, obs, m, replace(m.report.marks, deficit=0))
    assert error.name == "solvency"


# ---------------------------------------------------------------- rate monotonicity
def test_rate_may_rise_or_stay():
    assert check_rate_monotonicity(ETH, ETH, 10 * ETH, 0) is None
    assert check_rate_monotonicity(ETH, ETH + 1, 10 * ETH, 0) is None


def test_rate_may_not_fall_without_a_loss_on_the_beacon_chain():
    error = violation(check_rate_monotonicity, ETH, ETH - 1, 10 * ETH, 0)
    assert error.name == "rate-monotonicity"
    assert "the users lost nothing on the beacon chain" in error.message
    assert error.details["fall"] == 1


def test_rate_may_fall_by_the_uncovered_loss_over_the_supply_as_a_named_event():
    # 4 ETH lost over 20 rETH: 0.2 ETH per rETH.
    bound = 4 * ETH * ETH // (20 * ETH) + RATE_DUST
    event = check_rate_monotonicity(ETH, ETH - bound, 20 * ETH, 4 * ETH, 4 * ETH)
    assert event == EconomicEvent("uncovered-loss-socialised", event.details)
    assert event.details["fall"] == bound
    # The same fall with every loss within its bond names the other event.
    assert check_rate_monotonicity(ETH, ETH - bound, 20 * ETH, 4 * ETH).name == (
        "beacon-loss-socialised"
    )
    error = violation(check_rate_monotonicity, ETH, ETH - bound - 1, 20 * ETH, 4 * ETH, 4 * ETH)
    assert error.name == "rate-monotonicity"
    assert "more than the" in error.message
    assert error.details["bound"] == bound


def test_a_report_of_no_supply_may_reset_the_rate():
    assert check_rate_monotonicity(2 * ETH, ETH, 0, 0) is None


# ---------------------------------------------------------------- ETH conservation
def test_eth_is_conserved_through_beacon_rewards_and_penalties():
    start = Observation(actor_eth={DEPOSITOR: 100 * ETH}, beacon_balance=32 * ETH)
    initial = conservation_baseline(start)
    assert initial == 132 * ETH
    later = replace(
        start,
        actor_eth={DEPOSITOR: 68 * ETH},
        vault_eth=3 * ETH,
        reth_eth=ETH,
        minipools={MINIPOOL: MinipoolObservation(MINIPOOL, eth=ETH // 2)},
        contract_eth={"node_deposit": 0},
        beacon_balance=59 * ETH + ETH // 2 + ETH // 10,
        beacon_rewards=ETH // 2,
        beacon_penalties=ETH // 2 - ETH // 10,
        deposit_contract_eth=32 * ETH,  # not counted: it is the beacon balances' origin
    )
    check_eth_conservation(later, initial)
    funded = replace(later, actor_eth={DEPOSITOR: 78 * ETH})
    check_eth_conservation(funded, initial, funded=10 * ETH)


def test_eth_from_nowhere_breaks_conservation():
    start = Observation(actor_eth={DEPOSITOR: 100 * ETH})
    initial = conservation_baseline(start)
    error = violation(check_eth_conservation, replace(start, vault_eth=1), initial)
    assert error.name == "eth-conservation"
    assert "appeared from nowhere" in error.message
    assert error.details["difference"] == 1
    error = violation(check_eth_conservation, replace(start, actor_eth={DEPOSITOR: 0}), initial)
    assert "went missing" in error.message


def test_the_deposit_contract_holds_what_the_beacon_chain_saw(obs):
    check_beacon_deposits(obs)
    error = violation(check_beacon_deposits, replace(obs, beacon_deposited=31 * ETH))
    assert error.name == "beacon-deposits"
    assert "without its logs reaching the beacon chain" in error.message
    assert error.details == {"expected": 31 * ETH, "actual": 32 * ETH}


# ---------------------------------------------------------------- rETH supply
def test_reth_supply_agrees_with_holders_and_the_model(m, obs):
    check_reth_supply(obs, m)


def test_reth_held_by_an_unknown_address_breaks_the_supply(m, obs):
    balances = {**obs.reth_balances, DEPOSITOR: obs.reth_balances[DEPOSITOR] - 5}
    error = violation(check_reth_supply, replace(obs, reth_balances=balances), m)
    assert error.name == "reth-supply"
    assert "an address the model does not know" in error.message


def test_reth_minted_beyond_the_rules_breaks_the_supply(m, obs):
    balances = {**obs.reth_balances, DEPOSITOR: obs.reth_balances[DEPOSITOR] + 5}
    perturbed = replace(obs, reth_balances=balances, reth_supply=obs.reth_supply + 5)
    error = violation(check_reth_supply, perturbed, m)
    assert error.name == "reth-supply"
    assert "totalSupply" in error.message
    assert error.details == {"expected": m.reth_supply, "actual": m.reth_supply + 5}


def test_reth_in_the_wrong_hands_breaks_the_supply(m, obs):
    balances = {**obs.reth_balances, DEPOSITOR: obs.reth_balances[DEPOSITOR] - 5, OTHER: 5}
    error = violation(check_reth_supply, replace(obs, reth_balances=balances), m)
    assert error.name == "reth-supply"
    assert f"holder {OTHER} has 5 rETH wei" in error.message
    assert error.details == {"holder": OTHER, "expected": 0, "actual": 5}


def test_the_models_reth_ledger_must_balance(m, obs):
    m.reth_minted += 1
    error = violation(check_reth_supply, obs, m)
    assert error.name == "reth-supply"
    assert "minted" in error.message and "burned" in error.message


def test_no_reth_without_eth_in():
    m = new_model()
    m.reth_supply = m.reth_minted = 1
    m.reth_balances[DEPOSITOR] = 1
    obs = Observation(reth_supply=1, reth_balances={DEPOSITOR: 1})
    error = violation(check_reth_supply, obs, m)
    assert error.name == "reth-supply"
    assert "no ETH was ever paid" in error.message


# ---------------------------------------------------------------- vault
def test_the_vault_books_balance(obs):
    check_vault(obs)


def test_unbooked_vault_eth_is_caught(obs):
    error = violation(check_vault, replace(obs, vault_eth=obs.vault_eth + 1))
    assert error.name == "vault"
    assert "without being booked" in error.message
    assert error.details["actual"] == error.details["expected"] + 1


def test_the_deposit_pool_balance_is_its_vault_entry(obs):
    error = violation(check_vault, replace(obs, pool_balance=obs.pool_balance + 1))
    assert error.name == "vault"
    assert "the vault books" in error.message


# ---------------------------------------------------------------- auction
def test_the_auction_holds_the_slashed_rpl_and_a_wei_off_is_caught(m):
    check_auction(observation_of(m), m)  # nothing slashed yet: 0 on both sides
    slashed = m._slash_rpl(NODE, 3 * ETH)  # RPL worth 3 ETH, rounded up, to auction
    assert slashed > 0 and m.auction_rpl == slashed
    check_auction(observation_of(m), m)
    error = violation(check_auction, replace(observation_of(m), auction_rpl=slashed - 1), m)
    assert error.name == "auction"
    assert error.details == {"expected": slashed, "actual": slashed - 1}
    assert "booked wrong" in error.message


# ---------------------------------------------------------------- deposit pool
@pytest.fixture
def queued():
    """Two minipools queued behind 1 ETH of deposits (23 ETH in the pool, short of 31)."""
    m = new_model()
    node_ready(m)
    assert m.deposit(DEPOSITOR, ETH, now=0).ok
    create(m, MINIPOOL)
    create(m, MINIPOOL_2, 16 * ETH)
    assert m.queue == [MINIPOOL, MINIPOOL_2]
    return m


def test_the_deposit_pool_agrees_with_the_rules(queued):
    obs = observation_of(queued)
    assert obs.pool_user_balance == ETH and obs.pool_excess == 0
    check_deposit_pool(obs, queued)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"pool_user_balance": 1}, "getUserBalance()"),
        ({"pool_excess": 1}, "getExcessBalance()"),
    ],
)
def test_the_deposit_pool_must_agree_with_itself(queued, change, fragment):
    obs = observation_of(queued)
    error = violation(check_deposit_pool, replace(obs, **change), queued)
    assert error.name == "deposit-pool"
    assert fragment in error.message


def test_the_deposit_pool_balances_must_be_the_rules(queued):
    obs = observation_of(queued)
    more = replace(
        obs, pool_balance=obs.pool_balance + 1, pool_user_balance=obs.pool_user_balance + 1
    )
    error = violation(check_deposit_pool, replace(more, vault_balances={}), queued)
    assert error.name == "deposit-pool"
    assert "balance is" in error.message
    node = replace(
        obs,
        pool_node_balance=obs.pool_node_balance + 1,
        pool_user_balance=obs.pool_user_balance - 1,
    )
    error = violation(check_deposit_pool, node, queued)
    assert "node balance" in error.message
    assert error.details == {
        "field": "node balance",
        "expected": queued.pool_node_balance,
        "actual": queued.pool_node_balance + 1,
    }


def test_the_queue_is_first_in_first_out(queued):
    obs = observation_of(queued)
    error = violation(check_deposit_pool, replace(obs, queue=(MINIPOOL_2, MINIPOOL)), queued)
    assert error.name == "deposit-pool"
    assert "first in, first out" in error.message


# ---------------------------------------------------------------- minipool lifecycle
def minipool(obs: Observation, **change) -> Observation:
    return replace(obs, minipools={MINIPOOL: replace(obs.minipools[MINIPOOL], **change)})


def test_a_staking_minipool_that_moved_legally_passes(m, obs):
    prelaunch = minipool(obs, status=1)
    check_minipool_lifecycle(obs, m, prelaunch)
    check_minipool_lifecycle(obs, m, obs)
    check_minipool_lifecycle(obs, m, None)


def test_withdrawable_is_an_illegal_status(m, obs):
    error = violation(check_minipool_lifecycle, minipool(obs, status=3), m)
    assert error.name == "minipool-lifecycle"
    assert "status 3 (Withdrawable)" in error.message


@pytest.mark.parametrize(("before", "after"), [(2, 1), (0, 2), (2, 4), (4, 1), (1, 0)])
def test_illegal_moves_are_caught(m, obs, before, after):
    error = violation(
        check_minipool_lifecycle, minipool(obs, status=after), m, minipool(obs, status=before)
    )
    assert error.name == "minipool-lifecycle"
    assert "in one step" in error.message
    assert (error.details["previous"], error.details["actual"]) == (before, after)


def test_a_new_minipool_cannot_start_staking(m, obs):
    error = violation(check_minipool_lifecycle, obs, m, replace(obs, minipools={}))
    assert error.name == "minipool-lifecycle"
    assert "appeared with status Staking" in error.message


def test_finalised_never_goes_back(m, obs):
    error = violation(check_minipool_lifecycle, obs, m, minipool(obs, finalised=True))
    assert error.name == "minipool-lifecycle"
    assert "was finalised and is no longer" in error.message


# ---------------------------------------------------------------- minipool and node accounting
def test_minipools_and_nodes_agree_with_the_rules(m, obs):
    check_minipool_accounting(obs, m)
    check_node_accounting(obs, m)


def test_a_staking_minipool_holds_32_eth_of_capital(m, obs):
    error = violation(check_minipool_accounting, minipool(obs, user_deposit=23 * ETH), m)
    assert error.name == "minipool-accounting"
    assert "not 32 ETH" in error.message
    assert error.details["actual"] == 31 * ETH


@pytest.mark.parametrize(
    ("field", "value"), [("refund", 1), ("slash", 1), ("eth", 1), ("user_distributed", True)]
)
def test_each_minipool_field_is_the_rules(m, obs, field, value):
    error = violation(check_minipool_accounting, minipool(obs, **{field: value}), m)
    assert error.name == "minipool-accounting"
    assert field.replace("_", " ") in error.message
    assert error.details["field"] == field and error.details["actual"] == value


def test_unknown_and_missing_minipools_are_caught(m, obs):
    stray = {**obs.minipools, MINIPOOL_2: MinipoolObservation(MINIPOOL_2)}
    error = violation(check_minipool_accounting, replace(obs, minipools=stray), m)
    assert "the rules know no such minipool" in error.message
    error = violation(check_minipool_accounting, replace(obs, minipool_count=2), m)
    assert error.name == "minipool-accounting"
    assert "counts 2 live minipools" in error.message


@pytest.mark.parametrize(
    "field",
    [
        "eth_matched",
        "eth_provided",
        "rpl_stake",
        "staking_count",
        "active_count",
        "finalised_count",
    ],
)
def test_each_node_field_is_the_rules(m, obs, field):
    node = obs.nodes[NODE]
    perturbed = replace(obs, nodes={NODE: replace(node, **{field: getattr(node, field) + 1})})
    error = violation(check_node_accounting, perturbed, m)
    assert error.name == "node-accounting"
    assert field.replace("_", " ") in error.message
    assert error.details["actual"] == error.details["expected"] + 1


def test_an_unknown_node_is_caught(m, obs):
    nodes = {**obs.nodes, OTHER: NodeObservation(OTHER)}
    error = violation(check_node_accounting, replace(obs, nodes=nodes), m)
    assert error.name == "node-accounting"
    assert "no such node" in error.message


# ---------------------------------------------------------------- single calls
def test_a_distribution_pays_the_split_the_rules_give():
    check_distribution_split({"node": 3, "user": 7, "slash": 0}, 3, 7)
    check_distribution_split({}, 0, 0)
    error = violation(check_distribution_split, {"node": 3, "user": 7}, 4, 6)
    assert error.name == "distribution-split"
    assert "the rules split it" in error.message
    assert error.details["expected_node"] == 3 and error.details["actual_node"] == 4


def test_outcomes_that_match_the_model_pass():
    check_outcome("deposit", Expect(True, None, {"minted": 1}), True, None)
    check_outcome(
        "burn", Expect(False, "reth: burn amount is zero"), False, "reth: burn amount is zero"
    )


def test_a_refused_call_the_rules_allow_is_a_liveness_bug():
    error = violation(check_outcome, "burn", Expect(True, None, {"eth": 1}), False, "boom")
    assert error.name == "outcome"
    assert "LIVENESS" in error.message and "liveness" in error.message.lower()
    assert error.details["kind"] == "liveness"


def test_an_allowed_call_the_rules_refuse_is_a_missing_check():
    error = violation(check_outcome, "burn", Expect(False, "reth: burn amount is zero"), True, None)
    assert error.name == "outcome"
    assert "MISSING CHECK" in error.message
    assert error.details["expected_reason"] == "reth: burn amount is zero"


def test_a_refusal_for_another_reason_is_a_wrong_reason():
    error = violation(check_outcome, "burn", Expect(False, "a"), False, "b")
    assert error.name == "outcome"
    assert "wrong reason" in error.message
    assert error.details["kind"] == "wrong-reason"


# ---------------------------------------------------------------- no free lunch
def test_no_actor_is_richer_than_the_rules_say(m, obs):
    baseline = Observation(actor_eth=dict.fromkeys(ACTORS, START))
    check_no_free_lunch(obs, m, ACTORS, baseline)


def test_an_actor_paid_more_than_the_rules_got_a_free_lunch(m, obs):
    baseline = Observation(actor_eth=dict.fromkeys(ACTORS, START))
    richer = replace(obs, actor_eth={**obs.actor_eth, NODE: obs.actor_eth[NODE] + 1})
    error = violation(check_no_free_lunch, richer, m, ACTORS, baseline)
    assert error.name == "no-free-lunch"
    assert f"actor {NODE}" in error.message and "for nothing" in error.message
    assert error.details["actual"] == error.details["expected"] + 1
    # ETH the harness minted into it is not a lunch.
    check_no_free_lunch(richer, m, ACTORS, baseline, funded={NODE: 1})


def test_the_sandwich_pays_only_what_the_rules_pay():
    m = staked_model()
    baseline = Observation(actor_eth=dict.fromkeys(ACTORS, START))
    assert m.deposit(OTHER, 10 * ETH, now=m.now).ok
    m.beacon.reward(m.beacon.validator(pubkey(MINIPOOL)), ETH)
    report(m, 2)
    assert m.rate() > ETH
    # Half: the collateral (the pool's excess) cannot pay all of it back at the new rate.
    assert m.burn(OTHER, m.reth_balances[OTHER] // 2, now=m.now).ok
    assert m.eth_out[OTHER] > 5 * ETH
    obs = observation_of(m)
    check_no_free_lunch(obs, m, ACTORS, baseline)
    # A burn paying one wei more than the rate allows is caught.
    overpaid = replace(obs, actor_eth={**obs.actor_eth, OTHER: obs.actor_eth[OTHER] + 1})
    error = violation(check_no_free_lunch, overpaid, m, ACTORS, baseline)
    assert error.name == "no-free-lunch"
    # So is rETH left with the sandwicher that the rules burned.
    kept = replace(obs, reth_balances={**obs.reth_balances, OTHER: obs.reth_balances[OTHER] + ETH})
    assert violation(check_no_free_lunch, kept, m, ACTORS, baseline).name == "no-free-lunch"


# ---------------------------------------------------------------- all at once
def test_check_all_passes_a_chain_that_agrees_with_the_model(m, obs):
    baseline = Observation(actor_eth=dict.fromkeys(ACTORS, START))
    events = check_all(
        obs,
        m,
        obs,
        initial_total=obs.accounted_eth,
        baseline=baseline,
        actors=ACTORS,
    )
    assert events == []


def test_check_all_names_the_most_local_fault_first(m, obs):
    # An unbooked wei in the vault also breaks conservation: the vault is named.
    error = violation(
        check_all,
        replace(obs, vault_eth=obs.vault_eth + 1),
        m,
        obs,
        initial_total=obs.accounted_eth,
    )
    assert error.name == "vault"


def test_check_all_judges_a_new_report_and_resets_the_solvency_allowance(m, obs):
    m.beacon.penalise(m.beacon.validator(pubkey(MINIPOOL)), 12 * ETH)
    lossy = observation_of(m)
    assert [e.name for e in check_all(lossy, m, obs)] == ["uncovered-loss"]
    report(m, 2)
    after = observation_of(m)
    assert after.exchange_rate < obs.exchange_rate
    assert [e.name for e in check_all(after, m, lossy)] == ["uncovered-loss-socialised"]
    # A report that falls with no loss since the last one is a violation.
    error = violation(check_all, after, m, lossy, at_last_report=ReportMarks.of(m))
    assert error.name == "rate-monotonicity"


def test_solvency_carries_a_negative_holding_as_a_deficit_and_sees_a_report_above_it(m, obs):
    """Unspent deposit credit can exceed the pool's ETH once the users' capital is gone."""
    m.pool_node_balance += m.pool_balance + 4 * ETH  # credit the pool cannot back
    m.beacon.penalise(m.beacon.validator(pubkey(MINIPOOL)), 32 * ETH)
    assert m.held_for_users() == -4 * ETH
    report(m, 2)
    assert m.report.total_eth == 0
    assert m.report.marks.deficit == 4 * ETH
    after = observation_of(m)
    event = check_solvency(after, m, m.report.marks)
    assert event.name == "deficit-carried"
    assert event.details["gap"] == 4 * ETH
    # A report of 1 ETH is above the truth: holders are owed it and nothing backs it.
    error = violation(check_solvency, replace(after, reported_total_eth=ETH), m, m.report.marks)
    assert error.details["held"] == -4 * ETH
    assert error.details["gap"] == 5 * ETH


def test_the_view_tables_list_the_observation_fields_in_order():
    """observe() fills the readings positionally: the view tables must follow the fields."""
    from dataclasses import fields

    from invariants.observe import (
        _MINIPOOL_VIEWS,
        _NODE_VIEWS,
        MinipoolObservation,
        NodeObservation,
    )

    minipool = [f.name for f in fields(MinipoolObservation)]
    node = [f.name for f in fields(NodeObservation)]
    assert minipool == ["address", *(f for f, _ in _MINIPOOL_VIEWS), "eth"]
    assert node == ["address", *(f for f, _, _ in _NODE_VIEWS)]
