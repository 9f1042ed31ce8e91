"""``rpfuzz zoo``: plant each bug in a copy of the contracts and see whether a campaign finds it.

For each bug of :mod:`harness.bugzoo.catalogue`: the contracts are copied
to ``OUT/<bug>/contracts`` and the bug planted there (every bug's edits are
checked before anything runs, so drifted contracts stop the zoo at once);
a campaign of the ``zoo`` profile runs in a fresh spawned process (its own
VM and deployment), with the bug's fixed seed and no example database, so
a run repeats; it stops soon after the first failure (shrinking it for at
most ``shrink_seconds``) and writes the replay file to ``OUT/<bug>/``, next
to the patched contracts it needs. The copy lives at a fixed path rather
than in a temporary directory because titanoboa's compile cache is keyed on
the file's path: a second run starts in seconds instead of recompiling.

A bug is *found* when an invariant fails; a failure that is not an
:class:`~invariants.InvariantViolation` (the harness itself crashed) is
reported as such and does not count. Time and steps to detection are those
of the first failing example, counted from the start of fuzzing (the
deploy is not counted).
"""

from __future__ import annotations

import importlib.util
import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from harness.bugzoo.catalogue import BUGS, BY_NAME
from harness.bugzoo.patch import Bug, apply_bug, patched_sources
from harness.chain.backend import check_backend
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.config import ConfigError
from harness.run.campaign import CampaignJob, resolve_profile, run_workers

DEFAULT_OUT_DIR = Path("failures") / "zoo"
DEFAULT_SHRINK_SECONDS = 10.0
# Statuses; only "missed", "crashed" and "error" make the zoo fail.
FOUND, MISSED, CRASHED, ERROR, BLOCKED = "found", "missed", "crashed", "error", "blocked"


@dataclass
class BugOutcome:
    """What the campaign against one planted bug did."""

    name: str
    description: str
    imitates: str
    status: str
    seed: int
    invariant: str | None = None
    message: str | None = None
    seconds: float | None = None  # fuzzing time to the end of the first failing example
    steps: int | None = None  # steps run by then, all examples together
    examples: int | None = None
    replay_file: str | None = None
    contracts_dir: str | None = None
    campaign_seconds: float = 0.0
    campaign_steps: int = 0
    deploy_seconds: float = 0.0
    note: str = ""

    @property
    def failed_the_zoo(self) -> bool:
        """Whether this bug makes ``rpfuzz zoo`` exit 1."""
        return self.status in (MISSED, CRASHED, ERROR)


@dataclass
class ZooResult:
    """Every bug's outcome, and the settings the zoo ran with."""

    profile: str
    budget: float
    steps_per_example: int
    shrink_seconds: float
    out_dir: str
    outcomes: list[BugOutcome]
    backend: str = "revm"

    @property
    def found(self) -> list[BugOutcome]:
        """The bugs an invariant caught."""
        return [o for o in self.outcomes if o.status == FOUND]

    @property
    def median_seconds(self) -> float | None:
        """Median time to detection over the bugs found."""
        times = [o.seconds for o in self.found if o.seconds is not None]
        return statistics.median(times) if times else None

    @property
    def exit_code(self) -> int:
        """0 when every bug that could run was found, 1 otherwise."""
        return 1 if any(o.failed_the_zoo for o in self.outcomes) else 0

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        median = self.median_seconds
        return {
            "profile": self.profile,
            "backend": self.backend,
            "budget_seconds": self.budget,
            "steps_per_example": self.steps_per_example,
            "shrink_seconds": self.shrink_seconds,
            "out_dir": self.out_dir,
            "found": len(self.found),
            "bugs": len(self.outcomes),
            "median_seconds_to_detection": None if median is None else round(median, 3),
            "missed": [o.name for o in self.outcomes if o.failed_the_zoo],
            "blocked": [o.name for o in self.outcomes if o.status == BLOCKED],
            "outcomes": [asdict(o) for o in self.outcomes],
        }


def select_bugs(names: Sequence[str] | None) -> list[Bug]:
    """The bugs named (all of them when ``names`` is empty), in catalogue order.

    Raises :class:`ConfigError` for an unknown name, listing the valid ones.
    """
    if not names:
        return list(BUGS)
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise ConfigError(
            f"--only {', '.join(unknown)}: no such bug in the zoo; "
            f"the bugs are: {', '.join(bug.name for bug in BUGS)}"
        )
    wanted = set(names)
    return [bug for bug in BUGS if bug.name in wanted]


