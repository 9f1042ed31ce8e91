# pragma version ~=0.4.3
"""
@title Rocket Pool Protocol token (RPL)
@notice A plain ERC-20 with a fixed supply, minted once to the deployer
        (the guardian), who distributes it to node operators. Nodes stake it
        as collateral; slashed RPL is auctioned for ETH.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

implements: IERC20
implements: IERC20Detailed

from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: (
    # ERC-20 surface only: snekmate's mint/burn/minter functions are not
    # exported, so the supply can never change after deployment.
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
)


# @dev Constants
# 18 million RPL, the reference's initial supply.
TOTAL_SUPPLY: constant(uint256) = 18_000_000 * 10**18


# @dev Immutables
ROCKET_STORAGE: public(immutable(address))


@deploy
def __init__(rocket_storage: address):
    ownable.__init__()
    erc20.__init__(
        "Rocket Pool Protocol", "RPL", 18, "Rocket Pool Protocol", "1"
    )
    ROCKET_STORAGE = rocket_storage
    erc20._mint(msg.sender, TOTAL_SUPPLY)
