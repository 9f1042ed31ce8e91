# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Rocket Pool vault
@notice Holds ETH and ERC-20 tokens (RPL) for the network contracts, each
        under its own name. Only a registered network contract can put
        value in or take it out, and only from its own balance.
"""

from ethereum.ercs import IERC20

from interfaces import IRocketStorage
from interfaces import IRocketVault
from interfaces import IRocketVaultWithdrawer

implements: IRocketVault


# @dev Immutables
ROCKET_STORAGE: public(immutable(IRocketStorage))


# @dev Storage
_ether_balances: HashMap[String[64], uint256]
_token_balances: HashMap[String[64], HashMap[address, uint256]]


# @dev Events
event EtherDeposited:
    by: String[64]
    amount: uint256
    time: uint256


event EtherWithdrawn:
    by: String[64]
    amount: uint256
    time: uint256


event TokenDeposited:
    by: String[64]
    token: indexed(address)
    amount: uint256
    time: uint256


event TokenWithdrawn:
    by: String[64]
    token: indexed(address)
    amount: uint256
    time: uint256


event TokenTransfer:
    by: String[64]
    to: String[64]
    token: indexed(address)
    amount: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)


# @dev ETH
@external
@payable
def depositEther():
    """
    @notice Credits the ETH sent to the calling network contract's balance.
    """
    name: String[64] = self._caller_name()
    assert msg.value > 0, "vault: no ether deposited"
    self._ether_balances[name] += msg.value
    log EtherDeposited(by=name, amount=msg.value, time=block.timestamp)


@external
def withdrawEther(amount: uint256):
    """
    @notice Sends `amount` of the calling contract's ETH back to it, through
            its `receiveVaultWithdrawalETH` callback.
    @param amount The amount in wei.
    """
    name: String[64] = self._caller_name()
    assert amount > 0, "vault: no ether withdrawn"
    assert self._ether_balances[name] >= amount, "vault: insufficient balance"
    self._ether_balances[name] -= amount
    log EtherWithdrawn(by=name, amount=amount, time=block.timestamp)
    extcall IRocketVaultWithdrawer(msg.sender).receiveVaultWithdrawalETH(
        value=amount
    )


@external
@view
@reentrant
def balanceOf(network_contract_name: String[64]) -> uint256:
    """
    @notice The ETH held for a network contract.
    @dev Reentrant: the owning contract reads it while it is mid-call.
    @param network_contract_name The contract's directory name.
    @return Its balance in wei.
    """
    return self._ether_balances[network_contract_name]


# @dev Tokens
@external
def depositToken(
    network_contract_name: String[64], token: address, amount: uint256
):
    """
    @notice Pulls `amount` of `token` from the calling network contract (it
            must have approved the vault) and credits it to
            `network_contract_name`.
    @param network_contract_name The registered contract to credit.
    @param token The ERC-20 token.
    @param amount The amount in the token's units.
    """
    self._caller_name()
    assert amount > 0, "vault: no tokens deposited"
    assert (
        staticcall ROCKET_STORAGE.getAddress(network_contract_name)
        != empty(address)
    ), "vault: unknown network contract"
    self._token_balances[network_contract_name][token] += amount
    log TokenDeposited(
        by=network_contract_name,
        token=token,
        amount=amount,
        time=block.timestamp,
    )
    assert extcall IERC20(token).transferFrom(
        msg.sender, self, amount
    ), "vault: token transfer failed"


@external
def withdrawToken(withdrawal_address: address, token: address, amount: uint256):
    """
    @notice Sends `amount` of the calling contract's `token` to
            `withdrawal_address`.
    @param withdrawal_address The recipient.
    @param token The ERC-20 token.
    @param amount The amount in the token's units.
    """
    name: String[64] = self._caller_name()
    assert amount > 0, "vault: no tokens withdrawn"
    assert (
        self._token_balances[name][token] >= amount
    ), "vault: insufficient token balance"
    self._token_balances[name][token] -= amount
    log TokenWithdrawn(
        by=name, token=token, amount=amount, time=block.timestamp
    )
    assert extcall IERC20(token).transfer(
        withdrawal_address, amount
    ), "vault: token transfer failed"


@external
def transferToken(
    network_contract_name: String[64], token: address, amount: uint256
):
    """
    @notice Moves `amount` of the calling contract's `token` to another
            network contract's balance, inside the vault.
    @param network_contract_name The registered contract to credit.
    @param token The ERC-20 token.
    @param amount The amount in the token's units.
    """
    name: String[64] = self._caller_name()
    assert amount > 0, "vault: no tokens transferred"
    assert (
        staticcall ROCKET_STORAGE.getAddress(network_contract_name)
        != empty(address)
    ), "vault: unknown network contract"
    assert (
        self._token_balances[name][token] >= amount
    ), "vault: insufficient token balance"
    self._token_balances[name][token] -= amount
    self._token_balances[network_contract_name][token] += amount
    log TokenTransfer(
        by=name,
        to=network_contract_name,
        token=token,
        amount=amount,
        time=block.timestamp,
    )


@external
@view
@reentrant
def balanceOfToken(
    network_contract_name: String[64], token: address
) -> uint256:
    """
    @notice The `token` held for a network contract.
    @param network_contract_name The contract's directory name.
    @param token The ERC-20 token.
    @return Its balance in the token's units.
    """
    return self._token_balances[network_contract_name][token]


# @dev Internal functions
@internal
@view
def _caller_name() -> String[64]:
    """
    @dev The directory name of the caller; reverts unless it is a registered
         network contract.
    """
    name: String[64] = staticcall ROCKET_STORAGE.getName(msg.sender)
    assert len(name) > 0, "vault: caller is not a network contract"
    return name
