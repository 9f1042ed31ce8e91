"""v1.3.1's scrub penalty on the real contracts, against the model and every invariant.

With the penalty enabled, a scrubbed 8 ETH minipool sends the users' 24 ETH
and 2.4 ETH of the bond to the deposit pool (no RPL is slashed); the node
closes it for the 4.6 ETH left, and the next honest report shows the users'
gain in the rate.
"""

from __future__ import annotations

from harness.model import norm
from harness.units import ETH
from tests.integration.test_invariants_live import World

PENALTY = 24 * 10**17


def test_a_scrub_with_the_penalty_pays_the_users_from_the_bond(protocol):
    p = protocol
    w = World(p)
    node, depositor = p.node_operators[0], p.depositors[0]
    assert w.cp.set_setting("minipool.scrub.penalty.enabled", True).ok
    w.step()
    w.node_with_rpl(node, 10_000 * ETH)
    w.deposit(depositor, 24 * ETH)
    w.report_truth()
    rate_before = p.rate()
    minipool = w.create_minipool(node, 8)
    stake_before = p.node_staking.getNodeRPLStake(node)
    pool_before = p.deposit_pool.getBalance()
    first, second = p.odao_members[0], p.odao_members[1]
    assert w.cp.vote_scrub(first, minipool).values["scrubbed"] == 0
    w.step()
    values = w.cp.vote_scrub(second, minipool).values
    w.step()
    assert (values["scrubbed"], values["recycled"]) == (1, 24 * ETH + PENALTY)
    assert p.deposit_pool.getBalance() == pool_before + 24 * ETH + PENALTY
    assert p.node_staking.getNodeRPLStake(node) == stake_before
    assert w.model.minipools[norm(minipool.address)].eth == 7 * ETH - PENALTY
    withdrawal = p.node_manager.getNodeWithdrawalAddress(node)
    paid_before = p.chain.get_balance(withdrawal)
    assert w.cp.close(minipool, node).values["paid"] == 7 * ETH - PENALTY
    w.step()
    assert p.chain.get_balance(withdrawal) - paid_before == 7 * ETH - PENALTY
    # The users hold 2.4 ETH more than their rETH was worth: the next report says so.
    w.report_truth()
    assert p.rate() > rate_before
    assert p.rate() == w.model.rate()
    assert w.events == []