def _blocked_by(bug: Bug) -> str | None:
    """The missing module that keeps the harness from catching ``bug``, if any."""
    if bug.requires is None:
        return None
    try:
        found = importlib.util.find_spec(bug.requires) is not None
    except ModuleNotFoundError:
        found = False
    return None if found else bug.requires


def run_bug(
    bug: Bug,
    *,
    source_dir: Path,
    out_dir: Path,
    budget: float,
    profile: Any,
    steps: int,
    shrink_seconds: float,
    seed: int | None = None,
    config: Any = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    backend_name: str = "revm",
) -> BugOutcome:
    """Plant ``bug`` in ``out_dir/<bug>/contracts`` and run its campaign in a spawned process."""
    outcome = BugOutcome(
        name=bug.name,
        description=bug.description,
        imitates=bug.imitates,
        status=MISSED,
        seed=bug.seed if seed is None else seed,
        note=bug.note,
    )
    missing = _blocked_by(bug)
    if missing is not None:
        outcome.status = BLOCKED
        outcome.message = f"not run: the harness has no {missing} yet"
        return outcome
    bug_dir = out_dir / bug.name
    contracts = apply_bug(bug, source_dir, bug_dir / "contracts")
    outcome.contracts_dir = str(contracts)
    job = CampaignJob(
        worker=0,
        seed=outcome.seed,
        examples=profile.examples,
        steps=steps,
        max_seconds=budget,
        profile=profile,
        database=None,  # no earlier failure replayed first: the seed alone decides
        config=config,
        contracts_dir=str(contracts),
        failures_dir=str(bug_dir),
        shrink_seconds=shrink_seconds,
        backend=backend_name,
    )
    try:
        [summary] = run_workers([job], progress or (lambda update: None))
    except (RuntimeError, ConfigError) as exc:
        # A patch that does not compile, or a deploy that reverts on it.
        outcome.status = ERROR
        outcome.message = str(exc)
        return outcome
    outcome.campaign_seconds = summary["seconds"]
    outcome.campaign_steps = summary["steps"]
    outcome.deploy_seconds = summary["deploy_seconds"]
    failures = summary["failures"]
    if not failures:
        return outcome
    caught = [f for f in failures if not f["crashed"]]
    first = (caught or failures)[0]
    outcome.status = FOUND if caught else CRASHED
    outcome.invariant = first["invariant"]
    outcome.message = first["message"]
    outcome.replay_file = first["replay_file"]
    outcome.seconds = summary["first_failure_seconds"]
    outcome.steps = summary["first_failure_steps"]
    outcome.examples = summary["first_failure_examples"]
    return outcome


def run_zoo(
    only: Sequence[str] | None = None,
    budget: float | None = None,
    *,
    seed: int | None = None,
    steps: int | None = None,
    shrink_seconds: float = DEFAULT_SHRINK_SECONDS,
    out_dir: str | Path = DEFAULT_OUT_DIR,
    contracts_dir: str | Path | None = None,
    json_path: str | Path | None = None,
    profile: str = "zoo",
    console: Console | None = None,
    config: Any = None,
    backend_name: str = "revm",
) -> ZooResult:
    """Run the zoo (or the bugs in ``only``); print a table; return every outcome.

    ``budget`` is each bug's fuzzing time (default: the profile's
    ``max_seconds``); ``seed`` replaces every bug's own seed; ``steps`` the
    profile's steps per example; ``backend_name`` the EVM (revm by default:
    the same draws as titanoboa, many times faster). ``contracts_dir`` is the source the bugs
    are planted in (default ``contracts/``). Raises :class:`ConfigError`
    (and :class:`~harness.bugzoo.patch.PatchError`) before running anything
    when a name, a path or an edit is wrong.
    """
    console = console or Console()
    check_backend(backend_name)
    bugs = select_bugs(only)
    prof = resolve_profile(profile, config)
    source = Path(contracts_dir) if contracts_dir is not None else DEFAULT_CONTRACTS_DIR
    if not source.is_dir():
        raise ConfigError(f"{source}: not a directory; point --contracts at a copy of contracts/")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a directory; pick another --out")
    if json_path is not None and not Path(json_path).resolve().parent.is_dir():
        raise ConfigError(
            f"{json_path}: its directory does not exist; create it or pick another --json"
        )
    for bug in bugs:
        patched_sources(bug, source)  # every edit must apply before any campaign runs
    budget = float(prof.max_seconds if budget is None else budget)
    steps = prof.steps if steps is None else steps

    console.print(
        f"rpfuzz zoo: {len(bugs)} planted bug{'s' if len(bugs) != 1 else ''}, "
        f"profile {prof.name} on {backend_name}, {budget:g} s and {steps} steps per example each, "
        f"shrinking {shrink_seconds:g} s at most; replay files under {escape(str(out))}/",
        soft_wrap=True,
    )
    outcomes: list[BugOutcome] = []
    with Live(Text(""), console=console, auto_refresh=False, transient=True) as live:
        for n, bug in enumerate(bugs, start=1):
            prefix = f"[{n}/{len(bugs)}] {bug.name}: "

            def show(item: dict[str, Any], prefix: str = prefix) -> None:
                line = Text(prefix, style="bold")
                line.append(
                    f"examples {item['examples']} | steps {item['steps']} | "
                    f"{item['seconds']:,.0f}/{budget:g} s"
                    + (" | failed, finishing" if item["failures"] else "")
                )
                live.update(line, refresh=True)

            live.update(Text(prefix + "planting and deploying", style="bold"), refresh=True)
            outcome = run_bug(
                bug,
                source_dir=source,
                out_dir=out,
                budget=budget,
                profile=prof,
                steps=steps,
                shrink_seconds=shrink_seconds,
                seed=seed,
                config=config,
                progress=show,
                backend_name=backend_name,
            )
            outcomes.append(outcome)
            console.print(_one_line(outcome), soft_wrap=True)

    result = ZooResult(prof.name, budget, steps, shrink_seconds, str(out), outcomes, backend_name)
    console.print(zoo_table(result))
    _print_summary(console, result)
    if json_path is not None:
        Path(json_path).write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result


