"""The model against the contracts when a node's withdrawal address is a contract.

Each history is a list of machine steps (data, as in a replay file), run by
the campaign machine itself, with every invariant checked after every step.
A payment to the refusing address must be refused by the model and the
contracts alike, with the same reason, and leave the model as it was; a
payment to the re-entrant one is predicted like one to an EOA, and its call
back never goes through. The last test plants the fault the re-entry
invariant exists for: a minipool compiled without its reentrancy lock.
"""

from __future__ import annotations

import copy
import shutil
from typing import Any

import pytest

import harness.fuzz.checked
import harness.fuzz.machine
from harness.chain.actors import REENTRANT, REFUSER, reentry_counters
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.fuzz.machine import RocketPoolMachine
from harness.model import Expect, norm
from harness.units import DAY, ETH, HOUR
from harness.world.deploy import deploy_protocol, shared_protocol
from invariants import InvariantViolation

NODE = "node_operator_0"
REFUND_FAILED = "minipool: refund transfer failed"
TRANSFER_FAILED = "minipool: transfer to withdrawal address failed"

# A staking minipool of NODE whose skim a stranger has distributed: its node
# share waits in the refund balance.
STAKING_WITH_REFUND = [
    {"rule": "create_minipool", "args": {"node": NODE, "bond": 8, "credit": False, "value": None}},
    {"rule": "deposit", "args": {"who": "depositor_1", "amount": 31 * ETH}},
    {"rule": "advance", "args": {"seconds": 13 * HOUR}},
    {"rule": "stake", "args": {"minipool": 0}},
    {"rule": "advance", "args": {"seconds": 6 * DAY}},
    {"rule": "distribute", "args": {"who": "stranger", "minipool": 0, "rewards_only": True}},
]
# The same minipool's validator exits and its balance is swept to it.
EXITED = [
    {"rule": "beacon_exit", "args": {"minipool": 0}},
    {"rule": "advance", "args": {"seconds": 7 * DAY}},
]
# A minipool of NODE dissolved after the launch timeout: 7 ETH of bond left in it.
DISSOLVED = [
    {"rule": "create_minipool", "args": {"node": NODE, "bond": 8, "credit": False, "value": None}},
    {"rule": "deposit", "args": {"who": "depositor_1", "amount": 31 * ETH}},
    {"rule": "advance", "args": {"seconds": 73 * HOUR}},
    {"rule": "dissolve", "args": {"who": "stranger", "minipool": 0}},
]


