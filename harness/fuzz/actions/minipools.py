"""Minipool actions: create, assign, stake, scrub, dissolve, close, distribute, settle,
reduce a bond, and ETH gifted to a minipool.

A step names a minipool by its creation index and its owner as ``"owner"``;
each declaration holds the step, the model's prediction and the facade call
(or, for creation and gifts, the whole flow); the machine rules below draw
them (the lifecycle rule, in :mod:`harness.fuzz.machine`, strings them
together).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from harness.chain.protocol import PRELAUNCH_VALUE
from harness.chain.status import DISSOLVED, PRELAUNCH, STAKING
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import Expect, norm
from harness.units import ETH


def _owner(ctx: Any, index: int, who: str = "owner") -> str:
    """The address of ``who``; ``"owner"`` is minipool ``index``'s node."""
    if who == "owner":
        return ctx.minipool(index).getNodeAddress()
    return ctx.who(who)


def _by(fn: str):
    """The facade call of minipool function ``fn``, made by ``caller``."""

    def call(p: Any, minipool: Any, caller: str) -> Any:
        return getattr(minipool, fn)(sender=caller)

    return call


# --------------------------------------------------------------------------- creation
def _create_minipool(
    cp: Any, node: str, bond: int = 8, credit: bool = False, value: int | None = None
) -> tuple[Expect, Any]:
    """``node`` bonds ``bond`` ETH (8 or 16; others are refused); returns expect and handle."""
    p = cp.p
    salt = p.free_salt(node)
    address = p.expected_minipool_address(node, salt)
    pubkey = p.deposit_data(node, address, PRELAUNCH_VALUE, salt).pubkey
    sent = value if value is not None else (0 if credit else bond * ETH)
    expect = cp.model.create_minipool(
        node, bond * ETH, address, pubkey, value=sent, credit=credit, now=cp.now()
    )
    return cp.run(
        "create_minipool",
        expect,
        lambda: p.create_minipool(node, bond=bond, salt=salt, credit=credit, value=sent),
    )


def _create_minipool_step(ctx: Any, node: str, bond: int, credit: bool, value: int | None):
    expect, handle = ctx.cp.create_minipool(ctx.who(node), bond=bond, credit=credit, value=value)
    if handle is not None:
        ctx.minipools.append(str(handle.address))
    return expect


declare(
    Action(
        "create_minipool",
        step=_create_minipool_step,
        flow=_create_minipool,
        entries=("node_deposit.deposit", "node_deposit.depositWithCredit"),
    )
)
declare(
    Action(
        "assign_deposits",
        step=lambda ctx, who: ctx.cp.assign_deposits(ctx.who(who)),
        expect=lambda m, cp, caller: m.assign_deposits(now=cp.now()),
        call=lambda p, caller: p.deposit_pool.assignDeposits(sender=caller),
        entries=("deposit_pool.assignDeposits",),
    )
)
declare(
    Action(
        # As assign_deposits, but while assignment is disabled it does nothing instead of reverting.
        "maybe_assign_deposits",
        step=lambda ctx, who: ctx.cp.maybe_assign_deposits(ctx.who(who)),
        expect=lambda m, cp, caller: m.maybe_assign_deposits(now=cp.now()),
        call=lambda p, caller: p.deposit_pool.maybeAssignDeposits(sender=caller),
        entries=("deposit_pool.maybeAssignDeposits",),
    )
)

