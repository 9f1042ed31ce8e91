"""RocketAuctionManager: lots cut from slashed RPL, the Dutch price, bids, claims, recovery.

The RPL on sale is slashed for real (a node stakes, the mock minipool slashes
it to the auction manager). Prices are ETH (wei) per 1e18 RPL; the oracle
starts at 0.01 ETH. Expected numbers are computed here in Python.
"""

from __future__ import annotations

import boa
import pytest

from harness.units import ETH, ONE
from tests.contracts.helpers import set_setting
from tests.helpers import events

RPL = ONE
PRICE = 10**16  # 0.01 ETH per RPL
DURATION = 50_400  # blocks
START = PRICE  # starting ratio 100%
RESERVE = PRICE // 2  # reserve ratio 50%
LOT = 1_000 * RPL  # 10 ETH maximum lot value at 0.01 ETH


def dutch_price(start: int, reserve: int, start_block: int, end_block: int, at: int) -> int:
    """The reference's curve: a quadratic fall from start to reserve, then flat."""
    if at <= start_block:
        return start
    if at >= end_block:
        return reserve
    t, d = at - start_block, end_block - start_block
    return start - (start - reserve) * t * t // d // d


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@pytest.fixture
def p(rpl_protocol):
    return rpl_protocol


@pytest.fixture
def auction(p):
    return p.auction_manager


@pytest.fixture
def bidder(p):
    return p.depositors[0]


@pytest.fixture
def second_bidder(p):
    return p.depositors[1]


def block_number() -> int:
    return boa.env.evm.patch.block_number


def slash(p, node: str, eth: int) -> None:
    """Send RPL worth ``eth`` from ``node``'s stake to the auction manager."""
    p.contracts["mockMinipool"].slash(node, eth)


@pytest.fixture
def slashed(p, node_operator):
    """2000 RPL (20 ETH at 0.01) slashed into the auction manager."""
    p.stake_rpl(node_operator, "5000")
    slash(p, node_operator, 20 * ETH)
    return node_operator


@pytest.fixture
def lot(p, auction, slashed):
    """Lot 0: 1000 RPL, created at the current block."""
    auction.createLot()
    return 0


def snapshot(p, *who: str) -> tuple:
    """Everything a refused call could have touched."""
    a = p.auction_manager
    lots = range(a.getLotCount())
    return (
        a.getLotCount(),
        a.getTotalRPLBalance(),
        a.getAllottedRPLBalance(),
        p.deposit_pool.getBalance(),
        p.balance(a),
        tuple(a.getLotTotalBidAmount(i) for i in lots),
        tuple(a.getLotRPLRecovered(i) for i in lots),
        *(p.balance(w) for w in who),
        *(p.rpl.balanceOf(w) for w in who),
        *(a.getLotAddressBidAmount(i, w) for i in lots for w in who),
    )


# ---------------------------------------------------------------- balances and lots
def test_auction_manager_finds_its_peers_through_the_directory(p, auction):
    assert auction.ROCKET_STORAGE() == p.storage.address
    assert p.storage.getAddress("rocketAuctionManager") == auction.address


def test_balances_before_any_lot(p, auction, slashed):
    assert auction.getTotalRPLBalance() == 2_000 * RPL
    assert auction.getAllottedRPLBalance() == 0
    assert auction.getRemainingRPLBalance() == 2_000 * RPL
    assert auction.getLotCount() == 0
    assert not auction.getLotExists(0)


def test_create_lot_cuts_the_maximum_lot_value(p, auction, slashed, stranger):
    created = block_number()
    auction.createLot(sender=stranger)
    logs = events(auction, "LotCreated")

    assert auction.getLotCount() == 1
    assert auction.getLotExists(0)
    assert not auction.getLotExists(1)
    assert auction.getLotStartBlock(0) == created
    assert auction.getLotEndBlock(0) == created + DURATION
    assert auction.getLotStartPrice(0) == START
    assert auction.getLotReservePrice(0) == RESERVE
    assert auction.getLotTotalRPLAmount(0) == LOT
    assert auction.getLotTotalBidAmount(0) == 0
    assert not auction.getLotRPLRecovered(0)
    assert auction.getAllottedRPLBalance() == LOT
    assert auction.getRemainingRPLBalance() == 1_000 * RPL
    assert auction.getTotalRPLBalance() == 2_000 * RPL
    assert len(logs) == 1
    assert (logs[0].lotIndex, logs[0].by, logs[0].rplAmount) == (0, stranger, LOT)


