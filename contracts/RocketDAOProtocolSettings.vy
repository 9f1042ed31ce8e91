# pragma version ~=0.4.3
"""
@title Rocket Pool protocol settings
@notice Every tunable parameter of the protocol, under the reference's
        dotted setting paths ("deposit.fee", "network.consensus.threshold",
        ...), with the reference's getter names. Only the guardian changes
        them, one path at a time, and only within each setting's bounds;
        every change is logged.
@dev Percentages are fractions of 1e18 (0.05% = 5 * 10**14); durations are
     seconds, except `auction.lot.duration` which is in blocks.
"""

from interfaces import IRocketStorage


# @dev Constants
MAX_PATH: constant(uint256) = 64
ONE: constant(uint256) = 10**18


# @dev Immutables
ROCKET_STORAGE: public(immutable(IRocketStorage))


# @dev Storage
_uints: HashMap[String[MAX_PATH], uint256]
_bools: HashMap[String[MAX_PATH], bool]
_is_uint: HashMap[String[MAX_PATH], bool]
_is_bool: HashMap[String[MAX_PATH], bool]


# @dev Events
event SettingUintUpdated:
    path: String[MAX_PATH]
    old_value: uint256
    new_value: uint256


event SettingBoolUpdated:
    path: String[MAX_PATH]
    new_value: bool


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)
    # Deposits
    self._init_bool("deposit.enabled", True)
    self._init_bool("deposit.assign.enabled", True)
    self._init_uint("deposit.minimum", 10**16)
    self._init_uint("deposit.pool.maximum", 160 * ONE)
    self._init_uint("deposit.fee", 5 * 10**14)
    self._init_uint("deposit.assign.maximum", 90)
    self._init_uint("deposit.assign.socialised.maximum", 2)
    # Network
    self._init_uint("network.consensus.threshold", 51 * 10**16)
    self._init_bool("network.submit.balances.enabled", True)
    self._init_uint("network.submit.balances.frequency", 86_400)
    self._init_bool("network.submit.prices.enabled", True)
    self._init_uint("network.submit.prices.frequency", 86_400)
    self._init_uint("network.reth.collateral.target", 10**17)
    self._init_uint("network.node.fee.minimum", 14 * 10**16)
    self._init_uint("network.node.fee.target", 14 * 10**16)
    self._init_uint("network.node.fee.maximum", 14 * 10**16)
    # MEV-theft penalties: oDAO consensus to apply one, and the rate each
    # penalty from the third on adds.
    self._init_uint("network.penalty.threshold", 51 * 10**16)
    self._init_uint("network.penalty.per.rate", 10**17)
    # Minipools
    self._init_uint("minipool.launch.timeout", 72 * 3_600)
    self._init_uint("minipool.scrub.period", 12 * 3_600)
    self._init_uint("minipool.scrub.quorum", 51 * 10**16)
    self._init_bool("minipool.scrub.penalty.enabled", False)
    self._init_uint("minipool.scrub.penalty", 24 * 10**17)
    self._init_bool("minipool.bond.reduction.enabled", True)
    self._init_uint("minipool.bond.reduction.window.start", 2 * 86_400)
    self._init_uint("minipool.bond.reduction.window.length", 2 * 86_400)
    self._init_uint("minipool.user.distribute.window.start", 90 * 86_400)
    self._init_uint("minipool.user.distribute.window.length", 2 * 86_400)
    # Nodes
    self._init_bool("node.registration.enabled", True)
    self._init_bool("node.deposit.enabled", True)
    self._init_uint("node.per.minipool.stake.minimum", 10**17)
    self._init_uint("node.per.minipool.stake.maximum", 15 * 10**17)
    self._init_uint("node.rpl.withdrawal.cooldown", 28 * 86_400)
    # Auctions
    self._init_bool("auction.lot.create.enabled", True)
    self._init_bool("auction.lot.bidding.enabled", True)
    self._init_uint("auction.lot.value.minimum", ONE)
    self._init_uint("auction.lot.value.maximum", 10 * ONE)
    self._init_uint("auction.lot.duration", 50_400)
    self._init_uint("auction.price.start", ONE)
    self._init_uint("auction.price.reserve", 5 * 10**17)


# @dev Governance
@external
def setSettingUint(path: String[MAX_PATH], val: uint256):
    """
    @notice Sets a numeric setting, within its bounds. Guardian only.
    @param path The setting path, e.g. "deposit.fee".
    @param val The new value (fractions of 1e18, seconds or blocks).
    """
    assert (
        msg.sender == staticcall ROCKET_STORAGE.guardian()
    ), "settings: caller is not the guardian"
    assert self._is_uint[path], "settings: unknown numeric setting"
    self._check_bounds(path, val)
    old_value: uint256 = self._uints[path]
    self._uints[path] = val
    log SettingUintUpdated(path=path, old_value=old_value, new_value=val)


