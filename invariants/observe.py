"""One reading of the chain per step: everything the invariant checks compare.

View calls are what costs on py-evm (about 0.25 ms each), so :func:`observe`
reads every value exactly once and the checks work on the plain record it
returns. An :class:`Observation` holds no contract handles, so tests build
fake ones by hand and perturb real ones with ``dataclasses.replace``.

Addresses are keys as the model keys them (lower-case hex, see
:func:`harness.model.norm`); amounts are wei.

What lives where: the records (:class:`Observation` and the per-minipool and
per-node ones); :class:`StorageWrites`, which contracts wrote storage since
the last reading; :class:`_Layout`, what never changes for a facade; then
:func:`observe` and its steps, in the order it takes them: whose rETH to
read (:func:`_reth_holders`), which groups of views to read again
(:func:`_shape`), the view calls that makes (:func:`_plan`, kept per shape
by :func:`_planned`, read through :func:`_run`), the values taken back
(:func:`_take_back`), the queue's entries (:func:`_queue`), the minipools
and nodes, read or carried over (:func:`_minipools`, :func:`_nodes`), and
the ETH balances and beacon chain read every time (:func:`_eth_and_beacon`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import boa

from harness.chain.beacon import GWEI
from harness.chain.deploy import NETWORK_CONTRACTS
from harness.model import Model, norm

# Facade attributes whose ETH has its own field, or lives on the beacon chain.
_OWN_FIELDS = {"reth", "vault", "deposit_contract"}


@dataclass(frozen=True)
class MinipoolObservation:
    """One minipool contract as read from the chain (``eth`` is its contract balance)."""

    address: str
    status: int = 0
    node_deposit: int = 0
    user_deposit: int = 0
    refund: int = 0
    slash: int = 0
    finalised: bool = False
    user_distributed: bool = False
    eth: int = 0


@dataclass(frozen=True)
class NodeObservation:
    """One node's records in the minipool manager and node staking."""

    address: str
    eth_matched: int = 0
    eth_provided: int = 0
    rpl_stake: int = 0
    staking_count: int = 0
    active_count: int = 0
    finalised_count: int = 0


@dataclass(frozen=True)
class Observation:
    """Everything the checks need, read from the chain once (wei; addresses lower-case).

    rETH: ``reth_supply`` (totalSupply), ``reth_balances`` (every known
    holder: the actors and every address the model credits with rETH),
    ``reth_eth`` (the rETH contract's ETH), ``exchange_rate``
    (``getExchangeRate()``). Deposit pool: ``pool_balance``,
    ``pool_node_balance``, ``pool_user_balance`` (signed), ``pool_excess``,
    ``queue`` (FIFO order). Vault: ``vault_eth`` (its ETH) and
    ``vault_balances`` (``balanceOf(name)`` per network contract name).
    Last accepted report: ``reported_total_eth``, ``reported_staking_eth``,
    ``reported_reth_supply``, ``reported_block``. ``minipools`` (by address,
    every minipool the model knows, destroyed ones too), ``minipool_count``
    (the manager's live ones), ``nodes`` (every node the model knows),
    ``auction_rpl``. ETH: ``actor_eth``, ``contract_eth`` (other protocol
    contracts by facade name, without rETH, the vault and the beacon
    deposit contract), ``deposit_contract_eth``, ``distributor_eth`` (each
    registered node's fee distributor, by node). Beacon chain (wei):
    ``beacon_balance``, ``beacon_rewards``, ``beacon_penalties`` (cumulative)
    and ``beacon_deposited`` (every deposit it has seen).
    """

    reth_supply: int = 0
    reth_balances: dict[str, int] = field(default_factory=dict)
    reth_eth: int = 0
    exchange_rate: int = 10**18
    pool_balance: int = 0
    pool_node_balance: int = 0
    pool_user_balance: int = 0
    pool_excess: int = 0
    queue: tuple[str, ...] = ()
    vault_eth: int = 0
    vault_balances: dict[str, int] = field(default_factory=dict)
    reported_total_eth: int = 0
    reported_staking_eth: int = 0
    reported_reth_supply: int = 0
    reported_block: int = 0
    minipools: dict[str, MinipoolObservation] = field(default_factory=dict)
    minipool_count: int = 0
    nodes: dict[str, NodeObservation] = field(default_factory=dict)
    auction_rpl: int = 0
    actor_eth: dict[str, int] = field(default_factory=dict)
    contract_eth: dict[str, int] = field(default_factory=dict)
    deposit_contract_eth: int = 0
    beacon_balance: int = 0
    beacon_rewards: int = 0
    beacon_penalties: int = 0
    beacon_deposited: int = 0
    # ETH at each registered node's fee distributor, by node; and the blocks' fees
    # paid to distributors so far (cumulative, as the model was told, as the beacon's are).
    distributor_eth: dict[str, int] = field(default_factory=dict)
    fees_received: int = 0

    @property
    def accounted_eth(self) -> int:
        """ETH the conservation law counts: the execution layer and the beacon chain.

        Actors + rETH + vault + other protocol contracts + minipools + fee
        distributors + validator balances. The deposit contract is left out:
        its ETH is the beacon balances' origin, counted there.
        """
        return (
            sum(self.actor_eth.values())
            + sum(self.distributor_eth.values())
            + self.reth_eth
            + self.vault_eth
            + sum(self.contract_eth.values())
            + sum(mp.eth for mp in self.minipools.values())
            + self.beacon_balance
        )

    def reth_value(self, reth_amount: int) -> int:
        """ETH ``reth_amount`` is worth at the reported rate, rounded down (``getEthValue``)."""
        if self.reported_reth_supply == 0:
            return reth_amount
        return reth_amount * self.reported_total_eth // self.reported_reth_supply


