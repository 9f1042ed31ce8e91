"""The minipool status, numbered as ``RocketMinipool.vy`` and the reference number it."""

from __future__ import annotations

from enum import IntEnum


class MinipoolStatus(IntEnum):
    """A minipool's place in its lifecycle (``getStatus()``)."""

    INITIALISED = 0
    PRELAUNCH = 1
    STAKING = 2
    WITHDRAWABLE = 3  # unused since Atlas
    DISSOLVED = 4

    @property
    def label(self) -> str:
        """The name as a sentence word: ``Staking``."""
        return self.name.capitalize()

    @classmethod
    def label_of(cls, status: int, unknown: str | None = None) -> str | None:
        """The label of a raw status number; ``unknown`` for one no minipool may have."""
        try:
            return cls(status).label
        except ValueError:
            return unknown


INITIALISED = MinipoolStatus.INITIALISED
PRELAUNCH = MinipoolStatus.PRELAUNCH
STAKING = MinipoolStatus.STAKING
WITHDRAWABLE = MinipoolStatus.WITHDRAWABLE
DISSOLVED = MinipoolStatus.DISSOLVED
