# pragma version ~=0.4.3
"""
@title Node manager test double
@notice Implements the node manager interface the RPL side reads, with the
        guardian deciding which nodes exist and where their RPL goes. For
        unit tests of node staking only; never deployed by the protocol.
"""

from ..interfaces import IRocketNodeManager

implements: IRocketNodeManager

from ..interfaces import IRocketStorage


# @dev Immutables
# The double keeps its own directory handle instead of `initializes:
# rocket_base`: absolute imports inside rocket_base do not resolve from
# contracts/mocks/.
ROCKET_STORAGE: public(immutable(IRocketStorage))


# @dev Storage
_node_exists: HashMap[address, bool]
_withdrawal_address: HashMap[address, address]


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)


@external
def setNodeExists(node_address: address, exists: bool):
    """
    @notice Registers or unregisters a node. Guardian only.
    @param node_address The node.
    @param exists Whether it is registered.
    """
    self._only_guardian()
    self._node_exists[node_address] = exists


@external
def setWithdrawalAddress(node_address: address, withdrawal_address: address):
    """
    @notice Sets a node's withdrawal address. Guardian only.
    @param node_address The node.
    @param withdrawal_address Where its withdrawn RPL goes.
    """
    self._only_guardian()
    self._withdrawal_address[node_address] = withdrawal_address


@external
@view
def getNodeExists(node_address: address) -> bool:
    """
    @notice Whether the node is registered.
    @param node_address The node.
    @return True if registered.
    """
    return self._node_exists[node_address]


@external
@view
def getNodeWithdrawalAddress(node_address: address) -> address:
    """
    @notice The node's withdrawal address; the node itself until one is
            set, as in the reference.
    @param node_address The node.
    @return The withdrawal address.
    """
    withdrawal_address: address = self._withdrawal_address[node_address]
    if withdrawal_address == empty(address):
        return node_address
    return withdrawal_address


@internal
@view
def _only_guardian():
    assert (
        msg.sender == staticcall ROCKET_STORAGE.guardian()
    ), "mock node manager: caller is not the guardian"
