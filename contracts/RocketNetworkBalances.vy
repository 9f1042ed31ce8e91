# pragma version ~=0.4.3
"""
@title Rocket Pool network balances oracle
@notice oDAO members report, for a past block, the ETH the protocol holds
        for rETH holders (`totalEth`), the part of it staking on the beacon
        chain (`stakingEth`) and the rETH supply. When enough members agree
        on the same values the balances update, and with them the rETH
        exchange rate.
"""

from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketNetworkBalances

implements: IRocketNetworkBalances

import oracle_consensus
import rocket_base

initializes: rocket_base
initializes: oracle_consensus[rocket_base := rocket_base]

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
ONE: constant(uint256) = 10**18


# @dev Storage
_block: uint256
_total_eth: uint256
_staking_eth: uint256
_reth_supply: uint256


# @dev Events
event BalancesSubmitted:
    sender: indexed(address)
    block: uint256
    slotTimestamp: uint256
    totalEth: uint256
    stakingEth: uint256
    rethSupply: uint256
    time: uint256


event BalancesUpdated:
    block: uint256
    slotTimestamp: uint256
    totalEth: uint256
    stakingEth: uint256
    rethSupply: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev Reporting
@external
def submitBalances(
    block_number: uint256,
    slot_timestamp: uint256,
    total_eth: uint256,
    staking_eth: uint256,
    reth_supply: uint256,
):
    """
    @notice A member's vote for the network balances at `block_number`.
            Updates the balances when this vote brings consensus.
    @param block_number A past block, after the last accepted one.
    @param slot_timestamp The beacon slot's timestamp the report is for.
    @param total_eth ETH held for rETH holders, in wei.
    @param staking_eth The part of `total_eth` staking on the beacon chain.
    @param reth_supply The rETH total supply at that block.
    """
    oracle_consensus._require_member(msg.sender, "network balances")
    self._check_report(block_number, total_eth, staking_eth)
    key: bytes32 = self._key(
        block_number, slot_timestamp, total_eth, staking_eth, reth_supply
    )
    oracle_consensus._record_vote(
        msg.sender, block_number, key, "network balances"
    )
    log BalancesSubmitted(
        sender=msg.sender,
        block=block_number,
        slotTimestamp=slot_timestamp,
        totalEth=total_eth,
        stakingEth=staking_eth,
        rethSupply=reth_supply,
        time=block.timestamp,
    )
    if oracle_consensus._has_consensus(key):
        self._update(
            block_number, slot_timestamp, total_eth, staking_eth, reth_supply
        )


@external
def executeUpdateBalances(
    block_number: uint256,
    slot_timestamp: uint256,
    total_eth: uint256,
    staking_eth: uint256,
    reth_supply: uint256,
):
    """
    @notice Applies a report that has consensus (for example after the
            threshold was lowered). Anyone may call it.
    @param block_number The report's block.
    @param slot_timestamp The report's slot timestamp.
    @param total_eth The report's total ETH.
    @param staking_eth The report's staking ETH.
    @param reth_supply The report's rETH supply.
    """
    self._check_report(block_number, total_eth, staking_eth)
    key: bytes32 = self._key(
        block_number, slot_timestamp, total_eth, staking_eth, reth_supply
    )
    assert oracle_consensus._has_consensus(
        key
    ), "network balances: consensus has not been reached"
    self._update(
        block_number, slot_timestamp, total_eth, staking_eth, reth_supply
    )


# @dev Views
@external
@view
def getBalancesBlock() -> uint256:
    """
    @notice The block of the last accepted report.
    """
    return self._block


@external
@view
def getTotalETHBalance() -> uint256:
    """
    @notice ETH held for rETH holders, as last reported, in wei.
    """
    return self._total_eth


@external
@view
def getStakingETHBalance() -> uint256:
    """
    @notice ETH staking on the beacon chain, as last reported, in wei.
    """
    return self._staking_eth


@external
@view
def getTotalRETHSupply() -> uint256:
    """
    @notice The rETH supply, as last reported.
    """
    return self._reth_supply


@external
@view
def getETHUtilizationRate() -> uint256:
    """
    @notice The share of total ETH that is staking, as a fraction of 1e18
            (1e18 when nothing has been reported).
    """
    if self._total_eth == 0:
        return ONE
    return ONE * self._staking_eth // self._total_eth


@external
@view
def getSubmissionVotes(
    block_number: uint256,
    slot_timestamp: uint256,
    total_eth: uint256,
    staking_eth: uint256,
    reth_supply: uint256,
) -> uint256:
    """
    @notice Valid votes (from current members) for exactly these values.
    """
    return oracle_consensus._count(
        self._key(
            block_number, slot_timestamp, total_eth, staking_eth, reth_supply
        )
    )


# @dev Internal functions
@internal
@view
def _check_report(
    block_number: uint256, total_eth: uint256, staking_eth: uint256
):
    assert staticcall IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    ).getSubmitBalancesEnabled(), "network balances: submissions are disabled"
    assert (
        block_number < block.number
    ), "network balances: block is in the future"
    assert (
        block_number > self._block
    ), "network balances: block is not after the last accepted report"
    assert (
        staking_eth <= total_eth
    ), "network balances: staking balance exceeds total balance"


@internal
@pure
def _key(
    block_number: uint256,
    slot_timestamp: uint256,
    total_eth: uint256,
    staking_eth: uint256,
    reth_supply: uint256,
) -> bytes32:
    return keccak256(
        abi_encode(
            block_number, slot_timestamp, total_eth, staking_eth, reth_supply
        )
    )


@internal
def _update(
    block_number: uint256,
    slot_timestamp: uint256,
    total_eth: uint256,
    staking_eth: uint256,
    reth_supply: uint256,
):
    self._block = block_number
    self._total_eth = total_eth
    self._staking_eth = staking_eth
    self._reth_supply = reth_supply
    log BalancesUpdated(
        block=block_number,
        slotTimestamp=slot_timestamp,
        totalEth=total_eth,
        stakingEth=staking_eth,
        rethSupply=reth_supply,
        time=block.timestamp,
    )
