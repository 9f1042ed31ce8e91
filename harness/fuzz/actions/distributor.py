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

The amounts a block pays are drawn from ``[proposals]`` in ``boa_config.toml``.
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

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

    At any time: mid-reduction, after exits, with nothing in it. On revm a
    withdrawal address with code cannot send (EIP-3607): the node calls then.
    """
    registered = {norm(a) for a in self.model.nodes}
    nodes = [n for n, a in self.ctx.actors.items() if norm(a) in registered]
    node = self._pick(data, sorted(nodes), "node")
    who = data.draw(st.sampled_from(["node", "withdrawal", "stranger"]), label="who")
    if who == "withdrawal" and not getattr(self.p.chain, "senders_may_have_code", True):
        payee = self.model.withdrawal_address(self.ctx.who(node))
        if self.p.chain.get_code(payee):
            who = "node"
    self.do("distribute_fees", node=node, who=who)
