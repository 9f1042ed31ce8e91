# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rocket Pool minipool
@notice One validator: the node operator's bond (8 or 16 ETH) matched with
        depositor ETH to 32 ETH. The minipool manager creates it from a
        blueprint and initialises it once; it then goes Initialised (queued)
        -> Prelaunch (31 ETH assigned) -> Staking (31 ETH sent to the beacon
        deposit contract), or Prelaunch -> Dissolved (scrubbed by the oDAO or
        timed out) -> closed. The beacon chain pays skims and the exit to
        this contract's address; `distributeBalance` splits them between the
        node (through its refund balance) and the rETH contract, as
        ROCKETPOOL.md's "Rewards, exits and losses" says.
@dev The blueprint's constructor takes no arguments: it reads the directory
     from the deploying manager, so every minipool finds its peers by name
     like any network contract.
"""

from interfaces import IDepositContract
from interfaces import IRocketDAONodeTrusted
from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketDepositPool
from interfaces import IRocketMinipool
from interfaces import IRocketMinipoolManagerNetwork
from interfaces import IRocketMinipoolNetwork
from interfaces import IRocketMinipoolPenalty
from interfaces import IRocketNodeManager
from interfaces import IRocketNodeStaking
from interfaces import IRocketTokenRETH

implements: IRocketMinipool
implements: IRocketMinipoolNetwork

import odao_votes
import rocket_base

initializes: rocket_base
initializes: odao_votes[rocket_base := rocket_base]

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
ONE: constant(uint256) = 10**18
LAUNCH_BALANCE: constant(uint256) = 32 * 10**18
PRELAUNCH_VALUE: constant(uint256) = 10**18
# What `stake()` sends: the launch balance less the pre-deposit.
STAKE_VALUE: constant(uint256) = 31 * 10**18
# A balance below this is skimmed rewards; at or above it, a full exit.
FULL_EXIT_THRESHOLD: constant(uint256) = 8 * 10**18
SMALL_BOND: constant(uint256) = 8 * 10**18
LARGE_BOND: constant(uint256) = 16 * 10**18

# The one oDAO ballot a minipool holds: whether to scrub it.
SCRUB_BALLOT: constant(bytes32) = keccak256("minipool.scrub")
# Statuses, numbered as the reference numbers them.
INITIALISED: constant(uint8) = 0
PRELAUNCH: constant(uint8) = 1
STAKING: constant(uint8) = 2
WITHDRAWABLE: constant(uint8) = 3  # unused since Atlas
DISSOLVED: constant(uint8) = 4


# @dev Immutables
MINIPOOL_MANAGER: public(immutable(address))


# @dev Storage
_initialised: bool
_status: uint8
_status_time: uint256
_status_block: uint256
_node_address: address
_node_fee: uint256
_node_deposit_balance: uint256
_user_deposit_balance: uint256
_user_deposit_assigned_time: uint256
_node_refund_balance: uint256
_node_slash_balance: uint256
_validator_pubkey: Bytes[48]
_user_distribute_time: uint256
# Set when a non-owner distributed the exit: capital is gone, the node
# still has to finalise (through `refund`, `finalise` or a distribution).
_user_distributed: bool
_finalised: bool
_closed: bool


# @dev Events
event StatusUpdated:
    status: indexed(uint8)
    time: uint256


event EtherDeposited:
    sender: indexed(address)
    amount: uint256
    time: uint256


event EtherWithdrawn:
    to: indexed(address)
    amount: uint256
    time: uint256


event EtherWithdrawalProcessed:
    executed: indexed(address)
    nodeAmount: uint256
    userAmount: uint256
    totalBalance: uint256
    time: uint256


event ScrubVoted:
    member: indexed(address)
    time: uint256


event MinipoolScrubbed:
    time: uint256


event BondReduced:
    previousBondAmount: uint256
    newBondAmount: uint256
    time: uint256


event UserDistributeBegun:
    sender: indexed(address)
    time: uint256


@deploy
def __init__():
    """
    @dev Run by `create_from_blueprint` inside the manager, which is
         therefore `msg.sender` and tells us the directory.
    """
    MINIPOOL_MANAGER = msg.sender
    rocket_base.__init__(
        (
            staticcall IRocketMinipoolManagerNetwork(
                msg.sender
            ).ROCKET_STORAGE()
        ).address
    )


@external
@payable
def __default__():
    """
    @notice Accepts ETH: beacon-chain skims and exits arrive this way (on the
            real chain without running any code), and so can gifts. All of
            it is split by `distributeBalance`.
    """
    pass


# @dev Creation
@external
def initialise(
    node_address: address,
    node_fee: uint256,
    bond_amount: uint256,
    validator_pubkey: Bytes[48],
):
    """
    @notice Sets the owner, commission, bond and validator key, once. The
            minipool manager calls it right after creating the minipool.
    @param node_address The owning node.
    @param node_fee The node's commission on user rewards (fraction of 1e18).
    @param bond_amount The node's bond: 8 or 16 ETH, in wei.
    @param validator_pubkey The validator's 48-byte public key.
    """
    assert (
        msg.sender == MINIPOOL_MANAGER
    ), "minipool: caller is not the minipool manager"
    assert not self._initialised, "minipool: already initialised"
    assert node_address != empty(address), "minipool: invalid node address"
    assert (
        bond_amount == SMALL_BOND or bond_amount == LARGE_BOND
    ), "minipool: invalid bond amount"
    self._initialised = True
    self._node_address = node_address
    self._node_fee = node_fee
    self._node_deposit_balance = bond_amount
    self._validator_pubkey = validator_pubkey
    self._set_status(INITIALISED)


# @dev Lifecycle
@external
@payable
def deposit():
    """
    @notice Receives the 31 ETH of depositor ETH assignment gives a queued
            minipool: status Prelaunch, user deposit 32 ETH less the bond.
            Deposit pool only.
    """
    assert rocket_base._is_contract(
        "rocketDepositPool", msg.sender
    ), "minipool: caller is not the deposit pool"
    assert (
        self._initialised and self._status == INITIALISED
    ), "minipool: deposit can only be assigned while initialised"
    assert msg.value == STAKE_VALUE, "minipool: invalid deposit amount"
    # The 1 ETH pre-deposit already on the beacon chain came from the bond.
    self._user_deposit_balance = (
        msg.value + PRELAUNCH_VALUE - self._node_deposit_balance
    )
    self._user_deposit_assigned_time = block.timestamp
    self._set_status(PRELAUNCH)
    log EtherDeposited(
        sender=msg.sender, amount=msg.value, time=block.timestamp
    )


@external
def stake(validatorSignature: Bytes[96], depositDataRoot: bytes32):
    """
    @notice Sends exactly 31 ETH to the beacon deposit contract for this
            minipool's validator, once the scrub period is over: status
            Staking. Owner (node) only.
    @param validatorSignature The validator's signature over the deposit.
    @param depositDataRoot The SSZ root of the 31 ETH deposit data.
    """
    self._only_node()
    assert (
        self._status == PRELAUNCH
    ), "minipool: can only stake while in prelaunch"
    assert (
        block.timestamp
        > self._status_time + staticcall self._settings().getScrubPeriod()
    ), "minipool: scrub period has not ended"
    assert (
        self.balance >= STAKE_VALUE
    ), "minipool: insufficient balance to stake"
    self._set_status(STAKING)
    # @dev Exactly the stake value, never `self.balance`: anything extra
    #      (gifts) stays here and is distributed as rewards.
    extcall IDepositContract(rocket_base._contract("casperDeposit")).deposit(
        self._validator_pubkey,
        self._withdrawal_credentials(),
        validatorSignature,
        depositDataRoot,
        value=STAKE_VALUE,
    )
    extcall self._manager().incrementNodeStakingMinipoolCount()


@external
def dissolve():
    """
    @notice Dissolves a minipool still in prelaunch after the launch
            timeout, returning the user deposit to the deposit pool. Anyone
            may call it.
    """
    assert (
        self._status == PRELAUNCH
    ), "minipool: can only dissolve while in prelaunch"
    assert (
        block.timestamp - self._status_time
        >= staticcall self._settings().getLaunchTimeout()
    ), "minipool: launch timeout has not passed"
    self._dissolve(0)


@external
def voteScrub():
    """
    @notice An oDAO member votes to scrub this minipool (its pre-deposit's
            withdrawal credentials are wrong). Only during the scrub period.
            When the share of members who voted reaches the scrub quorum
            (the rule the oracle uses: `1e18 * votes / members >= quorum`),
            the minipool is dissolved. With the scrub penalty enabled, the
            users are repaid their capital plus the penalty, taken from the
            node's bond still held here (v1.3.1's `_dissolve(scrubPenalty)`);
            the node closes the minipool for the rest.
    """
    assert (
        self._status == PRELAUNCH
    ), "minipool: can only scrub while in prelaunch"
    nonce: uint256 = odao_votes._member_nonce(msg.sender)
    assert nonce != 0, "minipool: caller is not an oDAO member"
    settings: IRocketDAOProtocolSettings = self._settings()
    assert (
        block.timestamp
        <= self._status_time + staticcall settings.getScrubPeriod()
    ), "minipool: scrub period has ended"
    assert not odao_votes._has_voted(
        SCRUB_BALLOT, msg.sender
    ), "minipool: member has already voted to scrub"
    odao_votes._cast(SCRUB_BALLOT, msg.sender, nonce)
    log ScrubVoted(member=msg.sender, time=block.timestamp)
    if odao_votes._reached(SCRUB_BALLOT, staticcall settings.getScrubQuorum()):
        penalty: uint256 = 0
        if staticcall settings.getScrubPenaltyEnabled():
            # @dev The bond left here is the bond less the 1 ETH pre-deposit
            #      (the beacon chain holds that): the penalty setting may go
            #      up to 8 ETH, so cap it there rather than touch gifts or
            #      fail to scrub.
            penalty = min(
                staticcall settings.getScrubPenalty(),
                self._node_deposit_balance - PRELAUNCH_VALUE,
            )
        self._dissolve(penalty)
        log MinipoolScrubbed(time=block.timestamp)


@external
def close():
    """
    @notice Closes a dissolved minipool: pays its whole balance to the
            node's withdrawal address and destroys its record, so its
            address can never host a minipool again. Owner (node) only.
    """
    self._only_node()
    assert (
        self._status == DISSOLVED
    ), "minipool: can only close while dissolved"
    assert not self._closed, "minipool: already closed"
    self._closed = True
    self._node_deposit_balance = 0
    self._user_deposit_balance = 0
    self._node_refund_balance = 0
    extcall self._manager().destroyMinipool()
    self._pay_owner_everything()


# @dev Distribution
@external
def distributeBalance(rewardsOnly: bool):
    """
    @notice Splits this contract's balance (less the node's refund balance).
            Below 8 ETH it is skimmed rewards, split by capital and node fee,
            and anyone may distribute it. From 8 ETH it is the validator's
            exit: the owner distributes and finalises at once; anyone else
            only inside the user-distribute window, and the owner finalises
            later. Once the exit has been distributed, whatever arrives is
            rewards. A dissolved minipool's balance goes wholly to its owner,
            on the owner's call. The node's share always goes to the refund
            balance, the users' share to the rETH contract.
    @param rewardsOnly Revert rather than distribute an exit (protects a
           skim distribution from a front-run exit).
    """
    owner_calling: bool = self._is_owner(msg.sender)
    if self._status == DISSOLVED:
        assert (
            owner_calling
        ), "minipool: only the owner can distribute a dissolved minipool"
        self._pay_owner_everything()
        return
    assert self._status == STAKING, "minipool: minipool must be staking"
    balance: uint256 = self.balance - self._node_refund_balance
    capital_distributed: bool = self._user_distributed or self._finalised
    if balance >= FULL_EXIT_THRESHOLD and not capital_distributed:
        assert not rewardsOnly, "minipool: balance exceeds 8 ETH"
        if not owner_calling:
            assert (
                self._user_distribute_allowed()
            ), "minipool: only the owner can distribute right now"
        self._distribute_exit(balance)
        if owner_calling:
            self._finalise()
        else:
            self._user_distributed = True
    else:
        self._distribute_rewards(balance)
        if owner_calling:
            if self._user_distributed and not self._finalised:
                self._finalise()
            elif self._node_refund_balance > 0:
                self._refund()
    self._user_distribute_time = 0


@external
def beginUserDistribute():
    """
    @notice Starts the user-distribute timer for an exited minipool whose
            owner does not distribute: 90 days on, anyone may, for 2 days.
            A running timer cannot be restarted until its window has passed,
            so nobody can keep pushing the users' distribution back.
    """
    assert self._status == STAKING, "minipool: minipool must be staking"
    assert (
        not self._user_distributed and not self._finalised
    ), "minipool: balance already distributed"
    assert (
        self.balance - self._node_refund_balance >= FULL_EXIT_THRESHOLD
    ), "minipool: balance too low"
    started: uint256 = self._user_distribute_time
    if started != 0:
        settings: IRocketDAOProtocolSettings = self._settings()
        assert block.timestamp >= (
            started
            + staticcall settings.getUserDistributeWindowStart()
            + staticcall settings.getUserDistributeWindowLength()
        ), "minipool: user distribution already pending"
    self._user_distribute_time = block.timestamp
    log UserDistributeBegun(sender=msg.sender, time=block.timestamp)


@external
@view
def userDistributeAllowed() -> bool:
    """
    @notice Whether a non-owner may distribute the exit now: inside
            [start + window start, start + window start + window length).
    @return True inside the window.
    """
    return self._user_distribute_allowed()


@external
def refund():
    """
    @notice Pays the node's refund balance to its withdrawal address. After
            a user distribution it finalises the minipool first, so the
            node cannot take its exit ETH without the minipool's counters
            and slashing being settled. Owner (node or withdrawal address).
    """
    assert self._is_owner(
        msg.sender
    ), "minipool: caller is not the minipool owner"
    assert self._node_refund_balance > 0, "minipool: no refund balance"
    if self._user_distributed and not self._finalised:
        self._finalise()
    else:
        self._refund()


@external
def finalise():
    """
    @notice Finalises after a user distribution, even when the node has
            nothing to be refunded. Owner (node or withdrawal address).
    """
    assert self._is_owner(
        msg.sender
    ), "minipool: caller is not the minipool owner"
    assert (
        self._user_distributed
    ), "minipool: can only finalise after a user distribution"
    self._finalise()


@external
def slash():
    """
    @notice Slashes the node's RPL for the slash balance (users' capital the
            exit did not cover). Anyone may call it.
    """
    assert self._node_slash_balance > 0, "minipool: no balance to slash"
    self._slash()


@external
@view
def calculateNodeShare(balance: uint256) -> uint256:
    """
    @notice The node's part of `balance` (which excludes the refund balance)
            if it were distributed now: below 8 ETH a rewards split; from
            8 ETH an exit, where the node gets its capital plus its rewards
            split above user + node capital, absorbs losses first, and gets
            nothing at or below the user capital.
    @param balance Wei.
    @return The node's share, in wei.
    """
    return self._calculate_node_share(balance)


@external
@view
def calculateUserShare(balance: uint256) -> uint256:
    """
    @notice `balance - calculateNodeShare(balance)`.
    @param balance Wei.
    @return The users' share, in wei.
    """
    return balance - self._calculate_node_share(balance)


# @dev Bond reduction
@external
def reduceBondAmount():
    """
    @notice Reduces a 16 ETH bond to 8 ETH: the node's capital becomes 8 ETH
            and the users' 24 ETH. Skimmed rewards are first distributed at
            the old capital ratio. Bond reducer only (it checks the waiting
            window, the oDAO's cancel votes and the node's RPL).
    """
    assert rocket_base._is_contract(
        "rocketMinipoolBondReducer", msg.sender
    ), "minipool: caller is not the bond reducer"
    assert self._status == STAKING, "minipool: minipool must be staking"
    assert (
        not self._user_distributed and not self._finalised
    ), "minipool: balance already distributed"
    assert (
        self._node_deposit_balance == LARGE_BOND
    ), "minipool: bond is not 16 ETH"
    balance: uint256 = self.balance - self._node_refund_balance
    assert (
        balance < FULL_EXIT_THRESHOLD
    ), "minipool: cannot reduce bond with a balance of 8 ETH or more"
    if balance > 0:
        self._distribute_rewards(balance)
    reduction: uint256 = LARGE_BOND - SMALL_BOND
    self._node_deposit_balance = SMALL_BOND
    self._user_deposit_balance += reduction
    log BondReduced(
        previousBondAmount=LARGE_BOND,
        newBondAmount=SMALL_BOND,
        time=block.timestamp,
    )


# @dev Views
@external
@view
def getStatus() -> uint8:
    """
    @notice Initialised 0, Prelaunch 1, Staking 2, Withdrawable 3 (unused),
            Dissolved 4.
    @return The status.
    """
    return self._status


@external
@view
def getStatusTime() -> uint256:
    """
    @notice When the status last changed.
    @return A timestamp.
    """
    return self._status_time


@external
@view
def getStatusBlock() -> uint256:
    """
    @notice The block in which the status last changed.
    @return A block number.
    """
    return self._status_block


@external
@view
def getInitialised() -> bool:
    """
    @notice Whether the manager has initialised this minipool.
    @return True once initialised.
    """
    return self._initialised


@external
@view
def getFinalised() -> bool:
    """
    @notice Whether the minipool has been finalised (exit settled, counters
            updated). Happens once at most.
    @return True once finalised.
    """
    return self._finalised


@external
@view
def getUserDistributed() -> bool:
    """
    @notice Whether a non-owner distributed the exit.
    @return True after a user distribution.
    """
    return self._user_distributed


@external
@view
def getUserDistributeTime() -> uint256:
    """
    @notice When `beginUserDistribute` started the timer, 0 if none runs.
    @return A timestamp.
    """
    return self._user_distribute_time


@external
@view
def getNodeAddress() -> address:
    """
    @notice The owning node.
    @return The node's address.
    """
    return self._node_address


@external
@view
def getNodeFee() -> uint256:
    """
    @notice The node's commission on user rewards, fixed at creation.
    @return A fraction of 1e18.
    """
    return self._node_fee


@external
@view
def getNodeDepositBalance() -> uint256:
    """
    @notice The node's capital (its bond): 8 or 16 ETH.
    @return Wei.
    """
    return self._node_deposit_balance


@external
@view
def getUserDepositBalance() -> uint256:
    """
    @notice The users' capital: 32 ETH less the bond once assigned, else 0.
    @return Wei.
    """
    return self._user_deposit_balance


@external
@view
def getUserDepositAssignedTime() -> uint256:
    """
    @notice When the deposit pool assigned the 31 ETH, 0 if not yet.
    @return A timestamp.
    """
    return self._user_deposit_assigned_time


@external
@view
def getNodeRefundBalance() -> uint256:
    """
    @notice ETH held here for the node, paid out by `refund`.
    @return Wei.
    """
    return self._node_refund_balance


@external
@view
def getNodeSlashBalance() -> uint256:
    """
    @notice Users' capital the exit did not cover, to be slashed from the
            node's RPL.
    @return Wei.
    """
    return self._node_slash_balance


@external
@view
def getNodeTopUpValue() -> uint256:
    """
    @notice The part of the bond that went to the deposit pool (bond less the
            1 ETH pre-deposit); the pool takes it off its node balance on
            assignment.
    @return Wei.
    """
    return self._node_deposit_balance - PRELAUNCH_VALUE


@external
@view
def getPreLaunchValue() -> uint256:
    """
    @notice The pre-deposit sent to the beacon chain at creation: 1 ETH.
    @return Wei.
    """
    return PRELAUNCH_VALUE


@external
@view
def getValidatorPubkey() -> Bytes[48]:
    """
    @notice The validator's public key.
    @return 48 bytes.
    """
    return self._validator_pubkey


@external
@view
def getWithdrawalCredentials() -> Bytes[32]:
    """
    @notice 0x01 ++ 11 zero bytes ++ this minipool's address.
    @return 32 bytes.
    """
    return self._withdrawal_credentials()


@external
@view
def getScrubVoted(member: address) -> bool:
    """
    @notice Whether `member` voted to scrub this minipool under its current
            oDAO membership.
    @param member An oDAO member.
    @return True if it voted.
    """
    return odao_votes._has_voted(SCRUB_BALLOT, member)


@external
@view
def getTotalScrubVotes() -> uint256:
    """
    @notice Scrub votes that count: cast by members still in the oDAO under
            the membership they voted with.
    @return The count.
    """
    return odao_votes._count(SCRUB_BALLOT)


@external
@view
def canStake() -> bool:
    """
    @notice Whether the owner may call `stake` now.
    @return True in prelaunch after the scrub period.
    """
    return self._status == PRELAUNCH and block.timestamp > (
        self._status_time + staticcall self._settings().getScrubPeriod()
    )


# @dev Internal functions
@internal
def _set_status(status: uint8):
    self._status = status
    self._status_time = block.timestamp
    self._status_block = block.number
    log StatusUpdated(status=status, time=block.timestamp)


@internal
def _dissolve(penalty: uint256):
    """
    @dev The user deposit, and `penalty` of the bond (a scrub's), go back
         to the pool; the rest of the bond (bond less the pre-deposit, less
         the penalty) stays for the owner's `close`.
    """
    self._set_status(DISSOLVED)
    amount: uint256 = self._user_deposit_balance + penalty
    # The users are repaid here: nothing of what stays is theirs, and the
    # oracle must not count it for them.
    self._user_deposit_balance = 0
    pool: address = rocket_base._contract("rocketDepositPool")
    extcall IRocketDepositPool(pool).recycleDissolvedDeposit(value=amount)
    log EtherWithdrawn(to=pool, amount=amount, time=block.timestamp)


@internal
def _distribute_exit(balance: uint256):
    """
    @dev Only ever runs once per minipool (guarded by its callers), so the
         slash balance is recorded once.
    """
    node_amount: uint256 = self._calculate_node_share(balance)
    if balance < self._user_deposit_balance:
        self._node_slash_balance = self._user_deposit_balance - balance
    self._pay_split(balance, node_amount)


@internal
def _distribute_rewards(balance: uint256):
    node_amount: uint256 = self._node_rewards(balance)
    self._pay_split(balance, node_amount)


@internal
def _pay_split(balance: uint256, node_amount: uint256):
    user_amount: uint256 = balance - node_amount
    self._node_refund_balance += node_amount
    if user_amount > 0:
        raw_call(
            rocket_base._contract("rocketTokenRETH"), b"", value=user_amount
        )
    log EtherWithdrawalProcessed(
        executed=msg.sender,
        nodeAmount=node_amount,
        userAmount=user_amount,
        totalBalance=balance,
        time=block.timestamp,
    )


@internal
def _finalise():
    """
    @dev Settles the minipool once: anything that arrived since the exit
         was distributed is split as rewards, the manager's counters and
         ETH matched are updated, RPL is slashed for any shortfall, rETH
         returns its excess collateral to the pool, and the node is paid
         last (it may be a contract).
    """
    assert not self._finalised, "minipool: already finalised"
    self._finalised = True
    extra: uint256 = self.balance - self._node_refund_balance
    if extra > 0:
        self._distribute_rewards(extra)
    extcall self._manager().incrementNodeFinalisedMinipoolCount()
    if self._node_slash_balance > 0:
        self._slash()
    extcall IRocketTokenRETH(
        rocket_base._contract("rocketTokenRETH")
    ).depositExcessCollateral()
    if self._node_refund_balance > 0:
        self._refund()


@internal
def _refund():
    amount: uint256 = self._node_refund_balance
    self._node_refund_balance = 0
    to: address = self._withdrawal_address()
    success: bool = raw_call(to, b"", value=amount, revert_on_failure=False)
    assert success, "minipool: refund transfer failed"
    log EtherWithdrawn(to=to, amount=amount, time=block.timestamp)


@internal
def _slash():
    amount: uint256 = self._node_slash_balance
    self._node_slash_balance = 0
    extcall self._node_staking().slashRPL(self._node_address, amount)


@internal
def _pay_owner_everything():
    amount: uint256 = self.balance
    if amount == 0:
        return
    to: address = self._withdrawal_address()
    success: bool = raw_call(to, b"", value=amount, revert_on_failure=False)
    assert success, "minipool: transfer to withdrawal address failed"
    log EtherWithdrawn(to=to, amount=amount, time=block.timestamp)


@internal
@view
def _node_rewards(rewards: uint256) -> uint256:
    """
    @dev The node's part of `rewards`: its capital share, plus the node fee
         on the users' capital share. Both divisions round down, in the
         users' favour.
    """
    node_capital: uint256 = self._node_deposit_balance
    capital: uint256 = node_capital + self._user_deposit_balance
    if rewards == 0 or capital == 0:
        return 0
    node_portion: uint256 = rewards * node_capital // capital
    return node_portion + (rewards - node_portion) * self._node_fee // ONE


@internal
@view
def _calculate_node_share(balance: uint256) -> uint256:
    """
    @dev From 8 ETH (an exit) the node's share is reduced by its MEV-theft
         penalty rate, capped at the share, the rest going to the users;
         skimmed rewards are not penalised (as in v1.3.1).
    """
    if balance < FULL_EXIT_THRESHOLD:
        return self._node_rewards(balance)
    user_capital: uint256 = self._user_deposit_balance
    node_capital: uint256 = self._node_deposit_balance
    share: uint256 = 0
    if balance > user_capital + node_capital:
        share = node_capital + self._node_rewards(
            balance - user_capital - node_capital
        )
    elif balance > user_capital:
        share = balance - user_capital
    rate: uint256 = staticcall IRocketMinipoolPenalty(
        rocket_base._contract("rocketMinipoolPenalty")
    ).getPenaltyRate(self)
    if rate > 0:
        share -= min(share * rate // ONE, share)
    return share


@internal
@view
def _user_distribute_allowed() -> bool:
    started: uint256 = self._user_distribute_time
    if started == 0:
        return False
    settings: IRocketDAOProtocolSettings = self._settings()
    opens: uint256 = (
        started + staticcall settings.getUserDistributeWindowStart()
    )
    closes: uint256 = (
        opens + staticcall settings.getUserDistributeWindowLength()
    )
    return block.timestamp >= opens and block.timestamp < closes


@internal
@view
def _withdrawal_credentials() -> Bytes[32]:
    return concat(b"\x01", empty(bytes11), convert(self, bytes20))


@internal
@view
def _withdrawal_address() -> address:
    return staticcall IRocketNodeManager(
        rocket_base._contract("rocketNodeManager")
    ).getNodeWithdrawalAddress(self._node_address)


@internal
@view
def _is_owner(caller: address) -> bool:
    return caller == self._node_address or caller == self._withdrawal_address()


@internal
@view
def _only_node():
    assert (
        msg.sender == self._node_address
    ), "minipool: caller is not the minipool owner"


@internal
@view
def _settings() -> IRocketDAOProtocolSettings:
    return IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    )


@internal
@view
def _manager() -> IRocketMinipoolManagerNetwork:
    return IRocketMinipoolManagerNetwork(MINIPOOL_MANAGER)


@internal
@view
def _node_staking() -> IRocketNodeStaking:
    return IRocketNodeStaking(rocket_base._contract("rocketNodeStaking"))
