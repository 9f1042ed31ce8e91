"""``rpfuzz``: the command line.

What lives where: :func:`_parser` builds the argument parser from one
``_add_<command>`` function per subcommand (and the flags several share:
``_add_contracts``, ``_add_backend``, ``_add_size``); one handler per
subcommand (``_demo``, ``_run``, ``_bench``, ...) turns its parsed arguments
into a call of the module that does the work, imported only then;
``_COMMANDS`` maps each subcommand to its handler, and :func:`main` parses,
dispatches, and turns a :class:`ConfigError` into exit code 2 (a message
naming the input and the fix, on a line of its own). ``_config`` picks the
``boa_config.toml`` a command reads and prints it. Parsing imports nothing
heavy (titanoboa, the compiler, Hypothesis): ``--help`` answers at once.

Exit codes: 0 success, 1 a check failed, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from harness.config import BACKENDS, DEFAULT_BACKEND, Config, ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rpfuzz",
        description=(
            "Rocket Pool in Vyper under titanoboa, and a harness that fuzzes it for "
            "solvency and rETH-rate monotonicity."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo(sub)
    _add_shell(sub)
    _add_run(sub)
    _add_zoo(sub)
    _add_mutate(sub)
    _add_replay(sub)
    _add_minimize(sub)
    _add_bench(sub)
    return parser


def _add_demo(sub) -> None:
    demo = sub.add_parser(
        "demo",
        help="deploy the protocol and run a scripted deposit / report / burn, printed step by step",
        description=(
            "Deploy every contract from boa_config.toml, let two depositors deposit, "
            "bring 3 ETH of rewards, have the oDAO report, and burn rETH at the new rate."
        ),
    )
    _add_contracts(demo, "deploy")
    _add_config(demo)


def _add_shell(sub) -> None:
    shell = sub.add_parser(
        "shell",
        help="a Python REPL with the protocol deployed, to try calls and read reverts by hand",
        description=(
            "Deploy every contract and open a Python REPL (IPython if installed) with the "
            "Protocol facade as `p`, the funded actors by name (depositor_0, node_operator_0, "
            "odao_member_0, guardian) and state() to print the numbers. For exploring the "
            "protocol, reproducing a bug by hand, or reading a revert's Vyper source trace. "
            "Commands piped on stdin are run in order, so a session can be scripted; "
            "exit code 1 if one of them raised."
        ),
    )
    _add_contracts(shell, "deploy")
    _add_config(shell)
    shell.add_argument(
        "--script",
        metavar="FILE",
        help="run this Python file with the same names in scope instead of opening the REPL; "
        "it stops at the first statement that raises (a revert shown as in the shell), "
        "exit code 1",
    )


def _int_at_least(minimum: int):
    """An argparse type: an integer no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} must be at least {minimum}")
        return value

    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0 seconds")
    return value


def _non_negative_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 seconds or more")
    return value


def _add_contracts(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--contracts",
        metavar="DIR",
        help=f"a (patched) copy of contracts/ to {verb} instead of the project's own",
    )


def _add_config(parser: argparse.ArgumentParser, replay: bool = False) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the boa_config.toml to read (default: ./boa_config.toml when the current "
        "directory has one, else the project's own); the file in use is printed at the start"
        + (
            "; for a replay file, the settings to deploy with instead of those it recorded"
            if replay
            else ""
        ),
    )


def _add_backend(
    parser: argparse.ArgumentParser, many: bool = False, default: str | None = None
) -> None:
    """``--backend``; ``default`` when the command has its own (zoo and mutate: revm)."""
    default = default or DEFAULT_BACKEND
    choices = ", ".join(BACKENDS)
    parser.add_argument(
        "--backend",
        default=default,
        metavar="NAME" + (",..." if many else ""),
        help=f"the EVM to run on: {choices} (default {default}). revm runs the same bytecode "
        "many times faster per step (rpfuzz bench measures it); titanoboa gives Vyper "
        "source traces, coverage and replay"
        + ("; several, comma-separated, are measured one after the other" if many else ""),
    )


