# pragma version ~=0.4.3
"""
@title Rocket Pool minipool bond reducer
@notice A staking minipool's owner may reduce its bond from 16 to 8 ETH:
        it announces the reduction, waits for the window (opening 2 days
        later, open 2 days) during which the oDAO can cancel it (a validator
        whose balance is too low must not shrink its bond), then reduces.
        The 8 ETH released becomes the node's deposit credit; the users'
        capital in the minipool and the node's ETH matched grow by 8 ETH,
        which its RPL stake must still cover.
@dev Moves no ETH, so it carries no reentrancy lock.
"""

from interfaces import IRocketDAONodeTrusted
from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketMinipoolManager
from interfaces import IRocketMinipoolManagerNetwork
from interfaces import IRocketMinipoolNetwork
from interfaces import IRocketNodeDeposit
from interfaces import IRocketNodeStaking

import odao_votes
import rocket_base

initializes: rocket_base
initializes: odao_votes[rocket_base := rocket_base]

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
ONE: constant(uint256) = 10**18
SMALL_BOND: constant(uint256) = 8 * 10**18
LARGE_BOND: constant(uint256) = 16 * 10**18
STAKING: constant(uint8) = 2


# @dev Storage
_reduce_time: HashMap[address, uint256]
_reduce_value: HashMap[address, uint256]
_cancelled: HashMap[address, bool]
_last_reduction_time: HashMap[address, uint256]


# @dev Events
event BeginBondReduction:
    minipool: indexed(address)
    newBondAmount: uint256
    time: uint256


event CancelReductionVoted:
    minipool: indexed(address)
    member: indexed(address)
    time: uint256


event ReductionCancelled:
    minipool: indexed(address)
    time: uint256


event BondReductionCompleted:
    minipool: indexed(address)
    previousBondAmount: uint256
    newBondAmount: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev Reduction
@external
def beginReduceBondAmount(minipool: address, newBondAmount: uint256):
    """
    @notice Announces a bond reduction of `minipool` to `newBondAmount` and
            starts its waiting period. A later call restarts it. Minipool
            owner (node) only; the minipool must be staking with a 16 ETH
            bond.
    @param minipool A registered minipool of the caller.
    @param newBondAmount 8 ETH, in wei.
    """
    self._check_owner_and_enabled(minipool)
    assert (
        staticcall IRocketMinipoolNetwork(minipool).getStatus() == STAKING
    ), "bond reducer: minipool must be staking"
    assert (
        newBondAmount == SMALL_BOND or newBondAmount == LARGE_BOND
    ), "bond reducer: invalid bond amount"
    assert (
        newBondAmount
        < staticcall IRocketMinipoolNetwork(minipool).getNodeDepositBalance()
    ), "bond reducer: bond must be lower than the current bond"
    self._reduce_time[minipool] = block.timestamp
    self._reduce_value[minipool] = newBondAmount
    log BeginBondReduction(
        minipool=minipool, newBondAmount=newBondAmount, time=block.timestamp
    )


@external
def reduceBondAmount(minipool: address):
    """
    @notice Completes the announced reduction inside its window: the
            minipool's bond becomes 8 ETH and its user capital 24 ETH, the
            node's ETH matched grows by the difference (its RPL stake must
            cover it) and the difference becomes the node's deposit credit.
            Minipool owner (node) only.
    @param minipool A registered minipool of the caller.
    """
    node: address = self._check_owner_and_enabled(minipool)
    assert self._window_open(
        minipool
    ), "bond reducer: outside the bond reduction window"
    new_bond: uint256 = self._reduce_value[minipool]
    previous_bond: uint256 = staticcall IRocketMinipoolNetwork(
        minipool
    ).getNodeDepositBalance()
    assert (
        new_bond < previous_bond
    ), "bond reducer: bond must be lower than the current bond"
    delta: uint256 = previous_bond - new_bond
    manager: address = rocket_base._contract("rocketMinipoolManager")
    assert staticcall IRocketMinipoolManager(manager).getNodeETHMatched(
        node
    ) + delta <= staticcall IRocketNodeStaking(
        rocket_base._contract("rocketNodeStaking")
    ).getNodeETHMatchedLimit(
        node
    ), "bond reducer: insufficient RPL stake"
    self._reduce_time[minipool] = 0
    self._reduce_value[minipool] = 0
    self._last_reduction_time[minipool] = block.timestamp
    extcall IRocketMinipoolNetwork(minipool).reduceBondAmount()
    extcall IRocketMinipoolManagerNetwork(manager).updateMinipoolBond(
        minipool, new_bond
    )
    extcall IRocketNodeDeposit(
        rocket_base._contract("rocketNodeDeposit")
    ).increaseDepositCreditBalance(node, delta)
    log BondReductionCompleted(
        minipool=minipool,
        previousBondAmount=previous_bond,
        newBondAmount=new_bond,
        time=block.timestamp,
    )


