# pragma version ~=0.4.3
"""
@title Rocket Pool network-contract base
@notice Every network contract `initializes:` this module with the
        directory's address, and uses it to find its peers by name and
        to admit privileged callers.
"""

from interfaces import IRocketStorage


# @dev Immutables
ROCKET_STORAGE: public(immutable(IRocketStorage))


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)


@internal
@view
def _contract(name: String[64]) -> address:
    """
    @dev The address registered under `name`; reverts if there is none, so a
         missing peer is a clear failure rather than a call to address zero.
    """
    addr: address = staticcall ROCKET_STORAGE.getAddress(name)
    assert addr != empty(address), "rocket base: contract not registered"
    return addr


@internal
@view
def _is_contract(name: String[64], addr: address) -> bool:
    return staticcall ROCKET_STORAGE.getAddress(name) == addr


@internal
@view
def _guardian() -> address:
    return staticcall ROCKET_STORAGE.guardian()
