"""Depositors' actions: deposit ETH for rETH, burn rETH for ETH, move rETH (transfer,
approve, transferFrom), send rETH's excess collateral back to the pool.

Each declaration holds the step (role names resolved to addresses), the
model's prediction, the facade call and the values checked; the machine
rules below draw them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import norm
from harness.model.limits import maximum_deposit
from harness.units import ETH

declare(
    Action(
        "deposit",
        step=lambda ctx, who, amount: ctx.cp.deposit(ctx.who(who), amount),
        expect=lambda m, cp, depositor, amount: m.deposit(depositor, amount, now=cp.now()),
        call=lambda p, depositor, amount: p.deposit(depositor, amount),
        values=lambda minted: {"minted": minted},
        wei=("amount",),
        entries=("deposit_pool.deposit",),
    )
)
declare(
    Action(
        "burn",
        step=lambda ctx, who, amount: ctx.cp.burn(ctx.who(who), amount),
        expect=lambda m, cp, holder, reth_amount: m.burn(holder, reth_amount, now=cp.now()),
        call=lambda p, holder, reth_amount: p.burn(holder, reth_amount),
        values=lambda paid: {"eth": paid},
        wei=("reth_amount",),
        entries=("reth.burn",),
    )
)
declare(
    Action(
        "transfer_reth",
        step=lambda ctx, who, to, amount: ctx.cp.transfer_reth(ctx.who(who), ctx.who(to), amount),
        expect=lambda m, cp, sender, to, amount: m.transfer_reth(sender, to, amount),
        call=lambda p, sender, to, amount: p.reth.transfer(to, amount, sender=sender),
        entries=("reth.transfer",),
    )
)
declare(
    Action(
        # The holder ``who`` lets ``spender`` move ``amount`` of its rETH (replacing any allowance).
        "approve_reth",
        step=lambda ctx, who, spender, amount: ctx.cp.approve_reth(
            ctx.who(who), ctx.who(spender), amount
        ),
        expect=lambda m, cp, owner, spender, amount: m.approve_token(
            "reth", owner, spender, amount
        ),
        call=lambda p, owner, spender, amount: p.reth.approve(spender, amount, sender=owner),
        entries=("reth.approve",),
    )
)
declare(
    Action(
        # ``who`` moves ``holder``'s rETH to ``to``, within the allowance ``holder`` gave it.
        "transfer_from_reth",
        step=lambda ctx, who, holder, to, amount: ctx.cp.transfer_from_reth(
            ctx.who(who), ctx.who(holder), ctx.who(to), amount
        ),
        expect=lambda m, cp, spender, owner, to, amount: m.transfer_from_token(
            "reth", spender, owner, to, amount
        ),
        call=lambda p, spender, owner, to, amount: p.reth.transferFrom(
            owner, to, amount, sender=spender
        ),
        entries=("reth.transferFrom",),
    )
)
declare(
    Action(
        # Anyone: rETH keeps ETH up to the collateral target and sends the rest to the pool.
        "deposit_excess_collateral",
        step=lambda ctx, who: ctx.cp.deposit_excess_collateral(ctx.who(who)),
        expect=lambda m, cp, caller: m.deposit_excess_collateral(now=cp.now()),
        call=lambda p, caller: p.reth.depositExcessCollateral(sender=caller),
        entries=("reth.depositExcessCollateral",),
    )
)


# --------------------------------------------------------------------------- machine rules
@machine_rule
@rule(data=st.data())
def deposit(self, data) -> None:
    """A depositor deposits: below the minimum, typical, past capacity, or at its very edge.

    The edge is the largest deposit the rules accept now (the pool
    maximum plus, while assignment is on, what the queue still needs),
    and one wei more: where an off-by-one in the capacity rule shows.
    The queue's part only counts while minipools wait, which is seldom
    (deposits keep the pool flush), so then half the deposits go to
    the edge.
    """
    edge = st.sampled_from(["limit", "past the limit"])
    amount = data.draw(
        st.one_of(
            st.sampled_from([0, 10**16 - 1, 10**16, 24 * ETH, 31 * ETH, 300 * ETH]),
            st.integers(min_value=10**16, max_value=64 * ETH),
            *[edge] * (4 if self.model.queue else 1),
        ),
        label="amount",
    )
    if isinstance(amount, str):
        limit = maximum_deposit(self.model)
        amount = limit if amount == "limit" else limit + 1
    self.do("deposit", who=self._actor(data, "depositor", label="who"), amount=amount)


@machine_rule
@precondition(lambda self: self.model.reth_supply > 0)
@rule(data=st.data())
def burn(self, data) -> None:
    """A holder burns part, all, or more than its rETH, or just past what can be paid.

    The last is the smallest burn worth more than the ETH the protocol
    can pay out now (rETH's balance plus the pool's excess), when the
    holder has that much: the collateral check's edge. Half the time a
    holder who can reach that edge burns just past it: a random holder
    seldom holds more than the pool can pay.
    """
    past = _past_the_collateral(self.model)
    holders = {n: _reth_of(self, n) for n in self.ctx.actors if n.startswith("depositor")}
    able = [n for n, held in holders.items() if held >= past]
    if able and data.draw(st.booleans(), label="at the edge"):
        self.edges.before_burn(self.model, self.model.eth_value(past))
        self.do("burn", who=self._pick(data, able, "who"), amount=past)
        return
    who = self._actor(data, "depositor", label="who")
    balance = holders[who]
    amounts = [balance // 4, balance // 2, balance, balance + 1, 0]
    if past <= balance:
        amounts.append(past)
    amount = data.draw(st.sampled_from(amounts), label="amount")
    # How close the burn's ETH value comes to the collateral, for hypothesis.target.
    self.edges.before_burn(self.model, self.model.eth_value(amount))
    self.do("burn", who=who, amount=amount)


@machine_rule
@precondition(lambda self: self.model.reth_supply > 0)
@rule(data=st.data())
def transfer_reth(self, data) -> None:
    """A holder moves rETH to another actor (now and then more than it holds)."""
    who = self._actor(data, "depositor", label="who")
    to = self._actor(data, "depositor", "node_operator", "stranger", label="to")
    balance = _reth_of(self, who)
    amount = data.draw(st.sampled_from([balance // 3, balance // 3, balance + 1]), label="amount")
    self.do("transfer_reth", who=who, to=to, amount=amount)


@machine_rule
@precondition(lambda self: self.model.reth_supply > 0)
@rule(data=st.data())
def reth_allowance(self, data) -> None:
    """A holder approves another actor, which then moves some of the holder's rETH.

    The spender takes part of the allowance, all of it, or one wei more
    (refused); now and then it spends with no new approval, against
    whatever allowance is left (often none). Approvals are of part of the
    balance, all of it, or the unlimited 2**256 - 1, which spending leaves
    as it is.
    """
    holder = self._actor(data, "depositor", label="holder")
    spender = self._actor(data, "depositor", "node_operator", "stranger", label="spender")
    balance = _reth_of(self, holder)
    if data.draw(st.sampled_from([True, True, True, False]), label="approve"):
        allowance = data.draw(
            st.sampled_from([balance // 2, balance, 2**256 - 1, 0]), label="allowance"
        )
        self.do("approve_reth", who=holder, spender=spender, amount=allowance)
    key = ("reth", norm(self.ctx.who(holder)), norm(self.ctx.who(spender)))
    left = self.model.allowances.get(key, 0)
    amount = data.draw(
        st.sampled_from([min(left, balance) // 2, min(left, balance), left + 1]), label="amount"
    )
    to = self._actor(data, "depositor", "node_operator", "stranger", label="to")
    self.do("transfer_from_reth", who=spender, holder=holder, to=to, amount=min(amount, 2**256 - 1))


@machine_rule
@rule(data=st.data())
def deposit_excess_collateral(self, data) -> None:
    """Anyone sends rETH's ETH above the collateral target to the deposit pool."""
    who = self._actor(data, "stranger", "depositor", label="who")
    self.do("deposit_excess_collateral", who=who)


def _reth_of(machine: Any, name: str) -> int:
    """The rETH actor ``name`` holds, as the model books it."""
    return machine.model.reth_balances.get(norm(machine.ctx.who(name)), 0)


def _past_the_collateral(m: Any) -> int:
    """The least rETH whose ETH value, at the reported rate, exceeds the collateral."""
    collateral = m.excess_balance() + m.reth_eth
    supply, total = m.report.reth_supply, m.report.total_eth
    if supply == 0 or total == 0:
        return collateral + 1
    return -(-(collateral + 1) * supply // total)  # rounded up
