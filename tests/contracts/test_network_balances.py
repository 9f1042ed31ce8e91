"""RocketNetworkBalances: oDAO votes, consensus, and the checks on every report."""

import boa
import pytest

from harness.units import ETH
from tests.helpers import events, only_event


def _report(p, block, total=110 * ETH, staking=64 * ETH, supply=100 * ETH, slot=1_000):
    return (block, slot, total, staking, supply)


def _balances(p):
    nb = p.network_balances
    return (
        nb.getBalancesBlock(),
        nb.getTotalETHBalance(),
        nb.getStakingETHBalance(),
        nb.getTotalRETHSupply(),
    )


def test_nothing_reported_at_deployment(p):
    assert _balances(p) == (0, 0, 0, 0)
    assert p.network_balances.getETHUtilizationRate() == ETH


def test_one_vote_of_three_is_not_consensus_two_are(p):
    a, b, _ = p.odao_members
    report = _report(p, p.next_report_block())
    p.network_balances.submitBalances(*report, sender=a)
    ev = only_event(p.network_balances, "BalancesSubmitted")
    assert (ev.sender, ev.block, ev.slotTimestamp) == (a, report[0], 1_000)
    assert (ev.totalEth, ev.stakingEth, ev.rethSupply) == (110 * ETH, 64 * ETH, 100 * ETH)
    assert events(p.network_balances, "BalancesUpdated") == []
    assert _balances(p) == (0, 0, 0, 0)
    assert p.network_balances.getSubmissionVotes(*report) == 1

    p.network_balances.submitBalances(*report, sender=b)
    ev = only_event(p.network_balances, "BalancesUpdated")
    assert (ev.block, ev.totalEth, ev.stakingEth, ev.rethSupply) == (
        report[0],
        110 * ETH,
        64 * ETH,
        100 * ETH,
    )
    assert _balances(p) == (report[0], 110 * ETH, 64 * ETH, 100 * ETH)
    # 64 / 110 of 1e18, rounded down
    assert p.network_balances.getETHUtilizationRate() == 64 * ETH * ETH // (110 * ETH)


def test_votes_for_different_values_do_not_add_up(p):
    a, b, _ = p.odao_members
    block = p.next_report_block()
    p.network_balances.submitBalances(*_report(p, block, total=110 * ETH), sender=a)
    p.network_balances.submitBalances(*_report(p, block, total=111 * ETH), sender=b)
    assert _balances(p) == (0, 0, 0, 0)


def test_non_member_cannot_vote(p, stranger):
    with boa.reverts("network balances: caller is not an oDAO member"):
        p.network_balances.submitBalances(*_report(p, p.next_report_block()), sender=stranger)


def test_second_vote_by_a_member_in_the_same_block_reverts(p):
    a = p.odao_members[0]
    block = p.next_report_block()
    p.network_balances.submitBalances(*_report(p, block), sender=a)
    with boa.reverts("network balances: duplicate submission from member"):
        p.network_balances.submitBalances(*_report(p, block), sender=a)
    with boa.reverts("network balances: member already voted for this block"):
        p.network_balances.submitBalances(*_report(p, block, total=200 * ETH), sender=a)
    assert p.network_balances.getSubmissionVotes(*_report(p, block)) == 1
    assert p.network_balances.getSubmissionVotes(*_report(p, block, total=200 * ETH)) == 0


def test_future_block_reverts(p):
    a = p.odao_members[0]
    now = boa.env.evm.patch.block_number
    for block in (now, now + 1):
        with boa.reverts("network balances: block is in the future"):
            p.network_balances.submitBalances(*_report(p, block), sender=a)


def test_stale_and_out_of_order_reports_revert(p):
    a, b, c = p.odao_members
    block = p.report_balances(total_eth="110", reth_supply="100", staking_eth="64")
    assert p.network_balances.getBalancesBlock() == block
    # the third member, late, for the same block
    with boa.reverts("network balances: block is not after the last accepted report"):
        p.network_balances.submitBalances(*_report(p, block), sender=c)
    # an older block
    with boa.reverts("network balances: block is not after the last accepted report"):
        p.network_balances.submitBalances(*_report(p, block - 1), sender=c)
    # and executing an old report
    with boa.reverts("network balances: block is not after the last accepted report"):
        p.network_balances.executeUpdateBalances(*_report(p, block - 1), sender=c)
    assert _balances(p) == (block, 110 * ETH, 64 * ETH, 100 * ETH)