# The view behind each field the deposit pool and the last report fill.
_POOL_VIEWS = (
    ("pool_balance", "getBalance"),
    ("pool_node_balance", "getNodeBalance"),
    ("pool_user_balance", "getUserBalance"),
    ("pool_excess", "getExcessBalance"),
)
_REPORT_VIEWS = (
    ("reported_total_eth", "getTotalETHBalance"),
    ("reported_staking_eth", "getStakingETHBalance"),
    ("reported_reth_supply", "getTotalRETHSupply"),
    ("reported_block", "getBalancesBlock"),
)
# The view behind each field of a minipool's and of a node's observation.
_MINIPOOL_VIEWS = (
    ("status", "getStatus"),
    ("node_deposit", "getNodeDepositBalance"),
    ("user_deposit", "getUserDepositBalance"),
    ("refund", "getNodeRefundBalance"),
    ("slash", "getNodeSlashBalance"),
    ("finalised", "getFinalised"),
    ("user_distributed", "getUserDistributed"),
)
_NODE_VIEWS = (
    ("eth_matched", "minipool_manager", "getNodeETHMatched"),
    ("eth_provided", "minipool_manager", "getNodeETHProvided"),
    ("rpl_stake", "node_staking", "getNodeRPLStake"),
    ("staking_count", "minipool_manager", "getNodeStakingMinipoolCount"),
    ("active_count", "minipool_manager", "getNodeActiveMinipoolCount"),
    ("finalised_count", "minipool_manager", "getNodeFinalisedMinipoolCount"),
)


class StorageWrites:
    """Which contracts wrote storage since the last :meth:`take`: what may have changed.

    Titanoboa records every SSTORE's (contract, slot) in
    ``boa.env.sstore_trace``; this wraps that record so it also notes the
    contract, and :meth:`take` hands over and clears the set. A write that
    was later reverted is still noted: that only costs a needless re-read.

    On revm (``chain``, see :mod:`harness.chain.backend`) there is no per-slot
    record, only a count of the state changes the chain made
    (``chain.state_changes``: successful transactions, deployments, rolled
    back anchors). :meth:`take` answers the empty set when that count did
    not move (every call since reverted or was a view: nothing was
    written) and ``None`` (read everything) when it did.
    """

    def __init__(self, chain: Any = None) -> None:
        self.chain = chain
        self.tracking = chain is None or getattr(chain, "name", "boa") == "boa"
        self.env = boa.env
        if not self.tracking:
            self.changes = getattr(chain, "state_changes", None)
            return
        trace = self.env.sstore_trace
        if not isinstance(trace, _NotingTrace):
            trace = self.env.sstore_trace = _NotingTrace(trace)
        self.trace = trace
        self.trace.written.clear()

    def take(self) -> set[str] | None:
        """Contracts (lower-case addresses) written since the last call; ``None``: unknown."""
        if not self.tracking:
            changes, self.changes = self.changes, getattr(self.chain, "state_changes", None)
            return set() if changes is not None and changes == self.changes else None
        if boa.env is not self.env or self.env.sstore_trace is not self.trace:
            return None  # the environment was swapped or the trace reset: read everything
        written = set(self.trace.written)
        self.trace.written.clear()
        return written


