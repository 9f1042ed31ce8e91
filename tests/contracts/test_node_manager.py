"""RocketNodeManager: registration and the two-step withdrawal address."""

from __future__ import annotations

import boa
import pytest

from tests.helpers import events

ZERO = "0x0000000000000000000000000000000000000000"


@pytest.fixture
def operator(np):
    return np.node_operators[0]


@pytest.fixture
def new_address():
    return boa.env.generate_address("new_withdrawal_address")


def test_register_records_the_node(np, operator):
    manager = np.node_manager
    assert not manager.getNodeExists(operator)
    manager.registerNode("Europe/Berlin", sender=operator)
    (event,) = events(manager, "NodeRegistered")
    assert event.node == operator
    assert manager.getNodeExists(operator)
    assert manager.getNodeCount() == 1
    assert manager.getNodeAt(0) == operator
    assert manager.getNodeTimezoneLocation(operator) == "Europe/Berlin"
    assert manager.getNodeRegistrationTime(operator) == boa.env.evm.patch.timestamp


def test_register_twice_reverts_and_changes_nothing(np, operator):
    np.register_node(operator)
    with boa.reverts("node manager: node already registered"):
        np.node_manager.registerNode("Asia/Tokyo", sender=operator)
    assert np.node_manager.getNodeCount() == 1
    assert np.node_manager.getNodeTimezoneLocation(operator) == "Etc/UTC"


def test_register_when_disabled_reverts(np, operator):
    np.settings.setSettingBool("node.registration.enabled", False, sender=np.guardian)
    with boa.reverts("node manager: registration is disabled"):
        np.node_manager.registerNode("Etc/UTC", sender=operator)
    assert not np.node_manager.getNodeExists(operator)
    assert np.node_manager.getNodeCount() == 0


def test_register_with_short_timezone_reverts(np, operator):
    with boa.reverts("node manager: invalid timezone location"):
        np.node_manager.registerNode("UTC", sender=operator)


def test_get_node_at_out_of_range_reverts(np, operator):
    np.register_node(operator)
    with boa.reverts("node manager: index out of range"):
        np.node_manager.getNodeAt(1)


def test_set_timezone(np, operator):
    np.register_node(operator)
    np.node_manager.setTimezoneLocation("America/New_York", sender=operator)
    assert np.node_manager.getNodeTimezoneLocation(operator) == "America/New_York"
    with boa.reverts("node manager: node not registered"):
        np.node_manager.setTimezoneLocation("America/New_York", sender=np.node_operators[1])


def test_withdrawal_address_defaults_to_the_node(np, operator):
    np.register_node(operator)
    assert np.node_manager.getNodeWithdrawalAddress(operator) == operator
    assert np.node_manager.getNodePendingWithdrawalAddress(operator) == ZERO


def test_withdrawal_address_two_steps(np, operator, new_address):
    manager = np.node_manager
    np.register_node(operator)
    manager.setWithdrawalAddress(operator, new_address, False, sender=operator)
    assert events(manager, "NodeWithdrawalAddressSet") == []
    assert len(events(manager, "NodePendingWithdrawalAddressSet")) == 1
    assert manager.getNodePendingWithdrawalAddress(operator) == new_address
    assert manager.getNodeWithdrawalAddress(operator) == operator

    with boa.reverts("node manager: caller is not the pending withdrawal address"):
        manager.confirmWithdrawalAddress(operator, sender=operator)
    manager.confirmWithdrawalAddress(operator, sender=new_address)
    (event,) = events(manager, "NodeWithdrawalAddressSet")
    assert (event.node, event.withdrawalAddress) == (operator, new_address)
    assert manager.getNodeWithdrawalAddress(operator) == new_address
    assert manager.getNodePendingWithdrawalAddress(operator) == ZERO


def test_withdrawal_address_confirmed_at_once(np, operator, new_address):
    np.register_node(operator)
    np.node_manager.setWithdrawalAddress(operator, new_address, True, sender=operator)
    assert np.node_manager.getNodeWithdrawalAddress(operator) == new_address


def test_current_withdrawal_address_may_change_it(np, operator, new_address):
    manager = np.node_manager
    np.register_node(operator)
    manager.setWithdrawalAddress(operator, new_address, True, sender=operator)
    third = boa.env.generate_address("third")
    manager.setWithdrawalAddress(operator, third, True, sender=new_address)
    assert manager.getNodeWithdrawalAddress(operator) == third
    # The old withdrawal address has lost its say.
    with boa.reverts("node manager: caller is not the node or its withdrawal address"):
        manager.setWithdrawalAddress(operator, new_address, True, sender=new_address)


def test_stranger_cannot_set_withdrawal_address(np, operator, new_address):
    np.register_node(operator)
    with boa.reverts("node manager: caller is not the node or its withdrawal address"):
        np.node_manager.setWithdrawalAddress(operator, new_address, True, sender=new_address)
    assert np.node_manager.getNodeWithdrawalAddress(operator) == operator


def test_zero_withdrawal_address_reverts(np, operator):
    np.register_node(operator)
    with boa.reverts("node manager: invalid withdrawal address"):
        np.node_manager.setWithdrawalAddress(operator, ZERO, True, sender=operator)


def test_unregistered_node_has_no_withdrawal_address_to_set(np, operator, new_address):
    with boa.reverts("node manager: node not registered"):
        np.node_manager.setWithdrawalAddress(operator, new_address, True, sender=operator)
    with boa.reverts("node manager: node not registered"):
        np.node_manager.confirmWithdrawalAddress(operator, sender=new_address)