def _add_size(
    parser: argparse.ArgumentParser,
    helps: tuple[str, str, str],
    defaults: tuple[int | None, int | None, int | None] = (None, None, None),
) -> None:
    """``--seed``, ``--examples`` and ``--steps`` with these help texts and defaults."""
    for flag, kind, help_text, default in zip(
        ("--seed", "--examples", "--steps"),
        (_non_negative_int, _positive_int, _positive_int),
        helps,
        defaults,
        strict=True,
    ):
        parser.add_argument(flag, type=kind, default=default, metavar="N", help=help_text)


def _add_run(sub) -> None:
    run = sub.add_parser(
        "run",
        help="run a fuzzing campaign: random action sequences checked after every step",
        description=(
            "Run the stateful machine: random interleavings of deposits, node bonds, rewards, "
            "slashings, exits, withdrawals and oracle reports, with every invariant checked "
            "after every step. Shows live progress and, at the end, how often each rule ran "
            "and reverted. A failing example is shrunk and written as a replay file under "
            "failures/. Profiles ([profiles.NAME] in boa_config.toml) set the size; the flags "
            "below override them. Exit code 0: every invariant held; 1: one failed; 2: usage "
            "or configuration error."
        ),
    )
    run.add_argument(
        "--profile",
        default="quick",
        metavar="NAME",
        help="campaign size from boa_config.toml: quick (two minutes), ci (derandomised, "
        "no database), deep (an hour); default quick",
    )
    _add_size(
        run,
        (
            "random seed; the same seed draws the same examples (default: a random one, "
            "printed so the run can be repeated)",
            "how many random sequences to run",
            "rules per sequence, after the set-up",
        ),
    )
    run.add_argument(
        "--max-seconds",
        type=_positive_seconds,
        metavar="S",
        help="the fuzzing time budget, checked between examples; compiling and deploying "
        "before it and shrinking a failure after it come on top, so the wall time is longer "
        "(the summary prints both)",
    )
    run.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="processes to fuzz in (spawned), with seeds SEED, SEED+1, ..., sharing the "
        "example database (default 1; with --cluster, one per worker thread of the cluster)",
    )
    _add_contracts(run, "fuzz")
    _add_config(run)
    _add_backend(run)
    _add_run_outputs(run)
    _add_run_scale(run)
    run.add_argument(
        "--html",
        metavar="PATH",
        help="also write a self-contained campaign page: the rule and invariant tables, "
        "steps/s over time, the flows, and coverage when --coverage measured it",
    )


def _add_run_scale(parser: argparse.ArgumentParser) -> None:
    """``rpfuzz run``'s ``--cluster`` and ``--database``: beyond one machine."""
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run the workers as tasks of a Dask cluster: tcp://HOST:8786 (a running "
        "`dask scheduler` with `dask worker`s on any hosts) or local:N (N processes here); "
        "the contracts are shipped by content, failures written here under failures/",
    )
    parser.add_argument(
        "--database",
        metavar="DIR|redis://HOST:PORT/N",
        help="the example database failing examples are saved to and tried first from: a "
        "directory (default .hypothesis/examples) or a Redis shared by every host, with a "
        "local copy in .hypothesis/examples that carries on if the Redis goes away",
    )


def _add_run_outputs(parser: argparse.ArgumentParser) -> None:
    """``rpfuzz run``'s ``--json``, ``--coverage`` and ``--failures-dir``."""
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="also write the figures (examples, steps/s, failures, rule metrics) as JSON",
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="measure Vyper line and branch coverage of the campaign (slower) and print it "
        "per contract, with the external functions no step entered",
    )
    parser.add_argument(
        "--failures-dir",
        metavar="DIR",
        help="where to write replay files (created if missing; default failures/)",
    )