# --------------------------------------------------------------------------- prelaunch
declare(
    Action(
        # The owner stakes (31 ETH to the beacon deposit contract).
        "stake",
        step=lambda ctx, minipool: ctx.cp.stake(ctx.minipool(minipool)),
        expect=lambda m, cp, minipool: m.stake(
            minipool, cp.now(), caller=minipool.getNodeAddress()
        ),
        call=lambda p, minipool: p.stake(minipool),
        entries=("minipool.stake",),
    )
)
declare(
    Action(
        "vote_scrub",
        step=lambda ctx, member, minipool: ctx.cp.vote_scrub(
            ctx.who(member), ctx.minipool(minipool)
        ),
        expect=lambda m, cp, member, minipool: m.vote_scrub(member, minipool, cp.now()),
        call=lambda p, member, minipool: minipool.voteScrub(sender=member),
        entries=("minipool.voteScrub",),
    )
)
declare(
    Action(
        # Anyone, past the launch timeout.
        "dissolve",
        step=lambda ctx, who, minipool: ctx.cp.dissolve(ctx.minipool(minipool), ctx.who(who)),
        expect=lambda m, cp, minipool, caller: m.dissolve(minipool, cp.now()),
        call=_by("dissolve"),
        entries=("minipool.dissolve",),
    )
)
declare(
    Action(
        "close",
        step=lambda ctx, minipool: ctx.cp.close(ctx.minipool(minipool), _owner(ctx, minipool)),
        expect=lambda m, cp, minipool, caller: m.close(minipool, caller),
        call=_by("close"),
        entries=("minipool.close",),
    )
)


# --------------------------------------------------------------------------- distributions
def _splits(splits: Any) -> dict[str, int]:
    if not splits:
        return {}
    return {"node": sum(n for n, _ in splits), "user": sum(u for _, u in splits)}


declare(
    Action(
        # ``who`` may be "owner"; the node / user split is checked.
        "distribute",
        step=lambda ctx, who, minipool, rewards_only: ctx.cp.distribute(
            ctx.minipool(minipool), _owner(ctx, minipool, who), rewards_only
        ),
        expect=lambda m, cp, minipool, caller, rewards_only=False: m.distribute(
            minipool, caller, rewards_only, cp.now()
        ),
        call=lambda p, minipool, caller, rewards_only=False: p.distribute(
            minipool, by=caller, rewards_only=rewards_only
        ),
        values=_splits,
        entries=("minipool.distributeBalance",),
    )
)
declare(
    Action(
        "begin_user_distribute",
        step=lambda ctx, who, minipool: ctx.cp.begin_user_distribute(
            ctx.minipool(minipool), ctx.who(who)
        ),
        expect=lambda m, cp, minipool, caller: m.begin_user_distribute(minipool, caller, cp.now()),
        call=_by("beginUserDistribute"),
        entries=("minipool.beginUserDistribute",),
    )
)
declare(
    Action(
        "refund",
        step=lambda ctx, minipool: ctx.cp.refund(ctx.minipool(minipool), _owner(ctx, minipool)),
        expect=lambda m, cp, minipool, caller: m.refund(minipool, caller, now=cp.now()),
        call=_by("refund"),
        entries=("minipool.refund",),
    )
)
declare(
    Action(
        "finalise",
        step=lambda ctx, minipool: ctx.cp.finalise(ctx.minipool(minipool), _owner(ctx, minipool)),
        expect=lambda m, cp, minipool, caller: m.finalise(minipool, caller, now=cp.now()),
        call=_by("finalise"),
        entries=("minipool.finalise",),
    )
)
declare(
    Action(
        # Anyone slashes the node's RPL for the minipool's recorded shortfall.
        "slash",
        step=lambda ctx, who, minipool: ctx.cp.slash(ctx.minipool(minipool), ctx.who(who)),
        expect=lambda m, cp, minipool, caller: m.slash_minipool(minipool),
        call=_by("slash"),
        entries=("minipool.slash",),
    )
)