@external
def setSettingBool(path: String[MAX_PATH], val: bool):
    """
    @notice Sets an on/off setting. Guardian only.
    @param path The setting path, e.g. "deposit.enabled".
    @param val The new value.
    """
    assert (
        msg.sender == staticcall ROCKET_STORAGE.guardian()
    ), "settings: caller is not the guardian"
    assert self._is_bool[path], "settings: unknown boolean setting"
    self._bools[path] = val
    log SettingBoolUpdated(path=path, new_value=val)


@external
@view
def getSettingUint(path: String[MAX_PATH]) -> uint256:
    """
    @notice A numeric setting by path.
    @param path The setting path.
    @return Its value.
    """
    assert self._is_uint[path], "settings: unknown numeric setting"
    return self._uints[path]


@external
@view
def getSettingBool(path: String[MAX_PATH]) -> bool:
    """
    @notice An on/off setting by path.
    @param path The setting path.
    @return Its value.
    """
    assert self._is_bool[path], "settings: unknown boolean setting"
    return self._bools[path]


# @dev Deposit settings
@external
@view
def getDepositEnabled() -> bool:
    """
    @notice Whether user deposits are accepted.
    """
    return self._bools["deposit.enabled"]


@external
@view
def getAssignDepositsEnabled() -> bool:
    """
    @notice Whether deposit-pool ETH is assigned to queued minipools.
    """
    return self._bools["deposit.assign.enabled"]


@external
@view
def getMinimumDeposit() -> uint256:
    """
    @notice The smallest user deposit, in wei.
    """
    return self._uints["deposit.minimum"]


@external
@view
def getMaximumDepositPoolSize() -> uint256:
    """
    @notice The deposit pool's maximum balance (before queue capacity), in wei.
    """
    return self._uints["deposit.pool.maximum"]


@external
@view
def getDepositFee() -> uint256:
    """
    @notice The user deposit fee, as a fraction of 1e18.
    """
    return self._uints["deposit.fee"]


@external
@view
def getMaximumDepositAssignments() -> uint256:
    """
    @notice The most minipools one assignment call may fund.
    """
    return self._uints["deposit.assign.maximum"]


@external
@view
def getMaximumDepositSocialisedAssignments() -> uint256:
    """
    @notice Assignments a deposit may trigger beyond what its own ETH pays for.
    """
    return self._uints["deposit.assign.socialised.maximum"]


# @dev Network settings
@external
@view
def getNodeConsensusThreshold() -> uint256:
    """
    @notice The share of oDAO members (fraction of 1e18) a report needs.
    """
    return self._uints["network.consensus.threshold"]


@external
@view
def getSubmitBalancesEnabled() -> bool:
    """
    @notice Whether oDAO members may submit network balances.
    """
    return self._bools["network.submit.balances.enabled"]


@external
@view
def getSubmitBalancesFrequency() -> uint256:
    """
    @notice The intended interval between balance reports, in seconds.
    """
    return self._uints["network.submit.balances.frequency"]


@external
@view
def getSubmitPricesEnabled() -> bool:
    """
    @notice Whether oDAO members may submit the RPL price.
    """
    return self._bools["network.submit.prices.enabled"]


@external
@view
def getSubmitPricesFrequency() -> uint256:
    """
    @notice The intended interval between price reports, in seconds.
    """
    return self._uints["network.submit.prices.frequency"]


@external
@view
def getTargetRethCollateralRate() -> uint256:
    """
    @notice The share of rETH's value (fraction of 1e18) kept as ETH in the
            rETH contract; the rest goes back to the deposit pool.
    """
    return self._uints["network.reth.collateral.target"]


@external
@view
def getMinimumNodeFee() -> uint256:
    """
    @notice The lowest node commission, as a fraction of 1e18.
    """
    return self._uints["network.node.fee.minimum"]


@external
@view
def getTargetNodeFee() -> uint256:
    """
    @notice The target node commission, as a fraction of 1e18.
    """
    return self._uints["network.node.fee.target"]


@external
@view
def getMaximumNodeFee() -> uint256:
    """
    @notice The highest node commission, as a fraction of 1e18.
    """
    return self._uints["network.node.fee.maximum"]


@external
@view
def getNodePenaltyThreshold() -> uint256:
    """
    @notice The share of oDAO members (fraction of 1e18) whose votes apply
            a MEV-theft penalty.
    """
    return self._uints["network.penalty.threshold"]


@external
@view
def getPerPenaltyRate() -> uint256:
    """
    @notice The penalty rate (fraction of 1e18) each penalty from a
            minipool's third on adds.
    """
    return self._uints["network.penalty.per.rate"]


