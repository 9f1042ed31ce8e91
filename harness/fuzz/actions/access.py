"""Wrong callers: every non-view entry point called by someone it must refuse.

:data:`UNAUTHORISED` holds, for each non-view entry point of every deployable
contract that some caller must be refused, how to call it (:class:`WrongCall`):
which wrong callers the machine may draw (:data:`CALLERS`), and what the
model predicts for them: the revert reason of the contract's first failing
check, which for most entry points is the access check and so the same in
every state, and for the rest the model's own prediction of the action with
the wrong caller (a minipool's status may be checked before its owner, a
stranger may have registered as a node, a withdrawal address may be the
caller). The ``unauthorised`` step performs one and raises the
``access-control`` invariant when the outcome differs from the prediction.

Two checked-in lists complete the picture, each entry with its reason, and
``tests/fuzz/test_entry_points.py`` holds them against the contracts' ABIs:

- :data:`REACHED`: the entry points no action calls itself, because only
  another contract (or the deployment) calls them; the actions whose flows
  reach them are named;
- :data:`OPEN`: the entry points that need no wrong-caller draw, because
  anyone may call them (refusals there depend on the state, and the action's
  own rule draws those).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import rule

from harness.chain.actors import REENTRANT, REFUSER
from harness.chain.backend import Reverted
from harness.chain.reverts import revert_reason
from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.model import Expect, norm
from harness.units import ETH
from invariants import InvariantViolation

# The kinds of wrong caller. "node" is a node operator; for an entry point about a
# minipool, one that does not own it. "minipool" is a real minipool's address, never
# the one concerned. "member" is an oDAO member.
STRANGER, NODE, MEMBER, MINIPOOL = "stranger", "node", "member", "minipool"
CALLERS: tuple[str, ...] = (STRANGER, NODE, MEMBER, MINIPOOL, REFUSER, REENTRANT)
# Every kind but a minipool: for entry points any registered minipool may call.
NOT_MINIPOOL = (STRANGER, NODE, MEMBER, REFUSER, REENTRANT)
# Every kind but an oDAO member: for the members' own entry points.
NOT_MEMBER = (STRANGER, NODE, MINIPOOL, REFUSER, REENTRANT)
# Every kind but a node operator: for entry points any registered node may call.
NOT_NODE = (STRANGER, MEMBER, MINIPOOL, REFUSER, REENTRANT)

_PUBKEY, _SIGNATURE, _ROOT = b"\x01" * 48, b"\x01" * 96, b"\x01" * 32
_ZERO = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class WrongCall:
    """How to call one entry point as a wrong caller, and what the model predicts.

    ``call(p, sender, target)``: ``target`` is the minipool concerned (a
    handle) for ``about="minipool"``, the node concerned (an address) for
    ``about="node"``, else None. ``expect`` is the reason every wrong caller
    gets, or ``expect(model, cp, sender, target)`` the model's prediction.
    """

    call: Callable[[Any, str, Any], Any]
    expect: str | Callable[[Any, Any, str, Any], Expect]
    callers: tuple[str, ...] = CALLERS
    about: str | None = None

    def predict(self, cp: Any, sender: str, target: Any) -> Expect:
        """The model's prediction for ``sender`` (with the minipool or node concerned)."""
        if isinstance(self.expect, str):
            return Expect(False, self.expect, {})
        return self.expect(cp.model, cp, sender, target)


def _only(reason: str, call: Callable[[Any, str, Any], Any], **kw: Any) -> WrongCall:
    return WrongCall(call, reason, **kw)


# --------------------------------------------------------------------------- predictions
def _node_deposit(credit: bool) -> Callable[[Any, Any, str, Any], Expect]:
    """A non-node's 8 ETH deposit, sending nothing: ``_check_deposit``, then the value check."""

    def expect(m: Any, cp: Any, sender: str, target: Any) -> Expect:
        if norm(sender) not in m.nodes:
            return Expect(False, "node deposit: node not registered", {})
        if not m.settings["node.deposit.enabled"]:
            return Expect(False, "node deposit: node deposits are disabled", {})
        if not credit:
            return Expect(False, "node deposit: value does not match bond amount", {})
        if m.usable_credit(sender) < 8 * ETH:
            return Expect(False, "node deposit: insufficient deposit credit", {})
        # Only a node with a reduced bond has credit, and only node operators bond.
        raise AssertionError(f"{sender} has deposit credit: no wrong caller should")

    return expect


