"""RocketNetworkPrices: the oDAO's RPL price reports and their consensus.

With three members and a 51% threshold, consensus is reached when
``1e18 * votes // members >= 0.51e18``: 2 of 3, 2 of 2, 1 of 1, never 1 of 2.
"""

from __future__ import annotations

import boa
import pytest

from harness.units import ETH
from tests.helpers import events, only_event

INITIAL_PRICE = ETH // 100
PRICE = 2 * ETH // 100
OTHER_PRICE = 3 * ETH // 100
SLOT_TIME = 1_700_000_000


def _consensus(votes: int, members: int) -> bool:
    return ETH * votes // members >= 51 * 10**16


def _assert_unchanged(p, price: int = INITIAL_PRICE, block: int = 0) -> None:
    assert p.network_prices.getRPLPrice() == price
    assert p.network_prices.getPricesBlock() == block


@pytest.fixture
def members(p):
    return p.odao_members


@pytest.fixture
def block(p):
    """A past block that no report has used."""
    return p.next_report_block()


def test_threshold_arithmetic_used_below():
    assert not _consensus(1, 3)
    assert _consensus(2, 3)
    assert not _consensus(1, 2)
    assert _consensus(2, 2)
    assert _consensus(1, 1)


def test_initial_price_is_one_hundredth_of_an_ether_at_block_zero(p):
    _assert_unchanged(p)
    assert p.network_prices.ROCKET_STORAGE() == p.storage.address


# --- consensus -------------------------------------------------------------------------


def test_one_vote_of_three_does_not_update(p, members, block):
    boa.env.time_travel(seconds=12)
    now = boa.env.evm.patch.timestamp
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    ev = only_event(p.network_prices, "PricesSubmitted")
    assert (ev.sender, ev.block, ev.slotTimestamp, ev.rplPrice, ev.time) == (
        members[0],
        block,
        SLOT_TIME,
        PRICE,
        now,
    )
    assert events(p.network_prices, "PricesUpdated") == []
    _assert_unchanged(p)


def test_second_vote_of_three_updates(p, members, block):
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    now = boa.env.evm.patch.timestamp
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[1])
    submitted = only_event(p.network_prices, "PricesSubmitted")
    assert (submitted.sender, submitted.block, submitted.rplPrice) == (members[1], block, PRICE)
    updated = only_event(p.network_prices, "PricesUpdated")
    assert (updated.block, updated.slotTimestamp, updated.rplPrice, updated.time) == (
        block,
        SLOT_TIME,
        PRICE,
        now,
    )
    _assert_unchanged(p, PRICE, block)


def test_third_vote_after_consensus_is_refused_as_stale(p, members, block):
    for member in members[:2]:
        p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=member)
    with boa.reverts("network prices: block is not after the last accepted report"):
        p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[2])
    _assert_unchanged(p, PRICE, block)


def test_votes_for_different_values_do_not_combine(p, members, block):
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    p.network_prices.submitPrices(block, SLOT_TIME, OTHER_PRICE, sender=members[1])
    p.network_prices.submitPrices(block, SLOT_TIME + 1, PRICE, sender=members[2])
    assert events(p.network_prices, "PricesUpdated") == []
    _assert_unchanged(p)


def test_report_price_helper_reaches_consensus(p):
    block = p.report_price("0.025")
    _assert_unchanged(p, 25 * ETH // 1_000, block)


def test_later_report_replaces_an_accepted_one(p, members):
    first = p.report_price(PRICE)
    second = p.next_report_block()
    assert second > first
    for member in members[1:]:
        p.network_prices.submitPrices(second, SLOT_TIME, OTHER_PRICE, sender=member)
    _assert_unchanged(p, OTHER_PRICE, second)


# --- refused submissions ---------------------------------------------------------------


def test_non_member_cannot_submit(p, block, depositor, stranger):
    for caller in (depositor, stranger, p.guardian):
        with boa.reverts("network prices: caller is not an oDAO member"):
            p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=caller)
    _assert_unchanged(p)


