"""RocketNetworkPenalties and RocketMinipoolPenalty: votes, counts, rates, and the exit they cut."""

from __future__ import annotations

import boa
import pytest

from harness.units import ETH
from tests.contracts.helpers import staking_minipool
from tests.helpers import events, only_event

PERCENT = 10**16
FEE = 14 * PERCENT


@pytest.fixture
def withdrawal(np, node):
    """A separate withdrawal address for ``node``, so its payouts are told apart."""
    address = boa.env.generate_address("penalised_withdrawal_address")
    np.node_manager.setWithdrawalAddress(node, address, True, sender=node)
    return address


@pytest.fixture
def staked(np, node, withdrawal):
    """A staking 8 ETH minipool of ``node`` (fee 14%)."""
    return staking_minipool(np, node)


def penalise(np, minipool, block: int) -> None:
    """Two of the three members vote a penalty on ``minipool`` at ``block``: 2/3 >= 51%."""
    for member in np.odao_members[:2]:
        np.network_penalties.submitPenalty(minipool.address, block, sender=member)


def add_eth(minipool, amount: int) -> None:
    """The beacon chain pays ``amount`` to ``minipool`` (no code runs)."""
    boa.env.set_balance(minipool.address, boa.env.get_balance(minipool.address) + amount)


# ------------------------------------------------------------ settings


def test_penalty_settings_defaults_and_bounds(np):
    settings = np.settings
    assert settings.getNodePenaltyThreshold() == 51 * PERCENT
    assert settings.getPerPenaltyRate() == 10 * PERCENT
    with boa.env.prank(np.guardian):
        with boa.reverts("settings: penalty threshold must be between 51% and 100%"):
            settings.setSettingUint("network.penalty.threshold", 51 * PERCENT - 1)
        with boa.reverts("settings: penalty threshold must be between 51% and 100%"):
            settings.setSettingUint("network.penalty.threshold", ETH + 1)
        with boa.reverts("settings: penalty rate must be at most 100%"):
            settings.setSettingUint("network.penalty.per.rate", ETH + 1)
        settings.setSettingUint("network.penalty.per.rate", ETH)
    assert settings.getPerPenaltyRate() == ETH


# ------------------------------------------------------------ votes


def test_the_vote_that_reaches_the_threshold_applies_the_penalty(np, staked):
    penalties, (first, second, _) = np.network_penalties, np.odao_members
    penalties.submitPenalty(staked.address, 100, sender=first)
    submitted = only_event(penalties, "PenaltySubmitted")
    assert (submitted.sender, submitted.minipoolAddress) == (first, staked.address)
    assert submitted.block == 100
    assert penalties.getPenaltyCount(staked.address) == 0  # 1/3 < 51%
    penalties.submitPenalty(staked.address, 100, sender=second)
    assert penalties.getPenaltyCount(staked.address) == 1
    third = np.odao_members[2]
    with boa.reverts("network penalties: penalty already applied for this block"):
        penalties.submitPenalty(staked.address, 100, sender=third)
    # A voter of an applied ballot is told it voted already (checked first, as the reference).
    with boa.reverts("network penalties: duplicate submission from member"):
        penalties.submitPenalty(staked.address, 100, sender=first)
    # Another block is another ballot.
    penalties.submitPenalty(staked.address, 101, sender=third)
    assert penalties.getPenaltyCount(staked.address) == 1


def test_vote_refusals(np, node, staked, stranger):
    penalties, member = np.network_penalties, np.odao_members[0]
    for caller in (stranger, node):
        with boa.reverts("network penalties: caller is not an oDAO member"):
            penalties.submitPenalty(staked.address, 1, sender=caller)
    with boa.reverts("network penalties: invalid minipool"):
        penalties.submitPenalty(stranger, 1, sender=member)
    penalties.submitPenalty(staked.address, 1, sender=member)
    with boa.reverts("network penalties: duplicate submission from member"):
        penalties.submitPenalty(staked.address, 1, sender=member)


def test_execute_update_penalty_by_anyone_once_consensus_is_reached(np, staked, stranger):
    penalties, (first, second, third) = np.network_penalties, np.odao_members
    with boa.env.prank(np.guardian):
        np.settings.setSettingUint("network.penalty.threshold", ETH)  # all three must vote
    penalties.submitPenalty(staked.address, 7, sender=first)
    penalties.submitPenalty(staked.address, 7, sender=second)
    assert penalties.getPenaltyCount(staked.address) == 0
    with boa.reverts("network penalties: consensus has not been reached"):
        penalties.executeUpdatePenalty(staked.address, 7, sender=stranger)
    # The third member leaves: 2 of 2 voted.
    np.odao.removeMember(third, sender=np.guardian)
    penalties.executeUpdatePenalty(staked.address, 7, sender=stranger)
    assert penalties.getPenaltyCount(staked.address) == 1
    with boa.reverts("network penalties: penalty already applied for this block"):
        penalties.executeUpdatePenalty(staked.address, 7, sender=stranger)


def test_a_removed_members_vote_stops_counting(np, staked, stranger):
    penalties, (first, second, third) = np.network_penalties, np.odao_members
    penalties.submitPenalty(staked.address, 9, sender=first)
    np.odao.removeMember(first, sender=np.guardian)
    # One valid vote of two members: 50% < 51%.
    with boa.reverts("network penalties: consensus has not been reached"):
        penalties.executeUpdatePenalty(staked.address, 9, sender=stranger)
    penalties.submitPenalty(staked.address, 9, sender=second)
    assert penalties.getPenaltyCount(staked.address) == 0
    penalties.submitPenalty(staked.address, 9, sender=third)
    assert penalties.getPenaltyCount(staked.address) == 1