class _NotingTrace(dict):
    """``boa.env.sstore_trace`` that also notes each written contract in ``written``."""

    def __init__(self, base: dict) -> None:
        super().__init__(base)
        self.written: set[str] = set()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.written.add(str(key).lower())
        return super().setdefault(key, default)


class _Layout:
    """What :func:`observe` needs of a facade that never changes: addresses, handles, names.

    Built once per facade and list of vault names (``_layout``): the
    contracts, and so their addresses, are fixed for a facade's life.
    """

    def __init__(self, p: Any, names: list[str]) -> None:
        self.names = names
        self.directory = norm(p.storage)
        self.reth, self.pool, self.balances = p.reth, p.deposit_pool, p.network_balances
        self.queue, self.vault = p.minipool_queue, p.vault
        self.minipool_manager, self.auction_manager = p.minipool_manager, p.auction_manager
        self.at = {
            "reth": norm(p.reth),
            "pool": {norm(c) for c in (p.deposit_pool, p.vault, p.minipool_queue, p.settings)},
            "balances": norm(p.network_balances),
            "rate": {norm(p.reth), norm(p.network_balances)},
            "queue": norm(p.minipool_queue),
            "vault": norm(p.vault),
            "nodes": {norm(p.minipool_manager), norm(p.node_staking)},
            "auction": {norm(p.auction_manager), norm(p.vault)},
        }
        self.node_views = [
            (f, getattr(getattr(p, contract), view)) for f, contract, view in _NODE_VIEWS
        ]
        address = _address_text
        self.reth_address = address(p.reth)
        self.vault_address = address(p.vault)
        self.deposit_contract_address = address(p.deposit_contract)
        self.contract_addresses = [
            (name, address(contract))
            for name, contract in [("storage", p.storage), *p.contracts.items()]
            if name not in _OWN_FIELDS
        ]
        # Reading plans by shape (see observe), named for the chain by ``serial``.
        self.serial = next(_serials)
        self.plans: dict[tuple, list[tuple[Any, tuple]]] = {}
        chain = getattr(p, "chain", None)
        # The chain's own balance read, where there is one (tests' fakes have none).
        self.balance = chain.get_balance if chain is not None else p.balance


_serials = itertools.count()


def _address_text(contract: Any) -> str:
    return str(getattr(contract, "address", contract))


_layouts: dict[tuple[int, tuple[str, ...]], tuple[Any, _Layout]] = {}


def _layout(p: Any, names: list[str]) -> _Layout:
    key = (id(p), tuple(names))
    kept = _layouts.get(key)
    if kept is None or kept[0] is not p:
        if len(_layouts) >= 64:
            _layouts.clear()  # facades of tests long gone
        kept = _layouts[key] = (p, _Layout(p, names))
    return kept[1]


