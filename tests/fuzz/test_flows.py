"""Multi-step flows: their counts in the campaign, the edges the rules wait for, the targets."""

from __future__ import annotations

import collections

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from harness.fuzz import machine as machine_module
from harness.fuzz.flows import COLLATERAL, FLOW_NAMES, POOL, TIMER, Edges, flow_counts
from harness.fuzz.machine import RocketPoolMachine
from harness.model import norm
from harness.units import DAY, ETH, HOUR
from harness.world.deploy import shared_protocol


@pytest.fixture(scope="module", autouse=True)
def _deployed_outside_any_anchor():
    shared_protocol()


@pytest.fixture
def machine():
    RocketPoolMachine.flow_stats = collections.Counter()
    m = RocketPoolMachine()
    m.set_the_scene()
    yield m
    m.teardown()


class Draws:
    """A stand-in for Hypothesis's ``data``: answers the draws from a list, in order."""

    def __init__(self, *answers):
        self.answers = list(answers)

    def draw(self, strategy, label=None):
        return self.answers.pop(0)


def _staked_16(m) -> int:
    """A 16 ETH minipool created, assigned and staked: its index."""
    m.do("create_minipool", node="node_operator_0", bond=16, credit=False, value=None)
    m.do("deposit", who="depositor_0", amount=32 * ETH)
    m.do("advance", seconds=12 * HOUR + 1)  # staking opens a second after the scrub period
    m.do("stake", minipool=len(m.ctx.minipools) - 1)
    return len(m.ctx.minipools) - 1


def test_a_flow_counts_its_start_its_end_and_refusals_at_its_end(machine):
    m = machine
    index = _staked_16(m)
    m.do("begin_reduce_bond", minipool=index)
    m.do("reduce_bond", minipool=index)  # before the window opens: refused
    m.do("advance", seconds=2 * DAY)
    m.do("reduce_bond", minipool=index)
    m.do("reduce_bond", minipool=index)  # again: refused
    flows = flow_counts(m.flow_stats)
    assert flows["launch"] == {"started": 1, "ended": 1, "refused": 0}
    assert flows["bond reduction"] == {"started": 1, "ended": 1, "refused": 2}
    assert flows["deposit credit"] == {"started": 1, "ended": 0, "refused": 0}
    # The opening scene's stakes begin the RPL flow, one per node.
    assert flows["RPL withdrawal"]["started"] == len(m.p.node_operators)
    assert list(flows) == list(FLOW_NAMES)


def test_the_rules_wait_for_a_window_edge_to_the_second(machine):
    m = machine
    m.do("create_minipool", node="node_operator_0", bond=8, credit=False, value=None)
    m.do("deposit", who="depositor_0", amount=32 * ETH)
    mp = m.model.minipools[norm(m.ctx.minipools[-1])]
    edge = mp.status_time + m.model.settings["minipool.scrub.period"]
    m._to_edge(Draws("now"), [edge])
    assert m.p.now() < edge - 1
    m._to_edge(Draws("a unit before", edge), [edge])
    assert m.p.now() == edge - 1
    m._to_edge(Draws("at", edge), [edge])
    assert m.p.now() == edge
    m._to_edge(Draws("a unit after", edge), [edge])
    assert m.p.now() == edge + 1
    # Behind the clock by a unit or more: nothing left to wait for.
    m._to_edge(Draws("at"), [edge])
    assert m.p.now() == edge + 1
    assert [s["rule"] for s in m.steps[-3:]] == ["advance", "advance", "advance"]


def test_the_closest_approach_to_a_timer_is_measured_after_each_step(machine):
    m = machine
    m.do("create_minipool", node="node_operator_0", bond=8, credit=False, value=None)
    m.do("deposit", who="depositor_0", amount=32 * ETH)
    mp = m.model.minipools[norm(m.ctx.minipools[-1])]
    edge = mp.status_time + m.model.settings["minipool.scrub.period"]
    m.do("advance", seconds=edge - 5 - m.p.now())
    assert m.edges.closest[TIMER] == 5
    m.do("advance", seconds=5)
    assert m.edges.scores()[TIMER] == 0


