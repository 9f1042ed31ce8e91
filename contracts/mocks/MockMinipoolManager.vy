# pragma version ~=0.4.3
"""
@title Minipool manager test double
@notice Implements the minipool manager interface the RPL side reads, with
        the guardian setting each node's matched and provided ETH and which
        addresses are minipools. The contract registered as "mockMinipool"
        always counts as a minipool, so tests can slash through it. For unit
        tests only; never deployed by the protocol.
"""

from ..interfaces import IRocketMinipoolManager

implements: IRocketMinipoolManager

from ..interfaces import IRocketStorage


# @dev Immutables
# The double keeps its own directory handle instead of `initializes:
# rocket_base`: absolute imports inside rocket_base do not resolve from
# contracts/mocks/.
ROCKET_STORAGE: public(immutable(IRocketStorage))


# @dev Storage
_minipool_exists: HashMap[address, bool]
_node_eth_matched: HashMap[address, uint256]
_node_eth_provided: HashMap[address, uint256]
_node_active_minipool_count: HashMap[address, uint256]


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)


@external
def setMinipoolExists(minipool: address, exists: bool):
    """
    @notice Marks an address as a registered minipool or not. Guardian only.
    @param minipool The address.
    @param exists Whether it counts as a minipool.
    """
    self._only_guardian()
    self._minipool_exists[minipool] = exists


@external
def setNodeETHMatched(node_address: address, amount: uint256):
    """
    @notice Sets the depositor ETH matched with a node. Guardian only.
    @param node_address The node.
    @param amount ETH in wei.
    """
    self._only_guardian()
    self._node_eth_matched[node_address] = amount


@external
def setNodeETHProvided(node_address: address, amount: uint256):
    """
    @notice Sets the ETH a node bonded. Guardian only.
    @param node_address The node.
    @param amount ETH in wei.
    """
    self._only_guardian()
    self._node_eth_provided[node_address] = amount


@external
def setNodeActiveMinipoolCount(node_address: address, count: uint256):
    """
    @notice Sets a node's active minipool count. Guardian only.
    @param node_address The node.
    @param count The count.
    """
    self._only_guardian()
    self._node_active_minipool_count[node_address] = count


@external
@view
def getMinipoolExists(minipool: address) -> bool:
    """
    @notice Whether the address is a minipool: marked so, or the contract
            registered as "mockMinipool".
    @param minipool The address.
    @return True if it counts as a minipool.
    """
    if self._minipool_exists[minipool]:
        return True
    return staticcall ROCKET_STORAGE.getAddress("mockMinipool") == minipool


@external
@view
def getNodeETHMatched(node_address: address) -> uint256:
    """
    @notice The depositor ETH matched with the node, as set.
    @param node_address The node.
    @return ETH in wei.
    """
    return self._node_eth_matched[node_address]


@external
@view
def getNodeETHProvided(node_address: address) -> uint256:
    """
    @notice The ETH the node bonded, as set.
    @param node_address The node.
    @return ETH in wei.
    """
    return self._node_eth_provided[node_address]


@external
@view
def getNodeActiveMinipoolCount(node_address: address) -> uint256:
    """
    @notice The node's active minipool count, as set.
    @param node_address The node.
    @return The count.
    """
    return self._node_active_minipool_count[node_address]


@internal
@view
def _only_guardian():
    assert (
        msg.sender == staticcall ROCKET_STORAGE.guardian()
    ), "mock minipool manager: caller is not the guardian"
