"""Node operators' actions: register, set a timezone, stake and withdraw RPL, move RPL
(transfer, approve, transferFrom), set a withdrawal address and confirm a pending one.

Each declaration holds the step (role names resolved to addresses), the
model's prediction and the facade call; the machine rules below draw them.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from harness.chain.actors import REENTRANT, REFUSER
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import norm
from harness.units import ETH

declare(
    Action(
        "register_node",
        step=lambda ctx, node: ctx.cp.register_node(ctx.who(node)),
        expect=lambda m, cp, node: m.register_node(node, now=cp.now()),
        call=lambda p, node: p.register_node(node),
        entries=("node_manager.registerNode",),
    )
)
declare(
    Action(
        # The step first has the guardian send the node the RPL it stakes.
        "stake_rpl",
        step=lambda ctx, node, amount: (
            ctx.cp.fund_rpl(ctx.who(node), amount),
            ctx.cp.stake_rpl(ctx.who(node), amount),
        ),
        expect=lambda m, cp, node, amount: m.stake_rpl(node, amount, now=cp.now()),
        call=lambda p, node, amount: p.stake_rpl(node, amount),
        wei=("amount",),
        entries=("rpl.approve", "node_staking.stakeRPL"),
    )
)
declare(
    Action(
        "withdraw_rpl",
        step=lambda ctx, node, amount: ctx.cp.withdraw_rpl(ctx.who(node), amount),
        expect=lambda m, cp, node, amount: m.withdraw_rpl(node, amount, now=cp.now()),
        call=lambda p, node, amount: p.withdraw_rpl(node, amount),
        wei=("amount",),
        entries=("node_staking.withdrawRPL",),
    )
)
declare(
    Action(
        # ``by`` (default: the node itself) sets a new address, at once or, without
        # ``confirm``, pending until that address confirms it.
        "set_withdrawal_address",
        step=lambda ctx, node, to, by=None, confirm=True: ctx.cp.set_withdrawal_address(
            ctx.who(node), ctx.who(by or node), ctx.who(to), confirm
        ),
        expect=lambda m, cp, node, caller, new_address, confirm=True: m.set_withdrawal_address(
            node, caller, new_address, confirm
        ),
        call=lambda p, node, caller, new_address, confirm=True: p.node_manager.setWithdrawalAddress(
            node, new_address, confirm, sender=caller
        ),
        entries=("node_manager.setWithdrawalAddress",),
    )
)
declare(
    Action(
        # ``by`` confirms itself as ``node``'s withdrawal address: only the pending one may.
        "confirm_withdrawal_address",
        step=lambda ctx, node, by: ctx.cp.confirm_withdrawal_address(ctx.who(node), ctx.who(by)),
        expect=lambda m, cp, node, caller: m.confirm_withdrawal_address(node, caller),
        call=lambda p, node, caller: p.node_manager.confirmWithdrawalAddress(node, sender=caller),
        entries=("node_manager.confirmWithdrawalAddress",),
    )
)
declare(
    Action(
        "set_timezone",
        step=lambda ctx, node, timezone: ctx.cp.set_timezone(ctx.who(node), timezone),
        expect=lambda m, cp, node, timezone: m.set_timezone_location(node, timezone),
        call=lambda p, node, timezone: p.node_manager.setTimezoneLocation(timezone, sender=node),
        entries=("node_manager.setTimezoneLocation",),
    )
)
declare(
    Action(
        "transfer_rpl",
        step=lambda ctx, who, to, amount: ctx.cp.transfer_rpl(ctx.who(who), ctx.who(to), amount),
        expect=lambda m, cp, sender, to, amount: m.transfer_rpl(sender, to, amount),
        call=lambda p, sender, to, amount: p.rpl.transfer(to, amount, sender=sender),
        entries=("rpl.transfer",),
    )
)
declare(
    Action(
        # The holder ``who`` lets ``spender`` move ``amount`` of its RPL (replacing any allowance).
        "approve_rpl",
        step=lambda ctx, who, spender, amount: ctx.cp.approve_rpl(
            ctx.who(who), ctx.who(spender), amount
        ),
        expect=lambda m, cp, owner, spender, amount: m.approve_token("rpl", owner, spender, amount),
        call=lambda p, owner, spender, amount: p.rpl.approve(spender, amount, sender=owner),
        entries=("rpl.approve",),
    )
)
declare(
    Action(
        # ``who`` moves ``holder``'s RPL to ``to``, within the allowance ``holder`` gave it.
        "transfer_from_rpl",
        step=lambda ctx, who, holder, to, amount: ctx.cp.transfer_from_rpl(
            ctx.who(who), ctx.who(holder), ctx.who(to), amount
        ),
        expect=lambda m, cp, spender, owner, to, amount: m.transfer_from_token(
            "rpl", spender, owner, to, amount
        ),
        call=lambda p, spender, owner, to, amount: p.rpl.transferFrom(
            owner, to, amount, sender=spender
        ),
        entries=("rpl.transferFrom",),
    )
)

# Timezones a node sets: real ones, and one a character short of the minimum (refused).
TIMEZONES = ["Europe/Lisbon", "Asia/Tokyo", "Etc/GMT+12", "UTC"]


# --------------------------------------------------------------------------- machine rules
@machine_rule
@rule(data=st.data())
def register_node(self, data) -> None:
    """A node operator, or a stranger, registers (again)."""
    self.do("register_node", node=self._actor(data, "node_operator", "stranger", label="node"))


@machine_rule
@rule(data=st.data())
def stake_rpl(self, data) -> None:
    """A node stakes more RPL."""
    amount = data.draw(st.sampled_from([0, 100 * ETH, 1_000 * ETH]), label="amount")
    self.do("stake_rpl", node=self._actor(data, "node_operator", label="node"), amount=amount)


@machine_rule
@rule(data=st.data())
def withdraw_rpl(self, data) -> None:
    """A node tries to withdraw RPL (only above its maximum, after the cooldown)."""
    amount = data.draw(st.sampled_from([ETH, 500 * ETH, 5_000 * ETH]), label="amount")
    node = self._actor(data, "node_operator", label="node")
    state = self.model.nodes.get(norm(self.ctx.who(node)))
    if state is not None and state.rpl_staked_time:
        # Around the end of the cooldown since the node last staked.
        cooldown = self.model.settings["node.rpl.withdrawal.cooldown"]
        self._to_edge(data, [state.rpl_staked_time + cooldown])
    self.do("withdraw_rpl", node=node, amount=amount)


@machine_rule
@rule(data=st.data())
def set_withdrawal_address(self, data) -> None:
    """A node points its withdrawal address at a depositor, back at itself, or at a contract.

    The contracts: one refuses ETH (every payment to it must revert),
    one calls the paying minipool back (the lock must refuse it). Half
    the calls pick a contract, the re-entrant one twice as often as the
    refuser, which stalls the node's payouts until it is pointed away.
    The node is one whose minipools will pay it something, when there is
    one: pointing any other is moot. One call in ten is a stranger trying
    to take the node's payouts.
    """
    unpaid = {mp.node for mp in self.model.minipools.values() if not (mp.finalised or mp.destroyed)}
    owners = [n for n in self.ctx.actors if norm(self.ctx.who(n)) in unpaid]
    if owners:
        node = self._pick(data, owners, "node")
    else:
        node = self._actor(data, "node_operator", label="node")
    kind = data.draw(
        st.sampled_from(["depositor", "depositor", "node", REFUSER, REENTRANT, REENTRANT]),
        label="kind",
    )
    if kind == "depositor":
        to = self._actor(data, "depositor", label="to")
    else:
        to = node if kind == "node" else kind
    if data.draw(st.integers(0, 9), label="by_stranger") == 0:
        # Neither the node nor its withdrawal address: refused.
        self.do("set_withdrawal_address", node=node, to="stranger", by="stranger")
        return
    self.do("set_withdrawal_address", node=node, to=to)


@machine_rule
@rule(data=st.data())
def set_timezone(self, data) -> None:
    """A node (or a stranger, which must register first) moves its timezone location."""
    node = self._actor(data, "node_operator", "stranger", label="node")
    self.do("set_timezone", node=node, timezone=self._pick(data, TIMEZONES, "timezone"))


@machine_rule
@rule(data=st.data())
def change_withdrawal_address(self, data) -> None:
    """The two-step change: a node names a pending address, which then confirms itself.

    Or the wrong address confirms (refused, the pending one stays), or
    the pending one confirms twice (the second refused: nothing is
    pending any more), or a stranger names itself (refused).
    """
    node = self._actor(data, "node_operator", label="node")
    to = self._actor(data, "depositor", "node_operator", label="to")
    kind = data.draw(
        st.sampled_from(["confirm", "wrong address", "twice", "stranger"]), label="kind"
    )
    if kind == "stranger":
        self.do("set_withdrawal_address", node=node, to="stranger", by="stranger", confirm=False)
        return
    self.do("set_withdrawal_address", node=node, to=to, confirm=False)
    if kind == "wrong address":
        self.do("confirm_withdrawal_address", node=node, by="stranger")
        # The pointed-at address can still confirm, so a node is not left pointing nowhere.
    self.do("confirm_withdrawal_address", node=node, by=to)
    if kind == "twice":
        self.do("confirm_withdrawal_address", node=node, by=to)


@machine_rule
@rule(data=st.data())
def move_rpl(self, data) -> None:
    """A node or depositor moves RPL: a transfer, or an approval and a transferFrom.

    Amounts are part of the holder's balance, all of it or one wei more;
    the spender takes part of its allowance, all of it or one wei more.
    """
    holder = self._actor(data, "node_operator", "depositor", label="holder")
    to = self._actor(data, "node_operator", "depositor", "stranger", label="to")
    balance = self.model.rpl_balances.get(norm(self.ctx.who(holder)), 0)
    if data.draw(st.booleans(), label="transfer"):
        amount = data.draw(st.sampled_from([balance // 2, balance, balance + 1]), label="amount")
        self.do("transfer_rpl", who=holder, to=to, amount=amount)
        return
    spender = self._actor(data, "depositor", "node_operator", "stranger", label="spender")
    allowance = data.draw(st.sampled_from([balance // 2, balance, 2**256 - 1]), label="allowance")
    self.do("approve_rpl", who=holder, spender=spender, amount=allowance)
    amount = data.draw(
        st.sampled_from([min(allowance, balance) // 2, min(allowance, balance), balance + 1]),
        label="amount",
    )
    self.do("transfer_from_rpl", who=spender, holder=holder, to=to, amount=amount)
