# pragma version ~=0.4.3
"""
@title Minipool test double
@notice Stands in for a registered minipool (the mock minipool manager
        reports the contract registered as "mockMinipool" as one), so tests
        can call node staking's `slashRPL` the way a finalising minipool
        would. For unit tests only; never deployed by the protocol.
"""

from ..interfaces import IRocketNodeStaking

from ..interfaces import IRocketStorage


# @dev Immutables
# The double keeps its own directory handle instead of `initializes:
# rocket_base`: absolute imports inside rocket_base do not resolve from
# contracts/mocks/.
ROCKET_STORAGE: public(immutable(IRocketStorage))


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)


@external
def slash(node_address: address, eth_slash_amount: uint256):
    """
    @notice Asks node staking to slash `node_address`'s RPL worth
            `eth_slash_amount`, as this minipool. Anyone may call it.
    @param node_address The node to slash.
    @param eth_slash_amount The ETH value to slash, in wei.
    """
    extcall IRocketNodeStaking(
        staticcall ROCKET_STORAGE.getAddress("rocketNodeStaking")
    ).slashRPL(node_address, eth_slash_amount)
