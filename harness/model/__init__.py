"""The reference model: Rocket Pool's economics in plain Python, written from ROCKETPOOL.md.

This is the fuzzing harness's oracle of truth. It keeps its own ledger of
every ETH and rETH amount the rules move (depositors, the deposit pool and its
queue, the rETH contract, each minipool and node, the RPL auctions, the
oracle's last report) and, for every user-level action, says *before the
contracts are asked* whether the call must revert and with which reason, or
what it must return and move. The invariants compare the contracts with it.

Independence: the rules come from ROCKETPOOL.md and ``harness.model.economics``;
the contracts were read only for revert strings, the order of their checks
and behaviours ROCKETPOOL.md leaves open (each such place says so in a
comment). Nothing here touches the EVM: time and block numbers are passed in,
ETH that arrives without code running is told with :meth:`Model.credit`, and
validator balances are read from the simulated beacon chain
(:class:`harness.chain.beacon.BeaconChain`), the model's only window on the world.

Conventions: amounts are wei ints; fractions are of 1e18; addresses are
compared case-insensitively (stored lower-case, see :func:`norm`). Every
action returns an :class:`Expect`; a refused action changes nothing.
"""

from __future__ import annotations

import functools
import inspect
import pickle
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from harness.chain.beacon import WITHDRAWN, BeaconChain
from harness.chain.status import (  # noqa: F401 - the model's names for them
    DISSOLVED,
    INITIALISED,
    PRELAUNCH,
    STAKING,
    WITHDRAWABLE,
    MinipoolStatus,
)
from harness.model import economics as econ
from harness.units import ETH, GWEI, ONE

LAUNCH_BALANCE = 32 * ETH
PRELAUNCH_VALUE = ETH  # the pre-deposit made when a minipool is created
STAKE_VALUE = 31 * ETH  # what assignment gives and `stake()` sends
SMALL_BOND = 8 * ETH
LARGE_BOND = 16 * ETH
FULL_EXIT_THRESHOLD = econ.FULL_EXIT_THRESHOLD
INITIAL_RPL_PRICE = 10**16  # 0.01 ETH per RPL until the first price report
MAX_ASSIGNMENTS = 90  # the queue never dequeues more in one call
MAX_VOTES = 64  # votes one oracle report or oDAO ballot can hold
MAX_MEMBERS = 64
MIN_TIMEZONE = 4
PUBKEY_LENGTH = 48
ZERO_ADDRESS = "0x" + "00" * 20


# The contract defaults (ROCKETPOOL.md's table, RocketDAOProtocolSettings' paths).
DEFAULT_SETTINGS: dict[str, int | bool] = {
    "deposit.enabled": True,
    "deposit.assign.enabled": True,
    "deposit.minimum": 10**16,
    "deposit.pool.maximum": 160 * ETH,
    "deposit.fee": 5 * 10**14,
    "deposit.assign.maximum": 90,
    "deposit.assign.socialised.maximum": 2,
    "network.consensus.threshold": 51 * 10**16,
    "network.submit.balances.enabled": True,
    "network.submit.balances.frequency": 86_400,
    "network.submit.prices.enabled": True,
    "network.submit.prices.frequency": 86_400,
    "network.reth.collateral.target": 10**17,
    "network.node.fee.minimum": 14 * 10**16,
    "network.node.fee.target": 14 * 10**16,
    "network.node.fee.maximum": 14 * 10**16,
    "minipool.launch.timeout": 72 * 3_600,
    "minipool.scrub.period": 12 * 3_600,
    "minipool.scrub.quorum": 51 * 10**16,
    "minipool.scrub.penalty.enabled": False,
    "minipool.scrub.penalty": 24 * 10**17,
    "minipool.bond.reduction.enabled": True,
    "minipool.bond.reduction.window.start": 2 * 86_400,
    "minipool.bond.reduction.window.length": 2 * 86_400,
    "minipool.user.distribute.window.start": 90 * 86_400,
    "minipool.user.distribute.window.length": 2 * 86_400,
    "node.registration.enabled": True,
    "node.deposit.enabled": True,
    "node.per.minipool.stake.minimum": 10**17,
    "node.per.minipool.stake.maximum": 15 * 10**17,
    "node.rpl.withdrawal.cooldown": 28 * 86_400,
    "auction.lot.create.enabled": True,
    "auction.lot.bidding.enabled": True,
    "auction.lot.value.minimum": ONE,
    "auction.lot.value.maximum": 10 * ONE,
    "auction.lot.duration": 50_400,
    "auction.price.start": ONE,
    "auction.price.reserve": 5 * 10**17,
}


def norm(address: Any) -> str:
    """An address as the model keys it: lower-case hex (a contract handle's ``.address`` too)."""
    if type(address) is str:  # most calls: skips a failing attribute lookup
        return address.lower()
    return str(getattr(address, "address", address)).lower()


