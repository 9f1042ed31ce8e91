# pragma version ~=0.4.3
"""
@title Rocket Pool node manager
@notice Node operator registration, and each node's withdrawal address:
        where its minipools send the node's ETH. A withdrawal address is
        changed in two steps (set as pending, then confirmed by the new
        address) unless the caller confirms at once. Registering creates the
        node's fee distributor (when the deployment has a distributor
        factory), and the node's average fee, which splits what the
        distributor receives, is computed here.
@dev Moves no ETH, so it carries no reentrancy lock.
"""

from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketMinipoolManagerNetwork
from interfaces import IRocketNodeDistributorFactory
from interfaces import IRocketNodeManager
from interfaces import IRocketNodeManagerFees

implements: IRocketNodeManager
implements: IRocketNodeManagerFees

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
MAX_TIMEZONE: constant(uint256) = 64
# The shortest IANA name is "UTC"-like; the reference asks for 4 characters.
MIN_TIMEZONE: constant(uint256) = 4
ONE: constant(uint256) = 10**18
LAUNCH_BALANCE: constant(uint256) = 32 * 10**18
# The bonds a minipool can have, as v1.3.1's `getDepositAmounts`.
DEPOSIT_SIZES: constant(uint256[2]) = [16 * 10**18, 8 * 10**18]


# @dev Storage
_exists: HashMap[address, bool]
_nodes: DynArray[address, max_value(uint32)]
_timezone: HashMap[address, String[MAX_TIMEZONE]]
_registration_time: HashMap[address, uint256]
_withdrawal_address: HashMap[address, address]
_pending_withdrawal_address: HashMap[address, address]


# @dev Events
event NodeRegistered:
    node: indexed(address)
    time: uint256


event NodeTimezoneLocationSet:
    node: indexed(address)
    time: uint256


event NodeWithdrawalAddressSet:
    node: indexed(address)
    withdrawalAddress: indexed(address)
    time: uint256


event NodePendingWithdrawalAddressSet:
    node: indexed(address)
    pendingAddress: indexed(address)
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev Registration
@external
def registerNode(timezoneLocation: String[64]):
    """
    @notice Registers the caller as a node operator.
    @param timezoneLocation The node's IANA timezone, e.g. "Europe/Berlin".
    """
    assert staticcall IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    ).getRegistrationEnabled(), "node manager: registration is disabled"
    assert not self._exists[msg.sender], "node manager: node already registered"
    assert (
        len(timezoneLocation) >= MIN_TIMEZONE
    ), "node manager: invalid timezone location"
    self._exists[msg.sender] = True
    self._nodes.append(msg.sender)
    self._timezone[msg.sender] = timezoneLocation
    self._registration_time[msg.sender] = block.timestamp
    log NodeRegistered(node=msg.sender, time=block.timestamp)
    factory: address = staticcall rocket_base.ROCKET_STORAGE.getAddress(
        "rocketNodeDistributorFactory"
    )
    if factory != empty(address):
        extcall IRocketNodeDistributorFactory(factory).createProxy(msg.sender)


@external
def setTimezoneLocation(timezoneLocation: String[64]):
    """
    @notice Changes the caller's timezone. Registered nodes only.
    @param timezoneLocation The node's IANA timezone.
    """
    assert self._exists[msg.sender], "node manager: node not registered"
    assert (
        len(timezoneLocation) >= MIN_TIMEZONE
    ), "node manager: invalid timezone location"
    self._timezone[msg.sender] = timezoneLocation
    log NodeTimezoneLocationSet(node=msg.sender, time=block.timestamp)


@external
@view
def getNodeExists(node_address: address) -> bool:
    """
    @notice Whether `node_address` is a registered node.
    @param node_address The node.
    @return True once registered.
    """
    return self._exists[node_address]


@external
@view
def getNodeCount() -> uint256:
    """
    @notice The number of registered nodes.
    @return The count.
    """
    return len(self._nodes)


@external
@view
def getNodeAt(index: uint256) -> address:
    """
    @notice The node registered `index`-th (0-based, registration order).
    @param index Below `getNodeCount()`.
    @return The node's address.
    """
    assert index < len(self._nodes), "node manager: index out of range"
    return self._nodes[index]


@external
@view
def getNodeTimezoneLocation(node_address: address) -> String[64]:
    """
    @notice The timezone `node_address` registered with.
    @param node_address The node.
    @return The timezone, empty if not registered.
    """
    return self._timezone[node_address]


@external
@view
def getNodeRegistrationTime(node_address: address) -> uint256:
    """
    @notice When `node_address` registered, 0 if it has not.
    @param node_address The node.
    @return A timestamp.
    """
    return self._registration_time[node_address]


