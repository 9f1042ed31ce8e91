"""The step vocabulary: every action a campaign takes, as plain data.

A step is ``{"rule": name, "args": {...}}`` with JSON values only: actors by
role name (``"depositor_0"``, ``"node_operator_1"``, ``"odao_member_2"``,
``"guardian"``, ``"stranger"``, and the contract actors ``"refuser"`` and
``"reentrant"`` of :mod:`harness.chain.actors`), minipools by their
creation index, amounts in wei. :func:`execute` performs a step on a
:class:`StepContext`, so the stateful machine, the replayer and the
benchmark share one definition of what each step does: checked against the
model, or bare.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.chain.actors import REENTRANT, REFUSER, contract_actors
from harness.chain.backend import Reverted
from harness.chain.protocol import Protocol
from harness.chain.reverts import revert_reason
from harness.fuzz.checked import CheckedProtocol
from harness.fuzz.views import read_view
from harness.model import Expect
from harness.units import ETH
from invariants import InvariantViolation

# Privileged entry points a stranger tries, with the reason each must give.
UNAUTHORISED: dict[str, tuple[str, Callable[[Protocol, str], Any]]] = {
    "reth.mint": (
        "reth: caller is not the deposit pool",
        lambda p, s: p.reth.mint(ETH, s, sender=s),
    ),
    "reth.depositExcess": (
        "reth: caller is not the deposit pool",
        lambda p, s: p.reth.depositExcess(value=1, sender=s),
    ),
    "deposit_pool.nodeDeposit": (
        "deposit pool: caller is not node deposit",
        lambda p, s: p.deposit_pool.nodeDeposit(ETH, value=0, sender=s),
    ),
    "deposit_pool.withdrawExcessBalance": (
        "deposit pool: caller is not rETH",
        lambda p, s: p.deposit_pool.withdrawExcessBalance(1, sender=s),
    ),
    "deposit_pool.recycleDissolvedDeposit": (
        "deposit pool: caller is not a registered minipool",
        lambda p, s: p.deposit_pool.recycleDissolvedDeposit(value=1, sender=s),
    ),
    "vault.withdrawEther": (
        "vault: caller is not a network contract",
        lambda p, s: p.vault.withdrawEther(1, sender=s),
    ),
    "settings.setSettingUint": (
        "settings: caller is not the guardian",
        lambda p, s: p.settings.setSettingUint("deposit.fee", 0, sender=s),
    ),
    "odao.addMember": (
        "odao: caller is not the guardian",
        lambda p, s: p.odao.addMember(s, sender=s),
    ),
    "network_balances.submitBalances": (
        "network balances: caller is not an oDAO member",
        lambda p, s: p.network_balances.submitBalances(0, 0, 0, 0, 0, sender=s),
    ),
    "node_staking.slashRPL": (
        "node staking: caller is not a registered minipool",
        lambda p, s: p.node_staking.slashRPL(s, ETH, sender=s),
    ),
    "node_deposit.increaseDepositCreditBalance": (
        "node deposit: caller is not the bond reducer",
        lambda p, s: p.node_deposit.increaseDepositCreditBalance(s, ETH, sender=s),
    ),
    "minipool_queue.dequeueMinipools": (
        "minipool queue: caller is not the deposit pool",
        lambda p, s: p.minipool_queue.dequeueMinipools(1, sender=s),
    ),
}


@dataclass
class StepContext:
    """What steps run against: the (checked or bare) protocol and the names it knows.

    ``contracts`` holds the handles of the contract actors, by role name.
    """

    cp: CheckedProtocol
    actors: dict[str, str]
    minipools: list[str] = field(default_factory=list)  # creation order
    contracts: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, p: Protocol, check: bool = True) -> StepContext:
        """A context over ``p``: actors named by role; a funded stranger and the contract actors.

        The model (when checking) learns which contract actor refuses ETH and
        which re-enters.
        """
        actors = {"guardian": p.guardian}
        for group, prefix in (
            (p.depositors, "depositor"),
            (p.node_operators, "node_operator"),
            (p.odao_members, "odao_member"),
        ):
            for i, address in enumerate(group):
                actors[f"{prefix}_{i}"] = address
        stranger = p.chain.generate_address("stranger")
        p.chain.set_balance(stranger, p.config.eth_per_actor)
        actors["stranger"] = stranger
        contracts = contract_actors(p.chain)
        for role, contract in contracts.items():
            actors[role] = str(contract.address)
        cp = CheckedProtocol(p, check=check)
        if check:
            cp.model.add_refuser(actors[REFUSER])
            cp.model.add_reentrant(actors[REENTRANT])
        return cls(cp, actors, contracts=contracts)

    @property
    def p(self) -> Protocol:
        """The plain facade."""
        return self.cp.p

    def who(self, name: str) -> str:
        """The address of actor ``name``."""
        return self.actors[name]

    def minipool(self, index: int) -> Any:
        """The handle of the ``index``-th minipool created."""
        return self.p.minipool_at(self.minipools[index])


def _validator(ctx: StepContext, index: int):
    return ctx.p.validator(ctx.minipool(index))


def _beacon(ctx: StepContext, index: int, fn: Callable[[Any], Any]) -> None:
    """Apply a beacon event to minipool ``index``'s validator, when it is in a state for it."""
    validator = _validator(ctx, index)
    if validator is None:
        return
    # e.g. exiting a validator that already exited: the chain refuses, nothing happens
    with contextlib.suppress(ValueError):
        fn(validator)


