"""harness.chain.beacon: the simulated consensus layer, on its own (no EVM)."""

import pytest

from harness.chain.beacon import (
    ACTIVE,
    EXITING,
    WITHDRAWABLE,
    WITHDRAWN,
    YEAR_SECONDS,
    BeaconChain,
    BeaconConfig,
)
from harness.units import DAY, ETH_GWEI, GWEI

ADDRESS = "0x" + "ab" * 20
CREDENTIALS = b"\x01" + b"\x00" * 11 + bytes.fromhex("ab" * 20)


@pytest.fixture
def paid():
    return []


@pytest.fixture
def chain(paid):
    config = BeaconConfig(skim_interval=10 * DAY, exit_delay=DAY, withdrawal_delay=DAY)
    return BeaconChain(config, credit=lambda address, wei: paid.append((address, wei)))


def validator(chain, key=b"\x01" * 48, first=ETH_GWEI, rest=31 * ETH_GWEI):
    chain.process_deposit(key, CREDENTIALS, first)
    return chain.process_deposit(key, CREDENTIALS, rest)


def test_deposits_make_a_validator_that_activates_at_32_eth(chain):
    v = chain.process_deposit(b"\x01" * 48, CREDENTIALS, ETH_GWEI)
    assert (v.index, v.balance, v.status) == (0, ETH_GWEI, "pending")
    chain.process_deposit(b"\x01" * 48, CREDENTIALS, 31 * ETH_GWEI)
    assert (v.balance, v.status, v.deposited) == (32 * ETH_GWEI, ACTIVE, 32 * ETH_GWEI)
    assert chain.deposits_seen == 2
    assert v.withdrawal_address == ADDRESS
    assert chain.validators_of(ADDRESS) == [v]


