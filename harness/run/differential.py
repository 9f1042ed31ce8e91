"""Running one recorded sequence on both backends and saying where they differ.

:func:`run_sequence` performs steps through :mod:`harness.fuzz.steps` on a
context (checked, so the views that need the model can be read, and both
backends must also agree with the model) and records, after every step,
what an observer can see: the step's outcome (success, or the revert
reason), the value a ``read_view`` step returned, every public view of
:data:`harness.fuzz.views.VIEWS` read with fixed arguments, what the invariants
read (:func:`invariants.observe.observe`: on revm through the batched
lens, on titanoboa call by call), the ETH balance of
every actor, contract and minipool, and the last events of every contract
handle. Addresses are replaced by role names (``depositor_0``, ``reth``,
``minipool_2``), so two deployments whose contract actors sit at other
addresses still compare equal. :func:`differences` lists what differs.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from harness.chain.backend import Reverted
from harness.chain.reverts import revert_reason
from harness.fuzz.steps import StepContext, execute
from harness.fuzz.views import AMOUNTS, BOOL_PATHS, UINT_PATHS, VIEW_NAMES, VIEWS, Read
from invariants.observe import observe

# Fixed arguments per kind a view needs: a few of each, the awkward ones included.
_FIXED: dict[str, list[Any]] = {
    "node": ["node_operator_0", "node_operator_1", "stranger"],
    "member": ["odao_member_0", "stranger"],
    "bidder": ["depositor_0"],
    "lot": [0, 1],
    "index": [0, 1],
    "amount": [AMOUNTS[0], AMOUNTS[2], AMOUNTS[5]],
    "blocks": [0, 60_000],
    "uint_path": list(UINT_PATHS[:3]),
    "bool_path": list(BOOL_PATHS[:2]),
    "holder": ["node_operator_0", "guardian", "rocketVault"],
    "spender": ["rocketNodeStaking"],
    "contract": ["rocketVault", "rocketStorage"],
}


def names(ctx: StepContext) -> dict[str, str]:
    """Lower-case address -> role name, for actors, contracts and minipools."""
    out = {address.lower(): name for name, address in ctx.actors.items()}
    p = ctx.p
    out[str(p.storage.address).lower()] = "storage"
    for attr, handle in p.contracts.items():
        out[str(handle.address).lower()] = attr
    for index, address in enumerate(ctx.minipools):
        out[address.lower()] = f"minipool_{index}"
    return out


def normalise(value: Any, known: dict[str, str]) -> Any:
    """``value`` with addresses as role names, events as (name, fields), lists as tuples."""
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return known.get(value.lower(), f"unknown {value.lower()}")
    if hasattr(value, "_fields"):  # a decoded event (a named tuple)
        return (
            type(value).__name__,
            tuple((f, normalise(getattr(value, f), known)) for f in value._fields),
        )
    if hasattr(value, "topics") and hasattr(value, "data"):  # an undecoded log
        address = "0x" + bytes(value.address).hex()
        return ("raw log", normalise(address, known), tuple(value.topics), bytes(value.data))
    if isinstance(value, list | tuple):
        return tuple(normalise(v, known) for v in value)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return value


def read_views(ctx: StepContext) -> dict[str, Any]:
    """Every view of :data:`~harness.fuzz.views.VIEWS`, with each combination of fixed arguments."""
    out: dict[str, Any] = {}
    minipools = list(range(len(ctx.minipools)))
    for view in VIEW_NAMES:
        spec = VIEWS[view]
        choices = [minipools if kind == "minipool" else _FIXED[kind] for kind in spec.needs]
        for combo in itertools.product(*choices):
            args = dict(zip(spec.needs, combo, strict=True))
            key = f"{view}({', '.join(f'{k}={v!r}' for k, v in args.items())})"
            try:
                out[key] = spec.call(Read(ctx, ctx.cp.model, args))
            except Reverted as exc:
                out[key] = ("reverted", revert_reason(exc))
    return out


def observation(ctx: StepContext) -> dict[str, Any]:
    """The invariants' reading of the chain, field by field, addresses (keys too) as names."""
    known = names(ctx)

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        if isinstance(value, dict):
            return {normalise(k, known): plain(v) for k, v in value.items()}
        return normalise(value, known)

    reading = observe(ctx.p, ctx.cp.model, list(ctx.actors.values()))
    return {f.name: plain(getattr(reading, f.name)) for f in dataclasses.fields(reading)}