def test_duplicate_submission_is_refused(p, members, block):
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    with boa.reverts("network prices: duplicate submission from member"):
        p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    _assert_unchanged(p)
    # the refused duplicate did not count: one more member is still needed
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[1])
    _assert_unchanged(p, PRICE, block)


def test_second_vote_for_other_values_in_the_same_block_is_refused(p, members, block):
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    with boa.reverts("network prices: member already voted for this block"):
        p.network_prices.submitPrices(block, SLOT_TIME, OTHER_PRICE, sender=members[0])
    with boa.reverts("network prices: member already voted for this block"):
        p.network_prices.submitPrices(block, SLOT_TIME + 1, PRICE, sender=members[0])
    _assert_unchanged(p)
    # the refused vote did not count for OTHER_PRICE: a second member alone stays 1 of 3
    p.network_prices.submitPrices(block, SLOT_TIME, OTHER_PRICE, sender=members[1])
    _assert_unchanged(p)


def test_a_member_may_vote_again_for_another_block(p, members, block):
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    boa.env.time_travel(blocks=1)
    later = block + 1
    p.network_prices.submitPrices(later, SLOT_TIME, OTHER_PRICE, sender=members[0])
    p.network_prices.submitPrices(later, SLOT_TIME, OTHER_PRICE, sender=members[1])
    _assert_unchanged(p, OTHER_PRICE, later)


def test_current_block_is_in_the_future(p, members):
    current = boa.env.evm.patch.block_number
    with boa.reverts("network prices: block is in the future"):
        p.network_prices.submitPrices(current, SLOT_TIME, PRICE, sender=members[0])
    with boa.reverts("network prices: block is in the future"):
        p.network_prices.submitPrices(current + 1, SLOT_TIME, PRICE, sender=members[0])
    _assert_unchanged(p)


def test_block_zero_is_not_after_the_initial_state(p, members):
    with boa.reverts("network prices: block is not after the last accepted report"):
        p.network_prices.submitPrices(0, SLOT_TIME, PRICE, sender=members[0])
    _assert_unchanged(p)


def test_block_not_after_the_last_accepted_report_is_refused(p, members):
    accepted = p.report_price(PRICE)
    boa.env.time_travel(blocks=5)
    for stale in (accepted, accepted - 1):
        with boa.reverts("network prices: block is not after the last accepted report"):
            p.network_prices.submitPrices(stale, SLOT_TIME, OTHER_PRICE, sender=members[2])
    _assert_unchanged(p, PRICE, accepted)


def test_zero_price_is_refused(p, members, block):
    with boa.reverts("network prices: price must be positive"):
        p.network_prices.submitPrices(block, SLOT_TIME, 0, sender=members[0])
    _assert_unchanged(p)


def test_submissions_can_be_disabled(p, members, block):
    p.settings.setSettingBool("network.submit.prices.enabled", False, sender=p.guardian)
    with boa.reverts("network prices: submissions are disabled"):
        p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    with boa.reverts("network prices: submissions are disabled"):
        p.network_prices.executeUpdatePrices(block, SLOT_TIME, PRICE, sender=members[0])
    _assert_unchanged(p)
    p.settings.setSettingBool("network.submit.prices.enabled", True, sender=p.guardian)
    for member in members[:2]:
        p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=member)
    _assert_unchanged(p, PRICE, block)


def test_votes_cast_before_disabling_complete_after_re_enabling(p, members, block):
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    p.settings.setSettingBool("network.submit.prices.enabled", False, sender=p.guardian)
    with boa.reverts("network prices: submissions are disabled"):
        p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[1])
    p.settings.setSettingBool("network.submit.prices.enabled", True, sender=p.guardian)
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[1])
    _assert_unchanged(p, PRICE, block)


# --- executeUpdatePrices ---------------------------------------------------------------


def test_execute_without_consensus_reverts(p, members, block, stranger):
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    with boa.reverts("network prices: consensus has not been reached"):
        p.network_prices.executeUpdatePrices(block, SLOT_TIME, PRICE, sender=stranger)
    with boa.reverts("network prices: consensus has not been reached"):
        p.network_prices.executeUpdatePrices(block, SLOT_TIME, OTHER_PRICE, sender=members[0])
    _assert_unchanged(p)


