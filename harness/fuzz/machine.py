"""The stateful machine: random interleavings of every user-level action.

Each rule draws concrete arguments, records the step as data (see
:mod:`harness.fuzz.steps`), performs it through the checked facade (so every
call's outcome, and every amount it moves, must match the reference
model), and the invariants run after every step. The rules that draw one
area's actions are declared with them, in :mod:`harness.fuzz.actions`. One deployment per
process; each example runs inside an anchor, so it starts from the
deployed state.

``RocketPoolMachine.TestCase`` is a unittest case pytest collects; the
campaign runner drives the same class with its own settings.
"""

from __future__ import annotations

import collections
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis import target
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from harness.chain.actors import REENTRANT, REFUSER
from harness.chain.status import DISSOLVED, INITIALISED, PRELAUNCH, STAKING
from harness.fuzz.actions import RULES
from harness.fuzz.actions.auctions import BIDS
from harness.fuzz.actions.distributor import propose_block
from harness.fuzz.flows import Edges, observe
from harness.fuzz.flows import before as flow_state
from harness.fuzz.invariant_runner import check_step, count_step, start_watching
from harness.fuzz.steps import StepContext, execute
from harness.model import norm
from harness.model.limits import maximum_deposit
from harness.units import DAY, ETH, HOUR
from harness.world.deploy import shared_protocol


def _with_declared_rules(cls: type) -> type:
    """Give the machine every rule declared with the actions (:data:`RULES`), by its name."""
    for name, fn in RULES.items():
        if name in vars(cls):
            raise TypeError(f"machine rule {name!r} is declared twice")
        setattr(cls, name, fn)
    return cls


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


