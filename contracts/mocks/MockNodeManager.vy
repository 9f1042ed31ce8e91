# pragma version ~=0.4.3
"""
@title Node manager test double
@notice Implements the node manager interface the RPL side reads, with the
        guardian deciding which nodes exist and where their RPL goes. For
        unit tests of node staking and the fee distributor only; never
        deployed by the protocol.
"""

from ..interfaces import IRocketNodeManager
from ..interfaces import IRocketNodeManagerFees

implements: IRocketNodeManager
implements: IRocketNodeManagerFees

from ..interfaces import IRocketStorage


# @dev Immutables
# The double keeps its own directory handle instead of `initializes:
# rocket_base`: absolute imports inside rocket_base do not resolve from
# contracts/mocks/.
ROCKET_STORAGE: public(immutable(IRocketStorage))


# @dev Storage
_node_exists: HashMap[address, bool]
_withdrawal_address: HashMap[address, address]
_average_fee: HashMap[address, uint256]


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
def setAverageNodeFee(node_address: address, fee: uint256):
    """
    @notice Sets the average fee a node's distributor splits by. Guardian
            only.
    @param node_address The node.
    @param fee A fraction of 1e18.
    """
    self._only_guardian()
    self._average_fee[node_address] = fee


@external
@view
def getAverageNodeFee(node_address: address) -> uint256:
    """
    @notice The average fee the guardian set for the node.
    @param node_address The node.
    @return A fraction of 1e18.
    """
    return self._average_fee[node_address]


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