# @dev Minipool settings
@external
@view
def getLaunchTimeout() -> uint256:
    """
    @notice Seconds after prelaunch when anyone may dissolve the minipool.
    """
    return self._uints["minipool.launch.timeout"]


@external
@view
def getScrubPeriod() -> uint256:
    """
    @notice Seconds after prelaunch during which the oDAO may scrub.
    """
    return self._uints["minipool.scrub.period"]


@external
@view
def getScrubQuorum() -> uint256:
    """
    @notice The share of oDAO members (fraction of 1e18) a scrub needs.
    """
    return self._uints["minipool.scrub.quorum"]


@external
@view
def getScrubPenaltyEnabled() -> bool:
    """
    @notice Whether a scrubbed node loses the scrub penalty to users.
    """
    return self._bools["minipool.scrub.penalty.enabled"]


@external
@view
def getScrubPenalty() -> uint256:
    """
    @notice The scrub penalty, in wei.
    """
    return self._uints["minipool.scrub.penalty"]


@external
@view
def getBondReductionEnabled() -> bool:
    """
    @notice Whether 16 ETH minipools may reduce their bond to 8 ETH.
    """
    return self._bools["minipool.bond.reduction.enabled"]


@external
@view
def getBondReductionWindowStart() -> uint256:
    """
    @notice Seconds after `beginReduceBondAmount` before the reduction may happen.
    """
    return self._uints["minipool.bond.reduction.window.start"]


@external
@view
def getBondReductionWindowLength() -> uint256:
    """
    @notice Seconds the bond reduction window stays open.
    """
    return self._uints["minipool.bond.reduction.window.length"]


@external
@view
def getUserDistributeWindowStart() -> uint256:
    """
    @notice Seconds after `beginUserDistribute` before a non-owner may distribute.
    """
    return self._uints["minipool.user.distribute.window.start"]


@external
@view
def getUserDistributeWindowLength() -> uint256:
    """
    @notice Seconds the user-distribute window stays open.
    """
    return self._uints["minipool.user.distribute.window.length"]


# @dev Node settings
@external
@view
def getRegistrationEnabled() -> bool:
    """
    @notice Whether new nodes may register.
    """
    return self._bools["node.registration.enabled"]


@external
@view
def getNodeDepositEnabled() -> bool:
    """
    @notice Whether nodes may create minipools.
    """
    return self._bools["node.deposit.enabled"]


@external
@view
def getMinimumPerMinipoolStake() -> uint256:
    """
    @notice RPL a node must stake, as a fraction (1e18) of its matched ETH.
    """
    return self._uints["node.per.minipool.stake.minimum"]


@external
@view
def getMaximumPerMinipoolStake() -> uint256:
    """
    @notice RPL that counts as collateral, as a fraction (1e18) of its bonded ETH.
    """
    return self._uints["node.per.minipool.stake.maximum"]


@external
@view
def getRPLWithdrawalCooldown() -> uint256:
    """
    @notice Seconds after a node's last RPL stake before it may withdraw RPL.
    """
    return self._uints["node.rpl.withdrawal.cooldown"]


# @dev Auction settings
@external
@view
def getCreateLotEnabled() -> bool:
    """
    @notice Whether RPL auction lots may be created.
    """
    return self._bools["auction.lot.create.enabled"]


@external
@view
def getBidOnLotEnabled() -> bool:
    """
    @notice Whether bids on RPL auction lots are accepted.
    """
    return self._bools["auction.lot.bidding.enabled"]


@external
@view
def getLotMinimumEthValue() -> uint256:
    """
    @notice The smallest lot, valued in ETH at the oracle price, in wei.
    """
    return self._uints["auction.lot.value.minimum"]


@external
@view
def getLotMaximumEthValue() -> uint256:
    """
    @notice The largest lot, valued in ETH at the oracle price, in wei.
    """
    return self._uints["auction.lot.value.maximum"]


@external
@view
def getLotDuration() -> uint256:
    """
    @notice How long a lot's Dutch auction runs, in blocks.
    """
    return self._uints["auction.lot.duration"]


@external
@view
def getStartingPriceRatio() -> uint256:
    """
    @notice A lot's starting price as a fraction (1e18) of the oracle price.
    """
    return self._uints["auction.price.start"]


@external
@view
def getReservePriceRatio() -> uint256:
    """
    @notice A lot's reserve price as a fraction (1e18) of the oracle price.
    """
    return self._uints["auction.price.reserve"]


# @dev Internal functions
@internal
def _init_uint(path: String[MAX_PATH], val: uint256):
    self._is_uint[path] = True
    self._uints[path] = val


@internal
def _init_bool(path: String[MAX_PATH], val: bool):
    self._is_bool[path] = True
    self._bools[path] = val