def observe(
    p: Any,
    model: Model,
    actors: Iterable[str],
    vault_names: Iterable[str] | None = None,
    previous: Observation | None = None,
    written: set[str] | None = None,
) -> Observation:
    """Read everything the checks need from the chain behind facade ``p``, once.

    Which minipools, nodes and rETH holders to read comes from ``model``
    (and ``actors``, whose ETH is read); the beacon chain read is
    ``model.beacon``, the one whose payments the model is told about.
    ``actors`` must include every address that can receive ETH from the
    protocol (depositors, nodes, withdrawal addresses, bidders) for the
    conservation law to balance. rETH balances are read for the holders the
    model credits with rETH, and for no one else (see :func:`_reth_holders`).

    ``vault_names`` limits the vault's per-contract balances read (default:
    every name in ``harness.chain.deploy.NETWORK_CONTRACTS``). Only the deposit
    pool keeps ETH in the vault, and ETH booked to any other name still
    breaks ``vault ETH == sum of the balances read``, so
    ``("rocketDepositPool",)`` detects as much and saves 16 view calls; the
    full list only says which name it was booked to.

    Incremental reading: given the ``previous`` observation and the set of
    contracts ``written`` since it was taken (see :class:`StorageWrites`),
    a group of views is read again only when a contract it reads from was
    written; the rest is carried over (the groups: :func:`_shape`). A
    reading's views are planned first (:func:`_plan`, which also says what a
    full read costs) and read in one go; ETH balances and the beacon chain
    are read every time, at next to no cost.
    """
    names = [spec.name for spec in NETWORK_CONTRACTS] if vault_names is None else list(vault_names)
    at = _layout(p, names)
    old = previous if previous is not None and written is not None else None
    holders = _reth_holders(model)
    shape = _shape(at, model, holders, old, written)
    values = iter(_run(p, _planned(p, at, shape), ("observe", at.serial, shape)))
    fresh = _take_back(values, shape, names, old)
    queue = _queue(p, at, fresh.queue_length, old)
    minipools = _minipools(model, at.balance, fresh.minipools, old)
    return Observation(
        reth_balances={
            h: fresh.holders[h] if h in fresh.holders else old.reth_balances[h] for h in holders
        },
        queue=queue,
        minipools=minipools,
        nodes=_nodes(model, fresh.nodes, old),
        **fresh.fields,
        **_eth_and_beacon(at, model, actors),
    )


def _reth_holders(model: Model) -> list[str]:
    """Whose rETH balance is read: the holders the model credits with rETH, and no one else.

    The checks see as much. If each of them holds what the rules say and
    their balances add up to ``totalSupply``, every other address holds
    none; rETH anywhere else breaks the sum (see
    ``checks.check_reth_supply``). Reading every actor too cost a dozen view
    calls a step.
    """
    return sorted(h for h, amount in model.reth_balances.items() if amount)


class _Shape(NamedTuple):
    """What one reading reads again (the rest is carried over); its plan is kept under it."""

    supply: bool  # rETH's totalSupply, and every holder's balance
    holders: tuple[str, ...]  # the rETH holders whose balance is read
    pool: bool  # the deposit pool's balances
    report: bool  # the last accepted report
    minipools: tuple[str, ...]  # the minipools read
    nodes_stale: bool  # every node, and the manager's live minipool count
    nodes: tuple[str, ...]  # the nodes read
    rate: bool  # rETH's exchange rate
    queue: bool  # the minipool queue
    vault: bool  # the vault's balances
    auction: bool  # the auction's RPL


def _shape(
    at: _Layout, model: Model, holders: list[str], old: Observation | None, written: Any
) -> _Shape:
    """Which groups of views to read again: those whose contracts were ``written`` since ``old``.

    Everything without an ``old`` reading, or when the directory was
    written. The groups and what they read: rETH supply and balances (rETH),
    the rate (rETH, network balances), the deposit pool (pool, vault, queue,
    settings), the queue, the vault, the last report (network balances),
    each minipool (itself), the nodes and the live minipool count (minipool
    manager, node staking), the auction (auction manager, vault); every
    group also reads the directory. The assumption is that a view's value
    changes only with the storage of the contracts it reads (none of them
    reads the time).
    """
    if old is None or at.directory in written:
        stale = _always
        minipools = list(model.minipools)
    else:
        stale = _written_to(written)
        minipools = [a for a in model.minipools if a not in old.minipools or a in written]
    supply, nodes_stale = stale(at.at["reth"]), stale(at.at["nodes"])
    return _Shape(
        supply=supply,
        holders=tuple(holders if supply else [h for h in holders if h not in old.reth_balances]),
        pool=stale(at.at["pool"]),
        report=stale(at.at["balances"]),
        minipools=tuple(minipools),
        nodes_stale=nodes_stale,
        nodes=tuple(model.nodes if nodes_stale else [n for n in model.nodes if n not in old.nodes]),
        rate=stale(at.at["rate"]),
        queue=stale(at.at["queue"]),
        vault=stale(at.at["vault"]),
        auction=stale(at.at["auction"]),
    )


