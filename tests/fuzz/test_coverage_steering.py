"""The draws that carry the machine to code a coverage campaign never reached (docs/coverage.md).

Each test drives one rule or lifecycle move with chosen draws (a stand-in for
Hypothesis's ``data``) and checks that it reaches the end it was added for:
the state the model records, the flow counted as ended, the views read.
"""

from __future__ import annotations

import collections

import pytest

from harness.chain.status import DISSOLVED
from harness.fuzz.actions.governance import GUARD_RAILS, sweep_every_guard_rail
from harness.fuzz.actions.minipools import exited
from harness.fuzz.flows import flow_counts
from harness.fuzz.machine import RocketPoolMachine
from harness.fuzz.views import VIEW_NAMES, VIEWS
from harness.model import norm
from harness.units import DAY, ETH, HOUR
from harness.world.deploy import shared_protocol

FIRST = object()  # answer a draw with the strategy's first (smallest) value


@pytest.fixture(scope="module", autouse=True)
def _deployed_outside_any_anchor():
    shared_protocol()


@pytest.fixture
def machine():
    RocketPoolMachine.flow_stats = collections.Counter()
    RocketPoolMachine.stats = collections.Counter()
    m = RocketPoolMachine()
    m.set_the_scene()
    yield m
    m.teardown()


class Draws:
    """Answers the draws from a list, in order; :data:`FIRST` takes the first choice."""

    def __init__(self, *answers):
        self.answers = list(answers)

    def draw(self, strategy, label=None):
        answer = self.answers.pop(0) if self.answers else FIRST
        if answer is not FIRST:
            return answer
        elements = getattr(strategy, "elements", None)
        if elements is not None:
            return elements[0]
        return strategy.wrapped_strategy.start


def _staked(m, bond: int = 8) -> int:
    """A minipool created, assigned and staked: its index."""
    m.do("create_minipool", node="node_operator_0", bond=bond, credit=False, value=None)
    m.do("deposit", who="depositor_0", amount=32 * ETH)
    m.do("advance", seconds=12 * HOUR + 1)
    m.do("stake", minipool=len(m.ctx.minipools) - 1)
    return len(m.ctx.minipools) - 1


def _mp(m, index: int):
    return m.model.minipools[norm(m.ctx.minipools[index])]


def test_the_user_distribute_rule_takes_an_exited_minipool_to_its_window(machine):
    m = machine
    skimming, leaving = _staked(m), _staked(m)
    m.do("beacon_exit", minipool=leaving)
    m.do("advance", seconds=7 * DAY)
    # Only the one whose exit was swept in holds 8 ETH or more.
    assert exited(m) == [leaving]
    # Its 32 ETH and the rewards it earned meanwhile; the other holds only a skim.
    assert 32 * ETH < _mp(m, leaving).eth < 32 * ETH + ETH // 100
    assert 0 < _mp(m, skimming).eth < ETH // 10
    # exited, that minipool, to the window, a second after it opens.
    m.begin_user_distribute(Draws(True, leaving, True, "a unit after", FIRST))
    assert [s["rule"] for s in m.steps[-3:]] == ["begin_user_distribute", "advance", "distribute"]
    assert _mp(m, leaving).user_distributed
    assert exited(m) == []
    assert flow_counts(m.flow_stats)["user distribute"] == {"started": 1, "ended": 1, "refused": 0}
    # The other one's balance is a skim: the timer is refused, and nothing waits.
    m.begin_user_distribute(Draws(skimming))
    assert m.steps[-1]["rule"] == "begin_user_distribute"
    assert m.stats[("begin_user_distribute", "reverts")] == 1


def test_a_timer_begun_a_second_before_the_window_is_refused_to_a_stranger(machine):
    m = machine
    index = _staked(m)
    m.do("beacon_exit", minipool=index)
    m.do("advance", seconds=7 * DAY)
    m.begin_user_distribute(Draws(True, index, True, "a unit before", FIRST))
    assert m.stats[("distribute", "reverts")] == 1
    assert not _mp(m, index).user_distributed
    assert flow_counts(m.flow_stats)["user distribute"] == {"started": 1, "ended": 0, "refused": 1}


