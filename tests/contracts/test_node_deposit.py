"""RocketNodeDeposit: bonds, pre-deposits, deterministic addresses, deposit credit."""

from __future__ import annotations

import boa
import pytest

from harness.chain.deposit_data import minipool_withdrawal_credentials
from harness.chain.status import DISSOLVED, INITIALISED, PRELAUNCH
from harness.units import ETH
from tests.contracts.helpers import credit, fund_pool, snapshot
from tests.helpers import events

FEE = 14 * 10**16


def deposit_args(protocol, operator, bond_eth=8, salt=0, address=None, seed=None):
    """Valid `deposit` arguments for ``operator``'s minipool at ``salt``."""
    address = address or protocol.expected_minipool_address(operator, salt)
    data = protocol.deposit_data(operator, address, ETH, salt if seed is None else seed)
    return [bond_eth * ETH, 0, data.pubkey, data.signature, data.root, salt, address]


# ------------------------------------------------------------ the happy paths
def test_deposit_into_an_empty_pool_queues_the_minipool(np, node):
    address = np.expected_minipool_address(node, 0)
    before = np.balance(node)
    np.node_deposit.deposit(*deposit_args(np, node), value=8 * ETH, sender=node)
    (received,) = events(np.node_deposit, "DepositReceived", np.node_deposit)
    assert (received.sender, received.amount) == (node, 8 * ETH)
    (created,) = events(np.node_deposit, "MinipoolCreated")
    assert (created.minipool, created.node) == (address, node)
    (enqueued,) = events(np.node_deposit, "MinipoolEnqueued")
    assert enqueued.minipool == address

    minipool = np.minipool_at(address)
    assert np.minipool_manager.getMinipoolExists(address)
    assert minipool.getStatus() == INITIALISED
    assert minipool.getNodeAddress() == node
    assert minipool.getNodeFee() == FEE
    assert minipool.getNodeDepositBalance() == 8 * ETH
    assert minipool.getUserDepositBalance() == 0
    assert minipool.getNodeTopUpValue() == 7 * ETH
    assert np.balance(minipool) == 0
    assert np.balance(node) == before - 8 * ETH
    # 1 ETH to the beacon chain, 7 ETH to the pool as node balance.
    assert np.balance(np.deposit_contract) == ETH
    assert np.deposit_contract.depositCount() == 1
    assert np.deposit_pool.getBalance() == 7 * ETH
    assert np.deposit_pool.getNodeBalance() == 7 * ETH
    assert np.minipool_queue.getLength() == 1
    assert np.minipool_queue.getMinipoolAt(0) == address
    assert np.minipool_manager.getNodeETHMatched(node) == 24 * ETH
    assert np.minipool_manager.getNodeETHProvided(node) == 8 * ETH
    assert np.minipool_manager.getNodeActiveMinipoolCount(node) == 1
    assert np.minipool_manager.getNodeMinipoolAt(node, 0) == address
    assert np.minipool_manager.getMinipoolByPubkey(minipool.getValidatorPubkey()) == address


def test_pre_deposit_uses_the_minipool_withdrawal_credentials(np, node):
    np.create_minipool(node)
    (event,) = events(np.node_deposit, "DepositEvent")
    address = np.expected_minipool_address(node, 0)
    assert bytes(event.withdrawal_credentials) == minipool_withdrawal_credentials(address)
    assert bytes(event.amount) == (10**9).to_bytes(8, "little")  # 1 ETH in gwei
    credentials = np.minipool_at(address).getWithdrawalCredentials()
    assert bytes(credentials) == minipool_withdrawal_credentials(address)


@pytest.mark.parametrize("bond", [8, 16])
def test_deposit_with_pool_ETH_assigns_at_once(np, node, bond):
    fund_pool(np, 32 - bond)
    pool_before = np.deposit_pool.getBalance()
    minipool = np.create_minipool(node, bond=bond)
    assert minipool.getStatus() == PRELAUNCH
    assert minipool.getUserDepositBalance() == (32 - bond) * ETH
    assert minipool.getNodeDepositBalance() == bond * ETH
    assert np.balance(minipool) == 31 * ETH
    # The pool gained bond - 1 and paid 31.
    assert np.deposit_pool.getBalance() == pool_before + (bond - 1) * ETH - 31 * ETH
    assert np.deposit_pool.getNodeBalance() == 0
    assert np.minipool_queue.getLength() == 0
    assert np.minipool_manager.getNodeETHMatched(node) == (32 - bond) * ETH