# --------------------------------------------------------------------------- bond reduction
declare(
    Action(
        # The owner announces a reduction to ``bond`` ETH (16 -> 8 is the one allowed).
        "begin_reduce_bond",
        step=lambda ctx, minipool, bond=8: ctx.cp.begin_reduce_bond(
            ctx.minipool(minipool), _owner(ctx, minipool), bond * ETH
        ),
        expect=lambda m, cp, minipool, node, new_bond=8 * ETH: m.begin_reduce_bond(
            minipool, node, cp.now(), new_bond
        ),
        call=lambda p, minipool, node, new_bond=8 * ETH: p.bond_reducer.beginReduceBondAmount(
            minipool.address, new_bond, sender=node
        ),
        entries=("bond_reducer.beginReduceBondAmount",),
    )
)
declare(
    Action(
        "vote_cancel_reduction",
        step=lambda ctx, member, minipool: ctx.cp.vote_cancel_reduction(
            ctx.who(member), ctx.minipool(minipool)
        ),
        expect=lambda m, cp, member, minipool: m.vote_cancel_reduction(
            member, minipool, now=cp.now()
        ),
        call=lambda p, member, minipool: p.bond_reducer.voteCancelReduction(
            minipool.address, sender=member
        ),
        entries=("bond_reducer.voteCancelReduction",),
    )
)
declare(
    Action(
        "reduce_bond",
        step=lambda ctx, minipool: ctx.cp.reduce_bond(
            ctx.minipool(minipool), _owner(ctx, minipool)
        ),
        expect=lambda m, cp, minipool, node: m.reduce_bond(minipool, node, cp.now()),
        call=lambda p, minipool, node: p.bond_reducer.reduceBondAmount(
            minipool.address, sender=node
        ),
        entries=("bond_reducer.reduceBondAmount",),
    )
)


# --------------------------------------------------------------------------- gifts
def _gift(cp: Any, sender: str, minipool: Any, wei: int) -> Expect:
    """``sender`` sends ETH to a minipool in a transaction: it is kept, to be distributed.

    The minipool's ``__default__`` accepts anything; the model books it
    as ETH that arrived from outside (like a beacon sweep).
    """
    expect, _ = cp.run(
        "gift",
        Expect(True, None, {}),
        lambda: cp.p.chain.raw_call(str(minipool.address), sender=sender, value=wei),
    )
    if cp.check:
        cp.model.credit(minipool.address, wei)
    return expect


declare(
    Action(
        "gift",
        step=lambda ctx, who, minipool, amount: ctx.cp.gift(
            ctx.who(who), ctx.minipool(minipool), amount
        ),
        flow=_gift,
    )
)


# --------------------------------------------------------------------------- machine rules
@machine_rule
@rule(data=st.data())
def create_minipool(self, data) -> None:
    """A node bonds 8 or 16 ETH (or a wrong amount) to create a minipool."""
    bond = data.draw(st.sampled_from([8, 8, 16, 16, 4]), label="bond")
    node = self._actor(data, "node_operator", label="node")
    self.do("create_minipool", node=node, bond=bond, credit=False, value=None)


