# pragma version ~=0.4.3
"""
@title Rocket Pool contract directory
@notice Maps contract names ("rocketVault", "rocketDepositPool", ...) to
        addresses. The guardian writes it while deploying, then locks it
        for good; every network contract finds its peers here, and a
        privileged entry point accepts only the address registered under
        the name it expects.
"""

from interfaces import IRocketStorage

implements: IRocketStorage


# @dev Constants
MAX_NAME: constant(uint256) = 64


# @dev Storage
guardian: public(address)
_deployed: bool
_addresses: HashMap[String[MAX_NAME], address]
_names: HashMap[address, String[MAX_NAME]]


# @dev Events
event ContractRegistered:
    name: String[MAX_NAME]
    addr: indexed(address)


event DeployedStatusSet:
    guardian: indexed(address)


@deploy
def __init__():
    self.guardian = msg.sender


# @dev External functions
@external
def setContract(name: String[MAX_NAME], addr: address):
    """
    @notice Registers `addr` under `name`. Guardian only, before the lock.
    @param name The contract name, e.g. "rocketVault".
    @param addr The contract address; an address holds one name only.
    """
    assert (
        msg.sender == self.guardian
    ), "rocket storage: caller is not the guardian"
    assert not self._deployed, "rocket storage: directory is locked"
    assert addr != empty(address), "rocket storage: zero address"
    assert len(name) > 0, "rocket storage: empty name"
    assert (
        len(self._names[addr]) == 0
    ), "rocket storage: address already registered"
    previous: address = self._addresses[name]
    if previous != empty(address):
        self._names[previous] = ""
    self._addresses[name] = addr
    self._names[addr] = name
    log ContractRegistered(name=name, addr=addr)


@external
def setDeployedStatus():
    """
    @notice Locks the directory: no contract can be registered or replaced
            afterwards.
    """
    assert (
        msg.sender == self.guardian
    ), "rocket storage: caller is not the guardian"
    assert not self._deployed, "rocket storage: directory is locked"
    self._deployed = True
    log DeployedStatusSet(guardian=msg.sender)


@external
@view
def getDeployedStatus() -> bool:
    """
    @notice Whether the directory is locked.
    @return True once `setDeployedStatus` has been called.
    """
    return self._deployed


@external
@view
def getAddress(name: String[MAX_NAME]) -> address:
    """
    @notice The address registered under `name`.
    @param name The contract name.
    @return The address, or the zero address if none is registered.
    """
    return self._addresses[name]


@external
@view
def getName(addr: address) -> String[MAX_NAME]:
    """
    @notice The name `addr` is registered under.
    @param addr A contract address.
    @return The name, or "" for an address that is not a network contract.
    """
    return self._names[addr]


@external
@view
def getContractExists(addr: address) -> bool:
    """
    @notice Whether `addr` is a registered network contract.
    @param addr A contract address.
    @return True if it has a name in the directory.
    """
    return len(self._names[addr]) > 0
