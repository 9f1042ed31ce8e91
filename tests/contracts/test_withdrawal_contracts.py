"""Contract withdrawal addresses: one that refuses ETH, one that re-enters the payer.

The two test doubles of ``contracts/mocks/`` on their own, then a minipool
paying each: to the refuser, every payment reverts with the minipool's
reason and changes nothing; to the re-entrant one, the payment goes through,
exactly, and the call back is tried once and refused by the lock.
"""

from __future__ import annotations

import boa
import pytest
from eth_utils import keccak

from harness.chain.actors import REENTRANT, REFUSER, SOURCES, reentry_counters
from harness.chain.status import DISSOLVED, STAKING
from harness.model import economics
from harness.units import ETH
from tests.contracts.helpers import prelaunch_minipool, staking_minipool
from tests.helpers import events

FEE = 14 * 10**16
REFUSED = "refusing withdrawal address: ETH refused"
REFUND_FAILED = "minipool: refund transfer failed"
TRANSFER_FAILED = "minipool: transfer to withdrawal address failed"


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


DISTRIBUTE_FALSE = selector("distributeBalance(bool)") + b"\x00" * 32
REFUND = selector("refund()")
FINALISE = selector("finalise()")

# A payer with no lock (to show the re-entrant double does count a success),
# which bubbles up the payee's revert.
UNLOCKED_PAYER = """
# pragma version ~=0.4.3
calls_back: public(uint256)

@external
@payable
def pay(to: address, data: Bytes[36]):
    raw_call(to, data, value=msg.value)

@external
def distributeBalance(rewardsOnly: bool):
    self.calls_back += 1
"""


@pytest.fixture
def payer():
    return boa.loads(UNLOCKED_PAYER)


@pytest.fixture
def refuser():
    return boa.load(str(SOURCES[REFUSER]))


@pytest.fixture
def reentrant():
    return boa.load(str(SOURCES[REENTRANT]))


def add_eth(minipool, amount: int) -> None:
    """The beacon chain pays ``amount`` to ``minipool`` (no code runs)."""
    boa.env.set_balance(minipool.address, boa.env.get_balance(minipool.address) + amount)


def point_at(np, node, contract) -> None:
    np.node_manager.setWithdrawalAddress(node, contract.address, True, sender=node)


def minipool_state(np, minipool) -> dict:
    """What a refused payment must leave as it was."""
    manager = np.minipool_manager
    node_address = minipool.getNodeAddress()
    return {
        "eth": np.balance(minipool),
        "status": minipool.getStatus(),
        "refund": minipool.getNodeRefundBalance(),
        "finalised": minipool.getFinalised(),
        "user_deposit": minipool.getUserDepositBalance(),
        "node_deposit": minipool.getNodeDepositBalance(),
        "exists": manager.getMinipoolExists(minipool.address),
        "active": manager.getNodeActiveMinipoolCount(node_address),
        "finalised_count": manager.getNodeFinalisedMinipoolCount(node_address),
        "reth_eth": np.balance(np.reth),
        "pool": np.deposit_pool.getBalance(),
    }


def dissolved_minipool(np, node, stranger):
    minipool = prelaunch_minipool(np, node)
    boa.env.time_travel(seconds=np.settings.getLaunchTimeout())
    minipool.dissolve(sender=stranger)
    assert minipool.getStatus() == DISSOLVED
    return minipool


# ------------------------------------------------------------ the doubles on their own
def test_refuser_refuses_every_payment(refuser, payer, stranger):
    with boa.reverts(REFUSED):
        payer.pay(refuser.address, b"", value=ETH, sender=stranger)
    with boa.reverts(REFUSED):
        payer.pay(refuser.address, DISTRIBUTE_FALSE, sender=stranger)
    assert boa.env.get_balance(refuser.address) == 0


def test_refuser_confirms_itself_as_pending_withdrawal_address(np, node, refuser):
    with boa.reverts("node manager: caller is not the pending withdrawal address"):
        refuser.confirmWithdrawalAddress(np.node_manager.address, node)
    np.node_manager.setWithdrawalAddress(node, refuser.address, False, sender=node)
    assert np.node_manager.getNodeWithdrawalAddress(node) == node
    refuser.confirmWithdrawalAddress(np.node_manager.address, node)
    assert np.node_manager.getNodeWithdrawalAddress(node) == refuser.address
    assert np.node_manager.getNodePendingWithdrawalAddress(node) == "0x" + "00" * 20


def test_reentrant_calls_back_the_payer_and_keeps_the_eth(reentrant, payer, stranger):
    assert reentrant.reentryCall() == DISTRIBUTE_FALSE
    payer.pay(reentrant.address, b"", value=3 * ETH, sender=stranger)
    [log] = events(payer, "ReentryAttempted")
    assert log.target == payer.address
    assert log.success is True
    assert reentry_counters(reentrant) == (1, 1)
    assert payer.calls_back() == 1
    assert boa.env.get_balance(reentrant.address) == 3 * ETH
    # A call the payer does not have fails, and the ETH is kept all the same.
    reentrant.setReentryCall(REFUND)
    payer.pay(reentrant.address, b"", value=ETH, sender=stranger)
    [log] = events(payer, "ReentryAttempted")
    assert log.success is False
    assert reentry_counters(reentrant) == (2, 1)
    assert payer.calls_back() == 1
    assert boa.env.get_balance(reentrant.address) == 4 * ETH


