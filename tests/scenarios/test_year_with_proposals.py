"""A simulated year with block proposals: every wei of execution-layer income accounted for.

Four nodes, two minipools each, staking a year while time passing gives
their validators blocks at the ``[proposals]`` rate (``advance`` with a
seed). Each block's fees and MEV land in its node's fee distributor; the
distributors are split now and then by the node, its withdrawal address
or a stranger, and by the minipool manager before a finalisation (the
distribute-first rule); one node's withdrawal address refuses ETH for a
while, so its share is held and paid later. This test keeps its own
ledger from the blocks themselves (``p.beacon.proposals``) and v1.3.1's
split formula, written out here: at the end (and after each period)

    blocks paid = distributor balances + paid to withdrawal addresses + paid to rETH,

each side checked against the chain and against the model's figures,
and the users' part reaches the rETH rate through the next balances
report (distributor balances do not, until distributed).
"""

from __future__ import annotations

import random

import pytest

from harness import deploy_protocol
from harness.fuzz.steps import StepContext, execute
from harness.units import DAY, ETH, GWEI, ONE
from invariants import Watcher

BONDS = {0: 8, 1: 8, 2: 16, 3: 16}  # node index -> bond of each of its two minipools
REFUSING = 3  # this node's withdrawal address refuses ETH from period 4 to period 7


@pytest.fixture(scope="module")
def world():
    return deploy_protocol()


def node_part(balance: int, fee: int, staked: int, matched: int) -> int:
    """v1.3.1's split, written out: the node's capital part, then its fee on the rest."""
    ratio = staked * ONE // (staked - matched) if matched else 2 * ONE
    capital = balance * ONE // ratio
    return capital + (balance - capital) * fee // ONE


def world_eth(ctx: StepContext, minipools: list) -> int:
    """Every actor's, contract's, minipool's and distributor's ETH, plus the beacon chain's."""
    p = ctx.p
    holders = {str(a).lower() for a in ctx.actors.values()}
    holders |= {str(a).lower() for a in (*p.odao_members, *p.depositors, *p.node_operators)}
    holders |= {str(c.address).lower() for n, c in p.contracts.items() if n != "deposit_contract"}
    holders |= {str(m.address).lower() for m in minipools}
    holders |= {str(p.distributor(n).address).lower() for n in p.node_operators}
    return sum(p.chain.get_balance(h) for h in holders) + p.beacon.total_balance_gwei() * GWEI


