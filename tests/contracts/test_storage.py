"""RocketStorage: the contract directory, as deployed and on a fresh instance.

The deployed directory must hold every network contract under its reference
name and be locked; a fresh instance, deployed straight from the source, lets
the tests exercise registration before the lock.
"""

from __future__ import annotations

import boa
import pytest

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR, NETWORK_CONTRACTS
from tests.helpers import events, only_event

ZERO = "0x0000000000000000000000000000000000000000"
STORAGE_SOURCE = str(DEFAULT_CONTRACTS_DIR / "RocketStorage.vy")


@pytest.fixture
def guardian():
    return boa.env.generate_address("fresh_storage_guardian")


@pytest.fixture
def fresh(guardian):
    """A RocketStorage deployed by ``guardian``, not yet locked, with nothing registered."""
    with boa.env.prank(guardian):
        return boa.load_partial(STORAGE_SOURCE).deploy()


def _addr(name: str) -> str:
    return boa.env.generate_address(name)


# --- the deployed directory ------------------------------------------------------------


@pytest.mark.parametrize("spec", NETWORK_CONTRACTS, ids=lambda spec: spec.name)
def test_every_network_contract_is_registered_under_its_name(p, spec):
    contract = getattr(p, spec.attr)
    assert p.storage.getAddress(spec.name) == contract.address
    assert p.storage.getName(contract.address) == spec.name
    assert p.storage.getContractExists(contract.address) is True


@pytest.mark.parametrize(
    "spec", [s for s in NETWORK_CONTRACTS if s.kind == "network"], ids=lambda spec: spec.name
)
def test_every_network_contract_points_at_the_directory(p, spec):
    # The beacon deposit contract and the minipool blueprint take no directory.
    assert getattr(p, spec.attr).ROCKET_STORAGE() == p.storage.address


def test_facade_contracts_are_registered(p):
    assert p.storage.getAddress("rocketVault") == p.vault.address
    assert p.storage.getAddress("rocketDAOProtocolSettings") == p.settings.address
    assert p.storage.getAddress("rocketDAONodeTrusted") == p.odao.address
    assert p.storage.getAddress("rocketNetworkPrices") == p.network_prices.address
    assert p.storage.getAddress("rocketMinipoolQueue") == p.minipool_queue.address
    assert p.storage.getName(p.vault.address) == "rocketVault"
    assert p.storage.getName(p.minipool_queue.address) == "rocketMinipoolQueue"


def test_registered_addresses_are_distinct(p):
    addresses = [p.storage.getAddress(spec.name) for spec in NETWORK_CONTRACTS]
    assert len(set(addresses)) == len(NETWORK_CONTRACTS)


def test_unknown_names_and_addresses_are_empty(p, stranger):
    assert p.storage.getAddress("rocketNoSuchContract") == ZERO
    assert p.storage.getAddress("") == ZERO
    assert p.storage.getName(stranger) == ""
    assert p.storage.getContractExists(stranger) is False
    assert p.storage.getName(p.storage.address) == ""
    assert p.storage.getContractExists(ZERO) is False


def test_deployed_directory_has_the_deploying_guardian(p):
    assert p.storage.guardian() == p.guardian


def test_deployed_directory_is_locked(p):
    assert p.storage.getDeployedStatus() is True


def test_guardian_cannot_register_after_the_lock(p, stranger):
    with boa.reverts("rocket storage: directory is locked"):
        p.storage.setContract("rocketIntruder", stranger, sender=p.guardian)
    assert p.storage.getAddress("rocketIntruder") == ZERO
    assert p.storage.getName(stranger) == ""


def test_guardian_cannot_replace_a_contract_after_the_lock(p, stranger):
    with boa.reverts("rocket storage: directory is locked"):
        p.storage.setContract("rocketVault", stranger, sender=p.guardian)
    assert p.storage.getAddress("rocketVault") == p.vault.address
    assert p.storage.getName(p.vault.address) == "rocketVault"
    assert p.storage.getContractExists(stranger) is False


def test_guardian_cannot_lock_twice(p):
    with boa.reverts("rocket storage: directory is locked"):
        p.storage.setDeployedStatus(sender=p.guardian)
    assert p.storage.getDeployedStatus() is True


def test_non_guardian_cannot_register_on_the_deployed_directory(p, stranger, depositor):
    for caller in (stranger, depositor, p.odao_members[0]):
        with boa.reverts("rocket storage: caller is not the guardian"):
            p.storage.setContract("rocketVault", stranger, sender=caller)
    assert p.storage.getAddress("rocketVault") == p.vault.address


def test_non_guardian_cannot_lock_the_deployed_directory(p, stranger):
    with boa.reverts("rocket storage: caller is not the guardian"):
        p.storage.setDeployedStatus(sender=stranger)
    assert p.storage.getDeployedStatus() is True