def test_the_lifecycle_has_the_odao_scrub_a_prelaunch_minipool(machine):
    m = machine
    m.do("create_minipool", node="node_operator_0", bond=8, credit=False, value=None)
    m.do("deposit", who="depositor_0", amount=32 * ETH)
    index = len(m.ctx.minipools) - 1
    m._lifecycle(Draws(index, "scrub", False))  # the scrub penalty left off
    assert _mp(m, index).status == DISSOLVED
    members = len([n for n in m.ctx.actors if n.startswith("odao_member")])
    # Two of three members reach the quorum; the third is refused: no longer prelaunch.
    assert m.stats[("vote_scrub", "successes")] == 2
    assert m.stats[("vote_scrub", "reverts")] == members - 2
    assert flow_counts(m.flow_stats)["scrub"]["ended"] == 1
    m._lifecycle(Draws(index))  # dissolved: its node closes it
    assert flow_counts(m.flow_stats)["dissolve and close"]["ended"] == 1


def test_a_reductions_credit_is_spent_on_a_new_minipool(machine):
    m = machine
    index = _staked(m, bond=16)
    m.do("begin_reduce_bond", minipool=index)
    m.do("advance", seconds=2 * DAY + HOUR)
    m.do("reduce_bond", minipool=index)
    node = m.model.nodes[norm(m.ctx.who("node_operator_0"))]
    assert node.deposit_credit == 8 * ETH
    m._spend_credit(Draws(True, ETH // 2), _mp(m, index).node)
    assert m.steps[-1] == {
        "rule": "create_minipool",
        "args": {"node": "node_operator_0", "bond": 8, "credit": True, "value": ETH // 2},
    }
    # Half an ETH sent, seven and a half taken from the credit.
    assert node.deposit_credit == ETH // 2
    assert flow_counts(m.flow_stats)["deposit credit"]["ended"] == 1


def test_a_lot_bid_on_for_less_than_it_holds_is_claimed_then_recovered(machine):
    m = machine
    index = _staked(m)
    # Not slashed: penalised past its bond, exited, distributed; then to the lot's end.
    m.loss_past_the_bond(Draws(index, False, True, ETH // 2, "depositor_0", "a unit after"))
    rules = [s["rule"] for s in m.steps[-4:]]
    assert rules == ["place_bid", "advance", "claim_bid", "recover_unclaimed_rpl"]
    lot = m.model.lots[0]
    assert lot.recovered
    flows = flow_counts(m.flow_stats)
    assert flows["auction claim"]["ended"] == 1
    assert flows["auction recovery"]["ended"] == 1


def test_every_guard_rail_is_tried_on_both_sides_and_put_back(machine):
    m = machine
    before = {path: m.model.settings[path] for path in GUARD_RAILS}
    sweep_every_guard_rail(m)
    assert {path: m.model.settings[path] for path in GUARD_RAILS} == before
    chain = m.p.settings
    for path, value in before.items():
        read = chain.getSettingBool(path) if isinstance(value, bool) else chain.getSettingUint(path)
        assert read == value, path
    swept = {s["args"]["path"] for s in m.steps if s["rule"] == "set_setting"}
    assert swept == set(GUARD_RAILS)
    # Every numeric rail has a value past its bound, refused.
    assert m.stats[("set_setting", "reverts")] >= 20


def test_the_read_view_rule_can_read_every_view(machine):
    m = machine
    _staked(m)
    m.read_view(Draws("all"))
    read = {s["args"]["view"] for s in m.steps if s["rule"] == "read_view"}
    assert read == set(VIEW_NAMES)


def test_every_view_is_read_once_an_example(machine):
    m = machine
    assert not getattr(m, "read_every_view_done", False)
    m.read_every_view(Draws())
    read = [s["args"]["view"] for s in m.steps if s["rule"] == "read_view"]
    # No minipool yet: the minipools' views have nothing to read.
    assert set(read) == {v for v in VIEW_NAMES if "minipool" not in VIEWS[v].needs}
    assert m.read_every_view_done is True


def test_the_lifecycle_bonds_with_a_node_whose_rpl_backs_it_or_stakes_more_first(machine):
    m = machine
    everyone = sorted(n for n in m.ctx.actors if n.startswith("node_operator"))
    assert m._can_bond(8 * ETH) == everyone
    # The RPL price falls a hundredfold: 3,000 RPL back 3 ETH, not the 24 a minipool needs.
    m.do("report_price", price=m.model.rpl_price // 100)
    assert m._can_bond(8 * ETH) == []
    m._lifecycle(Draws(8, "node_operator_1"))
    assert [s["rule"] for s in m.steps[-2:]] == ["stake_rpl", "create_minipool"]
    assert m.steps[-2]["args"] == {"node": "node_operator_1", "amount": 1_000 * ETH}