def test_lots_are_cut_until_the_rpl_runs_out(p, auction, slashed):
    auction.createLot()
    auction.createLot()
    assert auction.getLotCount() == 2
    assert auction.getLotTotalRPLAmount(1) == LOT
    assert auction.getAllottedRPLBalance() == 2_000 * RPL
    assert auction.getRemainingRPLBalance() == 0

    before = snapshot(p)
    with boa.reverts("auction: insufficient RPL balance to create a lot"):
        auction.createLot()
    assert snapshot(p) == before


def test_create_lot_takes_all_that_is_left_below_the_maximum(p, auction, node_operator):
    p.stake_rpl(node_operator, "1000")
    slash(p, node_operator, 5 * ETH)
    auction.createLot()
    assert auction.getLotTotalRPLAmount(0) == 500 * RPL
    assert auction.getRemainingRPLBalance() == 0


def test_create_lot_at_exactly_the_minimum_value(p, auction, node_operator):
    p.stake_rpl(node_operator, "1000")
    slash(p, node_operator, ETH)  # 100 RPL, worth the 1 ETH minimum
    auction.createLot()
    assert auction.getLotTotalRPLAmount(0) == 100 * RPL


def test_create_lot_with_too_little_rpl_reverts(p, auction, node_operator):
    p.stake_rpl(node_operator, "1000")
    slash(p, node_operator, ETH - 10**16)  # 99 RPL, worth 0.99 ETH
    assert auction.getRemainingRPLBalance() == 99 * RPL
    before = snapshot(p)
    with boa.reverts("auction: insufficient RPL balance to create a lot"):
        auction.createLot()
    assert snapshot(p) == before


def test_create_lot_without_any_rpl_reverts(p, auction):
    before = snapshot(p)
    with boa.reverts("auction: insufficient RPL balance to create a lot"):
        auction.createLot()
    assert snapshot(p) == before


def test_create_lot_when_disabled_reverts(p, auction, slashed):
    set_setting(p, "auction.lot.create.enabled", False)
    before = snapshot(p)
    with boa.reverts("auction: lot creation is disabled"):
        auction.createLot()
    assert snapshot(p) == before


def test_reserve_above_start_cannot_be_configured(p, auction, slashed):
    # The settings contract keeps reserve <= start, so the Dutch curve never
    # underflows; createLot's own "auction: invalid lot prices" check is a
    # second line of defence that governance cannot reach.
    set_setting(p, "auction.price.start", 5 * 10**17)
    with boa.reverts("settings: reserve price above start price"):
        p.settings.setSettingUint("auction.price.reserve", ONE, sender=p.guardian)
    auction.createLot()
    assert auction.getLotStartPrice(0) == auction.getLotReservePrice(0)


def test_lot_size_and_prices_follow_the_oracle(p, auction, slashed):
    p.report_price("0.02")
    auction.createLot()
    assert auction.getLotStartPrice(0) == 2 * 10**16
    assert auction.getLotReservePrice(0) == 10**16
    assert auction.getLotTotalRPLAmount(0) == 500 * RPL  # 10 ETH at 0.02


