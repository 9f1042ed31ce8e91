"""The oDAO's actions: balance and price reports (honest, dishonest, one vote), applying a
report, and the guardian admitting and removing members.

A report is several members' votes, each predicted by the model and checked
(:func:`submit_balances`, :func:`submit_price`); those flows live here whole.
The machine rules below draw them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from harness.chain.backend import Reverted
from harness.chain.reverts import revert_reason
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import Expect, norm
from harness.units import ETH
from invariants import InvariantViolation


# --------------------------------------------------------------------------- one vote
def submit_balances(cp: Any, member: str, block: int, total: int, staking: int, supply: int):
    """One member's balances vote, predicted by the model and checked."""
    expect = cp.model.report_balances(
        block,
        total,
        staking,
        supply,
        member,
        slot_timestamp=cp.now(),
        current_block=cp.block(),
        now=cp.now(),
    )
    balances = cp.p.network_balances
    return cp.run(
        "submit_balances",
        expect,
        lambda: balances.submitBalances(block, cp.now(), total, staking, supply, sender=member),
    )[0]


def submit_price(cp: Any, member: str, block: int, price: int) -> Expect:
    """One member's price vote, predicted by the model and checked."""
    expect = cp.model.report_price(
        block, price, member, slot_timestamp=cp.now(), current_block=cp.block(), now=cp.now()
    )
    prices = cp.p.network_prices
    return cp.run(
        "submit_prices",
        expect,
        lambda: prices.submitPrices(block, cp.now(), price, sender=member),
    )[0]


# --------------------------------------------------------------------------- reports
def _truth(cp: Any) -> tuple[int, int, int]:
    """The truthful balances as the honest oDAO reads them; a view reverting is a violation."""
    try:
        return cp.p.oracle.truthful_balances()
    except Reverted as exc:
        # The honest oDAO reads public views (getBalance, calculateUserShare, ...):
        # one reverting in a reachable state leaves the network without reports.
        reason = revert_reason(exc)  # before str(exc), which rewrites the error
        trace = str(exc)
        if not reason or reason.startswith("Revert("):
            reason = "no reason string: an arithmetic check or a bare assert"
        where = next((ln[4:] for ln in trace.splitlines() if ln.startswith("[E] ")), "?")
        raise InvariantViolation(
            "oracle-read",
            "the honest oDAO could not read the chain to report: a view it relies on "
            f"reverted ({reason}) at {where}",
            {"reason": reason, "trace": trace[:2_000]},
        ) from exc


def _report(cp: Any) -> tuple[int, int, int]:
    """The honest oDAO reports; the model must agree with the oracle on the truth.

    Returns the reported ``(total_eth, staking_eth, reth_supply)``.
    """
    p = cp.p
    p.check_beacon_synced()
    truth = _truth(cp)
    expected = cp.model.truthful_report() if cp.check else truth
    if truth != expected:
        raise InvariantViolation(
            "truthful-report",
            "the oracle's truthful balances, read from the contracts, differ from the model's",
            {"oracle": truth, "model": expected},
        )
    block = p.next_report_block()
    for member in p.quorum_members():
        submit_balances(cp, member, block, *truth)
    return truth


def _report_dishonest(cp: Any, member: str, inflate_wei: int) -> Expect:
    """One member votes for an inflated total; a minority must not reach consensus."""
    p = cp.p
    total, staking, supply = p.oracle.truthful_balances()
    block = p.next_report_block()
    expect = submit_balances(cp, member, block, total + inflate_wei, staking, supply)
    if cp.check and p.network_balances.getTotalETHBalance() == total + inflate_wei:
        raise InvariantViolation(
            "dishonest-consensus",
            f"a single dishonest member's report was accepted ({inflate_wei} wei inflated)",
            {"member": member, "reported": total + inflate_wei, "truth": total},
        )
    return expect


def _report_price(cp: Any, price: int | None = None) -> int:
    """The honest oDAO reports an RPL price (default: the oracle's random walk)."""
    p = cp.p
    price = p.oracle.next_price() if price is None else price
    block = p.next_report_block()
    for member in p.quorum_members():
        submit_price(cp, member, block, price)
    return price


def _vote_report(cp: Any, member: str, which: str) -> Expect:
    """One member votes for the truthful balances, or for the current RPL price, alone.

    ``which`` is ``"balances"`` or ``"prices"``. The vote is for the next
    report block, as the whole oDAO's would be; whether it brings
    consensus depends on the votes already in and the threshold.
    """
    p = cp.p
    block = p.next_report_block()
    if which == "balances":
        return submit_balances(cp, member, block, *p.oracle.truthful_balances())
    # The chain's price, not the model's: a bare run has no model.
    return submit_price(cp, member, block, p.network_prices.getRPLPrice())


# --------------------------------------------------------------------------- applying a report
def _last_balances(cp: Any) -> tuple:
    """The last accepted balances report: the model's, or read from the chain when bare."""
    if cp.check:
        r = cp.model.report
        return (r.block, r.slot_timestamp, r.total_eth, r.staking_eth, r.reth_supply)
    balances = cp.p.network_balances
    return (
        balances.getBalancesBlock(),
        0,
        balances.getTotalETHBalance(),
        balances.getStakingETHBalance(),
        balances.getTotalRETHSupply(),
    )


def _last_prices(cp: Any) -> tuple:
    """The last accepted prices report: the model's, or read from the chain when bare."""
    if cp.check:
        return (cp.model.prices_block, 0, cp.model.rpl_price)
    prices = cp.p.network_prices
    return (prices.getPricesBlock(), 0, prices.getRPLPrice())


