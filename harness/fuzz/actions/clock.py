"""Time passing, and the honest oDAO's watch that runs when it does.

``advance`` moves the EVM's and the beacon chain's clocks, then the oDAO
votes to cancel every bond reduction it must (:func:`watch_bond_reductions`).
With a ``seed`` (recorded in the step, so a replay gives the same blocks),
the slots passing give block proposals to live validators at the
``[proposals]`` rate, each paying its node's fee distributor; a step
without one (every replay file written before) passes time without blocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import rule

from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import norm
from harness.units import DAY, HOUR


def _advance(cp: Any, seconds: int = 0, seed: int | None = None, **kwargs: int) -> None:
    """Move time on the EVM and the beacon chain (see :meth:`Protocol.advance`).

    ``seed``: the block proposals of the slots passing are drawn from it
    (:meth:`BeaconChain.draw_proposals`); None: no blocks.

    Time passing is when the honest oDAO's watch runs: it then cancels
    the bond reductions it must (:func:`watch_bond_reductions`). A node
    that reduces before any time passed after its validator failed has
    raced the oDAO; that is the named outcome
    ``"bond-reduction-not-cancelled"``, not a bug.
    """
    cp.p.advance(seconds, proposals=seed, **kwargs)
    watch_bond_reductions(cp)


def watch_bond_reductions(cp: Any) -> list[Any]:
    """The honest oDAO votes to cancel every unsafe bond reduction; returns those minipools.

    Unsafe as :meth:`HonestOracle.reductions_to_cancel` judges; each
    current member that has not voted on it yet votes (each vote
    checked against the model) until the reduction is cancelled. Run
    bare, every member tries and refusals are swallowed.
    """
    unsafe = cp.p.oracle.reductions_to_cancel()
    for minipool in unsafe:
        for member in _cancel_voters(cp, minipool):
            cp.vote_cancel_reduction(member, minipool)
    return unsafe


def _cancel_voters(cp: Any, minipool: Any) -> Iterator[str]:
    """The members still to vote on cancelling ``minipool``'s reduction, in admission order."""
    if not cp.check:
        yield from cp.p.odao_members
        return
    model = cp.model
    mp = model.minipools[norm(minipool.address)]
    for member in cp.p.odao_members:
        if mp.reduction_cancelled:
            return
        nonce = model.members.get(norm(member), 0)
        if nonce and mp.cancel_votes.get(norm(member)) != nonce:
            yield member


declare(
    Action(
        "advance",
        step=lambda ctx, seconds, seed=None: ctx.cp.advance(seconds, seed=seed),
        flow=_advance,
    )
)


# --------------------------------------------------------------------------- machine rules
@machine_rule
@rule(
    seconds=st.sampled_from([HOUR, 13 * HOUR, DAY, 3 * DAY, 6 * DAY, 30 * DAY, 91 * DAY]),
    # None first: a shrunk sequence drops the blocks when they do not matter.
    seed=st.none() | st.integers(0, 2**32 - 1),
)
def advance(self, seconds: int, seed: int | None) -> None:
    """Time passes: rewards accrue, exits complete, sweeps pay minipools, blocks pay fees."""
    if seed is None:
        self.do("advance", seconds=seconds)
    else:
        self.do("advance", seconds=seconds, seed=seed)