# --------------------------------------------------------------------------- display
_STYLE = {FOUND: "green", MISSED: "red", CRASHED: "red", ERROR: "red", BLOCKED: "yellow"}


def _one_line(o: BugOutcome) -> str:
    style = _STYLE[o.status]
    if o.status == FOUND:
        detail = f"by {o.invariant} after {o.seconds:.1f} s, {o.steps} steps"
    elif o.status == MISSED:
        detail = f"nothing failed in {o.campaign_seconds:.0f} s, {o.campaign_steps} steps"
    else:
        detail = o.message or ""
    return f"[{style}]{o.status:>7}[/] {escape(o.name)}: {escape(detail)}"


def _under(path: str, directory: str) -> str:
    """``path`` relative to ``directory`` when it lies inside it (shorter table cells)."""
    try:
        return str(Path(path).relative_to(directory))
    except ValueError:
        return path


def zoo_table(result: ZooResult) -> Table:
    """One row per bug: found or not, by which invariant, when, and the replay file."""
    table = Table(title="Bug zoo", title_justify="left")
    table.add_column("bug", no_wrap=True)
    table.add_column("result")
    table.add_column("caught by")
    table.add_column("seconds", justify="right")
    table.add_column("steps", justify="right")
    table.add_column(f"replay file (in {escape(result.out_dir)}/)", overflow="fold")
    for o in result.outcomes:
        found = o.status == FOUND
        table.add_row(
            o.name,
            f"[{_STYLE[o.status]}]{o.status}[/]",
            escape(o.invariant or ""),
            f"{o.seconds:.1f}" if found and o.seconds is not None else "",
            str(o.steps) if found and o.steps is not None else "",
            escape(
                _under(o.replay_file, result.out_dir)
                if o.replay_file
                else (o.note if o.status == BLOCKED else "")
            ),
        )
    return table


def _print_summary(console: Console, result: ZooResult) -> None:
    found, total = len(result.found), len(result.outcomes)
    median = result.median_seconds
    line = f"{found} of {total} planted bugs found"
    if median is not None:
        line += f"; median time to detection {median:.1f} s"
    console.print(line + ".")
    blocked = [o for o in result.outcomes if o.status == BLOCKED]
    for o in blocked:
        console.print(f"[yellow]blocked[/] {escape(o.name)}: {escape(o.note or o.message or '')}")
    failed = [o for o in result.outcomes if o.failed_the_zoo]
    if failed:
        console.print(
            f"[red bold]{len(failed)} not found:[/] {escape(', '.join(o.name for o in failed))}"
        )


def print_catalogue(console: Console, only: Sequence[str] | None = None) -> None:
    """``rpfuzz zoo --list``: each bug, what it does, what it imitates, the files it edits."""
    table = Table(title="Planted bugs", title_justify="left")
    table.add_column("bug", no_wrap=True)
    table.add_column("what the edit does")
    table.add_column("imitates")
    table.add_column("edits")
    for bug in select_bugs(only):
        what = bug.description + (f" [yellow](needs {bug.requires})[/]" if bug.requires else "")
        table.add_row(bug.name, what, escape(bug.imitates), ", ".join(bug.files))
    console.print(table)