def on_minipool(index: int, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``steps`` with every minipool index replaced by ``index``."""
    return [
        {**step, "args": {**step["args"], "minipool": index}}
        if "minipool" in step["args"]
        else step
        for step in steps
    ]


def point_at(to: str) -> dict[str, Any]:
    return {"rule": "set_withdrawal_address", "args": {"node": NODE, "to": to}}


def refund() -> dict[str, Any]:
    return {"rule": "refund", "args": {"minipool": 0}}


def owner_distributes() -> dict[str, Any]:
    return {"rule": "distribute", "args": {"who": "owner", "minipool": 0, "rewards_only": False}}


def close() -> dict[str, Any]:
    return {"rule": "close", "args": {"minipool": 0}}


@pytest.fixture(scope="module", autouse=True)
def _deployed_outside_any_anchor():
    # As in tests/fuzz: deploy the machine's world before the tests' anchors.
    shared_protocol()


@pytest.fixture
def machine():
    """The campaign machine, set up as for an example; torn down afterwards."""
    m = RocketPoolMachine()
    m.set_the_scene()
    m.protocol_agrees_with_the_model()
    yield m
    m.teardown()


def run(m: RocketPoolMachine, steps: list[dict[str, Any]]) -> list[Any]:
    """Each step as the machine performs it, then the machine's invariants."""
    results = []
    for step in steps:
        results.append(m.do(step["rule"], **step["args"]))
        m.protocol_agrees_with_the_model()
    return results


def model_state(m: RocketPoolMachine) -> dict[str, Any]:
    """Everything the model knows but the beacon chain (which it only reads) and the clock.

    The time and block are left out because every action moves the model's
    clock to the chain's, refused ones included.
    """
    clock = ("beacon", "now", "block")
    return copy.deepcopy({k: v for k, v in vars(m.model).items() if k not in clock})


def minipool_state(m: RocketPoolMachine) -> tuple:
    minipool = m.ctx.minipool(0)
    return (
        minipool.getStatus(),
        minipool.getNodeRefundBalance(),
        minipool.getFinalised(),
        m.p.balance(minipool),
        m.p.minipool_manager.getMinipoolExists(minipool.address),
    )


def refused(m: RocketPoolMachine, step: dict[str, Any], reason: str) -> None:
    """``step`` is refused with ``reason`` by the model and the contracts; nothing changes."""
    model_before, chain_before = model_state(m), minipool_state(m)
    [expect] = run(m, [step])
    assert expect == Expect(False, reason, {})
    assert model_state(m) == model_before
    assert minipool_state(m) == chain_before
    assert m.p.balance(m.ctx.who(REFUSER)) == 0


# ------------------------------------------------------------ the refuser
def test_a_refund_to_the_refuser_is_refused_until_the_node_moves_it(machine):
    run(machine, [*STAKING_WITH_REFUND, point_at(REFUSER)])
    share = machine.model.minipools[norm(machine.ctx.minipools[0])].refund
    assert share > 0
    refused(machine, refund(), REFUND_FAILED)
    # Back to the node itself: the same refund is paid, exactly.
    [_, expect] = run(machine, [point_at(NODE), refund()])
    assert expect.ok and expect.values["refunded"] == share
    assert machine.ctx.minipool(0).getNodeRefundBalance() == 0


def test_an_owner_exit_distribution_to_the_refuser_is_refused_whole(machine):
    run(machine, [*STAKING_WITH_REFUND, *EXITED, point_at(REFUSER)])
    refused(machine, owner_distributes(), REFUND_FAILED)
    assert not machine.ctx.minipool(0).getFinalised()
    [_, expect] = run(machine, [point_at("depositor_2"), owner_distributes()])
    assert expect.ok and expect.values["finalised"] == 1
    depositor = norm(machine.ctx.who("depositor_2"))
    assert machine.model.eth_out[depositor] == expect.values["refunded"] > 8 * ETH


def test_closing_a_dissolved_minipool_to_the_refuser_is_refused(machine):
    run(machine, [*DISSOLVED, point_at(REFUSER)])
    refused(machine, close(), TRANSFER_FAILED)
    refused(machine, owner_distributes(), TRANSFER_FAILED)
    [_, expect] = run(machine, [point_at(NODE), close()])
    assert expect == Expect(True, None, {"paid": 7 * ETH})


# ------------------------------------------------------------ the re-entrant address
def test_a_refund_to_the_reentrant_address_is_paid_and_its_call_back_refused(machine):
    run(machine, [*STAKING_WITH_REFUND, point_at(REENTRANT)])
    reentrant = machine.ctx.contracts[REENTRANT]
    address = norm(reentrant.address)
    share = machine.model.minipools[norm(machine.ctx.minipools[0])].refund
    [expect] = run(machine, [refund()])
    assert expect.ok and expect.values["refunded"] == share
    assert machine.p.balance(reentrant) == share == machine.model.eth_out[address]
    # Its ETH counts in the conservation law and the no-free-lunch check.
    assert address in machine.watcher.actors
    assert machine.model.expected_reentries(address) == (1, 0)
    assert reentry_counters(reentrant) == (1, 0)


def test_a_close_and_an_exit_to_the_reentrant_address(machine):
    reentrant = machine.ctx.contracts[REENTRANT]
    address = norm(reentrant.address)
    run(machine, [*DISSOLVED, point_at(REENTRANT)])
    [expect] = run(machine, [close()])
    assert expect == Expect(True, None, {"paid": 7 * ETH})
    assert reentry_counters(reentrant) == (1, 0)
    # A second minipool (index 1) lives its whole life, paying the same address.
    run(machine, [*on_minipool(1, STAKING_WITH_REFUND), *on_minipool(1, EXITED)])
    [expect] = run(machine, on_minipool(1, [owner_distributes()]))
    assert expect.ok and expect.values["finalised"] == 1
    paid = 7 * ETH + expect.values["refunded"]
    assert machine.p.balance(reentrant) == paid == machine.model.eth_out[address]
    assert machine.model.expected_reentries(address) == (2, 0)
    assert reentry_counters(reentrant) == (2, 0)


# ------------------------------------------------------------ the planted fault
PRAGMA = "# pragma nonreentrancy on\n"


@pytest.fixture
def unlocked(tmp_path, monkeypatch):
    """The machine's world with a minipool compiled without its reentrancy lock.

    Only the minipool blueprint is replaced (with what it imports beside
    it), so the other contracts come from the compiler cache.
    """
    shutil.copytree(DEFAULT_CONTRACTS_DIR / "interfaces", tmp_path / "interfaces")
    for module in ("odao_votes.vy", "rocket_base.vy"):
        shutil.copy(DEFAULT_CONTRACTS_DIR / module, tmp_path / module)
    source = (DEFAULT_CONTRACTS_DIR / "RocketMinipool.vy").read_text()
    assert source.count(PRAGMA) == 1
    patched = tmp_path / "RocketMinipool.vy"
    patched.write_text(source.replace(PRAGMA, ""))
    p = deploy_protocol(replace={"rocketMinipoolBase": patched})
    # The facade builds minipool handles from this directory: the patched source.
    p.contracts_dir = tmp_path
    monkeypatch.setattr(harness.fuzz.machine, "shared_protocol", lambda *args, **kwargs: p)
    return p


def test_a_minipool_without_its_lock_fails_the_reentrancy_invariant(unlocked, monkeypatch):
    # The events comparison sees this bug first, inside the refund (the re-entered
    # refund's extra events); this test is about the reentrancy invariant after it.
    monkeypatch.setattr(harness.fuzz.checked, "check_events", lambda *args: None)
    m = RocketPoolMachine()
    assert m.p is unlocked
    try:
        m.set_the_scene()
        run(m, [*STAKING_WITH_REFUND, point_at(REENTRANT)])
        with pytest.raises(InvariantViolation) as info:
            run(m, [refund()])
        assert info.value.name == "reentrancy"
        assert info.value.details["successes"] == 1
        assert info.value.details["expected_successes"] == 0
        assert info.value.details["attempts"] == info.value.details["expected_attempts"] == 1
        assert "reentrancy lock is missing" in info.value.message
        # The machine's campaign hook pins the failure on the refund step.
        assert m.failed_step == len(m.steps) - 1
        assert m.steps[m.failed_step] == refund()
    finally:
        m.teardown()


def test_the_events_comparison_sees_the_missing_lock_first(unlocked):
    m = RocketPoolMachine()
    try:
        m.set_the_scene()
        run(m, [*STAKING_WITH_REFUND, point_at(REENTRANT)])
        with pytest.raises(InvariantViolation) as info:
            run(m, [refund()])
        assert info.value.name == "events"
        assert m.steps[m.failed_step] == refund()
    finally:
        m.teardown()
