"""The one exception every invariant raises, in a module of its own.

The checks import it from here, so importing :mod:`invariants` runs no
module that imports the package back.
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
