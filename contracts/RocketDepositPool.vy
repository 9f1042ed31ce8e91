# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rocket Pool deposit pool
@notice Takes user deposits and mints rETH for them, holds unassigned ETH
        in the vault (with the queued node operators' bond ETH, tracked as
        the node balance), and assigns 31 ETH at a time to the minipools
        waiting in the queue.
"""

from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketDepositPool
from interfaces import IRocketMinipool
from interfaces import IRocketMinipoolManager
from interfaces import IRocketMinipoolQueue
from interfaces import IRocketTokenRETH
from interfaces import IRocketVault
from interfaces import IRocketVaultWithdrawer

implements: IRocketDepositPool
implements: IRocketVaultWithdrawer

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
ONE: constant(uint256) = 10**18
# What assignment gives a queued minipool: 32 ETH less the 1 ETH pre-deposit.
VARIABLE_DEPOSIT_AMOUNT: constant(uint256) = 31 * 10**18
MAX_ASSIGNMENTS: constant(uint256) = 90


# @dev Storage
_node_balance: uint256


# @dev Events
event DepositReceived:
    sender: indexed(address)
    amount: uint256
    time: uint256


event DepositRecycled:
    sender: indexed(address)
    amount: uint256
    time: uint256


event DepositAssigned:
    minipool: indexed(address)
    amount: uint256
    time: uint256


event ExcessWithdrawn:
    to: indexed(address)
    amount: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev User deposits
@external
@payable
def deposit():
    """
    @notice Deposits ETH and mints rETH to the caller for the deposit net of
            the deposit fee. The whole deposit stays in the pool: the fee is
            never minted, so it accrues to rETH holders at the next report.
            Then assigns deposits to queued minipools.
    """
    settings: IRocketDAOProtocolSettings = self._settings()
    assert (
        staticcall settings.getDepositEnabled()
    ), "deposit pool: deposits are disabled"
    assert (
        msg.value >= staticcall settings.getMinimumDeposit()
    ), "deposit pool: deposit below minimum"
    capacity_needed: uint256 = self._balance() + msg.value
    maximum: uint256 = staticcall settings.getMaximumDepositPoolSize()
    if capacity_needed > maximum:
        assert (
            staticcall settings.getAssignDepositsEnabled()
        ), "deposit pool: deposit exceeds the maximum pool size"
        assert (
            capacity_needed <= maximum + self._queue_capacity()
        ), "deposit pool: deposit exceeds the maximum pool size and queue capacity"
    fee: uint256 = msg.value * staticcall settings.getDepositFee() // ONE
    extcall IRocketTokenRETH(rocket_base._contract("rocketTokenRETH")).mint(
        msg.value - fee, msg.sender
    )
    log DepositReceived(
        sender=msg.sender, amount=msg.value, time=block.timestamp
    )
    self._process_deposit(settings, msg.value)


@external
@view
def getMaximumDepositAmount() -> uint256:
    """
    @notice The largest deposit the pool accepts now, in wei: up to the
            maximum pool size, plus the queue's capacity while assignment is
            enabled; 0 when deposits are disabled.
    """
    settings: IRocketDAOProtocolSettings = self._settings()
    if not staticcall settings.getDepositEnabled():
        return 0
    maximum: uint256 = staticcall settings.getMaximumDepositPoolSize()
    if staticcall settings.getAssignDepositsEnabled():
        maximum += self._queue_capacity()
    balance: uint256 = self._balance()
    if balance >= maximum:
        return 0
    return maximum - balance


# @dev Balances
@external
@view
@reentrant
def getBalance() -> uint256:
    """
    @notice The pool's ETH (held in the vault), in wei.
    """
    return self._balance()


@external
@view
@reentrant
def getNodeBalance() -> uint256:
    """
    @notice The part of the pool that is queued node operators' bond ETH.
    """
    return self._node_balance


@external
@view
@reentrant
def getUserBalance() -> int256:
    """
    @notice The users' part of the pool: balance minus node balance. It is
            negative when assignment has used node ETH lent by operators
            still in the queue.
    """
    return convert(self._balance(), int256) - convert(
        self._node_balance, int256
    )


@external
@view
@reentrant
def getExcessBalance() -> uint256:
    """
    @notice The pool's ETH beyond what the queued minipools need (31 ETH
            each): what burns may draw on.
    """
    return self._excess_balance()


# @dev Network-contract entry points
@external
@payable
def nodeDeposit(total_amount: uint256):
    """
    @notice Receives a node operator's bond ETH (less the 1 ETH pre-deposit)
            and records `total_amount` as node balance; with no ETH, records
            deposit credit granted by a bond reduction. Node deposit
            contract only.
    @param total_amount The node balance to record, in wei.
    """
    assert rocket_base._is_contract(
        "rocketNodeDeposit", msg.sender
    ), "deposit pool: caller is not node deposit"
    if msg.value > 0:
        extcall self._vault().depositEther(value=msg.value)
    self._node_balance += total_amount


@external
def nodeCreditWithdrawal(amount: uint256):
    """
    @notice Sends `amount` of the node balance's ETH to the node deposit
            contract, for a minipool funded from deposit credit (which is
            node balance here). Node deposit contract only.
    @param amount Wei.
    """
    assert rocket_base._is_contract(
        "rocketNodeDeposit", msg.sender
    ), "deposit pool: caller is not node deposit"
    assert (
        amount <= self._node_balance
    ), "deposit pool: withdrawal exceeds node balance"
    self._node_balance -= amount
    extcall self._vault().withdrawEther(amount)
    success: bool = raw_call(
        msg.sender, b"", value=amount, revert_on_failure=False
    )
    assert success, "deposit pool: ETH transfer failed"


@external
@payable
def recycleDissolvedDeposit():
    """
    @notice Takes back the user ETH of a dissolved minipool. Registered
            minipools only.
    """
    assert staticcall IRocketMinipoolManager(
        rocket_base._contract("rocketMinipoolManager")
    ).getMinipoolExists(
        msg.sender
    ), "deposit pool: caller is not a registered minipool"
    log DepositRecycled(
        sender=msg.sender, amount=msg.value, time=block.timestamp
    )
    self._process_deposit(self._settings(), msg.value)


@external
@payable
def recycleExcessCollateral():
    """
    @notice Takes back rETH collateral above the target rate. rETH only.
    """
    assert rocket_base._is_contract(
        "rocketTokenRETH", msg.sender
    ), "deposit pool: caller is not rETH"
    log DepositRecycled(
        sender=msg.sender, amount=msg.value, time=block.timestamp
    )
    self._process_deposit(self._settings(), msg.value)


@external
@payable
def recycleLiquidatedStake():
    """
    @notice Takes the ETH raised by auctioning slashed RPL. Auction manager
            only.
    """
    assert rocket_base._is_contract(
        "rocketAuctionManager", msg.sender
    ), "deposit pool: caller is not the auction manager"
    log DepositRecycled(
        sender=msg.sender, amount=msg.value, time=block.timestamp
    )
    self._process_deposit(self._settings(), msg.value)


@external
def withdrawExcessBalance(amount: uint256):
    """
    @notice Sends `amount` of excess ETH to rETH for a burn. rETH only.
    @param amount Wei; at most `getExcessBalance()`.
    """
    reth: address = rocket_base._contract("rocketTokenRETH")
    assert msg.sender == reth, "deposit pool: caller is not rETH"
    assert (
        amount <= self._excess_balance()
    ), "deposit pool: insufficient excess balance"
    extcall self._vault().withdrawEther(amount)
    extcall IRocketTokenRETH(reth).depositExcess(value=amount)
    log ExcessWithdrawn(to=msg.sender, amount=amount, time=block.timestamp)


@external
@payable
@reentrant
def receiveVaultWithdrawalETH():
    """
    @notice Receives ETH the vault returns. Vault only.
    @dev Reentrant: the vault calls it from inside this contract's own
         withdrawals. It only accepts ETH.
    """
    assert rocket_base._is_contract(
        "rocketVault", msg.sender
    ), "deposit pool: caller is not the vault"


# @dev Assignment
@external
def assignDeposits():
    """
    @notice Assigns pool ETH to queued minipools. Reverts when assignment is
            disabled.
    """
    assert self._assign_deposits(
        self._settings(), 0
    ), "deposit pool: deposit assignments are disabled"


@external
def maybeAssignDeposits() -> bool:
    """
    @notice Assigns pool ETH to queued minipools if assignment is enabled.
    @return Whether assignment is enabled.
    """
    return self._assign_deposits(self._settings(), 0)


# @dev Internal functions
@internal
def _process_deposit(settings: IRocketDAOProtocolSettings, amount: uint256):
    if amount > 0:
        extcall self._vault().depositEther(value=amount)
    self._assign_deposits(settings, amount)


@internal
def _assign_deposits(
    settings: IRocketDAOProtocolSettings, paid: uint256
) -> bool:
    """
    @dev Funds up to `socialised maximum + paid // 31 ETH` queued minipools,
         no more than the pool's ETH pays for and no more than the per-call
         maximum, so one call's work stays bounded.
    """
    if not staticcall settings.getAssignDepositsEnabled():
        return False
    assignments: uint256 = (
        staticcall settings.getMaximumDepositSocialisedAssignments()
        + paid // VARIABLE_DEPOSIT_AMOUNT
    )
    assignments = min(assignments, self._balance() // VARIABLE_DEPOSIT_AMOUNT)
    assignments = min(
        assignments, staticcall settings.getMaximumDepositAssignments()
    )
    if assignments == 0:
        return True
    minipools: DynArray[
        address, MAX_ASSIGNMENTS
    ] = extcall IRocketMinipoolQueue(
        rocket_base._contract("rocketMinipoolQueue")
    ).dequeueMinipools(
        assignments
    )
    if len(minipools) == 0:
        return True
    extcall self._vault().withdrawEther(
        len(minipools) * VARIABLE_DEPOSIT_AMOUNT
    )
    node_balance_used: uint256 = 0
    for minipool: address in minipools:
        extcall IRocketMinipool(minipool).deposit(value=VARIABLE_DEPOSIT_AMOUNT)
        node_balance_used += staticcall IRocketMinipool(
            minipool
        ).getNodeTopUpValue()
        log DepositAssigned(
            minipool=minipool,
            amount=VARIABLE_DEPOSIT_AMOUNT,
            time=block.timestamp,
        )
    self._node_balance -= node_balance_used
    return True


@internal
@view
def _balance() -> uint256:
    return staticcall self._vault().balanceOf("rocketDepositPool")


@internal
@view
def _queue_capacity() -> uint256:
    return staticcall IRocketMinipoolQueue(
        rocket_base._contract("rocketMinipoolQueue")
    ).getEffectiveCapacity()


@internal
@view
def _excess_balance() -> uint256:
    capacity: uint256 = self._queue_capacity()
    balance: uint256 = self._balance()
    if capacity >= balance:
        return 0
    return balance - capacity


@internal
@view
def _settings() -> IRocketDAOProtocolSettings:
    return IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    )


@internal
@view
def _vault() -> IRocketVault:
    return IRocketVault(rocket_base._contract("rocketVault"))
