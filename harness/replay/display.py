"""How ``rpfuzz replay`` shows a replay: a row per step, and the failure in full.

Each row: the step's number, rule, arguments (amounts in ETH, durations in
days and hours), outcome, whether the invariants ran after it, and the
change in the rETH rate, the rETH supply, the deposit pool's balance and
the rETH collateral. The failing step gets the violated invariant's message,
the model's expected values beside the actual ones, and titanoboa's Vyper
source trace when a revert is involved.
"""

from __future__ import annotations

import re
from typing import Any

import boa
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from harness.replay.session import ReplayResult, StepResult, failure_summary, holds_wei
from harness.units import DAY, HOUR, fmt_eth
from invariants import InvariantViolation

PIPED_WIDTH = 160
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")

_HEADLINE_COLUMNS = (
    ("rate", "Δ rate"),
    ("supply", "Δ rETH supply"),
    ("pool", "Δ deposit pool"),
    ("collateral", "Δ collateral"),
)


# Details whose expected and actual values go by other names: (expected, actual, label).
_NAMED_PAIRS = (
    ("model", "oracle", "truthful report (total ETH, staking ETH, rETH supply)"),
    ("held", "owed", "ETH for rETH holders: held for them (model), owed at the reported rate"),
    ("previous_rate", "new_rate", "rETH rate: the previous report's, the new report's"),
)


def wide_console(console: Console | None = None) -> Console:
    """``console``, or a new one; wide enough for the step table when output is not a terminal."""
    console = console or Console()
    if not console.is_terminal and console.width < PIPED_WIDTH:
        return Console(file=console.file, width=PIPED_WIDTH, soft_wrap=False)
    return console


def fmt_duration(seconds: int) -> str:
    """``13 h``, ``2 d 1 h``, ``90 s``: a duration as a person reads it."""
    if seconds == 0:
        return "0 s"
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{rest} s"] if rest else []
    return " ".join(parts)


def fmt_arg(rule: str, name: str, value: Any) -> str:
    """One argument as ``name=value``, amounts in ETH and durations in days and hours."""
    if isinstance(value, bool) or value is None:
        shown = str(value).lower() if value is not None else "none"
    elif isinstance(value, int) and name == "price":
        shown = f"{fmt_eth(value)} ETH/RPL"
    elif isinstance(value, int) and holds_wei(rule, name):
        shown = f"{fmt_eth(value)} ETH"
    elif isinstance(value, int) and name == "seconds":
        shown = fmt_duration(value)
    elif isinstance(value, int) and name == "bond":
        shown = f"{value} ETH"
    else:
        shown = str(value)
    return f"{name}={shown}"


def fmt_args(rule: str, args: dict[str, Any]) -> str:
    """Every argument of a step, :func:`fmt_arg` each, space-separated."""
    return " ".join(fmt_arg(rule, name, value) for name, value in args.items())


def fmt_change(delta: int | None) -> str:
    """A change in ETH with its sign; empty for none, ``?`` when a view reverted."""
    if delta is None:
        return "?"
    if delta == 0:
        return ""
    return ("+" if delta > 0 else "") + fmt_eth(delta)


def _outcome(step: StepResult) -> Text:
    if step.failed:
        text = Text(f"FAILED: {step.invariant}", style="bold red")
    elif step.outcome == "reverted":
        text = Text(f"reverted: {step.reason}", style="yellow")
    else:
        text = Text("ok", style="green")
    for event in step.events:
        text.append(f" ({event})", style="magenta")
    return text


