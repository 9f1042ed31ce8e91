"""MEV-theft penalties: the oDAO votes a penalty on a thieving minipool, and the guardian's cap.

- ``submit_penalty``: an oDAO member votes a penalty on a minipool (a
  creation index, or an actor's name for an address that is no minipool)
  for a block; the vote that reaches ``network.penalty.threshold`` applies
  it, and from the minipool's third penalty its rate rises.
- ``execute_update_penalty``: anyone applies a penalty whose votes have
  consensus but that was not applied when they were cast.
- ``set_max_penalty_rate``: the guardian sets the cap on every minipool's rate.

The machine's honest flow is theft, then each member's vote:
``penalise_theft`` has a live validator propose a block paying another fee
recipient (the ``propose`` step with ``stolen``), then every member votes a
penalty for that block, in turn (those after the one that applied it are
refused: already applied), one draw in three three times over, so the rate
bites at the minipool's exit. ``vote_penalty`` draws the rest: a lone
(minority or dishonest) vote, a member voting again, a vote on a ballot
already applied, on a closed minipool or on an address that is no minipool.
``penalty_after_members_left`` has the members who did not vote on an open
ballot leave, a stranger apply the penalty, and the leavers come back;
``execute_penalty`` has a stranger try any ballot.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from harness.chain.beacon import ACTIVE
from harness.chain.status import STAKING
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import norm
from harness.units import ETH, GWEI, ONE

# Caps the guardian's rule draws: none (penalties take nothing), the per-penalty
# rate, the deployment's default, all of the share, and past it (capped at the share).
MAX_RATES = (0, ONE // 10, ONE // 2, ONE, 2 * ONE)


def _target(ctx: Any, minipool: int | str) -> str:
    """The address voted on: minipool ``minipool`` (an index), or an actor's (a name)."""
    if isinstance(minipool, int):
        return ctx.minipools[minipool]
    return ctx.who(minipool)


def _count(p: Any, minipool: str) -> dict[str, int]:
    return {"count": p.network_penalties.getPenaltyCount(minipool)}


declare(
    Action(
        "submit_penalty",
        step=lambda ctx, member, minipool, block: ctx.cp.submit_penalty(
            ctx.who(member), _target(ctx, minipool), block
        ),
        expect=lambda m, cp, member, minipool, block: m.submit_penalty(member, minipool, block),
        call=lambda p, member, minipool, block: (
            p.network_penalties.submitPenalty(minipool, block, sender=member),
            _count(p, minipool),
        )[1],
        values=lambda result: result,
        entries=("network_penalties.submitPenalty",),
    )
)
declare(
    Action(
        # Anyone; the machine draws a stranger.
        "execute_update_penalty",
        step=lambda ctx, minipool, block, who="stranger": ctx.cp.execute_update_penalty(
            _target(ctx, minipool), block, ctx.who(who)
        ),
        expect=lambda m, cp, minipool, block, caller: m.execute_update_penalty(minipool, block),
        call=lambda p, minipool, block, caller: (
            p.network_penalties.executeUpdatePenalty(minipool, block, sender=caller),
            _count(p, minipool),
        )[1],
        values=lambda result: result,
        entries=("network_penalties.executeUpdatePenalty",),
    )
)
declare(
    Action(
        "set_max_penalty_rate",
        step=lambda ctx, rate: ctx.cp.set_max_penalty_rate(ctx.p.guardian, rate),
        expect=lambda m, cp, caller, rate: m.set_max_penalty_rate(caller, rate),
        call=lambda p, caller, rate: p.minipool_penalty.setMaxPenaltyRate(rate, sender=caller),
        entries=("minipool_penalty.setMaxPenaltyRate",),
    )
)


# --------------------------------------------------------------------------- machine rules
def _live(machine: Any) -> list[int]:
    """Staking minipools whose validator is active and not slashed: they propose blocks."""
    out = []
    for index in machine._minipools(STAKING, finalised=False):
        mp = machine.model.minipools[norm(machine.ctx.minipools[index])]
        try:
            validator = machine.p.beacon.validator(mp.pubkey)
        except KeyError:
            continue
        if validator.status == ACTIVE and not validator.slashed:
            out.append(index)
    return out


def _members(machine: Any) -> list[str]:
    return [n for n in machine.ctx.actors if n.startswith("odao_member")]


def _ballots(machine: Any) -> list[tuple[int, int]]:
    """``(minipool index, block)`` of every ballot the model holds, in a fixed order."""
    index = {norm(a): i for i, a in enumerate(machine.ctx.minipools)}
    keys = sorted(machine.model._penalty_ballots, key=lambda k: (index.get(k[0], -1), k[1]))
    return [(index[a], block) for a, block in keys if a in index]