# ------------------------------------------------------------ counts and rates


def test_the_first_two_penalties_set_no_rate_then_each_adds_the_per_penalty_rate(np, staked):
    penalties, rates = np.network_penalties, np.minipool_penalty
    assert rates.getMaxPenaltyRate() == 50 * PERCENT  # boa_config.toml's [penalties] max_rate
    for block, rate in ((1, 0), (2, 0), (3, 10 * PERCENT), (4, 20 * PERCENT)):
        penalise(np, staked, block)
        updated = events(penalties, "PenaltyUpdated")
        assert [(u.minipoolAddress, u.penalty) for u in updated] == (
            [(staked.address, rate)] if rate else []
        )
        assert penalties.getPenaltyCount(staked.address) == block
        assert rates.getPenaltyRate(staked.address) == rate


def test_the_rate_is_capped_at_the_maximum_and_zero_while_it_is_zero(np, staked):
    rates = np.minipool_penalty
    for block in range(1, 6):  # rate 30%
        penalise(np, staked, block)
    assert rates.getPenaltyRate(staked.address) == 30 * PERCENT
    rates.setMaxPenaltyRate(15 * PERCENT, sender=np.guardian)
    updated = only_event(rates, "MaxPenaltyRateUpdated")
    assert updated.rate == 15 * PERCENT
    assert rates.getPenaltyRate(staked.address) == 15 * PERCENT
    rates.setMaxPenaltyRate(0, sender=np.guardian)
    assert rates.getPenaltyRate(staked.address) == 0


def test_rate_setters_refuse_wrong_callers(np, node, staked, stranger):
    rates, member = np.minipool_penalty, np.odao_members[0]
    for caller in (stranger, node, member, staked.address):
        with boa.reverts("minipool penalty: caller is not the guardian"):
            rates.setMaxPenaltyRate(ETH, sender=caller)
        with boa.reverts("minipool penalty: caller is not a network contract"):
            rates.setPenaltyRate(staked.address, ETH, sender=caller)
    assert rates.getPenaltyRate(staked.address) == 0


# ------------------------------------------------------------ the exit


def _penalty_rate_10(np, staked) -> None:
    for block in (1, 2, 3):
        penalise(np, staked, block)
    assert np.minipool_penalty.getPenaltyRate(staked.address) == 10 * PERCENT


def test_a_penalty_of_10_percent_moves_a_tenth_of_the_exits_node_share_to_users(
    np, node, staked, withdrawal
):
    _penalty_rate_10(np, staked)
    # 33 ETH: node 8 + 1/4 + 3/4 * 14% = 8.355 ETH before the penalty; 10% of it to users.
    node_share = 8 * ETH + ETH // 4 + (3 * ETH // 4) * FEE // ETH
    assert node_share == 8_355 * 10**15
    penalised = node_share - node_share // 10
    assert staked.calculateNodeShare(33 * ETH) == penalised == 7_519_500 * 10**12
    assert staked.calculateUserShare(33 * ETH) == 33 * ETH - penalised
    add_eth(staked, 33 * ETH)
    staked.distributeBalance(False, sender=node)
    processed = only_event(staked, "EtherWithdrawalProcessed")
    assert (processed.nodeAmount, processed.userAmount) == (penalised, 33 * ETH - penalised)
    assert np.balance(withdrawal) == penalised


def test_skimmed_rewards_are_not_penalised(np, node, staked, withdrawal):
    _penalty_rate_10(np, staked)
    skim = ETH
    # v1.3.1 applies the penalty in `_calculateNodeShare` only (the exit), not to skims.
    share = ETH // 4 + (3 * ETH // 4) * FEE // ETH
    assert staked.calculateNodeShare(skim) == share
    add_eth(staked, skim)
    staked.distributeBalance(True, sender=node)
    assert np.balance(withdrawal) == share


def test_the_penalty_is_capped_at_the_node_share(np, node, staked, withdrawal):
    with boa.env.prank(np.guardian):
        np.settings.setSettingUint("network.penalty.per.rate", ETH)
    np.minipool_penalty.setMaxPenaltyRate(2 * ETH, sender=np.guardian)
    for block in (1, 2, 3, 4):  # rate 200%: twice the node's share, capped at all of it
        penalise(np, staked, block)
    assert np.minipool_penalty.getPenaltyRate(staked.address) == 2 * ETH
    assert staked.calculateNodeShare(33 * ETH) == 0
    add_eth(staked, 33 * ETH)
    staked.distributeBalance(False, sender=node)
    processed = only_event(staked, "EtherWithdrawalProcessed")
    assert (processed.nodeAmount, processed.userAmount) == (0, 33 * ETH)
    assert np.balance(withdrawal) == 0


def test_an_exit_below_the_user_capital_has_no_node_share_to_penalise(np, node, staked):
    _penalty_rate_10(np, staked)
    assert staked.calculateNodeShare(24 * ETH) == 0
    # Between U and U + N the node's share is b - U, less 10%.
    assert staked.calculateNodeShare(28 * ETH) == 4 * ETH - 4 * ETH // 10
