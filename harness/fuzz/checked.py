"""The checked facade: every flow asks the reference model first, then the contracts.

:class:`CheckedProtocol` wraps a :class:`~harness.chain.protocol.Protocol` with a
:class:`~harness.model.Model`. Each flow gets the model's prediction (an
:class:`~harness.model.Expect`: must it succeed, or revert with which
reason), makes the real call, and raises the ``outcome`` invariant
(:func:`invariants.check_outcome`) when the two disagree: a call the model accepts that
reverts is a liveness bug, a call the model refuses that succeeds is a
missing check. The stateful machine, the replayer and tests drive the
protocol through it; ``cp.p`` is the plain facade underneath.

The flows themselves are declared with their actions in
:mod:`harness.fuzz.actions`: ``cp.deposit(depositor, amount)`` performs the
declared ``deposit`` (its arguments are those of the declaration's ``call``
or ``flow``). This module holds what they share: the comparison.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from harness.chain.backend import Reverted
from harness.chain.deploy import NETWORK_CONTRACTS
from harness.chain.protocol import Protocol
from harness.chain.reverts import revert_reason
from harness.fuzz.actions import ACTIONS
from harness.fuzz.actions.clock import watch_bond_reductions
from harness.model import Expect, Model, norm
from harness.units import to_wei
from invariants import InvariantViolation, check_outcome, check_penalty_split
from invariants.events import Event, EventDecoder, check_events


class _NoModel:
    """Stands in for the model when flows run unchecked: every call is 'expected to pass'."""

    def __getattr__(self, name: str) -> Callable[..., Expect]:
        return lambda *args, **kwargs: Expect(True, None, {})


def _check_penalty(penalty: dict[str, Any], decoded: list[Event]) -> None:
    """The exit the model split (``penalty``), against its ``EtherWithdrawalProcessed`` event.

    Only the model's exits record a penalty split, so a step without one is
    not judged here; the events check already named a missing event.
    """
    for event in decoded:
        if (
            event.name == "EtherWithdrawalProcessed"
            and norm(event.emitter) == penalty["minipool"]
            and event.args["totalBalance"] == penalty["balance"]
        ):
            check_penalty_split(penalty, event.args["nodeAmount"], event.args["userAmount"])
            return


class CheckedProtocol:
    """A protocol whose every flow is checked against the reference model.

    With ``check=False`` the same flows run bare: no model, no comparison,
    reverts swallowed. That is the benchmark's baseline and the way to
    replay a sequence on contracts the model does not describe.
    """

    def __init__(self, p: Protocol, check: bool = True):
        self.p = p
        self.check = check
        # How deep in declared actions the facade is: a flow's inner actions
        # are part of the outermost one, whose events are compared as one.
        self._depth = 0
        if not check:
            return
        # What the deployment did: the guardian deployed (and holds the fixed RPL
        # supply), and it registered each contract of the table under its name.
        directory = {spec.name: getattr(p, spec.attr).address for spec in NETWORK_CONTRACTS}
        p.model = Model(
            dict(p.config.settings),
            list(p.odao_members),
            p.beacon,
            reth_address=p.reth.address,
            now=p.now(),
            block=p.chain.block_number,
            guardian=p.guardian,
            storage=p.storage.address,
            directory=directory,
            # The deployment's guardian set it from the configuration (harness.chain.deploy).
            max_penalty_rate=p.config.penalties.max_rate,
        )
        emitters = {
            address.lower(): spec.source.removesuffix(".vy")
            for spec in NETWORK_CONTRACTS
            for address in [str(getattr(p, spec.attr).address)]
        }
        emitters[str(p.storage.address).lower()] = "RocketStorage"
        self._events = EventDecoder(emitters, contracts_dir=p.contracts_dir)

    @property
    def model(self) -> Model:
        """The model attached to the facade (rewinding the facade swaps the object)."""
        return self.p.model if self.check else _NoModel()

    # ------------------------------------------------------------------ core
    def run(self, action: str, expect: Expect, call: Callable[[], Any]) -> tuple[Expect, Any]:
        """Make ``call`` and check its outcome against ``expect``; returns both and the result.

        A disagreement raises the ``outcome`` invariant (see
        :func:`invariants.check_outcome`); in bare mode reverts are returned
        as a failed Expect instead.
        """
        try:
            result = call()
        except Reverted as exc:
            reason = revert_reason(exc)
            if not self.check:
                return Expect(False, reason, {}), None
            check_outcome(action, expect, False, reason)
            return expect, None
        if self.check:
            check_outcome(action, expect, True, None)
        return expect, result

    def check_values(self, action: str, expect: Expect, actual: dict[str, int]) -> None:
        """Raise ``call-values`` when a value the call moved differs from the prediction's."""
        if not self.check:
            return
        for key, value in actual.items():
            if expect.values.get(key) != value:
                raise InvariantViolation(
                    "call-values",
                    f"{action}: {key} was {value}, the model expected {expect.values.get(key)}",
                    {
                        "action": action,
                        "key": key,
                        "expected": expect.values.get(key),
                        "actual": value,
                    },
                )

    def now(self) -> int:
        """The chain's time: what predictions are made at.

        The model also learns the block number then (a status change stamps
        it): every declared action that can change a status asks for the time.
        """
        if self.check:
            self.p.model.at_block(self.p.chain.block_number)
        return self.p.now()

    def block(self) -> int:
        """The chain's block number."""
        return self.p.chain.block_number

    # ------------------------------------------------------------------ actions
    def __getattr__(self, name: str) -> Callable[..., Any]:
        """``cp.<action>(...)``: every declared action the facade performs (see ``perform``)."""
        action = ACTIONS.get(name)
        if action is None or not action.checked:
            raise AttributeError(f"{type(self).__name__} has no action {name!r}")
        return functools.partial(self._perform, action)

    def perform(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Perform declared action ``name`` with its facade arguments (addresses, handles, wei).

        ``cp.perform("deposit", depositor, "10")`` is ``cp.deposit(depositor, "10")``.
        """
        return self._perform(ACTIONS[name], *args, **kwargs)

    def _perform(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        """Perform ``action``; checked and outermost, compare the events it emitted too.

        The logs of every transaction the action (and a flow's inner
        actions) made are recorded, then compared in order with the events
        the model emitted while predicting them: the ``events`` invariant
        (:func:`invariants.events.check_events`). Unchecked, nothing is
        recorded or decoded.
        """
        if not self.check or self._depth:
            self._depth += 1
            try:
                return action.perform(self, *args, **kwargs)
            finally:
                self._depth -= 1
        model, chain = self.p.model, self.p.chain
        model.events.clear()
        model.last_penalty = None
        model.tell_time(self.now())
        self._depth = 1
        chain.start_logs()
        try:
            result = action.perform(self, *args, **kwargs)
        finally:
            self._depth = 0
            logs = chain.take_logs()
        model = self.p.model  # a flow may have rewound the facade
        self._events.minipools = model.minipools
        # Every node's fee distributor runs the delegate's code, and logs its events.
        self._events.emitters.update(
            dict.fromkeys(model._distributor_nodes, "RocketNodeDistributorDelegate")
        )
        decoded = self._events.decode(logs)
        check_events(action.name, [Event(*e) for e in model.events], decoded)
        model.events.clear()
        if model.last_penalty is not None:
            _check_penalty(model.last_penalty, decoded)
        return result

    def fund_rpl(self, node: str, amount: int | str) -> None:
        """The guardian sends RPL to ``node`` (not a protocol action; always succeeds)."""
        wei = to_wei(amount)
        self.model.fund_rpl(node, wei)
        self.p.fund_rpl(node, wei)

    def watch_bond_reductions(self) -> list[Any]:
        """The honest oDAO's watch (:func:`harness.fuzz.actions.clock.watch_bond_reductions`)."""
        return watch_bond_reductions(self)

    # ------------------------------------------------------------------ lookups
    def minipool(self, address: str) -> Any:
        """A handle on the minipool at ``address`` (as the model keys it)."""
        return self.p.minipool_at(address)

    def minipool_addresses(self) -> list[str]:
        """Every minipool the model knows, in creation order."""
        return list(self.model.minipools)

    def node_of(self, minipool: Any) -> str:
        """The owner of ``minipool``, from the model."""
        return self.model.minipools[norm(minipool)].node