def run_year(p, periods: int, days: int) -> dict[str, int]:
    """The year in ``periods`` steps of ``days``; returns the test's own ledger at the end."""
    ctx = StepContext.create(p, check=True)
    cp, model = ctx.cp, ctx.cp.model
    rng = random.Random(18)
    # The invariants after every step (Watcher.step), from the first.
    watcher = Watcher(p, model, list(ctx.actors.values()))
    initial = world_eth(ctx, [])
    nodes = [f"node_operator_{i}" for i in range(len(p.node_operators))]
    address = {n: ctx.who(n) for n in nodes}
    minipools: dict[str, list] = {n: [] for n in nodes}
    for index, node in enumerate(nodes):
        for step in ("register_node", "fund_rpl", "stake_rpl"):
            args = (address[node],) if step == "register_node" else (address[node], "3000")
            outcome = getattr(cp, step)(*args)  # fund_rpl is a transfer: no Expect
            assert outcome is None or outcome.ok, step
            watcher.step()
        for _ in range(2):
            expect, minipool = cp.create_minipool(address[node], bond=BONDS[index])
            assert expect.ok
            watcher.step()
            minipools[node].append(minipool)
    everyone = [m for ms in minipools.values() for m in ms]
    for depositor in p.depositors:
        assert cp.deposit(depositor, "40").ok
        watcher.step()
    cp.advance(hours=12, seconds=1)
    watcher.step()
    for minipool in everyone:
        assert cp.stake(minipool).ok
        watcher.step()
    fee = {n: minipools[n][0].getNodeFee() for n in nodes}
    active = {n: 2 for n in nodes}
    distributor = {str(p.distributor(address[n]).address).lower(): n for n in nodes}

    # The test's ledger, from the blocks and the formula alone.
    blocks = to_nodes = to_reth = 0
    unsplit = dict.fromkeys(nodes, 0)  # per node: blocks' wei not yet split
    held = dict.fromkeys(nodes, 0)  # per node: its part kept while its address refused
    seen = 0
    most_held = first_splits = 0  # that the refusal and the distribute-first rule were seen

    def take_blocks() -> None:
        nonlocal seen, blocks
        for block in p.beacon.proposals[seen:]:
            assert not block.stolen
            unsplit[distributor[block.recipient.lower()]] += block.wei
            blocks += block.wei
        seen = len(p.beacon.proposals)

    def split(node: str, refused: bool) -> tuple[int, int]:
        """The test's split of ``node``'s unsplit wei at its figures now: (user, node part)."""
        nonlocal to_nodes, to_reth
        index = nodes.index(node)
        staked = 32 * ETH * active[node]
        part = node_part(unsplit[node], fee[node], staked, (32 - BONDS[index]) * ETH * active[node])
        user = unsplit[node] - part
        unsplit[node] = 0
        to_reth += user
        if refused:
            held[node] += part
            nonlocal_most_held(held[node])
        else:
            to_nodes += part + held[node]
            held[node] = 0
        return user, part

    def nonlocal_most_held(amount: int) -> None:
        nonlocal most_held
        most_held = max(most_held, amount)

    def check_ledger(when: str) -> None:
        balances = {n: p.balance(p.distributor(address[n])) for n in nodes}
        for n in nodes:
            assert balances[n] == unsplit[n] + held[n] == model.distributor_balance(address[n]), (
                f"{when}: {n}'s distributor"
            )
        assert blocks == sum(b.wei for b in p.beacon.proposals) == model.fees_received, when
        assert blocks == sum(balances.values()) + to_nodes + to_reth, when
        assert (model.fees_to_nodes, model.fees_to_users) == (to_nodes, to_reth), when
        assert world_eth(ctx, everyone) == (
            initial + (p.beacon.total_rewards - p.beacon.total_penalties) * GWEI + blocks
        ), when

    rates = [p.rate()]
    callers = ["node", "withdrawal", "stranger"]
    exited: list = []
    for period in range(1, periods + 1):
        execute(ctx, "advance", {"seconds": days * DAY, "seed": 1_000 + period})
        watcher.step()
        take_blocks()
        if period == periods * 4 // 13:  # one node's withdrawal address starts refusing
            to = {"node": nodes[REFUSING], "to": "refuser"}
            assert execute(ctx, "set_withdrawal_address", to).ok
        if period == periods * 7 // 13:  # and is pointed back at the node by itself
            back = {"node": nodes[REFUSING], "to": nodes[REFUSING], "by": "refuser"}
            assert execute(ctx, "set_withdrawal_address", back).ok
        if period % 2 == 0:  # every other period, someone distributes each distributor
            for node in nodes:
                refused = model.withdrawal_address(address[node]) == ctx.who("refuser").lower()
                before = model.held_for_users()
                user, part = split(node, refused)
                who = rng.choice(callers if not refused else ["node", "stranger"])
                expect = execute(ctx, "distribute_fees", {"node": node, "who": who})
                assert expect.ok and expect.values == {"user": user, "node": part}, node
                assert model.held_for_users() == before + user  # the users' share is rETH's
                watcher.step()
        if period == periods * 10 // 13:  # two validators leave early
            exited = [minipools[nodes[0]][0], minipools[nodes[2]][1]]
            for minipool in exited:
                p.beacon.exit(p.validator(minipool))
        if exited and period == periods * 10 // 13 + 1:
            # Finalising distributes first, at the figures before the minipool stops counting.
            for minipool in exited:
                node = nodes[p.node_operators.index(minipool.getNodeAddress())]
                first_splits += unsplit[node] > 0
                split(node, refused=False)
                assert cp.distribute(minipool, minipool.getNodeAddress()).ok
                assert minipool.getFinalised()
                active[node] -= 1
            watcher.step()
        check_ledger(f"period {period}")
        pending = sum(model.distributor_balance(address[n]) for n in nodes)
        cp.report()
        watcher.step()
        rates.append(p.rate())
        assert rates[-1] == model.rate() >= rates[-2], f"period {period}: the rate"
        # The report counts what rETH holds (distributed fees), never the distributors.
        reported = p.network_balances.getTotalETHBalance()
        assert reported == model.held_for_users(), f"period {period}"
        assert pending == sum(p.balance(p.distributor(address[n])) for n in nodes)

    # Everyone leaves; finalising distributes what each distributor still holds.
    take_blocks()
    for minipool in everyone:
        if minipool not in exited:
            p.beacon.exit(p.validator(minipool))
    execute(ctx, "advance", {"seconds": 7 * DAY})
    take_blocks()
    for minipool in everyone:
        if not minipool.getFinalised():
            node = nodes[p.node_operators.index(minipool.getNodeAddress())]
            if unsplit[node]:
                first_splits += 1
                split(node, refused=False)
            assert cp.distribute(minipool, minipool.getNodeAddress()).ok
            active[node] -= 1
    watcher.step()
    check_ledger("the end")
    for node in nodes:  # what was held for the refusing address went out with a later split
        assert held[node] == 0 and p.balance(p.distributor(address[node])) == 0
    before = model.held_for_users()
    cp.report()
    assert p.network_balances.getTotalETHBalance() == before
    assert p.rate() == model.rate() > ETH
    return {
        "blocks": len(p.beacon.proposals),
        "paid": blocks,
        "nodes": to_nodes,
        "reth": to_reth,
        "most held": most_held,
        "distributed first": first_splits,
    }


def test_a_year_with_proposals_accounts_for_every_wei(world):
    """A year in 13 four-week periods: the default, quick version."""
    with world.anchor():
        ledger = run_year(world, periods=13, days=28)
    # At 0.005% of slots about 131 blocks a year, 0.25 ETH each on average.
    assert 90 < ledger["blocks"] < 180, ledger
    assert ledger["paid"] == ledger["nodes"] + ledger["reth"]
    assert ledger["reth"] > ledger["nodes"] > 0
    assert ledger["most held"] > 0 and ledger["distributed first"] >= 2, ledger


@pytest.mark.slow
def test_a_year_with_proposals_week_by_week(world):
    """The same year in 52 weekly periods: more splits, more reports (opt-in: -m slow)."""
    with world.anchor():
        ledger = run_year(world, periods=52, days=7)
    assert 90 < ledger["blocks"] < 180, ledger
    assert ledger["paid"] == ledger["nodes"] + ledger["reth"]
