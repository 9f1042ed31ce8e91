# pragma version ~=0.4.3
"""
@title Oracle DAO ballots (scrubs, bond-reduction cancels)
@notice One vote per member per ballot and membership. A vote counts only
        while its voter is still a member under the membership it voted
        with, so a removed member's votes never help reach a quorum, and a
        re-admitted member may vote again without counting twice.
"""

from interfaces import IRocketDAONodeTrusted

import rocket_base

uses: rocket_base


# @dev Constants
MAX_VOTES: constant(uint256) = 64


# @dev Structs
struct Vote:
    voter: address
    nonce: uint256


# @dev Storage
# ballot => votes cast
_votes: HashMap[bytes32, DynArray[Vote, MAX_VOTES]]
# ballot => member => the membership nonce it voted under (0: not voted)
_voted: HashMap[bytes32, HashMap[address, uint256]]


@internal
@view
def _odao() -> IRocketDAONodeTrusted:
    return IRocketDAONodeTrusted(rocket_base._contract("rocketDAONodeTrusted"))


@internal
@view
def _member_nonce(member: address) -> uint256:
    """
    @dev The member's current membership nonce; 0 for a non-member.
    """
    return staticcall self._odao().getMemberNonce(member)


@internal
@view
def _has_voted(ballot: bytes32, member: address) -> bool:
    """
    @dev Whether `member` has voted on `ballot` under its current membership.
    """
    nonce: uint256 = self._member_nonce(member)
    return nonce != 0 and self._voted[ballot][member] == nonce


@internal
def _cast(ballot: bytes32, member: address, nonce: uint256):
    """
    @dev Records a vote; the caller has checked membership and `_has_voted`.
    """
    assert len(self._votes[ballot]) < MAX_VOTES, "odao votes: ballot is full"
    self._voted[ballot][member] = nonce
    self._votes[ballot].append(Vote(voter=member, nonce=nonce))


@internal
@view
def _count(ballot: bytes32) -> uint256:
    """
    @dev Votes on `ballot` whose voters are still members under the same
         membership.
    """
    odao: IRocketDAONodeTrusted = self._odao()
    count: uint256 = 0
    for vote: Vote in self._votes[ballot]:
        if staticcall odao.getMemberNonce(vote.voter) == vote.nonce:
            count += 1
    return count


@internal
@view
def _reached(ballot: bytes32, quorum: uint256) -> bool:
    """
    @dev Whether valid votes reach `quorum`: 1e18 * votes / members >= quorum.
    """
    members: uint256 = staticcall self._odao().getMemberCount()
    if members == 0:
        return False
    return 10**18 * self._count(ballot) // members >= quorum
