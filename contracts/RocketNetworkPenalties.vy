# pragma version ~=0.4.3
"""
@title Rocket Pool network penalties (MEV theft)
@notice oDAO members vote a penalty on a minipool whose validator sent a
        block's fees somewhere other than its node's fee distributor, one
        vote per member per (minipool, block). When the votes reach
        `network.penalty.threshold` of the members the penalty is applied:
        on the vote that reaches it, or later by anyone's
        `executeUpdatePenalty` (after members left, or the threshold fell).
        Each applied penalty counts against the minipool; from its third
        on, the minipool's penalty rate becomes
        `(count - 2) * network.penalty.per.rate`, set in the minipool
        penalty contract (which caps it), and taken from the node's share
        of the minipool's exit for the users.
@dev Votes are kept by the `odao_votes` module, so a vote counts only while
     its voter is still a member under the membership it voted with (the
     reference counts every vote ever cast). Moves no ETH, so it carries no
     reentrancy lock.
"""

from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketMinipoolManager
from interfaces import IRocketMinipoolPenalty

import odao_votes
import rocket_base

initializes: rocket_base
initializes: odao_votes[rocket_base := rocket_base]

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
# The first two penalties of a minipool set no rate.
FREE_PENALTIES: constant(uint256) = 2


# @dev Storage
# ballot (minipool, block) => the penalty was applied
_executed: HashMap[bytes32, bool]
# minipool => penalties applied to it
_penalty_count: HashMap[address, uint256]


# @dev Events
event PenaltySubmitted:
    sender: indexed(address)
    minipoolAddress: address
    block: uint256
    time: uint256


event PenaltyUpdated:
    minipoolAddress: indexed(address)
    penalty: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev Votes
@external
def submitPenalty(minipool: address, block_number: uint256):
    """
    @notice A member's vote to penalise `minipool` for the block
            `block_number` it proposed with another fee recipient. The vote
            that brings consensus applies the penalty.
    @param minipool A minipool the minipool manager knows (not closed).
    @param block_number The block of the theft (any number: it only names
           the ballot).
    """
    nonce: uint256 = odao_votes._member_nonce(msg.sender)
    assert nonce != 0, "network penalties: caller is not an oDAO member"
    assert staticcall IRocketMinipoolManager(
        rocket_base._contract("rocketMinipoolManager")
    ).getMinipoolExists(minipool), "network penalties: invalid minipool"
    ballot: bytes32 = self._ballot(minipool, block_number)
    assert not odao_votes._has_voted(
        ballot, msg.sender
    ), "network penalties: duplicate submission from member"
    assert not self._executed[
        ballot
    ], "network penalties: penalty already applied for this block"
    odao_votes._cast(ballot, msg.sender, nonce)
    log PenaltySubmitted(
        sender=msg.sender,
        minipoolAddress=minipool,
        block=block_number,
        time=block.timestamp,
    )
    if odao_votes._reached(ballot, self._threshold()):
        self._apply(ballot, minipool)


@external
def executeUpdatePenalty(minipool: address, block_number: uint256):
    """
    @notice Applies a penalty whose votes reach consensus but that was not
            applied when they were cast. Anyone may call it.
    @param minipool The minipool voted on.
    @param block_number The block voted on.
    """
    ballot: bytes32 = self._ballot(minipool, block_number)
    assert not self._executed[
        ballot
    ], "network penalties: penalty already applied for this block"
    assert odao_votes._reached(
        ballot, self._threshold()
    ), "network penalties: consensus has not been reached"
    self._apply(ballot, minipool)


# @dev Views
@external
@view
def getPenaltyCount(minipool: address) -> uint256:
    """
    @notice How many penalties were applied to `minipool`.
    @param minipool The minipool.
    @return The count.
    """
    return self._penalty_count[minipool]


# @dev Internal functions
@internal
@pure
def _ballot(minipool: address, block_number: uint256) -> bytes32:
    return keccak256(abi_encode(minipool, block_number))


@internal
@view
def _threshold() -> uint256:
    return staticcall IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    ).getNodePenaltyThreshold()


@internal
def _apply(ballot: bytes32, minipool: address):
    """
    @dev Marks the ballot applied and counts the penalty; from the third,
         sets the minipool's rate.
    """
    self._executed[ballot] = True
    count: uint256 = self._penalty_count[minipool] + 1
    self._penalty_count[minipool] = count
    if count <= FREE_PENALTIES:
        return
    rate: uint256 = (
        count - FREE_PENALTIES
    ) * staticcall IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    ).getPerPenaltyRate()
    extcall IRocketMinipoolPenalty(
        rocket_base._contract("rocketMinipoolPenalty")
    ).setPenaltyRate(minipool, rate)
    log PenaltyUpdated(
        minipoolAddress=minipool, penalty=rate, time=block.timestamp
    )
