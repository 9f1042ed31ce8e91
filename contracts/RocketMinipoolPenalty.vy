# pragma version ~=0.4.3
"""
@title Rocket Pool minipool penalty rates
@notice Each minipool's MEV-theft penalty rate (a fraction of 1e18 of the
        node's share of its exit), which the network penalties contract
        sets, and the maximum rate, which only the guardian sets. A
        minipool's effective rate is its rate capped at the maximum; while
        the maximum is 0 no minipool is penalised at all.
@dev The maximum is kept here and not among the oDAO-tunable settings, as
     in the reference, so the oDAO cannot raise the cap on its own
     penalties. Moves no ETH, so it carries no reentrancy lock.
"""

from interfaces import IRocketMinipoolPenalty

implements: IRocketMinipoolPenalty

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Storage
_max_penalty_rate: uint256
# minipool => its penalty rate, before the cap
_penalty_rate: HashMap[address, uint256]


# @dev Events
event MaxPenaltyRateUpdated:
    rate: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev Guardian
@external
def setMaxPenaltyRate(rate: uint256):
    """
    @notice Sets the most any minipool can be penalised (fraction of 1e18;
            no upper bound: the penalty is capped at the node's share
            anyway). Guardian only.
    @param rate The new maximum.
    """
    assert (
        msg.sender == rocket_base._guardian()
    ), "minipool penalty: caller is not the guardian"
    self._max_penalty_rate = rate
    log MaxPenaltyRateUpdated(rate=rate, time=block.timestamp)


@external
@view
def getMaxPenaltyRate() -> uint256:
    """
    @notice The most any minipool can be penalised (fraction of 1e18).
    @return The maximum rate.
    """
    return self._max_penalty_rate


# @dev Network
@external
def setPenaltyRate(minipool: address, rate: uint256):
    """
    @notice Sets `minipool`'s penalty rate (before the cap). Network
            contracts only (the network penalties contract does, when a
            penalty is applied).
    @param minipool The minipool.
    @param rate Fraction of 1e18.
    """
    assert staticcall rocket_base.ROCKET_STORAGE.getContractExists(
        msg.sender
    ), "minipool penalty: caller is not a network contract"
    self._penalty_rate[minipool] = rate


@external
@view
def getPenaltyRate(minipool: address) -> uint256:
    """
    @notice `minipool`'s effective penalty rate: its rate capped at the
            maximum, and 0 while the maximum is 0.
    @param minipool The minipool.
    @return Fraction of 1e18 of the node's share taken for the users.
    """
    cap: uint256 = self._max_penalty_rate
    if cap == 0:
        return 0
    return min(self._penalty_rate[minipool], cap)
