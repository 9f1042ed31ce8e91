"""A simulated year: many nodes and depositors, rewards, skims, exits, no slashing.

Every flow goes through the checked facade, so each call's outcome, each
minted and burned amount, each distribution's split and each report's truth
must equal the reference model's. Every ETH is accounted for after every
week (wallets + contracts + beacon balances = initial + rewards -
penalties), the rate after each report equals the model's and never falls,
and at the end every node has its bonds back with rewards and every
depositor gains.
"""

import random

import boa
import pytest

from harness import deploy_protocol
from harness.fuzz.checked import CheckedProtocol
from harness.units import ETH, GWEI

WEEKS = 52
BONDS = {0: 8, 1: 8, 2: 16, 3: 16}  # node index -> bond of each of its two minipools


@pytest.fixture(scope="module")
def world():
    return deploy_protocol()


def world_eth(p, minipools) -> int:
    """ETH on the execution layer (outside the deposit contract) plus on the beacon chain."""
    holders = [p.guardian, *p.odao_members, *p.depositors, *p.node_operators]
    holders += [c.address for name, c in p.contracts.items() if name != "deposit_contract"]
    holders += [m.address for m in minipools]
    evm = sum(boa.env.get_balance(str(h)) for h in set(map(str, holders)))
    return evm + p.beacon.total_balance_gwei() * GWEI


def test_a_year_of_honest_operation(world):
    p = world
    cp = CheckedProtocol(p)
    rng = random.Random(2026)
    initial = world_eth(p, [])
    start = {who: p.balance(who) for who in (*p.depositors, *p.node_operators)}

    minipools = []
    for index, node in enumerate(p.node_operators):
        assert cp.register_node(node).ok
        cp.fund_rpl(node, "3000")
        assert cp.stake_rpl(node, "3000").ok
        for _ in range(2):
            expect, minipool = cp.create_minipool(node, bond=BONDS[index])
            assert expect.ok
            minipools.append(minipool)
    for depositor in p.depositors:
        assert cp.deposit(depositor, "40").ok
    assert [m.getStatus() for m in minipools] == [1] * 8  # all assigned
    cp.advance(hours=12, seconds=1)
    for minipool in minipools:
        assert cp.stake(minipool).ok

    rates = [p.rate()]
    exited = set()
    for week in range(1, WEEKS + 1):
        cp.advance(days=7)
        if week % 4 == 0:  # monthly, a depositor distributes every skim
            caller = rng.choice(p.depositors)
            for minipool in minipools:
                if minipool.address not in exited and p.balance(minipool) > 0:
                    assert cp.distribute(minipool, caller, rewards_only=True).ok
        if week == 40:  # two validators leave early
            for minipool in rng.sample(minipools, 2):
                p.beacon.exit(p.validator(minipool))
                exited.add(minipool.address)
        if week == 42:
            for minipool in minipools:
                if minipool.address in exited:
                    assert cp.distribute(minipool, minipool.getNodeAddress()).ok  # finalises
                    assert minipool.getFinalised()
        cp.report()
        rates.append(p.rate())
        assert rates[-1] == cp.model.rate(), f"week {week}: the rate differs from the model's"
        assert rates[-1] >= rates[-2], f"the rate fell in week {week}"
        rewards = p.beacon.total_rewards * GWEI
        penalties = p.beacon.total_penalties * GWEI
        assert world_eth(p, minipools) == initial + rewards - penalties, f"week {week}"

    # Everyone leaves.
    for minipool in minipools:
        if minipool.address not in exited:
            p.beacon.exit(p.validator(minipool))
    cp.advance(days=7)
    for minipool in minipools:
        if not minipool.getFinalised():
            assert cp.distribute(minipool, minipool.getNodeAddress()).ok
            assert minipool.getFinalised()
    cp.report()
    assert p.rate() == cp.model.rate()
    for depositor in p.depositors:
        assert cp.burn(depositor, p.reth.balanceOf(depositor)).ok

    assert p.beacon.total_penalties == 0
    assert world_eth(p, minipools) == initial + p.beacon.total_rewards * GWEI
    assert p.rate() > ETH
    for depositor in p.depositors:
        assert p.balance(depositor) > start[depositor], "a depositor lost ETH in a good year"
    for node in p.node_operators:
        # every bond came back, with its share of rewards and commission
        assert p.balance(node) > start[node], "a node lost part of its bond"
        assert p.minipool_manager.getNodeFinalisedMinipoolCount(node) == 2
        assert p.minipool_manager.getNodeETHMatched(node) == 0
