"""``rpfuzz replay --emit-pytest``: a replay file as a standalone, readable pytest test.

The test deploys the contracts with the file's configuration, then runs one
``run.<rule>(...)`` line per step through :func:`harness.replay.session.replaying`
(the checked facade, and the invariants where the campaign ran them:
steps of one machine rule sit in a ``with run.rule():`` block). A comment
at the failing step names the invariant, its message and the expected and
actual values; the test ends by asserting that every invariant holds. So it
fails while the bug is there and passes once it is fixed.

The contracts it runs on: ``RPFUZZ_CONTRACTS`` if set, else the directory
the replay ran on (``None``: the project's ``contracts/``). The output is
formatted as ``ruff format`` formats it with its default 88 columns (so also
within the project's 100).
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.replay.display import detail_rows
from harness.replay.file import ReplayFile
from harness.replay.session import ReplayResult, checks_after, failure_summary, holds_wei
from harness.units import DAY, ETH, HOUR
from invariants import InvariantViolation

LINE = 88
ENV_VAR = "RPFUZZ_CONTRACTS"
# Sections of the configuration a deployment reads; [profiles] only sizes campaigns.
_DEPLOY_SECTIONS = ("settings", "actors", "beacon", "oracle")
# How a docstring names the project's own contracts directory.
PROJECT_CONTRACTS = "contracts/ (the project's own)"


# --------------------------------------------------------------------------- literals
def _int(value: int) -> str:
    return f"{value:_}" if abs(value) >= 10_000 else str(value)


def _wei(value: int) -> str:
    """Wei as code: ``20 * ETH``, ``ETH // 2`` or ``to_wei("0.01")`` (exact, in ETH)."""
    if value == 0:
        return "0"
    if value % ETH == 0:
        whole = value // ETH
        return "ETH" if whole == 1 else f"{_int(whole)} * ETH"
    if ETH % value == 0 and ETH // value <= 1_000:
        return f"ETH // {ETH // value}"
    whole, frac = divmod(value, ETH)
    return f'to_wei("{whole}.{f"{frac:018d}".rstrip("0")}")'


def _seconds(value: int) -> str:
    """Seconds as code: ``13 * HOUR``, ``2 * DAY + HOUR``, ``90``."""
    if value == 0:
        return "0"
    days, rest = divmod(value, DAY)
    hours, rest = divmod(rest, HOUR)
    parts = []
    if days:
        parts.append("DAY" if days == 1 else f"{_int(days)} * DAY")
    if hours:
        parts.append("HOUR" if hours == 1 else f"{hours} * HOUR")
    if rest:
        parts.append(_int(rest))
    return " + ".join(parts)


def literal(value: Any) -> str:
    """A JSON value as a Python literal, as ruff formats it (double quotes)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return _int(value)
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def arg_code(rule: str, name: str, value: Any) -> str:
    """One step argument as code: amounts in ETH, durations in days and hours.

    A setting's value of 10**15 or more is in the contracts' 1e18 units
    (wei, or a fraction of ``ETH``), so it is written in ETH too.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if holds_wei(rule, name) or (rule == "set_setting" and value >= 10**15):
            return _wei(value)
        if name == "seconds":
            return _seconds(value)
    return literal(value)


def _block(value: Any, indent: int) -> list[str]:
    """A nested dict / list literal, one item a line with trailing commas (ruff's exploded form)."""
    pad = " " * (indent + 4)
    if isinstance(value, dict) and value:
        lines = ["{"]
        for key, item in value.items():
            inner = _block(item, indent + 4)
            lines.append(f"{pad}{json.dumps(str(key))}: {inner[0]}")
            lines.extend(inner[1:])
            lines[-1] += ","
        lines.append(" " * indent + "}")
        return lines
    if isinstance(value, list) and value:
        lines = ["["]
        for item in value:
            inner = _block(item, indent + 4)
            lines.append(pad + inner[0])
            lines.extend(inner[1:])
            lines[-1] += ","
        lines.append(" " * indent + "]")
        return lines
    if isinstance(value, dict):
        return ["{}"]
    if isinstance(value, list):
        return ["[]"]
    return [literal(value)]


