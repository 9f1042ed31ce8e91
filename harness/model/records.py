"""The records the model's state is made of, and the rules that belong to a record alone.

- :class:`MinipoolState`: one minipool (bond ``N``, users' capital ``U``,
  fee, status and its times, ETH balance and refund, scrub and cancel votes,
  bond reduction, what it paid out).
- :class:`NodeState`: one node operator (withdrawal address, RPL stake,
  ETH matched and provided, deposit credit, minipool counters).
- :class:`Lot`: one RPL auction lot, with its Dutch-auction price curve:
  the start price falling quadratically to the reserve over the lot's blocks,
  and the clearing price once the bids buy the whole lot.
- :class:`Report` and :class:`ReportMarks`: the last accepted balances
  report, and the running loss figures at the moment a report describes,
  which bound how far the rETH rate may fall between two reports.

Plain data (ints, strings, bytes, containers), so a checkpoint copies it with
a pickle round trip (see :meth:`harness.model.Model._checkpoint_payment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from harness.chain.status import INITIALISED
from harness.units import ONE

if TYPE_CHECKING:
    from harness.model import Model


@dataclass
class MinipoolState:
    """One minipool as the rules see it (amounts in wei).

    ``bond`` is N and ``user_capital`` U of docs/protocol.md's split; ``eth`` is
    the contract's ETH balance, of which ``refund`` is owed to the node.
    ``capital_returned`` counts the users' share of the exit already paid to
    rETH, for :meth:`Model.user_losses`.
    """

    address: str
    node: str
    pubkey: bytes
    bond: int
    fee: int
    created_time: int
    status: int = INITIALISED
    status_time: int = 0
    status_block: int = 0
    user_capital: int = 0
    assigned_time: int = 0
    eth: int = 0
    refund: int = 0
    slash: int = 0
    finalised: bool = False
    user_distributed: bool = False
    user_distribute_time: int = 0
    closed: bool = False
    destroyed: bool = False
    staking_counted: bool = False
    # member -> membership nonce it voted under
    scrub_votes: dict[str, int] = field(default_factory=dict)
    # Bond reduction (the bond reducer's records of this minipool).
    reduce_time: int = 0
    reduce_value: int = 0
    reduction_cancelled: bool = False
    last_reduction_time: int = 0
    cancel_votes: dict[str, int] = field(default_factory=dict)
    # What this minipool adds to its node's ETH matched / provided.
    eth_matched: int = 0
    eth_provided: int = 0
    # ETH sent to the beacon deposit contract for this validator.
    beacon_deposited: int = 0
    # Totals paid out, for the ledger.
    node_credited: int = 0
    user_paid: int = 0
    capital_returned: int = 0
    exit_balance: int | None = None
    rpl_slashed: int = 0

    @property
    def capital_distributed(self) -> bool:
        """Whether the exit was distributed (by anyone) or the minipool finalised."""
        return self.user_distributed or self.finalised


@dataclass
class NodeState:
    """One node operator: registration, withdrawal address, RPL, ETH matched and counters."""

    address: str
    registered_time: int
    timezone: str = ""
    withdrawal_address: str | None = None
    pending_withdrawal_address: str | None = None
    rpl_stake: int = 0
    rpl_staked_time: int = 0
    rpl_slashed: int = 0
    eth_matched: int = 0
    eth_provided: int = 0
    deposit_credit: int = 0
    active_count: int = 0
    staking_count: int = 0
    finalised_count: int = 0
    minipools: list[str] = field(default_factory=list)

    @property
    def payee(self) -> str:
        """Where the node's ETH and RPL go: its withdrawal address, else itself."""
        return self.withdrawal_address or self.address


