"""Beacon-chain events on a minipool's validator: a penalty, a slashing, an exit, going offline.

These are steps only: the beacon simulation is no contract, so there is no
prediction to check (the invariants see what follows). An event a validator
is in no state for (exiting twice) is refused by the simulation and does
nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from harness.chain.status import STAKING
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.units import ETH


def _beacon(ctx: Any, index: int, fn: Callable[[Any], Any]) -> None:
    """Apply a beacon event to minipool ``index``'s validator, when it is in a state for it."""
    validator = ctx.p.validator(ctx.minipool(index))
    if validator is None:
        return
    with contextlib.suppress(ValueError):
        fn(validator)


declare(
    Action(
        "beacon_penalty",
        step=lambda ctx, minipool, amount: _beacon(
            ctx, minipool, lambda v: ctx.p.beacon.penalise(v, amount)
        ),
    )
)
declare(
    Action(
        "beacon_slash",
        step=lambda ctx, minipool: _beacon(ctx, minipool, ctx.p.beacon.slash),
    )
)
declare(
    Action(
        "beacon_exit",
        step=lambda ctx, minipool: _beacon(ctx, minipool, ctx.p.beacon.exit),
    )
)
declare(
    Action(
        "beacon_offline",
        step=lambda ctx, minipool, offline: _beacon(
            ctx, minipool, lambda v: ctx.p.beacon.set_online(v, not offline)
        ),
    )
)


# --------------------------------------------------------------------------- machine rules
@machine_rule
@precondition(lambda self: self._minipools(STAKING, finalised=False))
@rule(data=st.data())
def beacon_event(self, data) -> None:
    """A staking validator exits, leaks, is slashed, or goes offline."""
    index = self._pick(data, self._minipools(STAKING, finalised=False), "minipool")
    kind = data.draw(
        st.sampled_from(["exit", "exit", "penalty", "slash", "offline"]), label="event"
    )
    if kind == "exit":
        self.do("beacon_exit", minipool=index)
    elif kind == "slash":
        self.do("beacon_slash", minipool=index)
    elif kind == "offline":
        self.do("beacon_offline", minipool=index, offline=True)
    else:
        amount = data.draw(
            st.sampled_from([ETH // 10, 3 * ETH, 12 * ETH, 27 * ETH]), label="amount"
        )
        self.do("beacon_penalty", minipool=index, amount=amount)