def _add_zoo(sub) -> None:
    zoo = sub.add_parser(
        "zoo",
        help="plant known bugs in copies of the contracts and check that campaigns find them",
        description=(
            "For each planted bug (harness/bugzoo/catalogue.py): copy contracts/ to "
            "OUT/BUG/contracts, apply the bug's edit, and run a campaign of the zoo profile "
            "on it in a fresh process, with the bug's own fixed seed, until the first "
            "failure or the budget. Prints a table: each bug, found or not, the invariant "
            "that caught it, the fuzzing time and steps to the first failure, and the replay "
            "file (written next to the patched contracts it needs). Exit code 0: every bug "
            "that could run was found; 1: one was missed; 2: usage or configuration error "
            "(an unknown bug, or contracts that no longer match a bug's edit)."
        ),
    )
    zoo.add_argument(
        "--budget",
        type=_positive_seconds,
        metavar="SECONDS",
        help="fuzzing time per bug, deploy not counted (default: [profiles.zoo] max_seconds, 120)",
    )
    zoo.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this bug (repeat, or separate names with commas); --list shows the names",
    )
    zoo.add_argument(
        "--json",
        metavar="PATH",
        help="also write every bug's outcome and the median time to detection as JSON",
    )
    zoo.add_argument(
        "--list", action="store_true", help="list the bugs and what each imitates, run nothing"
    )
    _add_backend(zoo, default="revm")
    _add_config(zoo)
    _add_zoo_campaign(zoo)


def _add_zoo_campaign(parser: argparse.ArgumentParser) -> None:
    """``rpfuzz zoo``'s flags for each bug's campaign: seed, steps, shrinking, where to."""
    parser.add_argument(
        "--seed",
        type=_non_negative_int,
        metavar="N",
        help="use this seed for every bug instead of each bug's own (fixed by its name)",
    )
    parser.add_argument(
        "--steps",
        type=_positive_int,
        metavar="N",
        help="rules per example (default: [profiles.zoo] steps)",
    )
    parser.add_argument(
        "--shrink-seconds",
        type=_non_negative_seconds,
        default=10.0,
        metavar="S",
        help="after the first failure, shrink it for at most S seconds before writing the "
        "replay file (0: keep it as found; default 10)",
    )
    parser.add_argument(
        "--out",
        default="failures/zoo",
        metavar="DIR",
        help="where the patched copies and replay files go, one folder per bug "
        "(default failures/zoo)",
    )
    _add_contracts(parser, "plant the bugs in")


def _add_mutate(sub) -> None:
    mutate = sub.add_parser(
        "mutate",
        help="mutation testing: plant generic one-line bugs in the contracts and score the "
        "harness by how many campaigns catch",
        description=(
            "Generate mutants of contracts/ from Vyper's AST (comparison flips and boundary "
            "shifts, dropped asserts and storage writes, arithmetic and boolean swaps, "
            "constants off by one, a dropped reentrancy pragma, msg.sender swapped), fuzz "
            "the original once with the same seed and budget (a failure there stops the "
            "run: exit 2), then fuzz each mutant until its first failure or the budget, "
            "in a fork of a warm worker that loaded the contracts once: only what the "
            "mutant changed is compiled, and the deployment is fresh. A mutant that does "
            "not compile is stillborn and not scored; one that makes the deployment or the "
            "world's setup revert is killed. Prints every survivor (file, line, the line "
            "before and after), the kill rate and the median overhead before a mutant's "
            "first example. Exit code 0: the kill rate reaches --min-score; 1: it does "
            "not; 2: usage or configuration error."
        ),
    )
    mutate.add_argument(
        "--sample",
        type=_positive_int,
        metavar="N",
        help="fuzz a deterministic sample of N mutants (default: all)",
    )
    mutate.add_argument(
        "--seed",
        type=_non_negative_int,
        default=1,
        metavar="S",
        help="the sample's and every campaign's seed (default 1)",
    )
    mutate.add_argument(
        "--only",
        metavar="FILE[:LINE]",
        help="only mutants of this contract file (relative to the contracts "
        "directory), or of one line of it",
    )
    mutate.add_argument(
        "--budget",
        type=_positive_seconds,
        default=60.0,
        metavar="SECONDS",
        help="fuzzing time per mutant, deploy not counted (default 60)",
    )
    mutate.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="mutants fuzzed at once, each lane a warm worker process (default 1)",
    )
    mutate.add_argument(
        "--fresh",
        action="store_true",
        help="fuzz each mutant in a freshly spawned process instead of a warm worker "
        "(slower: every process imports the harness and loads every contract)",
    )
    _add_backend(mutate, default="revm")
    mutate.add_argument(
        "--profile",
        default="deep",
        metavar="NAME",
        help="the campaign profile of boa_config.toml (default deep)",
    )
    mutate.add_argument(
        "--min-score",
        type=float,
        default=0.0,
        metavar="RATE",
        help="exit 1 when the kill rate is below RATE, 0..1 (default 0: report only)",
    )
    mutate.add_argument(
        "--equivalents",
        metavar="PATH",
        help="a file of mutants declared equivalent, 'ID  # why' a line; "
        "they are left out and counted (default: harness/mutate/equivalents.txt "
        "for the shipped contracts, none for --contracts elsewhere)",
    )
    mutate.add_argument(
        "--json", metavar="PATH", help="also write every mutant's outcome and the score as JSON"
    )
    mutate.add_argument(
        "--list",
        action="store_true",
        help="list the selected mutants (id and the changed line), run nothing",
    )
    mutate.add_argument(
        "--out",
        default="failures/mutate",
        metavar="DIR",
        help="where the working copies and replay files go (default failures/mutate)",
    )
    _add_contracts(mutate, "mutate")
    _add_config(mutate)