# --- a fresh directory -----------------------------------------------------------------


def test_fresh_directory_is_unlocked_and_empty(fresh, guardian):
    assert fresh.guardian() == guardian
    assert fresh.getDeployedStatus() is False
    assert fresh.getAddress("rocketVault") == ZERO


def test_guardian_registers_a_contract(fresh, guardian):
    vault = _addr("vault")
    fresh.setContract("rocketVault", vault, sender=guardian)
    ev = only_event(fresh, "ContractRegistered")
    assert (ev.name, ev.addr) == ("rocketVault", vault)
    assert ev.address == fresh.address
    assert fresh.getAddress("rocketVault") == vault
    assert fresh.getName(vault) == "rocketVault"
    assert fresh.getContractExists(vault) is True


def test_replacing_a_name_clears_the_old_address(fresh, guardian):
    old, new = _addr("old_vault"), _addr("new_vault")
    fresh.setContract("rocketVault", old, sender=guardian)
    fresh.setContract("rocketVault", new, sender=guardian)
    ev = only_event(fresh, "ContractRegistered")
    assert (ev.name, ev.addr) == ("rocketVault", new)
    assert fresh.getAddress("rocketVault") == new
    assert fresh.getName(new) == "rocketVault"
    assert fresh.getName(old) == ""
    assert fresh.getContractExists(old) is False
    assert fresh.getContractExists(new) is True


def test_a_replaced_address_may_be_registered_again_under_another_name(fresh, guardian):
    old, new = _addr("old_vault"), _addr("new_vault")
    fresh.setContract("rocketVault", old, sender=guardian)
    fresh.setContract("rocketVault", new, sender=guardian)
    fresh.setContract("rocketDepositPool", old, sender=guardian)
    assert fresh.getName(old) == "rocketDepositPool"
    assert fresh.getAddress("rocketDepositPool") == old
    assert fresh.getAddress("rocketVault") == new


def test_zero_address_is_refused(fresh, guardian):
    with boa.reverts("rocket storage: zero address"):
        fresh.setContract("rocketVault", ZERO, sender=guardian)
    assert fresh.getAddress("rocketVault") == ZERO
    assert fresh.getName(ZERO) == ""


def test_empty_name_is_refused(fresh, guardian):
    vault = _addr("vault")
    with boa.reverts("rocket storage: empty name"):
        fresh.setContract("", vault, sender=guardian)
    assert fresh.getName(vault) == ""
    assert fresh.getContractExists(vault) is False
    assert fresh.getAddress("") == ZERO


def test_one_address_cannot_hold_two_names(fresh, guardian):
    vault = _addr("vault")
    fresh.setContract("rocketVault", vault, sender=guardian)
    with boa.reverts("rocket storage: address already registered"):
        fresh.setContract("rocketDepositPool", vault, sender=guardian)
    assert fresh.getAddress("rocketDepositPool") == ZERO
    assert fresh.getName(vault) == "rocketVault"


def test_re_registering_the_same_pair_is_refused(fresh, guardian):
    vault = _addr("vault")
    fresh.setContract("rocketVault", vault, sender=guardian)
    with boa.reverts("rocket storage: address already registered"):
        fresh.setContract("rocketVault", vault, sender=guardian)
    assert fresh.getAddress("rocketVault") == vault
    assert fresh.getName(vault) == "rocketVault"


def test_non_guardian_cannot_register_or_lock(fresh, stranger):
    with boa.reverts("rocket storage: caller is not the guardian"):
        fresh.setContract("rocketVault", stranger, sender=stranger)
    with boa.reverts("rocket storage: caller is not the guardian"):
        fresh.setDeployedStatus(sender=stranger)
    assert fresh.getAddress("rocketVault") == ZERO
    assert fresh.getDeployedStatus() is False


def test_locking_logs_the_guardian_and_freezes_the_directory(fresh, guardian):
    vault = _addr("vault")
    fresh.setContract("rocketVault", vault, sender=guardian)
    fresh.setDeployedStatus(sender=guardian)
    ev = only_event(fresh, "DeployedStatusSet")
    assert ev.guardian == guardian
    assert ev.address == fresh.address
    assert fresh.getDeployedStatus() is True
    with boa.reverts("rocket storage: directory is locked"):
        fresh.setContract("rocketDepositPool", _addr("pool"), sender=guardian)
    with boa.reverts("rocket storage: directory is locked"):
        fresh.setContract("rocketVault", _addr("new_vault"), sender=guardian)
    assert fresh.getAddress("rocketVault") == vault
    assert fresh.getAddress("rocketDepositPool") == ZERO


def test_a_refused_registration_logs_nothing(fresh, guardian):
    with boa.reverts("rocket storage: zero address"):
        fresh.setContract("rocketVault", ZERO, sender=guardian)
    assert events(fresh, "ContractRegistered") == []