def _stake_rpl(m: Any, cp: Any, sender: str, target: Any) -> Expect:
    """A non-node stakes 1 RPL it never approved: refused as unregistered, or by the allowance."""
    if norm(sender) not in m.nodes:
        return Expect(False, "node staking: caller is not a registered node", {})
    return Expect(False, "erc20: insufficient allowance", {})


def _distributor_or_delegate(p: Any, node: str) -> Any:
    """``node``'s fee distributor if it exists (the node registered), else the delegate."""
    distributor = p.distributor(node)
    return distributor if p.chain.get_code(distributor.address) else p.distributor_delegate


UNAUTHORISED: dict[str, WrongCall] = {
    # ------------------------------------------------------------- directory and vault
    "storage.setContract": _only(
        "rocket storage: caller is not the guardian",
        lambda p, s, t: p.storage.setContract("rocketVault", s, sender=s),
    ),
    "storage.setDeployedStatus": _only(
        "rocket storage: caller is not the guardian",
        lambda p, s, t: p.storage.setDeployedStatus(sender=s),
    ),
    "vault.depositEther": _only(
        "vault: caller is not a network contract",
        lambda p, s, t: p.vault.depositEther(value=0, sender=s),
    ),
    "vault.withdrawEther": _only(
        "vault: caller is not a network contract",
        lambda p, s, t: p.vault.withdrawEther(1, sender=s),
    ),
    "vault.depositToken": _only(
        "vault: caller is not a network contract",
        lambda p, s, t: p.vault.depositToken("rocketNodeStaking", p.rpl.address, 1, sender=s),
    ),
    "vault.withdrawToken": _only(
        "vault: caller is not a network contract",
        lambda p, s, t: p.vault.withdrawToken(s, p.rpl.address, 1, sender=s),
    ),
    "vault.transferToken": _only(
        "vault: caller is not a network contract",
        lambda p, s, t: p.vault.transferToken("rocketAuctionManager", p.rpl.address, 1, sender=s),
    ),
    # ------------------------------------------------------------- governance
    "settings.setSettingUint": _only(
        "settings: caller is not the guardian",
        lambda p, s, t: p.settings.setSettingUint("deposit.fee", 0, sender=s),
    ),
    "settings.setSettingBool": _only(
        "settings: caller is not the guardian",
        lambda p, s, t: p.settings.setSettingBool("deposit.enabled", False, sender=s),
    ),
    "odao.addMember": _only(
        "odao: caller is not the guardian", lambda p, s, t: p.odao.addMember(s, sender=s)
    ),
    "odao.removeMember": _only(
        "odao: caller is not the guardian",
        lambda p, s, t: p.odao.removeMember(p.odao_members[0], sender=s),
    ),
    "network_balances.submitBalances": _only(
        "network balances: caller is not an oDAO member",
        lambda p, s, t: p.network_balances.submitBalances(0, 0, 0, 0, 0, sender=s),
        callers=NOT_MEMBER,
    ),
    "network_prices.submitPrices": _only(
        "network prices: caller is not an oDAO member",
        lambda p, s, t: p.network_prices.submitPrices(0, 0, ETH, sender=s),
        callers=NOT_MEMBER,
    ),
    # ------------------------------------------------------------- rETH and the deposit pool
    "reth.mint": _only(
        "reth: caller is not the deposit pool", lambda p, s, t: p.reth.mint(ETH, s, sender=s)
    ),
    "reth.depositExcess": _only(
        "reth: caller is not the deposit pool",
        lambda p, s, t: p.reth.depositExcess(value=0, sender=s),
    ),
    "deposit_pool.nodeDeposit": _only(
        "deposit pool: caller is not node deposit",
        lambda p, s, t: p.deposit_pool.nodeDeposit(ETH, value=0, sender=s),
    ),
    "deposit_pool.nodeCreditWithdrawal": _only(
        "deposit pool: caller is not node deposit",
        lambda p, s, t: p.deposit_pool.nodeCreditWithdrawal(1, sender=s),
    ),
    "deposit_pool.recycleDissolvedDeposit": _only(
        "deposit pool: caller is not a registered minipool",
        lambda p, s, t: p.deposit_pool.recycleDissolvedDeposit(value=0, sender=s),
        callers=NOT_MINIPOOL,
    ),
    "deposit_pool.recycleExcessCollateral": _only(
        "deposit pool: caller is not rETH",
        lambda p, s, t: p.deposit_pool.recycleExcessCollateral(value=0, sender=s),
    ),
    "deposit_pool.recycleLiquidatedStake": _only(
        "deposit pool: caller is not the auction manager",
        lambda p, s, t: p.deposit_pool.recycleLiquidatedStake(value=0, sender=s),
    ),
    "deposit_pool.withdrawExcessBalance": _only(
        "deposit pool: caller is not rETH",
        lambda p, s, t: p.deposit_pool.withdrawExcessBalance(1, sender=s),
    ),
    "deposit_pool.receiveVaultWithdrawalETH": _only(
        "deposit pool: caller is not the vault",
        lambda p, s, t: p.deposit_pool.receiveVaultWithdrawalETH(value=0, sender=s),
    ),
    "minipool_queue.enqueueMinipool": _only(
        "minipool queue: caller is not node deposit",
        lambda p, s, t: p.minipool_queue.enqueueMinipool(s, sender=s),
    ),
    "minipool_queue.dequeueMinipools": _only(
        "minipool queue: caller is not the deposit pool",
        lambda p, s, t: p.minipool_queue.dequeueMinipools(1, sender=s),
    ),
    # ------------------------------------------------------------- nodes
    "node_manager.setTimezoneLocation": WrongCall(
        lambda p, s, t: p.node_manager.setTimezoneLocation("Europe/Lisbon", sender=s),
        lambda m, cp, s, t: m.set_timezone_location(s, "Europe/Lisbon"),
        callers=NOT_NODE,
    ),
    "node_manager.setWithdrawalAddress": WrongCall(
        # The wrong caller names itself, to take the node's payouts.
        lambda p, s, node: p.node_manager.setWithdrawalAddress(node, s, True, sender=s),
        lambda m, cp, s, node: m.set_withdrawal_address(node, s, s, True),
        about="node",
    ),
    "node_manager.confirmWithdrawalAddress": WrongCall(
        lambda p, s, node: p.node_manager.confirmWithdrawalAddress(node, sender=s),
        lambda m, cp, s, node: m.confirm_withdrawal_address(node, s),
        about="node",
    ),
    "node_staking.stakeRPL": WrongCall(
        lambda p, s, t: p.node_staking.stakeRPL(ETH, sender=s), _stake_rpl, callers=NOT_NODE
    ),
    "node_staking.withdrawRPL": WrongCall(
        lambda p, s, t: p.node_staking.withdrawRPL(ETH, sender=s),
        lambda m, cp, s, t: m.withdraw_rpl(s, ETH, now=cp.now()),
        callers=NOT_NODE,
    ),
    "node_staking.slashRPL": _only(
        "node staking: caller is not a registered minipool",
        lambda p, s, t: p.node_staking.slashRPL(p.node_operators[0], ETH, sender=s),
        callers=NOT_MINIPOOL,
    ),
    "node_deposit.deposit": WrongCall(
        lambda p, s, t: p.node_deposit.deposit(
            8 * ETH, 0, _PUBKEY, _SIGNATURE, _ROOT, 0, _ZERO, value=0, sender=s
        ),
        _node_deposit(credit=False),
        callers=NOT_NODE,
    ),
    "node_deposit.depositWithCredit": WrongCall(
        lambda p, s, t: p.node_deposit.depositWithCredit(
            8 * ETH, 0, _PUBKEY, _SIGNATURE, _ROOT, 0, _ZERO, value=0, sender=s
        ),
        _node_deposit(credit=True),
        callers=NOT_NODE,
    ),
    "node_deposit.increaseDepositCreditBalance": _only(
        "node deposit: caller is not the bond reducer",
        lambda p, s, t: p.node_deposit.increaseDepositCreditBalance(s, ETH, sender=s),
    ),
    # ------------------------------------------------------------- minipool manager
    "minipool_manager.createMinipool": _only(
        "minipool manager: caller is not node deposit",
        lambda p, s, t: p.minipool_manager.createMinipool(s, 0, 8 * ETH, 0, _PUBKEY, sender=s),
    ),
    # A real minipool calling these for itself is no wrong caller: only its own
    # code does, and it is the minipool concerned.
    "minipool_manager.incrementNodeStakingMinipoolCount": _only(
        "minipool manager: caller is not a registered minipool",
        lambda p, s, t: p.minipool_manager.incrementNodeStakingMinipoolCount(sender=s),
        callers=NOT_MINIPOOL,
    ),
    "minipool_manager.incrementNodeFinalisedMinipoolCount": _only(
        "minipool manager: caller is not a registered minipool",
        lambda p, s, t: p.minipool_manager.incrementNodeFinalisedMinipoolCount(sender=s),
        callers=NOT_MINIPOOL,
    ),
    "minipool_manager.destroyMinipool": _only(
        "minipool manager: caller is not a registered minipool",
        lambda p, s, t: p.minipool_manager.destroyMinipool(sender=s),
        callers=NOT_MINIPOOL,
    ),
    "minipool_manager.updateMinipoolBond": _only(
        "minipool manager: caller is not the bond reducer",
        lambda p, s, mp: p.minipool_manager.updateMinipoolBond(mp.address, 8 * ETH, sender=s),
        about="minipool",
    ),
    # ------------------------------------------------------------- bond reducer
    "bond_reducer.beginReduceBondAmount": WrongCall(
        lambda p, s, mp: p.bond_reducer.beginReduceBondAmount(mp.address, 8 * ETH, sender=s),
        lambda m, cp, s, mp: m.begin_reduce_bond(mp, s, cp.now()),
        about="minipool",
    ),
    "bond_reducer.reduceBondAmount": WrongCall(
        lambda p, s, mp: p.bond_reducer.reduceBondAmount(mp.address, sender=s),
        lambda m, cp, s, mp: m.reduce_bond(mp, s, cp.now()),
        about="minipool",
    ),
    "bond_reducer.voteCancelReduction": WrongCall(
        lambda p, s, mp: p.bond_reducer.voteCancelReduction(mp.address, sender=s),
        lambda m, cp, s, mp: m.vote_cancel_reduction(s, mp, now=cp.now()),
        callers=NOT_MEMBER,
        about="minipool",
    ),
    # ------------------------------------------------------------- a minipool
    "minipool.initialise": _only(
        "minipool: caller is not the minipool manager",
        lambda p, s, mp: mp.initialise(s, 0, 8 * ETH, _PUBKEY, sender=s),
        about="minipool",
    ),
    "minipool.deposit": _only(
        "minipool: caller is not the deposit pool",
        lambda p, s, mp: mp.deposit(value=0, sender=s),
        about="minipool",
    ),
    "minipool.stake": WrongCall(
        lambda p, s, mp: mp.stake(_SIGNATURE, _ROOT, sender=s),
        lambda m, cp, s, mp: m.stake(mp, cp.now(), caller=s),
        about="minipool",
    ),
    "minipool.voteScrub": WrongCall(
        lambda p, s, mp: mp.voteScrub(sender=s),
        lambda m, cp, s, mp: m.vote_scrub(s, mp, cp.now()),
        callers=NOT_MEMBER,
        about="minipool",
    ),
    "minipool.close": WrongCall(
        lambda p, s, mp: mp.close(sender=s),
        lambda m, cp, s, mp: m.close(mp, s),
        about="minipool",
    ),
    "minipool.refund": WrongCall(
        lambda p, s, mp: mp.refund(sender=s),
        lambda m, cp, s, mp: m.refund(mp, s, now=cp.now()),
        about="minipool",
    ),
    "minipool.finalise": WrongCall(
        lambda p, s, mp: mp.finalise(sender=s),
        lambda m, cp, s, mp: m.finalise(mp, s, now=cp.now()),
        about="minipool",
    ),
    "minipool.reduceBondAmount": _only(
        "minipool: caller is not the bond reducer",
        lambda p, s, mp: mp.reduceBondAmount(sender=s),
        about="minipool",
    ),
    # ------------------------------------------------------------- fee distributors
    "distributor_factory.createProxy": _only(
        "node distributor factory: caller is not the node manager",
        lambda p, s, node: p.distributor_factory.createProxy(node, sender=s),
        about="node",
    ),
    "distributor.initialise": _only(
        # The node's distributor once it registered, else the bare delegate: the
        # caller is checked first on both.
        "node distributor: caller is not the factory",
        lambda p, s, node: _distributor_or_delegate(p, node).initialise(s, sender=s),
        about="node",
    ),
    # ------------------------------------------------------------- MEV-theft penalties
    "network_penalties.submitPenalty": _only(
        # Membership is checked first, whatever the minipool.
        "network penalties: caller is not an oDAO member",
        lambda p, s, mp: p.network_penalties.submitPenalty(mp.address, 1, sender=s),
        callers=NOT_MEMBER,
        about="minipool",
    ),
    "minipool_penalty.setPenaltyRate": _only(
        # Minipools are not network contracts: the directory does not name them.
        "minipool penalty: caller is not a network contract",
        lambda p, s, mp: p.minipool_penalty.setPenaltyRate(mp.address, ETH, sender=s),
        about="minipool",
    ),
    "minipool_penalty.setMaxPenaltyRate": _only(
        "minipool penalty: caller is not the guardian",
        lambda p, s, t: p.minipool_penalty.setMaxPenaltyRate(ETH, sender=s),
    ),
}

