"""Small helpers shared by the tests."""

from __future__ import annotations

from typing import Any


def events(called: Any, name: str, emitter: Any = None) -> list[Any]:
    """The decoded events called ``name`` emitted during the last call made on ``called``.

    Events of the contracts it called are included, so ask the contract the
    test called, not the one that emitted the event; ``emitter`` (a contract
    or address) keeps only that contract's events, for names two contracts share.
    """
    found = [log for log in called.get_logs() if type(log).__name__ == name]
    if emitter is not None:
        address = str(getattr(emitter, "address", emitter))
        found = [log for log in found if str(log.address) == address]
    return found


def only_event(called: Any, name: str, emitter: Any = None) -> Any:
    """The single event ``name`` of the last call on ``called``; fails if none or several."""
    found = events(called, name, emitter)
    assert len(found) == 1, f"expected one {name} event, got {len(found)}"
    return found[0]