def _call(indent: int, name: str, args: list[str]) -> list[str]:
    """``run.name(a=1, b=2)`` on one line if it fits, else wrapped as ruff wraps it."""
    pad = " " * indent
    one = f"{pad}run.{name}({', '.join(args)})"
    if len(one) <= LINE:
        return [one]
    hugged = f"{pad}    {', '.join(args)}"
    if len(hugged) <= LINE:
        return [f"{pad}run.{name}(", hugged, f"{pad})"]
    return [f"{pad}run.{name}(", *(f"{pad}    {a}," for a in args), f"{pad})"]


def _wrap(text: str, width: int, **kwargs: str) -> list[str]:
    # Never at a hyphen: "call-values" is a name.
    return textwrap.wrap(text, width=width, break_on_hyphens=False, **kwargs)


def _comment(indent: int, text: str, first: str = "", rest: str = "  ") -> list[str]:
    pad = " " * indent + "# "
    width = LINE - len(pad)
    return [
        pad + line
        for line in _wrap(text, width, initial_indent=first, subsequent_indent=rest) or [""]
    ]


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if any(c.isalnum() for c in ln)), "")


def _slug(name: str) -> str:
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()
    return slug if slug and not slug[0].isdigit() else f"failure_{slug}"


def _docstring_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


# --------------------------------------------------------------------------- the test
def _failure_comment(indent: int, result: ReplayResult) -> list[str]:
    step = result.failure
    assert step is not None
    exc = step.failure
    lines = _comment(
        indent,
        f"Step {step.index}: `{step.invariant}` fails here: {failure_summary(step)}",
        rest="  ",
    )
    if isinstance(exc, InvariantViolation):
        rows, _ = detail_rows({k: v for k, v in exc.details.items() if k != "trace"})
        for quantity, expected, actual, _diff in rows:
            lines += _comment(
                indent, f"{quantity}: expected {expected}, actual {actual}", first="  ", rest="    "
            )
    return lines


def _step_lines(
    replay_file: ReplayFile, result: ReplayResult, indent: int
) -> tuple[list[str], bool]:
    """The body: one call per step, steps of one rule in a ``with run.rule():`` block.

    Returns the lines and whether ``to_wei`` is used.
    """
    steps = replay_file.steps
    failing = result.failure.index if result.failure is not None else None
    lines: list[str] = []
    explained = False
    index = 0
    while index < len(steps):
        end = index
        while not checks_after(steps, end):
            end += 1
        group = range(index, end + 1)
        inner = indent
        if len(group) > 1:
            if not explained:
                lines += _comment(
                    indent,
                    "One rule of the campaign's machine made the steps in a `with run.rule()` "
                    "block: the invariants run after its last step, as they did in the campaign.",
                    rest="",
                )
                explained = True
            lines.append(" " * indent + "with run.rule():")
            inner = indent + 4
        for i in group:
            rule, args = steps[i]["rule"], steps[i]["args"]
            if i == failing:
                lines += _failure_comment(inner, result)
            elif failing is None and i == replay_file.failure.get("step"):
                recorded = replay_file.failure
                lines += _comment(
                    inner,
                    f"Step {i}: the file recorded `{recorded.get('invariant')}` failing here; "
                    f"it did not fail when this test was written. "
                    f"{_first_line(str(recorded.get('message', '')))}",
                )
            code_args = [f"{name}={arg_code(rule, name, value)}" for name, value in args.items()]
            call = _call(inner, rule, code_args)
            tagged = f"{call[-1]}  # step {i}"
            if len(tagged) <= LINE:
                call[-1] = tagged
            else:
                call.insert(0, " " * inner + f"# step {i}")
            lines += call
        index = end + 1
    body = "\n".join(lines)
    return lines, "to_wei(" in body


