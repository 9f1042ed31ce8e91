"""Limits the rules set on actions, computed from the model: how much may be deposited, when a
minipool may stake.

The machine draws deposits at the edge these give, and the ``read_view``
step compares the matching views with them (``getMaximumDepositAmount``,
``canStake``). Module-level functions of the model and plain values.
"""

from __future__ import annotations

from harness.chain.status import PRELAUNCH
from harness.model import Model, norm
from harness.units import ETH

# What each queued minipool still takes from the deposit pool (31 ETH).
STAKE_VALUE = 31 * ETH


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
