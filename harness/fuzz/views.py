"""Every public view, read against the reference model: the ``read_view`` step.

Auditors, front ends and the oDAO's own software read the protocol through
its views, so a view that reverts in a reachable state, or answers other
than the rules say, is a bug even when no transaction goes wrong. Each
entry of :data:`VIEWS` names a view, the arguments it takes (drawn by the
machine: a node, an oDAO member, a minipool, a lot, an amount, a settings
path, an index, a token holder or spender, a contract name) and the value
it must return. A view with no expected value must still answer.

Every view and getter of every deployable contract (its ABI: see
:func:`deployed_views`) has an entry with the model's value, or a one-line
reason in :data:`UNMODELLED`; ``tests/fuzz/test_views_complete.py`` holds
that. Besides the ``read_view`` rule's random reads, each successful step
is followed by reads of the views it can change (:mod:`harness.fuzz.followups`).

A step is ``{"rule": "read_view", "args": {"view": "node_staking.getNodeRPLStake",
"node": "node_operator_1"}}``. A minipool is its creation index, as in every
step; a lot index may be one past the last lot (a lot that does not exist
must read as empty); a list index (``index``) is taken modulo the list's
length when the step runs, so every recorded step stays valid on replay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vyper.compiler.output import build_abi_output

from harness.chain.backend import Reverted
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR, NETWORK_CONTRACTS
from harness.chain.reverts import revert_reason
from harness.chain.revm import compiled
from harness.model import ZERO_ADDRESS, Lot, Model, mul_div, norm
from harness.model import economics as econ
from harness.model.limits import STAKE_VALUE, can_stake, maximum_deposit, reduction_window_open
from harness.model.tokens import (
    RETH_NAME,
    RETH_SYMBOL,
    RPL_NAME,
    RPL_SYMBOL,
    RPL_TOTAL_SUPPLY,
    TOKEN_DECIMALS,
)
from harness.units import ETH, ONE
from invariants import InvariantViolation

# Amounts views are asked about: zero, dust, typical, the two bonds, a launch
# balance, a lot.
AMOUNTS = (0, 1, 10**16, ETH + 7, 8 * ETH, 16 * ETH, 32 * ETH, 1_000 * ETH)
# Blocks ahead of the current one, for auction prices.
BLOCK_OFFSETS = (0, 1_000, 60_000)
# Contract names views are asked about: every one the deployment registers, the
# directory itself (which it does not register) and a name nobody has.
CONTRACT_NAMES = (
    *(spec.name for spec in NETWORK_CONTRACTS),
    "rocketStorage",
    "rocketNothingRegistered",
)
# Contracts that hold tokens or are approved to take them, by directory name; with
# the actors, the addresses a balance, an allowance or a name is asked about.
CONTRACT_HOLDERS = (
    "rocketVault",
    "rocketNodeStaking",
    "rocketAuctionManager",
    "rocketDepositPool",
    "rocketTokenRETH",
    "rocketMinipoolManager",
)
_ATTRS = {spec.name: spec.attr for spec in NETWORK_CONTRACTS}


class Reverts:
    """Expected value of a view that must revert (with this reason, or any when None)."""

    def __init__(self, reason: str | None = None):
        self.reason = reason

    def __repr__(self) -> str:
        return f"a revert ({self.reason})" if self.reason else "a revert"


@dataclass
class Read:
    """What a view is read with: the chain, the model and the drawn arguments."""

    ctx: Any  # harness.fuzz.steps.StepContext
    model: Model
    args: dict[str, Any]

    @property
    def p(self) -> Any:
        return self.ctx.p

    @property
    def block(self) -> int:
        return self.p.chain.block_number

    @property
    def now(self) -> int:
        return self.p.now()

    def who(self, key: str) -> str:
        return self.ctx.who(self.args[key])

    @property
    def node(self) -> str:
        return self.who("node")

    @property
    def node_state(self) -> Any:
        return self.model.nodes.get(norm(self.node))

    @property
    def minipool_address(self) -> str:
        return self.ctx.minipools[self.args["minipool"]]

    @property
    def minipool(self) -> Any:
        return self.p.minipool_at(self.minipool_address)

    @property
    def mp(self) -> Any:
        return self.model.minipools[norm(self.minipool_address)]

    @property
    def lot_index(self) -> int:
        return self.args["lot"]

    @property
    def lot(self) -> Lot | None:
        index = self.lot_index
        return self.model.lots[index] if index < len(self.model.lots) else None

    def index(self, count: int) -> int | None:
        return self.args["index"] % count if count else None

    def address(self, key: str) -> str:
        """The address of argument ``key``: an actor's role name, or a directory name."""
        name = self.args[key]
        if name in self.ctx.actors:
            return self.ctx.who(name)
        return str(getattr(self.p, _ATTRS[name]).address)

    def count(self, modelled: Callable[[Model], int], read: Callable[[], int]) -> int:
        """A list's length for drawing an index: the model's when checking, else the chain's.

        So the view and its expectation read the same position, and a bare
        replay (no model) still reads a valid one.
        """
        return modelled(self.model) if self.ctx.cp.check else read()


@dataclass(frozen=True)
class View:
    """One view: the arguments it needs, how to call it, and what it must return."""

    needs: tuple[str, ...]
    call: Callable[[Read], Any]
    expect: Callable[[Read], Any] | None = None


def _settings_getter(path: str) -> View:
    return View(
        (), lambda r: getattr(r.p.settings, _GETTERS[path])(), lambda r: r.model.settings[path]
    )