@external
def voteCancelReduction(minipool: address):
    """
    @notice An oDAO member votes to cancel `minipool`'s bond reduction. When
            the share of members who voted reaches the scrub quorum (the
            oDAO's minipool quorum), the reduction is cancelled, for good.
    @param minipool A registered minipool.
    """
    nonce: uint256 = odao_votes._member_nonce(msg.sender)
    assert nonce != 0, "bond reducer: caller is not an oDAO member"
    assert staticcall IRocketMinipoolManager(
        rocket_base._contract("rocketMinipoolManager")
    ).getMinipoolExists(minipool), "bond reducer: minipool does not exist"
    assert not self._cancelled[minipool], "bond reducer: already cancelled"
    ballot: bytes32 = convert(minipool, bytes32)
    assert not odao_votes._has_voted(
        ballot, msg.sender
    ), "bond reducer: member has already voted to cancel"
    odao_votes._cast(ballot, msg.sender, nonce)
    log CancelReductionVoted(
        minipool=minipool, member=msg.sender, time=block.timestamp
    )
    if odao_votes._reached(
        ballot, staticcall self._settings().getScrubQuorum()
    ):
        self._cancelled[minipool] = True
        self._reduce_time[minipool] = 0
        self._reduce_value[minipool] = 0
        log ReductionCancelled(minipool=minipool, time=block.timestamp)


# @dev Views
@external
@view
def getReduceBondTime(minipool: address) -> uint256:
    """
    @notice When the pending reduction was announced, 0 if none.
    @param minipool A minipool.
    @return A timestamp.
    """
    return self._reduce_time[minipool]


@external
@view
def getReduceBondValue(minipool: address) -> uint256:
    """
    @notice The bond the pending reduction goes to, 0 if none.
    @param minipool A minipool.
    @return Wei.
    """
    return self._reduce_value[minipool]


@external
@view
def getReduceBondCancelled(minipool: address) -> bool:
    """
    @notice Whether the oDAO cancelled `minipool`'s bond reduction.
    @param minipool A minipool.
    @return True once cancelled.
    """
    return self._cancelled[minipool]


@external
@view
def getCancelReductionVotes(minipool: address) -> uint256:
    """
    @notice Cancel votes on `minipool` that count: cast by members still in
            the oDAO under the membership they voted with.
    @param minipool A minipool.
    @return The count.
    """
    return odao_votes._count(convert(minipool, bytes32))


@external
@view
def getLastBondReductionTime(minipool: address) -> uint256:
    """
    @notice When `minipool` last reduced its bond, 0 if never.
    @param minipool A minipool.
    @return A timestamp.
    """
    return self._last_reduction_time[minipool]


@external
@view
def canReduceBondAmount(minipool: address) -> bool:
    """
    @notice Whether the announced reduction's window is open now: from
            announcement + window start to announcement + window start +
            window length, both ends included.
    @param minipool A minipool.
    @return True inside the window.
    """
    return self._window_open(minipool)


# @dev Internal functions
@internal
@view
def _check_owner_and_enabled(minipool: address) -> address:
    manager: address = rocket_base._contract("rocketMinipoolManager")
    assert staticcall IRocketMinipoolManager(manager).getMinipoolExists(
        minipool
    ), "bond reducer: minipool does not exist"
    node: address = staticcall IRocketMinipoolManagerNetwork(
        manager
    ).getMinipoolNode(minipool)
    assert msg.sender == node, "bond reducer: caller is not the minipool owner"
    assert (
        staticcall self._settings().getBondReductionEnabled()
    ), "bond reducer: bond reduction is disabled"
    assert not self._cancelled[
        minipool
    ], "bond reducer: bond reduction was cancelled"
    return node


@internal
@view
def _window_open(minipool: address) -> bool:
    started: uint256 = self._reduce_time[minipool]
    if started == 0:
        return False
    settings: IRocketDAOProtocolSettings = self._settings()
    opens: uint256 = started + staticcall settings.getBondReductionWindowStart()
    closes: uint256 = opens + staticcall settings.getBondReductionWindowLength()
    return block.timestamp >= opens and block.timestamp <= closes


@internal
@view
def _settings() -> IRocketDAOProtocolSettings:
    return IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    )