def test_staking_above_total_reverts(p):
    a = p.odao_members[0]
    block = p.next_report_block()
    with boa.reverts("network balances: staking balance exceeds total balance"):
        p.network_balances.submitBalances(
            *_report(p, block, total=10 * ETH, staking=10 * ETH + 1), sender=a
        )
    # equal is fine
    p.network_balances.submitBalances(
        *_report(p, block, total=10 * ETH, staking=10 * ETH), sender=a
    )


def test_submissions_disabled(p):
    p.settings.setSettingBool("network.submit.balances.enabled", False, sender=p.guardian)
    block = p.next_report_block()
    for call in (p.network_balances.submitBalances, p.network_balances.executeUpdateBalances):
        with boa.reverts("network balances: submissions are disabled"):
            call(*_report(p, block), sender=p.odao_members[0])


def test_execute_requires_consensus_then_anyone_may_execute(p, stranger):
    a, b, c = p.odao_members
    report = _report(p, p.next_report_block())
    p.network_balances.submitBalances(*report, sender=a)
    with boa.reverts("network balances: consensus has not been reached"):
        p.network_balances.executeUpdateBalances(*report, sender=stranger)
    # One vote of three is 33%: raise nothing, lower the member count instead.
    p.odao.removeMember(c, sender=p.guardian)
    p.odao.removeMember(b, sender=p.guardian)
    # Now 1 vote of 1 member: consensus exists, and anyone may apply it.
    p.network_balances.executeUpdateBalances(*report, sender=stranger)
    only_event(p.network_balances, "BalancesUpdated")
    assert _balances(p) == (report[0], 110 * ETH, 64 * ETH, 100 * ETH)


def test_removed_members_votes_do_not_count(p):
    a, b, c = p.odao_members
    report = _report(p, p.next_report_block())
    p.network_balances.submitBalances(*report, sender=a)
    p.odao.removeMember(a, sender=p.guardian)
    # Two members left; b's vote would be 2 of 2 if a's still counted.
    # Counted honestly it is 1 of 2 = 50% < 51%.
    p.network_balances.submitBalances(*report, sender=b)
    assert p.network_balances.getSubmissionVotes(*report) == 1
    assert _balances(p) == (0, 0, 0, 0)
    with boa.reverts("network balances: consensus has not been reached"):
        p.network_balances.executeUpdateBalances(*report, sender=c)
    # Re-admitting a does not revive its old vote...
    p.odao.addMember(a, sender=p.guardian)
    assert p.network_balances.getSubmissionVotes(*report) == 1
    # ...but a may vote afresh under its new membership: 2 of 3 is consensus.
    p.network_balances.submitBalances(*report, sender=a)
    assert _balances(p) == (report[0], 110 * ETH, 64 * ETH, 100 * ETH)


def test_higher_threshold_needs_more_votes(p):
    a, b, c = p.odao_members
    p.settings.setSettingUint("network.consensus.threshold", ETH, sender=p.guardian)
    report = _report(p, p.next_report_block())
    p.network_balances.submitBalances(*report, sender=a)
    p.network_balances.submitBalances(*report, sender=b)
    assert _balances(p)[0] == 0
    p.network_balances.submitBalances(*report, sender=c)
    assert _balances(p)[0] == report[0]


@pytest.mark.parametrize(
    ("total", "staking", "expected"),
    [(0, 0, ETH), (3 * ETH, ETH, ETH // 3), (ETH, ETH, ETH), (7, 0, 0)],
)
def test_utilization_rate(p, total, staking, expected):
    p.report_balances(total_eth=total, staking_eth=staking, reth_supply=ETH)
    assert p.network_balances.getETHUtilizationRate() == expected


def test_each_later_report_replaces_the_last(p):
    block = p.report_balances(total_eth="110", reth_supply="100")
    later = p.next_report_block()
    assert later > block
    p.report_balances(total_eth="120", reth_supply="100", block=later)
    assert _balances(p) == (later, 120 * ETH, 0, 100 * ETH)
