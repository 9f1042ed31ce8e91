"""Auction actions: cut a lot from slashed RPL, bid on it, claim the RPL bought, recover the
unsold RPL of an ended lot.

Each declaration holds the step (lots by index, bidders by role name), the
model's prediction and the facade call; the machine rules below draw them.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import norm
from harness.units import DAY, ETH, HOUR

# Bids, in wei: first (the draw Hypothesis favours) more than any lot costs, which must be capped.
BIDS = [20 * ETH, 2 * ETH, ETH // 2, 0, 1]

declare(
    Action(
        # Anyone, from RPL slashed and not yet in a lot.
        "create_lot",
        step=lambda ctx, who: ctx.cp.create_lot(ctx.who(who)),
        expect=lambda m, cp, caller: m.create_lot(cp.block(), by=caller),
        call=lambda p, caller: p.auction_manager.createLot(sender=caller),
        entries=("auction_manager.createLot",),
    )
)
declare(
    Action(
        "place_bid",
        step=lambda ctx, lot, who, amount: ctx.cp.place_bid(lot, ctx.who(who), amount),
        expect=lambda m, cp, lot, bidder, amount: m.place_bid(
            lot, bidder, amount, cp.block(), now=cp.now()
        ),
        call=lambda p, lot, bidder, amount: p.auction_manager.placeBid(
            lot, value=amount, sender=bidder
        ),
        entries=("auction_manager.placeBid",),
    )
)
declare(
    Action(
        "claim_bid",
        step=lambda ctx, lot, who: ctx.cp.claim_bid(lot, ctx.who(who)),
        expect=lambda m, cp, lot, bidder: m.claim_bid(lot, bidder, cp.block()),
        call=lambda p, lot, bidder: p.auction_manager.claimBid(lot, sender=bidder),
        entries=("auction_manager.claimBid",),
    )
)
declare(
    Action(
        "recover_unclaimed_rpl",
        step=lambda ctx, lot, who: ctx.cp.recover_unclaimed_rpl(lot, ctx.who(who)),
        expect=lambda m, cp, lot, caller: m.recover_unclaimed_rpl(lot, cp.block(), by=caller),
        call=lambda p, lot, caller: p.auction_manager.recoverUnclaimedRPL(lot, sender=caller),
        entries=("auction_manager.recoverUnclaimedRPL",),
    )
)


# --------------------------------------------------------------------------- machine rules
@machine_rule
@precondition(lambda self: self.model.auction_rpl > 0)
@rule(data=st.data())
def auction_again(self, data) -> None:
    """The auction rule again: lots are rare, so once there is one, they get twice the turns."""
    self.auction(data)


@machine_rule
@precondition(lambda self: self.model.auction_rpl > 0)
@rule(data=st.data())
def auction(self, data) -> None:
    """Anyone cuts a lot (often bid on at once); depositors bid, claim, recover; time passes.

    Lots run 50,400 blocks (about a week): "wait" lets the last one end,
    so claims and recoveries can succeed; "later" bids part of the way
    through. Lots are drawn newest first.
    """
    lots = len(self.model.lots)
    kinds = ["create", "bid", "bid", "later", "claim", "recover", "wait"]
    if not lots:
        kinds = ["create"]
    kind = data.draw(st.sampled_from(kinds), label="kind")
    who = self._actor(data, "depositor", label="who")
    if kind == "wait":
        self.do("advance", seconds=8 * DAY)
        return
    if kind == "later":
        # Part of the way through a lot, where its price falls between start and reserve.
        wait = data.draw(st.sampled_from([HOUR, DAY, 3 * DAY]), label="wait")
        self.do("advance", seconds=wait)
        kind = "bid"
    if kind == "create":
        self.do("create_lot", who="depositor_1")
        if len(self.model.lots) == lots or not data.draw(st.booleans(), label="bid_now"):
            return
        lot, kind = lots, "bid"
    else:
        lot = data.draw(st.sampled_from(range(lots - 1, -1, -1)), label="lot")
    if kind in ("claim", "recover"):
        # Around the lot's last block: claims and recoveries open once it has ended.
        end = self.model.lots[lot].end_block
        blocks = end - self.p.chain.block_number
        self._to_edge(data, [self.p.now() + 12 * blocks], unit=12)
    if kind == "bid":
        amount = data.draw(st.sampled_from(BIDS), label="amount")
        self.do("place_bid", lot=lot, who=who, amount=amount)
    elif kind == "claim":
        # Usually a bidder of that lot (anyone else has nothing to claim).
        bidders = [n for n, a in self.ctx.actors.items() if norm(a) in self.model.lots[lot].bids]
        if bidders and data.draw(st.booleans(), label="bidder"):
            who = self._pick(data, sorted(bidders), "bidder")
        self.do("claim_bid", lot=lot, who=who)
    else:
        self.do("recover_unclaimed_rpl", lot=lot, who=who)
