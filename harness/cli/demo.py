"""The scripted demo: deposit, oracle report, burn, then a node's blocks, their fees
distributed and reported; printed step by step with rich."""

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
    # Execution-layer rewards: a node's validator proposes blocks; their fees wait in
    # the node's fee distributor until someone distributes it.
    node, third = p.node_operators[0], p.depositors[2 % len(p.depositors)]
    p.deposit(third, "24")
    p.register_node(node)
    p.fund_rpl(node, "3000")
    p.stake_rpl(node, "3000")
    minipool = p.create_minipool(node, bond=8)
    p.advance(hours=13)
    p.stake(minipool)
    row("stake", "node_operator_0 bonds 8 ETH; its minipool stakes with 24 ETH of the pool's")
    distributor = p.distributor(node)
    p.beacon.propose(p.validator(minipool), "0.5")
    row("propose", "its validator proposes a block: 0.5 ETH of fees to its fee distributor")
    p.advance(days=30, proposals=18)
    made = p.beacon.proposals[1:]
    waiting = p.balance(distributor)
    row(
        "30 days",
        f"time passes: {len(made)} more blocks at the \\[proposals] rate; the distributor "
        f"holds {fmt_eth(waiting)} ETH (not counted for rETH until distributed)",
    )
    user_share = distributor.getUserShare()
    distributor.distribute(sender=third)
    row(
        "distribute",
        f"depositor_2 distributes it: {fmt_eth(user_share)} ETH to rETH, "
        f"{fmt_eth(waiting - user_share)} ETH to the node",
    )
    p.report()
    row("report", "the honest oDAO reports: the users' share of the fees raises the rate")
    console.print(table)
    console.print(state_table(p))
    profit = paid - 10 * 10**18
    console.print(
        f"depositor_0 put in 10 ETH and took out {fmt_eth(paid)} ETH "
        f"({'+' if profit >= 0 else ''}{fmt_eth(profit)} ETH)."
    )
    return 0