_GETTERS = {
    "deposit.enabled": "getDepositEnabled",
    "deposit.assign.enabled": "getAssignDepositsEnabled",
    "deposit.minimum": "getMinimumDeposit",
    "deposit.pool.maximum": "getMaximumDepositPoolSize",
    "deposit.fee": "getDepositFee",
    "deposit.assign.maximum": "getMaximumDepositAssignments",
    "deposit.assign.socialised.maximum": "getMaximumDepositSocialisedAssignments",
    "network.consensus.threshold": "getNodeConsensusThreshold",
    "network.submit.balances.enabled": "getSubmitBalancesEnabled",
    "network.submit.balances.frequency": "getSubmitBalancesFrequency",
    "network.submit.prices.enabled": "getSubmitPricesEnabled",
    "network.submit.prices.frequency": "getSubmitPricesFrequency",
    "network.reth.collateral.target": "getTargetRethCollateralRate",
    "network.node.fee.minimum": "getMinimumNodeFee",
    "network.node.fee.target": "getTargetNodeFee",
    "network.node.fee.maximum": "getMaximumNodeFee",
    "network.penalty.threshold": "getNodePenaltyThreshold",
    "network.penalty.per.rate": "getPerPenaltyRate",
    "minipool.launch.timeout": "getLaunchTimeout",
    "minipool.scrub.period": "getScrubPeriod",
    "minipool.scrub.quorum": "getScrubQuorum",
    "minipool.scrub.penalty.enabled": "getScrubPenaltyEnabled",
    "minipool.scrub.penalty": "getScrubPenalty",
    "minipool.bond.reduction.enabled": "getBondReductionEnabled",
    "minipool.bond.reduction.window.start": "getBondReductionWindowStart",
    "minipool.bond.reduction.window.length": "getBondReductionWindowLength",
    "minipool.user.distribute.window.start": "getUserDistributeWindowStart",
    "minipool.user.distribute.window.length": "getUserDistributeWindowLength",
    "node.registration.enabled": "getRegistrationEnabled",
    "node.deposit.enabled": "getNodeDepositEnabled",
    "node.per.minipool.stake.minimum": "getMinimumPerMinipoolStake",
    "node.per.minipool.stake.maximum": "getMaximumPerMinipoolStake",
    "node.rpl.withdrawal.cooldown": "getRPLWithdrawalCooldown",
    "auction.lot.create.enabled": "getCreateLotEnabled",
    "auction.lot.bidding.enabled": "getBidOnLotEnabled",
    "auction.lot.value.minimum": "getLotMinimumEthValue",
    "auction.lot.value.maximum": "getLotMaximumEthValue",
    "auction.lot.duration": "getLotDuration",
    "auction.price.start": "getStartingPriceRatio",
    "auction.price.reserve": "getReservePriceRatio",
}
# Each setting's own getter, by path (the follow-up reads after a change use it).
SETTING_GETTERS: dict[str, str] = _GETTERS


# --------------------------------------------------------------------------- expectations
def _valid_votes(model: Model, votes: dict[str, int]) -> int:
    return sum(1 for member, nonce in votes.items() if model.members.get(member) == nonce)


def _credentials(address: str) -> bytes:
    return b"\x01" + b"\x00" * 11 + bytes.fromhex(norm(address)[2:])


def _node_share(r: Read) -> int:
    mp = r.mp
    rate = r.model.penalty_rate(mp.address)
    return econ.node_share(r.args["amount"], mp.user_capital, mp.bond, mp.fee, rate)


def _reduce_window_open(r: Read) -> bool:
    return reduction_window_open(r.model, r.mp, r.now)


def _can_stake(r: Read) -> bool:
    return can_stake(r.model, r.minipool_address, r.now)


def _reth_value(r: Read) -> Any:
    report, amount = r.model.report, r.args["amount"]
    if report.reth_supply and not report.total_eth:
        return Reverts("reth: network ETH balance is zero")
    return r.model.reth_value(amount)


def _collateral_rate(r: Read) -> int:
    value = r.model.eth_value(r.model.reth_supply)
    return ONE if value == 0 else ONE * r.model.reth_eth // value


def _top_up(r: Read) -> Any:
    # A closed minipool has no bond left: bond - 1 ETH underflows.
    return r.mp.bond - ETH if r.mp.bond >= ETH else Reverts()


def _live_minipools(r: Read) -> list[str]:
    return [a for a, mp in r.model.minipools.items() if not mp.destroyed]


def _node_live_minipools(r: Read) -> list[str]:
    state = r.node_state
    if state is None:
        return []
    return [a for a in state.minipools if not r.model.minipools[norm(a)].destroyed]


def _at(items: Callable[[Read], list[str]], read: Callable[[Read], Callable[[], int]]):
    """An indexed list view's call argument: ``index`` modulo the list's length (None: empty)."""
    return lambda r: r.index(r.count(lambda m: len(items(r)), read(r)))


def _member_at(r: Read) -> int | None:
    return _at(lambda r: r.model.member_list, lambda r: r.p.odao.getMemberCount)(r)


def _minipool_at(r: Read) -> int | None:
    return _at(lambda r: r.model.minipool_list, lambda r: r.p.minipool_manager.getMinipoolCount)(r)


def _node_minipool_list(r: Read) -> list[str]:
    state = r.node_state
    return [] if state is None else state.minipools


def _node_minipool_at(r: Read) -> int | None:
    return _at(
        _node_minipool_list,
        lambda r: lambda: r.p.minipool_manager.getNodeMinipoolCount(r.node),
    )(r)


def _distributor(r: Read) -> Any:
    """The drawn node's fee distributor once it exists (registered), else the bare delegate.

    Every node's distributor runs the delegate's code; an unregistered node's
    address holds none, so its views are asked of the delegate itself, which
    must answer as an uninitialised distributor.
    """
    distributor = r.p.distributor(r.node)
    return distributor if r.p.chain.get_code(distributor.address) else r.p.distributor_delegate


def _distributor_share(which: int) -> Callable[[Read], Any]:
    def expect(r: Read) -> Any:
        if r.node_state is None:
            return Reverts("node distributor: not initialised")
        return r.model.distributor_shares(r.node)[which]

    return expect


def _votes_key(r: Read) -> tuple:
    """The balances report ``getSubmissionVotes`` is asked about: the pending one, else the last."""
    if not r.ctx.cp.check:
        return (0, 0, 0, 0, 0)
    report = r.model.report
    pending = r.model.pending_report("balances")
    if pending is not None:
        return pending
    return (
        report.block,
        report.slot_timestamp,
        report.total_eth,
        report.staking_eth,
        report.reth_supply,
    )


def _storage_immutable(attr: str) -> View:
    """``ROCKET_STORAGE`` of the contract at facade attribute ``attr``: the directory's address."""
    return View((), lambda r: getattr(r.p, attr).ROCKET_STORAGE(), lambda r: r.model.storage)


def _lot_field(name: str, default: Any = 0) -> Callable[[Read], Any]:
    return lambda r: default if r.lot is None else getattr(r.lot, name)


