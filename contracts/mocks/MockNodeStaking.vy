# pragma version ~=0.4.3
"""
@title Test double of RocketNodeStaking
@notice Lets node-side tests run without the RPL side: the ETH matched
        limit is whatever the guardian sets per node (unlimited by default),
        and `slashRPL` only records what registered minipools ask for.
"""


# @dev Interfaces (inline, so the double compiles with its own directory
#      as the search path; the surface matches interfaces/IRocketNodeStaking)
interface IRocketStorage:
    def getAddress(name: String[64]) -> address: view
    def guardian() -> address: view


interface IRocketMinipoolManager:
    def getMinipoolExists(minipool: address) -> bool: view


# @dev Immutables
ROCKET_STORAGE: public(immutable(IRocketStorage))


# @dev Storage
_limit: HashMap[address, uint256]
_limit_set: HashMap[address, bool]
_rpl_stake: HashMap[address, uint256]
_slashed: HashMap[address, uint256]
_slash_calls: HashMap[address, uint256]


# @dev Events
event RPLSlashed:
    node: indexed(address)
    ethValue: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)


@external
def setETHMatchedLimit(node_address: address, amount: uint256):
    """
    @notice Sets `node_address`'s ETH matched limit. Guardian only.
    @param node_address The node.
    @param amount Wei.
    """
    assert (
        msg.sender == staticcall ROCKET_STORAGE.guardian()
    ), "mock node staking: caller is not the guardian"
    self._limit[node_address] = amount
    self._limit_set[node_address] = True


@external
def setNodeRPLStake(node_address: address, amount: uint256):
    """
    @notice Sets what `getNodeRPLStake` reports. Guardian only.
    @param node_address The node.
    @param amount RPL wei.
    """
    assert (
        msg.sender == staticcall ROCKET_STORAGE.guardian()
    ), "mock node staking: caller is not the guardian"
    self._rpl_stake[node_address] = amount


@external
@view
def getNodeRPLStake(node_address: address) -> uint256:
    """
    @notice The RPL stake set by the guardian, 0 by default.
    @param node_address The node.
    @return RPL wei.
    """
    return self._rpl_stake[node_address]


@external
@view
def getNodeETHMatchedLimit(node_address: address) -> uint256:
    """
    @notice The limit set by the guardian, unlimited by default.
    @param node_address The node.
    @return Wei.
    """
    if self._limit_set[node_address]:
        return self._limit[node_address]
    return max_value(uint256)


@external
def slashRPL(node_address: address, eth_slash_amount: uint256):
    """
    @notice Records a slash of `eth_slash_amount` worth of RPL. Registered
            minipools only.
    @param node_address The node.
    @param eth_slash_amount Wei of ETH value.
    """
    assert staticcall IRocketMinipoolManager(
        staticcall ROCKET_STORAGE.getAddress("rocketMinipoolManager")
    ).getMinipoolExists(
        msg.sender
    ), "mock node staking: caller is not a registered minipool"
    self._slashed[node_address] += eth_slash_amount
    self._slash_calls[node_address] += 1
    log RPLSlashed(
        node=node_address, ethValue=eth_slash_amount, time=block.timestamp
    )


@external
@view
def getSlashed(node_address: address) -> uint256:
    """
    @notice The total ETH value slashed from `node_address`.
    @param node_address The node.
    @return Wei.
    """
    return self._slashed[node_address]


@external
@view
def getSlashCount(node_address: address) -> uint256:
    """
    @notice How many times `node_address` was slashed.
    @param node_address The node.
    @return The count.
    """
    return self._slash_calls[node_address]