def test_python_address_matches_the_created_address(np, node):
    for salt in (0, 1, 2**255 + 7):
        expected = np.expected_minipool_address(node, salt)
        minipool = np.create_minipool(node, salt=salt)
        assert minipool.address == expected
    # A different node with the same salt gets a different address.
    assert np.expected_minipool_address(np.node_operators[1], 0) != np.expected_minipool_address(
        node, 0
    )


def test_network_fee_is_the_target_clamped(np, node):
    settings = np.settings
    settings.setSettingUint("network.node.fee.target", 18 * 10**16, sender=np.guardian)
    assert np.node_deposit.getNodeFee() == 14 * 10**16  # clamped to the maximum
    settings.setSettingUint("network.node.fee.maximum", 20 * 10**16, sender=np.guardian)
    assert np.node_deposit.getNodeFee() == 18 * 10**16
    settings.setSettingUint("network.node.fee.target", 5 * 10**16, sender=np.guardian)
    assert np.node_deposit.getNodeFee() == 14 * 10**16  # clamped to the minimum
    assert np.node_deposit.getDepositAmounts() == [16 * ETH, 8 * ETH]
    assert np.node_deposit.isValidDepositAmount(8 * ETH)
    assert not np.node_deposit.isValidDepositAmount(12 * ETH)


def test_fee_floor_equal_to_network_fee_is_accepted(np, node):
    args = deposit_args(np, node)
    args[1] = FEE
    np.node_deposit.deposit(*args, value=8 * ETH, sender=node)
    assert np.minipool_manager.getNodeMinipoolCount(node) == 1


def test_eth_matched_limit_exactly_met_is_accepted(np, node, mock_staking):
    mock_staking.setETHMatchedLimit(node, 24 * ETH, sender=np.guardian)
    np.create_minipool(node)
    assert np.minipool_manager.getNodeETHMatched(node) == 24 * ETH


# ------------------------------------------------------------ refusals
def assert_refused(protocol, operator, args, value, reason, method="deposit"):
    before = snapshot(protocol, operator, args[-1])
    with boa.reverts(reason):
        getattr(protocol.node_deposit, method)(*args, value=value, sender=operator)
    assert snapshot(protocol, operator, args[-1]) == before


@pytest.mark.parametrize("bond_wei", [0, 7 * ETH, 8 * ETH - 1, 12 * ETH, 32 * ETH])
def test_wrong_bond_reverts(np, node, bond_wei):
    args = deposit_args(np, node)
    args[0] = bond_wei
    assert_refused(np, node, args, bond_wei, "node deposit: invalid bond amount")


def test_value_not_matching_bond_reverts(np, node):
    args = deposit_args(np, node)
    assert_refused(np, node, args, 16 * ETH, "node deposit: value does not match bond amount")
    assert_refused(np, node, args, 8 * ETH - 1, "node deposit: value does not match bond amount")


def test_unregistered_node_reverts(np):
    stranger = np.node_operators[2]
    args = deposit_args(np, stranger)
    assert_refused(np, stranger, args, 8 * ETH, "node deposit: node not registered")


def test_node_deposits_disabled_reverts(np, node):
    np.settings.setSettingBool("node.deposit.enabled", False, sender=np.guardian)
    args = deposit_args(np, node)
    assert_refused(np, node, args, 8 * ETH, "node deposit: node deposits are disabled")


def test_fee_floor_above_network_fee_reverts(np, node):
    args = deposit_args(np, node)
    args[1] = FEE + 1
    assert_refused(
        np, node, args, 8 * ETH, "node deposit: minimum node fee exceeds network node fee"
    )


def test_eth_matched_limit_exceeded_reverts(np, node, mock_staking):
    mock_staking.setETHMatchedLimit(node, 24 * ETH - 1, sender=np.guardian)
    args = deposit_args(np, node)
    assert_refused(np, node, args, 8 * ETH, "node deposit: insufficient RPL stake")
    # A 16 ETH bond needs only 16 ETH matched.
    args[0] = 16 * ETH
    np.node_deposit.deposit(*args, value=16 * ETH, sender=node)
    assert np.minipool_manager.getNodeETHMatched(node) == 16 * ETH


