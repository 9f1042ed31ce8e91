# pragma version ~=0.4.3
"""
@title Rocket Pool oracle DAO (trusted nodes)
@notice The members who report network balances and prices and vote on
        scrubs. The guardian adds and removes them. Each admission gets a
        fresh nonce, so a vote cast under an earlier membership can be told
        apart from one cast under the current one.
"""

from interfaces import IRocketDAONodeTrusted
from interfaces import IRocketStorage

implements: IRocketDAONodeTrusted


# @dev Constants
MAX_MEMBERS: constant(uint256) = 64


# @dev Immutables
ROCKET_STORAGE: public(immutable(IRocketStorage))


# @dev Storage
_members: DynArray[address, MAX_MEMBERS]
_nonce: HashMap[address, uint256]
_last_nonce: uint256
_joined_time: HashMap[address, uint256]


# @dev Events
event MemberJoined:
    nodeAddress: indexed(address)
    nonce: uint256
    time: uint256


event MemberLeft:
    nodeAddress: indexed(address)
    time: uint256


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)


# @dev Membership
@external
def addMember(node_address: address):
    """
    @notice Admits `node_address` to the oDAO. Guardian only.
    @param node_address The member's address.
    """
    assert (
        msg.sender == staticcall ROCKET_STORAGE.guardian()
    ), "odao: caller is not the guardian"
    assert node_address != empty(address), "odao: zero address"
    assert self._nonce[node_address] == 0, "odao: already a member"
    assert len(self._members) < MAX_MEMBERS, "odao: member limit reached"
    self._last_nonce += 1
    self._nonce[node_address] = self._last_nonce
    self._joined_time[node_address] = block.timestamp
    self._members.append(node_address)
    log MemberJoined(
        nodeAddress=node_address, nonce=self._last_nonce, time=block.timestamp
    )


@external
def removeMember(node_address: address):
    """
    @notice Removes `node_address` from the oDAO. Guardian only. Its votes
            on reports not yet accepted stop counting.
    @param node_address The member's address.
    """
    assert (
        msg.sender == staticcall ROCKET_STORAGE.guardian()
    ), "odao: caller is not the guardian"
    assert self._nonce[node_address] != 0, "odao: not a member"
    self._nonce[node_address] = 0
    self._joined_time[node_address] = 0
    # Swap-and-pop: order of members carries no meaning.
    count: uint256 = len(self._members)
    for i: uint256 in range(MAX_MEMBERS):
        if i >= count:
            break
        if self._members[i] == node_address:
            self._members[i] = self._members[count - 1]
            self._members.pop()
            break
    log MemberLeft(nodeAddress=node_address, time=block.timestamp)


# @dev Views
@external
@view
def getMemberCount() -> uint256:
    """
    @notice The number of current members.
    """
    return len(self._members)


@external
@view
def getMemberAt(index: uint256) -> address:
    """
    @notice The member at `index` (0-based; order is not meaningful).
    @param index Below `getMemberCount()`.
    """
    assert index < len(self._members), "odao: member index out of range"
    return self._members[index]


@external
@view
def getMemberIsValid(node_address: address) -> bool:
    """
    @notice Whether `node_address` is a current member.
    """
    return self._nonce[node_address] != 0


@external
@view
def getMemberNonce(node_address: address) -> uint256:
    """
    @notice The nonce of `node_address`'s current membership, 0 if none.
    @dev A vote is counted only while its voter's nonce is unchanged.
    """
    return self._nonce[node_address]


@external
@view
def getMemberJoinedTime(node_address: address) -> uint256:
    """
    @notice When the current membership of `node_address` began, 0 if none.
    """
    return self._joined_time[node_address]
