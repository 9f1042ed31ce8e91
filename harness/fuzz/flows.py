"""Multi-step flows, how far each got in a campaign, and the edges the machine steers toward.

A flow is a protocol process that takes more than one call, by one actor or
several, often with a window or a timer between them: a minipool launched
after its scrub period, a bond reduction begun and completed inside its
window, a lot cut and its RPL claimed, a vote carried to consensus. The
machine draws each half on its own, in every order, by right and wrong
parties, so a campaign says nothing about a flow unless its end was
reached. :data:`FLOWS` names them; :func:`observe` counts, per flow, the
steps that began it, the steps that reached its end, and the attempts at
its end that the contracts refused (too early, repeated, by the wrong
party); the campaign's summary shows the three.

:class:`Edges` measures, after every step, how close the example came to a
threshold where an off-by-one would show: a timer or a window edge, the
deposit pool's maximum, the ETH collateral a burn draws on. The machine
hands the closest approaches to :func:`hypothesis.target` at the end of an
example, so Hypothesis's targeted phase breeds examples that reach the
edges exactly.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.chain.status import MinipoolStatus
from harness.model import norm
from harness.units import ETH

# (model, the step's args as recorded, the step context) -> whether the step counts.
Test = Callable[[Any, dict[str, Any], Any], bool]


@dataclass(frozen=True)
class Stage:
    """A step that begins or ends a flow: its rule, and, if not every such step, which."""

    rule: str
    # Decided on the arguments alone (also for refused attempts).
    args: Callable[[dict[str, Any]], bool] | None = None
    # Decided on the model: a successful step counts only if it made this true
    # (false before the step, true after it).
    reached: Test | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    start: tuple[Stage, ...]
    end: tuple[Stage, ...]
    doc: str


def _minipool(model: Any, args: dict[str, Any], ctx: Any) -> Any:
    return model.minipools.get(norm(ctx.minipools[args["minipool"]]))


def _status(status: int) -> Test:
    def test(model: Any, args: dict[str, Any], ctx: Any) -> bool:
        mp = _minipool(model, args, ctx)
        return mp is not None and mp.status == status

    return test


def _cancelled(model: Any, args: dict[str, Any], ctx: Any) -> bool:
    mp = _minipool(model, args, ctx)
    return mp is not None and mp.reduction_cancelled


def _user_distributed(model: Any, args: dict[str, Any], ctx: Any) -> bool:
    mp = _minipool(model, args, ctx)
    return mp is not None and mp.user_distributed


def _not_owner(args: dict[str, Any]) -> bool:
    return args.get("who", "owner") != "owner"


def _which(kind: str) -> Callable[[dict[str, Any]], bool]:
    return lambda args: args.get("which", "balances") == kind


def _unsplit(model: Any, node: str) -> int:
    """The ETH at ``node``'s distributor not yet split (what is held for the node is split)."""
    return model.distributor_balance(node) - model.distributor_held.get(norm(node), 0)


def _fees_waiting(model: Any, args: dict[str, Any], ctx: Any) -> bool:
    return any(_unsplit(model, node) > 0 for node in model.distributor_eth)


def _fees_split(model: Any, args: dict[str, Any], ctx: Any) -> bool:
    return _unsplit(model, ctx.who(args["node"])) == 0


