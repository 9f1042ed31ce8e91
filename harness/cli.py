"""``rpfuzz``: the command line.

Exit codes: 0 success, 1 a check failed, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from harness.config import ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rpfuzz",
        description=(
            "Rocket Pool in Vyper under titanoboa, and a harness that fuzzes it for "
            "solvency and rETH-rate monotonicity."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="deploy the protocol and run a scripted deposit / report / burn, printed step by step",
        description=(
            "Deploy every contract from boa_config.toml, let two depositors deposit, "
            "bring 3 ETH of rewards, have the oDAO report, and burn rETH at the new rate."
        ),
    )
    demo.add_argument(
        "--contracts",
        metavar="DIR",
        help="a (patched) copy of contracts/ to deploy instead of the project's own",
    )
    shell = sub.add_parser(
        "shell",
        help="a Python REPL with the protocol deployed, to try calls and read reverts by hand",
        description=(
            "Deploy every contract and open a Python REPL (IPython if installed) with the "
            "Protocol facade as `p`, the funded actors by name (depositor_0, node_operator_0, "
            "odao_member_0, guardian) and state() to print the numbers. For exploring the "
            "protocol, reproducing a bug by hand, or reading a revert's Vyper source trace. "
            "Commands piped on stdin are run in order, so a session can be scripted."
        ),
    )
    shell.add_argument(
        "--contracts",
        metavar="DIR",
        help="a (patched) copy of contracts/ to deploy instead of the project's own",
    )
    shell.add_argument(
        "--config",
        metavar="FILE",
        help="a boa_config.toml to deploy with instead of the project's own",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rpfuzz`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    console = Console()
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "demo":
            from harness.demo import run_demo

            return run_demo(console, contracts_dir=args.contracts)
        if args.command == "shell":
            from harness.shell import start_shell

            return start_shell(contracts_dir=args.contracts, config=args.config)
    except ConfigError as exc:
        console.print(f"[red]rpfuzz: {exc}[/]", soft_wrap=True)
        return 2
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
