"""One reading of the chain per step: everything the invariant checks compare.

View calls are what costs on py-evm (about 0.25 ms each), so :func:`observe`
reads every value exactly once and the checks work on the plain record it
returns. An :class:`Observation` holds no contract handles, so tests build
fake ones by hand and perturb real ones with ``dataclasses.replace``.

Addresses are keys as the model keys them (lower-case hex, see
:func:`harness.model.norm`); amounts are wei.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import boa

from harness.beacon import GWEI
from harness.deploy import NETWORK_CONTRACTS
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
    deposit contract), ``deposit_contract_eth``. Beacon chain (wei):
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

    @property
    def accounted_eth(self) -> int:
        """ETH the conservation law counts: the execution layer and the beacon chain.

        Actors + rETH + vault + other protocol contracts + minipools +
        validator balances. The deposit contract is left out: its ETH is
        the beacon balances' origin, counted there.
        """
        return (
            sum(self.actor_eth.values())
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


def _minipool(p: Any, address: str) -> MinipoolObservation:
    handle = p.minipool_at(address)
    return MinipoolObservation(
        address=address,
        status=handle.getStatus(),
        node_deposit=handle.getNodeDepositBalance(),
        user_deposit=handle.getUserDepositBalance(),
        refund=handle.getNodeRefundBalance(),
        slash=handle.getNodeSlashBalance(),
        finalised=handle.getFinalised(),
        user_distributed=handle.getUserDistributed(),
        eth=p.balance(address),
    )


def _node(p: Any, address: str) -> NodeObservation:
    manager = p.minipool_manager
    return NodeObservation(
        address=address,
        eth_matched=manager.getNodeETHMatched(address),
        eth_provided=manager.getNodeETHProvided(address),
        rpl_stake=p.node_staking.getNodeRPLStake(address),
        staking_count=manager.getNodeStakingMinipoolCount(address),
        active_count=manager.getNodeActiveMinipoolCount(address),
        finalised_count=manager.getNodeFinalisedMinipoolCount(address),
    )


class StorageWrites:
    """Which contracts wrote storage since the last :meth:`take`: what may have changed.

    Titanoboa records every SSTORE's (contract, slot) in
    ``boa.env.sstore_trace``; this wraps that record so it also notes the
    contract, and :meth:`take` hands over and clears the set. A write that
    was later reverted is still noted: that only costs a needless re-read.

    On revm (``chain``, see :mod:`harness.backend`) there is no per-slot
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
    (and ``actors``, whose ETH and rETH are read); the beacon chain read is
    ``model.beacon``, the one whose payments the model is told about.
    ``actors`` must include every address that can receive ETH from the
    protocol (depositors, nodes, withdrawal addresses, bidders) for the
    conservation law to balance.

    ``vault_names`` limits the vault's per-contract balances read (default:
    every name in ``harness.deploy.NETWORK_CONTRACTS``). Only the deposit
    pool keeps ETH in the vault, and ETH booked to any other name still
    breaks ``vault ETH == sum of the balances read``, so
    ``("rocketDepositPool",)`` detects as much and saves 16 view calls; the
    full list only says which name it was booked to.

    Incremental reading: given the ``previous`` observation and the set of
    contracts ``written`` since it was taken (see :class:`StorageWrites`),
    a group of views is read again only when a contract it reads from was
    written; the rest is carried over. The groups and what they read:
    rETH supply and balances (rETH), the rate (rETH, network balances), the
    deposit pool (pool, vault, queue, settings), the queue, the vault, the
    last report (network balances), each minipool (itself), the nodes and
    the live minipool count (minipool manager, node staking), the auction
    (auction manager, vault); every group also reads the directory. The
    assumption is that a view's value changes only with the storage of the
    contracts it reads (none of them reads the time); ETH balances and the
    beacon chain are read every time, at next to no cost.

    Cost of a full read: ``13 + V + H + Q + 7 N + 6 K`` view calls for ``V``
    vault names (17 by default), ``H`` rETH holders, ``Q`` queued
    minipools, ``N`` minipools and ``K`` nodes, at about 0.2-1 ms each on
    py-evm; plus ``M + N + 18`` balance reads for ``M`` actors, which cost
    next to nothing.
    """
    actors = [norm(a) for a in actors]
    names = [spec.name for spec in NETWORK_CONTRACTS] if vault_names is None else list(vault_names)
    holders = sorted(set(actors) | set(model.reth_balances))
    reth, pool, balances = p.reth, p.deposit_pool, p.network_balances
    queue_contract = p.minipool_queue
    beacon = model.beacon
    old = previous if previous is not None and written is not None else None
    directory = _address(p.storage)

    def stale(*contracts: Any) -> bool:
        return old is None or directory in written or any(_address(c) in written for c in contracts)

    if stale(reth):
        reth_supply = reth.totalSupply()
        reth_balances = {h: reth.balanceOf(h) for h in holders}
    else:
        reth_supply = old.reth_supply
        reth_balances = {
            h: old.reth_balances[h] if h in old.reth_balances else reth.balanceOf(h)
            for h in holders
        }
    pool_fields = (
        dict(
            pool_balance=pool.getBalance(),
            pool_node_balance=pool.getNodeBalance(),
            pool_user_balance=pool.getUserBalance(),
            pool_excess=pool.getExcessBalance(),
        )
        if stale(pool, p.vault, queue_contract, p.settings)
        else {}
    )
    report_fields = (
        dict(
            reported_total_eth=balances.getTotalETHBalance(),
            reported_staking_eth=balances.getStakingETHBalance(),
            reported_reth_supply=balances.getTotalRETHSupply(),
            reported_block=balances.getBalancesBlock(),
        )
        if stale(balances)
        else {}
    )
    minipools = {
        a: _minipool(p, a)
        if old is None or a not in old.minipools or stale(a)
        else replace(old.minipools[a], eth=p.balance(a))
        for a in model.minipools
    }
    nodes_stale = stale(p.minipool_manager, p.node_staking)
    nodes = {
        n: _node(p, n) if nodes_stale or n not in old.nodes else old.nodes[n] for n in model.nodes
    }
    carried = old if old is not None else Observation()
    return replace(
        carried,
        reth_supply=reth_supply,
        reth_balances=reth_balances,
        reth_eth=p.balance(reth),
        exchange_rate=reth.getExchangeRate() if stale(reth, balances) else old.exchange_rate,
        **pool_fields,
        queue=tuple(
            norm(queue_contract.getMinipoolAt(i)) for i in range(queue_contract.getLength())
        )
        if stale(queue_contract)
        else old.queue,
        vault_eth=p.balance(p.vault),
        vault_balances={name: p.vault.balanceOf(name) for name in names}
        if stale(p.vault)
        else old.vault_balances,
        **report_fields,
        minipools=minipools,
        minipool_count=p.minipool_manager.getMinipoolCount() if nodes_stale else old.minipool_count,
        nodes=nodes,
        auction_rpl=p.auction_manager.getTotalRPLBalance()
        if stale(p.auction_manager, p.vault)
        else old.auction_rpl,
        actor_eth={a: p.balance(a) for a in actors},
        contract_eth={
            name: p.balance(contract)
            for name, contract in [("storage", p.storage), *p.contracts.items()]
            if name not in _OWN_FIELDS
        },
        deposit_contract_eth=p.balance(p.deposit_contract),
        beacon_balance=beacon.total_balance_gwei() * GWEI,
        beacon_rewards=beacon.total_rewards * GWEI,
        beacon_penalties=beacon.total_penalties * GWEI,
        beacon_deposited=sum(v.deposited for v in beacon.validators) * GWEI,
    )


def _address(contract: Any) -> str:
    return str(getattr(contract, "address", contract)).lower()


__all__ = ["MinipoolObservation", "NodeObservation", "Observation", "StorageWrites", "observe"]
