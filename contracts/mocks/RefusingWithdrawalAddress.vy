# pragma version ~=0.4.3
"""
@title Withdrawal address that refuses ETH
@notice A contract a node can make its withdrawal address, whose fallback
        reverts on every payment. A minipool paying it must revert as a
        whole, with its own reason, rather than lose or strand the node's
        ETH. It can confirm itself as a node's pending withdrawal address
        (the two-step change); a node may also set it at once. For the
        fuzzing harness and tests only; never deployed by the protocol.
"""


# @dev Interfaces (inline, so the double compiles with its own directory
#      as the search path)
interface IRocketNodeManager:
    def confirmWithdrawalAddress(node_address: address): nonpayable


@external
@payable
def __default__():
    """
    @notice Refuses every payment (and every call it does not know).
    """
    raise "refusing withdrawal address: ETH refused"


@external
def confirmWithdrawalAddress(nodeManager: address, node_address: address):
    """
    @notice Confirms this contract as `node_address`'s withdrawal address,
            once the node has set it as pending. Anyone may ask: a test
            double.
    @param nodeManager The node manager holding the pending change.
    @param node_address The node.
    """
    extcall IRocketNodeManager(nodeManager).confirmWithdrawalAddress(
        node_address
    )
