"""The step vocabulary: every action a campaign takes, as plain data.

A step is ``{"rule": name, "args": {...}}`` with JSON values only: actors by
role name (``"depositor_0"``, ``"node_operator_1"``, ``"odao_member_2"``,
``"guardian"``, ``"stranger"``, and the contract actors ``"refuser"`` and
``"reentrant"`` of :mod:`harness.chain.actors`), minipools by their
creation index, amounts in wei. :func:`execute` performs a step on a
:class:`StepContext`, so the stateful machine, the replayer and the
benchmark share one definition of what each step does: checked against the
model, or bare. What each step does is declared with its action, in
:mod:`harness.fuzz.actions` (:data:`ACTIONS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.chain.actors import REENTRANT, REFUSER, contract_actors
from harness.chain.protocol import Protocol
from harness.fuzz.actions import ACTIONS
from harness.fuzz.checked import CheckedProtocol
from harness.fuzz.followups import follow_up

__all__ = ["StepContext", "execute"]


@dataclass
class StepContext:
    """What steps run against: the (checked or bare) protocol and the names it knows.

    ``contracts`` holds the handles of the contract actors, by role name.
    """

    cp: CheckedProtocol
    actors: dict[str, str]
    minipools: list[str] = field(default_factory=list)  # creation order
    contracts: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, p: Protocol, check: bool = True) -> StepContext:
        """A context over ``p``: actors named by role; a funded stranger and the contract actors.

        The model (when checking) learns which contract actor refuses ETH and
        which re-enters.
        """
        actors = {"guardian": p.guardian}
        for group, prefix in (
            (p.depositors, "depositor"),
            (p.node_operators, "node_operator"),
            (p.odao_members, "odao_member"),
        ):
            for i, address in enumerate(group):
                actors[f"{prefix}_{i}"] = address
        stranger = p.chain.generate_address("stranger")
        p.chain.set_balance(stranger, p.config.eth_per_actor)
        actors["stranger"] = stranger
        contracts = contract_actors(p.chain)
        for role, contract in contracts.items():
            actors[role] = str(contract.address)
        cp = CheckedProtocol(p, check=check)
        if check:
            cp.model.add_refuser(actors[REFUSER])
            cp.model.add_reentrant(actors[REENTRANT])
        return cls(cp, actors, contracts=contracts)

    @property
    def p(self) -> Protocol:
        """The plain facade."""
        return self.cp.p

    def who(self, name: str) -> str:
        """The address of actor ``name``."""
        return self.actors[name]

    def minipool(self, index: int) -> Any:
        """The handle of the ``index``-th minipool created."""
        return self.p.minipool_at(self.minipools[index])


def execute(ctx: StepContext, rule: str, args: dict[str, Any]) -> Any:
    """Perform one step; raises KeyError for an unknown rule, TypeError for bad arguments.

    A checked step that succeeded is followed by reads of the views it can
    change (:func:`harness.fuzz.followups.follow_up`), compared with the model.
    """
    result = ACTIONS[rule].step(ctx, **args)
    follow_up(ctx, rule, args, result)
    return result