# Entry points no action calls itself: only other contracts (or the deployment) call
# them, in the flows of the actions named.
REACHED: dict[str, str] = {
    "storage.setContract": "the deployment only (harness.chain.deploy), before the lock",
    "storage.setDeployedStatus": "the deployment only, which locks the directory",
    "vault.depositEther": "the deposit pool's deposits: deposit, create_minipool, recycles",
    "vault.withdrawEther": "the deposit pool: burn past rETH's ETH, assign_deposits, credit",
    "vault.depositToken": "node staking's stakeRPL: stake_rpl",
    "vault.withdrawToken": "node staking's withdrawRPL: withdraw_rpl",
    "vault.transferToken": "node staking's slashRPL: slash, distribute",
    "reth.mint": "the deposit pool's deposit: deposit",
    "reth.depositExcess": "the deposit pool's withdrawExcessBalance: burn",
    "deposit_pool.nodeDeposit": "node deposit and credit: create_minipool, reduce_bond",
    "deposit_pool.nodeCreditWithdrawal": "node deposit, bonding with credit: create_minipool",
    "deposit_pool.recycleDissolvedDeposit": "a minipool dissolving: dissolve, vote_scrub",
    "deposit_pool.recycleExcessCollateral": "rETH's depositExcessCollateral: "
    "deposit_excess_collateral, distribute and finalise",
    "deposit_pool.recycleLiquidatedStake": "the auction manager's placeBid: place_bid",
    "deposit_pool.withdrawExcessBalance": "rETH's burn: burn",
    "deposit_pool.receiveVaultWithdrawalETH": "the vault paying the pool: burn, assign_deposits",
    "minipool_queue.enqueueMinipool": "node deposit: create_minipool",
    "minipool_queue.dequeueMinipools": "the deposit pool's assignment: deposit, assign_deposits",
    "node_staking.slashRPL": "a minipool: slash, distribute",
    "node_deposit.increaseDepositCreditBalance": "the bond reducer: reduce_bond",
    "minipool_manager.createMinipool": "node deposit: create_minipool",
    "minipool_manager.incrementNodeStakingMinipoolCount": "a minipool staking: stake",
    "minipool_manager.incrementNodeFinalisedMinipoolCount": "a minipool finalising: "
    "distribute, finalise, refund",
    "minipool_manager.destroyMinipool": "a minipool closing: close",
    "minipool_manager.updateMinipoolBond": "the bond reducer: reduce_bond",
    "minipool.initialise": "the minipool manager creating it: create_minipool",
    "minipool.deposit": "the deposit pool's assignment: deposit, assign_deposits",
    "minipool.reduceBondAmount": "the bond reducer: reduce_bond",
    "distributor_factory.createProxy": "the node manager registering a node: register_node",
    "distributor.initialise": "the factory creating the distributor: register_node",
    "minipool_penalty.setPenaltyRate": "network penalties applying a minipool's third "
    "penalty and after: submit_penalty, execute_update_penalty",
}