def balances(ctx: StepContext) -> dict[str, int]:
    """ETH of every actor, protocol contract and minipool, by role name."""
    p = ctx.p
    out = {name: p.balance(address) for name, address in ctx.actors.items()}
    for attr, handle in [("storage", p.storage), *p.contracts.items()]:
        out[attr] = p.balance(handle)
    for index, address in enumerate(ctx.minipools):
        out[f"minipool_{index}"] = p.balance(address)
    return out


def events(ctx: StepContext) -> dict[str, Any]:
    """The events of each handle's last call (protocol contracts, minipools, contract actors)."""
    p = ctx.p
    handles = {"storage": p.storage, **p.contracts, **ctx.contracts}
    for index, address in enumerate(ctx.minipools):
        handles[f"minipool_{index}"] = p.minipool_at(address)
    return {name: list(handle.get_logs()) for name, handle in handles.items()}


def run_sequence(
    ctx: StepContext, steps: list[dict[str, Any]], views_every: int = 1
) -> list[dict[str, Any]]:
    """Perform ``steps`` on ``ctx`` and record, after each, everything visible (normalised).

    Every view is read after every ``views_every``-th step and after the
    last (about 200 view calls: 0.15 s on titanoboa); the rest after each.
    """
    records = []
    for index, step in enumerate(steps):
        try:
            result = execute(ctx, step["rule"], step["args"])
            if step["rule"] == "read_view":
                outcome: Any = ("value", result)
            else:
                expects = result if isinstance(result, tuple) else (result,)
                outcome = tuple((e.ok, e.reason) if hasattr(e, "ok") else None for e in expects)
        except Reverted as exc:  # a call the bare facade does not wrap (a fund transfer)
            outcome = ("reverted", revert_reason(exc))
        except (ValueError, IndexError, KeyError) as exc:
            # Outside the EVM (a step the bare run cannot take): the same on both, or not.
            outcome = ("raised", type(exc).__name__, str(exc))
        full = index % views_every == views_every - 1 or index == len(steps) - 1
        record = {
            "outcome": outcome,
            "events": events(ctx),
            "balances": balances(ctx),
            "views": read_views(ctx) if full else {},
            "observation": observation(ctx) if full else {},
            "block": ctx.p.chain.block_number,
            "timestamp": ctx.p.chain.timestamp,
        }
        records.append(normalise_record(record, names(ctx)))
    return records


def normalise_record(record: dict[str, Any], known: dict[str, str]) -> dict[str, Any]:
    """A record with every address as a role name (see :func:`normalise`)."""
    return {key: _normalise_values(value, known) for key, value in record.items()}


def _normalise_values(value: Any, known: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _normalise_values(v, known) for k, v in value.items()}
    return normalise(value, known)


def differences(
    left: list[dict[str, Any]], right: list[dict[str, Any]], steps: list[dict[str, Any]]
) -> list[str]:
    """Readable differences between two runs of ``steps`` (empty when they agree)."""
    out = []
    if len(left) != len(right):
        out.append(f"{len(left)} steps recorded on one side, {len(right)} on the other")
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        for key in a:
            if a[key] == b.get(key):
                continue
            if isinstance(a[key], dict):
                for field in sorted(set(a[key]) | set(b[key])):
                    if a[key].get(field) != b[key].get(field):
                        out.append(
                            f"step {index} ({steps[index]['rule']}): {key} {field}: "
                            f"{a[key].get(field)!r} != {b[key].get(field)!r}"
                        )
            else:
                out.append(
                    f"step {index} ({steps[index]['rule']}): {key}: {a[key]!r} != {b.get(key)!r}"
                )
    return out