@machine_rule
@precondition(lambda self: _live(self))
@rule(data=st.data())
def penalise_theft(self, data) -> None:
    """A live validator sends a block's fees elsewhere; every member votes a penalty for it.

    One draw in three the node steals three times over (three penalties: the
    third sets the rate its exit pays). The block voted on is the chain's
    block at the theft. Members vote in turn; those after the vote that
    applied the penalty are refused, as a slower oracle's would be.
    """
    index = self._pick(data, _live(self), "minipool")
    times = data.draw(st.sampled_from([1, 1, 3]), label="thefts")
    for theft in range(times):
        if theft:
            self.do("advance", seconds=12)  # the next theft is another block's
        fees = data.draw(st.integers(1, 2 * ETH // GWEI), label="stolen fees") * GWEI
        self.do("propose", minipool=index, fees=fees, stolen=True)
        block = self.p.chain.block_number
        for member in _members(self):
            self.do("submit_penalty", member=member, minipool=index, block=block)


@machine_rule
@precondition(lambda self: self.ctx.minipools)
@rule(data=st.data())
def vote_penalty(self, data) -> None:
    """One member's vote: on a ballot already open or applied, or a new one, or on no minipool.

    A lone vote on a new ballot is a minority (or dishonest) one: with 3
    members it applies nothing. Drawing an open ballot again lets a member
    vote twice, or reach consensus late; an applied one is a stale vote.
    """
    member = self._actor(data, "odao_member", label="member")
    ballots = _ballots(self)
    kind = data.draw(
        st.sampled_from(["ballot", "ballot", "new", "no minipool"] if ballots else ["new"]),
        label="kind",
    )
    if kind == "ballot":
        index, block = self._pick(data, ballots, "ballot")
        self.do("submit_penalty", member=member, minipool=index, block=block)
        return
    block = max(0, self.p.chain.block_number - data.draw(st.integers(0, 3), label="blocks back"))
    if kind == "no minipool":
        self.do("submit_penalty", member=member, minipool="stranger", block=block)
        return
    index = data.draw(st.integers(0, len(self.ctx.minipools) - 1), label="minipool")
    self.do("submit_penalty", member=member, minipool=index, block=block)


def _open_with_votes(machine: Any) -> list[tuple[int, int]]:
    """Ballots not applied whose votes count for something: members leaving can carry them."""
    return [
        (i, b)
        for i, b in _ballots(machine)
        if not machine.model.penalty_applied(machine.ctx.minipools[i], b)
        and machine.model.penalty_votes(machine.ctx.minipools[i], b)
    ]


@machine_rule
@precondition(lambda self: _open_with_votes(self))
@rule(data=st.data())
def penalty_after_members_left(self, data) -> None:
    """The members who did not vote leave, a stranger applies the penalty, they come back.

    The way a penalty with too few votes reaches consensus later, as the
    reference's ``executeUpdatePenalty`` exists for: the remaining members
    are all voters, so the stranger's call applies it; the leavers are
    admitted again, as new memberships.
    """
    index, block = self._pick(data, _open_with_votes(self), "ballot")
    address = norm(self.ctx.minipools[index])
    voters = {m for m, n in self.model._penalty_ballots[(address, block)]}
    leavers = [
        n
        for n in _members(self)
        if norm(self.ctx.who(n)) in self.model.members and norm(self.ctx.who(n)) not in voters
    ]
    for member in leavers:
        self.do("remove_member", member=member)
    self.do("execute_update_penalty", minipool=index, block=block)
    for member in leavers:
        self.do("add_member", member=member)


@machine_rule
@precondition(lambda self: self.ctx.minipools)
@rule(data=st.data())
def execute_penalty(self, data) -> None:
    """A stranger applies a penalty: one with consensus (after members left or the threshold
    fell), one not yet there, or one already applied."""
    ballots = _ballots(self)
    # Ballots with consensus not yet applied (members left, or the threshold fell) first.
    ready = [
        (i, b)
        for i, b in ballots
        if not self.model.penalty_applied(self.ctx.minipools[i], b)
        and self.model._penalty_reached((norm(self.ctx.minipools[i]), b))
    ]
    if ready and data.draw(st.booleans(), label="ready ballot"):
        index, block = self._pick(data, ready, "ballot")
    elif ballots and data.draw(st.sampled_from([True, True, False]), label="known ballot"):
        index, block = self._pick(data, ballots, "ballot")
    else:
        index = data.draw(st.integers(0, len(self.ctx.minipools) - 1), label="minipool")
        block = self.p.chain.block_number
    self.do("execute_update_penalty", minipool=index, block=block)


@machine_rule
@rule(data=st.data())
def set_max_penalty_rate(self, data) -> None:
    """The guardian sets the cap on penalty rates: none, 10%, 50%, 100% or 200%."""
    self.do("set_max_penalty_rate", rate=self._pick(data, list(MAX_RATES), "rate"))