@dataclass
class Lot:
    """An RPL auction lot (prices in wei of ETH per 1e18 RPL, bids in wei)."""

    index: int
    start_block: int
    end_block: int
    start_price: int
    reserve_price: int
    total_rpl: int
    total_bid: int = 0
    rpl_paid: int = 0
    recovered: bool = False
    bids: dict[str, int] = field(default_factory=dict)

    def price_at(self, block: int) -> int:
        """The Dutch-auction price at ``block``: start, falling quadratically to the reserve.

        ``start - (start - reserve) * t**2 / d**2`` (the falling term rounds
        down, so the price rounds up); the start price up to the start block,
        the reserve from the end block on. Contract-defined: docs/protocol.md
        only says "start 100%, reserve 50%".
        """
        if block <= self.start_block:
            return self.start_price
        if block >= self.end_block:
            return self.reserve_price
        elapsed = block - self.start_block
        duration = self.end_block - self.start_block
        drop = (self.start_price - self.reserve_price) * elapsed * elapsed // (duration * duration)
        return self.start_price - drop

    def bid_price(self) -> int:
        """The price at which the bids so far buy the whole lot."""
        return ONE * self.total_bid // self.total_rpl if self.total_rpl else 0

    def current_price(self, block: int) -> int:
        """The price claims settle at: the clearing price once bids cover the lot."""
        return max(self.bid_price(), self.price_at(block))

    def claimed_rpl(self, block: int) -> int:
        """RPL the bids buy at the current price, at most the whole lot."""
        price = self.current_price(block)
        if price == 0:
            return 0
        return min(ONE * self.total_bid // price, self.total_rpl)

    def cleared(self, block: int) -> bool:
        """Whether bidding is over: the end block was reached or the bids cover the lot."""
        return block >= self.end_block or self.bid_price() >= self.price_at(block)


@dataclass(frozen=True)
class ReportMarks:
    """The model's running loss figures at one moment: the one a report describes.

    A balances report is the truth at the moment its members computed it
    (the first vote for its values), and it may be applied later, after the
    world moved on: after the threshold was lowered, anyone may execute a
    pending report (``executeUpdateBalances``, as in the reference). So the
    losses a report may pass on to holders are the ones up to that moment,
    and the ones after it are the next report's. The model records these
    marks with every vote and keeps them with the accepted :class:`Report`.

    ``uncovered``: :meth:`Model.uncovered_losses` (losses past the bonds,
    which name the event). ``world_gain``: :meth:`Model.world_gain` (what the
    beacon chain did to the users' holdings, which bounds the allowance).
    ``unpoliced``: :attr:`Model.unpoliced_losses` (users' capital lost to
    bond reductions the oDAO did not cancel). ``deficit``: how far
    :meth:`Model.held_for_users` was below zero (the honest report says 0:
    a rate cannot fall below 0, so the rest of such a loss is carried to
    the next holders). ``supply`` and ``paid_in``: the rETH supply and
    :attr:`Model.holders_paid_in`, to tell what was minted and burned at the
    old rate between the moment and the report's execution. ``stale``: the
    value the report's rate gives those trades beyond what they paid (set
    when a report is accepted late, see :meth:`Model.report_balances`),
    carried like the deficit. ``skimmed``: :attr:`Model.skim_past_bond_losses`
    (users' ETH that skims paid to nodes whose bonds were under water, as
    v1.3.1 pays them; the RPL slashed at the exit covers it). The zero marks
    stand for a report at the very start.
    """

    uncovered: int = 0
    world_gain: int = 0
    unpoliced: int = 0
    deficit: int = 0
    supply: int = 0
    paid_in: int = 0
    stale: int = 0
    skimmed: int = 0

    @classmethod
    def of(cls, model: Model, shares: Mapping[str, int] | None = None) -> ReportMarks:
        """The marks now (``shares``: a fresh ``model.user_shares()``, if the caller has it)."""
        return cls(
            model.uncovered_losses(shares),
            model.world_gain(shares),
            model.unpoliced_losses,
            max(0, -model.held_for_users(shares)),
            model.reth_supply,
            model.holders_paid_in,
            skimmed=model.skim_past_bond_losses,
        )

    def lost_until(self, later: ReportMarks) -> int:
        """What holders may lose between these marks and ``later`` without a bug (wei, >= 0).

        The users' net loss to the beacon chain in between, plus their loss
        to bond reductions the oDAO failed to cancel and to skims paid past
        the bond in between, plus the deficit and the stale trades' gain
        these marks carried.
        """
        world = max(0, self.world_gain - later.world_gain)
        return (
            world
            + later.unpoliced
            - self.unpoliced
            + later.skimmed
            - self.skimmed
            + self.deficit
            + self.stale
        )

    def uncovered_until(self, later: ReportMarks) -> int:
        """Growth of the losses past the bonds between these marks and ``later`` (wei, >= 0)."""
        return max(0, later.uncovered - self.uncovered)

    def lost_since(self, model: Model, shares: Mapping[str, int] | None = None) -> int:
        """:meth:`lost_until` now (``shares``: see :meth:`of`)."""
        return self.lost_until(ReportMarks.of(model, shares))


@dataclass
class Report:
    """The last accepted network-balances report, and the marks of the moment it describes."""

    block: int = 0
    slot_timestamp: int = 0
    total_eth: int = 0
    staking_eth: int = 0
    reth_supply: int = 0
    marks: ReportMarks = field(default_factory=ReportMarks)