def test_the_edges_score_the_closest_approach_per_threshold():
    class Model:
        settings = {"deposit.pool.maximum": 100 * ETH}
        pool_balance = 97 * ETH
        minipools: dict = {}
        nodes: dict = {}
        reth_eth = 2 * ETH

        def excess_balance(self):
            return ETH

    edges = Edges()
    edges.after_step(Model(), now=1_000)
    edges.before_burn(Model(), eth_value=5 * ETH)  # collateral 3 ETH
    edges.before_burn(Model(), eth_value=3 * ETH + 10**17)
    assert edges.scores() == {COLLATERAL: pytest.approx(-0.1), POOL: -3.0}


def test_each_example_hands_each_threshold_to_target_once(monkeypatch):
    calls = []
    RocketPoolMachine.examples = 0
    monkeypatch.setattr(machine_module, "target", lambda score, label: calls.append(label))
    run_state_machine_as_test(
        RocketPoolMachine,
        settings=settings(
            max_examples=2,
            stateful_step_count=10,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # Every example measures the pool and the nodes' RPL cooldowns (the scene stakes):
    # each label goes to target() once per example, never twice.
    seen = collections.Counter(calls)
    assert seen[POOL] == seen[TIMER] == RocketPoolMachine.examples >= 2
    assert max(seen.values()) == RocketPoolMachine.examples


def test_a_scrub_ends_once_the_quorum_dissolves_the_minipool(machine):
    m = machine
    m.do("create_minipool", node="node_operator_0", bond=8, credit=False, value=None)
    m.do("deposit", who="depositor_0", amount=32 * ETH)  # assigned: prelaunch
    index = len(m.ctx.minipools) - 1
    members = [n for n in m.ctx.actors if n.startswith("odao_member")]
    for member in members:
        m.do("vote_scrub", member=member, minipool=index)
    m.do("close", minipool=index)
    flows = flow_counts(m.flow_stats)
    # With three members the quorum (51%) is two votes: the third is refused.
    assert len(members) == 3
    assert flows["scrub"] == {"started": 2, "ended": 1, "refused": 1}
    assert flows["dissolve and close"] == {"started": 1, "ended": 1, "refused": 0}


def test_a_reduction_to_a_bond_not_lower_or_not_a_bond_is_refused(machine):
    m = machine
    index = _staked_16(m)
    assert m.do("begin_reduce_bond", minipool=index, bond=16).reason == (
        "bond reducer: bond must be lower than the current bond"
    )
    assert m.do("begin_reduce_bond", minipool=index, bond=4).reason == (
        "bond reducer: invalid bond amount"
    )
    assert m.do("begin_reduce_bond", minipool=index).ok  # 8 ETH by default, as replays recorded


def test_with_every_member_removed_no_report_executes(machine):
    m = machine
    members = [n for n in m.ctx.actors if n.startswith("odao_member")]
    m.do("vote_report", member=members[0], which="balances")
    for member in members:
        m.do("remove_member", member=member)
    refused = m.do("execute_update", who="stranger", which="balances", pending=True)
    assert refused.reason == "network balances: consensus has not been reached"
    for member in members:
        assert m.do("add_member", member=member).ok
    assert len(m.model.members) == len(members)


def test_fees_that_wait_in_a_distributor_begin_a_flow_a_split_ends(machine):
    m = machine
    index = _staked_16(m)
    m.do("advance", seconds=HOUR)  # no seed: no block
    m.do("propose", minipool=index, fees=ETH)
    m.do("propose", minipool=index, fees=ETH)  # fees were waiting already: no new start
    m.do("distribute_fees", node="node_operator_0", who="stranger")
    m.do("distribute_fees", node="node_operator_0", who="stranger")  # nothing left to split
    m.do("advance", seconds=91 * DAY, seed=3)  # 91 days of blocks at the default rate
    assert m.p.beacon.proposals[2:] != []
    m.do("distribute_fees", node="node_operator_0", who="node")
    flows = flow_counts(m.flow_stats)
    assert flows["execution-layer fees"] == {"started": 2, "ended": 2, "refused": 0}
