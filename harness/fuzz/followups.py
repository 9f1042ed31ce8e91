"""After a step, the views it can change, read at once against the model.

Views read at random (the ``read_view`` rule) seldom land on the right view
at the right moment: a node's minipool count that goes up where it should
go down is wrong only until the next step hides it. So after every
successful checked step, :func:`follow_up` reads the views that step can
change, with the arguments the step concerns (its node, its minipool, its
depositor, its lot), through the ``read_view`` step's own comparison
(:func:`harness.fuzz.views.read_view`): a disagreement is the ``views``
invariant, naming the view, its arguments, the value read and the model's.

:data:`FOLLOW_UPS` maps a step's rule name to the views to read, as
``(view, args)`` pairs in the ``read_view`` step's vocabulary (role names,
minipool indices). A rule with no entry (time passing, the beacon chain,
reads) is followed by nothing. It stays a handful of reads per step:
``rpfuzz bench`` measures what they cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.fuzz.views import SETTING_GETTERS, read_view
from harness.model import norm
from harness.units import ETH

Reads = list[tuple[str, dict[str, Any]]]

__all__ = ["FOLLOW_UPS", "follow_up", "planned_reads"]


# --------------------------------------------------------------------------- argument helpers
def _role(ctx: Any, address: str) -> str | None:
    """The role name of ``address`` among the context's actors (None for none)."""
    wanted = norm(address)
    return next((name for name, a in ctx.actors.items() if norm(a) == wanted), None)


def _owner_role(ctx: Any, index: int) -> str | None:
    """The role name of minipool ``index``'s node, as the model records it."""
    mp = ctx.cp.model.minipools.get(norm(ctx.minipools[index]))
    return None if mp is None else _role(ctx, mp.node)


def _status(index: int) -> Reads:
    """A minipool's status and when it was set."""
    return [
        ("minipool.getStatus", {"minipool": index}),
        ("minipool.getStatusBlock", {"minipool": index}),
        ("minipool.getStatusTime", {"minipool": index}),
    ]


def _node_counts(node: str | None, *which: str) -> Reads:
    """The node's minipool counters (``""`` is ``getNodeMinipoolCount``).

    With the staking count, the node's average fee too: both change together.
    """
    if node is None:
        return []
    reads = [(f"minipool_manager.getNode{w}MinipoolCount", {"node": node}) for w in which]
    if "Staking" in which:
        reads.append(("node_manager.getAverageNodeFee", {"node": node}))
    return reads


def _minipool_step(
    *views: str,
    counts: tuple[str, ...] = (),
    status: bool = False,
    also: tuple[tuple[str, dict[str, Any]], ...] = (),
    credit: bool = False,
):
    """Reads after a step on ``args["minipool"]``: ``views`` of it, its status, node counts,
    the network-wide views ``also``, and with ``credit`` its node's deposit credit."""

    def plan(ctx: Any, args: dict[str, Any]) -> Reads:
        index = args["minipool"]
        node = _owner_role(ctx, index)
        reads = [(view, {"minipool": index}) for view in views]
        if status:
            reads += _status(index)
        reads += [(view, dict(a)) for view, a in also]
        if credit and node is not None:
            reads += [
                ("node_deposit.getDepositCredit", {"node": node}),
                ("node_deposit.getNodeUsableCredit", {"node": node}),
            ]
        return reads + _node_counts(node, *counts)

    return plan


def _created(ctx: Any, args: dict[str, Any]) -> Reads:
    index = len(ctx.minipools) - 1
    node = args["node"]
    return [
        *_status(index),
        ("minipool_manager.getMinipoolCount", {}),
        ("minipool_manager.getNodeETHMatched", {"node": node}),
        ("minipool_queue.getLength", {}),
        *_node_counts(node, "", "Active"),
    ]


def _closed(ctx: Any, args: dict[str, Any]) -> Reads:
    index, node = args["minipool"], _owner_role(ctx, args["minipool"])
    reads: Reads = [
        ("minipool_manager.getMinipoolExists", {"minipool": index}),
        ("minipool_manager.getMinipoolCount", {}),
        ("minipool_manager.getMinipoolAt", {"index": index}),
    ]
    if node is not None:
        reads += [
            ("minipool_manager.getNodeMinipoolAt", {"node": node, "index": 0}),
            # Closing gives the node's matched ETH back.
            ("node_staking.getNodeETHMatched", {"node": node}),
            ("node_staking.getNodeETHProvided", {"node": node}),
        ]
    return reads + _node_counts(node, "", "Active")


