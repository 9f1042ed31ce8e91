"""Depositors' actions: deposit ETH for rETH, burn rETH for ETH, transfer rETH.

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
    )
)
declare(
    Action(
        "transfer_reth",
        step=lambda ctx, who, to, amount: ctx.cp.transfer_reth(ctx.who(who), ctx.who(to), amount),
        expect=lambda m, cp, sender, to, amount: m.transfer_reth(sender, to, amount),
        call=lambda p, sender, to, amount: p.reth.transfer(to, amount, sender=sender),
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
