"""The views the model now answers, with specific values, and the reads that follow each step.

Each view's expected value below is worked out in the test from the
deployment and the steps (never read back from the contract it checks).
The last tests plant a bug in a copy of the contracts (as the bug zoo
does) that only a view read at the right moment shows, and check that the
step that reveals it raises the ``views`` invariant.
"""

from __future__ import annotations

import pytest

from harness.bugzoo import Bug, Edit
from harness.chain.status import DISSOLVED, PRELAUNCH
from harness.fuzz.actions import ACTIONS
from harness.fuzz.followups import FOLLOW_UPS, follow_up, planned_reads
from harness.fuzz.steps import StepContext, execute
from harness.fuzz.views import VIEWS, read_view
from harness.units import ETH, HOUR
from harness.world.deploy import deploy_protocol
from invariants import InvariantViolation
from tests.helpers import bug_copy

RPL_SUPPLY = 18_000_000 * ETH


def _run(ctx: StepContext, steps: list[tuple[str, dict]]) -> None:
    for rule, args in steps:
        execute(ctx, rule, args)


# The deposit lets the first minipool be assigned at once: created in prelaunch.
NODE_AND_MINIPOOL = [
    ("register_node", {"node": "node_operator_0"}),
    ("stake_rpl", {"node": "node_operator_0", "amount": 3_000 * ETH}),
    ("deposit", {"who": "depositor_1", "amount": 31 * ETH}),
    ("create_minipool", {"node": "node_operator_0", "bond": 8, "credit": False, "value": None}),
]
# Two of three members vote to scrub: the minipool is dissolved; its node closes it.
SCRUB_AND_CLOSE = [
    ("vote_scrub", {"member": "odao_member_1", "minipool": 0}),
    ("vote_scrub", {"member": "odao_member_2", "minipool": 0}),
    ("close", {"minipool": 0}),
]


@pytest.fixture
def ctx(p):
    return StepContext.create(p, check=True)


# --------------------------------------------------------------------------- the new expectations
def test_the_directory_views_name_what_the_deployment_registered(ctx, p):
    assert read_view(ctx, "storage.guardian", {}) == p.guardian
    assert read_view(ctx, "storage.getAddress", {"contract": "rocketVault"}) == p.vault.address
    zero = "0x" + "00" * 20
    assert read_view(ctx, "storage.getAddress", {"contract": "rocketStorage"}) == zero
    assert read_view(ctx, "storage.getName", {"holder": "rocketNodeStaking"}) == (
        "rocketNodeStaking"
    )
    assert read_view(ctx, "storage.getName", {"holder": "stranger"}) == ""
    assert read_view(ctx, "storage.getContractExists", {"holder": "rocketVault"}) is True
    assert read_view(ctx, "storage.getContractExists", {"holder": "depositor_0"}) is False
    immutables = [v for v in VIEWS if v.endswith(".ROCKET_STORAGE")]
    # Every network contract's, the minipool's and a node's fee distributor's.
    # (The penalty contracts are network contracts too.)
    assert len(immutables) == 20
    for view in immutables:
        if view.startswith("distributor."):  # a registered node's distributor's
            assert read_view(ctx, view, {"node": "node_operator_0"}) == p.storage.address
        elif not view.startswith("minipool."):  # a minipool's: with one, below
            assert read_view(ctx, view, {}) == p.storage.address


def test_rpl_views_follow_the_guardians_funding_and_the_stakes(ctx):
    _run(ctx, NODE_AND_MINIPOOL[:2])
    assert read_view(ctx, "rpl.totalSupply", {}) == RPL_SUPPLY
    assert read_view(ctx, "rpl.balanceOf", {"holder": "guardian"}) == RPL_SUPPLY - 3_000 * ETH
    assert read_view(ctx, "rpl.balanceOf", {"holder": "rocketVault"}) == 3_000 * ETH
    assert read_view(ctx, "rpl.balanceOf", {"holder": "node_operator_0"}) == 0
    allowance = {"holder": "node_operator_0", "spender": "rocketNodeStaking"}
    assert read_view(ctx, "rpl.allowance", allowance) == 0
    assert (read_view(ctx, "rpl.name", {}), read_view(ctx, "rpl.symbol", {})) == (
        "Rocket Pool Protocol",
        "RPL",
    )
    assert read_view(ctx, "rpl.decimals", {}) == 18