def _withdrawal_address(ctx: Any, args: dict[str, Any]) -> Reads:
    node = args["node"]
    return [
        ("node_manager.getNodeWithdrawalAddress", {"node": node}),
        ("node_manager.getNodePendingWithdrawalAddress", {"node": node}),
    ]


def _setting(ctx: Any, args: dict[str, Any]) -> Reads:
    path = args["path"]
    if isinstance(args["value"], bool):
        return [("settings.getSettingBool", {"bool_path": path}), *_setting_getter(path)]
    return [("settings.getSettingUint", {"uint_path": path}), *_setting_getter(path)]


def _member(ctx: Any, args: dict[str, Any]) -> Reads:
    member = args["member"]
    return [
        ("odao.getMemberCount", {}),
        ("odao.getMemberIsValid", {"member": member}),
        ("odao.getMemberJoinedTime", {"member": member}),
        ("odao.getMemberAt", {"index": 0}),
    ]


_REPORT: Reads = [
    ("network_balances.getBalancesBlock", {}),
    ("network_balances.getTotalETHBalance", {}),
    ("network_balances.getSubmissionVotes", {}),
    ("network_prices.getRPLPrice", {}),
    ("reth.getExchangeRate", {}),
]


def _pool(*extra: tuple[str, dict[str, Any]]) -> Reads:
    return [("deposit_pool.getBalance", {}), ("minipool_queue.getLength", {}), *extra]


# What a deposit, a burn or collateral moved back to the pool changes on rETH's side:
# the room left in the pool and the collateral a burn draws on.
_COLLATERAL: Reads = [
    ("deposit_pool.getMaximumDepositAmount", {}),
    ("reth.getTotalCollateral", {}),
    ("reth.getCollateralRate", {}),
]


def _rpl_bounds(node: str) -> Reads:
    """A node's RPL stake against its bounds, which its stake and its matched ETH move."""
    return [
        ("node_staking.getNodeEffectiveRPLStake", {"node": node}),
        ("node_staking.getNodeMinimumRPLStake", {"node": node}),
        ("node_staking.getNodeMaximumRPLStake", {"node": node}),
    ]


def _newest_lot(ctx: Any) -> int:
    return max(len(ctx.cp.model.lots) - 1, 0)


def _lot(*views: str, **fixed: Any):
    """Reads after a step on ``args["lot"]``: ``views`` of it (``view@blocks`` reads a price
    that many blocks ahead; ``view#next`` the lot after the last, which does not exist)."""

    def plan(ctx: Any, args: dict[str, Any]) -> Reads:
        reads: Reads = []
        for view in views:
            name, _, blocks = view.partition("@")
            name, _, which = name.partition("#")
            lot = len(ctx.cp.model.lots) if which == "next" else args.get("lot", _newest_lot(ctx))
            reads.append((name, {"lot": lot, **({"blocks": int(blocks)} if blocks else {})}))
        return reads + [(view, dict(a)) for view, a in fixed.get("extra", ())]

    return plan


def _setting_getter(path: str) -> Reads:
    """The named getter of a setting (``getScrubPenalty``...), besides the generic one."""
    getter = SETTING_GETTERS.get(path)
    return [] if getter is None else [(f"settings.{getter}", {})]


def _assigned(ctx: Any) -> Reads:
    """The newest minipool, which an assignment may have taken out of the queue."""
    if not ctx.minipools:
        return []
    index = len(ctx.minipools) - 1
    return [
        ("minipool_queue.getContainsMinipool", {"minipool": index}),
        ("minipool.getUserDepositAssignedTime", {"minipool": index}),
        *_status(index)[:1],
    ]


# --------------------------------------------------------------------------- the table
def _penalty(args: dict[str, Any]) -> Reads:
    """A minipool's penalty count and rate (none when the vote was on no minipool)."""
    index = args["minipool"]
    if not isinstance(index, int):
        return []
    return [
        ("network_penalties.getPenaltyCount", {"minipool": index}),
        ("minipool_penalty.getPenaltyRate", {"minipool": index}),
    ]