def _lot_price(fn: Callable[[Lot, int], Any], default: Any = 0) -> Callable[[Read], Any]:
    return lambda r: default if r.lot is None else fn(r.lot, r.block)


def _node(name: str) -> Callable[[Read], Any]:
    return lambda r: 0 if r.node_state is None else getattr(r.node_state, name)


def _mp_field(name: str) -> Callable[[Read], Any]:
    return lambda r: getattr(r.mp, name)


VIEWS: dict[str, View] = {
    # ------------------------------------------------------------------ rETH
    "reth.getEthValue": View(
        ("amount",),
        lambda r: r.p.reth.getEthValue(r.args["amount"]),
        lambda r: r.model.eth_value(r.args["amount"]),
    ),
    "reth.getRethValue": View(
        ("amount",), lambda r: r.p.reth.getRethValue(r.args["amount"]), _reth_value
    ),
    "reth.getExchangeRate": View(
        (), lambda r: r.p.reth.getExchangeRate(), lambda r: r.model.eth_value(ONE)
    ),
    "reth.getTotalCollateral": View(
        (),
        lambda r: r.p.reth.getTotalCollateral(),
        lambda r: r.model.excess_balance() + r.model.reth_eth,
    ),
    "reth.getCollateralRate": View((), lambda r: r.p.reth.getCollateralRate(), _collateral_rate),
    "reth.totalSupply": View((), lambda r: r.p.reth.totalSupply(), lambda r: r.model.reth_supply),
    # ------------------------------------------------------------------ deposit pool
    "deposit_pool.getMaximumDepositAmount": View(
        (), lambda r: r.p.deposit_pool.getMaximumDepositAmount(), lambda r: maximum_deposit(r.model)
    ),
    "deposit_pool.getBalance": View(
        (), lambda r: r.p.deposit_pool.getBalance(), lambda r: r.model.pool_balance
    ),
    "deposit_pool.getNodeBalance": View(
        (), lambda r: r.p.deposit_pool.getNodeBalance(), lambda r: r.model.pool_node_balance
    ),
    "deposit_pool.getUserBalance": View(
        (), lambda r: r.p.deposit_pool.getUserBalance(), lambda r: r.model.user_balance()
    ),
    "deposit_pool.getExcessBalance": View(
        (), lambda r: r.p.deposit_pool.getExcessBalance(), lambda r: r.model.excess_balance()
    ),
    # ------------------------------------------------------------------ queue
    "minipool_queue.getLength": View(
        (), lambda r: r.p.minipool_queue.getLength(), lambda r: len(r.model.queue)
    ),
    "minipool_queue.getEffectiveCapacity": View(
        (),
        lambda r: r.p.minipool_queue.getEffectiveCapacity(),
        lambda r: len(r.model.queue) * STAKE_VALUE,
    ),
    "minipool_queue.getMinipoolAt": View(
        ("index",),
        lambda r: (
            r.p.minipool_queue.getMinipoolAt(r.index(len(r.model.queue))) if r.model.queue else None
        ),
        lambda r: r.model.queue[r.index(len(r.model.queue))] if r.model.queue else None,
    ),
    "minipool_queue.getContainsMinipool": View(
        ("minipool",),
        lambda r: r.p.minipool_queue.getContainsMinipool(r.minipool_address),
        lambda r: norm(r.minipool_address) in r.model.queue,
    ),
    # ------------------------------------------------------------------ balances and prices
    "network_balances.getBalancesBlock": View(
        (), lambda r: r.p.network_balances.getBalancesBlock(), lambda r: r.model.report.block
    ),
    "network_balances.getTotalETHBalance": View(
        (), lambda r: r.p.network_balances.getTotalETHBalance(), lambda r: r.model.report.total_eth
    ),
    "network_balances.getStakingETHBalance": View(
        (),
        lambda r: r.p.network_balances.getStakingETHBalance(),
        lambda r: r.model.report.staking_eth,
    ),
    "network_balances.getTotalRETHSupply": View(
        (),
        lambda r: r.p.network_balances.getTotalRETHSupply(),
        lambda r: r.model.report.reth_supply,
    ),
    "network_balances.getETHUtilizationRate": View(
        (),
        lambda r: r.p.network_balances.getETHUtilizationRate(),
        lambda r: (
            ONE * r.model.report.staking_eth // r.model.report.total_eth
            if r.model.report.total_eth
            else ONE
        ),
    ),
    "network_balances.getSubmissionVotes": View(
        (),
        lambda r: r.p.network_balances.getSubmissionVotes(*_votes_key(r)),
        lambda r: r.model._count_valid(r.model._balance_votes.get(_votes_key(r), [])),
    ),
    "network_prices.getRPLPrice": View(
        (), lambda r: r.p.network_prices.getRPLPrice(), lambda r: r.model.rpl_price
    ),
    "network_prices.getPricesBlock": View(
        (), lambda r: r.p.network_prices.getPricesBlock(), lambda r: r.model.prices_block
    ),
    # ------------------------------------------------------------------ oDAO and settings
    "odao.getMemberCount": View(
        (), lambda r: r.p.odao.getMemberCount(), lambda r: len(r.model.members)
    ),
    "odao.getMemberAt": View(
        ("index",),
        lambda r: None if _member_at(r) is None else r.p.odao.getMemberAt(_member_at(r)),
        lambda r: None if _member_at(r) is None else r.model.member_list[_member_at(r)],
    ),
    "odao.getMemberIsValid": View(
        ("member",),
        lambda r: r.p.odao.getMemberIsValid(r.who("member")),
        lambda r: norm(r.who("member")) in r.model.members,
    ),
    "odao.getMemberNonce": View(
        ("member",),
        lambda r: r.p.odao.getMemberNonce(r.who("member")),
        lambda r: r.model.members.get(norm(r.who("member")), 0),
    ),
    "odao.getMemberJoinedTime": View(
        ("member",),
        lambda r: r.p.odao.getMemberJoinedTime(r.who("member")),
        lambda r: r.model.member_joined.get(norm(r.who("member")), 0),
    ),
    "settings.getSettingUint": View(
        ("uint_path",),
        lambda r: r.p.settings.getSettingUint(r.args["uint_path"]),
        lambda r: r.model.settings[r.args["uint_path"]],
    ),
    "settings.getSettingBool": View(
        ("bool_path",),
        lambda r: r.p.settings.getSettingBool(r.args["bool_path"]),
        lambda r: r.model.settings[r.args["bool_path"]],
    ),
    **{f"settings.{getter}": _settings_getter(path) for path, getter in _GETTERS.items()},
    # ------------------------------------------------------------------ nodes
    "node_manager.getNodeExists": View(
        ("node",),
        lambda r: r.p.node_manager.getNodeExists(r.node),
        lambda r: r.node_state is not None,
    ),
    "node_manager.getNodeCount": View(
        (), lambda r: r.p.node_manager.getNodeCount(), lambda r: len(r.model.nodes)
    ),
    "node_manager.getNodeAt": View(
        ("index",),
        lambda r: (
            r.p.node_manager.getNodeAt(r.index(len(r.model.nodes))) if r.model.nodes else None
        ),
        lambda r: list(r.model.nodes)[r.index(len(r.model.nodes))] if r.model.nodes else None,
    ),
    "node_manager.getNodeTimezoneLocation": View(
        ("node",),
        lambda r: r.p.node_manager.getNodeTimezoneLocation(r.node),
        # Set at registration, changed by setTimezoneLocation; "" for an unregistered address.
        lambda r: "" if r.node_state is None else r.node_state.timezone,
    ),
    "node_manager.getNodeRegistrationTime": View(
        ("node",),
        lambda r: r.p.node_manager.getNodeRegistrationTime(r.node),
        _node("registered_time"),
    ),
    "node_manager.getFeeDistributorInitialised": View(
        ("node",),
        lambda r: r.p.node_manager.getFeeDistributorInitialised(r.node),
        # Created when a node registers (a deployment with the factory).
        lambda r: r.model.has_distributors() and norm(r.node) in r.model.nodes,
    ),
    "node_manager.getAverageNodeFee": View(
        ("node",),
        lambda r: r.p.node_manager.getAverageNodeFee(r.node),
        lambda r: r.model.average_node_fee(r.node),
    ),
    "node_manager.getNodeWithdrawalAddress": View(
        ("node",),
        lambda r: r.p.node_manager.getNodeWithdrawalAddress(r.node),
        lambda r: r.model.withdrawal_address(r.node),
    ),
    "node_manager.getNodePendingWithdrawalAddress": View(
        ("node",),
        lambda r: r.p.node_manager.getNodePendingWithdrawalAddress(r.node),
        lambda r: (r.node_state and r.node_state.pending_withdrawal_address) or ZERO_ADDRESS,
    ),
    "node_deposit.getDepositCredit": View(
        ("node",), lambda r: r.p.node_deposit.getDepositCredit(r.node), _node("deposit_credit")
    ),
    "node_deposit.getNodeUsableCredit": View(
        ("node",),
        lambda r: r.p.node_deposit.getNodeUsableCredit(r.node),
        lambda r: r.model.usable_credit(r.node),
    ),
    "node_deposit.getNodeFee": View(
        (), lambda r: r.p.node_deposit.getNodeFee(), lambda r: r.model.network_node_fee()
    ),
    "node_deposit.isValidDepositAmount": View(
        ("amount",),
        lambda r: r.p.node_deposit.isValidDepositAmount(r.args["amount"]),
        lambda r: r.args["amount"] in (8 * ETH, 16 * ETH),
    ),
    "node_deposit.getDepositAmounts": View(
        (), lambda r: list(r.p.node_deposit.getDepositAmounts()), lambda r: [16 * ETH, 8 * ETH]
    ),
    "node_staking.getTotalRPLStake": View(
        (), lambda r: r.p.node_staking.getTotalRPLStake(), lambda r: r.model.total_rpl_stake
    ),
    "node_staking.getNodeRPLStake": View(
        ("node",), lambda r: r.p.node_staking.getNodeRPLStake(r.node), _node("rpl_stake")
    ),
    "node_staking.getNodeRPLStakedTime": View(
        ("node",), lambda r: r.p.node_staking.getNodeRPLStakedTime(r.node), _node("rpl_staked_time")
    ),
    "node_staking.getNodeETHMatched": View(
        ("node",), lambda r: r.p.node_staking.getNodeETHMatched(r.node), _node("eth_matched")
    ),
    "node_staking.getNodeETHProvided": View(
        ("node",), lambda r: r.p.node_staking.getNodeETHProvided(r.node), _node("eth_provided")
    ),
    "node_staking.getNodeETHMatchedLimit": View(
        ("node",),
        lambda r: r.p.node_staking.getNodeETHMatchedLimit(r.node),
        lambda r: r.model.eth_matched_limit(r.node),
    ),
    "node_staking.getNodeMinimumRPLStake": View(
        ("node",),
        lambda r: r.p.node_staking.getNodeMinimumRPLStake(r.node),
        lambda r: mul_div(
            r.node_state.eth_matched if r.node_state else 0,
            r.model.settings["node.per.minipool.stake.minimum"],
            r.model.rpl_price,
            True,
        ),
    ),
    "node_staking.getNodeMaximumRPLStake": View(
        ("node",),
        lambda r: r.p.node_staking.getNodeMaximumRPLStake(r.node),
        lambda r: r.model.maximum_rpl_stake(r.node, True),
    ),
    "node_staking.getNodeEffectiveRPLStake": View(
        ("node",),
        lambda r: r.p.node_staking.getNodeEffectiveRPLStake(r.node),
        lambda r: min(
            r.node_state.rpl_stake if r.node_state else 0, r.model.maximum_rpl_stake(r.node, False)
        ),
    ),
    # ------------------------------------------------------------------ minipool manager
    "minipool_manager.getMinipoolExists": View(
        ("minipool",),
        lambda r: r.p.minipool_manager.getMinipoolExists(r.minipool_address),
        lambda r: not r.mp.destroyed,
    ),
    "minipool_manager.getMinipoolDestroyed": View(
        ("minipool",),
        lambda r: r.p.minipool_manager.getMinipoolDestroyed(r.minipool_address),
        _mp_field("destroyed"),
    ),
    "minipool_manager.getMinipoolNode": View(
        ("minipool",),
        lambda r: r.p.minipool_manager.getMinipoolNode(r.minipool_address),
        _mp_field("node"),
    ),
    "minipool_manager.getMinipoolPubkey": View(
        ("minipool",),
        lambda r: r.p.minipool_manager.getMinipoolPubkey(r.minipool_address),
        _mp_field("pubkey"),
    ),
    "minipool_manager.getMinipoolByPubkey": View(
        ("minipool",),
        lambda r: r.p.minipool_manager.getMinipoolByPubkey(r.mp.pubkey),
        lambda r: r.minipool_address,
    ),
    "minipool_manager.getMinipoolWithdrawalCredentials": View(
        ("minipool",),
        lambda r: r.p.minipool_manager.getMinipoolWithdrawalCredentials(r.minipool_address),
        lambda r: _credentials(r.minipool_address),
    ),
    "minipool_manager.getMinipoolCount": View(
        (), lambda r: r.p.minipool_manager.getMinipoolCount(), lambda r: len(_live_minipools(r))
    ),
    "minipool_manager.getMinipoolAt": View(
        ("index",),
        lambda r: (
            None if _minipool_at(r) is None else r.p.minipool_manager.getMinipoolAt(_minipool_at(r))
        ),
        lambda r: None if _minipool_at(r) is None else r.model.minipool_list[_minipool_at(r)],
    ),
    "minipool_manager.getStakingMinipoolCount": View(
        (),
        lambda r: r.p.minipool_manager.getStakingMinipoolCount(),
        lambda r: sum(n.staking_count for n in r.model.nodes.values()),
    ),
    "minipool_manager.getActiveMinipoolCount": View(
        (),
        lambda r: r.p.minipool_manager.getActiveMinipoolCount(),
        lambda r: sum(n.active_count for n in r.model.nodes.values()),
    ),
    "minipool_manager.getFinalisedMinipoolCount": View(
        (),
        lambda r: r.p.minipool_manager.getFinalisedMinipoolCount(),
        lambda r: sum(n.finalised_count for n in r.model.nodes.values()),
    ),
    "minipool_manager.getNodeMinipoolCount": View(
        ("node",),
        lambda r: r.p.minipool_manager.getNodeMinipoolCount(r.node),
        lambda r: len(_node_live_minipools(r)),
    ),
    "minipool_manager.getNodeMinipoolAt": View(
        ("node", "index"),
        lambda r: (
            None
            if _node_minipool_at(r) is None
            else r.p.minipool_manager.getNodeMinipoolAt(r.node, _node_minipool_at(r))
        ),
        lambda r: (
            None if _node_minipool_at(r) is None else _node_minipool_list(r)[_node_minipool_at(r)]
        ),
    ),
    "minipool_manager.getNodeETHMatched": View(
        ("node",),
        lambda r: r.p.minipool_manager.getNodeETHMatched(r.node),
        _node("eth_matched"),
    ),
    "minipool_manager.getNodeETHProvided": View(
        ("node",),
        lambda r: r.p.minipool_manager.getNodeETHProvided(r.node),
        _node("eth_provided"),
    ),
    "minipool_manager.getNodeStakingMinipoolCount": View(
        ("node",),
        lambda r: r.p.minipool_manager.getNodeStakingMinipoolCount(r.node),
        _node("staking_count"),
    ),
    "minipool_manager.getNodeStakingMinipoolCountBySize": View(
        ("node", "amount"),
        lambda r: r.p.minipool_manager.getNodeStakingMinipoolCountBySize(r.node, r.args["amount"]),
        lambda r: r.model.staking_by_size(r.node).get(r.args["amount"], (0, 0))[0],
    ),
    "minipool_manager.getNodeAverageFeeNumerator": View(
        ("node", "amount"),
        lambda r: r.p.minipool_manager.getNodeAverageFeeNumerator(r.node, r.args["amount"]),
        lambda r: r.model.staking_by_size(r.node).get(r.args["amount"], (0, 0))[1],
    ),
    "minipool_manager.getNodeActiveMinipoolCount": View(
        ("node",),
        lambda r: r.p.minipool_manager.getNodeActiveMinipoolCount(r.node),
        _node("active_count"),
    ),
    "minipool_manager.getNodeFinalisedMinipoolCount": View(
        ("node",),
        lambda r: r.p.minipool_manager.getNodeFinalisedMinipoolCount(r.node),
        _node("finalised_count"),
    ),
    # ------------------------------------------------------------------ a minipool
    "minipool.getStatus": View(
        ("minipool",), lambda r: r.minipool.getStatus(), _mp_field("status")
    ),
    "minipool.getStatusTime": View(
        ("minipool",), lambda r: r.minipool.getStatusTime(), _mp_field("status_time")
    ),
    "minipool.getStatusBlock": View(
        ("minipool",), lambda r: r.minipool.getStatusBlock(), _mp_field("status_block")
    ),
    "minipool.MINIPOOL_MANAGER": View(
        ("minipool",),
        lambda r: r.minipool.MINIPOOL_MANAGER(),
        lambda r: r.model.contract_address("rocketMinipoolManager"),
    ),
    "minipool.ROCKET_STORAGE": View(
        ("minipool",), lambda r: r.minipool.ROCKET_STORAGE(), lambda r: r.model.storage
    ),
    "minipool.getInitialised": View(
        ("minipool",), lambda r: r.minipool.getInitialised(), lambda r: True
    ),
    "minipool.getFinalised": View(
        ("minipool",), lambda r: r.minipool.getFinalised(), _mp_field("finalised")
    ),
    "minipool.getUserDistributed": View(
        ("minipool",), lambda r: r.minipool.getUserDistributed(), _mp_field("user_distributed")
    ),
    "minipool.getUserDistributeTime": View(
        ("minipool",),
        lambda r: r.minipool.getUserDistributeTime(),
        _mp_field("user_distribute_time"),
    ),
    "minipool.userDistributeAllowed": View(
        ("minipool",),
        lambda r: r.minipool.userDistributeAllowed(),
        lambda r: r.model.user_distribute_allowed(r.minipool_address, now=r.now),
    ),
    "minipool.getNodeAddress": View(
        ("minipool",), lambda r: r.minipool.getNodeAddress(), _mp_field("node")
    ),
    "minipool.getNodeFee": View(("minipool",), lambda r: r.minipool.getNodeFee(), _mp_field("fee")),
    "minipool.getNodeDepositBalance": View(
        ("minipool",), lambda r: r.minipool.getNodeDepositBalance(), _mp_field("bond")
    ),
    "minipool.getUserDepositBalance": View(
        ("minipool",), lambda r: r.minipool.getUserDepositBalance(), _mp_field("user_capital")
    ),
    "minipool.getUserDepositAssignedTime": View(
        ("minipool",), lambda r: r.minipool.getUserDepositAssignedTime(), _mp_field("assigned_time")
    ),
    "minipool.getNodeRefundBalance": View(
        ("minipool",), lambda r: r.minipool.getNodeRefundBalance(), _mp_field("refund")
    ),
    "minipool.getNodeSlashBalance": View(
        ("minipool",), lambda r: r.minipool.getNodeSlashBalance(), _mp_field("slash")
    ),
    "minipool.getNodeTopUpValue": View(
        ("minipool",), lambda r: r.minipool.getNodeTopUpValue(), _top_up
    ),
    "minipool.getPreLaunchValue": View(
        ("minipool",), lambda r: r.minipool.getPreLaunchValue(), lambda r: ETH
    ),
    "minipool.getValidatorPubkey": View(
        ("minipool",), lambda r: r.minipool.getValidatorPubkey(), _mp_field("pubkey")
    ),
    "minipool.getWithdrawalCredentials": View(
        ("minipool",),
        lambda r: r.minipool.getWithdrawalCredentials(),
        lambda r: _credentials(r.minipool_address),
    ),
    "minipool.getScrubVoted": View(
        ("minipool", "member"),
        lambda r: r.minipool.getScrubVoted(r.who("member")),
        lambda r: (
            _valid_votes(
                r.model, {k: v for k, v in r.mp.scrub_votes.items() if k == norm(r.who("member"))}
            )
            == 1
        ),
    ),
    "minipool.getTotalScrubVotes": View(
        ("minipool",),
        lambda r: r.minipool.getTotalScrubVotes(),
        lambda r: _valid_votes(r.model, r.mp.scrub_votes),
    ),
    "minipool.canStake": View(("minipool",), lambda r: r.minipool.canStake(), _can_stake),
    "minipool.calculateNodeShare": View(
        ("minipool", "amount"),
        lambda r: r.minipool.calculateNodeShare(r.args["amount"]),
        _node_share,
    ),
    "minipool.calculateUserShare": View(
        ("minipool", "amount"),
        lambda r: r.minipool.calculateUserShare(r.args["amount"]),
        lambda r: r.args["amount"] - _node_share(r),
    ),
    # ------------------------------------------------------------------ bond reducer
    "bond_reducer.getReduceBondTime": View(
        ("minipool",),
        lambda r: r.p.bond_reducer.getReduceBondTime(r.minipool_address),
        _mp_field("reduce_time"),
    ),
    "bond_reducer.getReduceBondValue": View(
        ("minipool",),
        lambda r: r.p.bond_reducer.getReduceBondValue(r.minipool_address),
        _mp_field("reduce_value"),
    ),
    "bond_reducer.getReduceBondCancelled": View(
        ("minipool",),
        lambda r: r.p.bond_reducer.getReduceBondCancelled(r.minipool_address),
        _mp_field("reduction_cancelled"),
    ),
    "bond_reducer.getCancelReductionVotes": View(
        ("minipool",),
        lambda r: r.p.bond_reducer.getCancelReductionVotes(r.minipool_address),
        lambda r: _valid_votes(r.model, r.mp.cancel_votes),
    ),
    "bond_reducer.getLastBondReductionTime": View(
        ("minipool",),
        lambda r: r.p.bond_reducer.getLastBondReductionTime(r.minipool_address),
        _mp_field("last_reduction_time"),
    ),
    "bond_reducer.canReduceBondAmount": View(
        ("minipool",),
        lambda r: r.p.bond_reducer.canReduceBondAmount(r.minipool_address),
        _reduce_window_open,
    ),
    # ------------------------------------------------------------------ auctions
    "auction_manager.getTotalRPLBalance": View(
        (), lambda r: r.p.auction_manager.getTotalRPLBalance(), lambda r: r.model.auction_rpl
    ),
    "auction_manager.getAllottedRPLBalance": View(
        (),
        lambda r: r.p.auction_manager.getAllottedRPLBalance(),
        lambda r: r.model.auction_allotted,
    ),
    "auction_manager.getRemainingRPLBalance": View(
        (),
        lambda r: r.p.auction_manager.getRemainingRPLBalance(),
        lambda r: r.model.auction_rpl - r.model.auction_allotted,
    ),
    "auction_manager.getLotCount": View(
        (), lambda r: r.p.auction_manager.getLotCount(), lambda r: len(r.model.lots)
    ),
    "auction_manager.getLotExists": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotExists(r.lot_index),
        lambda r: r.lot is not None,
    ),
    "auction_manager.getLotStartBlock": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotStartBlock(r.lot_index),
        _lot_field("start_block"),
    ),
    "auction_manager.getLotEndBlock": View(
        ("lot",), lambda r: r.p.auction_manager.getLotEndBlock(r.lot_index), _lot_field("end_block")
    ),
    "auction_manager.getLotStartPrice": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotStartPrice(r.lot_index),
        _lot_field("start_price"),
    ),
    "auction_manager.getLotReservePrice": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotReservePrice(r.lot_index),
        _lot_field("reserve_price"),
    ),
    "auction_manager.getLotTotalRPLAmount": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotTotalRPLAmount(r.lot_index),
        _lot_field("total_rpl"),
    ),
    "auction_manager.getLotTotalBidAmount": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotTotalBidAmount(r.lot_index),
        _lot_field("total_bid"),
    ),
    "auction_manager.getLotAddressBidAmount": View(
        ("lot", "bidder"),
        lambda r: r.p.auction_manager.getLotAddressBidAmount(r.lot_index, r.who("bidder")),
        lambda r: 0 if r.lot is None else r.lot.bids.get(norm(r.who("bidder")), 0),
    ),
    "auction_manager.getLotRPLRecovered": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotRPLRecovered(r.lot_index),
        _lot_field("recovered", False),
    ),
    "auction_manager.getLotPriceAtBlock": View(
        ("lot", "blocks"),
        lambda r: r.p.auction_manager.getLotPriceAtBlock(r.lot_index, r.block + r.args["blocks"]),
        lambda r: 0 if r.lot is None else r.lot.price_at(r.block + r.args["blocks"]),
    ),
    "auction_manager.getLotPriceAtCurrentBlock": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotPriceAtCurrentBlock(r.lot_index),
        _lot_price(Lot.price_at),
    ),
    "auction_manager.getLotPriceByTotalBids": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotPriceByTotalBids(r.lot_index),
        lambda r: 0 if r.lot is None else r.lot.bid_price(),
    ),
    "auction_manager.getLotCurrentPrice": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotCurrentPrice(r.lot_index),
        _lot_price(Lot.current_price),
    ),
    "auction_manager.getLotClaimedRPLAmount": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotClaimedRPLAmount(r.lot_index),
        _lot_price(Lot.claimed_rpl),
    ),
    "auction_manager.getLotRemainingRPLAmount": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotRemainingRPLAmount(r.lot_index),
        lambda r: 0 if r.lot is None else r.lot.total_rpl - r.lot.claimed_rpl(r.block),
    ),
    "auction_manager.getLotIsCleared": View(
        ("lot",),
        lambda r: r.p.auction_manager.getLotIsCleared(r.lot_index),
        _lot_price(Lot.cleared, False),
    ),
    # ------------------------------------------------------------------ the rest
    "vault.balanceOf": View(
        (), lambda r: r.p.vault.balanceOf("rocketDepositPool"), lambda r: r.model.pool_balance
    ),
    "vault.balanceOfToken": View(
        (),
        lambda r: r.p.vault.balanceOfToken("rocketNodeStaking", r.p.rpl.address),
        lambda r: r.model.total_rpl_stake,
    ),
    "storage.getDeployedStatus": View(
        (), lambda r: r.p.storage.getDeployedStatus(), lambda r: True
    ),
    "storage.guardian": View((), lambda r: r.p.storage.guardian(), lambda r: r.model.guardian),
    "storage.getAddress": View(
        ("contract",),
        lambda r: r.p.storage.getAddress(r.args["contract"]),
        lambda r: r.model.contract_address(r.args["contract"]),
    ),
    "storage.getName": View(
        ("holder",),
        lambda r: r.p.storage.getName(r.address("holder")),
        lambda r: r.model.contract_name(r.address("holder")),
    ),
    "storage.getContractExists": View(
        ("holder",),
        lambda r: r.p.storage.getContractExists(r.address("holder")),
        lambda r: r.model.contract_name(r.address("holder")) != "",
    ),
    # ------------------------------------------------------------------ fee distributors
    "distributor_factory.getProxyAddress": View(
        ("node",),
        lambda r: r.p.distributor_factory.getProxyAddress(r.node),
        lambda r: r.model.distributor_address(r.node),
    ),
    "distributor.getNodeShare": View(
        ("node",), lambda r: _distributor(r).getNodeShare(), _distributor_share(0)
    ),
    "distributor.getUserShare": View(
        ("node",), lambda r: _distributor(r).getUserShare(), _distributor_share(1)
    ),
    "distributor.getNodeAddress": View(
        ("node",),
        lambda r: _distributor(r).getNodeAddress(),
        lambda r: norm(r.node) if r.node_state is not None else ZERO_ADDRESS,
    ),
    "distributor.ROCKET_STORAGE": View(
        ("node",), lambda r: _distributor(r).ROCKET_STORAGE(), lambda r: r.model.storage
    ),
    # ------------------------------------------------------------------ MEV-theft penalties
    "network_penalties.getPenaltyCount": View(
        ("minipool",),
        lambda r: r.p.network_penalties.getPenaltyCount(r.minipool_address),
        lambda r: r.model.penalty_count(r.minipool_address),
    ),
    "minipool_penalty.getPenaltyRate": View(
        ("minipool",),
        lambda r: r.p.minipool_penalty.getPenaltyRate(r.minipool_address),
        lambda r: r.model.penalty_rate(r.minipool_address),
    ),
    "minipool_penalty.getMaxPenaltyRate": View(
        (),
        lambda r: r.p.minipool_penalty.getMaxPenaltyRate(),
        lambda r: r.model.max_penalty_rate,
    ),
    **{
        f"{attr}.ROCKET_STORAGE": _storage_immutable(attr)
        for attr in (
            "vault",
            "settings",
            "odao",
            "network_balances",
            "network_prices",
            "reth",
            "deposit_pool",
            "minipool_queue",
            "rpl",
            "node_staking",
            "auction_manager",
            "node_manager",
            "node_deposit",
            "minipool_manager",
            "bond_reducer",
            "distributor_factory",
            "network_penalties",
            "minipool_penalty",
        )
    },
    # ------------------------------------------------------------------ the tokens
    "reth.balanceOf": View(
        ("holder",),
        lambda r: r.p.reth.balanceOf(r.address("holder")),
        lambda r: r.model.reth_balance(r.address("holder")),
    ),
    "reth.allowance": View(
        ("holder", "spender"),
        lambda r: r.p.reth.allowance(r.address("holder"), r.address("spender")),
        lambda r: r.model.reth_allowance(r.address("holder"), r.address("spender")),
    ),
    "reth.name": View((), lambda r: r.p.reth.name(), lambda r: RETH_NAME),
    "reth.symbol": View((), lambda r: r.p.reth.symbol(), lambda r: RETH_SYMBOL),
    "reth.decimals": View((), lambda r: r.p.reth.decimals(), lambda r: TOKEN_DECIMALS),
    "rpl.balanceOf": View(
        ("holder",),
        lambda r: r.p.rpl.balanceOf(r.address("holder")),
        lambda r: r.model.rpl_balance(r.address("holder")),
    ),
    "rpl.allowance": View(
        ("holder", "spender"),
        lambda r: r.p.rpl.allowance(r.address("holder"), r.address("spender")),
        lambda r: r.model.rpl_allowance(r.address("holder"), r.address("spender")),
    ),
    "rpl.totalSupply": View((), lambda r: r.p.rpl.totalSupply(), lambda r: RPL_TOTAL_SUPPLY),
    "rpl.name": View((), lambda r: r.p.rpl.name(), lambda r: RPL_NAME),
    "rpl.symbol": View((), lambda r: r.p.rpl.symbol(), lambda r: RPL_SYMBOL),
    "rpl.decimals": View((), lambda r: r.p.rpl.decimals(), lambda r: TOKEN_DECIMALS),
    # ------------------------------------------------------------------ the beacon deposit contract
    "deposit_contract.depositCount": View(
        (), lambda r: r.p.deposit_contract.depositCount(), lambda r: r.model.beacon_deposit_count
    ),
    "deposit_contract.get_deposit_count": View(
        (),
        lambda r: r.p.deposit_contract.get_deposit_count(),
        lambda r: r.model.beacon_deposit_count.to_bytes(8, "little"),
    ),
    "deposit_contract.get_deposit_root": View(
        (),
        lambda r: r.p.deposit_contract.get_deposit_root(),
        lambda r: r.p.beacon.deposit_tree.root(),
    ),
}

