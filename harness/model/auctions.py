"""RPL auctions: slashed RPL sold for ETH in Dutch-auction lots, the ETH to the deposit pool.

Rules modelled (``RocketAuctionManager``; the price curve is
:class:`~harness.model.records.Lot`'s):

- Anyone cuts a lot from the slashed RPL not yet in a lot: at most
  ``auction.lot.value.maximum`` worth at the oracle price, and only if what
  is left is worth at least ``auction.lot.value.minimum``. Its prices are
  the start and reserve ratios of the oracle price; it lasts
  ``auction.lot.duration`` blocks.
- A bid on an open, uncleared lot is capped at what the remaining RPL costs
  at the current price (rounded up); the bid goes to the deposit pool at
  once, and assignment runs.
- Once the lot cleared (its end block, or bids that buy it all), each bidder
  claims ``bid * 1e18 / price`` RPL at the lot's current price; after the
  end block anyone returns the unbought RPL for a later lot, once.
"""

from __future__ import annotations

from harness.model.common import _action, _require, mul_div, norm
from harness.model.records import Lot
from harness.units import ONE


class AuctionsMixin:
    """Lots, bids, claims and recovery of unclaimed RPL."""

    @_action
    def create_lot(self, now_block: int, by: str | None = None) -> dict[str, int]:
        """Anyone cuts a lot from unallotted slashed RPL: up to the maximum lot value at the price.

        The RPL left must be worth at least the minimum lot value. Prices:
        start and reserve ratios of the oracle price. Values: ``lot``, ``rpl``.
        """
        _require(self._s("auction.lot.create.enabled"), "auction: lot creation is disabled")
        remaining = self.auction_rpl - self.auction_allotted
        minimum_rpl = self._s("auction.lot.value.minimum") * ONE // self.rpl_price
        _require(
            remaining > 0 and remaining >= minimum_rpl,
            "auction: insufficient RPL balance to create a lot",
        )
        lot_rpl = min(remaining, self._s("auction.lot.value.maximum") * ONE // self.rpl_price)
        start = self.rpl_price * self._s("auction.price.start") // ONE
        reserve = self.rpl_price * self._s("auction.price.reserve") // ONE
        _require(0 < reserve <= start, "auction: invalid lot prices")
        lot = Lot(
            index=len(self.lots),
            start_block=now_block,
            end_block=now_block + self._s("auction.lot.duration"),
            start_price=start,
            reserve_price=reserve,
            total_rpl=lot_rpl,
        )
        self.lots.append(lot)
        self.auction_allotted += lot_rpl
        if by is not None:  # the caller: what its event names
            self._emit(
                "RocketAuctionManager",
                "LotCreated",
                lotIndex=lot.index,
                by=norm(by),
                rplAmount=lot_rpl,
                time=self.now,
            )
        return {"lot": lot.index, "rpl": lot_rpl}

    @_action
    def place_bid(
        self, lot: int, bidder: str, amount: int, block: int, now: int | None = None
    ) -> dict[str, int]:
        """``bidder`` bids ``amount`` wei on an open, uncleared lot.

        A bid above what the remaining RPL costs at the current price is capped
        (rounded up) and the excess refunded. The bid goes to the deposit pool
        at once (and assignment runs). Values: ``bid``, ``refund``, ``assigned``.
        """
        self._tick(now)
        self._begin()
        bidder = norm(bidder)
        _require(amount > 0, "auction: bid amount must be positive")
        _require(0 <= lot < len(self.lots), "auction: lot does not exist")
        _require(self._s("auction.lot.bidding.enabled"), "auction: bidding is disabled")
        item = self.lots[lot]
        _require(block < item.end_block, "auction: lot bidding has ended")
        block_price = item.price_at(block)
        _require(item.bid_price() < block_price, "auction: lot has cleared")
        remaining = item.total_rpl - item.claimed_rpl(block)
        bid = min(amount, mul_div(remaining, block_price, ONE, True))
        item.total_bid += bid
        item.bids[bidder] = item.bids.get(bidder, 0) + bid
        self._emit(
            "RocketAuctionManager",
            "BidPlaced",
            lotIndex=lot,
            by=bidder,
            bidAmount=bid,
            time=self.now,
        )
        self.auction_eth_raised += bid
        self._pay_in(bidder, bid)
        self._emit(
            "RocketDepositPool",
            "DepositRecycled",
            sender=self.contract_address("rocketAuctionManager"),
            amount=bid,
            time=self.now,
        )
        self._process_deposit(bid)
        return self._done(bid=bid, refund=amount - bid, assigned=self._moved.get("assigned", 0))

    @_action
    def claim_bid(self, lot: int, bidder: str, block: int) -> dict[str, int]:
        """``bidder`` claims the RPL its bid buys at the lot's current price, once it cleared."""
        bidder = norm(bidder)
        _require(0 <= lot < len(self.lots), "auction: lot does not exist")
        item = self.lots[lot]
        _require(item.cleared(block), "auction: lot has not cleared yet")
        bid = item.bids.get(bidder, 0)
        _require(bid > 0, "auction: no bid to claim")
        rpl = min(bid * ONE // item.current_price(block), item.total_rpl - item.rpl_paid)
        item.bids[bidder] = 0
        self._emit(
            "RocketAuctionManager",
            "BidClaimed",
            lotIndex=lot,
            by=bidder,
            bidAmount=bid,
            rplAmount=rpl,
            time=self.now,
        )
        if rpl > 0:  # the vault pays the lot's RPL
            self._emit(
                "RocketVault",
                "TokenWithdrawn",
                by="rocketAuctionManager",
                token=self.contract_address("rocketTokenRPL"),
                amount=rpl,
                time=self.now,
            )
            self._emit(
                "RocketTokenRPL",
                "Transfer",
                sender=self.contract_address("rocketVault"),
                receiver=bidder,
                value=rpl,
            )
        item.rpl_paid += rpl
        self.auction_allotted -= rpl
        self.auction_rpl -= rpl
        self.rpl_balances[bidder] = self.rpl_balances.get(bidder, 0) + rpl
        return {"rpl": rpl, "bid": bid}

    @_action
    def recover_unclaimed_rpl(self, lot: int, block: int, by: str | None = None) -> dict[str, int]:
        """Anyone returns an ended lot's unbought RPL to the unallotted balance, once."""
        _require(0 <= lot < len(self.lots), "auction: lot does not exist")
        item = self.lots[lot]
        _require(not item.recovered, "auction: unclaimed RPL already recovered")
        _require(block >= item.end_block, "auction: lot bidding has not ended yet")
        remaining = item.total_rpl - item.claimed_rpl(block)
        _require(remaining > 0, "auction: no unclaimed RPL to recover")
        self.auction_allotted -= remaining
        item.recovered = True
        if by is not None:  # the caller: what its event names
            self._emit(
                "RocketAuctionManager",
                "RPLRecovered",
                lotIndex=lot,
                by=norm(by),
                rplAmount=remaining,
                time=self.now,
            )
        return {"rpl": remaining}