def _create_minipool(ctx: StepContext, node: str, bond: int, credit: bool, value: int | None):
    expect, handle = ctx.cp.create_minipool(ctx.who(node), bond=bond, credit=credit, value=value)
    if handle is not None:
        ctx.minipools.append(str(handle.address))
    return expect


def _owner(ctx: StepContext, index: int, who: str) -> str:
    if who == "owner":
        return ctx.minipool(index).getNodeAddress()
    return ctx.who(who)


def _unauthorised(ctx: StepContext, entry: str) -> Expect:
    """A stranger calls ``entry``: the refusal the table names is the expected outcome."""
    reason, call = UNAUTHORISED[entry]
    stranger = ctx.who("stranger")
    try:
        call(ctx.p, stranger)
    except Reverted as exc:
        actual = revert_reason(exc)
        if ctx.cp.check and actual != reason:
            raise InvariantViolation(
                "access-control",
                f"{entry} by a stranger reverted with {actual!r}, expected {reason!r}",
                {"entry": entry, "expected": reason, "actual": actual},
            ) from exc
        return Expect(False, actual, {})
    if ctx.cp.check:
        raise InvariantViolation(
            "access-control",
            f"{entry} succeeded for a stranger: a privileged entry point is open",
            {"entry": entry, "expected": reason, "actual": "success"},
        )
    return Expect(True, None, {})


