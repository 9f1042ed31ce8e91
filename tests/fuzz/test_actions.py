"""The action registry: one declaration per action, read by the machine, execute and replay."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from harness.fuzz.actions import ACTIONS, RULES, Action, declare
from harness.fuzz.actions.access import _call_as_wrong_caller
from harness.fuzz.actions.distributor import _distribute_by, propose_block
from harness.fuzz.actions.read import _read
from harness.fuzz.machine import RocketPoolMachine
from harness.fuzz.steps import StepContext, execute
from harness.model import Expect
from harness.replay.session import ReplayFileError, validate_steps
from harness.world.deploy import shared_protocol
from invariants import InvariantViolation

# The machine's rules that string several areas' actions together: written in the machine.
COMPOSITE = {
    "lifecycle",
    "lifecycle_2",
    "lifecycle_3",
    "lifecycle_4",
    "lifecycle_5",
    "lifecycle_6",
    "loss_past_the_bond",
}


@pytest.fixture(scope="module", autouse=True)
def _deployed_outside_any_anchor():
    # As in test_machine: the machine's deployment must outlive the test's anchor.
    shared_protocol()


def _machine_rules() -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(RocketPoolMachine)
        if hasattr(member, "hypothesis_stateful_rule")
    }


def _recorded_rules(fn) -> set[str]:
    """The step names ``fn`` passes to ``self.do`` as literals."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(fn))))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "do"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_the_machine_has_every_declared_rule_and_the_composite_ones():
    rules = _machine_rules()
    assert set(rules) == set(RULES) | COMPOSITE
    # With the penalties: penalise_theft, vote_penalty, execute_penalty,
    # penalty_after_members_left, set_max_penalty_rate;
    # beacon_deposit; move_node_fee; read_every_view.
    assert len(RULES) == 48
    for name, fn in RULES.items():
        assert getattr(RocketPoolMachine, name) is fn


def test_every_step_a_rule_records_is_a_declared_action():
    recorded: set[str] = set()
    for fn in list(_machine_rules().values()) + [
        RocketPoolMachine.set_the_scene,
        RocketPoolMachine._lifecycle,
        RocketPoolMachine._end_validator,
        RocketPoolMachine._distribute_exit,
        RocketPoolMachine._auction_slashed_rpl,
        _call_as_wrong_caller,
        propose_block,
        _distribute_by,
        _read,
    ]:
        recorded |= _recorded_rules(fn)
    assert recorded <= set(ACTIONS)
    # refund and finalise are recorded by name from a draw (``self.do(kind, ...)``);
    # reenter_with is a step for tests and the shell (the actor tries distribute() anyway).
    assert set(ACTIONS) - recorded == {"refund", "finalise", "reenter_with"}


def test_the_vocabulary_is_the_registry():
    # with submit_penalty, execute_update_penalty, set_max_penalty_rate, beacon_deposit,
    # reenter_with
    assert len(ACTIONS) == 57
    assert ACTIONS["deposit"].wei == ("amount",)
    parameters = [p.name for p in ACTIONS["set_withdrawal_address"].parameters]
    assert parameters == ["node", "to", "by", "confirm"]
    assert [p.name for p in ACTIONS["execute_update"].parameters] == ["who", "which", "pending"]
    # Steps only: the facade has no call for them.
    steps_only = {name for name, action in ACTIONS.items() if not action.checked}
    assert steps_only == {
        "beacon_penalty",
        "beacon_slash",
        "beacon_exit",
        "beacon_offline",
        "propose",
        "read_view",
        "reenter_with",
    }


def test_a_name_declared_twice_is_refused():
    with pytest.raises(ValueError, match="'deposit' is declared twice"):
        declare(Action("deposit", step=lambda ctx: None))


@pytest.fixture
def doubled(monkeypatch):
    """A dummy action, declared the way an area module declares one: only here."""
    action = Action(
        "double",
        step=lambda ctx, who, n: ctx.cp.double(ctx.who(who), n),
        expect=lambda m, cp, caller, n: Expect(
            n >= 0, None if n >= 0 else "negative", {"x": 2 * n}
        ),
        call=lambda p, caller, n: 2 * n,
        values=lambda result: {"x": result},
    )
    monkeypatch.setitem(ACTIONS, "double", action)
    return action


def test_a_declared_action_runs_through_execute_and_the_facade(p, doubled):
    ctx = StepContext.create(p, check=True)
    expect = execute(ctx, "double", {"who": "stranger", "n": 21})
    assert (expect.ok, expect.values) == (True, {"x": 42})
    assert ctx.cp.double(ctx.who("stranger"), n=5).values == {"x": 10}
    assert ctx.cp.perform("double", ctx.who("stranger"), 7).values == {"x": 14}
    # The model refused what the call did: the outcome invariant.
    with pytest.raises(InvariantViolation, match="MISSING CHECK: double succeeded"):
        execute(ctx, "double", {"who": "stranger", "n": -1})


def test_a_declared_action_checks_the_values_it_declares(p, monkeypatch, doubled):
    monkeypatch.setattr(doubled, "call", lambda p, caller, n: 2 * n + 1)
    ctx = StepContext.create(p, check=True)
    with pytest.raises(InvariantViolation, match="double: x was 7, the model expected 6"):
        execute(ctx, "double", {"who": "stranger", "n": 3})
    bare = StepContext.create(p, check=False)
    assert execute(bare, "double", {"who": "stranger", "n": 3}).ok


def test_replay_files_are_checked_against_the_declared_step(doubled):
    validate_steps("f.json", [{"rule": "double", "args": {"who": "stranger", "n": 1}}])
    with pytest.raises(ReplayFileError, match=r"'steps\[0\].args.m' is not an argument"):
        validate_steps("f.json", [{"rule": "double", "args": {"who": "stranger", "m": 1}}])


def test_a_short_campaign_records_only_declared_actions():
    RocketPoolMachine.stats.clear()
    run_state_machine_as_test(
        RocketPoolMachine,
        settings=settings(
            max_examples=3,
            stateful_step_count=15,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    recorded = {rule for rule, _ in RocketPoolMachine.stats}
    assert {"register_node", "stake_rpl", "deposit"} <= recorded <= set(ACTIONS)
