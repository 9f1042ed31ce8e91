# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rocket Pool ETH (rETH)
@notice The depositors' token. Its ETH value comes from the oracle's last
        accepted report (`totalEth / rethSupply`), never from live balances.
        The contract keeps some ETH as collateral for burns; anything above
        the target collateral rate goes back to the deposit pool.
@dev Every division rounds down, which always favours the pool: a depositor
     gets no more rETH, and a burner no more ETH, than they are owed.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

from interfaces import IRocketDAOProtocolSettings
from interfaces import IRocketDepositPool
from interfaces import IRocketNetworkBalances
from interfaces import IRocketTokenRETH

implements: IERC20
implements: IERC20Detailed
implements: IRocketTokenRETH

from snekmate.auth import ownable
from snekmate.tokens import erc20

import rocket_base

initializes: ownable
initializes: erc20[ownable := ownable]
initializes: rocket_base

exports: (
    # ERC-20 surface; snekmate's own mint/burn/minter functions are not
    # exported: rETH is minted only by the deposit pool and burned for ETH.
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    rocket_base.ROCKET_STORAGE,
)


# @dev Constants
ONE: constant(uint256) = 10**18


# @dev Events
event TokensMinted:
    to: indexed(address)
    amount: uint256
    ethAmount: uint256
    time: uint256


event TokensBurned:
    sender: indexed(address)
    amount: uint256
    ethAmount: uint256
    time: uint256


event EtherDeposited:
    sender: indexed(address)
    amount: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    ownable.__init__()
    erc20.__init__("Rocket Pool ETH", "rETH", 18, "Rocket Pool ETH", "1")
    rocket_base.__init__(rocket_storage)


@external
@payable
def __default__():
    """
    @notice Accepts ETH (minipool distributions); it becomes collateral and,
            at the next report, value for holders.
    """
    log EtherDeposited(
        sender=msg.sender, amount=msg.value, time=block.timestamp
    )


# @dev Exchange rate
@external
@view
def getEthValue(reth_amount: uint256) -> uint256:
    """
    @notice The ETH value of `reth_amount` rETH at the reported rate,
            rounded down.
    @param reth_amount An rETH amount (18 decimals).
    @return Wei.
    """
    return self._eth_value(reth_amount)


@external
@view
def getRethValue(eth_amount: uint256) -> uint256:
    """
    @notice The rETH value of `eth_amount` wei at the reported rate,
            rounded down.
    @param eth_amount An ETH amount in wei.
    @return An rETH amount (18 decimals).
    """
    return self._reth_value(eth_amount)


@external
@view
def getExchangeRate() -> uint256:
    """
    @notice The ETH value of 1 rETH, in wei.
    """
    return self._eth_value(ONE)


@external
@view
def getTotalCollateral() -> uint256:
    """
    @notice ETH available for burns: the deposit pool's excess plus this
            contract's balance, in wei.
    """
    return self._total_collateral()


@external
@view
def getCollateralRate() -> uint256:
    """
    @notice This contract's ETH as a fraction (1e18) of the value of all
            rETH; 1e18 when there is no rETH.
    """
    total_value: uint256 = self._eth_value(erc20.totalSupply)
    if total_value == 0:
        return ONE
    return ONE * self.balance // total_value


# @dev Mint and burn
@external
def mint(eth_amount: uint256, to: address):
    """
    @notice Mints rETH worth `eth_amount` to `to`. Deposit pool only.
    @param eth_amount The deposit, net of fee, in wei.
    @param to The depositor.
    """
    assert rocket_base._is_contract(
        "rocketDepositPool", msg.sender
    ), "reth: caller is not the deposit pool"
    reth_amount: uint256 = self._reth_value(eth_amount)
    assert reth_amount > 0, "reth: mint amount is zero"
    erc20._mint(to, reth_amount)
    log TokensMinted(
        to=to, amount=reth_amount, ethAmount=eth_amount, time=block.timestamp
    )


@external
def burn(reth_amount: uint256):
    """
    @notice Burns `reth_amount` of the caller's rETH and pays its ETH value,
            drawing on the deposit pool's excess when this contract's own
            balance is short.
    @param reth_amount An rETH amount (18 decimals).
    """
    assert reth_amount > 0, "reth: burn amount is zero"
    assert (
        erc20.balanceOf[msg.sender] >= reth_amount
    ), "reth: burn amount exceeds balance"
    eth_amount: uint256 = self._eth_value(reth_amount)
    assert (
        self._total_collateral() >= eth_amount
    ), "reth: insufficient ETH collateral"
    erc20._burn(msg.sender, reth_amount)
    if self.balance < eth_amount:
        extcall IRocketDepositPool(
            rocket_base._contract("rocketDepositPool")
        ).withdrawExcessBalance(eth_amount - self.balance)
    log TokensBurned(
        sender=msg.sender,
        amount=reth_amount,
        ethAmount=eth_amount,
        time=block.timestamp,
    )
    success: bool = raw_call(
        msg.sender, b"", value=eth_amount, revert_on_failure=False
    )
    assert success, "reth: ETH transfer failed"


# @dev Collateral
@external
@payable
@reentrant
def depositExcess():
    """
    @notice Receives excess ETH from the deposit pool for a burn in progress.
            Deposit pool only.
    @dev Reentrant: the deposit pool calls it from inside this contract's
         own `burn`. It only accepts ETH and logs.
    """
    assert rocket_base._is_contract(
        "rocketDepositPool", msg.sender
    ), "reth: caller is not the deposit pool"
    log EtherDeposited(
        sender=msg.sender, amount=msg.value, time=block.timestamp
    )


@external
def depositExcessCollateral():
    """
    @notice Sends ETH above the target collateral rate back to the deposit
            pool, to be staked. Anyone may call it.
    """
    target: uint256 = staticcall IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    ).getTargetRethCollateralRate()
    # Rounded down, so the contract keeps at most 1 wei less than the target.
    keep: uint256 = self._eth_value(erc20.totalSupply) * target // ONE
    if self.balance > keep:
        extcall IRocketDepositPool(
            rocket_base._contract("rocketDepositPool")
        ).recycleExcessCollateral(value=self.balance - keep)


# @dev Internal functions
@internal
@view
def _eth_value(reth_amount: uint256) -> uint256:
    balances: IRocketNetworkBalances = IRocketNetworkBalances(
        rocket_base._contract("rocketNetworkBalances")
    )
    supply: uint256 = staticcall balances.getTotalRETHSupply()
    if supply == 0:
        return reth_amount
    return reth_amount * staticcall balances.getTotalETHBalance() // supply


@internal
@view
def _reth_value(eth_amount: uint256) -> uint256:
    balances: IRocketNetworkBalances = IRocketNetworkBalances(
        rocket_base._contract("rocketNetworkBalances")
    )
    supply: uint256 = staticcall balances.getTotalRETHSupply()
    if supply == 0:
        return eth_amount
    total: uint256 = staticcall balances.getTotalETHBalance()
    assert total > 0, "reth: network ETH balance is zero"
    return eth_amount * supply // total


@internal
@view
def _total_collateral() -> uint256:
    return (
        staticcall IRocketDepositPool(
            rocket_base._contract("rocketDepositPool")
        ).getExcessBalance()
        + self.balance
    )
