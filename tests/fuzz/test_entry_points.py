"""Every entry point has its callers: a legitimate one in an action, and wrong ones.

The contracts' ABIs are the list: each non-view function must be called by a
declared action (``Action.entries``) or be reached through other contracts
(:data:`REACHED`), and must have a wrong-caller draw (:data:`UNAUTHORISED`)
or be open to anyone (:data:`OPEN`). A scripted run through every action,
with a recorder on the contract calls, shows the declared entries are called.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from pathlib import Path

import boa
import pytest
from boa.contracts.vyper.vyper_contract import VyperFunction
from vyper.compiler.output import build_abi_output

from harness.bugzoo.patch import Bug, Edit
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR, NETWORK_CONTRACTS
from harness.fuzz.actions import ACTIONS, OPEN, REACHED, UNAUTHORISED
from harness.fuzz.actions.access import CALLERS, MEMBER, MINIPOOL, NODE
from harness.fuzz.steps import StepContext, execute
from harness.model import norm
from harness.units import ETH, HOUR
from harness.world.deploy import deploy_protocol
from invariants import InvariantViolation
from tests.helpers import bug_copy

# The facade's name of each deployable, and its source.
SOURCES = {"storage": "RocketStorage.vy"} | {
    {"minipool_base": "minipool", "distributor_delegate": "distributor"}.get(
        spec.attr, spec.attr
    ): spec.source
    for spec in NETWORK_CONTRACTS
}


@functools.cache
def non_view_entries() -> frozenset[str]:
    """``contract.function`` for every non-view function of every deployable, from its ABI."""
    out = set()
    for name, source in SOURCES.items():
        abi = build_abi_output(boa.load_partial(DEFAULT_CONTRACTS_DIR / source).compiler_data)
        out |= {
            f"{name}.{item['name']}"
            for item in abi
            if item["type"] == "function" and item["stateMutability"] in ("nonpayable", "payable")
        }
    return frozenset(out)


def declared_entries() -> dict[str, set[str]]:
    """Entry point -> the actions that declare they call it."""
    out: dict[str, set[str]] = defaultdict(set)
    for action in ACTIONS.values():
        for entry in action.entries:
            out[entry].add(action.name)
    return out


# --------------------------------------------------------------------------- completeness
def test_the_abis_are_read():
    entries = non_view_entries()
    assert len(entries) == 79  # with the penalties: submit, execute, the two rate setters
    assert "node_manager.setTimezoneLocation" in entries
    assert "minipool.reduceBondAmount" in entries
    assert "node_manager.getNodeTimezoneLocation" not in entries  # a view


def test_every_entry_point_has_an_action_or_is_reached_through_one():
    missing = sorted(non_view_entries() - set(declared_entries()) - set(REACHED))
    assert not missing, f"no action calls these and REACHED does not list them: {missing}"


def test_every_entry_point_has_a_wrong_caller_draw_or_is_open():
    missing = sorted(non_view_entries() - set(UNAUTHORISED) - set(OPEN))
    assert not missing, f"no wrong-caller draw and not listed as OPEN: {missing}"


def test_no_declaration_or_exemption_is_stale():
    abi = non_view_entries()
    declared = declared_entries()
    assert sorted(set(declared) - abi) == [], "actions declare entries no contract has"
    assert sorted(set(UNAUTHORISED) - abi) == [], "wrong-caller draws of no entry point"
    assert sorted(set(REACHED) - abi) == [], "REACHED lists entry points no contract has"
    assert sorted(set(OPEN) - abi) == [], "OPEN lists entry points no contract has"
    assert sorted(set(REACHED) & set(declared)) == [], "REACHED lists entries an action calls"
    # An entry point open to anyone needs no wrong-caller draw, and has none.
    assert sorted(set(OPEN) & set(UNAUTHORISED)) == []


def test_a_missing_or_stale_entry_is_named(monkeypatch):
    monkeypatch.delitem(OPEN, "minipool.slash")
    with pytest.raises(AssertionError, match=r"minipool\.slash"):
        test_every_entry_point_has_a_wrong_caller_draw_or_is_open()
    monkeypatch.setitem(REACHED, "deposit_pool.deposit", "stale: the deposit action calls it")
    with pytest.raises(AssertionError, match="REACHED lists entries an action calls"):
        test_no_declaration_or_exemption_is_stale()


# --------------------------------------------------------------------------- every action
# Every checked action at least once (both contracts of the two-contract ones), in an
# order where most succeed; the refused ones are predicted as well.
SCRIPT: list[tuple[str, dict]] = [
    ("register_node", {"node": "node_operator_0"}),
    ("register_node", {"node": "node_operator_1"}),
    ("set_timezone", {"node": "node_operator_0", "timezone": "Europe/Lisbon"}),
    ("stake_rpl", {"node": "node_operator_0", "amount": 3_000 * ETH}),
    ("stake_rpl", {"node": "node_operator_1", "amount": 3_000 * ETH}),
    ("withdraw_rpl", {"node": "node_operator_0", "amount": ETH}),
    ("set_withdrawal_address", {"node": "node_operator_1", "to": "depositor_1", "confirm": False}),
    ("confirm_withdrawal_address", {"node": "node_operator_1", "by": "depositor_1"}),
    ("deposit", {"who": "depositor_0", "amount": 40 * ETH}),
    ("transfer_reth", {"who": "depositor_0", "to": "depositor_1", "amount": 2 * ETH}),
    ("approve_reth", {"who": "depositor_0", "spender": "depositor_2", "amount": 2 * ETH}),
    (
        "transfer_from_reth",
        {"who": "depositor_2", "holder": "depositor_0", "to": "stranger", "amount": ETH},
    ),
    ("burn", {"who": "depositor_1", "amount": ETH}),
    ("deposit_excess_collateral", {"who": "stranger"}),
    ("transfer_rpl", {"who": "guardian", "to": "depositor_0", "amount": 10 * ETH}),
    ("approve_rpl", {"who": "depositor_0", "spender": "depositor_1", "amount": 5 * ETH}),
    (
        "transfer_from_rpl",
        {"who": "depositor_1", "holder": "depositor_0", "to": "depositor_2", "amount": 5 * ETH},
    ),
    ("create_minipool", {"node": "node_operator_0", "bond": 16, "credit": False, "value": None}),
    ("create_minipool", {"node": "node_operator_0", "bond": 8, "credit": True, "value": 8 * ETH}),
    ("deposit", {"who": "depositor_1", "amount": 31 * ETH}),
    ("assign_deposits", {"who": "stranger"}),
    ("maybe_assign_deposits", {"who": "stranger"}),
    ("vote_scrub", {"member": "odao_member_0", "minipool": 1}),
    ("advance", {"seconds": 13 * HOUR}),
    ("stake", {"minipool": 0}),
    ("propose", {"minipool": 0, "fees": ETH // 3}),
    ("distribute_fees", {"node": "node_operator_0", "who": "stranger"}),
    ("beacon_deposit", {"flaw": "wrong-root"}),
    ("submit_penalty", {"member": "odao_member_0", "minipool": 0, "block": 1}),
    ("submit_penalty", {"member": "odao_member_1", "minipool": 0, "block": 1}),
    ("execute_update_penalty", {"minipool": 0, "block": 1, "who": "stranger"}),
    ("set_max_penalty_rate", {"rate": ETH}),
    ("dissolve", {"who": "stranger", "minipool": 1}),
    ("close", {"minipool": 1}),
    ("begin_reduce_bond", {"minipool": 0}),
    ("vote_cancel_reduction", {"member": "odao_member_0", "minipool": 0}),
    ("reduce_bond", {"minipool": 0}),
    ("distribute", {"who": "owner", "minipool": 0, "rewards_only": True}),
    ("begin_user_distribute", {"who": "stranger", "minipool": 0}),
    ("refund", {"minipool": 0}),
    ("finalise", {"minipool": 0}),
    ("slash", {"who": "stranger", "minipool": 0}),
    ("create_lot", {"who": "depositor_1"}),
    ("place_bid", {"lot": 0, "who": "depositor_1", "amount": ETH}),
    ("claim_bid", {"lot": 0, "who": "depositor_1"}),
    ("recover_unclaimed_rpl", {"lot": 0, "who": "depositor_1"}),
    ("set_setting", {"path": "deposit.fee", "value": 10**15}),
    ("set_setting", {"path": "deposit.enabled", "value": True}),
    ("report", {}),
    ("report_dishonest", {"member": "odao_member_0", "inflate": ETH}),
    ("report_price", {"price": 10**16}),
    ("vote_report", {"member": "odao_member_1", "which": "balances"}),
    ("vote_report", {"member": "odao_member_1", "which": "prices"}),
    ("execute_update", {"who": "stranger", "which": "balances"}),
    ("execute_update", {"who": "stranger", "which": "prices"}),
    ("remove_member", {"member": "odao_member_2"}),
    ("add_member", {"member": "odao_member_2"}),
    ("gift", {"who": "stranger", "minipool": 0, "amount": 10**17}),
    ("unauthorised", {"entry": "vault.withdrawEther"}),
]


@pytest.fixture
def recorded(p, monkeypatch):
    """Run :data:`SCRIPT` checked, recording each step's top-level contract calls.

    Returns ``(ctx, {action: {"contract.function", ...}})``: every call the
    harness made through a contract handle while that step ran.
    """
    ctx = StepContext.create(p, check=True)
    names = {str(c.address).lower(): name for name, c in p.contracts.items()}
    names[str(p.storage.address).lower()] = "storage"
    calls: dict[str, set[str]] = defaultdict(set)
    current: list[str] = []
    original = VyperFunction.__call__

    def recording(self, *args, **kwargs):
        address = str(self.contract.address).lower()
        name = names.get(address) or (
            "minipool"
            if address in (a.lower() for a in ctx.minipools)
            else "distributor"
            if address in p._distributor_handles
            else address
        )
        if current:
            calls[current[-1]].add(f"{name}.{self.func_t.name}")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(VyperFunction, "__call__", recording)
    for rule, args in SCRIPT:
        current.append(rule)
        execute(ctx, rule, args)
        current.pop()
    return ctx, calls


def test_the_script_runs_every_checked_action():
    checked = {name for name, action in ACTIONS.items() if action.checked}
    assert sorted(checked - {rule for rule, _ in SCRIPT}) == []


def test_every_declared_entry_is_really_called(recorded):
    _, calls = recorded
    for name, action in ACTIONS.items():
        missing = set(action.entries) - calls[name]
        assert not missing, f"{name} declares {sorted(missing)} but never called them"
    # And the other way: each action's own non-view calls are the ones it declares,
    # besides the funding (stake_rpl's RPL from the guardian) and the oDAO's watch.
    # (The wrong-caller step calls other entry points on purpose.)
    extras = {"stake_rpl": {"rpl.transfer"}, "advance": {"bond_reducer.voteCancelReduction"}}
    for name, made in calls.items():
        if name == "unauthorised":
            continue
        undeclared = (made & non_view_entries()) - set(ACTIONS[name].entries)
        assert undeclared <= extras.get(name, set()), f"{name} calls {sorted(undeclared)}"


# --------------------------------------------------------------------------- wrong callers
def _callers(ctx, kind: str, owner: str | None, target: int | None) -> list[str]:
    if kind == NODE:
        return [n for n in ctx.actors if n.startswith("node_operator") and n != owner]
    if kind == MEMBER:
        return [n for n in ctx.actors if n.startswith("odao_member")]
    if kind == MINIPOOL:
        return [f"minipool_{i}" for i in range(len(ctx.minipools)) if i != target]
    return [kind]


def _owner(ctx, index: int) -> str:
    node = ctx.cp.model.minipools[norm(ctx.minipools[index])].node
    return next(n for n, a in ctx.actors.items() if norm(a) == node)


def test_every_wrong_caller_of_every_entry_point_gets_the_predicted_outcome(recorded):
    """A sweep: each entry point, each kind of wrong caller, on both minipools."""
    ctx, _ = recorded
    outcomes: dict[tuple[str, str], str | None] = {}
    for entry, wrong in sorted(UNAUTHORISED.items()):
        targets = [0, 1] if wrong.about == "minipool" else [None]
        for target in targets:
            args: dict = {"entry": entry}
            owner = None
            if wrong.about == "minipool":
                args["minipool"], owner = target, _owner(ctx, target)
            elif wrong.about == "node":
                args["node"] = owner = "node_operator_1"
            for kind in wrong.callers:
                for caller in _callers(ctx, kind, owner, target)[:1]:
                    expect = execute(ctx, "unauthorised", {**args, "caller": caller})
                    outcomes[(entry, kind)] = expect.reason
    assert outcomes[("vault.depositEther", "stranger")] == "vault: caller is not a network contract"
    assert outcomes[("vault.depositEther", MINIPOOL)] == "vault: caller is not a network contract"
    assert outcomes[("minipool.stake", NODE)] == "minipool: caller is not the minipool owner"
    assert outcomes[("minipool.initialise", MEMBER)] == (
        "minipool: caller is not the minipool manager"
    )
    assert outcomes[("storage.setContract", "reentrant")] == (
        "rocket storage: caller is not the guardian"
    )
    assert outcomes[("node_staking.stakeRPL", "refuser")] == (
        "node staking: caller is not a registered node"
    )
    assert outcomes[("bond_reducer.beginReduceBondAmount", NODE)] == (
        "bond reducer: caller is not the minipool owner"
    )
    assert outcomes[("node_manager.confirmWithdrawalAddress", "stranger")] == (
        "node manager: caller is not the pending withdrawal address"
    )
    assert outcomes[("minipool_manager.destroyMinipool", MEMBER)] == (
        "minipool manager: caller is not a registered minipool"
    )
    assert len(outcomes) == sum(len(w.callers) for w in UNAUTHORISED.values())


def test_a_wrong_caller_of_a_staking_minipool_is_refused_by_status_first(recorded):
    ctx, _ = recorded
    # voteScrub checks the status before the caller: a staking minipool says so.
    expect = execute(
        ctx, "unauthorised", {"entry": "minipool.voteScrub", "caller": "stranger", "minipool": 0}
    )
    assert expect.reason == "minipool: can only scrub while in prelaunch"


def test_a_registered_stranger_passes_the_registration_check(p):
    ctx = StepContext.create(p, check=True)
    execute(ctx, "register_node", {"node": "stranger"})
    expect = execute(ctx, "unauthorised", {"entry": "node_deposit.deposit", "caller": "stranger"})
    assert expect.reason == "node deposit: value does not match bond amount"
    expect = execute(ctx, "unauthorised", {"entry": "node_staking.stakeRPL", "caller": "stranger"})
    assert expect.reason == "erc20: insufficient allowance"
    # A registered node may set its own timezone: the model predicts success.
    expect = execute(
        ctx, "unauthorised", {"entry": "node_manager.setTimezoneLocation", "caller": "stranger"}
    )
    assert expect.ok
    assert ctx.cp.model.nodes[norm(ctx.who("stranger"))].timezone == "Europe/Lisbon"


def test_the_withdrawal_address_is_no_wrong_caller_of_the_node_it_serves(p):
    ctx = StepContext.create(p, check=True)
    execute(ctx, "register_node", {"node": "node_operator_0"})
    execute(ctx, "set_withdrawal_address", {"node": "node_operator_0", "to": "reentrant"})
    args = {"entry": "node_manager.setWithdrawalAddress", "node": "node_operator_0"}
    assert execute(ctx, "unauthorised", {**args, "caller": "reentrant"}).ok
    refused = execute(ctx, "unauthorised", {**args, "caller": "refuser"})
    assert refused.reason == "node manager: caller is not the node or its withdrawal address"


def test_the_recorded_form_still_replays_as_a_stranger(p):
    ctx = StepContext.create(p, check=True)
    expect = execute(ctx, "unauthorised", {"entry": "vault.withdrawEther"})
    assert (expect.ok, expect.reason) == (False, "vault: caller is not a network contract")


def test_a_wrong_prediction_is_an_access_control_violation(p, monkeypatch):
    ctx = StepContext.create(p, check=True)
    wrong = UNAUTHORISED["reth.mint"]
    monkeypatch.setitem(
        UNAUTHORISED, "reth.mint", type(wrong)(wrong.call, "reth: some other reason")
    )
    with pytest.raises(InvariantViolation, match="reth.mint by .* reverted with") as info:
        execute(ctx, "unauthorised", {"entry": "reth.mint", "caller": "odao_member_0"})
    assert info.value.name == "access-control"


def test_every_kind_of_wrong_caller_is_drawn_for_some_entry_point():
    kinds = {kind for wrong in UNAUTHORISED.values() for kind in wrong.callers}
    assert kinds == set(CALLERS)
    # A node that does not own the minipool, for every minipool entry point but voteScrub's.
    about = [e for e, w in UNAUTHORISED.items() if w.about == "minipool"]
    assert all(NODE in UNAUTHORISED[e].callers for e in about)


# --------------------------------------------------------------------------- the planted mutant
def test_a_vault_that_takes_any_caller_for_a_network_contract_is_caught(tmp_path: Path):
    """``len(name) > 0`` -> ``>= 0`` in the vault's network-contract check: a stranger's
    deposit is then refused for its amount, not its caller, and the step says so."""
    bug = Bug(
        "vault-any-caller",
        "the vault takes any address for a registered network contract",
        "a directory that answers every address is a network contract",
        (
            Edit(
                "RocketVault.vy",
                'assert len(name) > 0, "vault: caller is not a network contract"',
                'assert len(name) >= 0, "vault: caller is not a network contract"',
            ),
        ),
    )
    contracts = bug_copy(bug)
    # Only the planted contract is compiled again; the rest come from the cache.
    mutant = deploy_protocol(replace={"rocketVault": contracts / "RocketVault.vy"})
    ctx = StepContext.create(mutant, check=True)
    with pytest.raises(InvariantViolation, match="expected 'vault: caller is not a network"):
        execute(ctx, "unauthorised", {"entry": "vault.depositEther", "caller": "stranger"})
    with pytest.raises(InvariantViolation, match="reverted with 'vault: insufficient") as info:
        execute(ctx, "unauthorised", {"entry": "vault.withdrawEther", "caller": "reentrant"})
    assert info.value.name == "access-control"


def test_a_node_manager_that_forgets_the_timezone_and_the_pending_address_is_caught(
    tmp_path: Path,
):
    """Two survivors of mutation testing: setTimezoneLocation and a pending withdrawal
    address that are never stored. The reads after each step, the timezone view and the
    confirm step now see them."""
    bug = Bug(
        "node-manager-forgets",
        "setTimezoneLocation and setWithdrawalAddress(confirm=False) store nothing",
        "mutation survivors: a store statement deleted",
        (
            Edit(
                "RocketNodeManager.vy",
                "    self._timezone[msg.sender] = timezoneLocation\n"
                "    log NodeTimezoneLocationSet",
                "    log NodeTimezoneLocationSet",
            ),
            Edit(
                "RocketNodeManager.vy",
                "self._pending_withdrawal_address[node_address] = newWithdrawalAddress",
                "pass",
            ),
        ),
    )
    contracts = bug_copy(bug)
    mutant = deploy_protocol(replace={"rocketNodeManager": contracts / "RocketNodeManager.vy"})
    ctx = StepContext.create(mutant, check=True)
    execute(ctx, "register_node", {"node": "node_operator_0"})
    # The views each step can change are read right after it (harness.fuzz.followups).
    with pytest.raises(InvariantViolation, match="getNodeTimezoneLocation.*'Asia/Tokyo'"):
        execute(ctx, "set_timezone", {"node": "node_operator_0", "timezone": "Asia/Tokyo"})
    view = {"view": "node_manager.getNodeTimezoneLocation", "node": "node_operator_0"}
    with pytest.raises(InvariantViolation, match="getNodeTimezoneLocation"):
        execute(ctx, "read_view", view)
    step = {"node": "node_operator_0", "to": "depositor_1", "confirm": False}
    with pytest.raises(InvariantViolation, match="getNodePendingWithdrawalAddress"):
        execute(ctx, "set_withdrawal_address", step)
    # And the confirmation the model allows is refused.
    with pytest.raises(InvariantViolation, match="pending withdrawal address") as info:
        execute(ctx, "confirm_withdrawal_address", {"node": "node_operator_0", "by": "depositor_1"})
    assert info.value.name == "outcome"