def test_rewards_accrue_at_the_apr_on_the_effective_balance(chain):
    v = validator(chain)
    chain.advance(YEAR_SECONDS // 73)  # 5 days: before the first sweep
    expected = 32 * ETH_GWEI * 4 * 10**16 * (YEAR_SECONDS // 73) // (10**18 * YEAR_SECONDS)
    assert v.rewards == expected == 17_534_246
    assert v.balance == 32 * ETH_GWEI + expected
    assert chain.total_rewards == expected


def test_a_sweep_skims_above_32_eth_to_the_withdrawal_address(chain, paid):
    v = validator(chain)
    chain.advance(10 * DAY)
    earned = 32 * ETH_GWEI * 4 * 10**16 * 10 * DAY // (10**18 * YEAR_SECONDS)
    assert paid == [(ADDRESS, earned * GWEI)]
    assert v.balance == 32 * ETH_GWEI
    assert v.withdrawn == earned
    assert chain.withdrawals[0].full is False


def test_offline_validator_leaks_what_it_would_earn(chain):
    v = validator(chain)
    chain.set_online(v, False)
    chain.advance(5 * DAY)
    leak = 32 * ETH_GWEI * 4 * 10**16 * 5 * DAY // (10**18 * YEAR_SECONDS)
    assert v.penalties == leak
    assert v.balance == 32 * ETH_GWEI - leak


def test_exit_then_full_withdrawal(chain, paid):
    v = validator(chain)
    chain.exit(v)
    assert v.status == EXITING
    chain.advance(DAY)  # earns until the exit, then nothing
    earned = 32 * ETH_GWEI * 4 * 10**16 * DAY // (10**18 * YEAR_SECONDS)
    assert v.rewards == earned
    chain.advance(DAY)
    assert v.status == WITHDRAWABLE
    assert v.rewards == earned
    chain.advance(8 * DAY)  # the sweep at day 10 withdraws everything
    assert v.status == WITHDRAWN
    assert paid == [(ADDRESS, (32 * ETH_GWEI + earned) * GWEI)]
    assert v.balance == 0


def test_slashing_penalty_grows_with_recent_slashings(chain):
    vs = [validator(chain, key=bytes([i]) * 48) for i in range(1, 5)]
    first = chain.slash(vs[0])
    # 1 ETH initial + 32 ETH * 3 * 1 / 4 active
    assert first == ETH_GWEI + 32 * ETH_GWEI * 3 // 4
    second = chain.slash(vs[1])
    # now 2 recent slashings among 4 validators: the penalty takes everything left
    assert second == 32 * ETH_GWEI
    assert vs[1].balance == 0
    assert vs[0].slashed and vs[0].status == EXITING
    with pytest.raises(ValueError, match="cannot be slashed"):
        chain.slash(vs[0])


def test_slashings_outside_the_window_do_not_correlate(chain):
    vs = [validator(chain, key=bytes([i]) * 48) for i in range(1, 9)]
    chain.slash(vs[0])
    chain.advance(19 * DAY)
    penalty = chain.slash(vs[1])
    # Only itself is recent; all 8 are still on duty or exiting (vs[0] is
    # withdrawable at day 36): 1 ETH + 32 ETH * 3 * 1 / 8 = 13 ETH.
    assert penalty == 13 * ETH_GWEI


def test_time_only_moves_forward(chain):
    with pytest.raises(ValueError, match="forward"):
        chain.advance(-1)


def test_exit_of_an_inactive_validator_is_refused(chain):
    v = chain.process_deposit(b"\x09" * 48, CREDENTIALS, ETH_GWEI)
    with pytest.raises(ValueError, match="not active"):
        chain.exit(v)


def test_reward_and_penalty_amounts_follow_the_eth_convention(chain):
    v = validator(chain)
    chain.reward(v, "0.5")  # a str is ETH
    chain.reward(v, 10**9)  # an int is wei: 1 gwei
    assert v.balance == 32 * ETH_GWEI + ETH_GWEI // 2 + 1
    assert chain.penalise(v, "1") == ETH_GWEI
    with pytest.raises(ValueError, match="whole number of gwei"):
        chain.reward(v, 1)  # 1 wei


# ---------------------------------------------------------------- block proposals
RECIPIENT = "0x" + "d1" * 20


def proposing_chain(paid, rate, recipient=RECIPIENT, **fees):
    """A chain whose validators' blocks pay ``recipient``, ``rate`` a fraction of 1e18."""
    from harness.config import ProposalsConfig

    return BeaconChain(
        BeaconConfig(apr=0, skim_interval=1_000 * DAY),
        credit=lambda address, wei: paid.append((address, wei)),
        fee_recipient=lambda v: recipient,
        proposals_config=ProposalsConfig(rate=rate, **fees),
    )


def test_time_without_a_seed_gives_no_blocks(paid):
    chain = proposing_chain(paid, rate=10**18)
    validator(chain)
    assert chain.advance(DAY) == []
    assert chain.proposals == [] and paid == []


def test_a_seed_gives_the_same_blocks_and_each_pays_the_fee_recipient(paid):
    chain = proposing_chain(paid, rate=10**16)  # 1% of slots
    validator(chain)
    again = proposing_chain([], rate=10**16)
    validator(again)
    made = chain.advance(30 * DAY, seed=11)
    assert [(b.time, b.wei) for b in made] == [(b.time, b.wei) for b in again.advance(30 * DAY, 11)]
    assert made != [] and chain.proposals == made
    assert paid == [(RECIPIENT, b.wei) for b in made if b.wei]
    # Whole gwei, at most the priority fee plus the MEV, on slot boundaries in the interval.
    assert all(b.wei % GWEI == 0 and b.wei <= (10**17 + 2 * 10**18) for b in made)
    assert all(b.time % 12 == 0 and 0 < b.time <= 30 * DAY for b in made)
    assert [b.time for b in made] == sorted(b.time for b in made)
    assert chain.draw_proposals(30 * DAY, seed=12) != chain.draw_proposals(30 * DAY, seed=13)


def test_the_number_of_blocks_is_binomial_in_the_slots(paid):
    # 1% of 360,000 slots (50 days): mean 3,600, standard deviation about 60.
    chain = proposing_chain(paid, rate=10**16, priority_fee=GWEI, mev=0)
    validator(chain)
    counts = [len(chain.draw_proposals(50 * DAY, seed)) for seed in range(5)]
    assert all(3_600 - 300 < n < 3_600 + 300 for n in counts), counts
    assert len(set(counts)) > 1
    # Every slot, at rate 1: one block a slot exactly.
    assert len(proposing_chain([], rate=10**18).draw_proposals(DAY, 0)) == 0  # nobody on duty
    full = proposing_chain([], rate=10**18)
    validator(full)
    assert len(full.draw_proposals(DAY, 0)) == DAY // 12


def test_blocks_go_only_to_validators_on_duty_with_a_fee_recipient(paid):
    from harness.config import ProposalsConfig

    chain = BeaconChain(
        BeaconConfig(apr=0, skim_interval=1_000 * DAY, exit_delay=DAY, withdrawal_delay=DAY),
        credit=lambda address, wei: paid.append((address, wei)),
        # Validators 0 and 1 belong to a node the world knows; 2 does not.
        fee_recipient=lambda v: RECIPIENT if v.index in (0, 1) else None,
        proposals_config=ProposalsConfig(rate=10**18),
    )
    first = validator(chain, b"\x01" * 48)
    second = validator(chain, b"\x02" * 48)
    validator(chain, b"\x03" * 48)  # no fee recipient: never proposes
    chain.slash(second)  # slashed: never proposes
    chain.exit(first)  # proposes until its exit, a day from now
    made = chain.advance(3 * DAY, seed=5)
    assert {b.validator for b in made} == {0}
    assert len(made) == DAY // 12 - 1  # the slots strictly before its exit
    assert max(b.time for b in made) < first.exit_time


def test_an_explicit_proposal_pays_its_recipient_or_another_as_a_theft(paid):
    chain = proposing_chain(paid, rate=0)
    v = validator(chain)
    honest = chain.propose(v, "0.25")
    stolen = chain.propose(v, 10**17, recipient="0x" + "ee" * 20)
    assert (honest.recipient, honest.wei, honest.stolen) == (RECIPIENT, 25 * 10**16, False)
    assert (stolen.wei, stolen.stolen) == (10**17, True)
    assert paid == [(RECIPIENT, 25 * 10**16), ("0x" + "ee" * 20, 10**17)]
    nowhere = proposing_chain([], rate=0, recipient=None)
    with pytest.raises(ValueError, match="has no fee recipient"):
        nowhere.propose(validator(nowhere), "1")