def _execute_update(cp: Any, caller: str, which: str, pending: bool = False) -> Expect:
    """``caller`` applies the last accepted balances or prices report again, or a pending one.

    ``which`` is ``"balances"`` or ``"prices"``. A report is applied once:
    its block is no longer after the last accepted one, so the call must
    be refused (before any report, the empty one is refused the same way).
    With ``pending``, the newest report voted for but not applied
    (:meth:`Model.pending_report`): it applies once its votes reach the
    threshold, say after the threshold was lowered. With none pending,
    the last accepted one is tried. Run bare (no model), the last
    accepted report is read from the chain and tried, pending or not.
    """
    m = cp.model
    block = cp.block()
    key = m.pending_report(which) if pending and cp.check else None
    if which == "balances":
        args = key or _last_balances(cp)
        expect = m.execute_update_balances(
            *args[:1], *args[2:], slot_timestamp=args[1], current_block=block
        )
        contract_call = cp.p.network_balances.executeUpdateBalances
    else:
        args = key or _last_prices(cp)
        expect = m.execute_update_prices(
            args[0], args[2], slot_timestamp=args[1], current_block=block
        )
        contract_call = cp.p.network_prices.executeUpdatePrices
    return cp.run(f"execute_update_{which}", expect, lambda: contract_call(*args, sender=caller))[0]


declare(
    Action(
        "report",
        step=lambda ctx: ctx.cp.report(),
        flow=_report,
        entries=("network_balances.submitBalances",),
    )
)
declare(
    Action(
        "report_dishonest",
        step=lambda ctx, member, inflate: ctx.cp.report_dishonest(ctx.who(member), inflate),
        flow=_report_dishonest,
        entries=("network_balances.submitBalances",),
    )
)
declare(
    Action(
        "report_price",
        step=lambda ctx, price: ctx.cp.report_price(price),
        flow=_report_price,
        entries=("network_prices.submitPrices",),
    )
)
declare(
    Action(
        "vote_report",
        step=lambda ctx, member, which: ctx.cp.vote_report(ctx.who(member), which),
        flow=_vote_report,
        # One or the other, by ``which``.
        entries=("network_balances.submitBalances", "network_prices.submitPrices"),
    )
)
declare(
    Action(
        "execute_update",
        step=lambda ctx, who, which, pending=False: ctx.cp.execute_update(
            ctx.who(who), which, pending
        ),
        flow=_execute_update,
        # One or the other, by ``which``.
        entries=("network_balances.executeUpdateBalances", "network_prices.executeUpdatePrices"),
    )
)
declare(
    Action(
        "add_member",
        step=lambda ctx, member: ctx.cp.add_member(ctx.who(member)),
        expect=lambda m, cp, member: m.add_member(member, now=cp.now()),
        call=lambda p, member: p.odao.addMember(member, sender=p.guardian),
        entries=("odao.addMember",),
    )
)
declare(
    Action(
        "remove_member",
        step=lambda ctx, member: ctx.cp.remove_member(ctx.who(member)),
        expect=lambda m, cp, member: m.remove_member(member, now=cp.now()),
        call=lambda p, member: p.odao.removeMember(member, sender=p.guardian),
        entries=("odao.removeMember",),
    )
)


# --------------------------------------------------------------------------- machine rules
@machine_rule
@rule(data=st.data())
def report(self, data) -> None:
    """The honest oDAO reports the truthful balances.

    ``data`` is drawn from by no one: a rule without arguments would
    sort first and take a third of the turns (see the machine's lifecycle rule).
    """
    self.do("report")


@machine_rule
@rule(inflate=st.sampled_from([1, ETH, 100 * ETH]))
def report_dishonest(self, inflate: int) -> None:
    """The one dishonest member votes for an inflated total: a minority, no consensus.

    Only ``odao_member_0`` lies: two liars agreeing would be a majority of
    three, which the oDAO's trust assumption rules out.
    """
    self.do("report_dishonest", member="odao_member_0", inflate=inflate)


@machine_rule
@rule(move=st.sampled_from([90, 50, 100, 110, 200]))
def report_price(self, move: int) -> None:
    """The oDAO reports a new RPL price (a percentage of the current one).

    90% first: Hypothesis favours the first choice, and a price of 9 in
    some power of ten makes the RPL-per-ETH divisions inexact, so they are
    rounded (50% would divide evenly).
    """
    self.do("report_price", price=max(1, self.model.rpl_price * move // 100))


@machine_rule
@rule(which=st.sampled_from(["balances", "prices"]), data=st.data())
def execute_update(self, which: str, data) -> None:
    """A stranger applies the last accepted report again (a report applies once), or a late one.

    Half the time, the late consensus of :func:`late_consensus`.
    """
    if data.draw(st.booleans(), label="late"):
        late_consensus(self, which, data)
    else:
        self.do("execute_update", who="stranger", which=which)


def late_consensus(self, which: str, data) -> None:
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


@machine_rule
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


@machine_rule
@precondition(lambda self: self.model.members)
@rule(data=st.data())
def odao_emptied(self, data) -> None:
    """The guardian removes every member after one voted: with none left, nothing may execute.

    A member votes a report no one else confirms; the guardian removes
    every member; a stranger tries to execute the pending report (with no
    members there is no consensus, whatever the threshold); the guardian
    admits them all again, as new memberships.
    """
    members = [
        n
        for n in self.ctx.actors
        if n.startswith("odao_member") and norm(self.ctx.who(n)) in self.model.members
    ]
    which = data.draw(st.sampled_from(["balances", "prices"]), label="which")
    self.do("vote_report", member=members[0], which=which)
    for member in members:
        self.do("remove_member", member=member)
    self.do("execute_update", who="stranger", which=which, pending=True)
    for member in members:
        self.do("add_member", member=member)
