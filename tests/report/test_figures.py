"""``harness.report.figures`` on a stand-in session: what is read, and which step diverged first.

No chain is deployed: the session's facade and model are plain objects whose
figures each test sets, so the reading and the comparison are checked alone
(the deployed case is ``test_replay_page.py``).
"""

from __future__ import annotations

from types import SimpleNamespace

from harness.chain.backend import Reverted
from harness.chain.status import PRELAUNCH, STAKING
from harness.replay.session import StepResult
from harness.report.figures import FigureTrace, first_divergence, label, shown
from harness.units import ETH, ONE

MINIPOOL = "0x" + "ab" * 20


class _Chain:
    """The views the trace reads, answering what the test set."""

    def __init__(self) -> None:
        self.rate, self.supply, self.collateral, self.pool = ONE, 0, 0, 0
        self.eth: dict[str, int] = {}
        self.status: dict[str, int] = {}
        self.reth = SimpleNamespace(
            getExchangeRate=lambda: self.rate,
            totalSupply=lambda: self.supply,
            getTotalCollateral=lambda: self.collateral,
        )
        self.deposit_pool = SimpleNamespace(getBalance=self._pool)

    def _pool(self) -> int:
        if self.pool is None:
            raise Reverted("deposit pool: a view that reverts")
        return self.pool

    def balance(self, address: str) -> int:
        return self.eth[address]

    def minipool_at(self, address: str) -> SimpleNamespace:
        return SimpleNamespace(getStatus=lambda: self.status[address])


class _Model:
    """The model's side of the same figures."""

    def __init__(self) -> None:
        self.rate, self.reth_supply, self.excess, self.reth_eth, self.pool_balance = ONE, 0, 0, 0, 0
        self.minipools: dict[str, SimpleNamespace] = {}

    def eth_value(self, amount: int) -> int:
        return amount * self.rate // ONE

    def excess_balance(self) -> int:
        return self.excess


def _session() -> SimpleNamespace:
    return SimpleNamespace(p=_Chain(), model=_Model(), ctx=SimpleNamespace(minipools=[]))


def _step(index: int, rule: str = "deposit", **args) -> StepResult:
    return StepResult(index, rule, args, True, "ok")


def _deposit(session: SimpleNamespace, amount: int, minted: int) -> None:
    """Both sides take a deposit; the chain mints ``minted``, the model ``amount``."""
    p, m = session.p, session.model
    p.supply += minted
    p.collateral += amount
    p.pool += amount
    m.reth_supply += amount
    m.excess += amount
    m.pool_balance += amount


def test_the_first_step_whose_figures_differ_is_named_with_both_values():
    session = _session()
    trace = FigureTrace(session)
    steps = [_step(0, who="depositor_0", amount=20 * ETH), _step(1), _step(2)]
    _deposit(session, 20 * ETH, 20 * ETH)
    trace(steps[0])
    _deposit(session, 5 * ETH, 5 * ETH + 1)  # one wei of rETH too many on the chain
    trace(steps[1])
    session.p.rate = ONE - 7  # and then the rate
    trace(steps[2])
    found = first_divergence(trace, steps)
    assert found is not None and found.step.index == 1
    assert found.keys == ("supply",)
    assert found.rows() == [("rETH supply", "25 ETH", "25.000000000000000001 ETH")]
    assert found.sentence(steps[2]) == (
        "The state went wrong before the failing step 2: the model's and the chain's figures "
        "first differ after step 1 (deposit): rETH supply (model 25 ETH, chain "
        "25.000000000000000001 ETH)."
    )
    assert trace.series("supply") == [0, 20 * ETH, 25 * ETH + 1, 25 * ETH + 1]
    assert trace.series("supply", "model") == [0, 20 * ETH, 25 * ETH, 25 * ETH]


def test_figures_that_agree_or_cannot_be_read_are_no_divergence():
    session = _session()
    trace = FigureTrace(session)
    steps = [_step(0), _step(1)]
    _deposit(session, 3 * ETH, 3 * ETH)
    trace(steps[0])
    session.p.pool = None  # the view reverts: unknown, not a difference
    session.model.pool_balance = 99
    trace(steps[1])
    assert trace.after[1].chain["pool"] is None
    assert first_divergence(trace, steps) is None


def test_each_minipool_is_read_by_creation_index_and_the_failing_step_itself_is_said_so():
    session = _session()
    trace = FigureTrace(session)
    session.ctx.minipools.append(MINIPOOL)
    session.p.eth[MINIPOOL], session.p.status[MINIPOOL] = 31 * ETH, PRELAUNCH
    session.model.minipools[MINIPOOL] = SimpleNamespace(eth=31 * ETH, status=PRELAUNCH)
    steps = [_step(0, "create_minipool"), _step(1, "stake", minipool=0)]
    trace(steps[0])
    session.p.eth[MINIPOOL], session.p.status[MINIPOOL] = 1 * ETH, STAKING
    session.model.minipools[MINIPOOL] = SimpleNamespace(eth=0, status=STAKING)
    trace(steps[1])
    assert trace.minipools == 1
    assert trace.series("minipool_0.status") == [None, PRELAUNCH, STAKING]
    found = first_divergence(trace, steps)
    assert found is not None and found.keys == ("minipool_0.eth",)
    assert found.sentence(steps[1]) == (
        "The model's and the chain's figures agreed after every earlier step; they first "
        "differ after the failing step 1 (stake minipool=0): minipool 0's ETH balance (model "
        "0 ETH, chain 1 ETH)."
    )


def test_labels_and_values_read_as_a_person_says_them():
    assert label("minipool_3.status") == "minipool 3's status"
    assert label("pool") == "deposit pool balance"
    assert shown("minipool_0.status", STAKING) == "staking"
    assert shown("rate", ONE + 5) == "1.000000000000000005 ETH"
    assert shown("supply", None) == "unknown"
