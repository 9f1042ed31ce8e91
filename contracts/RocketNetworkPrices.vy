# pragma version ~=0.4.3
"""
@title Rocket Pool RPL price oracle
@notice oDAO members report the RPL price in ETH for a past block; the
        price updates when enough members agree, under the same rules as
        the network balances.
"""

from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketNetworkPrices

implements: IRocketNetworkPrices

import oracle_consensus
import rocket_base

initializes: rocket_base
initializes: oracle_consensus[rocket_base := rocket_base]

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
# The reference's price before the first report: 0.01 ETH per RPL.
INITIAL_RPL_PRICE: constant(uint256) = 10**16


# @dev Storage
_block: uint256
_rpl_price: uint256


# @dev Events
event PricesSubmitted:
    sender: indexed(address)
    block: uint256
    slotTimestamp: uint256
    rplPrice: uint256
    time: uint256


event PricesUpdated:
    block: uint256
    slotTimestamp: uint256
    rplPrice: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)
    self._rpl_price = INITIAL_RPL_PRICE


# @dev Reporting
@external
def submitPrices(
    block_number: uint256, slot_timestamp: uint256, rpl_price: uint256
):
    """
    @notice A member's vote for the RPL price at `block_number`. Updates the
            price when this vote brings consensus.
    @param block_number A past block, after the last accepted one.
    @param slot_timestamp The beacon slot's timestamp the report is for.
    @param rpl_price ETH (wei) per 1e18 RPL; must be positive.
    """
    oracle_consensus._require_member(msg.sender, "network prices")
    self._check_report(block_number, rpl_price)
    key: bytes32 = keccak256(
        abi_encode(block_number, slot_timestamp, rpl_price)
    )
    oracle_consensus._record_vote(
        msg.sender, block_number, key, "network prices"
    )
    log PricesSubmitted(
        sender=msg.sender,
        block=block_number,
        slotTimestamp=slot_timestamp,
        rplPrice=rpl_price,
        time=block.timestamp,
    )
    if oracle_consensus._has_consensus(key):
        self._update(block_number, slot_timestamp, rpl_price)


@external
def executeUpdatePrices(
    block_number: uint256, slot_timestamp: uint256, rpl_price: uint256
):
    """
    @notice Applies a price report that has consensus. Anyone may call it.
    @param block_number The report's block.
    @param slot_timestamp The report's slot timestamp.
    @param rpl_price The report's price.
    """
    self._check_report(block_number, rpl_price)
    key: bytes32 = keccak256(
        abi_encode(block_number, slot_timestamp, rpl_price)
    )
    assert oracle_consensus._has_consensus(
        key
    ), "network prices: consensus has not been reached"
    self._update(block_number, slot_timestamp, rpl_price)


# @dev Views
@external
@view
def getRPLPrice() -> uint256:
    """
    @notice ETH (wei) per 1e18 RPL, as last reported.
    """
    return self._rpl_price


@external
@view
def getPricesBlock() -> uint256:
    """
    @notice The block of the last accepted price report.
    """
    return self._block


# @dev Internal functions
@internal
@view
def _check_report(block_number: uint256, rpl_price: uint256):
    assert staticcall IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    ).getSubmitPricesEnabled(), "network prices: submissions are disabled"
    assert block_number < block.number, "network prices: block is in the future"
    assert (
        block_number > self._block
    ), "network prices: block is not after the last accepted report"
    assert rpl_price > 0, "network prices: price must be positive"


@internal
def _update(block_number: uint256, slot_timestamp: uint256, rpl_price: uint256):
    self._block = block_number
    self._rpl_price = rpl_price
    log PricesUpdated(
        block=block_number,
        slotTimestamp=slot_timestamp,
        rplPrice=rpl_price,
        time=block.timestamp,
    )