def test_limit_counts_existing_minipools(np, node, mock_staking):
    mock_staking.setETHMatchedLimit(node, 40 * ETH, sender=np.guardian)
    np.create_minipool(node, bond=16)  # 16 matched
    np.create_minipool(node, bond=8)  # 40 matched: exactly the limit
    args = deposit_args(np, node, bond_eth=16, salt=2)
    assert_refused(np, node, args, 16 * ETH, "node deposit: insufficient RPL stake")


def test_wrong_expected_address_reverts(np, node):
    wrong = np.expected_minipool_address(node, 1)
    args = deposit_args(np, node, salt=0, address=wrong)
    assert_refused(np, node, args, 8 * ETH, "node deposit: unexpected minipool address")


def test_same_salt_twice_reverts(np, node):
    np.create_minipool(node, salt=5)
    args = deposit_args(np, node, salt=5, seed="another key")
    assert_refused(np, node, args, 8 * ETH, "node deposit: minipool address already used")


def test_same_address_reached_without_the_check_reverts_with_a_reason(np, node):
    """Expecting an unused address while aiming at a used salt: the manager says why."""
    np.create_minipool(node, salt=3)
    args = deposit_args(np, node, salt=3, address=np.expected_minipool_address(node, 4))
    args[2:5] = deposit_args(np, node, salt=4)[2:5]
    assert_refused(np, node, args, 8 * ETH, "minipool manager: minipool address already used")


def test_destroyed_address_can_never_be_used_again(np, node):
    fund_pool(np, 24)
    minipool = np.create_minipool(node, salt=9)
    boa.env.time_travel(seconds=np.settings.getLaunchTimeout())
    minipool.dissolve()
    minipool.close(sender=node)
    assert minipool.getStatus() == DISSOLVED
    assert np.minipool_manager.getMinipoolDestroyed(minipool.address)
    args = deposit_args(np, node, salt=9, seed="fresh key")
    assert_refused(np, node, args, 8 * ETH, "node deposit: minipool address already used")


def test_reused_validator_pubkey_reverts(np, node):
    np.create_minipool(node, salt=0)
    address = np.expected_minipool_address(node, 1)
    args = deposit_args(np, node, salt=1, seed=0)  # same key as salt 0
    args[-1] = address
    assert_refused(np, node, args, 8 * ETH, "minipool manager: validator pubkey already in use")


def test_invalid_deposit_data_reverts(np, node):
    args = deposit_args(np, node)
    args[4] = b"\x11" * 32
    assert_refused(np, node, args, 8 * ETH, "deposit contract: reconstructed root does not match")


def test_credentials_for_another_address_are_refused(np, node):
    """A root built for other withdrawal credentials does not match the minipool's."""
    args = deposit_args(np, node)
    other = np.deposit_data(node, np.expected_minipool_address(node, 1), ETH, 0)
    args[4] = other.root
    assert_refused(np, node, args, 8 * ETH, "deposit contract: reconstructed root does not match")


def test_default_only_accepts_the_deposit_pool(np, node):
    with pytest.raises(Exception) as refused:
        boa.env.raw_call(np.node_deposit.address, sender=node, value=ETH)
    assert b"node deposit: caller is not the deposit pool" in refused.value.args[0]
    assert np.balance(np.node_deposit) == 0


def test_manager_mutators_are_guarded(np, node):
    manager = np.minipool_manager
    with boa.reverts("minipool manager: caller is not node deposit"):
        manager.createMinipool(node, 0, 8 * ETH, FEE, b"\x01" * 48, sender=node)
    with boa.reverts("minipool manager: caller is not a registered minipool"):
        manager.incrementNodeStakingMinipoolCount(sender=node)
    with boa.reverts("minipool manager: caller is not a registered minipool"):
        manager.incrementNodeFinalisedMinipoolCount(sender=node)
    with boa.reverts("minipool manager: caller is not a registered minipool"):
        manager.destroyMinipool(sender=node)
    minipool = np.create_minipool(node)
    with boa.reverts("minipool manager: caller is not the bond reducer"):
        manager.updateMinipoolBond(minipool.address, 8 * ETH, sender=node)


