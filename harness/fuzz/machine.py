"""The stateful machine: random interleavings of every user-level action.

Each rule draws concrete arguments, records the step as data (see
:mod:`harness.fuzz.steps`), performs it through the checked facade (so every
call's outcome, and every amount it moves, must match the reference
model), and the invariants run after every step. One deployment per
process; each example runs inside an anchor, so it starts from the
deployed state.

``RocketPoolMachine.TestCase`` is a unittest case pytest collects; the
campaign runner drives the same class with its own settings.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from harness.chain.actors import REENTRANT, REFUSER
from harness.chain.status import DISSOLVED, INITIALISED, PRELAUNCH, STAKING
from harness.fuzz.invariant_runner import check_step, start_watching
from harness.fuzz.steps import UNAUTHORISED, StepContext, execute
from harness.fuzz.views import VIEW_CONTRACTS, VIEW_NAMES, view_args
from harness.model import norm
from harness.model.limits import maximum_deposit
from harness.units import DAY, ETH, HOUR
from harness.world.deploy import shared_protocol

# Settings the governance rule changes: in-bounds values, then one out of bounds.
SETTINGS: dict[str, list[int | bool]] = {
    "deposit.fee": [0, 10**15, 5 * 10**15, 10**16],
    "deposit.pool.maximum": [50 * ETH, 160 * ETH, 1_000 * ETH],
    "deposit.minimum": [10**15, 10**16, ETH, 0],
    "deposit.assign.enabled": [True, False],
    "deposit.enabled": [True, True, False],
    "network.consensus.threshold": [51 * 10**16, ETH, 50 * 10**16],
    "network.reth.collateral.target": [0, 10**17, 5 * 10**17, ETH + 1],
    "minipool.scrub.penalty.enabled": [True, False],
}

# Every other setting, for the guard-rail rule: each at and just past its
# bounds, which for some are other settings' current values (``s``).
PERCENT = 10**16
# Bids, in wei: first (the draw Hypothesis favours) more than any lot costs, which must be capped.
BIDS = [20 * ETH, 2 * ETH, ETH // 2, 0]
_FEE = [5 * PERCENT - 1, 5 * PERCENT, 10 * PERCENT, 14 * PERCENT, 20 * PERCENT, 20 * PERCENT + 1]
_SWITCH = [True, True, True, False]
GUARD_RAILS: dict[str, Callable[[dict[str, Any]], list[int | bool]]] = {
    "deposit.assign.maximum": lambda s: [0, 1, 2, 90, 91],
    "deposit.assign.socialised.maximum": lambda s: [0, 2, 90, 91],
    "network.submit.balances.enabled": lambda s: _SWITCH,
    "network.submit.balances.frequency": lambda s: [HOUR - 1, HOUR, DAY],
    "network.submit.prices.enabled": lambda s: _SWITCH,
    "network.submit.prices.frequency": lambda s: [HOUR - 1, HOUR, DAY],
    "network.node.fee.minimum": lambda s: _FEE,
    "network.node.fee.target": lambda s: _FEE,
    "network.node.fee.maximum": lambda s: _FEE,
    "minipool.launch.timeout": lambda s: [
        s["minipool.scrub.period"] + HOUR - 1,
        s["minipool.scrub.period"] + HOUR,
        72 * HOUR,
    ],
    "minipool.scrub.period": lambda s: [
        HOUR,
        12 * HOUR,
        s["minipool.launch.timeout"] - HOUR,
        s["minipool.launch.timeout"] - HOUR + 1,
    ],
    "minipool.scrub.quorum": lambda s: [51 * PERCENT - 1, 51 * PERCENT, ETH, ETH + 1],
    "minipool.scrub.penalty": lambda s: [0, 24 * 10**17, 8 * ETH, 8 * ETH + 1],
    "minipool.bond.reduction.enabled": lambda s: _SWITCH,
    "minipool.bond.reduction.window.start": lambda s: [0, 2 * DAY, 10 * DAY],
    "minipool.bond.reduction.window.length": lambda s: [HOUR - 1, HOUR, 2 * DAY],
    "minipool.user.distribute.window.start": lambda s: [0, DAY, 90 * DAY],
    "minipool.user.distribute.window.length": lambda s: [HOUR - 1, HOUR, 2 * DAY],
    "node.registration.enabled": lambda s: _SWITCH,
    "node.deposit.enabled": lambda s: _SWITCH,
    "node.per.minipool.stake.minimum": lambda s: [
        0,
        10 * PERCENT,
        s["node.per.minipool.stake.maximum"],
        s["node.per.minipool.stake.maximum"] + 1,
    ],
    "node.per.minipool.stake.maximum": lambda s: [
        s["node.per.minipool.stake.minimum"] - 1,
        s["node.per.minipool.stake.minimum"],
        150 * PERCENT,
    ],
    "node.rpl.withdrawal.cooldown": lambda s: [0, DAY, 28 * DAY],
    "auction.lot.create.enabled": lambda s: _SWITCH,
    "auction.lot.bidding.enabled": lambda s: _SWITCH,
    "auction.lot.value.minimum": lambda s: [
        ETH - 1,
        ETH,
        s["auction.lot.value.maximum"],
        s["auction.lot.value.maximum"] + 1,
    ],
    "auction.lot.value.maximum": lambda s: [
        ETH - 1,
        s["auction.lot.value.minimum"] - 1,
        s["auction.lot.value.minimum"],
        10 * ETH,
    ],
    "auction.lot.duration": lambda s: [7_199, 7_200, 50_400],
    "auction.price.start": lambda s: [
        10**17 - 1,
        s["auction.price.reserve"] - 1,
        s["auction.price.reserve"],
        ETH,
    ],
    "auction.price.reserve": lambda s: [
        10**17 - 1,
        10**17,
        s["auction.price.start"],
        s["auction.price.start"] + 1,
    ],
}


def _lifecycle_rule():
    """A rule that makes one lifecycle move (see ``RocketPoolMachine._lifecycle``).

    Hypothesis sorts rules by their number of arguments, then by name, and
    its draws favour the first rule: in a campaign it gets about a third of
    the turns. The name (``_`` sorts before letters) gives that place to the
    lifecycle, the move that makes whole minipool lives happen, and no rule
    takes no arguments (the honest report did, and spent a third of every
    campaign reporting).
    """

    @rule(data=st.data())
    def _lifecycle_move(self, data) -> None:
        self._lifecycle(data)

    return _lifecycle_move


class RocketPoolMachine(RuleBasedStateMachine):
    """Depositors, node operators, the oDAO, the beacon chain and time, interleaved at random."""

    # Set by the campaign runner before it runs the machine.
    config: ClassVar[Any] = None
    contracts_dir: ClassVar[Any] = None
    # Filled as examples run: per-rule calls / successes / reverts, and the
    # steps of the example that ran last (the shrunk failure, after a failure).
    stats: ClassVar[collections.Counter] = collections.Counter()
    last_steps: ClassVar[list[dict[str, Any]]] = []
    examples: ClassVar[int] = 0
    step_count: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        self.p = shared_protocol(self.config, self.contracts_dir)
        self._state = self.p.python_state()
        # The example's anchor opens first: the stranger StepContext funds must
        # vanish with it. If setting up fails, close it here, as no teardown runs.
        self._anchor = self.p.chain.anchor()
        self._anchor.__enter__()
        try:
            self.ctx = StepContext.create(self.p, check=True)
            self.watcher = start_watching(self)
        except BaseException:
            self.teardown()
            raise
        self._begin_example()

    def _begin_example(self) -> None:
        """The example's own records, empty; the class counts one more example."""
        self.economic_events: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        # Whether the current rule recorded a step the invariants have not run after yet.
        self._rule_open = False
        # _minipools' answers since the last step (preconditions ask again and again).
        self._candidates: dict[tuple, list[int]] = {}
        type(self).last_steps = self.steps
        # Campaign hook: which step's call or invariant raised, and what it raised.
        self.failed_step: int | None = None
        self.failure: BaseException | None = None
        type(self).examples += 1

    def teardown(self) -> None:
        """Undo the example: the EVM through the anchor, the world through the snapshot."""
        self._anchor.__exit__(None, None, None)
        self.p.restore_python_state(self._state)

    # ------------------------------------------------------------------ plumbing
    @property
    def model(self):
        return self.p.model

    def do(self, rule: str, **args: Any) -> Any:
        """Record a step, then perform it; counts calls, successes and reverts per rule.

        The invariants run after each rule, not after each step: a step the
        rule followed with another is marked ``"check": False``, so a replay
        runs them exactly where the machine did (see :mod:`harness.replay.session`).
        """
        if self._rule_open:
            self.steps[-1]["check"] = False
        step = {"rule": rule, "args": args}
        self.steps.append(step)
        self._rule_open = True
        type(self).step_count += 1
        stats = type(self).stats
        stats[(rule, "calls")] += 1
        try:
            result = execute(self.ctx, rule, args)
        except Exception as exc:
            self._failed(exc)
            raise
        finally:
            self._candidates.clear()  # the step may have changed any minipool
        expects = result if isinstance(result, tuple) else (result,)
        reverted = any(getattr(e, "ok", True) is False for e in expects)
        stats[(rule, "reverts" if reverted else "successes")] += 1
        return result

    def _failed(self, exc: BaseException) -> None:
        """Campaign hook: the failure belongs to the step recorded last."""
        self.failed_step, self.failure = len(self.steps) - 1, exc

    def _minipools(self, *statuses: int, **flags: Any) -> list[int]:
        """Indices of created minipools whose model state has one of ``statuses``.

        Kept until the next step (only steps change the model): Hypothesis
        evaluates the preconditions that ask this before every rule.
        """
        key = (statuses, *flags.items())
        kept = self._candidates.get(key)
        if kept is None:
            kept = self._candidates[key] = self._find_minipools(statuses, flags)
        return list(kept)

    def _find_minipools(self, statuses: tuple[int, ...], flags: dict[str, Any]) -> list[int]:
        out = []
        for index, address in enumerate(self.ctx.minipools):
            mp = self.model.minipools.get(norm(address))
            if mp is None or (statuses and mp.status not in statuses):
                continue
            if any(getattr(mp, key) != value for key, value in flags.items()):
                continue
            out.append(index)
        return out

    def _pick(self, data, options: list, label: str):
        return data.draw(st.sampled_from(options), label=label)

    def _actor(self, data, *groups: str, label: str = "actor") -> str:
        names = [n for n in self.ctx.actors if any(n.startswith(g) for g in groups)]
        return self._pick(data, names, label)

    # ------------------------------------------------------------------ start
    @initialize(data=st.data())
    def set_the_scene(self, data=None) -> None:
        """Every node registers and stakes RPL; a depositor fills the pool a little.

        One node in three starts with a contract actor as its withdrawal
        address (see :meth:`set_withdrawal_address`), so that payments to
        contracts happen in many examples: the rule alone comes too seldom
        and too late. The re-entrant actor is the list's first choice, the
        one Hypothesis favours: it keeps what it is paid, so it blocks
        nothing, and only it can show a missing re-entrancy lock. Called
        without ``data`` (as tests do), none does.
        """
        for i in range(len(self.p.node_operators)):
            node = f"node_operator_{i}"
            self.do("register_node", node=node)
            self.do("stake_rpl", node=node, amount=3_000 * ETH)
            if data is None:
                continue
            payee = data.draw(
                st.sampled_from([REENTRANT, node, node, node, node, REFUSER]), label="payee"
            )
            if payee != node:
                self.do("set_withdrawal_address", node=node, to=payee)
        if data is not None and data.draw(st.sampled_from([97, 100]), label="price") != 100:
            # Most examples start at an RPL price whose ETH -> RPL divisions do not come
            # out even, so every slash and collateral bound is rounded from the start.
            self.do("report_price", price=self.model.rpl_price * 97 // 100)
        self.do("deposit", who="depositor_0", amount=20 * ETH)

    # ------------------------------------------------------------------ depositors
    @rule(data=st.data())
    def deposit(self, data) -> None:
        """A depositor deposits: below the minimum, typical, past capacity, or at its very edge.

        The edge is the largest deposit the rules accept now (the pool
        maximum plus, while assignment is on, what the queue still needs),
        and one wei more: where an off-by-one in the capacity rule shows.
        The queue's part only counts while minipools wait, which is seldom
        (deposits keep the pool flush), so then half the deposits go to
        the edge.
        """
        edge = st.sampled_from(["limit", "past the limit"])
        amount = data.draw(
            st.one_of(
                st.sampled_from([0, 10**16 - 1, 10**16, 24 * ETH, 31 * ETH, 300 * ETH]),
                st.integers(min_value=10**16, max_value=64 * ETH),
                *[edge] * (4 if self.model.queue else 1),
            ),
            label="amount",
        )
        if isinstance(amount, str):
            limit = maximum_deposit(self.model)
            amount = limit if amount == "limit" else limit + 1
        self.do("deposit", who=self._actor(data, "depositor", label="who"), amount=amount)

    @precondition(lambda self: self.model.reth_supply > 0)
    @rule(data=st.data())
    def burn(self, data) -> None:
        """A holder burns part, all, or more than its rETH, or just past what can be paid.

        The last is the smallest burn worth more than the ETH the protocol
        can pay out now (rETH's balance plus the pool's excess), when the
        holder has that much: the collateral check's edge. Half the time a
        holder who can reach that edge burns just past it: a random holder
        seldom holds more than the pool can pay.
        """
        past = self._past_the_collateral()
        holders = {n: self._reth_of(n) for n in self.ctx.actors if n.startswith("depositor")}
        able = [n for n, held in holders.items() if held >= past]
        if able and data.draw(st.booleans(), label="at the edge"):
            self.do("burn", who=self._pick(data, able, "who"), amount=past)
            return
        who = self._actor(data, "depositor", label="who")
        balance = holders[who]
        amounts = [balance // 4, balance // 2, balance, balance + 1, 0]
        if past <= balance:
            amounts.append(past)
        amount = data.draw(st.sampled_from(amounts), label="amount")
        self.do("burn", who=who, amount=amount)

    def _reth_of(self, name: str) -> int:
        return self.model.reth_balances.get(norm(self.ctx.who(name)), 0)

    def _past_the_collateral(self) -> int:
        """The least rETH whose ETH value, at the reported rate, exceeds the collateral."""
        m = self.model
        collateral = m.excess_balance() + m.reth_eth
        supply, total = m.report.reth_supply, m.report.total_eth
        if supply == 0 or total == 0:
            return collateral + 1
        return -(-(collateral + 1) * supply // total)  # rounded up

    @precondition(lambda self: self.model.reth_supply > 0)
    @rule(data=st.data())
    def transfer_reth(self, data) -> None:
        """A holder moves rETH to another actor (now and then more than it holds)."""
        who = self._actor(data, "depositor", label="who")
        to = self._actor(data, "depositor", "node_operator", "stranger", label="to")
        balance = self._reth_of(who)
        amount = data.draw(
            st.sampled_from([balance // 3, balance // 3, balance + 1]), label="amount"
        )
        self.do("transfer_reth", who=who, to=to, amount=amount)

    # ------------------------------------------------------------------ nodes
    @rule(data=st.data())
    def register_node(self, data) -> None:
        """A node operator, or a stranger, registers (again)."""
        self.do("register_node", node=self._actor(data, "node_operator", "stranger", label="node"))

    @rule(data=st.data())
    def stake_rpl(self, data) -> None:
        """A node stakes more RPL."""
        amount = data.draw(st.sampled_from([0, 100 * ETH, 1_000 * ETH]), label="amount")
        self.do("stake_rpl", node=self._actor(data, "node_operator", label="node"), amount=amount)

    @rule(data=st.data())
    def withdraw_rpl(self, data) -> None:
        """A node tries to withdraw RPL (only above its maximum, after the cooldown)."""
        amount = data.draw(st.sampled_from([ETH, 500 * ETH, 5_000 * ETH]), label="amount")
        self.do(
            "withdraw_rpl", node=self._actor(data, "node_operator", label="node"), amount=amount
        )

    @rule(data=st.data())
    def create_minipool(self, data) -> None:
        """A node bonds 8 or 16 ETH (or a wrong amount) to create a minipool."""
        bond = data.draw(st.sampled_from([8, 8, 16, 16, 4]), label="bond")
        node = self._actor(data, "node_operator", label="node")
        self.do("create_minipool", node=node, bond=bond, credit=False, value=None)

    @precondition(lambda self: any(n.deposit_credit for n in self.model.nodes.values()))
    @rule(data=st.data())
    def create_minipool_with_credit(self, data) -> None:
        """A node with deposit credit bonds with it, sending some ETH or none."""
        node = self._actor(data, "node_operator", label="node")
        value = data.draw(st.sampled_from([0, ETH // 2, ETH, 4 * ETH]), label="value")
        self.do("create_minipool", node=node, bond=8, credit=True, value=value)

    @rule(data=st.data())
    def assign_deposits(self, data) -> None:
        """Anyone asks the pool to assign ETH to the queue."""
        self.do("assign_deposits", who=self._actor(data, "stranger", "depositor", label="who"))

    # ------------------------------------------------------------------ minipool lifecycle
    @precondition(lambda self: self._minipools(PRELAUNCH))
    @rule(data=st.data())
    def stake(self, data) -> None:
        """The owner stakes a prelaunch minipool (too early is refused)."""
        self.do("stake", minipool=self._pick(data, self._minipools(PRELAUNCH), "minipool"))

    @precondition(lambda self: self._minipools(PRELAUNCH))
    @rule(data=st.data())
    def vote_scrub(self, data) -> None:
        """An oDAO member votes to scrub a prelaunch minipool."""
        index = self._pick(data, self._minipools(PRELAUNCH), "minipool")
        self.do(
            "vote_scrub", member=self._actor(data, "odao_member", label="member"), minipool=index
        )

    @precondition(lambda self: self._minipools(PRELAUNCH))
    @rule(data=st.data())
    def dissolve(self, data) -> None:
        """A stranger dissolves a prelaunch minipool (only after the launch timeout).

        Now, or after waiting until exactly the timeout, or until a second
        before it: the edge where an off-by-one in the timeout shows.
        """
        index = self._pick(data, self._minipools(PRELAUNCH), "minipool")
        when = data.draw(
            st.sampled_from(["now", "at the timeout", "a second before"]), label="when"
        )
        if when != "now":
            mp = self.model.minipools[norm(self.ctx.minipools[index])]
            edge = mp.status_time + self.model.settings["minipool.launch.timeout"]
            wait = edge - (when == "a second before") - self.p.now()
            if wait > 0:
                self.do("advance", seconds=wait)
        self.do("dissolve", who="stranger", minipool=index)

    @precondition(lambda self: self._minipools(DISSOLVED))
    @rule(data=st.data())
    def close(self, data) -> None:
        """The owner closes a dissolved minipool."""
        self.do("close", minipool=self._pick(data, self._minipools(DISSOLVED), "minipool"))

    @rule(seconds=st.sampled_from([HOUR, 13 * HOUR, DAY, 3 * DAY, 6 * DAY, 30 * DAY, 91 * DAY]))
    def advance(self, seconds: int) -> None:
        """Time passes: rewards accrue, exits complete, sweeps pay minipools."""
        self.do("advance", seconds=seconds)

    def _lifecycle(self, data) -> None:
        """Move one minipool to its next stage, so whole lives happen in most examples.

        Queued: a depositor funds the queue. Prelaunch: wait out the scrub
        period and stake. Staking, validator live: it exits, is slashed, or
        is penalised past its bond and exits (a 16 ETH one may first have
        its bond reduced), then the withdrawal sweep is awaited. Withdrawn:
        the owner distributes (and finalises), or a stranger starts the
        user-distribute timer and distributes in the window. Distributed by
        a user: anyone slashes the shortfall, the owner takes the refund or
        finalises. Dissolved: the owner closes. With no minipool yet, a
        node creates one. Each move is recorded as the ordinary steps it is
        made of.
        """
        candidates = self._minipools(INITIALISED, PRELAUNCH, STAKING, DISSOLVED, finalised=False)
        if not candidates:
            node = self._actor(data, "node_operator", label="node")
            bond = data.draw(st.sampled_from([8, 16]), label="bond")
            self.do("create_minipool", node=node, bond=bond, credit=False, value=None)
            return
        index = self._pick(data, candidates, "minipool")
        mp = self.model.minipools[norm(self.ctx.minipools[index])]
        if mp.status == INITIALISED:
            # 31 ETH, or all the pool takes now: the queue's capacity only counts
            # while minipools wait, so that is when a deposit at the edge shows it.
            amount = data.draw(st.sampled_from([31 * ETH, "limit"]), label="amount")
            if amount == "limit":
                amount = maximum_deposit(self.model)
            self.do("deposit", who=self._actor(data, "depositor", label="who"), amount=amount)
        elif mp.status == PRELAUNCH:
            self.do("advance", seconds=13 * HOUR)
            self.do("stake", minipool=index)
        elif mp.status == DISSOLVED:
            self.do("close", minipool=index)
        elif mp.user_distributed:
            self._settle_user_distributed(data, index, mp)
        else:
            validator = self._validator(mp)
            if validator is not None and validator.status in ("active", "exiting"):
                self._end_validator(data, index, mp, validator)
            else:
                self._distribute_exit(data, index)

    # Registered several times, besides sorting first (see _lifecycle_rule):
    # most examples see minipools staked, exited, slashed and settled. In
    # every draw Hypothesis also favours the first choice of a list, so the
    # lists below put first the move where most can go wrong.
    lifecycle = _lifecycle_rule()
    lifecycle_2 = _lifecycle_rule()
    lifecycle_3 = _lifecycle_rule()
    lifecycle_4 = _lifecycle_rule()
    lifecycle_5 = _lifecycle_rule()
    lifecycle_6 = _lifecycle_rule()

    def _end_validator(self, data, index: int, mp, validator) -> None:
        """A live validator leaves the beacon chain; time passes until its ETH is swept."""
        if validator.status == "active":
            kind = data.draw(
                st.sampled_from(["loss", "exit", "slash", "exit", "reduce"]), label="end"
            )
            if kind == "reduce" and mp.bond == 16 * ETH and not mp.reduce_time:
                self.do("begin_reduce_bond", minipool=index)
                self.do("advance", seconds=2 * DAY + HOUR)
                # Or the validator fails inside the window and the node reduces before
                # any time passes, so before the oDAO's watch can cancel: the race the
                # reference leaves open (the outcome "bond-reduction-not-cancelled").
                if data.draw(st.sampled_from(["now", "after a loss"]), label="reduce") != "now":
                    amount = data.draw(st.sampled_from([12 * ETH, 27 * ETH]), label="amount")
                    self.do("beacon_penalty", minipool=index, amount=amount)
                self.do("reduce_bond", minipool=index)
                return
            if kind == "slash":
                self.do("beacon_slash", minipool=index)
                self.do("advance", seconds=37 * DAY)
                return
            if kind == "loss":
                amount = data.draw(st.sampled_from([12 * ETH, 27 * ETH]), label="amount")
                self.do("beacon_penalty", minipool=index, amount=amount)
            self.do("beacon_exit", minipool=index)
        self.do("advance", seconds=(37 if validator.slashed else 7) * DAY)

    def _distribute_exit(self, data, index: int) -> None:
        """The owner distributes the exit, or a stranger does after the user-distribute wait.

        Now and then a stranger tries first, before any wait (it must be
        refused), and the owner then distributes. A stranger's timer is
        always followed by a depositor's attempt to start it again (refused
        while it runs).
        """
        by = data.draw(st.sampled_from(["owner", "user", "stranger first"]), label="by")
        if by == "user":
            self.do("begin_user_distribute", who="stranger", minipool=index)
            # Restarting a running timer must be refused: else anyone could keep
            # pushing the window away, and nobody could ever distribute.
            self.do("begin_user_distribute", who="depositor_1", minipool=index)
            self.do("advance", seconds=90 * DAY + HOUR)
            self.do("distribute", who="stranger", minipool=index, rewards_only=False)
            return
        if by == "stranger first":
            self.do("distribute", who="stranger", minipool=index, rewards_only=False)
        self.do("distribute", who="owner", minipool=index, rewards_only=False)
        self._auction_slashed_rpl(data)

    def _settle_user_distributed(self, data, index: int, mp) -> None:
        """After a user distribution: slash any shortfall, then refund or finalise."""
        if mp.slash > 0:
            self.do("slash", who="stranger", minipool=index)
            self._auction_slashed_rpl(data)
        kind = data.draw(st.sampled_from(["refund", "finalise"]), label="kind")
        self.do(kind if mp.refund > 0 or kind == "finalise" else "finalise", minipool=index)

    # ------------------------------------------------------------------ the beacon chain
    @precondition(lambda self: self._minipools(STAKING, finalised=False))
    @rule(data=st.data())
    def beacon_event(self, data) -> None:
        """A staking validator exits, leaks, is slashed, or goes offline."""
        index = self._pick(data, self._minipools(STAKING, finalised=False), "minipool")
        kind = data.draw(
            st.sampled_from(["exit", "exit", "penalty", "slash", "offline"]), label="event"
        )
        if kind == "exit":
            self.do("beacon_exit", minipool=index)
        elif kind == "slash":
            self.do("beacon_slash", minipool=index)
        elif kind == "offline":
            self.do("beacon_offline", minipool=index, offline=True)
        else:
            amount = data.draw(
                st.sampled_from([ETH // 10, 3 * ETH, 12 * ETH, 27 * ETH]), label="amount"
            )
            self.do("beacon_penalty", minipool=index, amount=amount)

    # ------------------------------------------------------------------ distributions
    @precondition(lambda self: self._minipools(STAKING, DISSOLVED))
    @rule(data=st.data())
    def distribute(self, data) -> None:
        """The owner, a depositor or a stranger distributes a minipool's balance."""
        index = self._pick(data, self._minipools(STAKING, DISSOLVED), "minipool")
        who = data.draw(st.sampled_from(["owner", "owner", "stranger", "depositor_1"]), label="who")
        rewards_only = data.draw(st.booleans(), label="rewards_only")
        self.do("distribute", who=who, minipool=index, rewards_only=rewards_only)

    @precondition(lambda self: self._minipools(STAKING))
    @rule(data=st.data())
    def begin_user_distribute(self, data) -> None:
        """Anyone starts the user-distribute timer of an exited minipool."""
        index = self._pick(data, self._minipools(STAKING), "minipool")
        self.do("begin_user_distribute", who="stranger", minipool=index)

    @precondition(lambda self: self._minipools(STAKING))
    @rule(data=st.data())
    def settle(self, data) -> None:
        """The owner takes its refund or finalises; anyone slashes a shortfall."""
        index = self._pick(data, self._minipools(STAKING), "minipool")
        kind = data.draw(st.sampled_from(["refund", "finalise", "slash"]), label="kind")
        if kind == "slash":
            self.do("slash", who="stranger", minipool=index)
        else:
            self.do(kind, minipool=index)

    # ------------------------------------------------------------------ bond reduction
    @precondition(lambda self: self._minipools(STAKING, bond=16 * ETH))
    @rule(data=st.data())
    def bond_reduction(self, data) -> None:
        """A 16 ETH minipool's owner begins or completes a reduction; the oDAO may cancel."""
        index = self._pick(data, self._minipools(STAKING, bond=16 * ETH), "minipool")
        kind = data.draw(st.sampled_from(["begin", "reduce", "cancel"]), label="kind")
        if kind == "begin":
            self.do("begin_reduce_bond", minipool=index)
        elif kind == "reduce":
            self.do("reduce_bond", minipool=index)
        else:
            member = self._actor(data, "odao_member", label="member")
            self.do("vote_cancel_reduction", member=member, minipool=index)

    # ------------------------------------------------------------------ auctions
    @precondition(lambda self: self._live_validators())
    @rule(data=st.data())
    def loss_past_the_bond(self, data) -> None:
        """A validator loses more than its bond and the owner settles: RPL goes to auction.

        Penalised by its bond plus 4 ETH (12 ETH for an 8 ETH bond, 20 ETH
        for a 16 ETH one: a fixed 12 ETH left a 16 ETH bond whole) or
        slashed, it exits; once swept, the owner distributes (which
        finalises and slashes the node's RPL for the shortfall); anyone
        cuts a lot and a depositor bids on it at once.
        """
        index = self._pick(data, self._live_validators(), "minipool")
        if data.draw(st.booleans(), label="slashed"):
            self.do("beacon_slash", minipool=index)
            self.do("advance", seconds=37 * DAY)
        else:
            bond = self.model.minipools[norm(self.ctx.minipools[index])].bond
            self.do("beacon_penalty", minipool=index, amount=bond + 4 * ETH)
            self.do("beacon_exit", minipool=index)
            self.do("advance", seconds=7 * DAY)
        self.do("distribute", who="owner", minipool=index, rewards_only=False)
        self._auction_slashed_rpl(data)

    def _auction_slashed_rpl(self, data) -> None:
        """RPL slashed and not yet in a lot: a lot is cut at once and a depositor bids on it.

        Called after every settlement that can slash RPL (a loss past the
        bond, in this rule or the lifecycle): left to the auction rules,
        which must first be drawn, most such RPL never reached a bid.
        """
        if self.model.auction_rpl <= self.model.auction_allotted:
            return
        lots = len(self.model.lots)
        self.do("create_lot", who="depositor_1")
        if len(self.model.lots) == lots:
            return  # refused: lots disabled, or less RPL than the smallest lot
        amount = data.draw(st.sampled_from(BIDS), label="amount")
        who = self._actor(data, "depositor", label="who")
        self.do("place_bid", lot=len(self.model.lots) - 1, who=who, amount=amount)

    def _live_validators(self) -> list[int]:
        """Staking minipools whose validator is active on the beacon chain."""
        out = []
        for index in self._minipools(STAKING, finalised=False):
            validator = self._validator(self.model.minipools[norm(self.ctx.minipools[index])])
            if validator is not None and validator.status == "active":
                out.append(index)
        return out

    def _validator(self, mp) -> Any:
        """The beacon validator of model minipool ``mp``, by the pubkey the rules recorded.

        None before it exists. The machine only chooses its moves by it, so
        it asks the model rather than the chain (a view call each time, in
        preconditions too); a chain that recorded another key is the
        invariants' business.
        """
        try:
            return self.model.beacon.validator(mp.pubkey)
        except KeyError:
            return None

    @precondition(lambda self: self.model.auction_rpl > 0)
    @rule(data=st.data())
    def auction_again(self, data) -> None:
        """The auction rule again: lots are rare, so once there is one, they get twice the turns."""
        self.auction(data)

    @precondition(lambda self: self.model.auction_rpl > 0)
    @rule(data=st.data())
    def auction(self, data) -> None:
        """Anyone cuts a lot (often bid on at once); depositors bid, claim, recover; time passes.

        Lots run 50,400 blocks (about a week): "wait" lets the last one end,
        so claims and recoveries can succeed; "later" bids part of the way
        through. Lots are drawn newest first.
        """
        lots = len(self.model.lots)
        kinds = ["create", "bid", "bid", "later", "claim", "recover", "wait"]
        if not lots:
            kinds = ["create"]
        kind = data.draw(st.sampled_from(kinds), label="kind")
        who = self._actor(data, "depositor", label="who")
        if kind == "wait":
            self.do("advance", seconds=8 * DAY)
            return
        if kind == "later":
            # Part of the way through a lot, where its price falls between start and reserve.
            wait = data.draw(st.sampled_from([HOUR, DAY, 3 * DAY]), label="wait")
            self.do("advance", seconds=wait)
            kind = "bid"
        if kind == "create":
            self.do("create_lot", who="depositor_1")
            if len(self.model.lots) == lots or not data.draw(st.booleans(), label="bid_now"):
                return
            lot, kind = lots, "bid"
        else:
            lot = data.draw(st.sampled_from(range(lots - 1, -1, -1)), label="lot")
        if kind == "bid":
            amount = data.draw(st.sampled_from(BIDS), label="amount")
            self.do("place_bid", lot=lot, who=who, amount=amount)
        elif kind == "claim":
            # Usually a bidder of that lot (anyone else has nothing to claim).
            bidders = [
                n for n, a in self.ctx.actors.items() if norm(a) in self.model.lots[lot].bids
            ]
            if bidders and data.draw(st.booleans(), label="bidder"):
                who = self._pick(data, sorted(bidders), "bidder")
            self.do("claim_bid", lot=lot, who=who)
        else:
            self.do("recover_unclaimed_rpl", lot=lot, who=who)

    # ------------------------------------------------------------------ oracle and governance
    @rule(data=st.data())
    def report(self, data) -> None:
        """The honest oDAO reports the truthful balances.

        ``data`` is drawn from by no one: a rule without arguments would
        sort first and take a third of the turns (see :func:`_lifecycle_rule`).
        """
        self.do("report")

    @rule(inflate=st.sampled_from([1, ETH, 100 * ETH]))
    def report_dishonest(self, inflate: int) -> None:
        """The one dishonest member votes for an inflated total: a minority, no consensus.

        Only ``odao_member_0`` lies: two liars agreeing would be a majority of
        three, which the oDAO's trust assumption rules out.
        """
        self.do("report_dishonest", member="odao_member_0", inflate=inflate)

    @rule(move=st.sampled_from([90, 50, 100, 110, 200]))
    def report_price(self, move: int) -> None:
        """The oDAO reports a new RPL price (a percentage of the current one).

        90% first: Hypothesis favours the first choice, and a price of 9 in
        some power of ten makes the RPL-per-ETH divisions inexact, so they are
        rounded (50% would divide evenly).
        """
        self.do("report_price", price=max(1, self.model.rpl_price * move // 100))

    @rule(which=st.sampled_from(["balances", "prices"]), data=st.data())
    def execute_update(self, which: str, data) -> None:
        """A stranger applies the last accepted report again (a report applies once), or a late one.

        Half the time, the late consensus of :meth:`_late_consensus`.
        """
        if data.draw(st.booleans(), label="late"):
            self._late_consensus(which, data)
        else:
            self.do("execute_update", who="stranger", which=which)

    @precondition(lambda self: len(self.model.members) >= 3)
    @rule(data=st.data())
    def odao_churn(self, data) -> None:
        """The guardian removes a member, which may have voted, and usually admits it again.

        A removed member's votes stop counting, and re-admitted it has a new
        membership: it may vote again for a block it voted for before. At
        least two members always remain: the one dishonest member alone
        would be the whole oDAO, outside the trust assumption that
        ``report_dishonest`` checks.
        """
        member = self._actor(data, "odao_member", label="member")
        if data.draw(st.booleans(), label="voted"):
            self.do("vote_report", member=member, which="balances")
        self.do("remove_member", member=member)
        if data.draw(st.sampled_from([True, True, True, False]), label="back"):
            self.do("add_member", member=member)
            if data.draw(st.booleans(), label="votes again"):
                self.do("vote_report", member=member, which="balances")

    def _late_consensus(self, which: str, data) -> None:
        """All members but one vote under a 100% threshold; it is lowered; a stranger applies it.

        The report that lacked consensus when its votes came in gets it
        when the threshold falls, and only ``executeUpdate...`` can apply it
        then. The threshold goes to 51% or to just above what the votes
        reach (refused until it is lowered again); the stranger may try
        before it is lowered too.
        """
        members = [f"odao_member_{i}" for i in range(len(self.p.odao_members))]
        self.do("set_setting", path="network.consensus.threshold", value=ETH)
        for member in members[1:]:
            self.do("vote_report", member=member, which=which)
        if data.draw(st.booleans(), label="too early"):
            self.do("execute_update", who="stranger", which=which, pending=True)
        share = ETH * (len(members) - 1) // len(members)
        lowest = 51 * 10**16
        threshold = data.draw(st.sampled_from([lowest, share, share + 1]), label="threshold")
        self.do("set_setting", path="network.consensus.threshold", value=max(threshold, lowest))
        self.do("execute_update", who="stranger", which=which, pending=True)

    @precondition(lambda self: self._minipools(STAKING, finalised=False))
    @rule(data=st.data())
    def gift(self, data) -> None:
        """A stranger sends a staking minipool ETH in a transaction: it is shared out as rewards.

        Only staking, unfinalised minipools. The truthful report counts the
        users' share of whatever a minipool holds, so ETH sent to a prelaunch
        minipool raises the rate; if that minipool is then dissolved, close()
        pays it all to the node and the reported rate is short of what is
        held (a solvency failure on unmodified contracts). And on a finalised
        minipool the model counts newly arrived ETH as staking while the
        oracle does not. Both are findings for the spec and the model, not
        for a rule that checks the contracts.
        """
        index = self._pick(data, self._minipools(STAKING, finalised=False), "minipool")
        amount = data.draw(st.sampled_from([1, 10**17, ETH]), label="amount")
        self.do("gift", who="stranger", minipool=index, amount=amount)

    @rule(data=st.data())
    def set_setting(self, data) -> None:
        """The guardian changes a setting, within its bounds or not.

        Two times in three one of the settings that shape most examples
        (:data:`SETTINGS`); otherwise any other at the edge of its bounds,
        or just past it (:data:`GUARD_RAILS`).
        """
        if data.draw(st.sampled_from([True, True, False]), label="shaping"):
            path = self._pick(data, sorted(SETTINGS), "path")
            value = self._pick(data, SETTINGS[path], "value")
        else:
            path = self._pick(data, sorted(GUARD_RAILS), "path")
            value = max(self._pick(data, GUARD_RAILS[path](self.model.settings), "value"), 0)
        self.do("set_setting", path=path, value=value)

    @rule(data=st.data())
    def set_withdrawal_address(self, data) -> None:
        """A node points its withdrawal address at a depositor, back at itself, or at a contract.

        The contracts: one refuses ETH (every payment to it must revert),
        one calls the paying minipool back (the lock must refuse it). Half
        the calls pick a contract, the re-entrant one twice as often as the
        refuser, which stalls the node's payouts until it is pointed away.
        The node is one whose minipools will pay it something, when there is
        one: pointing any other is moot. One call in ten is a stranger trying
        to take the node's payouts.
        """
        unpaid = {
            mp.node for mp in self.model.minipools.values() if not (mp.finalised or mp.destroyed)
        }
        owners = [n for n in self.ctx.actors if norm(self.ctx.who(n)) in unpaid]
        if owners:
            node = self._pick(data, owners, "node")
        else:
            node = self._actor(data, "node_operator", label="node")
        kind = data.draw(
            st.sampled_from(["depositor", "depositor", "node", REFUSER, REENTRANT, REENTRANT]),
            label="kind",
        )
        if kind == "depositor":
            to = self._actor(data, "depositor", label="to")
        else:
            to = node if kind == "node" else kind
        if data.draw(st.integers(0, 9), label="by_stranger") == 0:
            # Neither the node nor its withdrawal address: refused.
            self.do("set_withdrawal_address", node=node, to="stranger", by="stranger")
            return
        self.do("set_withdrawal_address", node=node, to=to)

    @rule(entry=st.sampled_from(sorted(UNAUTHORISED)))
    def unauthorised(self, entry: str) -> None:
        """A stranger calls a privileged entry point: it must be refused."""
        self.do("unauthorised", entry=entry)

    @rule(data=st.data())
    def read_view(self, data) -> None:
        """Anyone reads a public view, or every view of a contract, as the rules say it must answer.

        Seven times in eight the contract first, then one of its views, so
        each contract is read as often. Otherwise every view of the
        contract of a view drawn from all 160: contracts with many views
        (the minipool's 36, the settings' 42) are swept more often, so that
        none is left unread for long.
        """
        sweep = data.draw(st.sampled_from([False] * 7 + [True]), label="every view")
        if sweep:
            contract = data.draw(st.sampled_from(VIEW_NAMES), label="of").split(".")[0]
        else:
            contract = data.draw(st.sampled_from(VIEW_CONTRACTS), label="contract")
        views = [v for v in VIEW_NAMES if v.startswith(contract + ".")]
        if not sweep:
            views = [data.draw(st.sampled_from(views), label="view")]
        for view in views:
            args = view_args(
                view,
                list(self.ctx.actors),
                len(self.ctx.minipools),
                len(self.model.lots),
                lambda s, label: data.draw(s, label=label),
            )
            if args is not None:
                self.do("read_view", view=view, **args)

    # ------------------------------------------------------------------ invariants
    @invariant()
    def protocol_agrees_with_the_model(self) -> None:
        """After every rule: the invariants of :mod:`invariants` hold."""
        self._rule_open = False
        try:
            check_step(self)
        except Exception as exc:
            self._failed(exc)
            raise