# ---------------------------------------------------------------- the Dutch price
def test_price_curve_at_start_midway_and_after_end(p, auction, lot):
    start = auction.getLotStartBlock(lot)
    end = auction.getLotEndBlock(lot)

    assert auction.getLotPriceAtBlock(lot, start) == START
    assert auction.getLotPriceAtBlock(lot, start - 1) == START
    # halfway in blocks is a quarter of the way down the quadratic
    assert auction.getLotPriceAtBlock(lot, start + DURATION // 2) == 8_750_000_000_000_000
    for at in (start + 1, start + 12_345, start + 40_000, end - 1):
        assert auction.getLotPriceAtBlock(lot, at) == dutch_price(START, RESERVE, start, end, at)
    assert auction.getLotPriceAtBlock(lot, end - 1) > RESERVE
    assert auction.getLotPriceAtBlock(lot, end) == RESERVE
    assert auction.getLotPriceAtBlock(lot, end + 10**6) == RESERVE


def test_price_at_the_current_block(p, auction, lot):
    start = auction.getLotStartBlock(lot)
    assert auction.getLotPriceAtCurrentBlock(lot) == START
    assert p.auction_price(lot) == START

    boa.env.time_travel(blocks=DURATION // 2)
    assert p.auction_price(lot) == 8_750_000_000_000_000
    assert auction.getLotCurrentPrice(lot) == 8_750_000_000_000_000

    boa.env.time_travel(blocks=7_777)
    expected = dutch_price(START, RESERVE, start, start + DURATION, block_number())
    assert auction.getLotPriceAtCurrentBlock(lot) == expected

    boa.env.time_travel(blocks=DURATION)
    assert p.auction_price(lot) == RESERVE


# ---------------------------------------------------------------- placeBid
def test_bid_pays_the_deposit_pool(p, auction, lot, bidder):
    pool_before = p.deposit_pool.getBalance()
    eth_before = p.balance(bidder)
    auction.placeBid(lot, value=ETH, sender=bidder)
    logs = events(auction, "BidPlaced")

    assert p.deposit_pool.getBalance() == pool_before + ETH
    assert p.balance(bidder) == eth_before - ETH
    assert p.balance(auction) == 0
    assert auction.getLotTotalBidAmount(lot) == ETH
    assert auction.getLotAddressBidAmount(lot, bidder) == ETH
    # 1 ETH at 0.01 buys 100 of the 1000 RPL
    assert auction.getLotPriceByTotalBids(lot) == ETH * ONE // LOT
    assert auction.getLotClaimedRPLAmount(lot) == 100 * RPL
    assert auction.getLotRemainingRPLAmount(lot) == 900 * RPL
    assert not auction.getLotIsCleared(lot)
    assert len(logs) == 1
    assert (logs[0].lotIndex, logs[0].by, logs[0].bidAmount) == (lot, bidder, ETH)


def test_bids_from_one_address_add_up(p, auction, lot, bidder):
    auction.placeBid(lot, value=ETH, sender=bidder)
    auction.placeBid(lot, value=2 * ETH, sender=bidder)
    assert auction.getLotAddressBidAmount(lot, bidder) == 3 * ETH
    assert auction.getLotTotalBidAmount(lot) == 3 * ETH


def test_bid_above_what_is_left_is_capped_and_the_excess_refunded(p, auction, lot, bidder):
    pool_before = p.deposit_pool.getBalance()
    eth_before = p.balance(bidder)
    auction.placeBid(lot, value=15 * ETH, sender=bidder)
    logs = events(auction, "BidPlaced")

    # the whole lot costs 1000 RPL * 0.01 = 10 ETH; 5 ETH comes back
    assert p.balance(bidder) == eth_before - 10 * ETH
    assert p.deposit_pool.getBalance() == pool_before + 10 * ETH
    assert p.balance(auction) == 0
    assert auction.getLotAddressBidAmount(lot, bidder) == 10 * ETH
    assert logs[0].bidAmount == 10 * ETH
    assert auction.getLotIsCleared(lot)
    assert auction.getLotPriceByTotalBids(lot) == START
    assert auction.getLotCurrentPrice(lot) == START
    assert auction.getLotClaimedRPLAmount(lot) == LOT
    assert auction.getLotRemainingRPLAmount(lot) == 0


def test_bid_on_a_cleared_lot_reverts(p, auction, lot, bidder, second_bidder):
    auction.placeBid(lot, value=10 * ETH, sender=bidder)
    before = snapshot(p, second_bidder)
    with boa.reverts("auction: lot has cleared"):
        auction.placeBid(lot, value=ETH, sender=second_bidder)
    assert snapshot(p, second_bidder) == before


def test_bid_on_the_last_block_is_accepted(p, auction, lot, bidder):
    boa.env.time_travel(blocks=DURATION - 1)
    auction.placeBid(lot, value=ETH, sender=bidder)
    assert auction.getLotTotalBidAmount(lot) == ETH


def test_bid_after_the_lot_ended_reverts(p, auction, lot, bidder):
    boa.env.time_travel(blocks=DURATION)
    assert block_number() == auction.getLotEndBlock(lot)
    before = snapshot(p, bidder)
    with boa.reverts("auction: lot bidding has ended"):
        auction.placeBid(lot, value=ETH, sender=bidder)
    assert snapshot(p, bidder) == before


def test_bid_of_zero_reverts(p, auction, lot, bidder):
    before = snapshot(p, bidder)
    with boa.reverts("auction: bid amount must be positive"):
        auction.placeBid(lot, value=0, sender=bidder)
    assert snapshot(p, bidder) == before


def test_bid_on_a_missing_lot_reverts(p, auction, lot, bidder):
    before = snapshot(p, bidder)
    with boa.reverts("auction: lot does not exist"):
        auction.placeBid(1, value=ETH, sender=bidder)
    assert snapshot(p, bidder) == before


def test_bid_when_bidding_is_disabled_reverts(p, auction, lot, bidder):
    set_setting(p, "auction.lot.bidding.enabled", False)
    before = snapshot(p, bidder)
    with boa.reverts("auction: bidding is disabled"):
        auction.placeBid(lot, value=ETH, sender=bidder)
    assert snapshot(p, bidder) == before


# ---------------------------------------------------------------- claimBid
def test_two_bidders_on_a_falling_price_claim_exact_rpl(p, auction, lot, bidder, second_bidder):
    start = auction.getLotStartBlock(lot)
    auction.placeBid(lot, value=4 * ETH, sender=bidder)
    boa.env.time_travel(blocks=DURATION // 2)
    price = dutch_price(START, RESERVE, start, start + DURATION, block_number())
    assert price == 8_750_000_000_000_000

    # what is left at this price, and what it costs (the cap rounds up)
    remaining = LOT - 4 * ETH * ONE // price
    assert auction.getLotRemainingRPLAmount(lot) == remaining
    cost = ceil_div(remaining * price, ONE)
    eth_before = p.balance(second_bidder)
    pool_before = p.deposit_pool.getBalance()
    auction.placeBid(lot, value=20 * ETH, sender=second_bidder)
    assert p.balance(second_bidder) == eth_before - cost
    assert p.deposit_pool.getBalance() == pool_before + cost
    assert auction.getLotAddressBidAmount(lot, second_bidder) == cost

    total_bid = 4 * ETH + cost
    clearing = max(total_bid * ONE // LOT, price)
    assert auction.getLotIsCleared(lot)
    assert auction.getLotCurrentPrice(lot) == clearing
    first_rpl = 4 * ETH * ONE // clearing
    second_rpl = min(cost * ONE // clearing, LOT - first_rpl)
    # the clearing price rounds down, so the bids buy a little more than the
    # lot: the per-lot cap keeps the last claim to what the lot still holds
    assert cost * ONE // clearing > LOT - first_rpl

    vault_before = auction.getTotalRPLBalance()
    auction.claimBid(lot, sender=bidder)
    claim = events(auction, "BidClaimed")
    auction.claimBid(lot, sender=second_bidder)

    assert p.rpl.balanceOf(bidder) == first_rpl
    assert p.rpl.balanceOf(second_bidder) == second_rpl
    assert first_rpl + second_rpl <= LOT
    assert LOT - (first_rpl + second_rpl) < 10  # rounding dust only
    assert auction.getTotalRPLBalance() == vault_before - first_rpl - second_rpl
    assert auction.getAllottedRPLBalance() == LOT - first_rpl - second_rpl
    assert auction.getLotAddressBidAmount(lot, bidder) == 0
    assert auction.getLotAddressBidAmount(lot, second_bidder) == 0
    assert (claim[0].lotIndex, claim[0].by, claim[0].bidAmount, claim[0].rplAmount) == (
        lot,
        bidder,
        4 * ETH,
        first_rpl,
    )


def test_claim_after_the_end_at_the_reserve_price(p, auction, lot, bidder):
    auction.placeBid(lot, value=ETH, sender=bidder)
    boa.env.time_travel(blocks=DURATION)
    assert auction.getLotIsCleared(lot)
    assert auction.getLotCurrentPrice(lot) == RESERVE
    # 1 ETH at the 0.005 reserve buys 200 RPL
    assert auction.getLotClaimedRPLAmount(lot) == 200 * RPL
    auction.claimBid(lot, sender=bidder)
    assert p.rpl.balanceOf(bidder) == 200 * RPL
    assert auction.getAllottedRPLBalance() == LOT - 200 * RPL


def test_claim_before_the_lot_clears_reverts(p, auction, lot, bidder):
    auction.placeBid(lot, value=ETH, sender=bidder)
    boa.env.time_travel(blocks=DURATION - 1)
    before = snapshot(p, bidder)
    with boa.reverts("auction: lot has not cleared yet"):
        auction.claimBid(lot, sender=bidder)
    assert snapshot(p, bidder) == before


def test_claiming_twice_reverts(p, auction, lot, bidder):
    auction.placeBid(lot, value=10 * ETH, sender=bidder)
    auction.claimBid(lot, sender=bidder)
    assert p.rpl.balanceOf(bidder) == LOT
    before = snapshot(p, bidder)
    with boa.reverts("auction: no bid to claim"):
        auction.claimBid(lot, sender=bidder)
    assert snapshot(p, bidder) == before


def test_claim_without_a_bid_reverts(p, auction, lot, bidder, stranger):
    auction.placeBid(lot, value=10 * ETH, sender=bidder)
    before = snapshot(p, stranger)
    with boa.reverts("auction: no bid to claim"):
        auction.claimBid(lot, sender=stranger)
    assert snapshot(p, stranger) == before


def test_claim_on_a_missing_lot_reverts(p, auction, lot, bidder):
    before = snapshot(p, bidder)
    with boa.reverts("auction: lot does not exist"):
        auction.claimBid(1, sender=bidder)
    assert snapshot(p, bidder) == before


# ---------------------------------------------------------------- recoverUnclaimedRPL
def test_recover_unsold_rpl_after_the_end(p, auction, lot, bidder, stranger):
    auction.placeBid(lot, value=ETH, sender=bidder)
    boa.env.time_travel(blocks=DURATION)
    assert auction.getLotRemainingRPLAmount(lot) == 800 * RPL

    auction.recoverUnclaimedRPL(lot, sender=stranger)
    logs = events(auction, "RPLRecovered")
    assert auction.getLotRPLRecovered(lot)
    assert auction.getAllottedRPLBalance() == 200 * RPL
    assert auction.getRemainingRPLBalance() == 1_800 * RPL
    assert (logs[0].lotIndex, logs[0].by, logs[0].rplAmount) == (lot, stranger, 800 * RPL)

    # the bidder still gets its 200 RPL, and the rest can go into new lots
    auction.claimBid(lot, sender=bidder)
    assert p.rpl.balanceOf(bidder) == 200 * RPL
    assert auction.getAllottedRPLBalance() == 0
    auction.createLot()
    auction.createLot()
    assert auction.getLotTotalRPLAmount(2) == 800 * RPL
    assert auction.getRemainingRPLBalance() == 0


def test_recovering_twice_reverts(p, auction, lot):
    boa.env.time_travel(blocks=DURATION)
    auction.recoverUnclaimedRPL(lot)
    assert auction.getAllottedRPLBalance() == 0
    before = snapshot(p)
    with boa.reverts("auction: unclaimed RPL already recovered"):
        auction.recoverUnclaimedRPL(lot)
    assert snapshot(p) == before


def test_recover_before_the_end_reverts(p, auction, lot):
    boa.env.time_travel(blocks=DURATION - 1)
    before = snapshot(p)
    with boa.reverts("auction: lot bidding has not ended yet"):
        auction.recoverUnclaimedRPL(lot)
    assert snapshot(p) == before


def test_recover_from_a_sold_out_lot_reverts(p, auction, lot, bidder):
    auction.placeBid(lot, value=10 * ETH, sender=bidder)
    boa.env.time_travel(blocks=DURATION)
    before = snapshot(p)
    with boa.reverts("auction: no unclaimed RPL to recover"):
        auction.recoverUnclaimedRPL(lot)
    assert snapshot(p) == before


def test_recover_on_a_missing_lot_reverts(p, auction, lot):
    boa.env.time_travel(blocks=DURATION)
    before = snapshot(p)
    with boa.reverts("auction: lot does not exist"):
        auction.recoverUnclaimedRPL(1)
    assert snapshot(p) == before


# ---------------------------------------------------------------- views of a missing lot
def test_views_of_a_missing_lot_are_zero(p, auction):
    assert not auction.getLotExists(3)
    assert not auction.getLotIsCleared(3)
    assert auction.getLotStartBlock(3) == 0
    assert auction.getLotEndBlock(3) == 0
    assert auction.getLotTotalRPLAmount(3) == 0
    assert auction.getLotPriceByTotalBids(3) == 0
    assert auction.getLotCurrentPrice(3) == 0
    assert auction.getLotClaimedRPLAmount(3) == 0
    assert auction.getLotRemainingRPLAmount(3) == 0