@machine_rule
@precondition(lambda self: any(n.deposit_credit for n in self.model.nodes.values()))
@rule(data=st.data())
def create_minipool_with_credit(self, data) -> None:
    """A node with deposit credit bonds with it, sending some ETH or none."""
    node = self._actor(data, "node_operator", label="node")
    value = data.draw(st.sampled_from([0, ETH // 2, ETH, 4 * ETH]), label="value")
    self.do("create_minipool", node=node, bond=8, credit=True, value=value)


@machine_rule
@rule(data=st.data())
def assign_deposits(self, data) -> None:
    """Anyone asks the pool to assign ETH to the queue (or to, only if it may: ``maybe``)."""
    who = self._actor(data, "stranger", "depositor", label="who")
    if data.draw(st.booleans(), label="maybe"):
        self.do("maybe_assign_deposits", who=who)
    else:
        self.do("assign_deposits", who=who)


@machine_rule
@precondition(lambda self: self._minipools(PRELAUNCH))
@rule(data=st.data())
def stake(self, data) -> None:
    """The owner stakes a prelaunch minipool (too early is refused).

    Now, or a second before, at, or a second after the end of its scrub
    period (staking is allowed only once the period has passed: the
    second after it).
    """
    index = self._pick(data, self._minipools(PRELAUNCH), "minipool")
    mp = self.model.minipools[norm(self.ctx.minipools[index])]
    self._to_edge(data, [mp.status_time + self.model.settings["minipool.scrub.period"]])
    self.do("stake", minipool=index)


@machine_rule
@precondition(lambda self: self._minipools(PRELAUNCH))
@rule(data=st.data())
def vote_scrub(self, data) -> None:
    """An oDAO member votes to scrub a prelaunch minipool, or every member does, in turn.

    One vote at a time seldom reaches the quorum before the minipool
    stakes, so one draw in three carries the scrub to its end: every
    member votes (the one past the quorum is refused: it is dissolved),
    half of those with the scrub penalty switched on first.
    """
    index = self._pick(data, self._minipools(PRELAUNCH), "minipool")
    if data.draw(st.sampled_from([False, False, True]), label="every member"):
        self._scrub(data, index)  # the machine's: maybe the penalty on first
        return
    self.do("vote_scrub", member=self._actor(data, "odao_member", label="member"), minipool=index)


@machine_rule
@precondition(lambda self: self._minipools(PRELAUNCH))
@rule(data=st.data())
def dissolve(self, data) -> None:
    """A stranger dissolves a prelaunch minipool (only after the launch timeout).

    Now, or after waiting until exactly the timeout, or until a second
    before it: the edge where an off-by-one in the timeout shows.
    """
    index = self._pick(data, self._minipools(PRELAUNCH), "minipool")
    when = data.draw(st.sampled_from(["now", "at the timeout", "a second before"]), label="when")
    if when != "now":
        mp = self.model.minipools[norm(self.ctx.minipools[index])]
        edge = mp.status_time + self.model.settings["minipool.launch.timeout"]
        wait = edge - (when == "a second before") - self.p.now()
        if wait > 0:
            self.do("advance", seconds=wait)
    self.do("dissolve", who="stranger", minipool=index)


@machine_rule
@precondition(lambda self: self._minipools(DISSOLVED))
@rule(data=st.data())
def close(self, data) -> None:
    """The owner closes a dissolved minipool."""
    self.do("close", minipool=self._pick(data, self._minipools(DISSOLVED), "minipool"))


@machine_rule
@precondition(lambda self: self._minipools(STAKING, DISSOLVED))
@rule(data=st.data())
def distribute(self, data) -> None:
    """The owner, a depositor or a stranger distributes a minipool's balance."""
    index = self._pick(data, self._minipools(STAKING, DISSOLVED), "minipool")
    who = data.draw(st.sampled_from(["owner", "owner", "stranger", "depositor_1"]), label="who")
    rewards_only = data.draw(st.booleans(), label="rewards_only")
    mp = self.model.minipools[norm(self.ctx.minipools[index])]
    if who != "owner" and mp.user_distribute_time and not mp.user_distributed:
        # Around the opening or the closing of the users' distribution window.
        s = self.model.settings
        start = mp.user_distribute_time + s["minipool.user.distribute.window.start"]
        end = start + s["minipool.user.distribute.window.length"]
        self._to_edge(data, [start, end])
    self.do("distribute", who=who, minipool=index, rewards_only=rewards_only)


def exited(machine: Any) -> list[int]:
    """Staking minipools holding an exit (8 ETH or more besides the refund), not yet shared.

    The user-distribute timer can only start on these; drawn among every
    staking minipool, the timer was refused every time in a campaign of
    thousands of steps (most staking minipools hold only their skims).
    """
    out = []
    for index in machine._minipools(STAKING, user_distributed=False, finalised=False):
        mp = machine.model.minipools[norm(machine.ctx.minipools[index])]
        if mp.eth - mp.refund >= 8 * ETH:
            out.append(index)
    return out


@machine_rule
@precondition(lambda self: self._minipools(STAKING))
@rule(data=st.data())
def begin_user_distribute(self, data) -> None:
    """Anyone starts the user-distribute timer of a minipool, usually one that has exited.

    Three times in four, when some minipool holds an exit, one of those,
    and then half the time the timer is carried to its end: time passes
    to a second before, at or after the window's opening, and a stranger
    distributes (refused before it opens). Otherwise any staking minipool,
    which must be refused while its balance is a skim.
    """
    candidates = exited(self)
    if candidates and data.draw(st.sampled_from([True, True, True, False]), label="exited"):
        index = self._pick(data, candidates, "minipool")
    else:
        index = self._pick(data, self._minipools(STAKING), "minipool")
    self.do("begin_user_distribute", who="stranger", minipool=index)
    mp = self.model.minipools[norm(self.ctx.minipools[index])]
    if not mp.user_distribute_time or not data.draw(st.booleans(), label="to the window"):
        return
    start = mp.user_distribute_time + self.model.settings["minipool.user.distribute.window.start"]
    self._to_edge(data, [start])
    self.do("distribute", who="stranger", minipool=index, rewards_only=False)


@machine_rule
@precondition(lambda self: self._minipools(STAKING))
@rule(data=st.data())
def settle(self, data) -> None:
    """The owner takes its refund or finalises; anyone slashes a shortfall."""
    index = self._pick(data, self._minipools(STAKING), "minipool")
    kind = data.draw(st.sampled_from(["refund", "finalise", "slash"]), label="kind")
    if kind == "slash":
        self.do("slash", who="stranger", minipool=index)
    else:
        self.do(kind, minipool=index)


@machine_rule
@precondition(lambda self: self._minipools(STAKING, bond=16 * ETH))
@rule(data=st.data())
def bond_reduction(self, data) -> None:
    """A 16 ETH minipool's owner begins or completes a reduction; the oDAO may cancel.

    One begin in five asks for a bond that is not lower (16 ETH, or 8 ETH
    on a minipool already reduced) or not a bond at all (4 ETH): refused.
    """
    index = self._pick(data, self._minipools(STAKING, bond=16 * ETH), "minipool")
    kind = data.draw(st.sampled_from(["begin", "reduce", "cancel"]), label="kind")
    if kind == "begin":
        bond = data.draw(st.sampled_from([8, 8, 8, 8, 16, 4]), label="bond")
        reduced = self._minipools(STAKING, bond=8 * ETH)
        if bond == 16 and reduced and data.draw(st.booleans(), label="already reduced"):
            index, bond = self._pick(data, reduced, "reduced minipool"), 8
        self.do("begin_reduce_bond", minipool=index, bond=bond)
    elif kind == "reduce":
        # Around the window's opening or closing, when a reduction was begun.
        mp = self.model.minipools[norm(self.ctx.minipools[index])]
        if mp.reduce_time:
            s = self.model.settings
            start = mp.reduce_time + s["minipool.bond.reduction.window.start"]
            end = start + s["minipool.bond.reduction.window.length"]
            self._to_edge(data, [start, end])
        self.do("reduce_bond", minipool=index)
    elif data.draw(st.sampled_from([False, False, True]), label="every member"):
        # As with scrubs, single votes seldom add up to the quorum before the
        # reduction completes: one draw in three carries the cancel to its end
        # (the votes past the quorum are refused: it is cancelled).
        for member in [n for n in self.ctx.actors if n.startswith("odao_member")]:
            self.do("vote_cancel_reduction", member=member, minipool=index)
    else:
        member = self._actor(data, "odao_member", label="member")
        self.do("vote_cancel_reduction", member=member, minipool=index)


@machine_rule
@precondition(lambda self: self._minipools(STAKING, finalised=False))
@rule(data=st.data())
def gift(self, data) -> None:
    """A stranger sends a staking minipool ETH in a transaction: it is shared out as rewards.

    Only staking, unfinalised minipools. The truthful report counts the
    users' share of whatever a minipool holds, so ETH sent to a prelaunch
    minipool raises the rate; if that minipool is then dissolved, close()
    pays it all to the node and the reported rate is short of what is
    held (a solvency failure on unmodified contracts). And on a finalised
    minipool the model counts newly arrived ETH as staking while the
    oracle does not. Both are findings for the spec and the model, not
    for a rule that checks the contracts.
    """
    index = self._pick(data, self._minipools(STAKING, finalised=False), "minipool")
    amount = data.draw(st.sampled_from([1, 10**17, ETH]), label="amount")
    self.do("gift", who="stranger", minipool=index, amount=amount)