@_with_declared_rules
class RocketPoolMachine(RuleBasedStateMachine):
    """Depositors, node operators, the oDAO, the beacon chain and time, interleaved at random.

    Most rules are declared with the actions they draw (:mod:`harness.fuzz.actions`);
    here are the start, the rules that string several areas' actions together
    (a minipool's lifecycle, a loss past the bond) and the invariants.
    """

    # Set by the campaign runner before it runs the machine.
    config: ClassVar[Any] = None
    contracts_dir: ClassVar[Any] = None
    # Filled as examples run: per-rule calls / successes / reverts, and the
    # steps of the example that ran last (the shrunk failure, after a failure).
    stats: ClassVar[collections.Counter] = collections.Counter()
    # Per flow (harness.fuzz.flows): steps that began it, reached its end, were refused at it.
    flow_stats: ClassVar[collections.Counter] = collections.Counter()
    # Per invariant: how often it was checked (harness.fuzz.invariant_runner counts).
    invariant_stats: ClassVar[collections.Counter] = collections.Counter()
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
        # How close this example came to each threshold, for hypothesis.target.
        self.edges = Edges()
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
        """Undo the example: the EVM through the anchor, the world through the snapshot.

        Before that, the example's closest approaches to the thresholds go
        to :func:`hypothesis.target` (once per label, as it requires), when
        Hypothesis runs the machine.
        """
        if currently_in_test_context() and hasattr(self, "edges"):
            for label, score in self.edges.scores().items():
                target(score, label=label)
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
        count_step(self, rule)
        was = flow_state(rule, args, self.model, self.ctx)
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
        observe(type(self).flow_stats, rule, args, not reverted, self.model, self.ctx, was)
        self.edges.after_step(self.model, self.p.now())
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

    def _to_edge(
        self, data, edges: list[int], label: str = "when", unit: int = 1, now: bool = True
    ) -> None:
        """Now, or wait until a unit before, at, or a unit after one of ``edges`` (times).

        Edges already behind the clock are waited for only when a unit
        after them is still ahead. ``unit`` is a second, or a block's 12 s
        for edges counted in blocks. The waiting is an ``advance`` step.
        ``now=False`` leaves out "now" and favours "at" (for a flow carried
        to its end, where acting at once is only ever refused).
        """
        whens = ["now", "a unit before", "at", "a unit after"]
        if not now:
            whens = ["at", "a unit before", "a unit after"]
        when = data.draw(st.sampled_from(whens), label=label)
        ahead = [e for e in edges if e + unit > self.p.now()]
        if when == "now" or not ahead:
            return
        edge = self._pick(data, sorted(set(ahead)), f"{label} edge")
        offset = {"a unit before": -unit, "at": 0, "a unit after": unit}[when]
        wait = edge + offset - self.p.now()
        if wait > 0:
            self.do("advance", seconds=wait)

    def _pick(self, data, options: list, label: str):
        return data.draw(st.sampled_from(options), label=label)

    def _actor(self, data, *groups: str, label: str = "actor") -> str:
        names = [n for n in self.ctx.actors if any(n.startswith(g) for g in groups)]
        return self._pick(data, names, label)

    def _scrub(self, data, index: int) -> None:
        """Every oDAO member votes to scrub prelaunch minipool ``index``; maybe penalty on first.

        The scrub penalty is off by default, and a scrub carried to its end
        by the ``vote_scrub`` rule alone comes seldom: this is where a
        dissolve that takes (or misplaces) the penalty is seen.
        """
        if not self.model.settings["minipool.scrub.penalty.enabled"] and data.draw(
            st.booleans(), label="penalty on"
        ):
            self.do("set_setting", path="minipool.scrub.penalty.enabled", value=True)
        for member in [n for n in self.ctx.actors if n.startswith("odao_member")]:
            self.do("vote_scrub", member=member, minipool=index)

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

    # ------------------------------------------------------------------ minipool lifecycle
    def _lifecycle(self, data) -> None:
        """Move one minipool to its next stage, so whole lives happen in most examples.

        Queued: a depositor funds the queue. Prelaunch: wait out the scrub
        period and stake, or, one time in four, every oDAO member votes to
        scrub it (half of those with the scrub penalty switched on first).
        Staking, validator live: it exits, is slashed, or is penalised
        past its bond and exits (a 16 ETH one may first have its bond
        reduced), then the withdrawal sweep is awaited; or, half
        the time, it first proposes a block. Withdrawn: the owner
        distributes (and finalises), or a stranger starts the
        user-distribute timer and distributes in the window. Distributed by
        a user: anyone slashes the shortfall, the owner takes the refund or
        finalises. Dissolved: the owner closes. With no minipool yet, a
        node creates one. Each move is recorded as the ordinary steps it is
        made of.
        """
        candidates = self._minipools(INITIALISED, PRELAUNCH, STAKING, DISSOLVED, finalised=False)
        if not candidates:
            bond = data.draw(st.sampled_from([8, 16]), label="bond")
            able = self._can_bond(bond * ETH)
            if able:
                node = self._pick(data, able, "node")
            else:
                # Every node's RPL already backs all the ETH it may be matched
                # (finalised minipools keep theirs): one stakes more first. Else
                # about a fifth of a campaign's steps were refused creations.
                node = self._actor(data, "node_operator", label="node")
                self.do("stake_rpl", node=node, amount=1_000 * ETH)
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
            fate = data.draw(st.sampled_from(["stake", "stake", "stake", "scrub"]), label="fate")
            if fate == "scrub":
                self._scrub(data, index)
            else:
                self.do("advance", seconds=13 * HOUR)
                self.do("stake", minipool=index)
        elif mp.status == DISSOLVED:
            self.do("close", minipool=index)
        elif mp.user_distributed:
            self._settle_user_distributed(data, index, mp)
        else:
            validator = self._validator(mp)
            live = validator is not None and validator.status == "active" and not validator.slashed
            if live and data.draw(st.sampled_from(["end", "propose"]), label="live") == "propose":
                # Blocks before the end: its node's fee distributor fills up.
                propose_block(self, data, index)
            elif validator is not None and validator.status in ("active", "exiting"):
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
                self._spend_credit(data, mp.node)
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

    def _can_bond(self, bond: int) -> list[str]:
        """The node operators whose RPL stake backs another minipool of ``bond`` wei."""
        out = []
        for name, address in self.ctx.actors.items():
            state = self.model.nodes.get(norm(address))
            if not name.startswith("node_operator") or state is None:
                continue
            if state.eth_matched + 32 * ETH - bond <= self.model.eth_matched_limit(address):
                out.append(name)
        return out

    def _spend_credit(self, data, node: str) -> None:
        """After a reduction, its node may bond a new minipool with the credit it left.

        Half the time, sending nothing, half an ETH or a whole bond besides;
        left to the credit rule alone, the credit was hardly ever spent.
        """
        state = self.model.nodes.get(norm(node))
        if (
            state is None
            or not state.deposit_credit
            or not data.draw(st.booleans(), label="credit")
        ):
            return
        value = data.draw(st.sampled_from([0, ETH // 2, 8 * ETH]), label="value")
        name = next(n for n, a in self.ctx.actors.items() if norm(a) == norm(node))
        self.do("create_minipool", node=name, bond=8, credit=True, value=value)

    def _distribute_exit(self, data, index: int) -> None:
        """The owner distributes the exit, or a stranger does after the user-distribute wait.

        Now and then a stranger tries first, before any wait (it must be
        refused), and the owner then distributes. A stranger's timer is
        always followed by a depositor's attempt to start it again (refused
        while it runs).
        """
        by = data.draw(st.sampled_from(["owner", "user", "stranger first", "user"]), label="by")
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
        # Left to the auction rule, a lot was seldom claimed or recovered (no
        # claim succeeded in a 60 s campaign of 12,000 steps): half the lots, and
        # the draw Hypothesis favours, are carried to their end here, around the
        # last block, by the bidder and then by anyone recovering what was not sold.
        # Those are bid on for less than the lot half the time: else the bid
        # bought it all and no recovery ever succeeded.
        to_the_end = data.draw(st.sampled_from([True, False]), label="to the end")
        bids = [ETH // 2, *BIDS] if to_the_end else BIDS
        amount = data.draw(st.sampled_from(bids), label="amount")
        who = self._actor(data, "depositor", label="who")
        lot = len(self.model.lots) - 1
        self.do("place_bid", lot=lot, who=who, amount=amount)
        if to_the_end:
            end = self.model.lots[lot].end_block
            # Not "now": the lot was cut this block, a claim at once is only refused
            # (and the draw Hypothesis favours: one 10-minute campaign refused 161 claims).
            edge = self.p.now() + 12 * (end - self.p.chain.block_number)
            self._to_edge(data, [edge], unit=12, now=False)
            self.do("claim_bid", lot=lot, who=who)
            self.do("recover_unclaimed_rpl", lot=lot, who="stranger")

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
