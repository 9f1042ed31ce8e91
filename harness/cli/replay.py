"""``rpfuzz replay`` and ``rpfuzz minimize``: what the two commands do, start to end.

Exit codes, as everywhere in ``rpfuzz``: ``replay`` exits 1 when a step
fails (the recorded failure reproduces, or another one shows), 0 when every
step passes and every invariant holds (the bug is fixed), 2 when the file,
the contracts or a flag cannot be used. ``minimize`` exits 0 when it wrote a
minimized file, 1 when the file does not fail on these contracts, 2 as
``replay``. Every error names the file, the field and the fix; none prints a
traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text
from vyper.exceptions import VyperException

from harness.chain.deploy import CompileError
from harness.chain.protocol import Protocol
from harness.config import DEFAULT_CONFIG_PATH, ConfigError, load_config
from harness.replay.display import failure_view, fmt_args, print_steps, steps_table, wide_console
from harness.replay.emit import emit_pytest, write_pytest
from harness.replay.file import ReplayFile, ReplayFileError, contracts_sha256
from harness.replay.minimize import NotReproduced, minimize
from harness.replay.session import (
    ReplayResult,
    ReplaySession,
    StepError,
    checks_after,
    contracts_for,
    load_replay,
    protocol_for,
    run_steps,
)
from harness.report.figures import Divergence, FigureTrace, first_divergence


class _Unusable(Exception):
    """Something the command cannot use; its message names the file, the field and the fix."""


def _error(console: Console, message: str) -> int:
    console.print(Text(f"rpfuzz: {message}", style="red"), soft_wrap=True)
    return 2


def _first_line(text: str, limit: int = 200) -> str:
    # The first line that says something: a revert's trace opens with a rule of "=".
    line = next((ln.strip() for ln in str(text).splitlines() if any(c.isalnum() for c in ln)), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _prepare(path: str, contracts: str | None) -> tuple[ReplayFile, Path]:
    """The validated file and the sources to run it on."""
    try:
        replay_file = load_replay(path)
        return replay_file, contracts_for(replay_file, path, contracts)
    except (ReplayFileError, ConfigError) as exc:
        raise _Unusable(str(exc)) from exc


def _deploy(path: str, replay_file: ReplayFile, contracts_dir: Path) -> Protocol:
    """The deployment the file asks for, or :class:`_Unusable` saying why there is none."""
    try:
        return protocol_for(replay_file.config, contracts_dir)
    except CompileError as exc:  # the compiler's message names the file and line
        raise _Unusable(str(exc)) from exc
    except ConfigError as exc:
        raise _Unusable(
            f"{path}: field 'config' cannot be deployed: {exc}; fix the file's config "
            "(or re-run the campaign)"
        ) from exc
    except VyperException as exc:
        raise _Unusable(
            f"{contracts_dir}: the contracts do not compile ({_first_line(exc)}); fix the "
            "sources, or pass --contracts DIR with sources that compile"
        ) from exc


def _use_config(replay_file: ReplayFile, config: Path | None, given: bool) -> str:
    """Set the configuration the replay deploys with; the line that says which.

    The file's own, unless ``given`` (``--config``) or the file records none;
    then the file at ``config`` (the packaged one is what an empty ``config``
    already means).
    """
    if config is None or (replay_file.config and not given):
        return "config: as recorded in the file"
    try:
        loaded = load_config(config)
    except ConfigError as exc:
        raise _Unusable(str(exc)) from exc
    if given or config.resolve() != DEFAULT_CONFIG_PATH.resolve():
        replay_file.config = loaded.raw
    recorded = " (the file records none)" if given is False else ""
    return f"config: {config}{recorded}"


def _header(
    console: Console,
    command: str,
    path: str,
    replay_file: ReplayFile,
    contracts_dir: Path,
    config_line: str = "",
) -> None:
    recorded = replay_file.failure
    said = (
        f"recorded failure: {recorded.get('invariant')} at step {recorded.get('step')}: "
        f"{_first_line(recorded.get('message', ''))}"
        if replay_file.recorded
        else "no recorded failure: the steps alone are replayed, and any failure is reported"
    )
    console.print(
        Text.assemble(
            (f"rpfuzz {command} ", "bold"),
            (path, "bold"),
            f": {len(replay_file.steps)} steps, "
            + ("no seed" if replay_file.seed is None else f"seed {replay_file.seed}")
            + f"; {said}",
        ),
        soft_wrap=True,
    )
    if config_line:
        console.print(Text(config_line), soft_wrap=True)
    actual = contracts_sha256(contracts_dir)
    console.print(Text(f"contracts: {contracts_dir} (sha256 {actual})"), soft_wrap=True)
    if replay_file.contracts_sha256 is None:
        console.print(
            Text(
                "note: the file records no contracts hash: it runs on these contracts as they "
                "are, with nothing to compare them against"
            ),
            soft_wrap=True,
        )
    elif actual != replay_file.contracts_sha256:
        console.print(
            Text(
                f"note: the file was recorded on contracts with sha256 "
                f"{replay_file.contracts_sha256}; these hash to {actual}: the sources differ, so "
                "the failure may not reproduce (which is what a fix looks like)",
                style="yellow",
            ),
            soft_wrap=True,
        )


def _verdict(console: Console, replay_file: ReplayFile, result: ReplayResult) -> int:
    recorded = replay_file.failure
    said = f"{recorded.get('invariant')} at step {recorded.get('step')}"
    failure = result.failure
    if failure is not None:
        if not replay_file.recorded:
            console.print(
                Text(f"FAILED: {failure.invariant} at step {failure.index}.", style="bold red"),
                soft_wrap=True,
            )
        elif result.reproduces(recorded):
            console.print(
                Text(f"FAILED: the recorded failure reproduces ({said}).", style="bold red")
            )
        else:
            console.print(
                Text(
                    f"FAILED: {failure.invariant} at step {failure.index}, not the recorded "
                    f"{said}: a different failure.",
                    style="bold red",
                ),
                soft_wrap=True,
            )
        return 1
    if result.until is not None and result.until < result.total:
        nxt = replay_file.steps[result.until]
        console.print(
            Text(
                f"Stopped before step {result.until} of {result.total} as asked (--until); "
                f"the next step is {nxt['rule']} {fmt_args(nxt['rule'], nxt['args'])}.",
            ),
            soft_wrap=True,
        )
        return 0
    console.print(
        Text(
            f"Every step passed and every invariant held through all {result.total} steps"
            + (
                f": the recorded failure ({said}) no longer reproduces."
                if replay_file.recorded
                else "."
            ),
            style="bold green",
        ),
        soft_wrap=True,
    )
    return 0


def _print_divergence(
    console: Console, result: ReplayResult, divergence: Divergence | None
) -> None:
    """Where the model's and the chain's figures first parted, when a step failed or they did."""
    if divergence is not None:
        earlier = result.failure is None or divergence.step.index != result.failure.index
        console.print(
            Text(divergence.sentence(result.failure), style="yellow" if earlier else ""),
            soft_wrap=True,
        )
    elif result.failure is not None:
        console.print(
            Text(
                "The model's and the chain's figures (rETH rate, supply, collateral, deposit "
                "pool, each minipool's balance and status) agreed after every step: the model "
                "cannot tell which earlier step made the state wrong."
            ),
            soft_wrap=True,
        )


def _write_html(
    console: Console,
    html: str,
    path: str,
    replay_file: ReplayFile,
    result: ReplayResult,
    trace: FigureTrace,
    divergence: Divergence | None,
    contracts_dir: Path,
) -> int | None:
    """Write the report page; an exit code when it cannot be written, else None."""
    from harness.report.replay_page import replay_page, write_replay_page

    text = replay_page(path, replay_file, result, trace, divergence, str(contracts_dir))
    try:
        written = write_replay_page(html, text)
    except OSError as exc:
        return _error(console, f"--html {html}: cannot write it ({exc}); pick another path")
    console.print(f"Wrote the report page to {escape(str(written))}", soft_wrap=True)
    return None


def _shell_namespace(
    session: ReplaySession, replay_file: ReplayFile, console: Console
) -> dict[str, Any]:
    from harness.cli.shell import shell_namespace

    steps = replay_file.steps

    def next_step():
        """Run the next recorded step, print its row (and the failure in full if it fails)."""
        if session.failed is not None:
            print(f"the replay failed at step {session.failed.index}: no more steps run")
            return None
        index = len(session.results)
        if index >= len(steps):
            print(f"all {len(steps)} steps have run")
            return None
        step = steps[index]
        result = session.run_step(step["rule"], step["args"], check=checks_after(steps, index))
        shown = ReplayResult([result], len(steps))
        table = steps_table(shown)
        table.title, table.caption = None, None
        console.print(table)
        if result.failed:
            console.print(failure_view(result))
        return result

    def check() -> None:
        """Run every invariant on the state now (raises the violation if one fails)."""
        events = session.check()
        print("every invariant holds" + (f" ({', '.join(events)})" if events else ""))

    namespace = shell_namespace(session.p)
    namespace.update(
        {
            "session": session,
            "ctx": session.ctx,
            "cp": session.ctx.cp,
            "model": session.model,
            "minipool": session.ctx.minipool,
            "steps": steps,
            "next_step": next_step,
            "check": check,
        }
    )
    return namespace


def _open_shell(
    session: ReplaySession, replay_file: ReplayFile, result: ReplayResult, console: Console
) -> int:
    from harness.cli.shell import banner, run_repl

    ran = len(result.steps)
    if result.failed:
        where = f"after step {ran - 1}, the failing one"
    elif ran < len(replay_file.steps):
        nxt = replay_file.steps[ran]
        where = f"before step {ran}: {nxt['rule']} {fmt_args(nxt['rule'], nxt['args'])}"
    else:
        where = "after the last step"
    extra = "\n".join(
        [
            "",
            f"The replay's state, {where}. Also in scope:",
            "  cp              the checked facade: cp.deposit(depositor_0, ...) keeps the model",
            "                  in step (p.* calls bypass it; check() then reports the drift)",
            "  ctx, model      the step context (actors by role name) and the reference model",
            "  minipool(i)     the i-th minipool created; session: the replay session",
            "  next_step()     run the next recorded step and print its row",
            "  check()         run every invariant on the state now",
            "  steps           the file's steps (rule and args)",
        ]
    )
    return run_repl(_shell_namespace(session, replay_file, console), banner(session.p) + extra)


def replay_command(
    path: str,
    contracts: str | None = None,
    until: int | None = None,
    shell: bool = False,
    emit: str | None = None,
    console: Console | None = None,
    html: str | None = None,
    config: Path | None = None,
    config_given: bool = False,
) -> int:
    """``rpfuzz replay``: replay, print the steps, emit a test or open a shell; an exit code.

    With ``html``, also write the report page there (:mod:`harness.report.replay_page`).
    ``config`` is the configuration file to deploy with when the replay file
    records none, or (``config_given``, ``--config``) instead of its own.
    """
    console = wide_console(console)
    try:
        replay_file, contracts_dir = _prepare(path, contracts)
        config_line = _use_config(replay_file, config, config_given)
        total = len(replay_file.steps)
        if until is not None and until > total:
            raise _Unusable(
                f"--until {until}: {path} has {total} steps (0 to {total - 1}); pass a number "
                f"from 0 to {total} (--until N stops before step N)"
            )
        if emit is not None:
            if until is not None:
                raise _Unusable(
                    "--emit-pytest writes a test of the whole file and --until replays part of "
                    "it: run them separately"
                )
            if not Path(emit).resolve().parent.is_dir():
                raise _Unusable(
                    f"--emit-pytest {emit}: directory {Path(emit).resolve().parent} does not "
                    "exist; create it or pick another path"
                )
        if html is not None and not Path(html).resolve().parent.is_dir():
            raise _Unusable(
                f"--html {html}: directory {Path(html).resolve().parent} does not exist; "
                "create it or pick another path"
            )
        _header(console, "replay", path, replay_file, contracts_dir, config_line)
        p = _deploy(path, replay_file, contracts_dir)
    except _Unusable as exc:
        return _error(console, str(exc))

    with ReplaySession(p) as session:
        try:
            trace = FigureTrace(session)
            with console.status(f"replaying {total} steps", spinner="dots"):
                result = run_steps(session, replay_file.steps, until=until, on_step=trace)
        except StepError as exc:
            return _error(
                console,
                f"{path}: field '{exc.field}' {exc.message}: fix the step or remove it",
            )
        print_steps(console, result)
        divergence = first_divergence(trace, result.steps)
        _print_divergence(console, result, divergence)
        code = _verdict(console, replay_file, result)
        if html is not None:
            args = (replay_file, result, trace, divergence, contracts_dir)
            unwritten = _write_html(console, html, path, *args)
            if unwritten is not None:
                return unwritten
        if emit is not None:
            text = emit_pytest(replay_file, result, contracts_dir, path, Path(emit).name)
            try:
                written = write_pytest(emit, text)
            except OSError as exc:
                return _error(
                    console, f"--emit-pytest {emit}: cannot write it ({exc}); pick another path"
                )
            now = (
                "it fails now and passes once the bug is fixed"
                if result.failed
                else "it passes now (the failure does not reproduce) and guards against the "
                "bug coming back"
            )
            console.print(
                f"Wrote a regression test to {escape(str(written))}: {now}. "
                f"Run it with: pytest {escape(str(written))}",
                soft_wrap=True,
            )
        if shell:
            shell_code = _open_shell(session, replay_file, result, console)
            return shell_code or code
    return code


def minimize_command(
    path: str,
    contracts: str | None = None,
    output: str | None = None,
    max_seconds: float = 300.0,
    console: Console | None = None,
    config: Path | None = None,
    config_given: bool = False,
) -> int:
    """``rpfuzz minimize``: shrink the file, write the result, say what changed; an exit code.

    ``config`` and ``config_given`` as for :func:`replay_command`; the
    minimized file records the configuration it was shrunk with.
    """
    console = wide_console(console)
    out = Path(output) if output else Path(path).with_name(Path(path).stem + ".min.json")
    try:
        replay_file, contracts_dir = _prepare(path, contracts)
        config_line = _use_config(replay_file, config, config_given)
        if not out.resolve().parent.is_dir():
            raise _Unusable(
                f"--output {out}: directory {out.resolve().parent} does not exist; create it "
                "or pick another path"
            )
        _header(console, "minimize", path, replay_file, contracts_dir, config_line)
        _deploy(path, replay_file, contracts_dir)
    except _Unusable as exc:
        return _error(console, str(exc))
    try:
        with console.status("minimizing", spinner="dots") as status:
            result = minimize(
                replay_file,
                contracts_dir,
                max_seconds=max_seconds,
                progress=lambda line: status.update(f"minimizing: {line}"),
            )
    except StepError as exc:
        return _error(
            console, f"{path}: field '{exc.field}' {exc.message}: fix the step or remove it"
        )
    except NotReproduced as exc:
        console.print(
            Text(
                f"rpfuzz: {path}: {exc} on {contracts_dir}; pass --contracts DIR with the sources "
                "it fails on",
                style="red",
            ),
            soft_wrap=True,
        )
        return 1
    try:
        result.minimized.write(out)
    except OSError as exc:
        return _error(console, f"--output {out}: cannot write it ({exc}); pick another path")
    failure = result.minimized.failure
    recorded = replay_file.failure.get("invariant")
    if recorded is not None and result.invariant != recorded:
        console.print(
            Text(
                f"note: on these contracts the file fails with {result.invariant}, not the "
                f"recorded {recorded}: it was minimized for {result.invariant}",
                style="yellow",
            ),
            soft_wrap=True,
        )
    budget = " (stopped at the time budget: a longer --max-seconds may shrink it further)"
    console.print(
        Text(
            f"Minimized {path}: {len(result.original.steps)} steps -> "
            f"{len(result.minimized.steps)}, {result.lowered} amount"
            f"{'s' if result.lowered != 1 else ''} lowered, in {result.seconds:.1f} s "
            f"({result.replays} replays){budget if result.budget_reached else ''}. "
            f"{failure['invariant']} still fails, at step {failure['step']}.",
        ),
        soft_wrap=True,
    )
    console.print(f"Wrote {escape(str(out))}; replay it with: rpfuzz replay {escape(str(out))}")
    return 0