def test_a_refused_stake_leaves_the_approval_the_facade_made(ctx):
    # node_operator_1 is not registered: the stake is refused, its approval stays.
    execute(ctx, "stake_rpl", {"node": "node_operator_1", "amount": 250 * ETH})
    allowance = {"holder": "node_operator_1", "spender": "rocketNodeStaking"}
    assert read_view(ctx, "rpl.allowance", allowance) == 250 * ETH
    assert read_view(ctx, "rpl.balanceOf", {"holder": "node_operator_1"}) == 250 * ETH


def test_reth_views_follow_a_deposit_less_its_fee(ctx):
    execute(ctx, "deposit", {"who": "depositor_0", "amount": 10 * ETH})
    minted = 10 * ETH - 10 * ETH * 5 // 10_000  # the 0.05% fee, at the starting rate of 1
    assert read_view(ctx, "reth.balanceOf", {"holder": "depositor_0"}) == minted
    assert read_view(ctx, "reth.balanceOf", {"holder": "rocketVault"}) == 0
    spender = {"holder": "depositor_0", "spender": "depositor_1"}
    assert read_view(ctx, "reth.allowance", spender) == 0
    assert read_view(ctx, "reth.name", {}) == "Rocket Pool ETH"
    assert read_view(ctx, "reth.symbol", {}) == "rETH"
    assert read_view(ctx, "reth.decimals", {}) == 18


def test_a_minipools_status_block_and_the_deposit_count(ctx, p):
    _run(ctx, NODE_AND_MINIPOOL)
    created = p.chain.block_number
    assert read_view(ctx, "minipool.getStatus", {"minipool": 0}) == PRELAUNCH
    assert read_view(ctx, "minipool.getStatusBlock", {"minipool": 0}) == created
    assert read_view(ctx, "deposit_contract.depositCount", {}) == 1
    assert read_view(ctx, "deposit_contract.get_deposit_count", {}) == b"\x01" + bytes(7)
    assert read_view(ctx, "minipool.MINIPOOL_MANAGER", {"minipool": 0}) == (
        p.minipool_manager.address
    )
    assert read_view(ctx, "minipool.ROCKET_STORAGE", {"minipool": 0}) == p.storage.address
    assert read_view(ctx, "minipool_manager.getNodeETHMatched", {"node": "node_operator_0"}) == (
        24 * ETH
    )
    assert read_view(ctx, "minipool_manager.getNodeETHProvided", {"node": "node_operator_0"}) == (
        8 * ETH
    )
    execute(ctx, "advance", {"seconds": HOUR})
    _run(ctx, SCRUB_AND_CLOSE[:2])
    assert read_view(ctx, "minipool.getStatus", {"minipool": 0}) == DISSOLVED
    assert read_view(ctx, "minipool.getStatusBlock", {"minipool": 0}) == created + HOUR // 12


def test_closing_moves_the_last_minipool_into_the_gap(ctx):
    steps = NODE_AND_MINIPOOL + [NODE_AND_MINIPOOL[3], NODE_AND_MINIPOOL[3]]
    _run(ctx, steps)
    first, _, third = ctx.minipools
    _run(ctx, SCRUB_AND_CLOSE)
    assert read_view(ctx, "minipool_manager.getMinipoolAt", {"index": 0}) == third
    at = {"node": "node_operator_0", "index": 0}
    assert read_view(ctx, "minipool_manager.getNodeMinipoolAt", at) == third
    assert read_view(ctx, "minipool_manager.getNodeMinipoolCount", {"node": "node_operator_0"}) == 2
    assert first not in [
        read_view(ctx, "minipool_manager.getMinipoolAt", {"index": i}) for i in (0, 1)
    ]


def test_odao_order_joined_time_and_votes(ctx, p):
    joined = ctx.cp.model.now  # the members joined at deployment, where the model starts
    assert read_view(ctx, "odao.getMemberJoinedTime", {"member": "odao_member_0"}) == joined
    assert read_view(ctx, "odao.getMemberAt", {"index": 0}) == p.odao_members[0]
    execute(ctx, "remove_member", {"member": "odao_member_0"})
    assert read_view(ctx, "odao.getMemberAt", {"index": 0}) == p.odao_members[2]
    assert read_view(ctx, "odao.getMemberJoinedTime", {"member": "odao_member_0"}) == 0
    assert read_view(ctx, "network_balances.getSubmissionVotes", {}) == 0
    execute(ctx, "report", {})
    # The two remaining members both voted for the report that was accepted.
    assert read_view(ctx, "network_balances.getSubmissionVotes", {}) == 2