FOLLOW_UPS: dict[str, Callable[[Any, dict[str, Any]], Reads]] = {
    # Depositors.
    "deposit": lambda ctx, a: _pool(
        ("reth.balanceOf", {"holder": a["who"]}),
        ("reth.totalSupply", {}),
        ("reth.getRethValue", {"amount": a["amount"]}),
        *_COLLATERAL,
    ),
    "burn": lambda ctx, a: _pool(
        ("reth.balanceOf", {"holder": a["who"]}),
        ("reth.totalSupply", {}),
        ("reth.getEthValue", {"amount": a["amount"]}),
        *_COLLATERAL,
    ),
    "deposit_excess_collateral": lambda ctx, a: _pool(*_COLLATERAL),
    "transfer_reth": lambda ctx, a: [
        ("reth.balanceOf", {"holder": a["who"]}),
        ("reth.balanceOf", {"holder": a["to"]}),
    ],
    "assign_deposits": lambda ctx, a: _pool(*_assigned(ctx)),
    "maybe_assign_deposits": lambda ctx, a: _pool(*_assigned(ctx)),
    # Nodes.
    "set_timezone": lambda ctx, a: [("node_manager.getNodeTimezoneLocation", {"node": a["node"]})],
    "confirm_withdrawal_address": _withdrawal_address,
    "register_node": lambda ctx, a: [
        ("node_manager.getNodeTimezoneLocation", {"node": a["node"]}),
        ("node_manager.getNodeExists", {"node": a["node"]}),
        ("node_manager.getNodeRegistrationTime", {"node": a["node"]}),
        ("node_manager.getNodeCount", {}),
        ("node_manager.getFeeDistributorInitialised", {"node": a["node"]}),
    ],
    "stake_rpl": lambda ctx, a: [
        ("node_staking.getNodeRPLStake", {"node": a["node"]}),
        ("node_staking.getNodeRPLStakedTime", {"node": a["node"]}),
        ("rpl.balanceOf", {"holder": a["node"]}),
        ("rpl.allowance", {"holder": a["node"], "spender": "rocketNodeStaking"}),
        ("rpl.balanceOf", {"holder": "rocketVault"}),
        *_rpl_bounds(a["node"])[:1],
    ],
    "withdraw_rpl": lambda ctx, a: [
        ("node_staking.getNodeRPLStake", {"node": a["node"]}),
        ("node_staking.getTotalRPLStake", {}),
        ("rpl.balanceOf", {"holder": "rocketVault"}),
        *_rpl_bounds(a["node"]),
    ],
    "set_withdrawal_address": _withdrawal_address,
    # Minipools.
    "create_minipool": _created,
    # The stake's deposit is a leaf of the beacon deposit tree, as was the prestake's
    # (the count is checked whenever time passes: Protocol.check_beacon_synced).
    "stake": lambda ctx, a: [
        ("deposit_contract.get_deposit_root", {}),
        *_minipool_step(
            "minipool.getUserDepositAssignedTime",
            counts=("Staking",),
            status=True,
            also=(("minipool_manager.getStakingMinipoolCount", {}),),
        )(ctx, a),
    ],
    "submit_penalty": lambda ctx, a: _penalty(a),
    "execute_update_penalty": lambda ctx, a: _penalty(a),
    "set_max_penalty_rate": lambda ctx, a: [("minipool_penalty.getMaxPenaltyRate", {})],
    "vote_scrub": lambda ctx, a: [
        ("minipool.getTotalScrubVotes", {"minipool": a["minipool"]}),
        ("minipool.getScrubVoted", {"minipool": a["minipool"], "member": a["member"]}),
        *_status(a["minipool"]),
    ],
    "dissolve": _minipool_step(counts=("",), status=True),
    "close": _closed,
    "distribute": _minipool_step(
        "minipool.getFinalised",
        "minipool.getUserDistributed",
        "minipool.getNodeRefundBalance",
        counts=("Active", "Finalised", "Staking"),
        also=(("minipool_manager.getFinalisedMinipoolCount", {}),),
    ),
    "finalise": _minipool_step(
        "minipool.getFinalised",
        counts=("Active", "Finalised", "Staking"),
        also=(
            ("minipool_manager.getFinalisedMinipoolCount", {}),
            ("minipool_manager.getActiveMinipoolCount", {}),
        ),
    ),
    "refund": _minipool_step("minipool.getNodeRefundBalance"),
    "slash": _minipool_step("minipool.getNodeSlashBalance"),
    "begin_user_distribute": _minipool_step(
        "minipool.getUserDistributeTime", "minipool.userDistributeAllowed"
    ),
    # ETH arrived: what the node would be paid of a skim, and of a full exit.
    "gift": lambda ctx, a: [
        ("minipool.calculateNodeShare", {"minipool": a["minipool"], "amount": a["amount"]}),
        ("minipool.calculateNodeShare", {"minipool": a["minipool"], "amount": 32 * ETH}),
        ("minipool.calculateUserShare", {"minipool": a["minipool"], "amount": 32 * ETH}),
    ],
    "begin_reduce_bond": _minipool_step(
        "bond_reducer.getReduceBondTime", "bond_reducer.getReduceBondValue"
    ),
    "vote_cancel_reduction": _minipool_step(
        "bond_reducer.getReduceBondCancelled", "bond_reducer.getCancelReductionVotes"
    ),
    "reduce_bond": _minipool_step(
        "minipool.getNodeDepositBalance",
        "minipool.getUserDepositBalance",
        "bond_reducer.getLastBondReductionTime",
        # The staking count stays; the average fee's weights move to 8 ETH.
        counts=("Staking",),
        credit=True,
    ),
    # Auctions.
    # A new lot: its terms, fixed from now on, and the RPL left to cut.
    "create_lot": _lot(
        "auction_manager.getLotStartBlock",
        "auction_manager.getLotEndBlock",
        "auction_manager.getLotStartPrice",
        "auction_manager.getLotReservePrice",
        "auction_manager.getLotTotalRPLAmount",
        extra=(
            ("auction_manager.getLotCount", {}),
            ("auction_manager.getAllottedRPLBalance", {}),
            ("auction_manager.getRemainingRPLBalance", {}),
        ),
    ),
    # A bid moves the lot's price by total bids, so whether it cleared; its
    # price a thousand blocks on lies between start and reserve.
    "place_bid": lambda ctx, a: [
        ("auction_manager.getLotTotalBidAmount", {"lot": a["lot"]}),
        ("auction_manager.getLotAddressBidAmount", {"lot": a["lot"], "bidder": a["who"]}),
        ("deposit_pool.getBalance", {}),
        *_lot(
            "auction_manager.getLotPriceAtCurrentBlock",
            "auction_manager.getLotPriceByTotalBids",
            "auction_manager.getLotCurrentPrice",
            "auction_manager.getLotRemainingRPLAmount",
            "auction_manager.getLotPriceAtBlock@1000",
        )(ctx, a),
    ],
    # Once it ended: cleared, at its reserve; the lot after the last is not one.
    "claim_bid": lambda ctx, a: [
        ("auction_manager.getLotAddressBidAmount", {"lot": a["lot"], "bidder": a["who"]}),
        ("rpl.balanceOf", {"holder": a["who"]}),
        ("auction_manager.getTotalRPLBalance", {}),
        *_lot(
            "auction_manager.getLotClaimedRPLAmount",
            "auction_manager.getLotIsCleared",
            "auction_manager.getLotPriceAtBlock@0",
            "auction_manager.getLotIsCleared#next",
            "auction_manager.getLotExists#next",
        )(ctx, a),
    ],
    "recover_unclaimed_rpl": _lot(
        "auction_manager.getLotRPLRecovered",
        "auction_manager.getLotRemainingRPLAmount",
        extra=(
            ("auction_manager.getAllottedRPLBalance", {}),
            ("auction_manager.getRemainingRPLBalance", {}),
        ),
    ),
    # The oDAO and the guardian.
    "report": lambda ctx, a: list(_REPORT),
    "report_price": lambda ctx, a: [("network_prices.getRPLPrice", {})],
    "vote_report": lambda ctx, a: list(_REPORT),
    "execute_update": lambda ctx, a: list(_REPORT),
    "add_member": _member,
    "remove_member": _member,
    "set_setting": _setting,
    # The distributor of a node that has one answers for it; the delegate, for nobody.
    "distribute_fees": lambda ctx, a: [
        ("distributor.getNodeAddress", {"node": a["node"]}),
        ("distributor.getNodeShare", {"node": a["node"]}),
        ("distributor.getUserShare", {"node": a["node"]}),
    ],
}


def _succeeded(result: Any) -> bool:
    """Whether no call of the step was refused (a step returns an Expect, several, or none)."""
    if isinstance(result, tuple | list):
        return all(_succeeded(r) for r in result)
    return getattr(result, "ok", True) is not False


def planned_reads(ctx: Any, rule: str, args: dict[str, Any]) -> Reads:
    """The ``(view, args)`` reads :func:`follow_up` makes after step ``rule`` with ``args``."""
    plan = FOLLOW_UPS.get(rule)
    return [] if plan is None else plan(ctx, args)


def follow_up(ctx: Any, rule: str, args: dict[str, Any], result: Any) -> int:
    """After a successful checked step, read the views it can change; returns how many.

    Bare steps (no model) and refused ones read nothing. A view that
    disagrees raises the ``views`` invariant (see :func:`read_view`).
    """
    if not ctx.cp.check or not _succeeded(result):
        return 0
    reads = planned_reads(ctx, rule, args)
    for view, view_args in reads:
        read_view(ctx, view, view_args)
    return len(reads)