# Entry points with no wrong-caller draw: anyone may call them.
OPEN: dict[str, str] = {
    "deposit_pool.deposit": "anyone may deposit",
    "deposit_pool.assignDeposits": "anyone may assign (assign_deposits draws the stranger)",
    "deposit_pool.maybeAssignDeposits": "anyone may assign; node deposit calls it too",
    "reth.transfer": "ERC-20: any holder (transfer_reth, with too much, is the wrong state)",
    "reth.transferFrom": "ERC-20: any spender within its allowance (transfer_from_reth)",
    "reth.approve": "ERC-20: any holder",
    "reth.burn": "any holder burns its own rETH (burn draws too much and zero)",
    "reth.depositExcessCollateral": "anyone; minipools call it when they finalise",
    "rpl.transfer": "ERC-20: any holder",
    "rpl.transferFrom": "ERC-20: any spender within its allowance (transfer_from_rpl)",
    "rpl.approve": "ERC-20: any holder",
    "network_balances.executeUpdateBalances": "anyone applies a report with consensus "
    "(execute_update draws the stranger)",
    "network_prices.executeUpdatePrices": "anyone applies a report with consensus",
    "auction_manager.createLot": "anyone cuts a lot from slashed RPL",
    "auction_manager.placeBid": "anyone bids",
    "auction_manager.claimBid": "any bidder claims its own bid (others have none)",
    "auction_manager.recoverUnclaimedRPL": "anyone, once the lot has ended",
    "deposit_contract.deposit": "the beacon deposit contract takes anyone's deposit",
    "node_manager.registerNode": "anyone may register (register_node draws the stranger)",
    "minipool.dissolve": "anyone, past the launch timeout",
    "minipool.distributeBalance": "anyone while staking; the owner-only cases are drawn by "
    "distribute (stranger, depositor)",
    "minipool.beginUserDistribute": "anyone, once the validator's balance is back",
    "minipool.slash": "anyone slashes a recorded shortfall",
    "distributor.distribute": "anyone distributes a node's fees (distribute_fees draws the "
    "node, its withdrawal address and a stranger)",
    "network_penalties.executeUpdatePenalty": "anyone applies a penalty with consensus "
    "(execute_penalty draws the stranger)",
}