def test_anyone_executes_a_report_that_reached_consensus_after_removals(
    p, members, block, stranger
):
    a, b, c = members
    # A and B vote for different prices: 1 of 3 each
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=a)
    p.network_prices.submitPrices(block, SLOT_TIME, OTHER_PRICE, sender=b)
    # 1 of 2 each: still no consensus
    p.odao.removeMember(c, sender=p.guardian)
    assert not _consensus(1, 2)
    with boa.reverts("network prices: consensus has not been reached"):
        p.network_prices.executeUpdatePrices(block, SLOT_TIME, PRICE, sender=stranger)
    # B leaves: A's vote is 1 of 1, B's no longer counts
    p.odao.removeMember(b, sender=p.guardian)
    with boa.reverts("network prices: consensus has not been reached"):
        p.network_prices.executeUpdatePrices(block, SLOT_TIME, OTHER_PRICE, sender=stranger)
    _assert_unchanged(p)
    boa.env.time_travel(seconds=30)
    now = boa.env.evm.patch.timestamp
    p.network_prices.executeUpdatePrices(block, SLOT_TIME, PRICE, sender=stranger)
    ev = only_event(p.network_prices, "PricesUpdated")
    assert (ev.block, ev.slotTimestamp, ev.rplPrice, ev.time) == (block, SLOT_TIME, PRICE, now)
    assert events(p.network_prices, "PricesSubmitted") == []
    _assert_unchanged(p, PRICE, block)
    # once applied, the same report cannot be applied again
    with boa.reverts("network prices: block is not after the last accepted report"):
        p.network_prices.executeUpdatePrices(block, SLOT_TIME, PRICE, sender=stranger)


def test_execute_checks_the_report_like_a_submission(p, members, block, stranger):
    current = boa.env.evm.patch.block_number
    with boa.reverts("network prices: block is in the future"):
        p.network_prices.executeUpdatePrices(current, SLOT_TIME, PRICE, sender=stranger)
    with boa.reverts("network prices: block is not after the last accepted report"):
        p.network_prices.executeUpdatePrices(0, SLOT_TIME, PRICE, sender=stranger)
    with boa.reverts("network prices: price must be positive"):
        p.network_prices.executeUpdatePrices(block, SLOT_TIME, 0, sender=stranger)
    _assert_unchanged(p)


# --- membership changes and old votes --------------------------------------------------


def test_a_removed_members_vote_does_not_count(p, members, block, stranger):
    a, b, c = members
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=a)
    p.odao.removeMember(a, sender=p.guardian)
    # Counting A's vote would make B's the 2nd of 2 members (100%); only B's counts: 50%.
    assert _consensus(2, 2) and not _consensus(1, 2)
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=b)
    assert events(p.network_prices, "PricesUpdated") == []
    _assert_unchanged(p)
    with boa.reverts("network prices: consensus has not been reached"):
        p.network_prices.executeUpdatePrices(block, SLOT_TIME, PRICE, sender=stranger)
    with boa.reverts("network prices: caller is not an oDAO member"):
        p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=a)
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=c)
    _assert_unchanged(p, PRICE, block)


def test_a_re_added_members_old_vote_does_not_count(p, members, block):
    a, b, _ = members
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=a)
    p.odao.removeMember(a, sender=p.guardian)
    p.odao.addMember(a, sender=p.guardian)
    assert p.odao.getMemberCount() == 3
    # Counting A's old vote would make B's the 2nd of 3 (consensus); only B's counts.
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=b)
    _assert_unchanged(p)
    # under its new membership A may vote for the block again, and that vote counts
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=a)
    _assert_unchanged(p, PRICE, block)


def test_a_new_member_raises_the_bar(p, members, block):
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[0])
    for i in range(2):
        p.odao.addMember(boa.env.generate_address(f"new_member_{i}"), sender=p.guardian)
    # 2 of 5 = 40%: no consensus
    assert not _consensus(2, 5)
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[1])
    _assert_unchanged(p)
    p.network_prices.submitPrices(block, SLOT_TIME, PRICE, sender=members[2])
    _assert_unchanged(p, PRICE, block)
