# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rocket Pool node staking
@notice Registered nodes stake RPL as collateral for the depositor ETH
        their minipools are matched with. The stake is held in the vault
        under "rocketNodeStaking". A node may withdraw only what lies above
        its maximum stake (150% of its bonded ETH, valued in RPL at the
        oracle price), and only once the cooldown since its last stake has
        passed. When a minipool loses more than its bond, it slashes the
        node's RPL worth the shortfall to the auction manager.
@dev Rounding: every conversion rounds the way that favours the protocol
     (the depositors), never the node: limits on what a node may take
     round down, requirements on what a node must keep or give round up.
     Each view says which way it rounds.
"""

from ethereum.ercs import IERC20

from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketMinipoolManager
from interfaces import IRocketNetworkPrices
from interfaces import IRocketNodeManager
from interfaces import IRocketNodeStaking
from interfaces import IRocketVault

implements: IRocketNodeStaking

from snekmate.utils import math

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
ONE: constant(uint256) = 10**18


# @dev Storage
_total_rpl_stake: uint256
_node_rpl_stake: HashMap[address, uint256]
_node_rpl_staked_time: HashMap[address, uint256]


# @dev Events
event RPLStaked:
    node: indexed(address)
    amount: uint256
    time: uint256


event RPLWithdrawn:
    node: indexed(address)
    to: indexed(address)
    amount: uint256
    time: uint256


event RPLSlashed:
    node: indexed(address)
    amount: uint256
    ethValue: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev Staking
@external
def stakeRPL(amount: uint256):
    """
    @notice Stakes `amount` RPL from the calling node, which must be
            registered and must have approved this contract for `amount`.
            Restarts the node's withdrawal cooldown.
    @param amount RPL in wei; must be positive.
    """
    assert amount > 0, "node staking: amount must be positive"
    self._check_registered(msg.sender)
    self._total_rpl_stake += amount
    self._node_rpl_stake[msg.sender] += amount
    self._node_rpl_staked_time[msg.sender] = block.timestamp
    log RPLStaked(node=msg.sender, amount=amount, time=block.timestamp)
    rpl: IERC20 = self._rpl()
    vault: address = rocket_base._contract("rocketVault")
    assert extcall rpl.transferFrom(
        msg.sender, self, amount
    ), "node staking: RPL transfer failed"
    assert extcall rpl.approve(
        vault, amount
    ), "node staking: RPL approval failed"
    extcall IRocketVault(vault).depositToken(
        "rocketNodeStaking", rpl.address, amount
    )


@external
def withdrawRPL(amount: uint256):
    """
    @notice Withdraws `amount` of the calling node's staked RPL to the
            node's withdrawal address. Only the part of the stake above the
            node's maximum stake may leave, and only after the withdrawal
            cooldown since the node last staked.
    @param amount RPL in wei; must be positive.
    """
    assert amount > 0, "node staking: amount must be positive"
    self._check_registered(msg.sender)
    settings: IRocketDAOProtocolSettings = self._settings()
    assert (
        block.timestamp - self._node_rpl_staked_time[msg.sender]
        >= staticcall settings.getRPLWithdrawalCooldown()
    ), "node staking: withdrawal cooldown has not passed"
    stake: uint256 = self._node_rpl_stake[msg.sender]
    assert amount <= stake, "node staking: amount exceeds the node's stake"
    assert stake - amount >= self._maximum_stake(
        settings, msg.sender, True
    ), "node staking: remaining stake would be below the maximum"
    to: address = staticcall self._node_manager().getNodeWithdrawalAddress(
        msg.sender
    )
    assert to != empty(address), "node staking: node has no withdrawal address"
    self._total_rpl_stake -= amount
    self._node_rpl_stake[msg.sender] = stake - amount
    log RPLWithdrawn(
        node=msg.sender, to=to, amount=amount, time=block.timestamp
    )
    extcall self._vault().withdrawToken(to, self._rpl().address, amount)


@external
def slashRPL(node_address: address, eth_slash_amount: uint256):
    """
    @notice Slashes RPL worth `eth_slash_amount` at the oracle price from
            `node_address`'s stake (at most its whole stake) to the auction
            manager, which sells it for ETH. Registered minipools only.
    @dev Rounds the RPL amount up: the depositors' loss is covered in full
         rather than short by a fraction of a wei of RPL.
    @param node_address The node whose stake is slashed.
    @param eth_slash_amount The ETH value to slash, in wei.
    """
    assert staticcall self._minipool_manager().getMinipoolExists(
        msg.sender
    ), "node staking: caller is not a registered minipool"
    rpl_amount: uint256 = math._mul_div(
        eth_slash_amount, ONE, self._rpl_price(), True
    )
    rpl_amount = min(rpl_amount, self._node_rpl_stake[node_address])
    self._total_rpl_stake -= rpl_amount
    self._node_rpl_stake[node_address] -= rpl_amount
    log RPLSlashed(
        node=node_address,
        amount=rpl_amount,
        ethValue=eth_slash_amount,
        time=block.timestamp,
    )
    # The vault refuses empty transfers; a node with no stake left simply
    # has nothing to give.
    if rpl_amount > 0:
        extcall self._vault().transferToken(
            "rocketAuctionManager", self._rpl().address, rpl_amount
        )


# @dev Stake views
@external
@view
def getTotalRPLStake() -> uint256:
    """
    @notice The RPL staked by all nodes together.
    @return RPL in wei.
    """
    return self._total_rpl_stake


@external
@view
def getNodeRPLStake(node_address: address) -> uint256:
    """
    @notice The RPL staked by a node.
    @param node_address The node.
    @return RPL in wei.
    """
    return self._node_rpl_stake[node_address]


@external
@view
def getNodeRPLStakedTime(node_address: address) -> uint256:
    """
    @notice When the node last staked RPL; the withdrawal cooldown runs
            from here.
    @param node_address The node.
    @return A block timestamp, or 0 if it never staked.
    """
    return self._node_rpl_staked_time[node_address]


@external
@view
def getNodeETHMatched(node_address: address) -> uint256:
    """
    @notice The depositor ETH matched with the node's bonds, as the
            minipool manager records it.
    @param node_address The node.
    @return ETH in wei.
    """
    return staticcall self._minipool_manager().getNodeETHMatched(node_address)


@external
@view
def getNodeETHProvided(node_address: address) -> uint256:
    """
    @notice The ETH the node bonded in its active minipools, as the
            minipool manager records it.
    @param node_address The node.
    @return ETH in wei.
    """
    return staticcall self._minipool_manager().getNodeETHProvided(node_address)


@external
@view
def getNodeETHMatchedLimit(node_address: address) -> uint256:
    """
    @notice The most depositor ETH the node's stake supports: the stake's
            ETH value divided by the minimum per-minipool stake fraction.
            Unlimited when that fraction is zero.
    @dev Rounds down: a limit on what a node may take from depositors.
    @param node_address The node.
    @return ETH in wei.
    """
    settings: IRocketDAOProtocolSettings = self._settings()
    minimum: uint256 = staticcall settings.getMinimumPerMinipoolStake()
    if minimum == 0:
        return max_value(uint256)
    return math._mul_div(
        self._node_rpl_stake[node_address], self._rpl_price(), minimum, False
    )


@external
@view
def getNodeMinimumRPLStake(node_address: address) -> uint256:
    """
    @notice The RPL the node needs for its matched ETH: the minimum
            per-minipool stake fraction of it, valued at the oracle price.
    @dev Rounds up: a requirement on what a node must hold.
    @param node_address The node.
    @return RPL in wei.
    """
    settings: IRocketDAOProtocolSettings = self._settings()
    matched: uint256 = staticcall self._minipool_manager().getNodeETHMatched(
        node_address
    )
    return math._mul_div(
        matched,
        staticcall settings.getMinimumPerMinipoolStake(),
        self._rpl_price(),
        True,
    )


@external
@view
def getNodeMaximumRPLStake(node_address: address) -> uint256:
    """
    @notice The stake above which RPL no longer counts as collateral and
            may be withdrawn: the maximum per-minipool stake fraction of
            the node's bonded ETH, valued at the oracle price.
    @dev Rounds up: a withdrawal must leave at least this much behind.
    @param node_address The node.
    @return RPL in wei.
    """
    return self._maximum_stake(self._settings(), node_address, True)


@external
@view
def getNodeEffectiveRPLStake(node_address: address) -> uint256:
    """
    @notice The node's stake that counts as collateral: its stake, capped
            at the maximum stake.
    @dev The cap here rounds down (less collateral credited to the node),
         while `getNodeMaximumRPLStake` rounds up (more kept back); both
         favour the protocol, and they differ by at most 1 wei.
    @param node_address The node.
    @return RPL in wei.
    """
    return min(
        self._node_rpl_stake[node_address],
        self._maximum_stake(self._settings(), node_address, False),
    )


# @dev Internal functions
@internal
@view
def _check_registered(node_address: address):
    assert staticcall self._node_manager().getNodeExists(
        node_address
    ), "node staking: caller is not a registered node"


@internal
@view
def _maximum_stake(
    settings: IRocketDAOProtocolSettings,
    node_address: address,
    roundup: bool,
) -> uint256:
    provided: uint256 = staticcall self._minipool_manager().getNodeETHProvided(
        node_address
    )
    return math._mul_div(
        provided,
        staticcall settings.getMaximumPerMinipoolStake(),
        self._rpl_price(),
        roundup,
    )


@internal
@view
def _rpl_price() -> uint256:
    """
    @dev ETH (wei) per 1e18 RPL. The oracle refuses a zero price, so it is
         a safe divisor.
    """
    return staticcall IRocketNetworkPrices(
        rocket_base._contract("rocketNetworkPrices")
    ).getRPLPrice()


@internal
@view
def _rpl() -> IERC20:
    return IERC20(rocket_base._contract("rocketTokenRPL"))


@internal
@view
def _vault() -> IRocketVault:
    return IRocketVault(rocket_base._contract("rocketVault"))


@internal
@view
def _settings() -> IRocketDAOProtocolSettings:
    return IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    )


@internal
@view
def _node_manager() -> IRocketNodeManager:
    return IRocketNodeManager(rocket_base._contract("rocketNodeManager"))


@internal
@view
def _minipool_manager() -> IRocketMinipoolManager:
    return IRocketMinipoolManager(
        rocket_base._contract("rocketMinipoolManager")
    )