# --------------------------------------------------------------------------- the step
def _target(ctx: Any, call: WrongCall, minipool: int | None, node: str | None) -> Any:
    if call.about == "minipool":
        if minipool is None:
            raise TypeError("this entry point is about a minipool: give its index (minipool=)")
        return ctx.minipool(minipool)
    if call.about == "node":
        return ctx.who(node or "node_operator_0")
    return None


def _sender(ctx: Any, caller: str) -> str:
    """The address of ``caller``: an actor's name, or ``minipool_<index>``."""
    if caller.startswith("minipool_"):
        return ctx.minipools[int(caller.removeprefix("minipool_"))]
    return ctx.who(caller)


def _unauthorised(cp: Any, entry: str, sender: str, target: Any = None) -> Expect:
    """``sender`` calls ``entry``: the outcome must be the model's prediction.

    A different reason, or a success the model did not predict, raises the
    ``access-control`` invariant; so does a refusal of a call the model
    accepts (a withdrawal address that is the caller, say).
    """
    wrong = UNAUTHORISED[entry]
    chain = cp.p.chain
    if not getattr(chain, "senders_may_have_code", True) and chain.get_code(sender):
        raise ValueError(
            f"{entry} by {sender}: this EVM sends no transaction from an address with code "
            "(EIP-3607 on revm); replay this step on titanoboa (--backend boa)"
        )
    expect = wrong.predict(cp, sender, target) if cp.check else Expect(False, None, {})
    try:
        wrong.call(cp.p, sender, target)
    except Reverted as exc:
        actual = revert_reason(exc)
        if cp.check and (expect.ok or actual != expect.reason):
            wanted = "success" if expect.ok else repr(expect.reason)
            raise InvariantViolation(
                "access-control",
                f"{entry} by {sender} reverted with {actual!r}, expected {wanted}",
                {"entry": entry, "caller": sender, "expected": expect.reason, "actual": actual},
            ) from exc
        return Expect(False, actual, {})
    if cp.check and not expect.ok:
        raise InvariantViolation(
            "access-control",
            f"{entry} succeeded for {sender}, expected {expect.reason!r}: "
            "an entry point is open to a caller it must refuse",
            {"entry": entry, "caller": sender, "expected": expect.reason, "actual": "success"},
        )
    return Expect(True, None, {})


