# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rocket Pool node fee distributor
@notice The logic of every node's fee distributor: the execution-layer fee
        recipient of the node's validators (priority fees and MEV arrive
        here as a rising balance; no code runs). `distribute()` splits the
        balance between the node's withdrawal address and the rETH
        contract, by the node's capital ratio and average node fee, as
        v1.3.1's RocketNodeDistributorDelegate does:
            node capital part = balance * 1e18 / collateral ratio
            node share = node capital part
                         + (balance - node capital part) * average fee / 1e18
        both divisions rounding down (in the users' favour).
@dev Each node's distributor is an EIP-1167 minimal proxy to this contract,
     made by RocketNodeDistributorFactory at a CREATE2 address fixed by the
     node, and initialised by it once with the node's address; so the
     per-node storage below lives in the proxy. Immutables (the directory)
     are read from this contract's code, which the proxy runs.
     Unlike v1.3.1, a withdrawal address that refuses its payment cannot
     block the users' share: their part is paid first, and the node's part
     is held here for the node (excluded from later splits) and paid with
     the next `distribute()`.
"""

from interfaces import IRocketMinipoolManager
from interfaces import IRocketNodeDistributor
from interfaces import IRocketNodeManager
from interfaces import IRocketNodeManagerFees

implements: IRocketNodeDistributor

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
ONE: constant(uint256) = 10**18
LAUNCH_BALANCE: constant(uint256) = 32 * 10**18
# v1.3.1's ratio for a node with no ETH matched (its legacy 16 ETH minipools
# were matched 1:1).
LEGACY_COLLATERAL_RATIO: constant(uint256) = 2 * 10**18


# @dev Storage (the proxy's)
_node_address: address
_initialised: bool
# The node's share a refused payment left here: not split again, paid with
# the next distribution.
_node_held: uint256


# @dev Events
event FeesDistributed:
    nodeAddress: indexed(address)
    userAmount: uint256
    nodeAmount: uint256
    time: uint256


event NodeShareHeld:
    nodeAddress: indexed(address)
    amount: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


@external
@payable
def __default__():
    """
    @notice Accepts ETH (fees and MEV paid by a transfer rather than as the
            block's fee recipient); all of it is split by `distribute`.
    @dev Calldata is refused, so a call to a function the distributor does
         not have fails instead of passing as a payment. A transfer with
         only the 2,300-gas stipend cannot pay the proxy's delegatecall.
    """
    assert len(msg.data) == 0, "node distributor: unknown function"


@external
def initialise(node_address: address):
    """
    @notice Binds this distributor to its node, once. The factory calls it
            right after creating the proxy.
    @param node_address The node whose fees arrive here.
    """
    assert rocket_base._is_contract(
        "rocketNodeDistributorFactory", msg.sender
    ), "node distributor: caller is not the factory"
    assert not self._initialised, "node distributor: already initialised"
    assert (
        node_address != empty(address)
    ), "node distributor: invalid node address"
    self._initialised = True
    self._node_address = node_address


@external
def distribute():
    """
    @notice Splits this distributor's balance: the users' share to the rETH
            contract, then the node's share (with anything held for it) to
            its withdrawal address. If the withdrawal address refuses, the
            node's ETH is held here for the next distribution and the users
            are paid regardless. Anyone may call it.
    """
    assert self._initialised, "node distributor: not initialised"
    node: address = self._node_address
    held: uint256 = self._node_held
    balance: uint256 = self.balance - held
    node_amount: uint256 = self._node_part(node, balance)
    user_amount: uint256 = balance - node_amount
    # Effects first: while the withdrawal address runs, nothing is left here
    # to split, and the lock refuses any call back.
    payout: uint256 = held + node_amount
    self._node_held = 0
    if user_amount > 0:
        raw_call(
            rocket_base._contract("rocketTokenRETH"), b"", value=user_amount
        )
    if payout > 0:
        to: address = staticcall IRocketNodeManager(
            rocket_base._contract("rocketNodeManager")
        ).getNodeWithdrawalAddress(node)
        success: bool = raw_call(to, b"", value=payout, revert_on_failure=False)
        if not success:
            self._node_held = payout
            log NodeShareHeld(
                nodeAddress=node, amount=payout, time=block.timestamp
            )
    log FeesDistributed(
        nodeAddress=node,
        userAmount=user_amount,
        nodeAmount=node_amount,
        time=block.timestamp,
    )


@external
@view
def getNodeShare() -> uint256:
    """
    @notice The part of this distributor's balance that is the node's: what
            is held for it, plus its share of the rest at the node's
            current average fee and capital ratio.
    @return Wei.
    """
    assert self._initialised, "node distributor: not initialised"
    held: uint256 = self._node_held
    return held + self._node_part(self._node_address, self.balance - held)


@external
@view
def getUserShare() -> uint256:
    """
    @notice The users' part of this distributor's balance:
            `balance - getNodeShare()`.
    @return Wei.
    """
    assert self._initialised, "node distributor: not initialised"
    held: uint256 = self._node_held
    balance: uint256 = self.balance - held
    return balance - self._node_part(self._node_address, balance)


@external
@view
def getNodeAddress() -> address:
    """
    @notice The node this distributor pays.
    @return The node, zero before initialisation.
    """
    return self._node_address


# @dev Internal functions
@internal
@view
def _node_part(node: address, balance: uint256) -> uint256:
    """
    @dev v1.3.1's split: the node's capital part by the collateral ratio
         `(active minipools * 32 ETH) / (that - ETH matched)`, 2.0 when
         nothing is matched; then the average fee on the users' part.
    """
    if balance == 0:
        return 0
    manager: IRocketMinipoolManager = IRocketMinipoolManager(
        rocket_base._contract("rocketMinipoolManager")
    )
    matched: uint256 = staticcall manager.getNodeETHMatched(node)
    ratio: uint256 = LEGACY_COLLATERAL_RATIO
    if matched > 0:
        staked: uint256 = (
            staticcall manager.getNodeActiveMinipoolCount(node) * LAUNCH_BALANCE
        )
        ratio = staked * ONE // (staked - matched)
    average_fee: uint256 = staticcall IRocketNodeManagerFees(
        rocket_base._contract("rocketNodeManager")
    ).getAverageNodeFee(node)
    node_capital: uint256 = balance * ONE // ratio
    return node_capital + (balance - node_capital) * average_fee // ONE