FLOWS: tuple[Flow, ...] = (
    Flow(
        "launch",
        (Stage("create_minipool"),),
        (Stage("stake"),),
        "a minipool is created, assigned, and staked after its scrub period",
    ),
    Flow(
        "scrub",
        (Stage("vote_scrub"),),
        (Stage("vote_scrub", reached=_status(MinipoolStatus.DISSOLVED)),),
        "oDAO members vote to scrub a prelaunch minipool until the quorum dissolves it",
    ),
    Flow(
        "dissolve and close",
        (Stage("dissolve"), Stage("vote_scrub", reached=_status(MinipoolStatus.DISSOLVED))),
        (Stage("close"),),
        "a minipool that timed out or was scrubbed is dissolved, then closed by its node",
    ),
    Flow(
        "bond reduction",
        (Stage("begin_reduce_bond"),),
        (Stage("reduce_bond"),),
        "a 16 ETH bond reduction is begun, then completed inside its window",
    ),
    Flow(
        "bond reduction cancelled",
        (Stage("begin_reduce_bond"),),
        (Stage("vote_cancel_reduction", reached=_cancelled),),
        "a begun reduction is cancelled by the oDAO's votes",
    ),
    Flow(
        "deposit credit",
        (Stage("reduce_bond"),),
        (Stage("create_minipool", args=lambda a: bool(a.get("credit"))),),
        "a reduction's credit pays for a new minipool's bond",
    ),
    Flow(
        "user distribute",
        (Stage("begin_user_distribute"),),
        (Stage("distribute", args=_not_owner, reached=_user_distributed),),
        "anyone starts the timer on an exited minipool, then distributes it in the window",
    ),
    Flow(
        "exit and finalise",
        (Stage("beacon_exit"),),
        (Stage("finalise"),),
        "a validator exits, its balance is distributed, and its node finalises the minipool",
    ),
    Flow(
        "refund",
        (Stage("create_minipool"),),
        (Stage("refund"),),
        "a node takes back the refund balance its minipool owes it",
    ),
    Flow(
        "slash",
        (Stage("beacon_slash"), Stage("beacon_penalty")),
        (Stage("slash"),),
        "a loss past the bond leaves a slash balance, and anyone slashes the node's RPL for it",
    ),
    Flow(
        "auction claim",
        (Stage("create_lot"),),
        (Stage("claim_bid"),),
        "slashed RPL is cut into a lot, bid on, and claimed after the lot ends",
    ),
    Flow(
        "auction recovery",
        (Stage("create_lot"),),
        (Stage("recover_unclaimed_rpl"),),
        "a lot's unsold RPL is recovered after it ends",
    ),
    Flow(
        "balances consensus",
        (Stage("vote_report", args=_which("balances")),),
        (Stage("execute_update", args=_which("balances")),),
        "members vote different balances, and an update is executed once consensus is reached",
    ),
    Flow(
        "prices consensus",
        (Stage("vote_report", args=_which("prices")),),
        (Stage("execute_update", args=_which("prices")),),
        "members vote different prices, and an update is executed once consensus is reached",
    ),
    Flow(
        "RPL withdrawal",
        (Stage("stake_rpl"),),
        (Stage("withdraw_rpl"),),
        "a node stakes RPL, then withdraws it after the cooldown",
    ),
    Flow(
        "withdrawal address",
        (Stage("set_withdrawal_address", args=lambda a: a.get("confirm", True) is False),),
        (Stage("confirm_withdrawal_address"),),
        "a node proposes a withdrawal address, which confirms itself",
    ),
    Flow(
        "rETH allowance",
        (Stage("approve_reth"),),
        (Stage("transfer_from_reth"),),
        "a holder approves a spender, which moves the holder's rETH",
    ),
    Flow(
        "RPL allowance",
        (Stage("approve_rpl"),),
        (Stage("transfer_from_rpl"),),
        "a holder approves a spender, which moves the holder's RPL",
    ),
    Flow(
        "oDAO membership",
        (Stage("add_member"),),
        (Stage("remove_member"),),
        "a member joins the oDAO and later leaves",
    ),
    Flow(
        "execution-layer fees",
        (
            Stage("propose", reached=_fees_waiting),
            Stage("advance", args=lambda a: a.get("seed") is not None, reached=_fees_waiting),
        ),
        (Stage("distribute_fees", reached=_fees_split),),
        "blocks (proposed, or given as time passes) pay a distributor, and anyone splits it",
    ),
)
FLOW_NAMES = tuple(f.name for f in FLOWS)
KINDS = ("started", "ended", "refused")


def _matches(stage: Stage, rule: str, args: dict[str, Any]) -> bool:
    return stage.rule == rule and (stage.args is None or stage.args(args))


def before(rule: str, args: dict[str, Any], model: Any, ctx: Any) -> dict[Stage, bool]:
    """Before the step ``rule(args)``: for each stage it matches, whether ``reached`` holds already.

    :func:`observe` counts a stage with a ``reached`` test only when the
    step made it true, so a second distribution of an already distributed
    minipool does not end its flow again.
    """
    return {
        stage: stage.reached(model, args, ctx)
        for flow in FLOWS
        for stage in (*flow.start, *flow.end)
        if stage.reached is not None and _matches(stage, rule, args)
    }


