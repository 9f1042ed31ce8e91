# pragma version ~=0.4.3
"""
@title Rocket Pool node distributor factory
@notice Makes each node's fee distributor: an EIP-1167 minimal proxy to
        "rocketNodeDistributorDelegate" at a CREATE2 address that depends
        only on this factory, the node and the delegate, so anyone can know
        a node's distributor (`getProxyAddress`) before it exists, and a
        node's validators can name it as fee recipient. The node manager
        creates it when the node registers.
@dev v1.3.1 deploys a small proxy contract that looks the delegate up in
     the directory on every call; here the delegate is fixed in the proxy's
     code when it is created, which is the same while the directory is
     locked. Moves no ETH, so it carries no reentrancy lock.
"""

from interfaces import IRocketNodeDistributor
from interfaces import IRocketNodeDistributorFactory

implements: IRocketNodeDistributorFactory

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
# Vyper's `create_minimal_proxy_to` init code around the target: the loader,
# then the EIP-1167 forwarder's code before and after the 20-byte target.
PROXY_LOADER: constant(bytes9) = 0x602D3D8160093D39F3
PROXY_PREFIX: constant(bytes10) = 0x363D3D373D3D3D363D73
PROXY_SUFFIX: constant(bytes15) = 0x5AF43D82803E903D91602B57FD5BF3


# @dev Events
event ProxyCreated:
    proxyAddress: indexed(address)
    nodeAddress: indexed(address)


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


@external
@view
def getProxyAddress(node_address: address) -> address:
    """
    @notice The address of `node_address`'s distributor, whether or not it
            has been created yet.
    @param node_address The node.
    @return The CREATE2 address.
    """
    init_code_hash: bytes32 = keccak256(
        concat(
            PROXY_LOADER,
            PROXY_PREFIX,
            convert(self._delegate(), bytes20),
            PROXY_SUFFIX,
        )
    )
    digest: bytes32 = keccak256(
        concat(
            b"\xff",
            convert(self, bytes20),
            self._salt(node_address),
            init_code_hash,
        )
    )
    return convert(
        convert(
            convert(digest, uint256) & convert(max_value(uint160), uint256),
            uint160,
        ),
        address,
    )


@external
def createProxy(node_address: address):
    """
    @notice Creates and initialises `node_address`'s distributor at
            `getProxyAddress(node_address)`. Node manager only.
    @param node_address The node.
    """
    assert rocket_base._is_contract(
        "rocketNodeManager", msg.sender
    ), "node distributor factory: caller is not the node manager"
    # @dev CREATE2 fails only where code already is: say so.
    proxy: address = create_minimal_proxy_to(
        self._delegate(),
        salt=self._salt(node_address),
        revert_on_failure=False,
    )
    assert proxy != empty(
        address
    ), "node distributor factory: distributor already exists"
    extcall IRocketNodeDistributor(proxy).initialise(node_address)
    log ProxyCreated(proxyAddress=proxy, nodeAddress=node_address)


# @dev Internal functions
@internal
@view
def _delegate() -> address:
    return rocket_base._contract("rocketNodeDistributorDelegate")


@internal
@pure
def _salt(node_address: address) -> bytes32:
    return keccak256(abi_encode(node_address))
