"""Tokens and the directory: what the views of rETH, RPL and RocketStorage must answer.

Rules modelled (``RocketTokenRETH``, ``RocketTokenRPL``, ``RocketStorage``):

- rETH is "Rocket Pool ETH" (``rETH``), RPL "Rocket Pool Protocol" (``RPL``),
  both with 18 decimals. RPL's supply is fixed at 18 million, all of it
  minted to the deployer (the guardian) and never minted or burned again.
- Who holds RPL: the guardian gives it out (:meth:`Model.fund_rpl`); staked
  RPL and slashed RPL not yet claimed from an auction sit in the vault.
- Allowances: the only approval the harness makes is the node's approval of
  node staking for exactly the amount it stakes, in its own transaction
  before the stake, so it stays when the stake is refused and is spent
  when the stake goes through. Nobody approves rETH.
- The directory (RocketStorage) holds the name of every contract deployment
  registered, the guardian that deployed it, and nothing else: minipools are
  not registered there.

The model is told the directory's names and addresses and the guardian
when it is created (like the rETH address): the deployment is the action
that registered them.
"""

from __future__ import annotations

from harness.model.common import ZERO_ADDRESS, norm
from harness.units import ETH

RETH_NAME, RETH_SYMBOL = "Rocket Pool ETH", "rETH"
RPL_NAME, RPL_SYMBOL = "Rocket Pool Protocol", "RPL"
TOKEN_DECIMALS = 18
RPL_TOTAL_SUPPLY = 18_000_000 * ETH
VAULT = "rocketVault"
# The token contracts by the model's names for them (what their events are emitted by).
TOKEN_CONTRACTS = {"reth": "RocketTokenRETH", "rpl": "RocketTokenRPL"}
NODE_STAKING = "rocketNodeStaking"


class TokensMixin:
    """rETH and RPL balances and allowances, and the directory of contracts."""

    # ---------------------------------------------------------------- directory
    def contract_address(self, name: str) -> str:
        """The address registered under ``name``, the zero address for none."""
        return self.directory.get(name, ZERO_ADDRESS)

    def contract_name(self, address: str) -> str:
        """The name ``address`` is registered under, "" for none."""
        return self._names.get(norm(address), "")

    # ---------------------------------------------------------------- tokens
    def rpl_balance(self, holder: str) -> int:
        """RPL ``holder`` holds: the vault holds every stake and the auctions' RPL."""
        holder = norm(holder)
        held = self.rpl_balances.get(holder, 0)
        if self.directory and holder == self.directory.get(VAULT):
            held += self.total_rpl_stake + self.auction_rpl
        return held

    def reth_balance(self, holder: str) -> int:
        """rETH ``holder`` holds."""
        return self.reth_balances.get(norm(holder), 0)

    def rpl_allowance(self, owner: str, spender: str) -> int:
        """RPL ``spender`` may still take from ``owner``."""
        return self.allowances.get(("rpl", norm(owner), norm(spender)), 0)

    def reth_allowance(self, owner: str, spender: str) -> int:
        """rETH ``spender`` may still take from ``owner``."""
        return self.allowances.get(("reth", norm(owner), norm(spender)), 0)

    def _approve_rpl_stake(self, node: str, amount: int) -> None:
        """The node approves node staking for ``amount``, in a transaction of its own."""
        if self.directory:
            staking = self.directory[NODE_STAKING]
            self.allowances[("rpl", norm(node), staking)] = amount
            self._emit(
                "RocketTokenRPL", "Approval", owner=norm(node), spender=staking, value=amount
            )
            self._standing = len(self.events)

    def _spend_rpl_allowance(self, node: str, amount: int) -> None:
        """Node staking takes ``amount`` of the node's approval (snekmate keeps max unlimited)."""
        key = ("rpl", norm(node), self.directory.get(NODE_STAKING)) if self.directory else None
        if key in self.allowances and self.allowances[key] != 2**256 - 1:
            self.allowances[key] -= amount
            self._emit(
                "RocketTokenRPL",
                "Approval",
                owner=key[1],
                spender=key[2],
                value=self.allowances[key],
            )
