"""The ``Protocol`` facade: every contract, every actor, and one-line flows.

Nothing above this layer touches the VM directly, so a second execution
backend can be slotted in underneath. Amounts given to the helpers follow
:func:`harness.units.to_wei`: an ``int`` is wei, a ``str`` or ``Decimal``
is ETH ("1.5", Decimal("1.5"), "30 gwei").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boa

from harness.config import Config
from harness.units import ONE, fmt_eth, to_wei


@dataclass
class Protocol:
    """A deployed protocol and its actors.

    Contracts are attributes named after the reference contracts in
    snake_case (``p.vault``, ``p.settings``, ``p.odao``, ``p.network_balances``,
    ``p.network_prices``, ``p.reth``, ``p.deposit_pool``, ``p.minipool_queue``,
    ...); ``p.storage`` is the directory. Actors are plain addresses:
    ``p.guardian``, ``p.odao_members``, ``p.depositors``, ``p.node_operators``.
    """

    storage: Any
    contracts: dict[str, Any]
    guardian: str
    odao_members: list[str]
    depositors: list[str]
    node_operators: list[str]
    config: Config
    contracts_dir: Path
    _report_block: int = field(default=0, repr=False)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: contracts by facade name.
        contracts = self.__dict__.get("contracts", {})
        if name in contracts:
            return contracts[name]
        raise AttributeError(f"Protocol has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.contracts))

    # ------------------------------------------------------------------ reads
    def balance(self, who: Any) -> int:
        """ETH balance in wei of an address or a contract."""
        return boa.env.get_balance(getattr(who, "address", who))

    def rate(self) -> int:
        """The rETH exchange rate: wei of ETH per 1e18 rETH, from the last report."""
        return self.reth.getExchangeRate()

    # ------------------------------------------------------------------ flows
    def deposit(self, depositor: str, amount: int | str) -> int:
        """``depositor`` deposits ``amount`` (ETH as str/Decimal, wei as int).

        Returns the rETH minted to it, in wei.
        """
        wei = to_wei(amount)
        before = self.reth.balanceOf(depositor)
        self.deposit_pool.deposit(value=wei, sender=depositor)
        return self.reth.balanceOf(depositor) - before

    def burn(self, holder: str, reth_amount: int | str) -> int:
        """``holder`` burns ``reth_amount`` rETH for ETH; returns the ETH paid, in wei."""
        wei = to_wei(reth_amount)
        before = self.balance(holder)
        self.reth.burn(wei, sender=holder)
        return self.balance(holder) - before

    def fund_rpl(self, to: str, amount: int | str) -> None:
        """The guardian, who holds the fixed RPL supply, sends ``amount`` RPL to ``to``.

        RPL amounts follow the same convention as ETH: a str is whole tokens.
        """
        self.rpl.transfer(to, to_wei(amount), sender=self.guardian)

    def stake_rpl(self, node: str, amount: int | str) -> None:
        """``node`` approves node staking for ``amount`` RPL and stakes it.

        The node must already hold the RPL (see :meth:`fund_rpl`) and be
        registered. RPL amounts: a str is whole tokens, an int is wei.
        """
        wei = to_wei(amount)
        self.rpl.approve(self.node_staking.address, wei, sender=node)
        self.node_staking.stakeRPL(wei, sender=node)

    def withdraw_rpl(self, node: str, amount: int | str) -> None:
        """``node`` withdraws ``amount`` staked RPL to its withdrawal address.

        Only the stake above the node's maximum may leave, and only after the
        withdrawal cooldown since its last stake; the RPL goes to the address
        the node manager's ``getNodeWithdrawalAddress`` gives.
        """
        self.node_staking.withdrawRPL(to_wei(amount), sender=node)

    def auction_price(self, lot: int) -> int:
        """The Dutch-auction price of ``lot`` at the current block.

        In wei of ETH per 1e18 RPL: the start price at the lot's first
        block, falling to the reserve at its end block.
        """
        return self.auction_manager.getLotPriceAtCurrentBlock(lot)

    def next_report_block(self) -> int:
        """A block after the last accepted report and before the current one.

        Mines a block first if needed, since reports must be for a past block.
        """
        last = max(self.network_balances.getBalancesBlock(), self.network_prices.getPricesBlock())
        if boa.env.evm.patch.block_number <= last + 1:
            boa.env.time_travel(blocks=last + 2 - boa.env.evm.patch.block_number)
        return boa.env.evm.patch.block_number - 1

    def report_balances(
        self,
        total_eth: int | str,
        reth_supply: int | str,
        staking_eth: int | str = 0,
        members: list[str] | None = None,
        block: int | None = None,
    ) -> int:
        """Submit a balances report from ``members`` (default: just enough for consensus).

        Returns the report's block. ``total_eth`` / ``staking_eth`` / ``reth_supply``
        follow the amount convention (ETH as str, wei as int).
        """
        block = self.next_report_block() if block is None else block
        args = (
            block,
            boa.env.evm.patch.timestamp,
            to_wei(total_eth),
            to_wei(staking_eth),
            to_wei(reth_supply),
        )
        for member in members if members is not None else self.quorum_members():
            self.network_balances.submitBalances(*args, sender=member)
        return block

    def report_price(
        self,
        rpl_price: int | str,
        members: list[str] | None = None,
        block: int | None = None,
    ) -> int:
        """Submit an RPL price (ETH per RPL) from ``members``; returns the block."""
        block = self.next_report_block() if block is None else block
        for member in members if members is not None else self.quorum_members():
            self.network_prices.submitPrices(
                block, boa.env.evm.patch.timestamp, to_wei(rpl_price), sender=member
            )
        return block

    def quorum_members(self) -> list[str]:
        """The smallest prefix of the oDAO whose votes reach the consensus threshold."""
        members = [m for m in self.odao_members if self.odao.getMemberIsValid(m)]
        threshold = self.settings.getNodeConsensusThreshold()
        for n in range(1, len(members) + 1):
            if ONE * n // len(members) >= threshold:
                return members[:n]
        return members

    # ------------------------------------------------------------------ display
    def summary(self) -> dict[str, int]:
        """The headline numbers, in wei: rate, rETH supply, pool and collateral."""
        return {
            "rate": self.rate(),
            "reth_supply": self.reth.totalSupply(),
            "deposit_pool_balance": self.deposit_pool.getBalance(),
            "deposit_pool_excess": self.deposit_pool.getExcessBalance(),
            "reth_collateral": self.reth.getTotalCollateral(),
            "reported_total_eth": self.network_balances.getTotalETHBalance(),
            "reported_reth_supply": self.network_balances.getTotalRETHSupply(),
        }

    def state(self):
        """A rich table of :meth:`summary`, in ETH (returned, and printable)."""
        from rich.table import Table

        table = Table(title="Rocket Pool state")
        table.add_column("quantity")
        table.add_column("ETH", justify="right")
        for key, value in self.summary().items():
            table.add_row(key.replace("_", " "), fmt_eth(value))
        return table
