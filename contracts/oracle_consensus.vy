# pragma version ~=0.4.3
"""
@title Oracle DAO vote counting
@notice Shared by the balances and price oracles: one vote per member per
        block, votes grouped by the exact values voted for, and a count
        that includes only voters who are still members under the same
        membership, so a removed member's votes never reach a later
        consensus.
"""

from interfaces import IRocketDAONodeTrusted
from interfaces import IRocketDAOProtocolSettings

import rocket_base

uses: rocket_base


# @dev Constants
MAX_VOTERS: constant(uint256) = 64
ONE: constant(uint256) = 10**18


# @dev Structs
struct Vote:
    voter: address
    nonce: uint256


# @dev Storage
# submission key (hash of the values voted for) => the votes cast for it
_votes: HashMap[bytes32, DynArray[Vote, MAX_VOTERS]]
# member => membership nonce => block => the key it voted for
_voted: HashMap[address, HashMap[uint256, HashMap[uint256, bytes32]]]


@internal
@view
def _require_member(member: address, prefix: String[20]):
    """
    @dev Reverts unless `member` is a current oDAO member; checked before
         anything else, as the reference's modifier does.
    """
    assert staticcall IRocketDAONodeTrusted(
        rocket_base._contract("rocketDAONodeTrusted")
    ).getMemberIsValid(member), concat(prefix, ": caller is not an oDAO member")


@internal
def _record_vote(
    member: address, block_number: uint256, key: bytes32, prefix: String[20]
):
    """
    @dev Records `member`'s vote for `key` at `block_number`. Reverts if the
         caller is not a member or has already voted for this block.
    """
    odao: IRocketDAONodeTrusted = IRocketDAONodeTrusted(
        rocket_base._contract("rocketDAONodeTrusted")
    )
    nonce: uint256 = staticcall odao.getMemberNonce(member)
    assert nonce != 0, concat(prefix, ": caller is not an oDAO member")
    previous: bytes32 = self._voted[member][nonce][block_number]
    assert previous != key, concat(prefix, ": duplicate submission from member")
    assert previous == empty(bytes32), concat(
        prefix, ": member already voted for this block"
    )
    # Only reachable if the guardian churns members within one round.
    assert len(self._votes[key]) < MAX_VOTERS, concat(
        prefix, ": too many votes for this report"
    )
    self._voted[member][nonce][block_number] = key
    self._votes[key].append(Vote(voter=member, nonce=nonce))


@internal
@view
def _count(key: bytes32) -> uint256:
    """
    @dev Votes for `key` whose voters are still members under the
         membership they voted with.
    """
    odao: IRocketDAONodeTrusted = IRocketDAONodeTrusted(
        rocket_base._contract("rocketDAONodeTrusted")
    )
    count: uint256 = 0
    for vote: Vote in self._votes[key]:
        if staticcall odao.getMemberNonce(vote.voter) == vote.nonce:
            count += 1
    return count


@internal
@view
def _has_consensus(key: bytes32) -> bool:
    """
    @dev Whether valid votes for `key` reach the consensus threshold:
         1e18 * votes / members >= threshold.
    """
    members: uint256 = staticcall IRocketDAONodeTrusted(
        rocket_base._contract("rocketDAONodeTrusted")
    ).getMemberCount()
    if members == 0:
        return False
    threshold: uint256 = staticcall IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    ).getNodeConsensusThreshold()
    return ONE * self._count(key) // members >= threshold
