"""The model when a node's withdrawal address is a contract that refuses ETH or re-enters.

Pure Python, no EVM: a payment to a refusing address makes the whole action
refused, with the minipool's reason, and the model stays as it was (however
much the action had done before it paid); a re-entrant address is paid like
an EOA, one call back counted per payment, none ever succeeding. The
re-entry invariant reads those expectations.
"""

from __future__ import annotations

import copy

import pytest

from harness import model as model_module
from harness.model import DISSOLVED
from harness.units import DAY, ETH
from invariants import InvariantViolation, check_no_reentry
from tests.model.test_model import (
    NODE,
    SCRUB,
    STRANGER,
    create,
    exit_validator,
    new_model,
    node_with_rpl,
    ok,
    refused,
    rewards_node,
    staked_minipool,
)

REFUSER = "0x" + "f0" * 20
REENTRANT = "0x" + "f1" * 20
REENTRANT_UPPER = "0x" + "F1" * 20  # the same address: the model compares them lower-case
REFUND_FAILED = "minipool: refund transfer failed"
TRANSFER_FAILED = "minipool: transfer to withdrawal address failed"
NOW = 10 * DAY


def state(model) -> dict:
    """Everything the model holds but the beacon chain and the clock.

    Every action moves the model's clock to its ``now``, refused ones too.
    """
    return copy.deepcopy({k: v for k, v in vars(model).items() if k not in ("beacon", "now")})


def refused_unchanged(model, call, reason: str) -> None:
    before = state(model)
    refused(call(), reason)
    assert state(model) == before


def payee(model, to: str) -> None:
    ok(model.set_withdrawal_address(NODE, NODE, to, True))


def with_refund(model, beacon):
    """A staking minipool whose 1 ETH skim a stranger split: the node share waits as refund."""
    address = staked_minipool(model, beacon)
    model.credit(address, ETH)
    ok(model.distribute(address, STRANGER, True, NOW))
    share = rewards_node(ETH, 24 * ETH, 8 * ETH)
    assert model.minipools[address].refund == share
    return address, share


def dissolved(model, beacon):
    """A minipool dissolved after the launch timeout: 7 ETH of its bond left in it."""
    node_with_rpl(model)
    address = create(model, beacon)
    ok(model.deposit("0x" + "d1" * 20, 24 * ETH, now=0))
    ok(model.dissolve(address, 72 * 3_600))
    assert model.minipools[address].status == DISSOLVED
    assert model.minipools[address].eth == 7 * ETH
    return address


@pytest.fixture
def world():
    model, beacon = new_model({"deposit.pool.maximum": 1_000 * ETH})
    model.add_refuser(REFUSER)
    model.add_reentrant(REENTRANT_UPPER)
    return model, beacon


# ------------------------------------------------------------ the refuser
def test_a_refund_to_a_refuser_is_refused_and_changes_nothing(world):
    model, beacon = world
    address, share = with_refund(model, beacon)
    payee(model, REFUSER)
    refused_unchanged(model, lambda: model.refund(address, NODE, now=NOW), REFUND_FAILED)
    refused_unchanged(model, lambda: model.distribute(address, NODE, True, NOW), REFUND_FAILED)
    # The refuser is an owner too: its own call is refused the same way.
    refused_unchanged(model, lambda: model.refund(address, REFUSER, now=NOW), REFUND_FAILED)
    payee(model, NODE)
    assert ok(model.refund(address, NODE, now=NOW))["refunded"] == share
    assert model.eth_out[NODE] == share


def test_an_owner_exit_to_a_refuser_undoes_the_finalisation_it_had_done(world):
    model, beacon = world
    address = staked_minipool(model, beacon)
    exit_validator(model, beacon, address)
    payee(model, REFUSER)
    before = state(model)
    refused_unchanged(model, lambda: model.distribute(address, NODE, False, NOW), REFUND_FAILED)
    assert state(model) == before
    mp = model.minipools[address]
    assert not mp.finalised and mp.refund == 0 and mp.eth == 32 * ETH
    assert model.nodes[NODE].finalised_count == 0
    # A user distribution goes through (it pays the node nothing), then the
    # owner's finalisation is refused, whole.
    ok(model.begin_user_distribute(address, STRANGER, NOW))
    later = NOW + 90 * DAY
    values = ok(model.distribute(address, STRANGER, False, later))
    assert values["node"] == 8 * ETH and mp.user_distributed and mp.refund == 8 * ETH
    refused_unchanged(model, lambda: model.finalise(address, NODE, now=later), REFUND_FAILED)
    refused_unchanged(model, lambda: model.refund(address, NODE, now=later), REFUND_FAILED)
    assert not mp.finalised and model.nodes[NODE].finalised_count == 0


def test_closing_to_a_refuser_is_refused_and_the_minipool_stays(world):
    model, beacon = world
    address = dissolved(model, beacon)
    payee(model, REFUSER)
    refused_unchanged(model, lambda: model.close(address, NODE), TRANSFER_FAILED)
    refused_unchanged(
        model, lambda: model.distribute(address, NODE, False, 80 * 3_600), TRANSFER_FAILED
    )
    assert not model.minipools[address].closed
    assert address in model.nodes[NODE].minipools


def test_the_common_path_copies_nothing(world, monkeypatch):
    model, beacon = world
    address, share = with_refund(model, beacon)

    def no_copy(*args, **kwargs):
        raise AssertionError("the model copied itself for a payment nobody can refuse")

    monkeypatch.setattr(model_module, "_deep_copy", no_copy)
    assert ok(model.refund(address, NODE, now=NOW))["refunded"] == share
    assert model._checkpoint is None


# ------------------------------------------------------------ the re-entrant address
def test_a_reentrant_address_is_paid_like_an_eoa_and_counts_one_attempt_per_payment(world):
    model, beacon = world
    closed = dissolved(model, beacon)
    payee(model, REENTRANT)
    assert model.expected_reentries(REENTRANT) == (0, 0)
    assert ok(model.close(closed, NODE))["paid"] == 7 * ETH
    assert model.expected_reentries(REENTRANT) == (1, 0)
    address = create(model, beacon, index=2, now=NOW)
    ok(model.deposit("0x" + "d1" * 20, 31 * ETH, now=NOW))
    ok(model.stake(address, NOW + SCRUB + 1))
    model.credit(address, ETH)
    values = ok(model.distribute(address, NODE, True, NOW + SCRUB + 2))
    assert values["refunded"] == rewards_node(ETH, 24 * ETH, 8 * ETH)
    assert model.eth_out[REENTRANT] == 7 * ETH + values["refunded"]
    assert model.expected_reentries(REENTRANT_UPPER) == (2, 0)


# ------------------------------------------------------------ the invariant
def test_the_reentry_invariant_reads_the_models_expectation(world):
    model, beacon = world
    closed = dissolved(model, beacon)
    payee(model, REENTRANT)
    ok(model.close(closed, NODE))
    check_no_reentry({REENTRANT: (1, 0)}, model)
    with pytest.raises(InvariantViolation) as info:
        check_no_reentry({REENTRANT: (1, 1)}, model)
    assert info.value.name == "reentrancy"
    assert "reentrancy lock is missing" in info.value.message
    assert info.value.details["successes"] == 1
    with pytest.raises(InvariantViolation) as info:
        check_no_reentry({REENTRANT: (2, 0)}, model)
    assert info.value.name == "reentrancy"
    assert info.value.details["expected_attempts"] == 1
    assert info.value.details["attempts"] == 2