def _add_replay(sub) -> None:
    replay = sub.add_parser(
        "replay",
        help="re-run a replay file step by step: where it fails, why, and the model's numbers",
        description=(
            "Re-run the steps of a replay file (written under failures/ by rpfuzz run) "
            "deterministically, on the contracts it was recorded on (or --contracts DIR), "
            "through the checked facade, with the invariants checked where the campaign "
            "checked them. Prints one row per step: rule, arguments in ETH, outcome, and the "
            "change in the rETH rate, rETH supply, deposit pool balance and collateral. At the "
            "failing step: the violated invariant, the model's expected values beside the "
            "actual ones, and titanoboa's Vyper source trace when a call reverted. A file "
            "recorded on other sources says so (their sha256) first. Exit code 1: a step "
            "fails (the failure reproduces); 0: every step passes (the bug is fixed); 2: the "
            "file, the contracts or a flag cannot be used."
        ),
    )
    replay.add_argument("file", metavar="FILE", help="the replay file (JSON)")
    _add_contracts(replay, "replay on")
    _add_config(replay, replay=True)
    replay.add_argument(
        "--until",
        type=_non_negative_int,
        metavar="N",
        help="stop before step N (steps 0 to N-1 run); with N the failing step, the state "
        "just before the failure",
    )
    replay.add_argument(
        "--shell",
        action="store_true",
        help="then open the rpfuzz shell at that state (p, the actors, the checked facade "
        "cp, the model, next_step() to run the next recorded step, check() for the invariants)",
    )
    replay.add_argument(
        "--emit-pytest",
        metavar="PATH",
        help="also write a standalone pytest test of the file: one line per step, a comment "
        "at the failing step naming the invariant; it fails while the bug is there and "
        "passes once it is fixed (RPFUZZ_CONTRACTS=DIR points it at other sources)",
    )
    replay.add_argument(
        "--html",
        metavar="PATH",
        help="also write a self-contained report page: the step table, plots of the rETH "
        "rate, supply, collateral, deposit pool and each minipool over the steps, the "
        "failure with the model's values beside the chain's, and where they first diverged",
    )


