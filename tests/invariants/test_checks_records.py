"""The record checks name the first field that differs, in a fixed order, with exact messages.

``check_minipool_accounting``, ``check_node_accounting`` and the lifecycle's
flags compare whole records at once on the common path (every field equal)
and look field by field only to word a violation; these tests pin which
field a violation names when several differ, and its words.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from invariants import (
    InvariantViolation,
    check_minipool_accounting,
    check_minipool_lifecycle,
    check_node_accounting,
)
from tests.invariants.test_invariants import MINIPOOL, NODE, minipool, observation_of, staked_model


@pytest.fixture
def m():
    return staked_model()


@pytest.fixture
def obs(m):
    return observation_of(m)


def violation(check, *args) -> InvariantViolation:
    with pytest.raises(InvariantViolation) as caught:
        check(*args)
    return caught.value


def test_several_minipool_fields_differ_the_first_in_order_is_named(m, obs):
    # Order: status, node deposit, user deposit, refund, slash, finalised, user distributed, eth.
    error = violation(check_minipool_accounting, minipool(obs, eth=5, slash=3, refund=2), m)
    assert error.message == f"minipool {MINIPOOL} has refund 2 but the rules give 0"
    assert error.details == {"minipool": MINIPOOL, "field": "refund", "expected": 0, "actual": 2}
    error = violation(check_minipool_accounting, minipool(obs, eth=5, user_distributed=True), m)
    assert (
        error.message == f"minipool {MINIPOOL} has user distributed True but the rules give False"
    )
    assert error.details["field"] == "user_distributed"
    error = violation(check_minipool_accounting, minipool(obs, eth=5), m)
    assert error.message == f"minipool {MINIPOOL} has eth 5 but the rules give 0"


def test_several_node_fields_differ_the_first_in_order_is_named(m, obs):
    node = obs.nodes[NODE]
    expected = m.nodes[NODE]
    perturbed = replace(node, active_count=7, rpl_stake=node.rpl_stake + 1)
    error = violation(check_node_accounting, replace(obs, nodes={NODE: perturbed}), m)
    stake = expected.rpl_stake
    assert error.message == f"node {NODE} has rpl stake {stake + 1} but the rules give {stake}"
    assert error.details == {
        "node": NODE,
        "field": "rpl_stake",
        "expected": expected.rpl_stake,
        "actual": expected.rpl_stake + 1,
    }


def test_a_record_equal_in_every_field_passes_and_a_bool_equals_its_int(m, obs):
    check_minipool_accounting(obs, m)
    check_node_accounting(obs, m)
    # The chain decodes flags as bools, the model may hold 0/1: equal either way, as before.
    check_minipool_accounting(minipool(obs, finalised=0, user_distributed=0), m)


def test_undoing_a_flag_names_finalised_first_then_user_distributed(m, obs):
    both = minipool(obs, finalised=True, user_distributed=True)
    error = violation(check_minipool_lifecycle, obs, m, both)
    assert error.message == (
        f"minipool {MINIPOOL} was finalised and is no longer: that can be done only once"
    )
    assert error.details == {
        "minipool": MINIPOOL,
        "flag": "finalised",
        "previous": True,
        "actual": False,
    }
    error = violation(check_minipool_lifecycle, obs, m, minipool(obs, user_distributed=True))
    assert error.message == (
        f"minipool {MINIPOOL} was user distributed and is no longer: that can be done only once"
    )
    assert error.details["flag"] == "user_distributed"
    # Set and kept set, or set now: legal.
    check_minipool_lifecycle(both, m, both)
    check_minipool_lifecycle(both, m, obs)