declare(
    Action(
        # ``caller``: an actor's name or ``minipool_<index>``; ``minipool`` / ``node``: the
        # minipool or node the entry point is about (for those that take one).
        "unauthorised",
        step=lambda ctx, entry, caller="stranger", minipool=None, node=None: ctx.cp.unauthorised(
            entry,
            _sender(ctx, caller),
            _target(ctx, UNAUTHORISED[entry], minipool, node),
        ),
        flow=_unauthorised,
    )
)


# --------------------------------------------------------------------------- machine rule
def _callers_of(machine: Any, kind: str, owner: str | None, target: int | None) -> list[str]:
    """The actors' names (or ``minipool_<i>``) of wrong-caller ``kind``."""
    actors = list(machine.ctx.actors)
    if kind == NODE:
        return [n for n in actors if n.startswith("node_operator") and n != owner]
    if kind == MEMBER:
        return [n for n in actors if n.startswith("odao_member")]
    if kind == MINIPOOL:
        return [f"minipool_{i}" for i in range(len(machine.ctx.minipools)) if i != target]
    return [kind]


@machine_rule
@rule(data=st.data())
def unauthorised(self, data) -> None:
    """A wrong caller calls an entry point: refused with the reason the model predicts.

    The contract is drawn first, then one of its entry points, or, one
    draw in four, every one of them in turn. Drawn from all 49 at once, a
    single entry point came up too seldom: with rETH's ``mint`` left open
    to anyone, 67,867 steps of a zoo campaign never called it from a
    stranger. The caller is a stranger, a node operator (for a minipool's
    entry points, one that does not own it), an oDAO member, another
    minipool, or one of the contract actors, among those each entry point
    must refuse (:data:`UNAUTHORISED`). Entry points about a minipool are
    drawn once there is one.
    """
    minipools = len(self.ctx.minipools)
    entries = sorted(e for e, w in UNAUTHORISED.items() if w.about != "minipool" or minipools)
    contracts = sorted({e.split(".")[0] for e in entries})
    contract = data.draw(st.sampled_from(contracts), label="contract")
    mine = [e for e in entries if e.split(".")[0] == contract]
    if data.draw(st.sampled_from([False, False, False, True]), label="every entry"):
        chosen = mine
    else:
        chosen = [data.draw(st.sampled_from(mine), label="entry")]
    for entry in chosen:
        _call_as_wrong_caller(self, data, entry)


