"""RocketDAONodeTrusted: the oracle DAO's members, their nonces, and the guardian's control.

The deployed protocol admits ``boa_config.toml``'s three members in order, so
their nonces are 1, 2 and 3.
"""

from __future__ import annotations

import boa
import pytest

from tests.helpers import events, only_event

ZERO = "0x0000000000000000000000000000000000000000"
MAX_MEMBERS = 64


@pytest.fixture
def candidate():
    return boa.env.generate_address("odao_candidate")


def _members(p) -> list[str]:
    return [p.odao.getMemberAt(i) for i in range(p.odao.getMemberCount())]


# --- the deployed members --------------------------------------------------------------


def test_deployed_oracle_dao_has_the_three_configured_members(p):
    assert len(p.odao_members) == 3
    assert p.odao.getMemberCount() == 3
    assert _members(p) == p.odao_members


def test_deployed_members_are_valid_with_nonces_one_to_three(p):
    nonces = [p.odao.getMemberNonce(m) for m in p.odao_members]
    assert nonces == [1, 2, 3]
    for member in p.odao_members:
        assert p.odao.getMemberIsValid(member) is True
        assert p.odao.getMemberJoinedTime(member) > 0


def test_outsiders_are_not_members(p, depositor, stranger):
    for outsider in (depositor, stranger, p.guardian, ZERO):
        assert p.odao.getMemberIsValid(outsider) is False
        assert p.odao.getMemberNonce(outsider) == 0
        assert p.odao.getMemberJoinedTime(outsider) == 0


def test_member_index_out_of_range_reverts(p):
    with boa.reverts("odao: member index out of range"):
        p.odao.getMemberAt(3)
    with boa.reverts("odao: member index out of range"):
        p.odao.getMemberAt(2**256 - 1)


def test_oracle_dao_points_at_the_directory(p):
    assert p.odao.ROCKET_STORAGE() == p.storage.address


# --- adding ----------------------------------------------------------------------------


def test_guardian_adds_a_member(p, candidate):
    boa.env.time_travel(seconds=100)
    now = boa.env.evm.patch.timestamp
    p.odao.addMember(candidate, sender=p.guardian)
    ev = only_event(p.odao, "MemberJoined")
    assert (ev.nodeAddress, ev.nonce, ev.time) == (candidate, 4, now)
    assert ev.address == p.odao.address
    assert p.odao.getMemberCount() == 4
    assert p.odao.getMemberAt(3) == candidate
    assert p.odao.getMemberIsValid(candidate) is True
    assert p.odao.getMemberNonce(candidate) == 4
    assert p.odao.getMemberJoinedTime(candidate) == now


def test_non_guardian_cannot_add(p, candidate, depositor, stranger):
    for caller in (depositor, stranger, p.odao_members[0]):
        with boa.reverts("odao: caller is not the guardian"):
            p.odao.addMember(candidate, sender=caller)
    assert p.odao.getMemberCount() == 3
    assert p.odao.getMemberIsValid(candidate) is False


def test_zero_address_cannot_be_added(p):
    with boa.reverts("odao: zero address"):
        p.odao.addMember(ZERO, sender=p.guardian)
    assert p.odao.getMemberCount() == 3
    assert p.odao.getMemberIsValid(ZERO) is False


def test_a_member_cannot_be_added_twice(p):
    member = p.odao_members[1]
    with boa.reverts("odao: already a member"):
        p.odao.addMember(member, sender=p.guardian)
    assert p.odao.getMemberCount() == 3
    assert p.odao.getMemberNonce(member) == 2
    assert _members(p) == p.odao_members


