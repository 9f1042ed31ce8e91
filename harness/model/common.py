"""What every area of the model shares: fixed amounts, addresses, rounding, and actions.

- The protocol's fixed amounts: a validator launches with 32 ETH, of which
  the node pre-deposits 1 ETH at creation and the minipool stakes the other
  31 ETH (what assignment gives it); bonds are 8 or 16 ETH; a minipool
  balance from 8 ETH is a full exit. The contracts' fixed limits: at most 90
  assignments per call, 64 votes per report or ballot, 64 oDAO members,
  48-byte validator pubkeys.
- :func:`norm`, how the model keys an address, and :func:`mul_div`, the
  contracts' rounding.
- :class:`Expect`, the model's prediction for one call, and ``_action``, the
  decorator every action wears: its checks raise ``_Revert`` before any
  effect, so a refused action changes nothing.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.model import economics as econ
from harness.units import ETH

if TYPE_CHECKING:
    from harness.model import Model

LAUNCH_BALANCE = 32 * ETH
PRELAUNCH_VALUE = ETH  # the pre-deposit made when a minipool is created
STAKE_VALUE = 31 * ETH  # what assignment gives and `stake()` sends
SMALL_BOND = 8 * ETH
LARGE_BOND = 16 * ETH
FULL_EXIT_THRESHOLD = econ.FULL_EXIT_THRESHOLD
INITIAL_RPL_PRICE = 10**16  # 0.01 ETH per RPL until the first price report
MAX_ASSIGNMENTS = 90  # the queue never dequeues more in one call
MAX_VOTES = 64  # votes one oracle report or oDAO ballot can hold
MAX_MEMBERS = 64
MIN_TIMEZONE = 4
PUBKEY_LENGTH = 48
ZERO_ADDRESS = "0x" + "00" * 20


def norm(address: Any) -> str:
    """An address as the model keys it: lower-case hex (a contract handle's ``.address`` too)."""
    if type(address) is str:  # most calls: skips a failing attribute lookup
        return address.lower()
    return str(getattr(address, "address", address)).lower()


def _swap_and_pop(items: list[str], item: str) -> None:
    """Remove ``item`` as the contracts' sets do: the last entry moves into its place.

    The contracts list members and minipools in arrays where order carries
    no meaning; their views (``getMemberAt``, ``getMinipoolAt``) show it.
    """
    index = items.index(item)
    items[index] = items[-1]
    items.pop()


def mul_div(x: int, y: int, d: int, round_up: bool = False) -> int:
    """``x * y / d`` rounded down, or up with ``round_up``."""
    q, r = divmod(x * y, d)
    return q + 1 if round_up and r else q


@dataclass(frozen=True)
class Expect:
    """What the model predicts for one call.

    ``ok`` False means the call must revert with exactly ``reason``; True
    means it succeeds, returning or moving ``values`` (wei unless the key
    says otherwise: ``{"minted": ...}`` for a deposit, ``{"eth": ...}`` for a
    burn, ``{"node": ..., "user": ..., "slash": ...}`` for a distribution).
    """

    ok: bool
    reason: str | None = None
    values: dict[str, int] = field(default_factory=dict)


class _Revert(Exception):
    """Raised inside an action when the call must revert; becomes ``Expect(False, reason)``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise _Revert(reason)


def _action(fn: Callable[..., dict[str, int] | None]) -> Callable[..., Expect]:
    """Wrap an action: its checks raise ``_Revert``, its effects return ``values``.

    Every action checks everything before changing anything, so a refusal
    leaves the model as it was. The one check that comes late is a payment
    to a withdrawal address that refuses ETH (the minipool pays last); an
    action that may make one takes a checkpoint first (see
    :meth:`Model._checkpoint_payment`), and a refusal restores it.
    """

    @functools.wraps(fn)
    def wrapper(self: Model, *args: Any, **kwargs: Any) -> Expect:
        outermost = not self._acting
        if outermost:
            self._note_world()
            self._standing = 0
        self._acting += 1
        emitted = len(self.events)
        try:
            values = fn(self, *args, **kwargs)
        except _Revert as refusal:
            if self._checkpoint is not None:
                self._restore(self._checkpoint)
            # A reverted call emits nothing; a transaction of its own before it stands.
            del self.events[max(emitted, self._standing) :]
            return Expect(False, refusal.reason, {})
        finally:
            self._acting -= 1
            if outermost:
                self._checkpoint = None
                # What only the action's events needed: nothing of it is state.
                self._standing, self._sender = 0, ZERO_ADDRESS
        if outermost:
            self._held_mark = self.held_for_users()
        return Expect(True, None, dict(values or {}))

    # help() shows what callers get: an Expect, not the effects' dict.
    wrapper.__signature__ = inspect.signature(fn).replace(return_annotation="Expect")
    return wrapper
