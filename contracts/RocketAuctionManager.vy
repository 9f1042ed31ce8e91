# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rocket Pool auction manager
@notice Sells slashed RPL (held in the vault under "rocketAuctionManager")
        for ETH in Dutch auctions. Anyone may cut a lot from the unallotted
        RPL; its price per RPL falls from the starting ratio to the reserve
        ratio of the oracle price over the lot's duration, then stays at the
        reserve. Bids pay ETH at once, which goes straight to the deposit
        pool; a lot clears when its bids cover its RPL at the current price,
        and bidders then claim RPL at the clearing price. RPL left unsold
        when a lot ends returns to the unallotted balance.
@dev Follows the reference's arithmetic (price curve, clearing price,
     claims), with two guards it lacks: a claim never pays out more than
     its own lot's RPL, and the maximum bid rounds up so that a bid for all
     that is left always clears the lot.
"""

from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketDepositPool
from interfaces import IRocketNetworkPrices
from interfaces import IRocketVault

from snekmate.utils import math

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
ONE: constant(uint256) = 10**18


# @dev Structs
struct Lot:
    start_block: uint256
    end_block: uint256
    start_price: uint256
    reserve_price: uint256
    total_rpl: uint256
    total_bid: uint256
    # RPL actually sent to bidders, so claims cannot exceed the lot.
    rpl_paid: uint256
    rpl_recovered: bool


# @dev Storage
_lot_count: uint256
_allotted_rpl: uint256
_lots: HashMap[uint256, Lot]
_bids: HashMap[uint256, HashMap[address, uint256]]


# @dev Events
event LotCreated:
    lotIndex: indexed(uint256)
    by: indexed(address)
    rplAmount: uint256
    time: uint256


event BidPlaced:
    lotIndex: indexed(uint256)
    by: indexed(address)
    bidAmount: uint256
    time: uint256


event BidClaimed:
    lotIndex: indexed(uint256)
    by: indexed(address)
    bidAmount: uint256
    rplAmount: uint256
    time: uint256


event RPLRecovered:
    lotIndex: indexed(uint256)
    by: indexed(address)
    rplAmount: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev Balances
@external
@view
def getTotalRPLBalance() -> uint256:
    """
    @notice The slashed RPL the vault holds for the auction manager.
    @return RPL in wei.
    """
    return self._total_rpl_balance()


@external
@view
def getAllottedRPLBalance() -> uint256:
    """
    @notice The RPL set aside in lots and not yet claimed or recovered.
    @return RPL in wei.
    """
    return self._allotted_rpl


@external
@view
def getRemainingRPLBalance() -> uint256:
    """
    @notice The RPL not in any lot: what the next lot is cut from.
    @return RPL in wei.
    """
    return self._total_rpl_balance() - self._allotted_rpl


# @dev Lot details
@external
@view
def getLotCount() -> uint256:
    """
    @notice How many lots were ever created; lots are numbered from 0.
    @return The count.
    """
    return self._lot_count


@external
@view
def getLotExists(lot_index: uint256) -> bool:
    """
    @notice Whether a lot was created.
    @param lot_index The lot.
    @return True if it exists.
    """
    return lot_index < self._lot_count


@external
@view
def getLotStartBlock(lot_index: uint256) -> uint256:
    """
    @notice The block the lot was created in; its price starts here.
    @param lot_index The lot.
    @return A block number (0 for a lot that does not exist).
    """
    return self._lots[lot_index].start_block


@external
@view
def getLotEndBlock(lot_index: uint256) -> uint256:
    """
    @notice The block from which the lot takes no more bids.
    @param lot_index The lot.
    @return A block number (0 for a lot that does not exist).
    """
    return self._lots[lot_index].end_block


@external
@view
def getLotStartPrice(lot_index: uint256) -> uint256:
    """
    @notice The lot's price at its start block.
    @param lot_index The lot.
    @return ETH (wei) per 1e18 RPL.
    """
    return self._lots[lot_index].start_price


@external
@view
def getLotReservePrice(lot_index: uint256) -> uint256:
    """
    @notice The lot's lowest price, reached at its end block.
    @param lot_index The lot.
    @return ETH (wei) per 1e18 RPL.
    """
    return self._lots[lot_index].reserve_price


@external
@view
def getLotTotalRPLAmount(lot_index: uint256) -> uint256:
    """
    @notice The RPL put up in the lot.
    @param lot_index The lot.
    @return RPL in wei.
    """
    return self._lots[lot_index].total_rpl


@external
@view
def getLotTotalBidAmount(lot_index: uint256) -> uint256:
    """
    @notice The ETH bid on the lot by everyone.
    @param lot_index The lot.
    @return ETH in wei.
    """
    return self._lots[lot_index].total_bid


@external
@view
def getLotAddressBidAmount(lot_index: uint256, bidder: address) -> uint256:
    """
    @notice The ETH `bidder` bid on the lot and has not yet claimed RPL for.
    @param lot_index The lot.
    @param bidder The bidder.
    @return ETH in wei.
    """
    return self._bids[lot_index][bidder]


@external
@view
def getLotRPLRecovered(lot_index: uint256) -> bool:
    """
    @notice Whether the lot's unsold RPL was returned to the unallotted
            balance.
    @param lot_index The lot.
    @return True once recovered.
    """
    return self._lots[lot_index].rpl_recovered


# @dev Prices
@external
@view
def getLotPriceAtBlock(lot_index: uint256, block_number: uint256) -> uint256:
    """
    @notice The lot's Dutch-auction price at `block_number`:
            `start - (start - reserve) * t**2 / d**2`, where `t` is the
            blocks since the start and `d` the lot's duration; the start
            price before or at the start block, the reserve from the end
            block on.
    @dev The falling term rounds down, so the price rounds up: bidders get
         no more RPL than they paid for.
    @param lot_index The lot.
    @param block_number Any block.
    @return ETH (wei) per 1e18 RPL.
    """
    return self._price_at_block(self._lots[lot_index], block_number)


@external
@view
def getLotPriceAtCurrentBlock(lot_index: uint256) -> uint256:
    """
    @notice The lot's Dutch-auction price at the current block.
    @param lot_index The lot.
    @return ETH (wei) per 1e18 RPL.
    """
    return self._price_at_block(self._lots[lot_index], block.number)


@external
@view
def getLotPriceByTotalBids(lot_index: uint256) -> uint256:
    """
    @notice The price at which the lot's bids would buy all its RPL.
    @param lot_index The lot.
    @return ETH (wei) per 1e18 RPL; 0 for a lot that does not exist.
    """
    return self._bid_price(self._lots[lot_index])


@external
@view
def getLotCurrentPrice(lot_index: uint256) -> uint256:
    """
    @notice The price bidders claim at: the clearing price once the bids
            cover the lot, otherwise the price at the current block.
    @param lot_index The lot.
    @return ETH (wei) per 1e18 RPL.
    """
    return self._current_price(self._lots[lot_index])


@external
@view
def getLotClaimedRPLAmount(lot_index: uint256) -> uint256:
    """
    @notice The RPL the lot's bids buy at its current price, at most the
            whole lot.
    @param lot_index The lot.
    @return RPL in wei.
    """
    return self._claimed_rpl(self._lots[lot_index])


@external
@view
def getLotRemainingRPLAmount(lot_index: uint256) -> uint256:
    """
    @notice The lot's RPL its bids do not yet buy at its current price.
    @param lot_index The lot.
    @return RPL in wei.
    """
    lot: Lot = self._lots[lot_index]
    return lot.total_rpl - self._claimed_rpl(lot)


@external
@view
def getLotIsCleared(lot_index: uint256) -> bool:
    """
    @notice Whether the lot is over: it reached its end block, or its bids
            cover its RPL at the current price.
    @param lot_index The lot.
    @return True when cleared; False for a lot that does not exist.
    """
    if lot_index >= self._lot_count:
        return False
    return self._is_cleared(self._lots[lot_index])


# @dev Auctions
@external
def createLot():
    """
    @notice Puts unallotted RPL up for auction: as much as the maximum lot
            value buys at the oracle price, or all that is left if less. The
            RPL left must be worth at least the minimum lot value.
    """
    settings: IRocketDAOProtocolSettings = self._settings()
    assert (
        staticcall settings.getCreateLotEnabled()
    ), "auction: lot creation is disabled"
    rpl_price: uint256 = staticcall IRocketNetworkPrices(
        rocket_base._contract("rocketNetworkPrices")
    ).getRPLPrice()
    remaining: uint256 = self._total_rpl_balance() - self._allotted_rpl
    minimum_rpl: uint256 = (
        staticcall settings.getLotMinimumEthValue() * ONE // rpl_price
    )
    assert (
        remaining > 0 and remaining >= minimum_rpl
    ), "auction: insufficient RPL balance to create a lot"
    lot_rpl: uint256 = min(
        remaining,
        staticcall settings.getLotMaximumEthValue() * ONE // rpl_price,
    )
    start_price: uint256 = (
        rpl_price * staticcall settings.getStartingPriceRatio() // ONE
    )
    reserve_price: uint256 = (
        rpl_price * staticcall settings.getReservePriceRatio() // ONE
    )
    # A zero reserve would make the price a divisor of zero; a reserve
    # above the start would make the curve run backwards.
    assert (
        reserve_price > 0 and reserve_price <= start_price
    ), "auction: invalid lot prices"
    lot_index: uint256 = self._lot_count
    self._lots[lot_index] = Lot(
        start_block=block.number,
        end_block=block.number + staticcall settings.getLotDuration(),
        start_price=start_price,
        reserve_price=reserve_price,
        total_rpl=lot_rpl,
        total_bid=0,
        rpl_paid=0,
        rpl_recovered=False,
    )
    self._lot_count = lot_index + 1
    self._allotted_rpl += lot_rpl
    log LotCreated(
        lotIndex=lot_index,
        by=msg.sender,
        rplAmount=lot_rpl,
        time=block.timestamp,
    )


@external
@payable
def placeBid(lot_index: uint256):
    """
    @notice Bids the ETH sent on a lot that is open and not yet cleared. A
            bid above what the lot's remaining RPL costs at the current
            price is capped at that cost and the excess refunded to the
            bidder (the reference's rule). The bid goes to the deposit pool
            at once.
    @dev The cap rounds up, so the bidder pays at most 1 wei more than the
         RPL is worth and a bid for everything left always clears the lot.
    @param lot_index The lot.
    """
    assert msg.value > 0, "auction: bid amount must be positive"
    assert lot_index < self._lot_count, "auction: lot does not exist"
    assert (
        staticcall self._settings().getBidOnLotEnabled()
    ), "auction: bidding is disabled"
    lot: Lot = self._lots[lot_index]
    assert block.number < lot.end_block, "auction: lot bidding has ended"
    block_price: uint256 = self._price_at_block(lot, block.number)
    assert self._bid_price(lot) < block_price, "auction: lot has cleared"
    # Not cleared, so the current price is the block price and some RPL is
    # left: `remaining > 0` and `block_price > 0` make the cap positive.
    remaining: uint256 = lot.total_rpl - self._claimed_rpl(lot)
    bid: uint256 = min(
        msg.value, math._mul_div(remaining, block_price, ONE, True)
    )
    self._lots[lot_index].total_bid = lot.total_bid + bid
    self._bids[lot_index][msg.sender] += bid
    log BidPlaced(
        lotIndex=lot_index, by=msg.sender, bidAmount=bid, time=block.timestamp
    )
    extcall IRocketDepositPool(
        rocket_base._contract("rocketDepositPool")
    ).recycleLiquidatedStake(value=bid)
    if msg.value > bid:
        success: bool = raw_call(
            msg.sender, b"", value=msg.value - bid, revert_on_failure=False
        )
        assert success, "auction: refund failed"


@external
def claimBid(lot_index: uint256):
    """
    @notice Sends the caller the RPL its bid on a cleared or ended lot
            buys at the lot's current price, once.
    @dev Rounds the RPL down (bidders never get more than they paid for),
         and never pays out more than the lot's own RPL.
    @param lot_index The lot.
    """
    assert lot_index < self._lot_count, "auction: lot does not exist"
    lot: Lot = self._lots[lot_index]
    assert self._is_cleared(lot), "auction: lot has not cleared yet"
    bid: uint256 = self._bids[lot_index][msg.sender]
    assert bid > 0, "auction: no bid to claim"
    rpl_amount: uint256 = min(
        bid * ONE // self._current_price(lot), lot.total_rpl - lot.rpl_paid
    )
    self._bids[lot_index][msg.sender] = 0
    self._lots[lot_index].rpl_paid = lot.rpl_paid + rpl_amount
    self._allotted_rpl -= rpl_amount
    log BidClaimed(
        lotIndex=lot_index,
        by=msg.sender,
        bidAmount=bid,
        rplAmount=rpl_amount,
        time=block.timestamp,
    )
    # The vault refuses empty withdrawals; a dust bid at a high price buys
    # nothing, and its ETH stays with the deposit pool.
    if rpl_amount > 0:
        extcall IRocketVault(
            rocket_base._contract("rocketVault")
        ).withdrawToken(msg.sender, self._rpl(), rpl_amount)


@external
def recoverUnclaimedRPL(lot_index: uint256):
    """
    @notice Returns the RPL an ended lot's bids did not buy to the
            unallotted balance, for a later lot. Anyone may call it, once
            per lot.
    @param lot_index The lot.
    """
    assert lot_index < self._lot_count, "auction: lot does not exist"
    lot: Lot = self._lots[lot_index]
    assert not lot.rpl_recovered, "auction: unclaimed RPL already recovered"
    assert (
        block.number >= lot.end_block
    ), "auction: lot bidding has not ended yet"
    remaining: uint256 = lot.total_rpl - self._claimed_rpl(lot)
    assert remaining > 0, "auction: no unclaimed RPL to recover"
    self._allotted_rpl -= remaining
    self._lots[lot_index].rpl_recovered = True
    log RPLRecovered(
        lotIndex=lot_index,
        by=msg.sender,
        rplAmount=remaining,
        time=block.timestamp,
    )


# @dev Internal functions
@internal
@pure
def _price_at_block(lot: Lot, block_number: uint256) -> uint256:
    if block_number <= lot.start_block:
        return lot.start_price
    if block_number >= lot.end_block:
        return lot.reserve_price
    elapsed: uint256 = block_number - lot.start_block
    duration: uint256 = lot.end_block - lot.start_block
    # floor(floor(x / d) / d) == floor(x / d**2), the reference's two
    # divisions in one.
    return lot.start_price - (
        (lot.start_price - lot.reserve_price)
        * elapsed
        * elapsed // (duration * duration)
    )


@internal
@pure
def _bid_price(lot: Lot) -> uint256:
    if lot.total_rpl == 0:
        return 0
    return ONE * lot.total_bid // lot.total_rpl


@internal
@view
def _current_price(lot: Lot) -> uint256:
    return max(self._bid_price(lot), self._price_at_block(lot, block.number))


@internal
@view
def _claimed_rpl(lot: Lot) -> uint256:
    price: uint256 = self._current_price(lot)
    if price == 0:
        # Only a lot that does not exist has no price.
        return 0
    return min(ONE * lot.total_bid // price, lot.total_rpl)


@internal
@view
def _is_cleared(lot: Lot) -> bool:
    if block.number >= lot.end_block:
        return True
    return self._bid_price(lot) >= self._price_at_block(lot, block.number)


@internal
@view
def _total_rpl_balance() -> uint256:
    return staticcall IRocketVault(
        rocket_base._contract("rocketVault")
    ).balanceOfToken("rocketAuctionManager", self._rpl())


@internal
@view
def _rpl() -> address:
    return rocket_base._contract("rocketTokenRPL")


@internal
@view
def _settings() -> IRocketDAOProtocolSettings:
    return IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    )