def test_member_limit_is_64(p):
    for i in range(MAX_MEMBERS - 3):
        p.odao.addMember(boa.env.generate_address(f"extra_member_{i}"), sender=p.guardian)
    assert p.odao.getMemberCount() == MAX_MEMBERS
    last = p.odao.getMemberAt(MAX_MEMBERS - 1)
    assert p.odao.getMemberNonce(last) == MAX_MEMBERS
    one_too_many = boa.env.generate_address("one_too_many")
    with boa.reverts("odao: member limit reached"):
        p.odao.addMember(one_too_many, sender=p.guardian)
    assert p.odao.getMemberCount() == MAX_MEMBERS
    assert p.odao.getMemberIsValid(one_too_many) is False
    # a seat freed by a removal can be taken again
    p.odao.removeMember(p.odao_members[0], sender=p.guardian)
    p.odao.addMember(one_too_many, sender=p.guardian)
    assert p.odao.getMemberCount() == MAX_MEMBERS
    assert p.odao.getMemberNonce(one_too_many) == MAX_MEMBERS + 1


# --- removing --------------------------------------------------------------------------


def test_guardian_removes_a_member(p):
    first, second, third = p.odao_members
    boa.env.time_travel(seconds=100)
    now = boa.env.evm.patch.timestamp
    p.odao.removeMember(first, sender=p.guardian)
    ev = only_event(p.odao, "MemberLeft")
    assert (ev.nodeAddress, ev.time) == (first, now)
    assert p.odao.getMemberCount() == 2
    assert p.odao.getMemberIsValid(first) is False
    assert p.odao.getMemberNonce(first) == 0
    assert p.odao.getMemberJoinedTime(first) == 0
    # swap-and-pop: the last member takes the removed one's slot
    assert _members(p) == [third, second]
    assert [p.odao.getMemberNonce(m) for m in (second, third)] == [2, 3]
    with boa.reverts("odao: member index out of range"):
        p.odao.getMemberAt(2)


def test_removing_the_last_member_listed_keeps_the_order(p):
    first, second, third = p.odao_members
    p.odao.removeMember(third, sender=p.guardian)
    assert _members(p) == [first, second]


def test_removing_every_member_empties_the_oracle_dao(p):
    for member in p.odao_members:
        p.odao.removeMember(member, sender=p.guardian)
    assert p.odao.getMemberCount() == 0
    with boa.reverts("odao: member index out of range"):
        p.odao.getMemberAt(0)
    assert not any(p.odao.getMemberIsValid(m) for m in p.odao_members)


def test_non_guardian_cannot_remove(p, depositor, stranger):
    member = p.odao_members[0]
    for caller in (depositor, stranger, p.odao_members[1], member):
        with boa.reverts("odao: caller is not the guardian"):
            p.odao.removeMember(member, sender=caller)
    assert p.odao.getMemberCount() == 3
    assert p.odao.getMemberNonce(member) == 1
    assert _members(p) == p.odao_members


def test_a_non_member_cannot_be_removed(p, stranger):
    with boa.reverts("odao: not a member"):
        p.odao.removeMember(stranger, sender=p.guardian)
    with boa.reverts("odao: not a member"):
        p.odao.removeMember(ZERO, sender=p.guardian)
    assert p.odao.getMemberCount() == 3
    assert _members(p) == p.odao_members


def test_a_member_cannot_be_removed_twice(p):
    member = p.odao_members[0]
    p.odao.removeMember(member, sender=p.guardian)
    with boa.reverts("odao: not a member"):
        p.odao.removeMember(member, sender=p.guardian)
    assert p.odao.getMemberCount() == 2
    assert events(p.odao, "MemberLeft") == []


def test_a_re_added_member_gets_a_new_nonce(p, candidate):
    member = p.odao_members[0]
    p.odao.removeMember(member, sender=p.guardian)
    p.odao.addMember(candidate, sender=p.guardian)  # nonce 4
    p.odao.addMember(member, sender=p.guardian)
    ev = only_event(p.odao, "MemberJoined")
    assert (ev.nodeAddress, ev.nonce) == (member, 5)
    assert p.odao.getMemberNonce(member) == 5
    assert p.odao.getMemberIsValid(member) is True
    assert p.odao.getMemberCount() == 4
    assert set(_members(p)) == {*p.odao_members, candidate}


def test_re_adding_immediately_still_changes_the_nonce(p):
    member = p.odao_members[2]
    p.odao.removeMember(member, sender=p.guardian)
    p.odao.addMember(member, sender=p.guardian)
    assert p.odao.getMemberNonce(member) == 4
    assert p.odao.getMemberCount() == 3
