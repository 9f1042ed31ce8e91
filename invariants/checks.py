"""The invariants: one pure function per property of the protocol.

Each ``check_*`` compares an :class:`~invariants.observe.Observation` (the
chain, read once per step) with the reference :class:`~harness.model.Model`
(the rules' truth) or with itself, and raises
:class:`~invariants.InvariantViolation` with the property's name, a message
saying what went wrong and where to look, and ``details`` holding the
expected and actual numbers (wei). Nothing here reads the chain or changes
the model, so a check gives the same answer every time it is asked.

A check that passes only because a named economic event excuses it (a loss
past a node's bond) returns an :class:`EconomicEvent` instead of ``None``, so
a campaign can report the outcome by name rather than as a silent pass.

Run them all, in order, with :func:`check_all`; :class:`invariants.Watcher`
keeps the state between steps that the pure functions need from the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from harness.chain.status import MinipoolStatus
from harness.model import (
    DISSOLVED,
    INITIALISED,
    LAUNCH_BALANCE,
    PRELAUNCH,
    STAKE_VALUE,
    STAKING,
    Expect,
    Model,
    ReportMarks,
    norm,
)
from harness.units import ONE, fmt_eth
from invariants.observe import MinipoolObservation, NodeObservation, Observation
from invariants.violation import InvariantViolation

# Statuses a minipool may have: Withdrawable (3) has been unused since Atlas.
LEGAL_STATUSES = frozenset({INITIALISED, PRELAUNCH, STAKING, DISSOLVED})
# The lifecycle's moves between two consecutive steps (staying put is always legal).
LEGAL_TRANSITIONS = frozenset(
    {(INITIALISED, PRELAUNCH), (PRELAUNCH, STAKING), (PRELAUNCH, DISSOLVED)}
)
# A minipool seen for the first time was created this step, perhaps assigned at once.
LEGAL_FIRST_STATUSES = frozenset({INITIALISED, PRELAUNCH})
# The rate is two floors away from the exact ETH per rETH (old and new report):
# a fall of this many wei of rate is rounding, not a loss.
RATE_DUST = 2


@dataclass(frozen=True)
class EconomicEvent:
    """A named, expected economic outcome that a check allowed (not a violation).

    ``"uncovered-loss"``: users lost more than a node's bond since the last
    report, so holders are owed more than is held until the next report
    socialises it. ``"uncovered-loss-socialised"``: a report lowered the
    rate after such a loss, by no more than the users' loss over the supply.
    ``"beacon-loss-socialised"``: a report lowered the rate with every loss
    within its bond: penalties took rewards the last report had counted,
    whose users' part is theirs to lose (docs/protocol.md's split above
    ``U + N``), by no more than that loss over the supply.
    ``"bond-reduction-not-cancelled"``: a node completed a bond reduction
    on a validator the oDAO should have cancelled it for (below 32 ETH, or
    leaving): the reference leaves that check to the oDAO, so the users'
    capital grew by the 8 ETH credit over a validator that does not cover
    it, and holders are short of that loss until a report socialises it.
    ``"deficit-carried"``: a loss past the bonds exceeded everything held for
    rETH holders, so the honest report said 0 (a reported total cannot be
    negative); the rest of the loss stays with the users' side, and holders
    who came later are owed more than is held (or a report lowers their
    rate) by no more than that deficit, until RPL auctions make it good.
    ``"stale-report"``: a report was executed after rETH had been minted or
    burned since the moment it describes (the reference lets anyone execute
    a report with consensus at any later time, say after the threshold was
    lowered): those trades were at the old rate and the new rate reaches
    them too, so holders are owed more than is held (and the next report
    lowers the rate) by no more than the value it gave them beyond what
    they paid: the sandwich of the reference's audit finding 1, which the
    deposit fee only mitigates.
    """

    name: str
    details: dict[str, Any] = field(default_factory=dict)


def _amount(wei: int) -> str:
    return f"{fmt_eth(wei)} ETH ({wei} wei)"


def _short(address: str) -> str:
    return address[:10] + "…"


# ================================================================ the two properties
def check_solvency(
    obs: Observation,
    model: Model,
    at_last_report: ReportMarks | None = None,
    shares: Mapping[str, int] | None = None,
) -> EconomicEvent | None:
    """Solvency: rETH holders are never owed more than the protocol holds for them.

    ``owed = totalSupply * reportedTotalEth / reportedRethSupply`` (the
    supply itself while nothing was reported), from the chain;
    ``held = model.held_for_users()`` (pool user balance + rETH's ETH + users'
    share of every minipool's beacon and contract balance), from the rules.
    Holds when ``owed - held <= dust + lost``, where ``dust = totalSupply //
    1e18 + 1`` wei of rounding and ``lost`` is what holders may have lost
    without a bug since the moment the last accepted report describes
    (``at_last_report``, see :meth:`ReportMarks.lost_since`; the zero marks
    by default): the users' net loss to the beacon chain and to bond
    reductions the oDAO did not cancel, a deficit the report could not pass
    on, and what it gave trades made at the old rate since its moment. A
    report is a snapshot: a penalty after it can take value the report
    counted, until the next report. A shortfall those excuse returns an
    event: ``"bond-reduction-not-cancelled"`` if such a reduction added to
    the loss, else ``"uncovered-loss"`` while losses past the bonds grew,
    else ``"stale-report"`` or ``"deficit-carried"`` if what the report
    carried was needed (see :class:`EconomicEvent`).

    ``held`` is signed. It goes negative only when the pool's node balance
    (unspent deposit credit) exceeds the pool's ETH after users lost their
    capital; the honest report then says 0, and its marks carry the deficit
    (see :class:`ReportMarks`), so holders owed nothing are within the
    allowance while a report above 0 still shows as a shortfall.

    ``shares``: ``model.user_shares()`` taken since the model last changed,
    if the caller has it (:func:`check_all` does), so that each minipool is
    split once rather than for each of held, lost and uncovered.
    """
    marks = at_last_report or ReportMarks()
    owed = obs.reth_value(obs.reth_supply)
    held = model.held_for_users(shares)
    dust = obs.reth_supply // ONE + 1
    now = ReportMarks.of(model, shares)
    lost = marks.lost_until(now)
    uncovered = marks.uncovered_until(now)
    unpoliced = now.unpoliced - marks.unpoliced
    gap = owed - held
    details = {
        "owed": owed,
        "held": held,
        "gap": gap,
        "dust": dust,
        "lost_since_report": lost,
        "uncovered_since_report": uncovered,
        "unpoliced_since_report": unpoliced,
        "skimmed_past_bond_since_report": now.skimmed - marks.skimmed,
        "deficit_at_report": marks.deficit,
        "stale_at_report": marks.stale,
        "reth_supply": obs.reth_supply,
        "reported_total_eth": obs.reported_total_eth,
        "reported_reth_supply": obs.reported_reth_supply,
    }
    if gap > dust + lost:
        raise InvariantViolation(
            "solvency",
            f"rETH holders are owed {_amount(owed)} at the reported rate but the protocol "
            f"holds {_amount(held)} for them: short by {_amount(gap - dust - lost)} "
            f"beyond {dust} wei of rounding and {_amount(lost)} the users lost since the "
            "moment the last report describes (on the beacon chain, to bond reductions the "
            "oDAO did not cancel, to skims paid to a node whose bond was under water, or a "
            "deficit the report carried); look for ETH that left "
            "the users' side (a split paying the node too much, a burn or refund paying "
            "twice) or a report above the truth",
            details,
        )
    if unpoliced > 0:
        return EconomicEvent("bond-reduction-not-cancelled", details)
    if uncovered > 0:
        return EconomicEvent("uncovered-loss", details)
    if gap > dust + lost - marks.deficit - marks.stale:
        name = "stale-report" if marks.stale else "deficit-carried"
        return EconomicEvent(name, details)
    return None


def check_rate_monotonicity(
    previous_rate: int,
    new_rate: int,
    supply: int,
    lost_since_last_report: int,
    uncovered_since_last_report: int = 0,
    deficit_carried: int = 0,
    stale_carried: int = 0,
) -> EconomicEvent | None:
    """rETH rate monotonicity, checked when an oracle report is accepted.

    ``new_rate >= previous_rate``, unless the users lost value between the
    moments the two reports describe (``lost_since_last_report`` wei, net of
    rewards: see :meth:`ReportMarks.lost_until`): then the rate may fall by
    at most ``lost * 1e18 // supply + RATE_DUST``, and the check returns
    ``"uncovered-loss-socialised"`` if losses past the bonds grew
    (``uncovered_since_last_report``), else ``"stale-report"`` or
    ``"deficit-carried"`` if the previous report carried the gain of trades
    at a stale rate (``stale_carried``) or a deficit (``deficit_carried``),
    both counted in ``lost``, else ``"beacon-loss-socialised"`` (penalties
    took reported rewards; every loss stayed within its bond).
    ``supply`` is the rETH supply of the new report: holders who burned at
    the old rate leave the loss to those who stay. A report of zero supply
    is exempt: with no holders the rate goes back to 1 ETH per rETH by
    definition and harms no one.
    """
    if new_rate >= previous_rate or supply == 0:
        return None
    fall = previous_rate - new_rate
    lost = max(0, lost_since_last_report)
    bound = lost * ONE // supply + RATE_DUST if lost else 0
    details = {
        "previous_rate": previous_rate,
        "new_rate": new_rate,
        "fall": fall,
        "bound": bound,
        "supply": supply,
        "lost_since_last_report": lost,
        "uncovered_since_last_report": max(0, uncovered_since_last_report),
        "deficit_carried": deficit_carried,
        "stale_carried": stale_carried,
    }
    if lost == 0:
        raise InvariantViolation(
            "rate-monotonicity",
            f"an accepted report lowered the rETH rate from {previous_rate} to {new_rate} wei "
            f"per rETH (by {fall} wei) although the users lost nothing on the beacon chain "
            "since the previous report; look for a report below the truth, or ETH lost from "
            "the users' side between reports",
            details,
        )
    if fall > bound:
        raise InvariantViolation(
            "rate-monotonicity",
            f"an accepted report lowered the rETH rate from {previous_rate} to {new_rate} wei "
            f"per rETH (by {fall} wei), more than the {bound} wei that the users' "
            f"{_amount(lost)} lost on the beacon chain over a supply of {supply} explains; "
            "users were charged more than their loss",
            details,
        )
    if uncovered_since_last_report > 0:
        return EconomicEvent("uncovered-loss-socialised", details)
    if stale_carried > 0:
        return EconomicEvent("stale-report", details)
    if deficit_carried > 0:
        return EconomicEvent("deficit-carried", details)
    return EconomicEvent("beacon-loss-socialised", details)


# ================================================================ ETH and rETH
def conservation_baseline(obs: Observation) -> int:
    """The ``initial_total`` for :func:`check_eth_conservation`, from the first observation.

    ``obs.accounted_eth`` less the beacon rewards and plus the penalties
    already counted, so that later rewards and penalties are the only change.
    """
    return obs.accounted_eth - obs.beacon_rewards + obs.beacon_penalties - obs.fees_received


def check_eth_conservation(obs: Observation, initial_total: int, funded: int = 0) -> None:
    """ETH is neither created nor destroyed, except by the beacon chain and the harness.

    ``obs.accounted_eth`` (every actor + every protocol contract + every
    minipool + every fee distributor, leaving out the beacon deposit
    contract, + validator balances) ``== initial_total + rewards - penalties
    + fees + funded``, where rewards and penalties are the beacon chain's
    cumulative totals, fees the blocks' fees and MEV paid to fee distributors
    (the model's cumulative ``fees_received``), ``initial_total``
    comes from :func:`conservation_baseline` and ``funded`` is the ETH the
    harness minted into actors since. ETH paid to an address outside the
    observed actors shows up here as missing.
    """
    expected = initial_total + obs.beacon_rewards - obs.beacon_penalties + obs.fees_received
    expected += funded
    actual = obs.accounted_eth
    if actual != expected:
        diff = actual - expected
        raise InvariantViolation(
            "eth-conservation",
            f"the ETH accounted for is {_amount(actual)} but should be {_amount(expected)}: "
            f"{_amount(abs(diff))} {'appeared from nowhere' if diff > 0 else 'went missing'}; "
            "look for ETH sent to an address that is not an observed actor, contract or "
            "minipool, a balance set by hand, or a beacon withdrawal the model was not told of",
            {
                "expected": expected,
                "actual": actual,
                "difference": diff,
                "initial_total": initial_total,
                "beacon_rewards": obs.beacon_rewards,
                "beacon_penalties": obs.beacon_penalties,
                "funded": funded,
            },
        )


def check_beacon_deposits(obs: Observation) -> None:
    """The beacon deposit contract holds exactly what the simulated beacon chain was deposited.

    ``deposit contract ETH == sum of every validator's deposits``: a deposit
    the beacon chain did not see (or saw twice) would create or lose ETH.
    """
    if obs.deposit_contract_eth != obs.beacon_deposited:
        raise InvariantViolation(
            "beacon-deposits",
            f"the beacon deposit contract holds {_amount(obs.deposit_contract_eth)} but the "
            f"beacon chain saw {_amount(obs.beacon_deposited)} of deposits; a deposit was made "
            "without its logs reaching the beacon chain, or a deposit paid a different amount "
            "than its event says",
            {"expected": obs.beacon_deposited, "actual": obs.deposit_contract_eth},
        )


def check_reth_supply(obs: Observation, model: Model) -> None:
    """rETH is conserved: no token exists that the rules did not mint.

    The known holders' balances add up to ``totalSupply``; ``totalSupply``
    equals the model's supply and each holder's balance the model's; in the
    model, minted minus burned is the supply; and rETH exists only if ETH
    was paid in.
    """
    held = sum(obs.reth_balances.values())
    if held != obs.reth_supply:
        raise InvariantViolation(
            "reth-supply",
            f"the {len(obs.reth_balances)} known holders hold {held} rETH wei but totalSupply "
            f"is {obs.reth_supply}: rETH was minted to (or burned from) an address the model "
            "does not know, or a balance moved without the supply",
            {"expected": obs.reth_supply, "actual": held},
        )
    if obs.reth_supply != model.reth_supply:
        raise InvariantViolation(
            "reth-supply",
            f"rETH totalSupply is {obs.reth_supply} wei but the rules give {model.reth_supply}: "
            "a deposit minted, or a burn burned, a different amount",
            {"expected": model.reth_supply, "actual": obs.reth_supply},
        )
    for holder, balance in sorted(obs.reth_balances.items()):
        expected = model.reth_balances.get(holder, 0)
        if balance != expected:
            raise InvariantViolation(
                "reth-supply",
                f"holder {holder} has {balance} rETH wei but the rules give it {expected}",
                {"holder": holder, "expected": expected, "actual": balance},
            )
    if model.reth_minted - model.reth_burned != model.reth_supply:
        raise InvariantViolation(
            "reth-supply",
            f"the model's ledger is off: minted {model.reth_minted} - burned "
            f"{model.reth_burned} != supply {model.reth_supply}",
            {
                "minted": model.reth_minted,
                "burned": model.reth_burned,
                "supply": model.reth_supply,
            },
        )
    if obs.reth_supply > 0 and sum(model.eth_in.values()) <= 0:
        raise InvariantViolation(
            "reth-supply",
            f"{obs.reth_supply} rETH wei exist but no ETH was ever paid into the protocol",
            {"reth_supply": obs.reth_supply, "eth_in": 0},
        )


# ================================================================ custody
def check_vault(obs: Observation, model: Model | None = None) -> None:
    """The vault's books match its ETH, and the deposit pool's balance is its vault entry.

    ``vault ETH == sum of balanceOf(name) over the network contracts`` and
    ``depositPool.getBalance() == vault.balanceOf("rocketDepositPool")``.
    ``model`` is unused (uniform signature).
    """
    books = sum(obs.vault_balances.values())
    if obs.vault_eth != books:
        raise InvariantViolation(
            "vault",
            f"the vault holds {_amount(obs.vault_eth)} but its per-contract balances add up to "
            f"{_amount(books)}: ETH entered or left without being booked to a contract",
            {"expected": books, "actual": obs.vault_eth, "balances": dict(obs.vault_balances)},
        )
    booked = obs.vault_balances.get("rocketDepositPool", 0)
    if obs.pool_balance != booked:
        raise InvariantViolation(
            "vault",
            f"the deposit pool reports a balance of {_amount(obs.pool_balance)} but the vault "
            f"books {_amount(booked)} to it",
            {"expected": booked, "actual": obs.pool_balance},
        )


def check_auction(obs: Observation, model: Model) -> None:
    """The auction manager's RPL is what the rules put there, less what bidders took.

    ``getTotalRPLBalance()`` equals the RPL slashed from nodes so far minus
    the RPL winning bidders claimed: a slash that sends the wrong amount, or
    a claim or recovery that moves RPL it should not, shows here at once.
    """
    if obs.auction_rpl != model.auction_rpl:
        raise InvariantViolation(
            "auction",
            f"the auction manager holds {obs.auction_rpl} RPL wei but the rules give "
            f"{model.auction_rpl}: slashed RPL, or RPL paid to bidders, was booked wrong",
            {"expected": model.auction_rpl, "actual": obs.auction_rpl},
        )


def check_deposit_pool(obs: Observation, model: Model) -> None:
    """The deposit pool's numbers agree with each other and with the rules.

    ``userBalance == balance - nodeBalance``; ``excess == max(0, balance -
    31 ETH * queue length)``; balance and node balance equal the model's;
    the queue holds the model's minipools in the model's FIFO order.
    """
    if obs.pool_user_balance != obs.pool_balance - obs.pool_node_balance:
        raise InvariantViolation(
            "deposit-pool",
            f"getUserBalance() is {obs.pool_user_balance} but balance - node balance is "
            f"{obs.pool_balance - obs.pool_node_balance}",
            {"expected": obs.pool_balance - obs.pool_node_balance, "actual": obs.pool_user_balance},
        )
    excess = max(0, obs.pool_balance - STAKE_VALUE * len(obs.queue))
    if obs.pool_excess != excess:
        raise InvariantViolation(
            "deposit-pool",
            f"getExcessBalance() is {_amount(obs.pool_excess)} but a balance of "
            f"{_amount(obs.pool_balance)} with {len(obs.queue)} queued minipools leaves "
            f"{_amount(excess)} beyond the queue's 31 ETH each",
            {"expected": excess, "actual": obs.pool_excess},
        )
    for label, actual, expected in (
        ("balance", obs.pool_balance, model.pool_balance),
        ("node balance", obs.pool_node_balance, model.pool_node_balance),
    ):
        if actual != expected:
            raise InvariantViolation(
                "deposit-pool",
                f"the deposit pool's {label} is {_amount(actual)} but the rules give "
                f"{_amount(expected)}",
                {"field": label, "expected": expected, "actual": actual},
            )
    if list(obs.queue) != list(model.queue):
        raise InvariantViolation(
            "deposit-pool",
            f"the minipool queue holds {[_short(a) for a in obs.queue]} but the rules give "
            f"{[_short(a) for a in model.queue]} (first in, first out)",
            {"expected": list(model.queue), "actual": list(obs.queue)},
        )


# ================================================================ minipools and nodes
def check_minipool_lifecycle(
    obs: Observation, model: Model | None = None, previous: Observation | None = None
) -> None:
    """Every minipool's status is legal and moved legally since the previous step.

    Statuses: Initialised 0, Prelaunch 1, Staking 2, Dissolved 4 (never
    Withdrawable 3). Moves between consecutive steps: Initialised ->
    Prelaunch, Prelaunch -> Staking or Dissolved, or none; a minipool seen
    for the first time is Initialised or Prelaunch. ``finalised`` and
    ``userDistributed`` never go back to False. ``model`` is unused.
    """
    before = previous.minipools if previous is not None else None
    for address, mp in sorted(obs.minipools.items()):
        if mp.status not in LEGAL_STATUSES:
            raise InvariantViolation(
                "minipool-lifecycle",
                f"minipool {address} has status {mp.status} "
                f"({MinipoolStatus.label_of(mp.status, 'unknown')}), which no minipool may have",
                {"minipool": address, "actual": mp.status},
            )
        if before is None:
            continue
        old = before.get(address)
        if old is None:
            if mp.status not in LEGAL_FIRST_STATUSES:
                raise InvariantViolation(
                    "minipool-lifecycle",
                    f"minipool {address} appeared with status "
                    f"{MinipoolStatus.label_of(mp.status)}; a new "
                    "minipool is Initialised, or Prelaunch if assigned at once",
                    {"minipool": address, "actual": mp.status},
                )
            continue
        if old.status != mp.status and (old.status, mp.status) not in LEGAL_TRANSITIONS:
            raise InvariantViolation(
                "minipool-lifecycle",
                f"minipool {address} went from {MinipoolStatus.label_of(old.status)} to "
                f"{MinipoolStatus.label_of(mp.status)} in one step; the lifecycle allows only "
                "Initialised -> Prelaunch -> Staking or Dissolved",
                {"minipool": address, "previous": old.status, "actual": mp.status},
            )
        undone_finalised = old.finalised and not mp.finalised
        if undone_finalised or (old.user_distributed and not mp.user_distributed):
            flag = "finalised" if undone_finalised else "user_distributed"
            raise InvariantViolation(
                "minipool-lifecycle",
                f"minipool {address} was {flag.replace('_', ' ')} and is no longer: "
                "that can be done only once",
                {"minipool": address, "flag": flag, "previous": True, "actual": False},
            )


@dataclass(frozen=True)
class _Fields:
    """Pairs of (observed field, model field) that must be equal, with getters of all at once."""

    pairs: tuple[tuple[str, str], ...]
    observed: Callable[[Any], tuple] = field(init=False)
    expected: Callable[[Any], tuple] = field(init=False)

    def __post_init__(self) -> None:
        # One C-level call per record on the common path (every field equal);
        # at least two names each, so the getters return tuples.
        object.__setattr__(self, "observed", attrgetter(*(o for o, _ in self.pairs)))
        object.__setattr__(self, "expected", attrgetter(*(m for _, m in self.pairs)))


_MINIPOOL_FIELDS = _Fields(
    (
        ("status", "status"),
        ("node_deposit", "bond"),
        ("user_deposit", "user_capital"),
        ("refund", "refund"),
        ("slash", "slash"),
        ("finalised", "finalised"),
        ("user_distributed", "user_distributed"),
        ("eth", "eth"),
    )
)


def check_minipool_accounting(obs: Observation, model: Model) -> None:
    """Every minipool's capital and balances are whole and equal the rules'.

    A Staking, unfinalised minipool has node + user deposit == 32 ETH; each
    of status, node deposit, user deposit, refund balance, slash balance,
    finalised, user-distributed and contract ETH equals the model's; the
    manager counts as many live minipools as the model.
    """
    for address, mp in sorted(obs.minipools.items()):
        if mp.status == STAKING and not mp.finalised:
            capital = mp.node_deposit + mp.user_deposit
            if capital != LAUNCH_BALANCE:
                raise InvariantViolation(
                    "minipool-accounting",
                    f"staking minipool {address} has node deposit {_amount(mp.node_deposit)} + "
                    f"user deposit {_amount(mp.user_deposit)} = {_amount(capital)}, not 32 ETH",
                    {"minipool": address, "expected": LAUNCH_BALANCE, "actual": capital},
                )
        _check_record(
            "minipool-accounting", "minipool", mp, model.minipools.get(address), _MINIPOOL_FIELDS
        )
    live = sum(1 for state in model.minipools.values() if not state.destroyed)
    if obs.minipool_count != live:
        raise InvariantViolation(
            "minipool-accounting",
            f"the minipool manager counts {obs.minipool_count} live minipools but the rules "
            f"know {live}",
            {"expected": live, "actual": obs.minipool_count},
        )


_NODE_FIELDS = _Fields(
    (
        ("eth_matched", "eth_matched"),
        ("eth_provided", "eth_provided"),
        ("rpl_stake", "rpl_stake"),
        ("staking_count", "staking_count"),
        ("active_count", "active_count"),
        ("finalised_count", "finalised_count"),
    )
)


def check_node_accounting(obs: Observation, model: Model) -> None:
    """Every node's ETH matched and provided, RPL stake and minipool counters equal the rules'.

    Counters: staking (staking, unfinalised), active (neither finalised nor
    destroyed), finalised. And each node's fee distributor holds exactly the
    ETH the rules say: every block's fees paid to it, less what
    ``distribute()`` (by anyone, or the minipool manager's distribute-first
    rule) paid out; a refused node share stays.
    """
    for address, node in sorted(obs.nodes.items()):
        _check_record("node-accounting", "node", node, model.nodes.get(address), _NODE_FIELDS)
    for address, eth in sorted(obs.distributor_eth.items()):
        expected = model.distributor_balance(address)
        if eth != expected:
            raise InvariantViolation(
                "node-accounting",
                f"node {address}'s fee distributor holds {_amount(eth)} but the rules say "
                f"{_amount(expected)}: a split paid out more or less than it should, or fees "
                "arrived that the model was not told of",
                {"node": address, "expected": expected, "actual": eth},
            )


def _check_record(
    invariant: str,
    kind: str,
    observed: MinipoolObservation | NodeObservation,
    state: Any,
    fields: _Fields,
) -> None:
    """``observed`` (a minipool or node as read) equals the rules' ``state``, field by field."""
    if state is None:
        address = observed.address
        raise InvariantViolation(
            invariant,
            f"{kind} {address} was observed but the rules know no such {kind}",
            {kind: address},
        )
    if fields.observed(observed) == fields.expected(state):
        return
    # Some field differs: find the first, in order, to name it.
    address = observed.address
    for obs_field, model_field in fields.pairs:
        actual, expected = getattr(observed, obs_field), getattr(state, model_field)
        if actual != expected:
            raise InvariantViolation(
                invariant,
                f"{kind} {address} has {obs_field.replace('_', ' ')} {actual} but the rules "
                f"give {expected}",
                {kind: address, "field": obs_field, "expected": expected, "actual": actual},
            )


def check_minipools(obs: Observation, model: Model, previous: Observation | None = None) -> None:
    """Minipools and nodes: :func:`check_minipool_lifecycle`, then the accounting checks."""
    check_minipool_lifecycle(obs, model, previous)
    check_minipool_accounting(obs, model)
    check_node_accounting(obs, model)


# ================================================================ single calls
def check_distribution_split(
    expect_values: Mapping[str, int], observed_node: int, observed_user: int
) -> None:
    """A distribution paid the node and the users exactly what the rules split.

    ``expect_values`` is the model's ``Expect.values`` for the
    ``distributeBalance`` call (``"node"`` and ``"user"``, 0 when absent);
    the observed amounts are the sums of the call's
    ``EtherWithdrawalProcessed`` events.
    """
    expected_node = expect_values.get("node", 0)
    expected_user = expect_values.get("user", 0)
    if (observed_node, observed_user) != (expected_node, expected_user):
        raise InvariantViolation(
            "distribution-split",
            f"the distribution gave the node {_amount(observed_node)} and the users "
            f"{_amount(observed_user)}; the rules split it {_amount(expected_node)} to the node "
            f"and {_amount(expected_user)} to the users",
            {
                "expected_node": expected_node,
                "actual_node": observed_node,
                "expected_user": expected_user,
                "actual_user": observed_user,
            },
        )


def check_penalty_split(penalty: Mapping[str, Any], observed_node: int, observed_user: int) -> None:
    """An exit split under a MEV-theft penalty moved exactly the penalty, from the node's share.

    ``penalty`` is the model's record of the exit it split
    (``Model.last_penalty``: the minipool, its effective ``rate``, the
    node's ``share`` before the penalty, what the penalty ``taken``, the
    ``balance``); the observed amounts are the contract's
    ``EtherWithdrawalProcessed`` figures for that exit. Two laws: the
    penalty never takes more than the node's share (``taken <= share``,
    with ``taken = min(share * rate / 1e18, share)``), and the node's
    amount is its share less exactly that, the users getting the rest: a
    penalty taken twice, from the users' share, or not at all shows here.
    """
    share, rate, balance = penalty["share"], penalty["rate"], penalty["balance"]
    taken = min(share * rate // ONE, share)
    if penalty["taken"] != taken or taken > share:
        raise InvariantViolation(
            "penalty-split",
            f"the model's penalty on {penalty['minipool']} took {_amount(penalty['taken'])} of "
            f"a node share of {_amount(share)} at rate {rate}: the rules take {_amount(taken)}",
            {"minipool": penalty["minipool"], "expected": taken, "actual": penalty["taken"]},
        )
    expected_node, expected_user = share - taken, balance - (share - taken)
    if (observed_node, observed_user) != (expected_node, expected_user):
        raise InvariantViolation(
            "penalty-split",
            f"minipool {penalty['minipool']}'s exit of {_amount(balance)} under a penalty rate "
            f"of {rate} gave the node {_amount(observed_node)} and the users "
            f"{_amount(observed_user)}; the node's share is {_amount(share)}, less "
            f"{_amount(taken)} for the users: {_amount(expected_node)} and "
            f"{_amount(expected_user)}",
            {
                "minipool": penalty["minipool"],
                "rate": rate,
                "expected_node": expected_node,
                "actual_node": observed_node,
                "expected_user": expected_user,
                "actual_user": observed_user,
            },
        )


def check_outcome(action: str, expect: Expect, ok: bool, reason: str | None) -> None:
    """A call succeeded or reverted exactly as the model predicted, with the predicted reason.

    ``ok``/``reason`` are what happened (the revert reason, or None).
    Should have succeeded but reverted: a liveness bug (users locked out).
    Should have reverted but succeeded: a missing check. Reverted with
    another reason: a wrong reason (a check in the wrong place or order).
    """
    details = {
        "action": action,
        "expected_ok": expect.ok,
        "expected_reason": expect.reason,
        "actual_ok": ok,
        "actual_reason": reason,
    }
    if expect.ok and not ok:
        raise InvariantViolation(
            "outcome",
            f"LIVENESS BUG: {action} reverted with {reason!r} but the rules say it must "
            f"succeed (expected {dict(expect.values)})",
            {**details, "kind": "liveness"},
        )
    if not expect.ok and ok:
        raise InvariantViolation(
            "outcome",
            f"MISSING CHECK: {action} succeeded but the rules say it must revert with "
            f"{expect.reason!r}",
            {**details, "kind": "missing-check"},
        )
    if not expect.ok and reason != expect.reason:
        raise InvariantViolation(
            "outcome",
            f"wrong reason: {action} reverted with {reason!r} but the rules say {expect.reason!r}",
            {**details, "kind": "wrong-reason"},
        )


def check_no_free_lunch(
    obs: Observation,
    model: Model,
    actors: Iterable[str],
    baseline: Observation,
    funded: Mapping[str, int] | None = None,
) -> None:
    """No actor ends up richer than the rules say it earned.

    For each actor: ``ETH now - ETH at baseline - ETH the harness minted
    into it + its rETH at the observed rate + its claims`` is at most
    ``model.earned(actor)``. ``baseline`` is the first observation, taken
    before the actor did anything (the model's ledgers for it are zero
    then); its rETH is valued ``balance * getExchangeRate() / 1e18`` exactly
    as ``earned`` values it at the model's rate; claims (refund balances, a
    node's share of its minipools, deposit credit) are the model's, so they
    cancel. A deposit -> report -> burn sandwich passes only as far as the
    rules themselves pay it; a contract paying or minting more than the
    rules fails here.
    """
    funded = {norm(a): v for a, v in (funded or {}).items()}
    actors = [norm(actor) for actor in actors]
    rate = model.rate()
    for actor in actors:
        model_eth = model.eth_out.get(actor, 0) - model.eth_in.get(actor, 0)
        owed = model.owed(actor, rate)
        eth_gain = obs.actor_eth[actor] - baseline.actor_eth[actor] - funded.get(actor, 0)
        reth_value = obs.reth_balances.get(actor, 0) * obs.exchange_rate // ONE
        # earned = model_eth + owed + claims and gain = eth_gain + reth_value + claims, so
        # gain > earned exactly when this holds: the claims (a walk over every minipool)
        # are needed only to word a violation.
        if eth_gain + reth_value > model_eth + owed:
            earned = model.earned_by_actor(actors)[actor]
            gain = eth_gain + reth_value + earned - model_eth - owed
            raise InvariantViolation(
                "no-free-lunch",
                f"actor {actor} is up {_amount(gain)} (ETH {_amount(eth_gain)}, rETH worth "
                f"{_amount(reth_value)}) but the rules say it earned {_amount(earned)}: it got "
                f"{_amount(gain - earned)} for nothing",
                {
                    "actor": actor,
                    "expected": earned,
                    "actual": gain,
                    "eth_gain": eth_gain,
                    "reth_value": reth_value,
                    "model_eth_gain": model_eth,
                    "model_reth_value": model.owed(actor),
                },
            )


# ================================================================ all at once
def report_accepted(previous: Observation | None, obs: Observation) -> bool:
    """Whether a balances report was accepted between two observations."""
    return previous is not None and obs.reported_block != previous.reported_block


def check_all(
    obs: Observation,
    model: Model,
    previous_obs: Observation | None = None,
    *,
    at_last_report: ReportMarks | None = None,
    initial_total: int | None = None,
    funded: Mapping[str, int] | None = None,
    baseline: Observation | None = None,
    actors: Iterable[str] | None = None,
) -> list[EconomicEvent]:
    """Run every per-step check, local books first, global laws last; return the events.

    Order: vault, auction, rETH supply, deposit pool, minipool lifecycle, minipool
    and node accounting (each pins a bug to one contract), then beacon
    deposits and ETH conservation (needs ``initial_total``), rate
    monotonicity when ``previous_obs`` shows a new report, solvency, and no
    free lunch (needs ``baseline`` and ``actors``). ``funded`` maps actors
    to ETH the harness minted into them since the baseline.

    ``at_last_report`` holds the marks of the last report accepted before
    this step (zero marks by default). When this step accepted one, the
    rate's fall is judged by what was lost between the moments the two
    reports describe, solvency against the new report with an allowance
    for what happened after its moment (its marks, ``model.report.marks``),
    and the caller must take those as the new marks (:class:`invariants.Watcher`
    does).
    """
    funded = dict(funded or {})
    marks = at_last_report or ReportMarks()
    events: list[EconomicEvent | None] = []
    check_vault(obs, model)
    check_auction(obs, model)
    check_reth_supply(obs, model)
    check_deposit_pool(obs, model)
    check_minipools(obs, model, previous_obs)
    check_beacon_deposits(obs)
    if initial_total is not None:
        check_eth_conservation(obs, initial_total, sum(funded.values()))
    # The checks change nothing, so the minipools' user shares hold for all that follow.
    shares = model.user_shares()
    if report_accepted(previous_obs, obs):
        events.append(
            check_rate_monotonicity(
                previous_obs.exchange_rate,
                obs.exchange_rate,
                obs.reported_reth_supply,
                marks.lost_until(model.report.marks),
                marks.uncovered_until(model.report.marks),
                marks.deficit,
                marks.stale,
            )
        )
        marks = model.report.marks
    events.append(check_solvency(obs, model, marks, shares))
    if baseline is not None and actors is not None:
        check_no_free_lunch(obs, model, actors, baseline, funded)
    return [event for event in events if event is not None]


__all__ = [
    "LEGAL_STATUSES",
    "LEGAL_TRANSITIONS",
    "RATE_DUST",
    "EconomicEvent",
    "ReportMarks",
    "check_all",
    "check_auction",
    "check_beacon_deposits",
    "check_deposit_pool",
    "check_distribution_split",
    "check_eth_conservation",
    "check_minipool_accounting",
    "check_minipool_lifecycle",
    "check_minipools",
    "check_no_free_lunch",
    "check_node_accounting",
    "check_outcome",
    "check_penalty_split",
    "check_rate_monotonicity",
    "check_reth_supply",
    "check_solvency",
    "check_vault",
    "conservation_baseline",
    "report_accepted",
]