ACTIONS: dict[str, Callable[..., Any]] = {
    "deposit": lambda ctx, who, amount: ctx.cp.deposit(ctx.who(who), amount),
    "burn": lambda ctx, who, amount: ctx.cp.burn(ctx.who(who), amount),
    "transfer_reth": lambda ctx, who, to, amount: ctx.cp.transfer_reth(
        ctx.who(who), ctx.who(to), amount
    ),
    "register_node": lambda ctx, node: ctx.cp.register_node(ctx.who(node)),
    "stake_rpl": lambda ctx, node, amount: (
        ctx.cp.fund_rpl(ctx.who(node), amount),
        ctx.cp.stake_rpl(ctx.who(node), amount),
    ),
    "withdraw_rpl": lambda ctx, node, amount: ctx.cp.withdraw_rpl(ctx.who(node), amount),
    "create_minipool": _create_minipool,
    "assign_deposits": lambda ctx, who: ctx.cp.assign_deposits(ctx.who(who)),
    "stake": lambda ctx, minipool: ctx.cp.stake(ctx.minipool(minipool)),
    "vote_scrub": lambda ctx, member, minipool: ctx.cp.vote_scrub(
        ctx.who(member), ctx.minipool(minipool)
    ),
    "dissolve": lambda ctx, who, minipool: ctx.cp.dissolve(ctx.minipool(minipool), ctx.who(who)),
    "close": lambda ctx, minipool: ctx.cp.close(
        ctx.minipool(minipool), _owner(ctx, minipool, "owner")
    ),
    "advance": lambda ctx, seconds: ctx.cp.advance(seconds),
    "beacon_penalty": lambda ctx, minipool, amount: _beacon(
        ctx, minipool, lambda v: ctx.p.beacon.penalise(v, amount)
    ),
    "beacon_slash": lambda ctx, minipool: _beacon(ctx, minipool, ctx.p.beacon.slash),
    "beacon_exit": lambda ctx, minipool: _beacon(ctx, minipool, ctx.p.beacon.exit),
    "beacon_offline": lambda ctx, minipool, offline: _beacon(
        ctx, minipool, lambda v: ctx.p.beacon.set_online(v, not offline)
    ),
    "distribute": lambda ctx, who, minipool, rewards_only: ctx.cp.distribute(
        ctx.minipool(minipool), _owner(ctx, minipool, who), rewards_only
    ),
    "begin_user_distribute": lambda ctx, who, minipool: ctx.cp.begin_user_distribute(
        ctx.minipool(minipool), ctx.who(who)
    ),
    "refund": lambda ctx, minipool: ctx.cp.refund(
        ctx.minipool(minipool), _owner(ctx, minipool, "owner")
    ),
    "finalise": lambda ctx, minipool: ctx.cp.finalise(
        ctx.minipool(minipool), _owner(ctx, minipool, "owner")
    ),
    "slash": lambda ctx, who, minipool: ctx.cp.slash(ctx.minipool(minipool), ctx.who(who)),
    "begin_reduce_bond": lambda ctx, minipool: ctx.cp.begin_reduce_bond(
        ctx.minipool(minipool), _owner(ctx, minipool, "owner")
    ),
    "vote_cancel_reduction": lambda ctx, member, minipool: ctx.cp.vote_cancel_reduction(
        ctx.who(member), ctx.minipool(minipool)
    ),
    "reduce_bond": lambda ctx, minipool: ctx.cp.reduce_bond(
        ctx.minipool(minipool), _owner(ctx, minipool, "owner")
    ),
    "create_lot": lambda ctx, who: ctx.cp.create_lot(ctx.who(who)),
    "place_bid": lambda ctx, lot, who, amount: ctx.cp.place_bid(lot, ctx.who(who), amount),
    "claim_bid": lambda ctx, lot, who: ctx.cp.claim_bid(lot, ctx.who(who)),
    "recover_unclaimed_rpl": lambda ctx, lot, who: ctx.cp.recover_unclaimed_rpl(lot, ctx.who(who)),
    "report": lambda ctx: ctx.cp.report(),
    "report_dishonest": lambda ctx, member, inflate: ctx.cp.report_dishonest(
        ctx.who(member), inflate
    ),
    "report_price": lambda ctx, price: ctx.cp.report_price(price),
    "set_setting": lambda ctx, path, value: ctx.cp.set_setting(path, value),
    "set_withdrawal_address": lambda ctx, node, to, by=None: ctx.cp.set_withdrawal_address(
        ctx.who(node), ctx.who(by or node), ctx.who(to)
    ),
    "unauthorised": lambda ctx, entry: _unauthorised(ctx, entry),
    "read_view": lambda ctx, view, **args: read_view(ctx, view, args),
    "vote_report": lambda ctx, member, which: ctx.cp.vote_report(ctx.who(member), which),
    "add_member": lambda ctx, member: ctx.cp.add_member(ctx.who(member)),
    "remove_member": lambda ctx, member: ctx.cp.remove_member(ctx.who(member)),
    "execute_update": lambda ctx, who, which, pending=False: ctx.cp.execute_update(
        ctx.who(who), which, pending
    ),
    "gift": lambda ctx, who, minipool, amount: ctx.cp.gift(
        ctx.who(who), ctx.minipool(minipool), amount
    ),
}


def execute(ctx: StepContext, rule: str, args: dict[str, Any]) -> Any:
    """Perform one step; raises KeyError for an unknown rule, TypeError for bad arguments."""
    return ACTIONS[rule](ctx, **args)