def _deep_copy(state: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the model's state, as ``copy.deepcopy`` makes it, about three times faster.

    The state is plain data (ints, strings, bytes, containers and dataclass
    records); a pickle round trip copies it all and, like ``deepcopy``,
    keeps objects shared inside it shared. Something unpicklable raises.
    """
    return pickle.loads(pickle.dumps(state, pickle.HIGHEST_PROTOCOL))


def mul_div(x: int, y: int, d: int, round_up: bool = False) -> int:
    """``x * y / d`` rounded down, or up with ``round_up``."""
    q, r = divmod(x * y, d)
    return q + 1 if round_up and r else q


# ---------------------------------------------------------------- records
@dataclass(frozen=True)
class Expect:
    """What the model predicts for one call.

    ``ok`` False means the call must revert with exactly ``reason``; True
    means it succeeds, returning or moving ``values`` (wei unless the key
    says otherwise: ``{"minted": ...}`` for a deposit, ``{"eth": ...}`` for a
    burn, ``{"node": ..., "user": ..., "slash": ...}`` for a distribution).
    """

    ok: bool
    reason: str | None = None
    values: dict[str, int] = field(default_factory=dict)


@dataclass
class MinipoolState:
    """One minipool as the rules see it (amounts in wei).

    ``bond`` is N and ``user_capital`` U of ROCKETPOOL.md's split; ``eth`` is
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
        the reserve from the end block on. Contract-defined: ROCKETPOOL.md
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
    carried like the deficit. The zero marks stand for a report at the very
    start.
    """

    uncovered: int = 0
    world_gain: int = 0
    unpoliced: int = 0
    deficit: int = 0
    supply: int = 0
    paid_in: int = 0
    stale: int = 0

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
        )

    def lost_until(self, later: ReportMarks) -> int:
        """What holders may lose between these marks and ``later`` without a bug (wei, >= 0).

        The users' net loss to the beacon chain in between, plus their loss
        to bond reductions the oDAO failed to cancel in between, plus the
        deficit and the stale trades' gain these marks carried.
        """
        world = max(0, self.world_gain - later.world_gain)
        return world + later.unpoliced - self.unpoliced + self.deficit + self.stale

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


class _Revert(Exception):
    """Raised inside an action when the call must revert; becomes ``Expect(False, reason)``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise _Revert(reason)


def _action(fn: Callable[..., dict[str, int] | None]) -> Callable[..., Expect]:
    """Wrap an action: its checks raise ``_Revert``, its effects return ``values``.

    Every action checks everything before changing anything, so a refusal
    leaves the model as it was. The one check that comes late is a payment
    to a withdrawal address that refuses ETH (the minipool pays last); an
    action that may make one takes a checkpoint first (see
    :meth:`Model._checkpoint_payment`), and a refusal restores it.
    """

    @functools.wraps(fn)
    def wrapper(self: Model, *args: Any, **kwargs: Any) -> Expect:
        outermost = not self._acting
        if outermost:
            self._note_world()
        self._acting += 1
        try:
            values = fn(self, *args, **kwargs)
        except _Revert as refusal:
            if self._checkpoint is not None:
                self._restore(self._checkpoint)
            return Expect(False, refusal.reason, {})
        finally:
            self._acting -= 1
            if outermost:
                self._checkpoint = None
        if outermost:
            self._held_mark = self.held_for_users()
        return Expect(True, None, dict(values or {}))

    # help() shows what callers get: an Expect, not the effects' dict.
    wrapper.__signature__ = inspect.signature(fn).replace(return_annotation="Expect")
    return wrapper


# ---------------------------------------------------------------- the model
class Model:
    """The protocol's economics, independent of the contracts.

    ``settings`` overlays the contract defaults (:data:`DEFAULT_SETTINGS`);
    ``odao_members`` are admitted in order, as ``deploy_protocol`` does (each
    gets the next membership nonce); ``beacon`` is the simulated consensus
    layer, read for validator balances only. ``reth_address`` lets
    :meth:`credit` recognise ETH gifted to the rETH contract.

    Actions take ``now`` (seconds) and, for auctions and reports, ``block``;
    the model remembers the latest ``now`` for actions that cascade into
    assignment (a minipool's status time is set then).
    """

    def __init__(
        self,
        settings: dict[str, int | bool] | None,
        odao_members: list[str],
        beacon: BeaconChain,
        *,
        reth_address: str | None = None,
        now: int = 0,
    ) -> None:
        self.settings: dict[str, int | bool] = dict(DEFAULT_SETTINGS)
        for path, value in (settings or {}).items():
            if path not in DEFAULT_SETTINGS:
                raise ValueError(f"unknown setting {path!r}; the contract would refuse it")
            self.settings[path] = value
        self.beacon = beacon
        self.reth_address = norm(reth_address) if reth_address is not None else None
        self.now = now
        # oDAO: member -> membership nonce; admission order kept for display.
        self.members: dict[str, int] = {}
        self.last_nonce = 0
        for member in odao_members:
            self._admit(norm(member))
        # rETH
        self.reth_balances: dict[str, int] = {}
        self.reth_supply = 0
        self.reth_minted = 0
        self.reth_burned = 0
        self.reth_eth = 0
        # ETH each address paid into the protocol and was paid by it.
        self.eth_in: dict[str, int] = {}
        self.eth_out: dict[str, int] = {}
        # Deposit pool and queue
        self.pool_balance = 0
        self.pool_node_balance = 0
        self.queue: list[str] = []
        self.deposit_fees = 0
        # Minipools and nodes
        self.minipools: dict[str, MinipoolState] = {}
        self.pubkeys_used: dict[bytes, str] = {}
        self.nodes: dict[str, NodeState] = {}
        self.beacon_deposits = 0
        # RPL
        self.rpl_balances: dict[str, int] = {}
        self.total_rpl_stake = 0
        self.rpl_price = INITIAL_RPL_PRICE
        self.prices_block = 0
        # Auctions
        self.auction_rpl = 0
        self.auction_allotted = 0
        self.auction_eth_raised = 0
        self.lots: list[Lot] = []
        # Oracle
        self.report = Report()
        self._balance_votes: dict[tuple, list[tuple[str, int]]] = {}
        # Report values -> the marks when they were first voted for (see ReportMarks).
        self._balance_marks: dict[tuple, ReportMarks] = {}
        self._balance_voted: dict[tuple[str, int, int], tuple] = {}
        self._price_votes: dict[tuple, list[tuple[str, int]]] = {}
        self._price_voted: dict[tuple[str, int, int], tuple] = {}
        # ETH credited to addresses the model has no account for.
        self.other_credits: dict[str, int] = {}
        # Contract withdrawal addresses: those that refuse ETH, those that
        # re-enter the payer (and how many payments they have had).
        self.refusers: set[str] = set()
        self.reentrants: set[str] = set()
        self.reentry_attempts: dict[str, int] = {}
        # Values moved by the action in progress.
        self._moved: dict[str, int] = {}
        # Users' capital lost to bond reductions the oDAO did not cancel (see reduce_bond).
        self.unpoliced_losses = 0
        # ETH rETH holders paid in by deposits less what burns paid them (see ReportMarks).
        self.holders_paid_in = 0
        # What the world (not the protocol) did to held_for_users(): see world_gain().
        self._world_gain = 0
        self._held_mark = 0
        self._acting = 0
        # The model as it was before an action whose payment may be refused.
        self._checkpoint: dict[str, Any] | None = None

    # ================================================================ world
    def credit(self, address: str, wei: int) -> None:
        """ETH arrived at ``address`` without code running (a beacon sweep, a gift).

        A minipool's balance rises (the beacon chain's way of paying it); the
        rETH contract's ETH rises if ``address`` is ``reth_address``; anything
        else is only remembered in ``other_credits``.
        """
        address = norm(address)
        if address in self.minipools:
            self.minipools[address].eth += wei
        elif address == self.reth_address:
            self.reth_eth += wei
        else:
            self.other_credits[address] = self.other_credits.get(address, 0) + wei

    def world_gain(self, shares: Mapping[str, int] | None = None) -> int:
        """What the world did to :meth:`held_for_users` so far (signed wei, cumulative).

        Only actions change the protocol, so any change in what is held for
        rETH holders between two actions is the world's: beacon rewards add
        to it; penalties, leaks and slashings take from it (rewards already
        reported included: past ``U + N`` the users share a penalty, see
        ROCKETPOOL.md's split). Comparing this figure at two reports gives
        the users' net loss to the beacon chain in between, the only reason
        the rate may fall and holders may be owed more than is held.
        ``shares``: :meth:`user_shares` taken since the model last changed,
        if the caller has it (a stale one would book a wrong gain for good).
        """
        if not self._acting:
            self._note_world(shares)
        return self._world_gain

    def _note_world(self, shares: Mapping[str, int] | None = None) -> None:
        """Book the change in :meth:`held_for_users` since the last action as the world's."""
        held = self.held_for_users(shares)
        self._world_gain += held - self._held_mark
        self._held_mark = held

    def add_refuser(self, address: str) -> None:
        """``address`` is a contract that refuses ETH: a payment to it reverts the paying call."""
        self.refusers.add(norm(address))

    def add_reentrant(self, address: str) -> None:
        """``address`` is a contract that calls the payer back on every payment, then keeps the ETH.

        Predicted like an externally owned account: the payer's reentrancy
        lock refuses the call back, so only the attempts are counted (see
        :meth:`expected_reentries`).
        """
        self.reentrants.add(norm(address))

    def expected_reentries(self, address: str) -> tuple[int, int]:
        """``(attempts, successes)`` a re-entrant withdrawal address must have counted by now.

        One attempt per payment it received; no success ever, because every
        contract that moves ETH holds its reentrancy lock while it pays.
        """
        return self.reentry_attempts.get(norm(address), 0), 0

    def fund_rpl(self, to: str, amount: int) -> Expect:
        """The guardian (holder of the fixed RPL supply) sends ``amount`` RPL to ``to``.

        The model tracks RPL balances only to predict stake refusals.
        """
        to = norm(to)
        self.rpl_balances[to] = self.rpl_balances.get(to, 0) + amount
        return Expect(True, None, {"rpl": amount})

    # ================================================================ helpers
    def _tick(self, now: int | None) -> None:
        if now is not None:
            if now < self.now:
                raise ValueError(f"time only moves forward ({now} < {self.now})")
            self.now = now

    def _move(self, key: str, amount: int) -> None:
        self._moved[key] = self._moved.get(key, 0) + amount

    def _begin(self) -> None:
        self._moved = {}

    def _done(self, **values: int) -> dict[str, int]:
        out = dict(self._moved)
        out.update(values)
        self._moved = {}
        return out

    def _pay_in(self, who: str, wei: int) -> None:
        self.eth_in[who] = self.eth_in.get(who, 0) + wei

    def _pay_out(self, who: str, wei: int) -> None:
        self.eth_out[who] = self.eth_out.get(who, 0) + wei

    def _checkpoint_payment(self, mp: MinipoolState) -> None:
        """Before an action that may pay ``mp``'s node: checkpoint if its payee refuses ETH.

        Only then, so the common path copies nothing; the beacon chain is
        shared, not copied (the model never changes it).
        """
        if self.refusers and self.withdrawal_address(mp.node) in self.refusers:
            self._checkpoint = _deep_copy({k: v for k, v in self.__dict__.items() if k != "beacon"})

    def _restore(self, saved: dict[str, Any]) -> None:
        """Put back a checkpoint; minipool and node records keep their identity.

        So a caller holding ``model.minipools[a]`` or ``model.nodes[n]``
        across a refused action still sees the live record.
        """
        saved = dict(saved)
        for name in ("minipools", "nodes"):
            live, records = getattr(self, name), saved.pop(name)
            for key in [k for k in live if k not in records]:
                del live[key]
            for key, record in records.items():
                if key in live:
                    vars(live[key]).update(vars(record))
                else:
                    live[key] = record
        self.__dict__.update(saved)

    def _pay_node(self, mp: MinipoolState, wei: int, refused: str) -> None:
        """The minipool pays its node's withdrawal address; a refusing one reverts with ``refused``.

        A re-entrant address counts an attempt per payment.
        """
        to = self.withdrawal_address(mp.node)
        if to in self.refusers:
            if self._checkpoint is None:
                raise RuntimeError(
                    "model bug: a payment a withdrawal address can refuse, in an action that "
                    "took no checkpoint (call _checkpoint_payment first)"
                )
            raise _Revert(refused)
        self._pay_out(to, wei)
        if to in self.reentrants:
            self.reentry_attempts[to] = self.reentry_attempts.get(to, 0) + 1

    def _minipool(self, minipool: Any) -> MinipoolState:
        address = norm(minipool)
        try:
            return self.minipools[address]
        except KeyError:
            raise KeyError(f"the model knows no minipool at {address}") from None

    def _node(self, node: str) -> NodeState | None:
        return self.nodes.get(norm(node))

    def _admit(self, member: str) -> None:
        self.last_nonce += 1
        self.members[member] = self.last_nonce

    def _nonce(self, member: str) -> int:
        return self.members.get(norm(member), 0)

    def _count_valid(self, votes: list[tuple[str, int]] | dict[str, int]) -> int:
        items = votes.items() if isinstance(votes, dict) else votes
        return sum(1 for voter, nonce in items if self.members.get(voter) == nonce)

    def _reached(self, votes: list[tuple[str, int]] | dict[str, int], quorum: int) -> bool:
        members = len(self.members)
        if members == 0:
            return False
        return ONE * self._count_valid(votes) // members >= quorum

    def _s(self, path: str) -> Any:
        return self.settings[path]

    def _queue_capacity(self) -> int:
        return len(self.queue) * STAKE_VALUE

    def excess_balance(self) -> int:
        """The deposit pool's ETH beyond what the queued minipools need (31 ETH each)."""
        return max(0, self.pool_balance - self._queue_capacity())

    def user_balance(self) -> int:
        """The deposit pool's balance minus its node balance (negative while users owe nodes)."""
        return self.pool_balance - self.pool_node_balance

    def eth_value(self, reth_amount: int) -> int:
        """ETH value of ``reth_amount`` at the last report, rounded down."""
        if self.report.reth_supply == 0:
            return reth_amount
        return reth_amount * self.report.total_eth // self.report.reth_supply

    def _reth_value(self, eth_amount: int) -> int:
        if self.report.reth_supply == 0:
            return eth_amount
        # Contract-defined refusal: ROCKETPOOL.md leaves a zero total open.
        _require(self.report.total_eth > 0, "reth: network ETH balance is zero")
        return eth_amount * self.report.reth_supply // self.report.total_eth

    def reth_value(self, eth_amount: int) -> int:
        """rETH minted for ``eth_amount`` at the last report, rounded down (0 if total is 0)."""
        try:
            return self._reth_value(eth_amount)
        except _Revert:
            return 0

    def network_node_fee(self) -> int:
        """The fee a new minipool gets: the target fee clamped to [minimum, maximum]."""
        fee = max(self._s("network.node.fee.target"), self._s("network.node.fee.minimum"))
        return min(fee, self._s("network.node.fee.maximum"))

    def eth_matched_limit(self, node: str) -> int:
        """The most depositor ETH ``node``'s RPL supports: stake value / minimum fraction."""
        state = self._node(node)
        minimum = self._s("node.per.minipool.stake.minimum")
        if minimum == 0:
            return 2**256 - 1
        stake = state.rpl_stake if state else 0
        return mul_div(stake, self.rpl_price, minimum)

    def maximum_rpl_stake(self, node: str, round_up: bool = True) -> int:
        """The stake above which RPL may be withdrawn: 150% of bonded ETH, in RPL."""
        state = self._node(node)
        provided = state.eth_provided if state else 0
        return mul_div(
            provided, self._s("node.per.minipool.stake.maximum"), self.rpl_price, round_up
        )

    def usable_credit(self, node: str) -> int:
        """The node's deposit credit usable now: at most the deposit pool's balance."""
        state = self._node(node)
        return min(state.deposit_credit if state else 0, self.pool_balance)

    def withdrawal_address(self, node: str) -> str:
        """Where ``node``'s ETH goes: its withdrawal address, or itself."""
        state = self._node(node)
        return state.payee if state else norm(node)

    def _is_owner(self, mp: MinipoolState, caller: str) -> bool:
        return caller == mp.node or caller == self.withdrawal_address(mp.node)

    def _set_status(self, mp: MinipoolState, status: int) -> None:
        mp.status = status
        mp.status_time = self.now

    # ---------------------------------------------------------------- deposit pool internals
    def _process_deposit(self, amount: int) -> None:
        """ETH joins the pool (user deposit or recycled), then assignment runs."""
        self.pool_balance += amount
        self._assign(amount)

    def _assign(self, paid: int) -> bool:
        """Assign 31 ETH to each queued minipool the rules allow; False if assignment is off.

        At most ``socialised maximum + paid // 31 ETH`` minipools, no more than
        the pool's ETH pays for and no more than ``deposit.assign.maximum``.
        """
        if not self._s("deposit.assign.enabled"):
            return False
        count = self._s("deposit.assign.socialised.maximum") + paid // STAKE_VALUE
        count = min(count, self.pool_balance // STAKE_VALUE, self._s("deposit.assign.maximum"))
        count = min(count, MAX_ASSIGNMENTS)
        if count == 0 or not self.queue:
            return True
        assigned, self.queue = self.queue[:count], self.queue[count:]
        self.pool_balance -= len(assigned) * STAKE_VALUE
        for address in assigned:
            mp = self.minipools[address]
            mp.eth += STAKE_VALUE
            # The 1 ETH pre-deposit already on the beacon chain came from the bond.
            mp.user_capital = STAKE_VALUE + PRELAUNCH_VALUE - mp.bond
            mp.assigned_time = self.now
            self._set_status(mp, PRELAUNCH)
            self.pool_node_balance -= mp.bond - PRELAUNCH_VALUE
        self._move("assigned", len(assigned))
        return True

    def _deposit_excess_collateral(self) -> None:
        """rETH ETH above the collateral target goes back to the pool (and assignment)."""
        keep = self.eth_value(self.reth_supply) * self._s("network.reth.collateral.target") // ONE
        if self.reth_eth > keep:
            amount = self.reth_eth - keep
            self.reth_eth = keep
            self._move("recycled", amount)
            self._process_deposit(amount)

    # ================================================================ users
    @_action
    def deposit(self, depositor: str, amount: int, now: int | None = None) -> dict[str, int]:
        """``depositor`` deposits ``amount`` wei into the deposit pool.

        Refused (in this order) when deposits are disabled, below the minimum,
        above the maximum pool size (while assignment is off, or beyond the
        queue's capacity), or when the rETH to mint is zero. Mints
        ``rethValue(amount - fee)``; the whole amount joins the pool, then
        deposits are assigned. Values: ``minted``, ``fee``, ``assigned``.
        """
        self._tick(now)
        self._begin()
        depositor = norm(depositor)
        _require(self._s("deposit.enabled"), "deposit pool: deposits are disabled")
        _require(amount >= self._s("deposit.minimum"), "deposit pool: deposit below minimum")
        needed = self.pool_balance + amount
        maximum = self._s("deposit.pool.maximum")
        if needed > maximum:
            _require(
                self._s("deposit.assign.enabled"),
                "deposit pool: deposit exceeds the maximum pool size",
            )
            _require(
                needed <= maximum + self._queue_capacity(),
                "deposit pool: deposit exceeds the maximum pool size and queue capacity",
            )
        fee = amount * self._s("deposit.fee") // ONE
        minted = self._reth_value(amount - fee)
        _require(minted > 0, "reth: mint amount is zero")
        self._mint(depositor, minted)
        self.deposit_fees += fee
        self.holders_paid_in += amount
        self._pay_in(depositor, amount)
        self._process_deposit(amount)
        return self._done(minted=minted, fee=fee, assigned=self._moved.get("assigned", 0))

    def _mint(self, to: str, amount: int) -> None:
        self.reth_balances[to] = self.reth_balances.get(to, 0) + amount
        self.reth_supply += amount
        self.reth_minted += amount

    @_action
    def burn(self, holder: str, reth_amount: int, now: int | None = None) -> dict[str, int]:
        """``holder`` burns ``reth_amount`` rETH for its ETH value at the reported rate.

        Refused for zero, for more than the holder's balance, or when the
        collateral (pool excess + rETH's ETH) is short. The rETH contract's
        ETH pays first, the pool's excess the rest. Values: ``eth`` (paid),
        ``from_pool``.
        """
        self._tick(now)
        holder = norm(holder)
        _require(reth_amount > 0, "reth: burn amount is zero")
        _require(
            self.reth_balances.get(holder, 0) >= reth_amount, "reth: burn amount exceeds balance"
        )
        eth = self.eth_value(reth_amount)
        _require(self.excess_balance() + self.reth_eth >= eth, "reth: insufficient ETH collateral")
        self.reth_balances[holder] -= reth_amount
        self.reth_supply -= reth_amount
        self.reth_burned += reth_amount
        from_pool = max(0, eth - self.reth_eth)
        self.pool_balance -= from_pool
        self.reth_eth += from_pool - eth
        self.holders_paid_in -= eth
        self._pay_out(holder, eth)
        return {"eth": eth, "from_pool": from_pool}

    @_action
    def transfer_reth(self, sender: str, to: str, amount: int) -> dict[str, int]:
        """``sender`` transfers ``amount`` rETH to ``to`` (plain ERC-20, snekmate's reasons)."""
        sender, to = norm(sender), norm(to)
        _require(to != ZERO_ADDRESS, "erc20: transfer to the zero address")
        _require(
            self.reth_balances.get(sender, 0) >= amount, "erc20: transfer amount exceeds balance"
        )
        self.reth_balances[sender] = self.reth_balances.get(sender, 0) - amount
        self.reth_balances[to] = self.reth_balances.get(to, 0) + amount
        return {"amount": amount}

    @_action
    def deposit_excess_collateral(self, now: int | None = None) -> dict[str, int]:
        """Anyone sends rETH's ETH above the collateral target back to the pool."""
        self._tick(now)
        self._begin()
        self._deposit_excess_collateral()
        return self._done()

    # ================================================================ governance
    @_action
    def set_setting(self, path: str, value: int | bool) -> dict[str, int]:
        """The guardian sets ``path`` to ``value``, within the settings contract's bounds.

        A ``bool`` goes through ``setSettingBool``, anything else through
        ``setSettingUint``; unknown paths and out-of-bounds values are refused.
        """
        if isinstance(value, bool):
            _require(
                isinstance(DEFAULT_SETTINGS.get(path), bool),
                "settings: unknown boolean setting",
            )
        else:
            known = path in DEFAULT_SETTINGS and not isinstance(DEFAULT_SETTINGS[path], bool)
            _require(known, "settings: unknown numeric setting")
            self._check_bounds(path, value)
        old = self.settings[path]
        self.settings[path] = value
        return {"old": int(old)}

    def _check_bounds(self, path: str, val: int) -> None:
        s = self.settings
        if path == "deposit.fee":
            _require(val < 10**16, "settings: deposit fee must be below 1%")
        elif path == "deposit.minimum":
            _require(val > 0, "settings: deposit minimum must be positive")
        elif path == "deposit.assign.maximum":
            _require(1 <= val <= 90, "settings: assignments must be between 1 and 90")
        elif path == "deposit.assign.socialised.maximum":
            _require(val <= 90, "settings: socialised assignments must be at most 90")
        elif path == "network.consensus.threshold":
            _require(
                51 * 10**16 <= val <= ONE,
                "settings: consensus threshold must be between 51% and 100%",
            )
        elif path in ("network.submit.balances.frequency", "network.submit.prices.frequency"):
            _require(val >= 3_600, "settings: submit frequency must be at least 1 hour")
        elif path == "network.reth.collateral.target":
            _require(val <= ONE, "settings: collateral target must be at most 100%")
        elif path in (
            "network.node.fee.minimum",
            "network.node.fee.target",
            "network.node.fee.maximum",
        ):
            _require(
                5 * 10**16 <= val <= 20 * 10**16,
                "settings: node fee must be between 5% and 20%",
            )
        elif path == "minipool.launch.timeout":
            _require(
                val >= s["minipool.scrub.period"] + 3_600,
                "settings: launch timeout must exceed scrub period by 1 hour",
            )
        elif path == "minipool.scrub.period":
            _require(
                val <= s["minipool.launch.timeout"] - 3_600,
                "settings: scrub period must end 1 hour before launch timeout",
            )
        elif path == "minipool.scrub.quorum":
            _require(
                51 * 10**16 <= val <= ONE,
                "settings: scrub quorum must be between 51% and 100%",
            )
        elif path == "minipool.scrub.penalty":
            _require(val <= 8 * ONE, "settings: scrub penalty must not exceed the 8 ETH bond")
        elif path in (
            "minipool.bond.reduction.window.length",
            "minipool.user.distribute.window.length",
        ):
            _require(val >= 3_600, "settings: window must last at least 1 hour")
        elif path == "node.per.minipool.stake.maximum":
            _require(
                val >= s["node.per.minipool.stake.minimum"],
                "settings: maximum stake below minimum stake",
            )
        elif path == "node.per.minipool.stake.minimum":
            _require(
                val <= s["node.per.minipool.stake.maximum"],
                "settings: minimum stake above maximum stake",
            )
        elif path == "auction.lot.value.minimum":
            _require(val >= ONE, "settings: lot value must be at least 1 ETH")
            _require(
                val <= s["auction.lot.value.maximum"], "settings: lot minimum above lot maximum"
            )
        elif path == "auction.lot.value.maximum":
            _require(val >= ONE, "settings: lot value must be at least 1 ETH")
            _require(
                val >= s["auction.lot.value.minimum"], "settings: lot maximum below lot minimum"
            )
        elif path == "auction.lot.duration":
            _require(val >= 7_200, "settings: lot duration must be at least 7200 blocks")
        elif path == "auction.price.start":
            _require(val >= 10**17, "settings: price ratio must be at least 10%")
            _require(val >= s["auction.price.reserve"], "settings: start price below reserve price")
        elif path == "auction.price.reserve":
            _require(val >= 10**17, "settings: price ratio must be at least 10%")
            _require(val <= s["auction.price.start"], "settings: reserve price above start price")

    @_action
    def add_member(self, member: str, now: int | None = None) -> dict[str, int]:
        """The guardian admits ``member`` to the oDAO with a fresh membership nonce."""
        self._tick(now)
        member = norm(member)
        _require(member != ZERO_ADDRESS, "odao: zero address")
        _require(member not in self.members, "odao: already a member")
        _require(len(self.members) < MAX_MEMBERS, "odao: member limit reached")
        self._admit(member)
        return {"nonce": self.last_nonce}

    @_action
    def remove_member(self, member: str, now: int | None = None) -> dict[str, int]:
        """The guardian removes ``member``; its votes on open reports and ballots stop counting."""
        self._tick(now)
        member = norm(member)
        _require(member in self.members, "odao: not a member")
        del self.members[member]
        return {"members": len(self.members)}

    # ================================================================ oracle
    @_action
    def report_balances(
        self,
        block: int,
        total_eth: int,
        staking_eth: int,
        reth_supply: int,
        member: str,
        *,
        slot_timestamp: int = 0,
        current_block: int | None = None,
        now: int | None = None,
    ) -> dict[str, int]:
        """``member`` votes for a balances report; the vote that brings consensus applies it.

        Checks: membership (first, as the reference's ``onlyTrustedNode``),
        submissions enabled, ``block`` before ``current_block`` (skipped when
        not given), after the last accepted report, ``staking <= total``, then
        the vote itself (one vote per member and block, the same values twice
        called a duplicate). Consensus: ``1e18 * valid votes /
        members >= threshold``, counting only votes of current memberships.
        ``slot_timestamp`` is part of what is voted on, as in the contract.
        Values: ``votes`` (valid ones for these values), ``accepted`` (0/1).
        """
        self._tick(now)
        prefix = "network balances"
        # Membership first, as the reference's onlyTrustedNode modifier runs before the body.
        _require(self.members.get(norm(member), 0) != 0, f"{prefix}: caller is not an oDAO member")
        self._check_balances_report(block, total_eth, staking_eth, current_block)
        key = (block, slot_timestamp, total_eth, staking_eth, reth_supply)
        self._record_vote(
            self._balance_votes, self._balance_voted, norm(member), block, key, prefix
        )
        if key not in self._balance_marks:
            self._balance_marks[key] = ReportMarks.of(self)
        accepted = self._reached(self._balance_votes[key], self._s("network.consensus.threshold"))
        if accepted:
            self._accept_balances(key)
        return {"votes": self._count_valid(self._balance_votes[key]), "accepted": int(accepted)}

    @_action
    def execute_update_balances(
        self,
        block: int,
        total_eth: int,
        staking_eth: int,
        reth_supply: int,
        *,
        slot_timestamp: int = 0,
        current_block: int | None = None,
    ) -> dict[str, int]:
        """Anyone applies a balances report that has consensus (e.g. after members left)."""
        self._check_balances_report(block, total_eth, staking_eth, current_block)
        key = (block, slot_timestamp, total_eth, staking_eth, reth_supply)
        _require(
            self._reached(self._balance_votes.get(key, []), self._s("network.consensus.threshold")),
            "network balances: consensus has not been reached",
        )
        self._accept_balances(key)
        return {"accepted": 1}

    def _accept_balances(self, key: tuple) -> None:
        """Apply the balances report ``key`` with the marks of the moment it was voted for.

        Accepted late (anyone may execute a report with consensus, as in the
        reference), the report's rate also reaches rETH minted and burned
        since that moment at the old rate: what it values them at beyond the
        ETH they paid in is the marks' ``stale``, a gain those holders take
        from the others until the next report (a deposit before a rate rise,
        a burn before a fall: the sandwich the deposit fee mitigates).
        """
        marks = self._balance_marks[key]
        total, supply = key[2], key[4]
        moved = self.reth_supply - marks.supply
        value = moved * total // supply if supply else moved
        stale = max(0, value - (self.holders_paid_in - marks.paid_in))
        self.report = Report(*key, marks=replace(marks, stale=stale))

    def pending_report(self, which: str) -> tuple | None:
        """The newest ``"balances"`` or ``"prices"`` report voted for but not applied, or None.

        Its key is what was voted on: ``(block, slot_timestamp, total_eth,
        staking_eth, reth_supply)`` or ``(block, slot_timestamp, rpl_price)``.
        Of several for the newest block, the one with the most valid votes.
        """
        votes = self._balance_votes if which == "balances" else self._price_votes
        last = self.report.block if which == "balances" else self.prices_block
        pending = [key for key in votes if key[0] > last]
        if not pending:
            return None
        return max(pending, key=lambda key: (key[0], self._count_valid(votes[key])))

    def _check_balances_report(
        self, block: int, total_eth: int, staking_eth: int, current_block: int | None
    ) -> None:
        prefix = "network balances"
        _require(self._s("network.submit.balances.enabled"), f"{prefix}: submissions are disabled")
        if current_block is not None:
            _require(block < current_block, f"{prefix}: block is in the future")
        _require(
            block > self.report.block, f"{prefix}: block is not after the last accepted report"
        )
        _require(staking_eth <= total_eth, f"{prefix}: staking balance exceeds total balance")

    def _record_vote(
        self,
        votes: dict[tuple, list[tuple[str, int]]],
        voted: dict[tuple[str, int, int], tuple],
        member: str,
        block: int,
        key: tuple,
        prefix: str,
    ) -> None:
        nonce = self.members.get(member, 0)
        _require(nonce != 0, f"{prefix}: caller is not an oDAO member")
        previous = voted.get((member, nonce, block))
        _require(previous != key, f"{prefix}: duplicate submission from member")
        _require(previous is None, f"{prefix}: member already voted for this block")
        _require(len(votes.get(key, [])) < MAX_VOTES, f"{prefix}: too many votes for this report")
        voted[(member, nonce, block)] = key
        votes.setdefault(key, []).append((member, nonce))

    @_action
    def report_price(
        self,
        block: int,
        rpl_price: int,
        member: str,
        *,
        slot_timestamp: int = 0,
        current_block: int | None = None,
        now: int | None = None,
    ) -> dict[str, int]:
        """``member`` votes for an RPL price (wei of ETH per 1e18 RPL); same rules as balances.

        Values: ``votes``, ``accepted`` (0/1).
        """
        self._tick(now)
        _require(
            self.members.get(norm(member), 0) != 0, "network prices: caller is not an oDAO member"
        )
        self._check_price_report(block, rpl_price, current_block)
        key = (block, slot_timestamp, rpl_price)
        self._record_vote(
            self._price_votes, self._price_voted, norm(member), block, key, "network prices"
        )
        accepted = self._reached(self._price_votes[key], self._s("network.consensus.threshold"))
        if accepted:
            self.rpl_price = rpl_price
            self.prices_block = block
        return {"votes": self._count_valid(self._price_votes[key]), "accepted": int(accepted)}

    @_action
    def execute_update_prices(
        self,
        block: int,
        rpl_price: int,
        *,
        slot_timestamp: int = 0,
        current_block: int | None = None,
    ) -> dict[str, int]:
        """Anyone applies a price report that has consensus."""
        self._check_price_report(block, rpl_price, current_block)
        key = (block, slot_timestamp, rpl_price)
        _require(
            self._reached(self._price_votes.get(key, []), self._s("network.consensus.threshold")),
            "network prices: consensus has not been reached",
        )
        self.rpl_price = rpl_price
        self.prices_block = block
        return {"accepted": 1}

    def _check_price_report(self, block: int, rpl_price: int, current_block: int | None) -> None:
        prefix = "network prices"
        _require(self._s("network.submit.prices.enabled"), f"{prefix}: submissions are disabled")
        if current_block is not None:
            _require(block < current_block, f"{prefix}: block is in the future")
        _require(
            block > self.prices_block, f"{prefix}: block is not after the last accepted report"
        )
        _require(rpl_price > 0, f"{prefix}: price must be positive")

    # ================================================================ nodes
    @_action
    def register_node(
        self, node: str, timezone: str = "Etc/UTC", now: int | None = None
    ) -> dict[str, int]:
        """``node`` registers as a node operator (registration enabled, once, a real timezone)."""
        self._tick(now)
        node = norm(node)
        _require(self._s("node.registration.enabled"), "node manager: registration is disabled")
        _require(node not in self.nodes, "node manager: node already registered")
        _require(len(timezone) >= MIN_TIMEZONE, "node manager: invalid timezone location")
        self.nodes[node] = NodeState(node, self.now)
        return {}

    @_action
    def set_withdrawal_address(
        self, node: str, caller: str, new_address: str, confirm: bool
    ) -> dict[str, int]:
        """The node or its withdrawal address sets a new one: pending, or now with ``confirm``."""
        node, caller, new_address = norm(node), norm(caller), norm(new_address)
        state = self.nodes.get(node)
        _require(state is not None, "node manager: node not registered")
        _require(
            caller == node or caller == state.payee,
            "node manager: caller is not the node or its withdrawal address",
        )
        _require(new_address != ZERO_ADDRESS, "node manager: invalid withdrawal address")
        if confirm:
            state.withdrawal_address = new_address
            state.pending_withdrawal_address = None
        else:
            state.pending_withdrawal_address = new_address
        return {}

    @_action
    def confirm_withdrawal_address(self, node: str, caller: str) -> dict[str, int]:
        """The pending withdrawal address confirms itself."""
        node, caller = norm(node), norm(caller)
        state = self.nodes.get(node)
        _require(state is not None, "node manager: node not registered")
        _require(
            caller == (state.pending_withdrawal_address or ZERO_ADDRESS),
            "node manager: caller is not the pending withdrawal address",
        )
        state.withdrawal_address = caller
        state.pending_withdrawal_address = None
        return {}

    @_action
    def stake_rpl(self, node: str, amount: int, now: int | None = None) -> dict[str, int]:
        """``node`` stakes ``amount`` RPL (it must hold it; the facade approves exactly ``amount``).

        Restarts the node's withdrawal cooldown.
        """
        self._tick(now)
        node = norm(node)
        _require(amount > 0, "node staking: amount must be positive")
        _require(node in self.nodes, "node staking: caller is not a registered node")
        _require(self.rpl_balances.get(node, 0) >= amount, "erc20: transfer amount exceeds balance")
        self.rpl_balances[node] -= amount
        state = self.nodes[node]
        state.rpl_stake += amount
        state.rpl_staked_time = self.now
        self.total_rpl_stake += amount
        return {"stake": state.rpl_stake}

    @_action
    def withdraw_rpl(self, node: str, amount: int, now: int | None = None) -> dict[str, int]:
        """``node`` withdraws ``amount`` RPL to its withdrawal address.

        Only after the cooldown since its last stake, and only what lies above
        its maximum stake (150% of bonded ETH, rounded up against the node).
        """
        self._tick(now)
        node = norm(node)
        _require(amount > 0, "node staking: amount must be positive")
        _require(node in self.nodes, "node staking: caller is not a registered node")
        state = self.nodes[node]
        _require(
            self.now - state.rpl_staked_time >= self._s("node.rpl.withdrawal.cooldown"),
            "node staking: withdrawal cooldown has not passed",
        )
        _require(amount <= state.rpl_stake, "node staking: amount exceeds the node's stake")
        _require(
            state.rpl_stake - amount >= self.maximum_rpl_stake(node, True),
            "node staking: remaining stake would be below the maximum",
        )
        state.rpl_stake -= amount
        self.total_rpl_stake -= amount
        self.rpl_balances[state.payee] = self.rpl_balances.get(state.payee, 0) + amount
        return {"rpl": amount}

    def _slash_rpl(self, node: str, eth_amount: int) -> int:
        """RPL worth ``eth_amount`` at the price (rounded up), capped at the stake, to auction."""
        state = self.nodes[node]
        rpl = min(mul_div(eth_amount, ONE, self.rpl_price, True), state.rpl_stake)
        state.rpl_stake -= rpl
        state.rpl_slashed += rpl
        self.total_rpl_stake -= rpl
        self.auction_rpl += rpl
        self._move("rpl_slashed", rpl)
        return rpl

    # ================================================================ node deposit
    @_action
    def create_minipool(
        self,
        node: str,
        bond_wei: int,
        address: str,
        pubkey: bytes,
        value: int | None = None,
        credit: bool = False,
        minimum_node_fee: int = 0,
        now: int | None = None,
    ) -> dict[str, int]:
        """``node`` bonds ``bond_wei`` to create the minipool at ``address`` (given by the harness).

        ``value`` is the ETH sent (default: the bond, or nothing with
        ``credit``, where the rest comes from the node's deposit credit). In
        the contract's order: registered, deposits enabled, 8 or 16 ETH, value
        equal to the bond (or, with credit, at most the bond and the rest
        covered by usable credit), the network fee at least
        ``minimum_node_fee``, ETH matched within the RPL limit, the address
        and pubkey never used. Effects: 1 ETH pre-deposited to the beacon
        chain, bond - 1 ETH to the pool as node balance, queued, then
        assignment. Values: ``pre_deposit``, ``node_balance``,
        ``credit_used``, ``assigned``.
        """
        self._tick(now)
        self._begin()
        node, address = norm(node), norm(address)
        pubkey = bytes(pubkey)
        state = self.nodes.get(node)
        _require(state is not None, "node deposit: node not registered")
        _require(self._s("node.deposit.enabled"), "node deposit: node deposits are disabled")
        _require(bond_wei in (SMALL_BOND, LARGE_BOND), "node deposit: invalid bond amount")
        if credit:
            value = 0 if value is None else value
            _require(value <= bond_wei, "node deposit: value exceeds bond amount")
            shortfall = bond_wei - value
            _require(
                self.usable_credit(node) >= shortfall, "node deposit: insufficient deposit credit"
            )
        else:
            value = bond_wei if value is None else value
            _require(value == bond_wei, "node deposit: value does not match bond amount")
            shortfall = 0
        fee = self.network_node_fee()
        _require(fee >= minimum_node_fee, "node deposit: minimum node fee exceeds network node fee")
        matched = LAUNCH_BALANCE - bond_wei
        _require(
            state.eth_matched + matched <= self.eth_matched_limit(node),
            "node deposit: insufficient RPL stake",
        )
        used = address in self.minipools
        _require(not used, "node deposit: minipool address already used")
        _require(len(pubkey) == PUBKEY_LENGTH, "minipool manager: invalid validator pubkey")
        _require(
            pubkey not in self.pubkeys_used, "minipool manager: validator pubkey already in use"
        )
        # Effects. Credit is spent first (the contract does it before creation).
        state.deposit_credit -= shortfall
        self._pay_in(node, value)
        mp = MinipoolState(
            address=address,
            node=node,
            pubkey=pubkey,
            bond=bond_wei,
            fee=fee,
            created_time=self.now,
            eth_matched=matched,
            eth_provided=bond_wei,
        )
        self._set_status(mp, INITIALISED)
        self.minipools[address] = mp
        self.pubkeys_used[pubkey] = address
        state.minipools.append(address)
        state.active_count += 1
        state.eth_matched += matched
        state.eth_provided += bond_wei
        # Unspent credit is node balance in the pool (granted at the bond
        # reduction). Spending it turns that claim into the new minipool's
        # queued bond: the node balance becomes credit left + bond - 1 ETH,
        # which is a change of exactly the ETH the pool gains or pays out.
        in_hand = value
        if in_hand < PRELAUNCH_VALUE:
            # Credit pays part of the pre-deposit, from the node balance's ETH.
            self.pool_balance -= PRELAUNCH_VALUE - in_hand
            self.pool_node_balance -= PRELAUNCH_VALUE - in_hand
            in_hand = PRELAUNCH_VALUE
        mp.beacon_deposited += PRELAUNCH_VALUE
        self.beacon_deposits += PRELAUNCH_VALUE
        self.pool_balance += in_hand - PRELAUNCH_VALUE
        self.pool_node_balance += in_hand - PRELAUNCH_VALUE
        self.queue.append(address)
        self._assign(0)
        return self._done(
            pre_deposit=PRELAUNCH_VALUE,
            node_balance=bond_wei - PRELAUNCH_VALUE,
            credit_used=shortfall,
            assigned=self._moved.get("assigned", 0),
        )

    @_action
    def assign_deposits(self, now: int | None = None) -> dict[str, int]:
        """Anyone assigns pool ETH to queued minipools (at most the socialised maximum)."""
        self._tick(now)
        self._begin()
        _require(self._assign(0), "deposit pool: deposit assignments are disabled")
        return self._done(assigned=self._moved.get("assigned", 0))

    # ================================================================ minipool lifecycle
    @_action
    def stake(self, minipool: Any, now: int, caller: str | None = None) -> dict[str, int]:
        """The owner stakes a prelaunch minipool after the scrub period: 31 ETH to the beacon chain.

        ``caller`` defaults to the minipool's node (the only one allowed).
        """
        self._tick(now)
        mp = self._minipool(minipool)
        caller = mp.node if caller is None else norm(caller)
        _require(caller == mp.node, "minipool: caller is not the minipool owner")
        _require(mp.status == PRELAUNCH, "minipool: can only stake while in prelaunch")
        _require(
            self.now > mp.status_time + self._s("minipool.scrub.period"),
            "minipool: scrub period has not ended",
        )
        _require(mp.eth >= STAKE_VALUE, "minipool: insufficient balance to stake")
        self._set_status(mp, STAKING)
        mp.eth -= STAKE_VALUE
        mp.beacon_deposited += STAKE_VALUE
        self.beacon_deposits += STAKE_VALUE
        mp.staking_counted = True
        self.nodes[mp.node].staking_count += 1
        return {"staked": STAKE_VALUE}

    def _dissolve(self, mp: MinipoolState) -> int:
        """Status Dissolved; the users' capital goes back to the pool (and assignment)."""
        self._set_status(mp, DISSOLVED)
        amount = mp.user_capital
        mp.user_capital = 0
        mp.eth -= amount
        self._move("recycled", amount)
        self._process_deposit(amount)
        return amount

    @_action
    def dissolve(self, minipool: Any, now: int) -> dict[str, int]:
        """Anyone dissolves a minipool still in prelaunch after the launch timeout.

        Values: ``recycled`` (user ETH back to the pool), ``assigned``.
        """
        self._tick(now)
        self._begin()
        mp = self._minipool(minipool)
        _require(mp.status == PRELAUNCH, "minipool: can only dissolve while in prelaunch")
        _require(
            self.now - mp.status_time >= self._s("minipool.launch.timeout"),
            "minipool: launch timeout has not passed",
        )
        self._dissolve(mp)
        return self._done()

    @_action
    def close(self, minipool: Any, caller: str | None = None) -> dict[str, int]:
        """The node closes a dissolved minipool: its whole balance to the withdrawal address.

        The record is destroyed (the address can never host a minipool again)
        and, unless finalised, its ETH matched and provided leave the node's
        totals. Values: ``paid``.
        """
        mp = self._minipool(minipool)
        caller = mp.node if caller is None else norm(caller)
        _require(caller == mp.node, "minipool: caller is not the minipool owner")
        _require(mp.status == DISSOLVED, "minipool: can only close while dissolved")
        _require(not mp.closed, "minipool: already closed")
        self._checkpoint_payment(mp)
        mp.closed = True
        mp.bond = 0
        mp.user_capital = 0
        mp.refund = 0
        mp.destroyed = True
        if not mp.finalised:
            self._release(mp)
        node = self.nodes[mp.node]
        if mp.address in node.minipools:
            node.minipools.remove(mp.address)
        paid = self._pay_owner_everything(mp)
        return {"paid": paid}

    def _release(self, mp: MinipoolState) -> None:
        node = self.nodes[mp.node]
        node.active_count -= 1
        node.eth_matched -= mp.eth_matched
        node.eth_provided -= mp.eth_provided
        mp.eth_matched = 0
        mp.eth_provided = 0

    def _pay_owner_everything(self, mp: MinipoolState) -> int:
        amount = mp.eth
        if amount:
            mp.eth = 0
            self._pay_node(mp, amount, "minipool: transfer to withdrawal address failed")
        return amount

    @_action
    def vote_scrub(self, member: str, minipool: Any, now: int) -> dict[str, int]:
        """An oDAO member votes to scrub a prelaunch minipool during the scrub period.

        At the scrub quorum (counting current memberships only) the minipool
        is dissolved and, if the penalty is enabled, RPL worth the penalty is
        slashed. Values: ``votes``, ``scrubbed`` (0/1), ``recycled``,
        ``rpl_slashed``.
        """
        self._tick(now)
        self._begin()
        member = norm(member)
        mp = self._minipool(minipool)
        _require(mp.status == PRELAUNCH, "minipool: can only scrub while in prelaunch")
        nonce = self.members.get(member, 0)
        _require(nonce != 0, "minipool: caller is not an oDAO member")
        _require(
            self.now <= mp.status_time + self._s("minipool.scrub.period"),
            "minipool: scrub period has ended",
        )
        _require(mp.scrub_votes.get(member) != nonce, "minipool: member has already voted to scrub")
        _require(len(mp.scrub_votes) < MAX_VOTES, "odao votes: ballot is full")
        mp.scrub_votes[member] = nonce
        scrubbed = self._reached(mp.scrub_votes, self._s("minipool.scrub.quorum"))
        if scrubbed:
            self._dissolve(mp)
            if self._s("minipool.scrub.penalty.enabled"):
                self._slash_rpl(mp.node, self._s("minipool.scrub.penalty"))
        return self._done(votes=self._count_valid(mp.scrub_votes), scrubbed=int(scrubbed))

    # ================================================================ distribution
    def _pay_split(self, mp: MinipoolState, balance: int, node_amount: int) -> int:
        user_amount = balance - node_amount
        mp.refund += node_amount
        mp.node_credited += node_amount
        mp.eth -= user_amount
        mp.user_paid += user_amount
        self.reth_eth += user_amount
        self._move("node", node_amount)
        self._move("user", user_amount)
        return user_amount

    def _distribute_exit(self, mp: MinipoolState, balance: int) -> None:
        node_amount = econ.node_share(balance, mp.user_capital, mp.bond, mp.fee)
        if balance < mp.user_capital:
            mp.slash = mp.user_capital - balance
            self._move("slash", mp.slash)
        mp.exit_balance = balance
        mp.capital_returned += self._pay_split(mp, balance, node_amount)

    def _distribute_rewards(self, mp: MinipoolState, balance: int) -> None:
        node_amount = econ.rewards_node_share(balance, mp.user_capital, mp.bond, mp.fee)
        user_amount = self._pay_split(mp, balance, node_amount)
        if not mp.capital_distributed and self._validator_withdrawn(mp):
            # ROCKETPOOL.md's known weakness: an exit under 8 ETH is split as
            # rewards. It is still the users' capital coming back.
            mp.capital_returned += user_amount

    def _validator_withdrawn(self, mp: MinipoolState) -> bool:
        try:
            return self.beacon.validator(mp.pubkey).status == WITHDRAWN
        except KeyError:
            return False

    def _finalise(self, mp: MinipoolState) -> None:
        """Once: split what arrived since, update counters, slash RPL, recycle excess, refund."""
        _require(not mp.finalised, "minipool: already finalised")
        mp.finalised = True
        extra = mp.eth - mp.refund
        if extra > 0:
            self._distribute_rewards(mp, extra)
        node = self.nodes[mp.node]
        if mp.staking_counted:
            mp.staking_counted = False
            node.staking_count -= 1
        node.finalised_count += 1
        self._release(mp)
        if mp.slash > 0:
            self._slash(mp)
        self._deposit_excess_collateral()
        if mp.refund > 0:
            self._refund(mp)
        self._move("finalised", 1)

    def _slash(self, mp: MinipoolState) -> None:
        amount = mp.slash
        mp.slash = 0
        mp.rpl_slashed += self._slash_rpl(mp.node, amount)

    def _refund(self, mp: MinipoolState) -> None:
        amount = mp.refund
        mp.refund = 0
        mp.eth -= amount
        self._pay_node(mp, amount, "minipool: refund transfer failed")
        self._move("refunded", amount)

    def _user_distribute_allowed(self, mp: MinipoolState) -> bool:
        started = mp.user_distribute_time
        if started == 0:
            return False
        opens = started + self._s("minipool.user.distribute.window.start")
        closes = opens + self._s("minipool.user.distribute.window.length")
        return opens <= self.now < closes

    def user_distribute_allowed(self, minipool: Any, now: int | None = None) -> bool:
        """Whether a non-owner may distribute the exit at ``now``: [start + 90 d, + 2 d)."""
        mp = self._minipool(minipool)
        saved = self.now
        if now is not None:
            self.now = now
        try:
            return self._user_distribute_allowed(mp)
        finally:
            self.now = saved

    @_action
    def distribute(
        self, minipool: Any, caller: str, rewards_only: bool, now: int
    ) -> dict[str, int]:
        """``caller`` distributes the minipool's balance less its refund (``distributeBalance``).

        Dissolved: the owner takes everything. Otherwise the minipool must be
        staking. From 8 ETH, before the exit was distributed, it is the exit:
        refused with ``rewards_only``; a non-owner only inside the
        user-distribute window; the owner's call finalises at once, a
        non-owner's marks it user-distributed. Anything else is split as
        rewards, and an owner's call then finalises a user-distributed
        minipool or pays the refund. The user-distribute timer resets.
        Values: ``node`` and ``user`` (the split), ``slash`` (users' capital
        the exit did not cover), ``refunded``, ``rpl_slashed``, ``recycled``,
        ``finalised``, ``paid`` (dissolved only).
        """
        self._tick(now)
        self._begin()
        caller = norm(caller)
        mp = self._minipool(minipool)
        owner = self._is_owner(mp, caller)
        if owner:
            self._checkpoint_payment(mp)
        if mp.status == DISSOLVED:
            _require(owner, "minipool: only the owner can distribute a dissolved minipool")
            return self._done(paid=self._pay_owner_everything(mp))
        _require(mp.status == STAKING, "minipool: minipool must be staking")
        balance = mp.eth - mp.refund
        if balance >= FULL_EXIT_THRESHOLD and not mp.capital_distributed:
            _require(not rewards_only, "minipool: balance exceeds 8 ETH")
            if not owner:
                _require(
                    self._user_distribute_allowed(mp),
                    "minipool: only the owner can distribute right now",
                )
            self._distribute_exit(mp, balance)
            if owner:
                self._finalise(mp)
            else:
                mp.user_distributed = True
        else:
            self._distribute_rewards(mp, balance)
            if owner:
                if mp.user_distributed and not mp.finalised:
                    self._finalise(mp)
                elif mp.refund > 0:
                    self._refund(mp)
        mp.user_distribute_time = 0
        out = self._done()
        for key in ("node", "user", "slash"):
            out.setdefault(key, 0)
        return out

    @_action
    def begin_user_distribute(self, minipool: Any, caller: str, now: int) -> dict[str, int]:
        """Anyone starts the user-distribute timer of an exited, undistributed minipool.

        Refused while a timer runs and its window has not passed (no one can
        keep pushing the users' distribution back).
        """
        self._tick(now)
        mp = self._minipool(minipool)
        _require(mp.status == STAKING, "minipool: minipool must be staking")
        _require(not mp.capital_distributed, "minipool: balance already distributed")
        _require(mp.eth - mp.refund >= FULL_EXIT_THRESHOLD, "minipool: balance too low")
        if mp.user_distribute_time != 0:
            _require(
                self.now
                >= mp.user_distribute_time
                + self._s("minipool.user.distribute.window.start")
                + self._s("minipool.user.distribute.window.length"),
                "minipool: user distribution already pending",
            )
        mp.user_distribute_time = self.now
        return {"time": self.now}

    @_action
    def refund(self, minipool: Any, caller: str, now: int | None = None) -> dict[str, int]:
        """An owner takes the refund balance; after a user distribution this finalises first.

        Values: ``refunded`` and, when finalising, what finalising moved.
        """
        self._tick(now)
        self._begin()
        mp = self._minipool(minipool)
        _require(self._is_owner(mp, norm(caller)), "minipool: caller is not the minipool owner")
        _require(mp.refund > 0, "minipool: no refund balance")
        self._checkpoint_payment(mp)
        if mp.user_distributed and not mp.finalised:
            self._finalise(mp)
        else:
            self._refund(mp)
        return self._done()

    @_action
    def finalise(self, minipool: Any, caller: str, now: int | None = None) -> dict[str, int]:
        """An owner finalises after a user distribution (once)."""
        self._tick(now)
        self._begin()
        mp = self._minipool(minipool)
        _require(self._is_owner(mp, norm(caller)), "minipool: caller is not the minipool owner")
        _require(mp.user_distributed, "minipool: can only finalise after a user distribution")
        self._checkpoint_payment(mp)
        self._finalise(mp)
        return self._done()

    @_action
    def slash_minipool(self, minipool: Any) -> dict[str, int]:
        """Anyone slashes the node's RPL for a minipool's pending slash balance."""
        self._begin()
        mp = self._minipool(minipool)
        _require(mp.slash > 0, "minipool: no balance to slash")
        self._slash(mp)
        return self._done()

    # ================================================================ bond reduction
    def _check_reducer_owner(self, mp: MinipoolState, caller: str) -> None:
        _require(not mp.destroyed, "bond reducer: minipool does not exist")
        _require(caller == mp.node, "bond reducer: caller is not the minipool owner")
        _require(
            self._s("minipool.bond.reduction.enabled"), "bond reducer: bond reduction is disabled"
        )
        _require(not mp.reduction_cancelled, "bond reducer: bond reduction was cancelled")

    @_action
    def begin_reduce_bond(
        self, minipool: Any, node: str, now: int, new_bond: int = SMALL_BOND
    ) -> dict[str, int]:
        """The node announces a 16 -> 8 ETH bond reduction of a staking minipool (restarts it)."""
        self._tick(now)
        mp = self._minipool(minipool)
        self._check_reducer_owner(mp, norm(node))
        _require(mp.status == STAKING, "bond reducer: minipool must be staking")
        _require(new_bond in (SMALL_BOND, LARGE_BOND), "bond reducer: invalid bond amount")
        _require(new_bond < mp.bond, "bond reducer: bond must be lower than the current bond")
        mp.reduce_time = self.now
        mp.reduce_value = new_bond
        return {"time": self.now}

    def _reduction_window_open(self, mp: MinipoolState) -> bool:
        if mp.reduce_time == 0:
            return False
        opens = mp.reduce_time + self._s("minipool.bond.reduction.window.start")
        closes = opens + self._s("minipool.bond.reduction.window.length")
        return opens <= self.now <= closes

    @_action
    def vote_cancel_reduction(
        self, member: str, minipool: Any, now: int | None = None
    ) -> dict[str, int]:
        """An oDAO member votes to cancel a bond reduction; at the scrub quorum it ends for good."""
        self._tick(now)
        member = norm(member)
        mp = self._minipool(minipool)
        nonce = self.members.get(member, 0)
        _require(nonce != 0, "bond reducer: caller is not an oDAO member")
        _require(not mp.destroyed, "bond reducer: minipool does not exist")
        _require(not mp.reduction_cancelled, "bond reducer: already cancelled")
        _require(
            mp.cancel_votes.get(member) != nonce,
            "bond reducer: member has already voted to cancel",
        )
        _require(len(mp.cancel_votes) < MAX_VOTES, "odao votes: ballot is full")
        mp.cancel_votes[member] = nonce
        cancelled = self._reached(mp.cancel_votes, self._s("minipool.scrub.quorum"))
        if cancelled:
            mp.reduction_cancelled = True
            mp.reduce_time = 0
            mp.reduce_value = 0
        return {"votes": self._count_valid(mp.cancel_votes), "cancelled": int(cancelled)}

    @_action
    def reduce_bond(self, minipool: Any, node: str, now: int) -> dict[str, int]:
        """The node completes the announced reduction inside its window (both ends included).

        The node's ETH matched grows by 8 ETH (its RPL must cover it); skimmed
        rewards are first split at the old ratio; the bond becomes 8 ETH, the
        users' capital 24 ETH, and the 8 ETH released becomes deposit credit.
        Values: ``credit``, and ``node``/``user`` of the rewards split.
        """
        self._tick(now)
        self._begin()
        node = norm(node)
        mp = self._minipool(minipool)
        self._check_reducer_owner(mp, node)
        _require(self._reduction_window_open(mp), "bond reducer: outside the bond reduction window")
        new_bond = mp.reduce_value
        _require(new_bond < mp.bond, "bond reducer: bond must be lower than the current bond")
        delta = mp.bond - new_bond
        state = self.nodes[node]
        _require(
            state.eth_matched + delta <= self.eth_matched_limit(node),
            "bond reducer: insufficient RPL stake",
        )
        # The minipool's own checks (its revert reasons bubble up).
        _require(mp.status == STAKING, "minipool: minipool must be staking")
        _require(not mp.capital_distributed, "minipool: balance already distributed")
        _require(mp.bond == LARGE_BOND, "minipool: bond is not 16 ETH")
        balance = mp.eth - mp.refund
        _require(
            balance < FULL_EXIT_THRESHOLD,
            "minipool: cannot reduce bond with a balance of 8 ETH or more",
        )
        mp.reduce_time = 0
        mp.reduce_value = 0
        mp.last_reduction_time = self.now
        if balance > 0:
            self._distribute_rewards(mp, balance)
        total = self._total(mp)
        share_before = self._user_share(mp, total)
        mp.bond = new_bond
        mp.user_capital += delta
        # The reference leaves the validator's health to the oDAO: it must
        # cancel a reduction whose validator fell below 32 ETH or is leaving
        # (harness.world.oracle.HonestOracle.reductions_to_cancel). One it did not
        # cancel moves `delta` of the pool's user ETH (the node's credit, below)
        # into a minipool whose users' share may not grow by as much: what
        # the node's smaller bond no longer absorbs is the users' loss, booked
        # for a named outcome rather than left to look like a bug.
        grown = self._user_share(mp, total) - share_before
        self.unpoliced_losses += max(0, delta - grown)
        mp.eth_provided -= delta
        mp.eth_matched += delta
        state.eth_provided -= delta
        state.eth_matched += delta
        state.deposit_credit += delta
        # The users' capital grew with no ETH moving: the credit is the node's
        # claim on the pool until spent, so it is node balance there.
        self.pool_node_balance += delta
        return self._done(credit=delta)

    # ================================================================ auctions
    @_action
    def create_lot(self, now_block: int) -> dict[str, int]:
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
        self.auction_eth_raised += bid
        self._pay_in(bidder, bid)
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
        item.rpl_paid += rpl
        self.auction_allotted -= rpl
        self.auction_rpl -= rpl
        self.rpl_balances[bidder] = self.rpl_balances.get(bidder, 0) + rpl
        return {"rpl": rpl, "bid": bid}

    @_action
    def recover_unclaimed_rpl(self, lot: int, block: int) -> dict[str, int]:
        """Anyone returns an ended lot's unbought RPL to the unallotted balance, once."""
        _require(0 <= lot < len(self.lots), "auction: lot does not exist")
        item = self.lots[lot]
        _require(not item.recovered, "auction: unclaimed RPL already recovered")
        _require(block >= item.end_block, "auction: lot bidding has not ended yet")
        remaining = item.total_rpl - item.claimed_rpl(block)
        _require(remaining > 0, "auction: no unclaimed RPL to recover")
        self.auction_allotted -= remaining
        item.recovered = True
        return {"rpl": remaining}

    # ================================================================ queries
    def rate(self) -> int:
        """ETH (wei) per 1e18 rETH at the last accepted report; 1e18 while supply is 0."""
        return self.eth_value(ONE)

    def validator_balance(self, minipool: Any) -> int:
        """The minipool's validator balance on the beacon chain in wei (0 if it has none)."""
        mp = self._minipool(minipool)
        try:
            return self.beacon.validator(mp.pubkey).balance * GWEI
        except KeyError:
            return 0

    def minipool_total(self, minipool: Any) -> int:
        """Beacon balance + contract ETH - refund balance: what the minipool will split.

        A deposit the minipool made that the beacon chain has not processed
        yet (between the call and the harness ingesting its log) counts as
        on the beacon chain already: the ETH is the validator's either way.
        """
        return self._total(self._minipool(minipool))

    def _total(self, mp: MinipoolState) -> int:
        """:meth:`minipool_total` of a record in hand (the sums below skip the address lookup)."""
        try:
            validator = self.beacon.validator(mp.pubkey)
        except KeyError:
            balance = seen = 0
        else:
            balance, seen = validator.balance * GWEI, validator.deposited * GWEI
        return balance + mp.beacon_deposited - seen + mp.eth - mp.refund

    def pending_user_share(self, minipool: Any) -> int:
        """The users' share of :meth:`minipool_total` under the rules that would apply now.

        A dissolved minipool owes users nothing (their capital went back to
        the pool). Once the exit was distributed, anything left is split as
        rewards, as ``distributeBalance`` would; before, by
        :func:`harness.model.economics.user_share` (skim below 8 ETH, exit above).
        """
        mp = self._minipool(minipool)
        if mp.status == DISSOLVED:
            return 0
        return self._user_share(mp, self._total(mp))

    @staticmethod
    def _user_share(mp: MinipoolState, total: int) -> int:
        """:meth:`pending_user_share` of a live (not dissolved) ``mp`` whose total is ``total``."""
        if mp.capital_distributed:
            return total - econ.rewards_node_share(total, mp.user_capital, mp.bond, mp.fee)
        return econ.user_share(total, mp.user_capital, mp.bond, mp.fee)

    def user_shares(self) -> dict[str, int]:
        """:meth:`pending_user_share` of every minipool, keyed by address, in one pass.

        A snapshot, right only until the model or the beacon chain next
        changes: for a caller that asks several of :meth:`held_for_users`,
        :meth:`world_gain` and :meth:`uncovered_losses` at one moment (the
        checks after a step), so each minipool is split once, not once per sum.
        """
        return {
            address: 0 if mp.status == DISSOLVED else self._user_share(mp, self._total(mp))
            for address, mp in self.minipools.items()
        }

    def held_for_users(self, shares: Mapping[str, int] | None = None) -> int:
        """What the protocol really holds for rETH holders (signed).

        Deposit pool user balance (may be negative while queued nodes' bond
        ETH funds users' capital) + rETH contract ETH + users' share of every
        minipool's beacon and contract balance. ``shares``: :meth:`user_shares`
        taken since the model last changed, if the caller has it.
        """
        held = self.pool_balance - self.pool_node_balance + self.reth_eth  # user_balance()
        if shares is not None:
            return held + sum(shares.values())
        for mp in self.minipools.values():
            if mp.status != DISSOLVED:  # a dissolved minipool owes users nothing
                held += self._user_share(mp, self._total(mp))
        return held

    def truthful_report(self) -> tuple[int, int, int]:
        """``(total_eth, staking_eth, reth_supply)`` an honest oracle reports now.

        ``total_eth`` = :meth:`held_for_users` (at least 0); ``staking_eth`` =
        users' share of minipools in Staking status, at most ``total_eth``;
        ``reth_supply`` = the rETH total supply.

        By ROCKETPOOL.md's formula. Unspent deposit credit (see
        :meth:`outstanding_credit`) is node balance in the pool, so it is not
        counted for users a second time next to the minipool's larger user
        capital.
        """
        total = max(0, self.held_for_users())
        staking = sum(
            self._user_share(mp, self._total(mp))
            for mp in self.minipools.values()
            if mp.status == STAKING
        )
        return total, min(max(0, staking), total), self.reth_supply

    def outstanding_credit(self) -> int:
        """Deposit credit bond reductions granted and nodes have not spent yet, summed.

        A bond reduction moves 8 ETH of the minipool to the users' capital
        with no ETH moving; the pool records the credit as node balance, so
        the users' part of the pool shrinks by as much, until the node spends
        it on a new bond.
        """
        return sum(state.deposit_credit for state in self.nodes.values())

    def owed(self, holder: str, rate: int | None = None) -> int:
        """ETH ``holder``'s rETH is worth at the reported rate (``balance * rate / 1e18``).

        ``rate``: :meth:`rate`, when the caller already has it (checks ask for
        every actor after every step).
        """
        rate = self.rate() if rate is None else rate
        return self.reth_balances.get(norm(holder), 0) * rate // ONE

    def solvency_gap(self) -> int:
        """Owed to rETH holders at the reported rate minus what is held for them (signed).

        ``totalSupply * rate / 1e18 - held_for_users()``: positive means
        insolvent (holders are owed more than exists), zero or negative means
        solvent (the deposit fee and rounding leave a small surplus).
        """
        return self.reth_supply * self.rate() // ONE - self.held_for_users()

    def node_split(self, minipool: Any, balance: int) -> dict[str, int]:
        """How ``distributeBalance`` would split ``balance`` now: ``{"node", "user", "slash"}``.

        An exit (from 8 ETH, before capital was distributed) by
        :func:`harness.model.economics.node_share`, anything else as rewards; a
        dissolved minipool's balance is all the node's.
        """
        mp = self._minipool(minipool)
        if mp.status == DISSOLVED:
            return {"node": balance, "user": 0, "slash": 0}
        if balance >= FULL_EXIT_THRESHOLD and not mp.capital_distributed:
            node = econ.node_share(balance, mp.user_capital, mp.bond, mp.fee)
            slash = max(0, mp.user_capital - balance)
        else:
            node = econ.rewards_node_share(balance, mp.user_capital, mp.bond, mp.fee)
            slash = 0
        return {"node": node, "user": balance - node, "slash": slash}

    def user_losses(self, shares: Mapping[str, int] | None = None) -> dict[str, int]:
        """Per minipool, users' capital lost past the bond: ``U - capital back - pending share``.

        Capital back is the users' part of the exit already paid to rETH;
        pending share is :meth:`pending_user_share` (from ``shares``, a fresh
        :meth:`user_shares`, if given). Zero for minipools whose users are
        whole (healthy, or a loss within the bond) and for dissolved ones.
        """
        out = {}
        for address, mp in self.minipools.items():
            if mp.status != STAKING:
                continue
            if shares is not None:
                back = mp.capital_returned + shares[address]
            else:
                back = mp.capital_returned + self._user_share(mp, self._total(mp))
            loss = max(0, mp.user_capital - back)
            if loss:
                out[address] = loss
        return out

    def uncovered_losses(self, shares: Mapping[str, int] | None = None) -> int:
        """Users' losses past the bond not yet made good in ETH (for the bounded-fall rule).

        ``sum(user_losses()) - ETH raised by RPL auctions``, at least 0. RPL
        slashed but not yet sold covers nothing yet: only bids bring ETH back
        to the pool. Cumulative: compare its growth between two reports with
        the rate's fall times the supply. ``shares``: see :meth:`user_losses`.
        """
        return max(0, sum(self.user_losses(shares).values()) - self.auction_eth_raised)

    def earned(self, actor: str) -> int:
        """What ``actor`` is entitled to have gained so far (signed wei), marked to market.

        ETH the protocol paid it minus ETH it paid in, plus its rETH at the
        reported rate, plus, for a node's withdrawal address, each live
        minipool's refund balance and node share of :meth:`minipool_total`
        (a dissolved one's whole balance), and for a node, its deposit credit.
        RPL is not counted.
        """
        return self.earned_by_actor([actor])[norm(actor)]

    def earned_by_actor(self, actors: Iterable[str]) -> dict[str, int]:
        """:meth:`earned` of each of ``actors`` (keys normalised): one pass over the minipools."""
        totals = {}
        rate = self.rate()
        nodes = self.nodes
        for actor in actors:
            actor = norm(actor)
            state = nodes.get(actor)
            totals[actor] = (
                self.eth_out.get(actor, 0)
                - self.eth_in.get(actor, 0)
                + self.owed(actor, rate)
                + (state.deposit_credit if state is not None else 0)
            )
        for mp in self.minipools.values():
            # withdrawal_address(mp.node), without normalising the stored key again.
            state = nodes.get(mp.node)
            payee = state.payee if state is not None else mp.node
            if payee not in totals:
                continue
            if mp.status == DISSOLVED:
                totals[payee] += mp.eth
                continue
            if mp.status == INITIALISED:
                # Still queued: bond less the pre-deposit waits in the pool as node balance.
                totals[payee] += mp.bond - PRELAUNCH_VALUE
            total = self._total(mp)
            totals[payee] += mp.refund + total - self._user_share(mp, total)
        return totals

    def node_eth_matched(self, node: str) -> int:
        """Depositor ETH matched to ``node``'s active minipools (the manager's record)."""
        state = self._node(node)
        return state.eth_matched if state else 0

    def summary(self) -> dict[str, int]:
        """The headline numbers (wei), named as the facade's ``summary()`` where they coincide."""
        total, staking, supply = self.truthful_report()
        return {
            "rate": self.rate(),
            "reth_supply": self.reth_supply,
            "deposit_pool_balance": self.pool_balance,
            "deposit_pool_node_balance": self.pool_node_balance,
            "deposit_pool_excess": self.excess_balance(),
            "reth_eth": self.reth_eth,
            "reth_collateral": self.excess_balance() + self.reth_eth,
            "reported_total_eth": self.report.total_eth,
            "reported_reth_supply": self.report.reth_supply,
            "truthful_total_eth": total,
            "truthful_staking_eth": staking,
            "queue_length": len(self.queue),
            "solvency_gap": self.solvency_gap(),
        }