def _written_to(written: set[str]) -> Callable[[Any], bool]:
    """Whether a contract (an address) or any of a set of them is in ``written``."""

    def stale(contracts: Any) -> bool:
        if type(contracts) is str:
            return contracts in written
        return not contracts.isdisjoint(written)

    return stale


def _planned(p: Any, at: _Layout, shape: _Shape) -> list[tuple[Any, tuple]]:
    """The plan of a reading of ``shape``, kept per shape (the same reading recurs step by step)."""
    calls = at.plans.get(shape)
    if calls is None:
        if len(at.plans) >= 10_000:
            at.plans.clear()  # the shapes of long-gone examples
        calls = at.plans[shape] = _plan(p, at, shape)
    return calls


@dataclass
class _Fresh:
    """What one reading's views gave, taken back in the order :func:`_plan` read them."""

    fields: dict[str, Any]  # Observation fields read whole: read again or carried over
    holders: dict[str, int]  # rETH balances read again
    minipools: dict[str, list[Any]]  # per minipool read again, its _MINIPOOL_VIEWS
    nodes: dict[str, list[Any]]  # per node read again, its _NODE_VIEWS
    queue_length: int | None  # None: the queue was not read again


def _take_back(
    values: Iterator[Any], shape: _Shape, names: list[str], old: Observation | None
) -> _Fresh:
    """The ``values`` of a reading, in order; what the reading left out, carried from ``old``."""
    carried = old if old is not None else Observation()
    fields: dict[str, Any] = {"reth_supply": next(values) if shape.supply else carried.reth_supply}
    holders = {h: next(values) for h in shape.holders}
    for views, stale in ((_POOL_VIEWS, shape.pool), (_REPORT_VIEWS, shape.report)):
        for f, _ in views:
            fields[f] = next(values) if stale else getattr(carried, f)
    minipools = {a: [next(values) for _ in _MINIPOOL_VIEWS] for a in shape.minipools}
    nodes = {n: [next(values) for _ in _NODE_VIEWS] for n in shape.nodes}
    fields["exchange_rate"] = next(values) if shape.rate else carried.exchange_rate
    queue_length = next(values) if shape.queue else None
    fields["vault_balances"] = (
        dict(zip(names, [next(values) for _ in names], strict=True))
        if shape.vault
        else carried.vault_balances
    )
    fields["minipool_count"] = next(values) if shape.nodes_stale else carried.minipool_count
    fields["auction_rpl"] = next(values) if shape.auction else carried.auction_rpl
    return _Fresh(fields, holders, minipools, nodes, queue_length)


def _queue(p: Any, at: _Layout, length: int | None, old: Observation | None) -> tuple[str, ...]:
    """The queue's entries, read when its ``length`` was (a second read); else ``old``'s."""
    if length is None:
        return old.queue
    entries = [(at.queue.getMinipoolAt, (i,)) for i in range(length)]
    return tuple(norm(a) for a in _run(p, entries))


def _minipools(
    model: Model, balance: Callable[[str], int], fresh: dict[str, list[Any]], old: Any
) -> dict[str, MinipoolObservation]:
    """Every minipool the model knows, with its ETH: ``fresh`` ones as read, the rest carried."""
    minipools = {}
    for a in model.minipools:
        eth = balance(a)
        fields = fresh.get(a)
        if fields is not None:
            minipools[a] = MinipoolObservation(a, *fields, eth=eth)
        else:
            kept = old.minipools[a]
            # Frozen: an unchanged reading is shared, not copied.
            minipools[a] = kept if kept.eth == eth else replace(kept, eth=eth)
    return minipools


