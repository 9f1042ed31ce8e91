"""Execution-layer rewards: block proposals paying fee distributors, and ``distribute()``.

- ``propose``: a live validator (a staking minipool's, active, not slashed)
  proposes a block (:meth:`BeaconChain.propose`; time passing gives blocks
  too, at the ``[proposals]`` rate: ``advance`` with a seed, in ``clock``)
  whose priority fees and MEV go to its fee recipient: its node's fee
  distributor, or, as a fault (``stolen``), an address outside the
  protocol (:data:`ELSEWHERE`). A step only: the balance rises and no code
  runs (as a beacon withdrawal does), the model is told, and the
  invariants see what follows.
- ``distribute_fees``: anyone (the node, its withdrawal address, a stranger)
  distributes a registered node's distributor; the model predicts the split
  to the wei (the ``FeesDistributed`` event's amounts are compared).

- ``reenter_with``: the re-entrant withdrawal address (``harness.chain.actors``)
  changes what it calls back on its payer: ``distributeBalance(false)``
  (its default: a minipool's entry point) or ``distribute()`` (a fee
  distributor's), so a distributor paying it is re-entered too.

The amounts a block pays are drawn from ``[proposals]`` in ``boa_config.toml``.
"""

from __future__ import annotations

from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from harness.chain.actors import REENTRANT
from harness.chain.beacon import ACTIVE
from harness.chain.status import STAKING
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import norm
from harness.units import GWEI, ONE

# The fee recipient a thieving proposer names instead: no actor, no contract; its
# ETH leaves the world the invariants count (it never reached the protocol).
ELSEWHERE = "0x" + keccak(b"rpfuzz: another fee recipient")[12:].hex()


def _propose(ctx: Any, minipool: int, fees: int, stolen: bool = False) -> None:
    """Minipool ``minipool``'s validator proposes a block paying ``fees`` wei."""
    handle = ctx.minipool(minipool)
    validator = ctx.p.validator(handle)
    if validator is None or validator.status != ACTIVE or validator.slashed or fees <= 0:
        return
    ctx.p.beacon.propose(validator, fees, recipient=ELSEWHERE if stolen else None)


# What the re-entrant withdrawal address calls back on whoever pays it.
REENTRY_CALLS = {
    "distributeBalance": keccak(b"distributeBalance(bool)")[:4] + abi_encode(["bool"], [False]),
    "distribute": keccak(b"distribute()")[:4],
}


def _reenter_with(ctx: Any, call: str) -> None:
    """The re-entrant actor calls back ``call`` (a key of :data:`REENTRY_CALLS`) from now on."""
    if call not in REENTRY_CALLS:
        raise ValueError(f"reenter_with: unknown call {call!r}; one of {sorted(REENTRY_CALLS)}")
    ctx.contracts[REENTRANT].setReentryCall(REENTRY_CALLS[call])


def _fee_split(logs: list[Any]) -> dict[str, int]:
    split = [log for log in logs if type(log).__name__ == "FeesDistributed"]
    if not split:
        return {}
    return {"user": split[-1].userAmount, "node": split[-1].nodeAmount}


def _distribute_fees(p: Any, node: str, caller: str) -> list[Any]:
    distributor = p.distributor(node)
    distributor.distribute(sender=caller)
    return distributor.get_logs()


def _caller(ctx: Any, node: str, who: str) -> str:
    """``who``: ``"node"``, ``"withdrawal"`` (the node's withdrawal address) or an actor's name."""
    if who == "node":
        return ctx.who(node)
    if who == "withdrawal":
        return ctx.p.node_manager.getNodeWithdrawalAddress(ctx.who(node))
    return ctx.who(who)


declare(
    Action(
        "propose",
        step=lambda ctx, minipool, fees, stolen=False: _propose(ctx, minipool, fees, stolen),
    )
)
declare(Action("reenter_with", step=_reenter_with))
declare(
    Action(
        "distribute_fees",
        step=lambda ctx, node, who="stranger": ctx.cp.distribute_fees(
            ctx.who(node), _caller(ctx, node, who)
        ),
        expect=lambda m, cp, node, caller: m.distribute_fees(node),
        call=_distribute_fees,
        values=_fee_split,
        entries=("distributor.distribute",),
    )
)


