"""One scenario per kind of loss, with the exact amount each party ends with.

The beacon chain earns nothing here (APR 0) and slashings carry no
correlation penalty, so every figure is a round number worked out by hand
from docs/protocol.md: the node absorbs losses first, up to its 8 ETH bond;
past the bond its RPL is slashed at the oracle price (0.01 ETH) and sold at
auction; what that does not cover falls on rETH holders. Every flow goes
through the checked facade, so the reference model agrees at each call.
"""

import pytest

from harness import deploy_protocol
from harness.fuzz.checked import CheckedProtocol
from harness.units import ETH

RPL = 10**18
DEPOSIT = 24 * ETH
MINTED = DEPOSIT - DEPOSIT * 5 // 10_000  # 0.05% fee: 23.988 rETH


@pytest.fixture(scope="module")
def world():
    return deploy_protocol(
        config={"beacon": {"apr": "0%", "slashing_correlation": "0"}},
    )


@pytest.fixture
def cp(world):
    state = world.python_state()
    yield CheckedProtocol(world)
    world.restore_python_state(state)


@pytest.fixture
def p(cp):
    return cp.p


def setup(cp, rpl: str):
    """A node with ``rpl`` RPL staked, one depositor's 24 ETH, one staking 8 ETH minipool."""
    p = cp.p
    node, depositor = p.node_operators[0], p.depositors[0]
    cp.register_node(node)
    cp.fund_rpl(node, rpl)
    cp.stake_rpl(node, rpl)
    start = {who: p.balance(who) for who in (node, depositor)}
    _, minipool = cp.create_minipool(node, bond=8)
    assert cp.deposit(depositor, DEPOSIT).values["minted"] == MINTED
    cp.advance(hours=12, seconds=1)
    assert cp.stake(minipool).ok
    return node, depositor, minipool, start


def exit_and_settle(cp, node, minipool, slashed=False):
    """The validator exits (a slashed one waits out its delay), is withdrawn, is distributed."""
    p = cp.p
    if slashed:
        cp.advance(days=36)
    else:
        p.beacon.exit(p.validator(minipool))
    cp.advance(days=5)
    assert p.validator(minipool).status == "withdrawn"
    assert cp.distribute(minipool, node).ok
    assert minipool.getFinalised()


def burn_all(cp, depositor) -> int:
    cp.report()
    return cp.burn(depositor, cp.p.reth.balanceOf(depositor)).values["eth"]


def test_penalty_within_the_bond(cp, p):
    node, depositor, minipool, start = setup(cp, "240")
    p.beacon.penalise(p.validator(minipool), "3")  # an inactivity leak of 3 ETH
    exit_and_settle(cp, node, minipool)
    # 29 ETH withdrawn: users get their 24, the node 5 of its 8
    assert p.balance(node) == start[node] - 8 * ETH + 5 * ETH
    assert burn_all(cp, depositor) == DEPOSIT
    assert p.balance(depositor) == start[depositor]
    assert p.node_staking.getNodeRPLStake(node) == 240 * RPL


def test_slashing_within_the_bond(cp, p):
    node, depositor, minipool, start = setup(cp, "240")
    penalty = p.beacon.slash(p.validator(minipool))
    assert penalty == 10**9  # the initial penalty, no correlation
    exit_and_settle(cp, node, minipool, slashed=True)
    assert p.balance(node) == start[node] - 8 * ETH + 7 * ETH
    assert burn_all(cp, depositor) == DEPOSIT
    assert p.balance(depositor) == start[depositor]


def test_loss_past_the_bond_covered_by_the_rpl_auction(cp, p):
    node, depositor, minipool, start = setup(cp, "1000")
    bidder = p.depositors[1]
    bidder_start = p.balance(bidder)
    p.beacon.penalise(p.validator(minipool), "12")  # 20 ETH left: 4 ETH past the bond
    exit_and_settle(cp, node, minipool)
    assert p.balance(node) == start[node] - 8 * ETH  # the whole bond is gone
    # 4 ETH of RPL at 0.01 ETH: 400 RPL to the auction manager
    assert p.node_staking.getNodeRPLStake(node) == 600 * RPL
    assert cp.create_lot(bidder).ok
    assert cp.place_bid(0, bidder, 4 * ETH).ok
    assert cp.claim_bid(0, bidder).ok
    assert p.rpl.balanceOf(bidder) == 400 * RPL
    assert p.balance(bidder) == bidder_start - 4 * ETH
    # users: 20 ETH from the exit + 4 ETH from the auction = all 24 back
    assert burn_all(cp, depositor) == DEPOSIT
    assert p.balance(depositor) == start[depositor]


def test_loss_past_the_bond_and_past_the_rpl(cp, p):
    node, depositor, minipool, start = setup(cp, "240")  # 2.4 ETH of RPL: the minimum
    bidder = p.depositors[1]
    p.beacon.penalise(p.validator(minipool), "20")  # 12 ETH left: 12 ETH past the bond
    exit_and_settle(cp, node, minipool)
    assert p.balance(node) == start[node] - 8 * ETH
    assert p.node_staking.getNodeRPLStake(node) == 0  # all 240 RPL slashed
    assert cp.create_lot(bidder).ok
    assert cp.place_bid(0, bidder, 24 * ETH // 10).ok
    assert p.auction_manager.getLotIsCleared(0)
    # users: 12 ETH from the exit + 2.4 ETH from the auction; 9.6 ETH is socialised
    rate_before = p.rate()
    paid = burn_all(cp, depositor)
    assert paid == 144 * ETH // 10
    assert p.balance(depositor) == start[depositor] - 96 * ETH // 10
    assert rate_before == ETH  # nothing was reported before the loss...
    assert p.network_balances.getTotalETHBalance() == 144 * ETH // 10  # ...then the fall
