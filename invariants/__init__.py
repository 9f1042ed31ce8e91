"""Invariants: one pure function per property, shared by the machine, replay and the REPL.

Each check raises :class:`InvariantViolation` with the property's name, a
readable message and the numbers behind it.
"""

from __future__ import annotations

from typing import Any


class InvariantViolation(AssertionError):
    """A property of the protocol that does not hold.

    ``name`` identifies the property (``"solvency"``), ``message`` says what
    went wrong in words, ``details`` holds the expected and actual values.
    """

    def __init__(self, name: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.details = dict(details or {})


__all__ = ["InvariantViolation"]
