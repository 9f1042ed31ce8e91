"""Node operators' actions: register, stake and withdraw RPL, set a withdrawal address.

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
    )
)
declare(
    Action(
        "withdraw_rpl",
        step=lambda ctx, node, amount: ctx.cp.withdraw_rpl(ctx.who(node), amount),
        expect=lambda m, cp, node, amount: m.withdraw_rpl(node, amount, now=cp.now()),
        call=lambda p, node, amount: p.withdraw_rpl(node, amount),
        wei=("amount",),
    )
)
declare(
    Action(
        # ``by`` (default: the node itself) sets a new address, confirmed at once.
        "set_withdrawal_address",
        step=lambda ctx, node, to, by=None: ctx.cp.set_withdrawal_address(
            ctx.who(node), ctx.who(by or node), ctx.who(to)
        ),
        expect=lambda m, cp, node, caller, new_address: m.set_withdrawal_address(
            node, caller, new_address, True
        ),
        call=lambda p, node, caller, new_address: p.node_manager.setWithdrawalAddress(
            node, new_address, True, sender=caller
        ),
    )
)


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