@internal
@view
def _check_bounds(path: String[MAX_PATH], val: uint256):
    """
    @dev The bounds of ROCKETPOOL.md's defaults table and the reference's
         guard rails; a path with no bound here accepts any value.
    """
    key: bytes32 = keccak256(path)
    if key == keccak256("deposit.fee"):
        assert val < 10**16, "settings: deposit fee must be below 1%"
    elif key == keccak256("deposit.minimum"):
        assert val > 0, "settings: deposit minimum must be positive"
    elif key == keccak256("deposit.assign.maximum"):
        # Assignment loops once per minipool: a bound keeps it within gas.
        assert (
            val >= 1 and val <= 90
        ), "settings: assignments must be between 1 and 90"
    elif key == keccak256("deposit.assign.socialised.maximum"):
        assert val <= 90, "settings: socialised assignments must be at most 90"
    elif key == keccak256("network.consensus.threshold"):
        assert (
            val >= 51 * 10**16 and val <= ONE
        ), "settings: consensus threshold must be between 51% and 100%"
    elif key == keccak256("network.submit.balances.frequency"):
        assert (
            val >= 3_600
        ), "settings: submit frequency must be at least 1 hour"
    elif key == keccak256("network.submit.prices.frequency"):
        assert (
            val >= 3_600
        ), "settings: submit frequency must be at least 1 hour"
    elif key == keccak256("network.penalty.threshold"):
        assert (
            val >= 51 * 10**16 and val <= ONE
        ), "settings: penalty threshold must be between 51% and 100%"
    elif key == keccak256("network.penalty.per.rate"):
        assert val <= ONE, "settings: penalty rate must be at most 100%"
    elif key == keccak256("network.reth.collateral.target"):
        assert val <= ONE, "settings: collateral target must be at most 100%"
    elif (
        key == keccak256("network.node.fee.minimum")
        or key == keccak256("network.node.fee.target")
        or key == keccak256("network.node.fee.maximum")
    ):
        assert (
            val >= 5 * 10**16 and val <= 20 * 10**16
        ), "settings: node fee must be between 5% and 20%"
    elif key == keccak256("minipool.launch.timeout"):
        assert (
            val >= self._uints["minipool.scrub.period"] + 3_600
        ), "settings: launch timeout must exceed scrub period by 1 hour"
    elif key == keccak256("minipool.scrub.period"):
        # Written as a subtraction so that a huge value cannot overflow
        # before the check; the launch timeout is always >= 1 hour.
        assert (
            val <= self._uints["minipool.launch.timeout"] - 3_600
        ), "settings: scrub period must end 1 hour before launch timeout"
    elif key == keccak256("minipool.scrub.quorum"):
        assert (
            val >= 51 * 10**16 and val <= ONE
        ), "settings: scrub quorum must be between 51% and 100%"
    elif key == keccak256("minipool.scrub.penalty"):
        assert (
            val <= 8 * ONE
        ), "settings: scrub penalty must not exceed the 8 ETH bond"
    elif key == keccak256(
        "minipool.bond.reduction.window.length"
    ) or key == keccak256("minipool.user.distribute.window.length"):
        assert val >= 3_600, "settings: window must last at least 1 hour"
    elif key == keccak256("node.per.minipool.stake.maximum"):
        assert (
            val >= self._uints["node.per.minipool.stake.minimum"]
        ), "settings: maximum stake below minimum stake"
    elif key == keccak256("node.per.minipool.stake.minimum"):
        assert (
            val <= self._uints["node.per.minipool.stake.maximum"]
        ), "settings: minimum stake above maximum stake"
    elif key == keccak256("auction.lot.value.minimum"):
        assert val >= ONE, "settings: lot value must be at least 1 ETH"
        assert (
            val <= self._uints["auction.lot.value.maximum"]
        ), "settings: lot minimum above lot maximum"
    elif key == keccak256("auction.lot.value.maximum"):
        assert val >= ONE, "settings: lot value must be at least 1 ETH"
        assert (
            val >= self._uints["auction.lot.value.minimum"]
        ), "settings: lot maximum below lot minimum"
    elif key == keccak256("auction.lot.duration"):
        assert (
            val >= 7_200
        ), "settings: lot duration must be at least 7200 blocks"
    elif key == keccak256("auction.price.start"):
        assert val >= 10**17, "settings: price ratio must be at least 10%"
        # The Dutch auction falls from the start price to the reserve.
        assert (
            val >= self._uints["auction.price.reserve"]
        ), "settings: start price below reserve price"
    elif key == keccak256("auction.price.reserve"):
        assert val >= 10**17, "settings: price ratio must be at least 10%"
        assert (
            val <= self._uints["auction.price.start"]
        ), "settings: reserve price above start price"