def _add_minimize(sub) -> None:
    minimize = sub.add_parser(
        "minimize",
        help="shrink a replay file: fewer steps, smaller amounts, the same invariant failing",
        description=(
            "Shrink a replay file while the same invariant still fails on its contracts (or "
            "--contracts DIR): delete chunks of steps, then single steps, then lower each "
            "amount and duration to its minimum or by halves, replaying every candidate from "
            "the deployed state. For files recorded elsewhere, cut short by a campaign's "
            "budget, or edited by hand. Writes FILE's name with .min.json unless --output is "
            "given. Exit code 0: written; 1: the file does not fail on these contracts; 2: "
            "the file, the contracts or a flag cannot be used."
        ),
    )
    minimize.add_argument("file", metavar="FILE", help="the replay file (JSON)")
    _add_contracts(minimize, "replay on")
    _add_config(minimize, replay=True)
    minimize.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help="where to write the minimized file (default: FILE's name with .min.json)",
    )
    minimize.add_argument(
        "--max-seconds",
        type=_positive_seconds,
        default=300.0,
        metavar="S",
        help="time budget; the smallest failing file found by then is written (default 300)",
    )


def _add_bench(sub) -> None:
    bench = sub.add_parser(
        "bench",
        help="measure throughput: the machine's steps/s and examples/s against replaying "
        "its steps bare",
        description=(
            "Run the machine for a fixed seed and size on one core and measure its steps/s "
            "and examples/s; then replay exactly the same steps straight on the same backend, "
            "without Hypothesis, the model or the invariants, and measure that. Prints both, their "
            "ratio (how much of the raw EVM speed the harness keeps), the peak memory and the "
            "load average when it started (other processes slow it down). The one-time deploy "
            "is not timed. With --backend boa,revm both backends are measured in one run and "
            "compared; --ceiling and --workers add the no-op machine and several processes, "
            "--cluster the same workers as tasks of a Dask cluster."
        ),
    )
    _add_size(
        bench,
        (
            "random seed (default 0)",
            "examples to run (default 10)",
            "rules per example (default 30)",
        ),
        defaults=(0, 10, 30),
    )
    _add_contracts(bench, "measure")
    _add_config(bench)
    _add_backend(bench, many=True)
    bench.add_argument(
        "--ceiling",
        action="store_true",
        help="also run the no-op machine (the same rules and draws, bodies that do nothing) "
        "on the same seed and size: the steps/s Hypothesis alone allows",
    )
    bench.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="also run the machine in N spawned processes at once and add up their steps/s "
        "(default: not run; with --cluster, one per worker thread of the cluster)",
    )
    bench.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="also run the machine as N tasks of a Dask cluster (tcp://HOST:8786 or local:N), "
        "beside N spawned processes and one worker alone set up the same way: the speedup and "
        "the cluster path's overhead per example, in one run",
    )
    bench.add_argument(
        "--repeat",
        type=_positive_int,
        default=1,
        metavar="N",
        help="time each machine N times in its process and count the median run, and with "
        "--ceiling time the machine and the no-op machine in turns N times and count the "
        "median share, and with --cluster run N rounds in alternating order and count the "
        "median ratios (default 1); steadier figures on a shared machine",
    )
    bench.add_argument("--json", metavar="PATH", help="also write the figures as JSON")


def _demo(args: argparse.Namespace, console: Console) -> int:
    """``rpfuzz demo``: the scripted deposit / report / burn."""
    from harness.cli.demo import run_demo

    return run_demo(console, contracts_dir=args.contracts, config=_config(args, console))


def _shell(args: argparse.Namespace, console: Console) -> int:
    """``rpfuzz shell``: the REPL with the protocol deployed."""
    from harness.cli.shell import start_shell
    from harness.config import config_path

    # The shell's greeting names the file, as "settings from ...".
    return start_shell(
        contracts_dir=args.contracts, config=config_path(args.config), script=args.script
    )


