"""The protocol's state as rich tables, for the shell and for people reading a run.

Reads go through the facade's contract handles only (views), so printing the
state never changes it. Amounts are in ETH via :func:`harness.units.fmt_eth`.
"""

from __future__ import annotations

from typing import Any

import boa
from rich.console import Console, Group
from rich.table import Table

from harness.chain.status import MinipoolStatus
from harness.units import GWEI, fmt_eth

PIPED_WIDTH = 160


def short_address(address: Any) -> str:
    """``0x6fb6…8F93``: enough of an address to tell it apart in a table."""
    text = str(getattr(address, "address", address))
    return f"{text[:6]}…{text[-4:]}" if len(text) > 12 else text


def address_name(address: Any, p: Any = None) -> str:
    """A readable name for ``address``.

    The titanoboa alias the actor was created with (``depositor_0``), else
    the facade attribute of a protocol contract (``p.reth``), else the
    shortened address.
    """
    address = getattr(address, "address", address)
    try:
        return boa.env.lookup_alias(address)
    except (KeyError, ValueError):
        pass
    if p is not None:
        for attr, contract in p.contracts.items():
            if str(contract.address).lower() == str(address).lower():
                return f"p.{attr}"
    return short_address(address)


def _block(block: int) -> str:
    # Block 0 means no report was ever accepted, not a report for the genesis block.
    return str(block) if block else "none yet"


def _percent(fraction: int) -> str:
    return fmt_eth(fraction * 100, places=4) + "%"


def headline_rows(p: Any) -> list[tuple[str, str, str]]:
    """The headline numbers as ``(quantity, value, unit)`` rows, values formatted."""
    reth, pool = p.reth, p.deposit_pool
    balances, prices = p.network_balances, p.network_prices
    return [
        ("rETH rate", fmt_eth(reth.getExchangeRate()), "ETH per rETH"),
        ("rETH supply", fmt_eth(reth.totalSupply()), "rETH"),
        ("deposit pool balance", fmt_eth(pool.getBalance()), "ETH"),
        ("  node balance", fmt_eth(pool.getNodeBalance()), "ETH"),
        # int256: negative while more ETH is assigned to minipools than users deposited.
        ("  user balance", fmt_eth(pool.getUserBalance()), "ETH"),
        ("  excess", fmt_eth(pool.getExcessBalance()), "ETH"),
        ("rETH contract ETH", fmt_eth(p.balance(reth)), "ETH"),
        ("rETH collateral rate", _percent(reth.getCollateralRate()), "of the rETH value"),
        ("reported total ETH", fmt_eth(balances.getTotalETHBalance()), "ETH"),
        ("reported staking ETH", fmt_eth(balances.getStakingETHBalance()), "ETH"),
        ("reported rETH supply", fmt_eth(balances.getTotalRETHSupply()), "rETH"),
        ("balances report block", _block(balances.getBalancesBlock()), ""),
        ("RPL price", fmt_eth(prices.getRPLPrice()), "ETH per RPL"),
        ("prices report block", _block(prices.getPricesBlock()), ""),
    ]


def _beacon_balance(p: Any, pubkey: bytes) -> str:
    # The beacon chain is optional on the facade; a minipool whose validator
    # never deposited (or a protocol without a simulated chain) shows "-".
    beacon = getattr(p, "beacon", None)
    if beacon is None or not pubkey:
        return "-"
    try:
        validator = beacon.validator(bytes(pubkey))
    except LookupError:
        return "-"
    return fmt_eth(validator.balance * GWEI)


def minipool_rows(p: Any) -> list[tuple[str, ...]]:
    """One formatted row per live minipool, in the manager's order."""
    rows = []
    for minipool in p.minipools():
        status = minipool.getStatus()
        rows.append(
            (
                short_address(minipool.address),
                address_name(minipool.getNodeAddress(), p),
                MinipoolStatus.label_of(status, f"unknown ({status})"),
                fmt_eth(minipool.getNodeDepositBalance()),
                fmt_eth(minipool.getUserDepositBalance()),
                fmt_eth(p.balance(minipool)),
                fmt_eth(minipool.getNodeRefundBalance()),
                "yes" if minipool.getFinalised() else "no",
                _beacon_balance(p, minipool.getValidatorPubkey()),
            )
        )
    return rows


def state_table(p: Any) -> Group:
    """The protocol's state: a table of headline numbers and one of minipools.

    Every amount is in ETH. The minipool table shows each minipool's node
    (by actor alias), status, bond, user deposit, contract ETH, refund
    balance, whether it is finalised, and its validator's beacon balance when
    ``p.beacon`` knows the validator ("-" otherwise).
    """
    headline = Table(title="Rocket Pool state", title_justify="left")
    headline.add_column("quantity")
    headline.add_column("value", justify="right")
    headline.add_column("unit")
    for row in headline_rows(p):
        headline.add_row(*row)

    rows = minipool_rows(p)
    minipools = Table(title=f"Minipools ({len(rows)})", title_justify="left")
    for name, justify in (
        ("minipool", "left"),
        ("node", "left"),
        ("status", "left"),
        ("bond", "right"),
        ("user\ndeposit", "right"),
        ("contract\nETH", "right"),
        ("refund", "right"),
        ("finalised", "left"),
        ("beacon", "right"),
    ):
        # Nine columns do not fit 80 characters: on a narrow terminal fold the
        # text onto more lines rather than cut an amount short with an ellipsis.
        minipools.add_column(name, justify=justify, overflow="fold")
    for row in rows:
        minipools.add_row(*row)
    if not rows:
        minipools.caption = "no minipools yet"
    return Group(headline, minipools)


def print_state(p: Any, console: Console | None = None) -> None:
    """Print :func:`state_table` to ``console`` (default: a new one on stdout).

    Output that is not a terminal (a pipe, a file) has no width to respect,
    so the default console is made wide enough for the minipool table.
    """
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=max(console.width, PIPED_WIDTH))
    console.print(state_table(p))