# ------------------------------------------------------------ deposit credit
def test_only_the_bond_reducer_adds_credit(np, node):
    with boa.reverts("node deposit: caller is not the bond reducer"):
        np.node_deposit.increaseDepositCreditBalance(node, ETH, sender=node)
    credit(np, node, 8 * ETH)
    assert np.node_deposit.getDepositCredit(node) == 8 * ETH


def test_deposit_with_credit_and_no_value(np, node):
    fund_pool(np, 40)
    credit(np, node, 8 * ETH)
    pool_before = np.deposit_pool.getBalance()
    node_before = np.balance(node)
    minipool = np.create_minipool(node, credit=True, value=0)
    (used,) = events(np.node_deposit, "DepositCreditUsed")
    assert used.amount == 8 * ETH
    assert np.node_deposit.getDepositCredit(node) == 0
    assert np.balance(node) == node_before
    assert minipool.getStatus() == PRELAUNCH
    assert minipool.getNodeDepositBalance() == 8 * ETH
    # The pool paid the 1 ETH pre-deposit and the 31 ETH assignment.
    assert np.deposit_pool.getBalance() == pool_before - ETH - 31 * ETH
    assert np.deposit_pool.getNodeBalance() == 0
    assert np.balance(np.deposit_contract) == ETH
    assert np.balance(np.node_deposit) == 0


@pytest.mark.parametrize("value_eth", ["0.5", "1", "4"])
def test_deposit_with_partial_credit(np, node, value_eth):
    from decimal import Decimal

    value = int(Decimal(value_eth) * ETH)
    credit(np, node, 16 * ETH)
    # Granted credit is the node's claim on the pool: node balance, not users'.
    assert np.deposit_pool.getNodeBalance() == 16 * ETH
    fund_pool(np, 10)
    pool_before = np.deposit_pool.getBalance()
    users_before = np.deposit_pool.getUserBalance()
    assert users_before == pool_before - 16 * ETH
    np.create_minipool(node, bond=8, credit=True, value=value)
    assert np.node_deposit.getDepositCredit(node) == 16 * ETH - (8 * ETH - value)
    # The pool keeps what was sent beyond the 1 ETH pre-deposit (or pays the
    # pre-deposit's shortfall from the node balance); the node balance is now
    # the queued bond less 1 ETH plus the credit left, and the users' part of
    # the pool has not changed.
    assert np.deposit_pool.getBalance() == pool_before + value - ETH
    assert np.deposit_pool.getNodeBalance() == 7 * ETH + np.node_deposit.getDepositCredit(node)
    assert np.deposit_pool.getUserBalance() == users_before
    assert np.balance(np.deposit_contract) == ETH
    assert np.balance(np.node_deposit) == 0


def test_deposit_with_credit_refusals(np, node):
    fund_pool(np, 10)
    credit(np, node, 4 * ETH)
    args = deposit_args(np, node)
    assert_refused(
        np, node, args, 9 * ETH, "node deposit: value exceeds bond amount", "depositWithCredit"
    )
    assert_refused(
        np,
        node,
        args,
        4 * ETH - 1,
        "node deposit: insufficient deposit credit",
        "depositWithCredit",
    )
    np.node_deposit.depositWithCredit(*args, value=4 * ETH, sender=node)
    assert np.node_deposit.getDepositCredit(node) == 0


def test_usable_credit_is_capped_by_the_pool(np, node):
    credit(np, node, 8 * ETH)
    fund_pool(np, 5)
    assert np.node_deposit.getNodeUsableCredit(node) == 5 * ETH
    args = deposit_args(np, node)
    assert_refused(
        np, node, args, 0, "node deposit: insufficient deposit credit", "depositWithCredit"
    )
    np.node_deposit.depositWithCredit(*args, value=3 * ETH, sender=node)
    assert np.node_deposit.getDepositCredit(node) == 3 * ETH


def test_deposit_with_credit_sending_the_whole_bond_uses_no_credit(np, node):
    credit(np, node, 8 * ETH)
    np.create_minipool(node, credit=True, value=8 * ETH)
    assert np.node_deposit.getDepositCredit(node) == 8 * ETH