def _nodes(model: Model, fresh: dict[str, list[Any]], old: Any) -> dict[str, NodeObservation]:
    """Every node the model knows: the ``fresh`` ones as read, the rest carried over."""
    nodes = {}
    for n in model.nodes:
        fields = fresh.get(n)
        nodes[n] = NodeObservation(n, *fields) if fields is not None else old.nodes[n]
    return nodes


def _eth_and_beacon(at: _Layout, model: Model, actors: Iterable[str]) -> dict[str, int | dict]:
    """The fields read every time: ETH balances (but the minipools'), and the beacon chain's."""
    balance, beacon = at.balance, model.beacon
    return {
        "reth_eth": balance(at.reth_address),
        "vault_eth": balance(at.vault_address),
        "actor_eth": {a: balance(a) for a in (norm(actor) for actor in actors)},
        "contract_eth": {name: balance(address) for name, address in at.contract_addresses},
        "deposit_contract_eth": balance(at.deposit_contract_address),
        "beacon_balance": beacon.total_balance_gwei() * GWEI,
        "beacon_rewards": beacon.total_rewards * GWEI,
        "beacon_penalties": beacon.total_penalties * GWEI,
        "beacon_deposited": sum(v.deposited for v in beacon.validators) * GWEI,
        "fees_received": model.fees_received,
        "distributor_eth": {n: balance(model.distributor_address(n)) for n in model.nodes}
        if model.has_distributors()
        else {},
    }


def _plan(p: Any, at: _Layout, shape: _Shape) -> list[tuple[Any, tuple]]:
    """The view calls a reading of ``shape`` makes, in the order :func:`_take_back` takes them.

    Cost of a full read: ``13 + V + H + Q + 7 N + 6 K`` view calls for ``V``
    vault names (17 by default), ``H`` rETH holders (as the model knows
    them), ``Q`` queued minipools, ``N`` minipools and ``K`` nodes, at about
    0.2-1 ms each on py-evm; plus ``M + N + 18`` balance reads for ``M``
    actors, which cost next to nothing. The calls are read in one go through
    the chain's ``read_views``: on revm, the plain getters (the minipools',
    the nodes', the last report's) are storage words and the rest a single
    EVM call (the queue's entries, whose number is read with the rest, take
    a second).
    """
    reth, deposit_pool, balances = at.reth, at.pool, at.balances
    calls: list[tuple[Any, tuple]] = []
    if shape.supply:
        calls.append((reth.totalSupply, ()))
    calls += [(reth.balanceOf, (h,)) for h in shape.holders]
    if shape.pool:
        calls += [(getattr(deposit_pool, view), ()) for _, view in _POOL_VIEWS]
    if shape.report:
        calls += [(getattr(balances, view), ()) for _, view in _REPORT_VIEWS]
    for a in shape.minipools:
        handle = p.minipool_at(a)
        calls += [(getattr(handle, view), ()) for _, view in _MINIPOOL_VIEWS]
    for n in shape.nodes:
        calls += [(view, (n,)) for _, view in at.node_views]
    if shape.rate:
        calls.append((reth.getExchangeRate, ()))
    if shape.queue:
        calls.append((at.queue.getLength, ()))
    if shape.vault:
        calls += [(at.vault.balanceOf, (name,)) for name in at.names]
    if shape.nodes_stale:
        calls.append((at.minipool_manager.getMinipoolCount, ()))
    if shape.auction:
        calls.append((at.auction_manager.getTotalRPLBalance, ()))
    return calls


def _run(p: Any, calls: list[tuple[Any, tuple]], key: Any = None) -> list[Any]:
    """The values of ``calls``, through the chain's ``read_views`` (:mod:`harness.chain.backend`).

    On revm storage reads and one EVM call read them all (``key`` names the
    list, so the chain need not hash it); on titanoboa they are made one by
    one.
    """
    if not calls:
        return []
    read_views = getattr(getattr(p, "chain", None), "read_views", None)
    if read_views is None:  # a facade without a chain (tests' fakes)
        return [function(*args) for function, args in calls]
    return read_views(calls, key)


def _always(contracts: Any) -> bool:
    return True


__all__ = ["MinipoolObservation", "NodeObservation", "Observation", "StorageWrites", "observe"]