@external
@view
def getFeeDistributorInitialised(node_address: address) -> bool:
    """
    @notice Whether the node's fee distributor exists: code at the address
            the distributor factory gives the node (v1.3.1's test). Made
            when the node registers; false without a factory.
    @param node_address The node.
    @return True once the distributor is deployed.
    """
    factory: address = staticcall rocket_base.ROCKET_STORAGE.getAddress(
        "rocketNodeDistributorFactory"
    )
    if factory == empty(address):
        return False
    proxy: address = staticcall IRocketNodeDistributorFactory(
        factory
    ).getProxyAddress(node_address)
    return proxy.codesize > 0


@external
@view
def getAverageNodeFee(node_address: address) -> uint256:
    """
    @notice The node's average fee over its staking minipools, each bond
            size weighted by the user ETH its minipools hold (v1.3.1's
            formula): with `c_s` minipools of bond `s` whose fees sum to
            `f_s`, `w_s = (32 ETH - s) * c_s * 1e18 // sum_t((32 ETH - t) *
            c_t)` and the average is `sum_s(f_s * w_s // c_s) // 1e18`,
            every division rounding down. Zero with no staking minipool.
    @param node_address The node.
    @return A fraction of 1e18.
    """
    manager: IRocketMinipoolManagerNetwork = IRocketMinipoolManagerNetwork(
        rocket_base._contract("rocketMinipoolManager")
    )
    counts: uint256[2] = empty(uint256[2])
    weights: uint256[2] = empty(uint256[2])
    weight_total: uint256 = 0
    for i: uint256 in range(2):
        counts[i] = staticcall manager.getNodeStakingMinipoolCountBySize(
            node_address, DEPOSIT_SIZES[i]
        )
        weights[i] = (LAUNCH_BALANCE - DEPOSIT_SIZES[i]) * counts[i]
        weight_total += weights[i]
    if weight_total == 0:
        return 0
    average: uint256 = 0
    for i: uint256 in range(2):
        if counts[i] > 0:
            numerator: uint256 = staticcall manager.getNodeAverageFeeNumerator(
                node_address, DEPOSIT_SIZES[i]
            )
            weight: uint256 = weights[i] * ONE // weight_total
            average += numerator * weight // counts[i]
    return average // ONE


# @dev Withdrawal address
@external
def setWithdrawalAddress(
    node_address: address, newWithdrawalAddress: address, confirm: bool
):
    """
    @notice Changes where `node_address`'s ETH goes. Callable by the node or
            its current withdrawal address. With `confirm` the change takes
            effect at once; otherwise `newWithdrawalAddress` becomes pending
            until it calls `confirmWithdrawalAddress`, which proves that
            somebody controls it.
    @param node_address A registered node.
    @param newWithdrawalAddress The new withdrawal address (not zero).
    @param confirm Whether to set it immediately.
    """
    assert self._exists[node_address], "node manager: node not registered"
    assert (
        msg.sender == node_address
        or msg.sender == self._withdrawal_address_of(node_address)
    ), "node manager: caller is not the node or its withdrawal address"
    assert (
        newWithdrawalAddress != empty(address)
    ), "node manager: invalid withdrawal address"
    if confirm:
        self._set_withdrawal_address(node_address, newWithdrawalAddress)
    else:
        self._pending_withdrawal_address[node_address] = newWithdrawalAddress
        log NodePendingWithdrawalAddressSet(
            node=node_address,
            pendingAddress=newWithdrawalAddress,
            time=block.timestamp,
        )


@external
def confirmWithdrawalAddress(node_address: address):
    """
    @notice Makes the caller `node_address`'s withdrawal address. Only the
            pending withdrawal address may call it.
    @param node_address The node whose pending address is the caller.
    """
    assert self._exists[node_address], "node manager: node not registered"
    assert (
        msg.sender == self._pending_withdrawal_address[node_address]
    ), "node manager: caller is not the pending withdrawal address"
    self._set_withdrawal_address(node_address, msg.sender)


@external
@view
def getNodeWithdrawalAddress(node_address: address) -> address:
    """
    @notice Where `node_address`'s ETH goes: its withdrawal address, or the
            node itself when none was set.
    @param node_address The node.
    @return The withdrawal address.
    """
    return self._withdrawal_address_of(node_address)


@external
@view
def getNodePendingWithdrawalAddress(node_address: address) -> address:
    """
    @notice The withdrawal address awaiting confirmation, zero if none.
    @param node_address The node.
    @return The pending address.
    """
    return self._pending_withdrawal_address[node_address]


# @dev Internal functions
@internal
@view
def _withdrawal_address_of(node_address: address) -> address:
    withdrawal: address = self._withdrawal_address[node_address]
    if withdrawal == empty(address):
        return node_address
    return withdrawal


@internal
def _set_withdrawal_address(node_address: address, withdrawal: address):
    self._withdrawal_address[node_address] = withdrawal
    self._pending_withdrawal_address[node_address] = empty(address)
    log NodeWithdrawalAddressSet(
        node=node_address, withdrawalAddress=withdrawal, time=block.timestamp
    )