def steps_table(result: ReplayResult) -> Table:
    """One row per step run."""
    table = Table(title=f"Steps ({len(result.steps)} of {result.total} run)", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("rule")
    table.add_column("arguments", overflow="fold")
    table.add_column("outcome", overflow="fold")
    table.add_column("inv", justify="center")
    for _, header in _HEADLINE_COLUMNS:
        table.add_column(header, justify="right")
    for step in result.steps:
        table.add_row(
            str(step.index),
            step.rule,
            fmt_args(step.rule, step.args),
            _outcome(step),
            "✓" if step.checked and not step.failed else "·" if not step.checked else "",
            *(fmt_change(step.change(key)) for key, _ in _HEADLINE_COLUMNS),
        )
    table.caption = (
        "inv: ✓ the invariants ran after the step; · its rule went on, so they waited "
        "(as in the campaign). Amounts in ETH."
    )
    return table


def _value(value: Any) -> str:
    """A detail value: wei-sized integers in ETH (exact) with the wei, actors by name."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**9:
        return f"{fmt_eth(value, places=18)} ETH ({value} wei)"
    if isinstance(value, str) and _ADDRESS.match(value):
        try:
            return f"{boa.env.lookup_alias(value)} ({value})"
        except (KeyError, ValueError):  # no alias: a contract, or made outside the harness
            return value
    return str(value)


def detail_rows(details: dict[str, Any]) -> tuple[list[tuple[str, str, str, str]], list]:
    """Split an invariant's ``details`` into expected-versus-actual rows and the rest.

    Pairs are ``expected``/``actual`` (named by ``key`` or ``field`` when the
    details have one), ``expected_X`` with ``actual_X`` (or plain ``X``), and
    solvency's, the rate's
    and the oracle's own names (:data:`_NAMED_PAIRS`). Each row is
    ``(quantity, expected, actual, difference)``; the rest come back as
    ``(name, value)``.
    """
    rows: list[tuple[str, str, str, str]] = []
    used: set[str] = set()

    def pair(label: str, expected_key: str, actual_key: str) -> None:
        expected, actual = details[expected_key], details[actual_key]
        numeric = all(isinstance(v, int) and not isinstance(v, bool) for v in (expected, actual))
        diff = _value(actual - expected) if numeric and actual != expected else ""
        rows.append((label, _value(expected), _value(actual), diff))
        used.update((expected_key, actual_key))

    if "expected" in details and "actual" in details:
        label = details.get("key") or details.get("field") or "value"
        pair(str(label), "expected", "actual")
        used.update(k for k in ("key", "field") if k in details)
    for key in list(details):
        name = key.removeprefix("expected_")
        if name == key:
            continue
        for actual_key in (f"actual_{name}", name):
            if actual_key in details and actual_key not in used:
                pair(name, key, actual_key)
                break
    for expected_key, actual_key, label in _NAMED_PAIRS:
        if expected_key in details and actual_key in details:
            pair(label, expected_key, actual_key)
    rest = [(key, _value(value)) for key, value in details.items() if key not in used]
    return rows, rest


def failure_view(step: StepResult) -> RenderableType:
    """The failing step: invariant, message, expected versus actual, and the revert trace."""
    exc = step.failure
    call = f"{step.rule} {fmt_args(step.rule, step.args)}".strip()
    parts: list[RenderableType] = [
        Text.assemble(
            ("Violated: ", "bold red"),
            (str(step.invariant), "bold red"),
            f" at step {step.index} ({call})",
        ),
    ]
    # A bare revert's message is its trace, printed below: its summary says it in words.
    parts.append(Text(failure_summary(step)))
    if isinstance(exc, InvariantViolation) and exc.details:
        details = {k: v for k, v in exc.details.items() if k != "trace"}
        rows, rest = detail_rows(details)
        if rows:
            table = Table(title="The model's values beside the contracts'", title_justify="left")
            for header in ("quantity", "expected (model)", "actual", "actual - expected"):
                table.add_column(header, overflow="fold")
            for row in rows:
                table.add_row(*(escape(cell) for cell in row))
            parts.append(table)
        if rest:
            table = Table(title="Details", title_justify="left", show_header=False)
            table.add_column("name")
            table.add_column("value", overflow="fold")
            for name, value in rest:
                table.add_row(escape(name), escape(value))
            parts.append(table)
    trace = step.revert_trace
    if trace:
        parts.append(Text("Vyper source trace of the revert (titanoboa):", style="bold"))
        parts.append(Text(trace, style="dim"))
    elif not isinstance(exc, InvariantViolation):
        parts.append(Text(f"{type(exc).__name__}: {exc}", style="dim"))
    return Group(*parts)


def print_steps(console: Console, result: ReplayResult) -> None:
    """The step table, then the failing step in full if one failed."""
    console.print(steps_table(result))
    if result.failure is not None:
        console.print(failure_view(result.failure))