# --------------------------------------------------------------------------- machine rules
def _live(machine: Any) -> list[int]:
    """Staking minipools whose validator is active and not slashed: they propose blocks.

    Read from the model's records and the beacon chain, no contract call: the
    precondition asks before every rule.
    """
    out = []
    beacon = machine.p.beacon
    for index in machine._minipools(STAKING, finalised=False):
        mp = machine.model.minipools[norm(machine.ctx.minipools[index])]
        try:
            validator = beacon.validator(mp.pubkey)
        except KeyError:
            continue
        if validator.status == ACTIVE and not validator.slashed:
            out.append(index)
    return out


def propose_block(machine: Any, data: Any, index: int) -> None:
    """Minipool ``index``'s live validator proposes a block, its amounts drawn from ``[proposals]``.

    Priority fees up to ``priority_fee``, MEV up to ``mev`` in a share
    ``mev_chance`` of blocks, paid to another recipient in a share
    ``theft_chance``; whole gwei, as the execution layer pays.
    """
    self = machine
    cfg = self.p.config.proposals
    fees = data.draw(st.integers(0, cfg.priority_fee // GWEI), label="priority fees") * GWEI
    if data.draw(st.integers(0, ONE - 1), label="mev roll") < cfg.mev_chance:
        fees += data.draw(st.integers(1, cfg.mev // GWEI), label="mev") * GWEI
    stolen = data.draw(st.integers(0, ONE - 1), label="theft roll") < cfg.theft_chance
    self.do("propose", minipool=index, fees=fees, stolen=stolen)


@machine_rule
@precondition(lambda self: _live(self))
@rule(data=st.data())
def propose(self, data) -> None:
    """A live validator proposes a block: priority fees, maybe MEV, to its fee recipient."""
    propose_block(self, data, self._pick(data, _live(self), "minipool"))


@machine_rule
@precondition(lambda self: self.model.nodes and self.model.has_distributors())
@rule(data=st.data())
def distribute_fees(self, data) -> None:
    """The node, its withdrawal address or a stranger distributes a node's fee distributor.

    At any time: mid-reduction, after exits, with nothing in it (two
    calls in three pick a distributor that holds something, when one does).
    """
    registered = {norm(a) for a in self.model.nodes}
    nodes = sorted(n for n, a in self.ctx.actors.items() if norm(a) in registered)
    # Most calls go to a distributor that holds something: an empty one splits nothing.
    holding = [n for n in nodes if self.model.distributor_balance(self.ctx.who(n)) > 0]
    if holding and data.draw(st.sampled_from([True, True, False]), label="holding"):
        nodes = holding
    _distribute_by(self, data, self._pick(data, nodes, "node"))


def _distribute_by(machine: Any, data: Any, node: str) -> None:
    """The node, its withdrawal address or a stranger (drawn) distributes ``node``'s distributor.

    On revm a withdrawal address with code cannot send (EIP-3607): the node calls then.
    """
    self = machine
    who = data.draw(st.sampled_from(["node", "withdrawal", "stranger"]), label="who")
    payee = self.model.withdrawal_address(self.ctx.who(node))
    senders_may_have_code = getattr(self.p.chain, "senders_may_have_code", True)
    if who == "withdrawal" and not senders_may_have_code and self.p.chain.get_code(payee):
        who = "node"
    self.do("distribute_fees", node=node, who=who)


# Node fees the guardian moves the network to (the contracts' bounds are 5% and 20%).
NODE_FEES = [5 * 10**16, 10 * 10**16, 14 * 10**16, 20 * 10**16]


@machine_rule
@precondition(lambda self: self.model.has_distributors() and self.model.nodes)
@rule(data=st.data())
def move_node_fee(self, data) -> None:
    """The guardian moves the network's node fee (target, or minimum, target and maximum).

    Minipools keep the fee they were created with, so a node's average fee
    and the network's part ways: a distributor must split by the node's
    own average. Moving all three makes new minipools take the new fee,
    so one node's minipools carry different fees and the average weighs them.
    """
    fee = self._pick(data, NODE_FEES, "fee")
    if data.draw(st.booleans(), label="all three"):
        for path in ("network.node.fee.minimum", "network.node.fee.maximum"):
            self.do("set_setting", path=path, value=fee)
    self.do("set_setting", path="network.node.fee.target", value=fee)