# ------------------------------------------------------------ a minipool paying the refuser
def test_refund_to_a_refuser_reverts_and_changes_nothing(np, node, refuser, stranger):
    minipool = staking_minipool(np, node)
    add_eth(minipool, ETH)
    minipool.distributeBalance(True, sender=stranger)
    share = economics.rewards_node_share(ETH, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE)
    assert minipool.getNodeRefundBalance() == share
    point_at(np, node, refuser)
    before = minipool_state(np, minipool)
    for owner in (node, refuser.address):
        with boa.reverts(REFUND_FAILED):
            minipool.refund(sender=owner)
    assert minipool_state(np, minipool) == before
    assert np.balance(refuser) == 0
    # The node points its withdrawal address back at itself: the refund is paid.
    np.node_manager.setWithdrawalAddress(node, node, True, sender=node)
    balance = np.balance(node)
    minipool.refund(sender=node)
    assert np.balance(node) == balance + share
    assert minipool.getNodeRefundBalance() == 0


def test_owner_skim_distribution_to_a_refuser_reverts(np, node, refuser):
    minipool = staking_minipool(np, node)
    add_eth(minipool, ETH)
    point_at(np, node, refuser)
    before = minipool_state(np, minipool)
    with boa.reverts(REFUND_FAILED):
        minipool.distributeBalance(True, sender=node)
    assert minipool_state(np, minipool) == before
    assert before["refund"] == 0 and before["eth"] == ETH


def test_owner_exit_distribution_to_a_refuser_reverts_unfinalised(np, node, refuser):
    minipool = staking_minipool(np, node)
    add_eth(minipool, 32 * ETH)
    point_at(np, node, refuser)
    before = minipool_state(np, minipool)
    with boa.reverts(REFUND_FAILED):
        minipool.distributeBalance(False, sender=node)
    assert minipool_state(np, minipool) == before
    assert before["status"] == STAKING and not before["finalised"] and before["active"] == 1


def test_close_to_a_refuser_reverts_and_keeps_the_minipool(np, node, refuser, stranger):
    minipool = dissolved_minipool(np, node, stranger)
    point_at(np, node, refuser)
    before = minipool_state(np, minipool)
    assert before["eth"] == 7 * ETH and before["exists"]
    with boa.reverts(TRANSFER_FAILED):
        minipool.close(sender=node)
    with boa.reverts(TRANSFER_FAILED):
        minipool.distributeBalance(False, sender=refuser.address)
    assert minipool_state(np, minipool) == before
    assert np.balance(refuser) == 0


# ------------------------------------------------------------ a minipool paying the re-entrant one
def test_refund_to_a_reentrant_pays_exactly_and_refuses_the_call_back(
    np,
    node,
    reentrant,
    stranger,
):
    minipool = staking_minipool(np, node)
    add_eth(minipool, ETH)
    minipool.distributeBalance(True, sender=stranger)
    share = economics.rewards_node_share(ETH, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE)
    point_at(np, node, reentrant)
    minipool.refund(sender=node)
    [log] = events(minipool, "ReentryAttempted")
    assert log.target == minipool.address
    assert log.success is False
    assert np.balance(reentrant) == share
    assert np.balance(minipool) == 0
    assert minipool.getNodeRefundBalance() == 0
    assert reentry_counters(reentrant) == (1, 0)


@pytest.mark.parametrize(
    "call",
    [DISTRIBUTE_FALSE, REFUND, FINALISE],
    ids=["distributeBalance(false)", "refund()", "finalise()"],
)
def test_owner_exit_to_a_reentrant_finalises_once(np, node, reentrant, call):
    minipool = staking_minipool(np, node)
    reentrant.setReentryCall(call)
    point_at(np, node, reentrant)
    add_eth(minipool, 33 * ETH)
    minipool.distributeBalance(False, sender=node)
    # Node capital 8 ETH, plus its split of the 1 ETH above the 32 ETH of capital.
    assert np.balance(reentrant) == 8 * ETH + economics.rewards_node_share(
        ETH, user_capital=24 * ETH, node_capital=8 * ETH, fee=FEE
    )
    assert reentry_counters(reentrant) == (1, 0)
    assert minipool.getFinalised()
    assert np.minipool_manager.getNodeFinalisedMinipoolCount(node) == 1
    assert np.balance(minipool) == 0


def test_close_to_a_reentrant_pays_everything_once(np, node, reentrant, stranger):
    minipool = dissolved_minipool(np, node, stranger)
    point_at(np, node, reentrant)
    minipool.close(sender=node)
    assert np.balance(reentrant) == 7 * ETH
    assert np.balance(minipool) == 0
    assert reentry_counters(reentrant) == (1, 0)
    assert not np.minipool_manager.getMinipoolExists(minipool.address)
    assert np.minipool_manager.getMinipoolDestroyed(minipool.address)
