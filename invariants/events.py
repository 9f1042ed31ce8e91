"""The ``events`` invariant: the events a step emitted are the ones the model predicts.

Events are part of the protocol's ABI (indexers, UIs and audits read them),
so an event missing, extra, out of order or with a wrong argument is a bug
even when every balance is right. The checked facade records the logs of
every transaction an action makes (``chain.start_logs``/``take_logs``),
decodes them with :class:`EventDecoder` and hands them, with the events the
model emitted for the same action (``Model.events``), to
:func:`check_events`.

An event is ``(contract, emitter, name, args)``: the deployable's name
(``RocketNodeDeposit``), the emitting address (lower-case), the event's
name, and every argument by its ABI name (addresses lower-case). Events in
:data:`EXEMPT` are left out on both sides, each with the reason the model
does not predict it; ``tests/fuzz/test_events_complete.py`` holds every
other event of every deployable to a prediction in :mod:`harness.model`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, NamedTuple

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR, NETWORK_CONTRACTS
from harness.chain.revm import RawLog, compiled, event_decoders
from invariants.violation import InvariantViolation

# "Contract.Event" -> why the model predicts no such event (one line each).
EXEMPT: dict[str, str] = {
    # Emitted only while deploying (no step can emit them again).
    "RocketStorage.ContractRegistered": "deployment only: the directory is locked after it",
    "RocketStorage.DeployedStatusSet": "deployment only: the directory is locked once",
    "RocketTokenRETH.OwnershipTransferred": "deployment only: snekmate's ownable, never moved",
    "RocketTokenRETH.RoleMinterChanged": "deployment only: snekmate's minter role, never moved",
    "RocketTokenRPL.OwnershipTransferred": "deployment only: snekmate's ownable, never moved",
    "RocketTokenRPL.RoleMinterChanged": "deployment only: snekmate's minter role, never moved",
    # Compared elsewhere: the beacon chain ingests each and check_beacon_deposits judges them.
    "DepositContract.DepositEvent": "the simulated beacon chain reads it and checks every deposit",
}


class Event(NamedTuple):
    """One event: the deployable, the emitting address, the event's name, its arguments."""

    contract: str
    emitter: str
    name: str
    args: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.contract}.{self.name}"

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.key}({args}) at {self.emitter}"


def deployables(contracts_dir: str | Path | None = None) -> list[tuple[str, Path]]:
    """Every deployable contract: its name (the source's stem) and source file.

    A file missing from ``contracts_dir`` is the project's own, as a deployment
    that replaces only some contracts (``deploy_protocol(replace=...)``) takes it.
    """
    root = DEFAULT_CONTRACTS_DIR if contracts_dir is None else Path(contracts_dir)
    sources = ["RocketStorage.vy", *(spec.source for spec in NETWORK_CONTRACTS)]
    return [
        (
            source.removesuffix(".vy"),
            root / source if (root / source).is_file() else DEFAULT_CONTRACTS_DIR / source,
        )
        for source in sources
    ]


def abi_events(contracts_dir: str | Path | None = None) -> dict[str, list[dict]]:
    """``"Contract.Event"`` -> its ABI inputs, for every event of every deployable."""
    from vyper.compiler.output import build_abi_output

    out: dict[str, list[dict]] = {}
    for name, source in deployables(contracts_dir):
        for entry in build_abi_output(compiled(source).compiler_data):
            if entry["type"] == "event":
                out[f"{name}.{entry['name']}"] = entry["inputs"]
    return out


@functools.cache
def _decoders(contracts_dir: str) -> dict[str, dict[bytes, tuple]]:
    """Per deployable name, its events' decoders by topic (see ``event_decoders``)."""
    from vyper.compiler.output import build_abi_output

    return {
        name: event_decoders(build_abi_output(compiled(source).compiler_data))
        for name, source in deployables(contracts_dir)
    }


class EventDecoder:
    """Decodes recorded logs into :class:`Event` s, only those compared.

    ``emitters`` maps the protocol's addresses (lower-case) to their
    deployable's name; ``minipools`` is a container of minipool addresses
    (the model's, which grows as minipools are created). Logs of any other
    address (the contract actors) and exempt events are not decoded.
    """

    def __init__(
        self,
        emitters: dict[str, str],
        minipools: Any = (),
        contracts_dir: str | Path | None = None,
    ):
        self.emitters = emitters
        self.minipools = minipools
        self.decoders = _decoders(str(contracts_dir or DEFAULT_CONTRACTS_DIR))

    def decode(self, logs: list[RawLog]) -> list[Event]:
        """The compared events among ``logs``, in order."""
        out = []
        for log in logs:
            contract = self.emitters.get(log.address)
            if contract is None:
                if log.address not in self.minipools:
                    continue
                contract = "RocketMinipool"
            if not log.topics or log.topics[0] not in self.decoders[contract]:
                out.append(Event(contract, log.address, "<unknown topic>", {"log": log}))
                continue
            name, inputs, decode_data = self.decoders[contract][log.topics[0]]
            if f"{contract}.{name}" in EXEMPT:
                continue
            values = iter(decode_data(log.data))
            topics = iter(log.topics[1:])
            args = {}
            for arg, kind, topic_decoder in inputs:
                value = next(values) if topic_decoder is None else topic_decoder(next(topics))
                args[arg] = str(value).lower() if kind == "address" else value
            out.append(Event(contract, log.address, name, args))
        return out


def compared(events: list[Event]) -> list[Event]:
    """``events`` without the exempt ones (the model's side of the comparison)."""
    return [e for e in events if e.key not in EXEMPT]


def check_events(action: str, expected: list[Event], actual: list[Event]) -> None:
    """The events ``action`` emitted are, in order, the ones the model predicted.

    Raises ``events`` naming the first difference: the position, the event
    expected and the one emitted, and for the same event the argument that
    differs with both values.
    """
    expected = compared(expected)
    for i in range(max(len(expected), len(actual))):
        want = expected[i] if i < len(expected) else None
        got = actual[i] if i < len(actual) else None
        if want is not None and got is not None and want == got:
            continue
        details = {
            "action": action,
            "index": i,
            "expected": None if want is None else str(want),
            "actual": None if got is None else str(got),
        }
        if want is None:
            message = f"{action}: event {i} was {got}, the model expected no more events"
        elif got is None:
            message = f"{action}: event {i} should have been {want}, none was emitted"
        elif (want.key, want.emitter) != (got.key, got.emitter):
            message = f"{action}: event {i} was {got}, the model expected {want}"
        else:
            names = [k for k in {**want.args, **got.args} if want.args.get(k) != got.args.get(k)]
            arg = names[0]
            details["argument"] = arg
            message = (
                f"{action}: event {i} {want.key} at {want.emitter}: argument {arg} was "
                f"{got.args.get(arg)!r}, the model expected {want.args.get(arg)!r}"
            )
        raise InvariantViolation("events", message, details)