# Views no entry of VIEWS compares with the model, each with why; a test
# (tests/fuzz/test_views_complete.py) fails on a view of a deployable contract
# that is neither compared nor here, and on an entry here that is stale.
UNMODELLED: dict[str, str] = {}

VIEW_NAMES = tuple(sorted(VIEWS))


def deployed_views(contracts_dir: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """Every view and pure function of every deployable contract, from the compiled ABIs.

    Keyed ``"<facade attribute>.<function>"`` as :data:`VIEWS` is (the
    minipool blueprint's as ``minipool.``, the distributor delegate's, which
    every node's distributor runs, as ``distributor.``); each maps to its input types.
    Public getters, immutables and constants are in the ABI as views, so
    they are here too. ``contracts_dir`` is a copy of ``contracts/`` (the
    project's own by default).
    """
    root = DEFAULT_CONTRACTS_DIR if contracts_dir is None else Path(contracts_dir)
    sources = [("storage", "RocketStorage.vy")]
    sources += [(spec.attr, spec.source) for spec in NETWORK_CONTRACTS]
    out: dict[str, tuple[str, ...]] = {}
    for attr, source in sources:
        prefix = {"minipool_base": "minipool", "distributor_delegate": "distributor"}.get(
            attr, attr
        )
        for entry in build_abi_output(compiled(root / source).compiler_data):
            if entry["type"] == "function" and entry["stateMutability"] in ("view", "pure"):
                out[f"{prefix}.{entry['name']}"] = tuple(i["type"] for i in entry["inputs"])
    return out


VIEW_CONTRACTS = tuple(sorted({name.split(".")[0] for name in VIEWS}))
UINT_PATHS = tuple(sorted(p for p, g in _GETTERS.items() if not g.endswith("Enabled")))
BOOL_PATHS = tuple(sorted(p for p, g in _GETTERS.items() if g.endswith("Enabled")))


def view_args(
    view: str, actors: list[str], minipools: int, lots: int, draw: Callable[[Any, str], Any]
) -> dict[str, Any] | None:
    """Draw the arguments ``view`` needs; ``draw(strategy, label)`` is the machine's draw.

    ``minipools`` and ``lots`` are how many exist. Nodes include a stranger
    (not registered), members a non-member, lots one that does not exist
    yet; holders and spenders are any actor or a contract that holds or
    takes tokens; contract names include unregistered ones. None when the
    view needs a minipool and there is none.
    """
    if "minipool" in VIEWS[view].needs and minipools == 0:
        return None
    from hypothesis import strategies as st

    def named(*prefixes: str) -> list[str]:
        return sorted(a for a in actors if a.startswith(prefixes))

    kinds: dict[str, Any] = {
        "node": st.sampled_from(named("node_operator", "stranger")),
        "member": st.sampled_from(named("odao_member", "stranger")),
        "bidder": st.sampled_from(named("depositor")),
        "minipool": st.integers(0, max(minipools - 1, 0)),
        "lot": st.integers(0, lots),
        "index": st.integers(0, 63),
        "amount": st.sampled_from(AMOUNTS),
        "blocks": st.sampled_from(BLOCK_OFFSETS),
        "uint_path": st.sampled_from(UINT_PATHS),
        "bool_path": st.sampled_from(BOOL_PATHS),
        "holder": st.sampled_from(sorted(actors) + list(CONTRACT_HOLDERS)),
        "spender": st.sampled_from(list(CONTRACT_HOLDERS) + sorted(actors)),
        "contract": st.sampled_from(CONTRACT_NAMES),
    }
    return {kind: draw(kinds[kind], kind) for kind in VIEWS[view].needs}


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and expected.startswith("0x"):
        return norm(actual) == norm(expected)
    if isinstance(expected, bytes | bytearray):
        return bytes(actual) == bytes(expected)
    return actual == expected


def read_view(ctx: Any, view: str, args: dict[str, Any]) -> Any:
    """The ``read_view`` step: call ``view``; with checking on, compare it with the model.

    Raises the ``views`` invariant when a view reverts in a state where it
    must answer, answers where it must revert, or returns another value
    than the model's. Returns the value read (None when the view had
    nothing to read: no minipool yet, an empty queue).
    """
    spec = VIEWS[view]
    if "minipool" in spec.needs and not ctx.minipools:
        return None
    read = Read(ctx, ctx.cp.model, args)
    expected = spec.expect(read) if ctx.cp.check and spec.expect is not None else None
    try:
        actual = spec.call(read)
    except Reverted as exc:
        reason = revert_reason(exc)
        if not ctx.cp.check or isinstance(expected, Reverts):
            return None
        raise InvariantViolation(
            "views",
            f"{view}({_shown(args)}) reverted ({reason}) in a state where it must answer",
            {"view": view, "args": args, "reason": reason},
        ) from exc
    if not ctx.cp.check or spec.expect is None:
        return actual
    if isinstance(expected, Reverts):
        raise InvariantViolation(
            "views",
            f"{view}({_shown(args)}) returned {actual!r}, the rules say {expected!r}",
            {"view": view, "args": args, "actual": repr(actual)},
        )
    if not _same(actual, expected):
        raise InvariantViolation(
            "views",
            f"{view}({_shown(args)}) returned {actual!r}, the rules say {expected!r}",
            {"view": view, "args": args, "actual": repr(actual), "expected": repr(expected)},
        )
    return actual


def _shown(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())
