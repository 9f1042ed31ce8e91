"""Limits the rules set on actions, computed from the model: how much may be deposited, when a
minipool may stake, when its bond reduction may complete.

The machine draws deposits at the edge these give, the ``read_view`` step
compares the matching views with them (``getMaximumDepositAmount``,
``canStake``, ``getReduceBondWindowOpen``), and the model's own checks use
them. Module-level functions of the model and plain values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.chain.status import PRELAUNCH
from harness.model.common import STAKE_VALUE, norm

if TYPE_CHECKING:
    from harness.model import Model
    from harness.model.records import MinipoolState


def maximum_deposit(m: Model) -> int:
    """The largest deposit the rules accept now (``getMaximumDepositAmount``), in wei."""
    if not m.settings["deposit.enabled"]:
        return 0
    maximum = m.settings["deposit.pool.maximum"]
    if m.settings["deposit.assign.enabled"]:
        maximum += len(m.queue) * STAKE_VALUE
    return max(0, maximum - m.pool_balance)


def can_stake(m: Model, minipool: str, now: int) -> bool:
    """Whether ``minipool`` may stake at ``now`` (``canStake``): prelaunch past the scrub period."""
    mp = m.minipools[norm(minipool)]
    return mp.status == PRELAUNCH and now > mp.status_time + m.settings["minipool.scrub.period"]


def reduction_window_open(m: Model, mp: MinipoolState, now: int) -> bool:
    """Whether ``mp``'s bond reduction may complete at ``now``: inside the window after it began."""
    if mp.reduce_time == 0:
        return False
    opens = mp.reduce_time + m.settings["minipool.bond.reduction.window.start"]
    return opens <= now <= opens + m.settings["minipool.bond.reduction.window.length"]