# --------------------------------------------------------------------------- the follow-up reads
def test_every_follow_up_is_of_a_declared_step_and_a_compared_view():
    assert sorted(set(FOLLOW_UPS) - set(ACTIONS)) == []
    assert "read_view" not in FOLLOW_UPS


def test_a_step_is_followed_by_the_views_it_can_change(ctx):
    _run(ctx, NODE_AND_MINIPOOL)
    reads = planned_reads(ctx, "close", {"minipool": 0})
    assert ("minipool_manager.getNodeMinipoolCount", {"node": "node_operator_0"}) in reads
    reads = planned_reads(ctx, "set_withdrawal_address", {"node": "node_operator_0", "to": "x"})
    assert reads == [
        ("node_manager.getNodeWithdrawalAddress", {"node": "node_operator_0"}),
        ("node_manager.getNodePendingWithdrawalAddress", {"node": "node_operator_0"}),
    ]
    for rule in FOLLOW_UPS:
        reads = planned_reads(ctx, rule, _sample_args(rule))
        assert 1 <= len(reads) <= 8, rule  # a handful per step: they run after every one
        for view, _ in reads:
            assert VIEWS[view].expect is not None, view


def _sample_args(rule: str) -> dict:
    names = {
        "who": "depositor_0",
        "to": "depositor_1",
        "node": "node_operator_0",
        "member": "odao_member_0",
        "minipool": 0,
        "lot": 0,
        "path": "deposit.fee",
        "value": 1,
    }
    return {p.name: names.get(p.name) for p in ACTIONS[rule].parameters}


def test_refused_and_bare_steps_read_nothing(ctx, p):
    args = {"node": "node_operator_0"}
    registered = ACTIONS["register_node"].step(ctx, **args)
    assert registered.ok
    assert follow_up(ctx, "register_node", args, registered) == 5
    again = ACTIONS["register_node"].step(ctx, **args)
    assert again.reason == "node manager: node already registered"
    assert follow_up(ctx, "register_node", args, again) == 0
    bare = StepContext.create(p, check=False)
    assert follow_up(bare, "register_node", {"node": "node_operator_1"}, None) == 0


# --------------------------------------------------------------------------- planted bugs
def _planted(tmp_path, name: str, edit: Edit, contract: str):
    bug = Bug(name, name, "a view read at the right moment", (edit,))
    copy = bug_copy(bug)
    p = deploy_protocol(replace={contract: copy / edit.file})
    return StepContext.create(p, check=True)


def test_a_node_minipool_count_never_decremented_is_caught_at_the_close(tmp_path):
    ctx = _planted(
        tmp_path,
        "node-minipool-count-kept",
        Edit(
            "RocketMinipoolManager.vy",
            "    self._node_minipool_count[node] = last - 1\n",
            "    self._node_minipool_count[node] = last\n",
        ),
        "rocketMinipoolManager",
    )
    _run(ctx, NODE_AND_MINIPOOL + SCRUB_AND_CLOSE[:2])
    with pytest.raises(InvariantViolation) as caught:
        execute(ctx, *SCRUB_AND_CLOSE[2])
    assert caught.value.name == "views"
    assert caught.value.message == (
        "minipool_manager.getNodeMinipoolCount(node='node_operator_0') returned 1, the rules say 0"
    )


def test_a_status_block_never_stamped_is_caught_at_the_creation(tmp_path):
    ctx = _planted(
        tmp_path,
        "status-block-unstamped",
        Edit("RocketMinipool.vy", "    self._status_block = block.number\n", ""),
        "rocketMinipoolBase",
    )
    _run(ctx, NODE_AND_MINIPOOL[:3])
    with pytest.raises(InvariantViolation) as caught:
        execute(ctx, *NODE_AND_MINIPOOL[3])
    assert caught.value.name == "views"
    block = ctx.p.chain.block_number
    assert caught.value.message == (
        f"minipool.getStatusBlock(minipool=0) returned 0, the rules say {block}"
    )