def _run(args: argparse.Namespace, console: Console) -> int:
    """``rpfuzz run``: a campaign; 1 when an invariant failed."""
    from harness.run.campaign import run_campaign

    started = time.perf_counter()
    if args.html and not Path(args.html).resolve().parent.is_dir():
        raise ConfigError(
            f"--html {args.html}: directory {Path(args.html).resolve().parent} does not "
            "exist; create it or pick another path"
        )
    # (seconds, steps) of the running totals, for the page's steps/s over time.
    samples: list[tuple[float, int]] = [(0.0, 0)]
    result = run_campaign(
        profile=args.profile,
        seed=args.seed,
        examples=args.examples,
        steps=args.steps,
        max_seconds=args.max_seconds,
        # Without --cluster, one worker unless told; with it, the cluster's size.
        workers=args.workers if args.workers or args.cluster else 1,
        contracts_dir=args.contracts,
        json_path=args.json,
        console=console,
        failures_dir=args.failures_dir,
        coverage=args.coverage,
        backend_name=args.backend,
        database=args.database,
        cluster=args.cluster,
        progress=(lambda t: samples.append((t["seconds"], t["steps"]))) if args.html else None,
        config=_config(args, console),
    )
    # --max-seconds bounds the fuzzing only: say what the rest took.
    wall = time.perf_counter() - started
    console.print(
        f"Wall time {wall:.1f} s, of which {result.seconds:.1f} s fuzzing (what --max-seconds "
        "bounds); the rest compiling, deploying and shrinking.",
        soft_wrap=True,
    )
    if args.html:
        from harness.report.campaign_page import write_campaign_page

        try:
            written = write_campaign_page(args.html, result.to_json(), samples)
        except OSError as exc:
            raise ConfigError(f"--html {args.html}: cannot write it ({exc})") from exc
        console.print(f"Wrote the campaign page to {escape(str(written))}", soft_wrap=True)
    return result.exit_code


def _zoo(args: argparse.Namespace, console: Console) -> int:
    """``rpfuzz zoo``: the planted bugs' campaigns, or with ``--list`` the catalogue."""
    from harness.bugzoo.runner import print_catalogue, run_zoo

    only = [n.strip() for item in args.only or [] for n in item.split(",") if n.strip()]
    if args.list:
        print_catalogue(console, only)
        return 0
    result = run_zoo(
        config=_config(args, console),
        only=only,
        budget=args.budget,
        seed=args.seed,
        steps=args.steps,
        shrink_seconds=args.shrink_seconds,
        out_dir=args.out,
        contracts_dir=args.contracts,
        json_path=args.json,
        console=console,
        backend_name=args.backend,
    )
    return result.exit_code


def _mutate(args: argparse.Namespace, console: Console) -> int:
    """``rpfuzz mutate``: score the harness on generated mutants, or ``--list`` them."""
    from harness.chain.backend import check_backend
    from harness.mutate import runner

    if not 0.0 <= args.min_score <= 1.0:
        raise ConfigError(f"--min-score {args.min_score}: give a rate between 0 and 1")
    if args.contracts is not None and not Path(args.contracts).is_dir():
        raise ConfigError(
            f"--contracts {args.contracts}: not a directory; point it at a copy of contracts/"
        )
    check_backend(args.backend)
    if args.list:
        return _list_mutants(args, console)
    result = runner.run_mutate(
        config=_config(args, console),
        contracts_dir=args.contracts,
        out_dir=args.out,
        budget=args.budget,
        seed=args.seed,
        sample_size=args.sample,
        only=args.only,
        workers=args.workers,
        backend_name=args.backend,
        profile=args.profile,
        equivalents=runner.default_equivalents(args.contracts, args.equivalents),
        fresh=args.fresh,
        progress=lambda outcome: console.print(escape(runner.progress_line(outcome))),
        announce=lambda text: console.print(escape(text), soft_wrap=True),
    )
    if args.json:
        runner.write_json(result, args.json)
    console.print(runner.mutate_table(result))
    console.print(runner.summary_line(result))
    rate = result.kill_rate
    return 0 if rate is None or rate >= args.min_score else 1