def emit_pytest(
    replay_file: ReplayFile,
    result: ReplayResult,
    contracts_dir: str | Path | None,
    source: str | Path = "a replay file",
    filename: str = "test_replay.py",
) -> str:
    """The text of a pytest module replaying ``replay_file``, given how it replayed now.

    ``result`` is the replay of the whole file on ``contracts_dir`` (the
    failing step gets the comment); ``source`` is the replay file's path,
    quoted in the docstring, and ``filename`` the name the test is written to.
    """
    failure = result.failure
    name = failure.invariant if failure is not None else replay_file.failure.get("invariant")
    slug = _slug(name or "replay")
    if contracts_dir is not None and Path(contracts_dir).resolve() == DEFAULT_CONTRACTS_DIR:
        contracts_dir = None
    if failure is not None:
        what = (
            f"Replayed on the contracts below, `{failure.invariant}` fails at step "
            f"{failure.index} of {len(replay_file.steps)}: {failure_summary(failure)}"
        )
    elif not replay_file.recorded:
        what = (
            "When this test was written every step passed (the file records no failure): it "
            "guards the sequence against breaking."
        )
    else:
        what = (
            f"When this test was written the replay no longer failed (the file recorded "
            f"`{replay_file.failure.get('invariant')}` at step {replay_file.failure.get('step')}):"
            " it guards against the bug coming back."
        )
    doc = [
        f'"""Regression test for `{name}`, emitted by `rpfuzz replay --emit-pytest` from',
        "",
        f"    {_docstring_text(str(source))}",
        "",
        *_wrap(_docstring_text(what), width=LINE - 4),
        "",
        *_wrap(
            "Each line is one step of the file, run through the checked facade (every call "
            "must do what the reference model says) with the invariants checked where the "
            "campaign checked them. The test fails while the bug is there and passes once it "
            f"is fixed. It runs on the contracts in ${ENV_VAR} if set, else on these:",
            width=LINE - 4,
        ),
        "",
        # The project's own sources by name, not by this machine's path: an
        # emitted test is meant to be committed and run from other checkouts.
        f"    {_docstring_text(str(contracts_dir) if contracts_dir else PROJECT_CONTRACTS)}",
        "",
        f"    {ENV_VAR}=path/to/contracts pytest {filename}",
        '"""',
    ]
    body, uses_to_wei = _step_lines(replay_file, result, indent=8)
    config = {k: v for k, v in replay_file.config.items() if k in _DEPLOY_SECTIONS}
    recorded = "None" if contracts_dir is None else json.dumps(str(contracts_dir))
    recorded_line = f"RECORDED_CONTRACTS = {recorded}"
    if len(recorded_line) > LINE:
        recorded_line = f"RECORDED_CONTRACTS = (\n    {recorded}\n)"
    lines = [
        *doc,
        "",
        "import os",
        "",
        "from harness.replay.session import replaying",
        *(["from harness.units import to_wei"] if uses_to_wei else []),
        "",
        "ETH = 10**18",
        "HOUR = 3_600",
        "DAY = 86_400",
        "",
        "# The configuration the campaign ran with (boa_config.toml as it was then).",
        f"CONFIG = {_block(config, 0)[0]}",
        *_block(config, 0)[1:],
        "# The sources the replay ran on (None: the project's contracts/).",
        recorded_line,
        f'CONTRACTS = os.environ.get("{ENV_VAR}") or RECORDED_CONTRACTS',
        "",
        "",
        f"def test_{slug}_does_not_fail():",
        "    with replaying(CONFIG, CONTRACTS) as run:",
        *body,
        "        # Every step passed: with the bug fixed, every invariant holds at the end too.",
        "        run.assert_invariants()",
        "",
    ]
    return "\n".join(lines)


def write_pytest(path: str | Path, text: str) -> Path:
    """Write the emitted test to ``path``; returns it."""
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path