def observe(
    counts: collections.Counter,
    rule: str,
    args: dict[str, Any],
    ok: bool,
    model: Any,
    ctx: Any,
    was: dict[Stage, bool],
) -> None:
    """Count the step ``rule(args)`` against every flow it begins or ends (or fails to end).

    ``ok`` is whether the step succeeded; ``model`` is the reference model
    after it, ``was`` what :func:`before` said before it. Counts are keyed
    ``(flow, kind)``, ``kind`` one of :data:`KINDS`.
    """

    def got_there(stage: Stage) -> bool:
        if stage.reached is None:
            return True
        return not was.get(stage, False) and stage.reached(model, args, ctx)

    for flow in FLOWS:
        for stage in flow.end:
            if not _matches(stage, rule, args):
                continue
            if not ok:
                counts[(flow.name, "refused")] += 1
            elif got_there(stage):
                counts[(flow.name, "ended")] += 1
        if ok and any(_matches(s, rule, args) and got_there(s) for s in flow.start):
            counts[(flow.name, "started")] += 1


def flow_counts(counts: collections.Counter) -> dict[str, dict[str, int]]:
    """Every flow's started / ended / refused counts, zero where it never moved."""
    return {name: {kind: counts.get((name, kind), 0) for kind in KINDS} for name in FLOW_NAMES}


# --------------------------------------------------------------------------- edges
TIMER = "closest timer or window edge (s)"
POOL = "closest deposit to the pool maximum (ETH)"
COLLATERAL = "closest burn to the ETH collateral (ETH)"


def timer_edges(model: Any, now: int) -> list[int]:
    """Every timer or window edge of the model's state that is still ahead or just passed.

    A prelaunch minipool's scrub period and launch timeout; a begun bond
    reduction's window start and end; a begun user distribution's window
    start and end; a node's RPL withdrawal cooldown.
    """
    s = model.settings
    edges = []
    for mp in model.minipools.values():
        if mp.status == MinipoolStatus.PRELAUNCH:
            edges.append(mp.status_time + s["minipool.scrub.period"])
            edges.append(mp.status_time + s["minipool.launch.timeout"])
        elif mp.status == MinipoolStatus.STAKING and not mp.finalised:
            if mp.reduce_time and not mp.reduction_cancelled:
                start = mp.reduce_time + s["minipool.bond.reduction.window.start"]
                edges += [start, start + s["minipool.bond.reduction.window.length"]]
            if mp.user_distribute_time and not mp.user_distributed:
                start = mp.user_distribute_time + s["minipool.user.distribute.window.start"]
                edges += [start, start + s["minipool.user.distribute.window.length"]]
    for node in model.nodes.values():
        if node.rpl_staked_time:
            edges.append(node.rpl_staked_time + s["node.rpl.withdrawal.cooldown"])
    return edges


class Edges:
    """The closest approach, in one example, to each threshold an off-by-one would cross."""

    def __init__(self) -> None:
        self.closest: dict[str, float] = {}

    def _near(self, label: str, distance: float) -> None:
        if distance < self.closest.get(label, float("inf")):
            self.closest[label] = distance

    def after_step(self, model: Any, now: int) -> None:
        """After a step: timers against the clock, the pool against its maximum."""
        # Only edges passed by at most a day count: long-gone ones are no longer reachable.
        distances = [abs(now - edge) for edge in timer_edges(model, now) if now - edge <= 86_400]
        if distances:
            self._near(TIMER, min(distances))
        maximum = model.settings["deposit.pool.maximum"]
        self._near(POOL, abs(maximum - model.pool_balance) / ETH)

    def before_burn(self, model: Any, eth_value: int) -> None:
        """A burn worth ``eth_value`` is about to draw on the collateral (excess + rETH's ETH)."""
        collateral = model.excess_balance() + model.reth_eth
        self._near(COLLATERAL, abs(collateral - eth_value) / ETH)

    def scores(self) -> dict[str, float]:
        """What to maximise, per threshold: the closer the approach, the higher (at most 0)."""
        return {label: -distance for label, distance in sorted(self.closest.items())}