@machine_rule
@rule(data=st.data())
def unauthorised_again(self, data) -> None:
    """The wrong-caller rule again: a lost access check is the bug a campaign misses most."""
    self.unauthorised(data)


def _call_as_wrong_caller(self, data, entry: str) -> None:
    """``entry`` called by one of the wrong callers it must refuse, drawn."""
    minipools = len(self.ctx.minipools)
    wrong = UNAUTHORISED[entry]
    args: dict[str, Any] = {"entry": entry}
    owner = None
    if wrong.about == "minipool":
        index = data.draw(st.integers(0, minipools - 1), label="minipool")
        args["minipool"] = index
        owner_address = norm(self.ctx.minipools[index])
        mp = self.model.minipools.get(owner_address)
        if mp is not None:
            owner = next((n for n, a in self.ctx.actors.items() if norm(a) == mp.node), None)
    elif wrong.about == "node":
        owner = self._actor(data, "node_operator", label="node")
        args["node"] = owner
    index = args.get("minipool")
    kinds = [k for k in wrong.callers if _callers_of(self, k, owner, index)]
    if not getattr(self.p.chain, "senders_may_have_code", True):
        kinds = [k for k in kinds if k not in (MINIPOOL, REFUSER, REENTRANT)]
    kind = data.draw(st.sampled_from(kinds), label="kind")
    args["caller"] = self._pick(data, _callers_of(self, kind, owner, index), "caller")
    self.do("unauthorised", **args)
