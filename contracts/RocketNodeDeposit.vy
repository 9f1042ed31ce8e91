# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rocket Pool node deposit
@notice A registered node bonds 8 or 16 ETH to create a minipool: the
        minipool is created at the CREATE2 address the node expects, 1 ETH
        of the bond is pre-deposited at once to the beacon deposit contract
        with the minipool's withdrawal credentials, the rest of the bond
        joins the deposit pool as node balance, and the minipool joins the
        queue for 31 ETH of depositor ETH. Also keeps each node's deposit
        credit: ETH a bond reduction released, usable only to bond anew.
"""

from interfaces import IDepositContract
from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketDepositPool
from interfaces import IRocketMinipoolManager
from interfaces import IRocketMinipoolManagerNetwork
from interfaces import IRocketMinipoolQueue
from interfaces import IRocketNodeDeposit
from interfaces import IRocketNodeManager
from interfaces import IRocketNodeStaking

implements: IRocketNodeDeposit

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
LAUNCH_BALANCE: constant(uint256) = 32 * 10**18
PRELAUNCH_VALUE: constant(uint256) = 10**18
SMALL_BOND: constant(uint256) = 8 * 10**18
LARGE_BOND: constant(uint256) = 16 * 10**18


# @dev Storage
_deposit_credit: HashMap[address, uint256]


# @dev Events
event DepositReceived:
    sender: indexed(address)
    amount: uint256
    time: uint256


event DepositCreditIncreased:
    node: indexed(address)
    amount: uint256
    time: uint256


event DepositCreditUsed:
    node: indexed(address)
    amount: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


@external
@payable
@reentrant
def __default__():
    """
    @notice Receives the ETH the deposit pool sends for a credit-funded
            pre-deposit. Deposit pool only.
    @dev Reentrant: the pool sends it from inside `depositWithCredit`,
         which holds this contract's lock. It only accepts ETH.
    """
    assert rocket_base._is_contract(
        "rocketDepositPool", msg.sender
    ), "node deposit: caller is not the deposit pool"


# @dev Deposits
@external
@payable
def deposit(
    bondAmount: uint256,
    minimumNodeFee: uint256,
    validatorPubkey: Bytes[48],
    validatorSignature: Bytes[96],
    depositDataRoot: bytes32,
    salt: uint256,
    expectedMinipoolAddress: address,
):
    """
    @notice Creates a minipool with a bond of `bondAmount`, sent in full.
            Registered nodes only.
    @param bondAmount 8 or 16 ETH, in wei; must equal `msg.value`.
    @param minimumNodeFee Revert if the network node fee is below this.
    @param validatorPubkey The validator's 48-byte key, never used before.
    @param validatorSignature The validator's 96-byte deposit signature.
    @param depositDataRoot The SSZ root of the 1 ETH pre-deposit's data
           (withdrawal credentials: 0x01 ++ 11 zero bytes ++ the minipool).
    @param salt The node's salt for the minipool's CREATE2 address.
    @param expectedMinipoolAddress Revert unless the minipool lands here.
    """
    self._check_deposit(bondAmount)
    assert (
        msg.value == bondAmount
    ), "node deposit: value does not match bond amount"
    self._deposit(
        bondAmount,
        minimumNodeFee,
        validatorPubkey,
        validatorSignature,
        depositDataRoot,
        salt,
        expectedMinipoolAddress,
        msg.value,
    )


@external
@payable
def depositWithCredit(
    bondAmount: uint256,
    minimumNodeFee: uint256,
    validatorPubkey: Bytes[48],
    validatorSignature: Bytes[96],
    depositDataRoot: bytes32,
    salt: uint256,
    expectedMinipoolAddress: address,
):
    """
    @notice As `deposit`, but the part of the bond not sent is paid from the
            node's deposit credit, which shrinks by exactly that much. The
            credit is usable up to the deposit pool's balance (it is paid
            from the pool's ETH). Sending more than the bond is refused, so
            no ETH is ever kept silently.
    @param bondAmount 8 or 16 ETH, in wei; at least `msg.value`.
    @param minimumNodeFee Revert if the network node fee is below this.
    @param validatorPubkey The validator's 48-byte key, never used before.
    @param validatorSignature The validator's 96-byte deposit signature.
    @param depositDataRoot The SSZ root of the 1 ETH pre-deposit's data.
    @param salt The node's salt for the minipool's CREATE2 address.
    @param expectedMinipoolAddress Revert unless the minipool lands here.
    """
    self._check_deposit(bondAmount)
    assert msg.value <= bondAmount, "node deposit: value exceeds bond amount"
    shortfall: uint256 = bondAmount - msg.value
    assert (
        self._usable_credit(msg.sender) >= shortfall
    ), "node deposit: insufficient deposit credit"
    if shortfall > 0:
        self._deposit_credit[msg.sender] -= shortfall
        log DepositCreditUsed(
            node=msg.sender, amount=shortfall, time=block.timestamp
        )
    self._deposit(
        bondAmount,
        minimumNodeFee,
        validatorPubkey,
        validatorSignature,
        depositDataRoot,
        salt,
        expectedMinipoolAddress,
        msg.value,
    )


# @dev Deposit credit
@external
def increaseDepositCreditBalance(node_address: address, amount: uint256):
    """
    @notice Credits `node_address` with ETH a bond reduction released. Bond
            reducer only.
    @param node_address The node.
    @param amount Wei.
    """
    assert rocket_base._is_contract(
        "rocketMinipoolBondReducer", msg.sender
    ), "node deposit: caller is not the bond reducer"
    self._deposit_credit[node_address] += amount
    # @dev The users' capital in the minipool grew by `amount` while no ETH
    #      moved: until the node spends it, the credit is the node's claim
    #      on the pool, so it is recorded as node balance there. Otherwise
    #      the pool's user balance would count it for rETH holders twice.
    extcall IRocketDepositPool(
        rocket_base._contract("rocketDepositPool")
    ).nodeDeposit(amount)
    log DepositCreditIncreased(
        node=node_address, amount=amount, time=block.timestamp
    )


@external
@view
def getDepositCredit(node_address: address) -> uint256:
    """
    @notice The node's deposit credit.
    @param node_address The node.
    @return Wei.
    """
    return self._deposit_credit[node_address]


@external
@view
def getNodeUsableCredit(node_address: address) -> uint256:
    """
    @notice The part of the node's credit usable now: at most the deposit
            pool's balance.
    @param node_address The node.
    @return Wei.
    """
    return self._usable_credit(node_address)


# @dev Views
@external
@view
def getNodeFee() -> uint256:
    """
    @notice The network node fee a new minipool gets: the target fee,
            clamped to the minimum and maximum.
    @return A fraction of 1e18.
    """
    return self._network_node_fee()


@external
@pure
def isValidDepositAmount(amount: uint256) -> bool:
    """
    @notice Whether `amount` is a valid bond.
    @param amount Wei.
    @return True for 8 or 16 ETH.
    """
    return amount == SMALL_BOND or amount == LARGE_BOND


@external
@pure
def getDepositAmounts() -> DynArray[uint256, 2]:
    """
    @notice The valid bonds.
    @return [16 ETH, 8 ETH].
    """
    return [LARGE_BOND, SMALL_BOND]


# @dev Internal functions
@internal
@view
def _check_deposit(bond_amount: uint256):
    assert staticcall IRocketNodeManager(
        rocket_base._contract("rocketNodeManager")
    ).getNodeExists(msg.sender), "node deposit: node not registered"
    assert (
        staticcall self._settings().getNodeDepositEnabled()
    ), "node deposit: node deposits are disabled"
    assert (
        bond_amount == SMALL_BOND or bond_amount == LARGE_BOND
    ), "node deposit: invalid bond amount"


@internal
def _deposit(
    bond_amount: uint256,
    minimum_node_fee: uint256,
    validator_pubkey: Bytes[48],
    validator_signature: Bytes[96],
    deposit_data_root: bytes32,
    salt: uint256,
    expected_minipool: address,
    value_sent: uint256,
):
    """
    @dev `value_sent` (`msg.value`) plus the credit already taken equals the
         bond. Of the ETH in hand, 1 ETH is pre-deposited (topped up from
         the pool's node balance when credit paid for part of it) and the
         rest goes to the pool as node balance. The credit used was already
         node balance (see `increaseDepositCreditBalance`), so the pool's
         node balance ends up as the bond less 1 ETH for the new minipool,
         and the users' part of the pool does not change.
    """
    node_fee: uint256 = self._network_node_fee()
    assert (
        node_fee >= minimum_node_fee
    ), "node deposit: minimum node fee exceeds network node fee"
    manager: address = rocket_base._contract("rocketMinipoolManager")
    matched: uint256 = staticcall IRocketMinipoolManager(
        manager
    ).getNodeETHMatched(msg.sender) + (LAUNCH_BALANCE - bond_amount)
    assert matched <= staticcall IRocketNodeStaking(
        rocket_base._contract("rocketNodeStaking")
    ).getNodeETHMatchedLimit(msg.sender), "node deposit: insufficient RPL stake"
    assert not staticcall IRocketMinipoolManager(manager).getMinipoolExists(
        expected_minipool
    ) and not staticcall IRocketMinipoolManagerNetwork(
        manager
    ).getMinipoolDestroyed(
        expected_minipool
    ), "node deposit: minipool address already used"

    log DepositReceived(
        sender=msg.sender, amount=value_sent, time=block.timestamp
    )
    minipool: address = extcall IRocketMinipoolManagerNetwork(
        manager
    ).createMinipool(msg.sender, salt, bond_amount, node_fee, validator_pubkey)
    assert (
        minipool == expected_minipool
    ), "node deposit: unexpected minipool address"

    pool: IRocketDepositPool = IRocketDepositPool(
        rocket_base._contract("rocketDepositPool")
    )
    in_hand: uint256 = value_sent
    if in_hand < PRELAUNCH_VALUE:
        extcall pool.nodeCreditWithdrawal(PRELAUNCH_VALUE - in_hand)
        in_hand = PRELAUNCH_VALUE
    # @dev Exactly 1 ETH, never this contract's balance.
    extcall IDepositContract(rocket_base._contract("casperDeposit")).deposit(
        validator_pubkey,
        concat(b"\x01", empty(bytes11), convert(minipool, bytes20)),
        validator_signature,
        deposit_data_root,
        value=PRELAUNCH_VALUE,
    )
    extcall pool.nodeDeposit(
        in_hand - PRELAUNCH_VALUE, value=in_hand - PRELAUNCH_VALUE
    )
    extcall IRocketMinipoolQueue(
        rocket_base._contract("rocketMinipoolQueue")
    ).enqueueMinipool(minipool)
    extcall pool.maybeAssignDeposits()


@internal
@view
def _usable_credit(node_address: address) -> uint256:
    return min(
        self._deposit_credit[node_address],
        staticcall IRocketDepositPool(
            rocket_base._contract("rocketDepositPool")
        ).getBalance(),
    )


@internal
@view
def _network_node_fee() -> uint256:
    settings: IRocketDAOProtocolSettings = self._settings()
    fee: uint256 = staticcall settings.getTargetNodeFee()
    fee = max(fee, staticcall settings.getMinimumNodeFee())
    return min(fee, staticcall settings.getMaximumNodeFee())


@internal
@view
def _settings() -> IRocketDAOProtocolSettings:
    return IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    )