def _list_mutants(args: argparse.Namespace, console: Console) -> int:
    from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
    from harness.mutate import runner

    directory = Path(args.contracts or DEFAULT_CONTRACTS_DIR)
    equivalents = runner.load_equivalents(
        runner.default_equivalents(args.contracts, args.equivalents)
    )
    mutants, pool, excluded = runner.select(
        directory, args.only, args.sample, args.seed, equivalents
    )
    for mutant in mutants:
        before, after = mutant.diff((directory / mutant.file).read_text())
        console.print(escape(f"{mutant.id}: {before}  ->  {after}"), soft_wrap=True)
    console.print(f"{len(mutants)} of {pool} mutants selected, {excluded} left out as equivalent")
    return 0


def _replay(args: argparse.Namespace, console: Console) -> int:
    """``rpfuzz replay``: a replay file, step by step."""
    from harness.cli.replay import replay_command
    from harness.config import config_path

    return replay_command(
        args.file,
        contracts=args.contracts,
        until=args.until,
        shell=args.shell,
        emit=args.emit_pytest,
        console=console,
        html=args.html,
        config=config_path(args.config),
        config_given=args.config is not None,
    )


def _minimize(args: argparse.Namespace, console: Console) -> int:
    """``rpfuzz minimize``: a replay file, shrunk."""
    from harness.cli.replay import minimize_command
    from harness.config import config_path

    return minimize_command(
        args.file,
        contracts=args.contracts,
        output=args.output,
        max_seconds=args.max_seconds,
        console=console,
        config=config_path(args.config),
        config_given=args.config is not None,
    )


def _bench(args: argparse.Namespace, console: Console) -> int:
    """``rpfuzz bench``: the throughput figures; always 0 once they are measured."""
    from harness.run.bench import run_bench

    run_bench(
        config=_config(args, console),
        seed=args.seed,
        examples=args.examples,
        steps=args.steps,
        contracts_dir=args.contracts,
        json_path=args.json,
        console=console,
        backends=[name.strip() for name in args.backend.split(",") if name.strip()],
        ceiling=args.ceiling,
        workers=args.workers,
        repeat=args.repeat,
        cluster=args.cluster,
    )
    return 0


def _config(args: argparse.Namespace, console: Console) -> Config | None:
    """The configuration the command runs with (``--config``, ``./boa_config.toml``, the
    packaged one), read and checked, its file printed; ``None`` for the packaged one, which
    every layer reads by default."""
    from harness.config import DEFAULT_CONFIG_PATH, config_path, load_config

    path = config_path(args.config)
    config = load_config(path)
    console.print(Text(f"config: {path}"), soft_wrap=True)
    return None if path.resolve() == DEFAULT_CONFIG_PATH.resolve() else config


# Each subcommand's handler: its parsed arguments and the console in, the exit code out.
_COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "demo": _demo,
    "shell": _shell,
    "run": _run,
    "zoo": _zoo,
    "mutate": _mutate,
    "replay": _replay,
    "minimize": _minimize,
    "bench": _bench,
}


_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _LineTracker:
    """stdout, remembering whether the last thing written ended its line.

    A live progress display that cannot redraw (output to a file or a pipe)
    leaves its last line open when an error ends it; the error then starts
    on a line of its own.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.line_open = False

    def write(self, text: str) -> int:
        # Terminal control sequences (the cursor shown again) move no text.
        visible = _CONTROL.sub("", text)
        if visible:
            self.line_open = not visible.endswith("\n")
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rpfuzz`` console script: parse, then hand over to the command."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, a usage error 2
        return exc.code if isinstance(exc.code, int) else 2
    console = Console()
    stdout = console.file = _LineTracker(console.file)
    if args.command is None:
        parser.print_help()
        return 2
    handler = _COMMANDS.get(args.command)
    if handler is None:  # pragma: no cover - every subparser has a handler
        parser.error(f"unknown command {args.command!r}")
        return 2
    try:
        return handler(args, console)
    except ConfigError as exc:
        if stdout.line_open:
            console.line()
        # escape: messages quote TOML tables such as [profiles.nightly]
        console.print(f"[red]rpfuzz: {escape(str(exc))}[/]", soft_wrap=True, highlight=False)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
