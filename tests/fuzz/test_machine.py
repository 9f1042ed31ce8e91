"""The campaign machine as a pytest test, at the budget of the selected Hypothesis profile.

Choose the profile with ``HYPOTHESIS_PROFILE`` or ``--hypothesis-profile``
(the profiles of ``boa_config.toml``, registered in ``tests/conftest.py``);
CI runs the ``ci`` profile. Long campaigns belong to ``rpfuzz run``.
"""

import boa
import pytest
from hypothesis import settings
from hypothesis.stateful import invariant

from harness.fuzz.machine import RocketPoolMachine
from harness.world.deploy import shared_protocol
from invariants.observe import observe


@pytest.fixture(scope="module", autouse=True)
def _deployed_outside_any_anchor():
    # titanoboa's plugin wraps every example in an anchor: a deployment made
    # inside the first example would be rolled back after it. Deploy first.
    shared_protocol()


TestRocketPoolMachine = RocketPoolMachine.TestCase


class IncrementalReadsMachine(RocketPoolMachine):
    """The machine, with the watcher's incremental reads compared to a full read each step."""

    @invariant()
    def protocol_agrees_with_the_model(self) -> None:
        super().protocol_agrees_with_the_model()
        full = observe(self.p, self.model, self.watcher.actors, self.watcher.vault_names)
        assert self.watcher.previous == full


TestIncrementalReads = IncrementalReadsMachine.TestCase
TestIncrementalReads.settings = settings(
    max_examples=3, stateful_step_count=30, derandomize=True, database=None, deadline=None
)


def test_a_machine_that_fails_to_start_leaves_no_anchor_open(monkeypatch):
    p = shared_protocol()
    depositor = p.depositors[0]
    before = boa.env.get_balance(depositor)

    def broken_watcher(machine):
        # What StepContext did inside the example's anchor must be undone.
        boa.env.set_balance(depositor, 1)
        raise RuntimeError("watcher could not start")

    monkeypatch.setattr("harness.fuzz.machine.start_watching", broken_watcher)
    with pytest.raises(RuntimeError, match="watcher could not start"):
        RocketPoolMachine()
    assert boa.env.get_balance(depositor) == before
    # No anchor left open: a change made now is not undone by a stray exit later.
    with boa.env.anchor():
        boa.env.set_balance(depositor, 2)
    assert boa.env.get_balance(depositor) == before


def test_the_minipool_candidates_are_asked_again_after_each_step():
    from harness.model import INITIALISED

    m = RocketPoolMachine()
    try:
        m.set_the_scene()
        queued = m._minipools(INITIALISED)  # kept for the preconditions ...
        m.do("create_minipool", node="node_operator_0", bond=8, credit=False, value=None)
        created = len(m.ctx.minipools) - 1
        # ... until a step: the new minipool waits in the queue.
        assert m._minipools(INITIALISED) == [*queued, created]
        assert m._minipools(INITIALISED) == m._find_minipools((INITIALISED,), {})
    finally:
        m.teardown()
