"""The checkpoint a refusable payment takes is a deep copy of the model, as ``deepcopy`` made it.

``Model._checkpoint_payment`` copies the model (all but the beacon chain)
with a pickle round trip, which is faster than ``copy.deepcopy``; a
refusal puts the copy back. Here the copy of a model with minipools in
every state equals ``deepcopy``'s, shares nothing mutable with the live
model, keeps shared objects shared, and a refusal restores it whole.
"""

from __future__ import annotations

import copy

from harness import model as model_module
from harness.units import ETH
from tests.model.test_model_shares import HEALTHY, NODE, PAST_THE_BOND, several_minipools


def live_state(m):
    return {k: v for k, v in vars(m).items() if k != "beacon"}


def test_the_copy_equals_deepcopys_and_is_independent():
    m = several_minipools()
    state = live_state(m)
    copied = model_module._deep_copy(state)
    expected = copy.deepcopy(state)
    assert copied == expected
    assert copied["minipools"][HEALTHY] == m.minipools[HEALTHY]
    assert copied["minipools"][HEALTHY] is not m.minipools[HEALTHY]
    # Changing the live model leaves the copy as it was.
    m.minipools[HEALTHY].eth += 1
    m.minipools[HEALTHY].scrub_votes["0x01"] = 1
    m.nodes[NODE].minipools.append("0x02")
    m.reth_balances["0x03"] = 5
    m.queue.append("0x04")
    assert copied == expected
    assert copied != model_module._deep_copy(live_state(m))
    assert copied["minipools"][HEALTHY].eth == m.minipools[HEALTHY].eth - 1
    assert "0x01" not in copied["minipools"][HEALTHY].scrub_votes
    assert copied["nodes"][NODE].minipools[-1] != "0x02"
    assert "0x03" not in copied["reth_balances"]
    assert "0x04" not in copied["queue"]


def test_objects_shared_in_the_state_stay_shared_in_the_copy():
    record = {"votes": [1, 2]}
    copied = model_module._deep_copy({"a": record, "b": record})
    assert copied["a"] is copied["b"]
    assert copied["a"] is not record and copied["a"] == record


def test_a_refused_payment_restores_the_model_whole():
    m = several_minipools()
    m.add_refuser(NODE)  # NODE pays itself: every payment to it is refused
    m.credit(PAST_THE_BOND, ETH)
    m.world_gain()  # book the world's doing first: the refused action books nothing else
    before = copy.deepcopy(live_state(m))
    refused = m.distribute(PAST_THE_BOND, NODE, True, m.now)
    assert (refused.ok, refused.reason) == (False, "minipool: refund transfer failed")
    after = live_state(m)
    assert after == before
    assert m._checkpoint is None
