"""The scripted demo: deposit, oracle report, burn, printed step by step with rich."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from harness.cli.display import state_table
from harness.units import fmt_eth
from harness.world.deploy import deploy_protocol


def _truthful_total_eth(p) -> int:
    """docs/protocol.md's truthful totalEth with no minipools yet: pool user ETH + rETH's ETH."""
    return p.deposit_pool.getUserBalance() + p.balance(p.reth)


def run_demo(
    console: Console | None = None, contracts_dir: str | None = None, config: Any = None
) -> int:
    """Deploy, deposit, report rewards, burn; print every step. Returns an exit code.

    ``config`` is passed to :func:`~harness.world.deploy.deploy_protocol`.
    """
    console = console or Console()
    console.rule("[bold]rpfuzz demo: Rocket Pool in Vyper under titanoboa")
    p = deploy_protocol(config=config, contracts_dir=contracts_dir)
    console.print(
        f"Deployed {len(p.contracts) + 1} contracts from [cyan]{p.contracts_dir}[/]; "
        f"{len(p.odao_members)} oDAO members, {len(p.depositors)} depositors."
    )
    first, second = p.depositors[:2]
    table = Table(title="Steps")
    table.add_column("#", justify="right")
    table.add_column("step")
    for column in ("rETH rate", "rETH supply", "pool balance", "collateral"):
        table.add_column(column, justify="right")

    def row(step: str, note: str) -> None:
        number = str(table.row_count)
        console.print(f"[bold]{number}.[/] {note}")
        s = p.summary()
        table.add_row(
            number,
            step,
            fmt_eth(s["rate"]),
            fmt_eth(s["reth_supply"]),
            fmt_eth(s["deposit_pool_balance"]),
            fmt_eth(s["reth_collateral"]),
        )

    row("deployed", "nothing reported yet: rate 1")
    minted = p.deposit(first, "10")
    row("deposit", f"depositor_0 deposits 10 ETH, gets {fmt_eth(minted)} rETH (0.05% fee)")
    minted_second = p.deposit(second, "20")
    row("deposit", f"depositor_1 deposits 20 ETH, gets {fmt_eth(minted_second)} rETH")
    # Rewards reach rETH the way minipool distributions do: ETH arrives.
    p.chain.set_balance(p.reth.address, p.balance(p.reth) + 3 * 10**18)
    row("rewards", "3 ETH of rewards arrive at the rETH contract")
    total = _truthful_total_eth(p)
    p.report_balances(total_eth=total, reth_supply=p.reth.totalSupply())
    row("report", f"oDAO reports {fmt_eth(total)} ETH for the supply: the rate rises")
    paid = p.burn(first, minted)
    row("burn", f"depositor_0 burns {fmt_eth(minted)} rETH for {fmt_eth(paid)} ETH")
    console.print(table)
    console.print(state_table(p))
    profit = paid - 10 * 10**18
    console.print(
        f"depositor_0 put in 10 ETH and took out {fmt_eth(paid)} ETH "
        f"({'+' if profit >= 0 else ''}{fmt_eth(profit)} ETH)."
    )
    return 0
