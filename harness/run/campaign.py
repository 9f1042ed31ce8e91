"""Campaigns: the stateful machine run for a budget, with progress, metrics and replay files.

:func:`run_campaign` runs :class:`~harness.fuzz.machine.RocketPoolMachine` under
``hypothesis.stateful.run_state_machine_as_test`` with a profile's settings
(from ``[profiles.<name>]`` in ``boa_config.toml``), in one process or in
``workers`` spawned processes that share the example database. It shows live
progress, stops at the time budget, writes a replay file under ``failures/``
for every failing example (before saying anything about it), prints a table
of rule calls / successes / reverts, and can write the figures as JSON.

Reproducibility: ``seed`` is handed to Hypothesis the way ``@hypothesis.seed``
does it, so the same seed draws the same examples. With a database, failing
examples saved by earlier runs are tried first; a run with no saved failures,
or the ``ci`` profile (no database), depends on the seed alone.

What lives where: :func:`run_campaign` checks its arguments
(:func:`_check_campaign`), builds worker 0's job (:func:`_first_job`) and
one per worker from it (:func:`harness.run.workers.per_worker`), runs them
under a live progress line (:func:`_run_with_progress`: here, or in spawned
processes through :func:`harness.run.workers.run_spawned`), combines their
summaries (:func:`_combine`) and prints the result. One worker's run is
:func:`run_worker` (coverage, warm-up) around :func:`_run_worker`: the
deploy, then :class:`_WorkerRun`, which hands Hypothesis its machines,
keeps the clock, the budget and the failing examples, and sums them up;
:func:`_write_failures` writes their replay files. The benchmark
(:mod:`harness.run.bench`) runs its machines through the same
:func:`run_worker` and the same worker plumbing.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import random
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis.control import current_build_context
from hypothesis.stateful import run_state_machine_as_test
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from harness.chain import backend
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.config import ConfigError, load_config
from harness.fuzz.actions import ACTIONS
from harness.fuzz.flows import flow_counts
from harness.fuzz.invariant_runner import WHEN, checked_counts
from harness.fuzz.machine import RocketPoolMachine
from harness.replay.file import ReplayFile, contracts_sha256
from harness.run import database as example_db
from harness.run.database import example_database
from harness.run.profiles import Profile, load_profiles
from harness.run.profiles import hypothesis_settings as profile_settings
from harness.run.progress import DatabaseSize, Figures, ProgressView
from harness.run.workers import per_worker, run_spawned
from harness.world.deploy import shared_protocol
from invariants import InvariantViolation

DATABASE_DIR = Path(".hypothesis") / "examples"
FAILURES_DIR = Path("failures")
# Untimed examples a benchmark worker runs first (``CampaignJob.warm_up``).
WARM_UP_EXAMPLES = 5
# What a slow EVM trips: examples take seconds, and long step sequences are big.
SLOW_EVM_HEALTH_CHECKS = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
]


class _BudgetReached(BaseException):
    """Raised between examples when the time budget is spent.

    A ``BaseException`` (like ``KeyboardInterrupt``), so Hypothesis lets it
    through instead of taking it for a failure and shrinking it.
    """


@dataclass
class CampaignFailure:
    """One failing example: which invariant, why, at which step, and where its replay file is."""

    invariant: str
    message: str
    step: int
    steps: int
    replay_file: str | None
    shrunk: bool = True
    # Raised something other than an InvariantViolation: the harness or the
    # VM broke (a bare revert, a KeyError), not a named property.
    crashed: bool = False


@dataclass
class CampaignResult:
    """What a campaign did: examples and steps run, time, failures, per-rule metrics."""

    profile: str
    seed: int
    workers: int
    examples: int
    steps: int
    seconds: float
    budget_reached: bool
    failures: list[CampaignFailure] = field(default_factory=list)
    rules: dict[str, dict[str, int]] = field(default_factory=dict)
    # Per multi-step flow (harness.fuzz.flows): steps that began it, reached its end, were
    # refused at its end.
    flows: dict[str, dict[str, int]] = field(default_factory=dict)
    # Per contract file, with --coverage (harness.run.vycoverage.FileCoverage).
    coverage: list[Any] | None = None
    # Per invariant: how many times it was checked, summed over the workers
    # (harness.fuzz.invariant_runner; every counted invariant, zero included).
    invariants: dict[str, int] = field(default_factory=dict)
    # When the first failing example ended: fuzzing seconds, and steps and
    # examples run by then (in the worker that failed first); None if none failed.
    first_failure_seconds: float | None = None
    first_failure_steps: int | None = None
    first_failure_examples: int | None = None
    # With --cluster (harness.run.cluster.ClusterReport.to_json): where it ran,
    # workers lost and what became of their seeds, an interrupt, Redis outages.
    cluster: dict[str, Any] | None = None
    # Redis addresses that stopped answering mid-run (the local copy carried on).
    database_outages: list[str] = field(default_factory=list)

    @property
    def steps_per_second(self) -> float:
        """Steps over fuzzing wall time (the one-time deploy excluded)."""
        return self.steps / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> int:
        """0 when every invariant held, 1 when one failed."""
        return 1 if self.failures else 0

    @property
    def never_called(self) -> list[str]:
        """Rules (step names) no example called."""
        return [rule for rule, row in sorted(self.rules.items()) if not row["calls"]]

    @property
    def never_successful(self) -> list[str]:
        """Rules called, none of whose calls succeeded."""
        return [
            rule
            for rule, row in sorted(self.rules.items())
            if row["calls"] and not row["successes"]
        ]

    def invariant_rows(self) -> dict[str, dict[str, Any]]:
        """Per invariant: when it is checked, how often, and the step it failed at (or None).

        Every counted invariant has a row; one that failed without being
        counted (a check made during a step, such as ``call-values``) gets
        one too, its count ``None``. A failure's step is its index in the
        replay file, as ``rpfuzz replay`` numbers the steps.
        """
        rows = {
            name: {"when": WHEN.get(name), "checked": count, "failed_at_step": None}
            for name, count in self.invariants.items()
        }
        for failure in self.failures:
            row = rows.setdefault(
                failure.invariant,
                {"when": "during a step", "checked": None, "failed_at_step": None},
            )
            if row["failed_at_step"] is None and failure.step >= 0:
                row["failed_at_step"] = failure.step
            row.setdefault("replay_file", failure.replay_file)
        return rows

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {
            "profile": self.profile,
            "seed": self.seed,
            "workers": self.workers,
            "examples": self.examples,
            "steps": self.steps,
            "steps_per_second": round(self.steps_per_second, 3),
            "seconds": round(self.seconds, 3),
            "budget_reached": self.budget_reached,
            "first_failure": None
            if self.first_failure_seconds is None
            else {
                "seconds": round(self.first_failure_seconds, 3),
                "steps": self.first_failure_steps,
                "examples": self.first_failure_examples,
            },
            "failures": [
                {
                    "invariant": f.invariant,
                    "message": f.message,
                    "step": f.step,
                    "replay_file": f.replay_file,
                    "shrunk": f.shrunk,
                    "crashed": f.crashed,
                }
                for f in self.failures
            ],
            "rules": self.rules,
            "rules_never_called": self.never_called,
            "rules_never_successful": self.never_successful,
            "invariants": self.invariant_rows(),
            "flows": self.flows,
            "coverage": None if self.coverage is None else coverage_json(self.coverage),
            # Only when used, so the default document stays as it was.
            **({"cluster": self.cluster} if self.cluster is not None else {}),
            **({"database_outages": self.database_outages} if self.database_outages else {}),
        }


@dataclass
class CampaignJob:
    """One worker's share of a campaign (picklable, for spawned processes)."""

    worker: int
    seed: int
    examples: int
    steps: int
    max_seconds: float
    profile: Profile
    database: str | None
    config: Any
    contracts_dir: str | None
    keep_steps: bool = False
    # Where replay files go (default failures/ in the working directory).
    failures_dir: str | None = None
    # None: after a failure, shrink until the budget. A number: stop looking
    # for other failures and shrink the first for at most that many seconds
    # (0: not at all), so the run ends soon after its first failure.
    shrink_seconds: float | None = None
    # Measure Vyper line and branch coverage into this coverage.py data file.
    coverage_file: str | None = None
    # The EVM the worker runs on (harness.chain.backend): "boa" or "revm".
    backend: str = backend.DEFAULT
    # Run a few untimed examples first (the benchmark's workers do), so the
    # one-time costs of a fresh process stay out of the figures.
    warm_up: bool = False
    # A multiprocessing Barrier shared by the benchmark's workers: each waits
    # there, deployed and warmed up, so their timed runs start together (a
    # revm run lasts about as long as the spread of their start-ups).
    start_together: Any = None
    # Asked between examples (a cluster's stop event, set on Ctrl-C): True ends
    # the run there, as the budget does.
    should_stop: Any = None


def campaign_settings(
    profile: Profile,
    examples: int,
    steps: int,
    database: str | Path | None,
    first_failure_only: bool = False,
) -> hypothesis.settings:
    """The profile's Hypothesis settings, resized, with the campaign's database.

    On top of :func:`harness.run.profiles.hypothesis_settings`: the explain phase
    is left out (it re-runs the shrunk example many times, minutes on
    py-evm, and the replay file already says what failed), and long step
    sequences may be large without a health-check failure. With
    ``first_failure_only``, generation stops at the first failure instead of
    looking on for distinct ones.
    """
    return profile_settings(
        profile,
        max_examples=examples,
        stateful_step_count=steps,
        database=example_database(str(database)) if database else None,
        suppress_health_check=SLOW_EVM_HEALTH_CHECKS,
        phases=[p for p in Phase if p is not Phase.explain],
        verbosity=Verbosity.normal,
        print_blob=False,
        report_multiple_bugs=not first_failure_only,
    )


def resolve_profile(name: str, config: Any = None) -> Profile:
    """The ``[profiles.<name>]`` of the configuration; a :class:`ConfigError` naming the choices."""
    profiles = load_profiles(config)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none defined"
        raise ConfigError(
            f"{load_config(config).source}: no [profiles.{name}] section; "
            f"--profile takes one of: {known}"
        )
    return profiles[name]


# --------------------------------------------------------------------------- one worker
def _exceptions(exc: BaseException) -> list[BaseException]:
    """The leaves of an exception group (Hypothesis raises one for several distinct bugs)."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _exceptions(sub)]
    return [exc]


def _caused_by_budget(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while our budget exception propagated."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, _BudgetReached):
            return True
        seen.add(id(exc))
        exc = exc.__context__ or exc.__cause__
    return False


def _failure_name(exc: BaseException) -> str:
    return exc.name if isinstance(exc, InvariantViolation) else type(exc).__name__


def _failure_message(exc: BaseException) -> str:
    return exc.message if isinstance(exc, InvariantViolation) else str(exc)


def _replay_path(name: str, worker: int, directory: Path = FAILURES_DIR) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "failure"
    path = directory / f"{slug}-{stamp}-w{worker}.json"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{slug}-{stamp}-w{worker}-{n}.json"
    return path


def run_worker(
    job: CampaignJob,
    progress: Callable[[dict[str, Any]], None] | None = None,
    machine_cls: type[RocketPoolMachine] = RocketPoolMachine,
) -> dict:
    """Run one worker's campaign in this process; returns a picklable summary.

    Failing examples are written as replay files here, before anything about
    them is reported to the caller. ``machine_cls`` is the machine to run
    (the benchmark's no-op machine is the other one).
    """
    saved = {name: getattr(machine_cls, name) for name in _MACHINE_CLASS_STATE}
    try:
        with _measuring(job), backend.using(job.backend):
            if job.warm_up:
                return _warmed_up(job, machine_cls, progress)
            return _run_worker(job, machine_cls, progress)
    finally:
        # Leave the class as found: pytest runs its TestCase in the same process.
        for name, value in saved.items():
            setattr(machine_cls, name, value)


_MACHINE_CLASS_STATE = (
    "config",
    "contracts_dir",
    "stats",
    "flow_stats",
    "invariant_stats",
    "examples",
    "step_count",
    "last_steps",
)


def _measuring(job: CampaignJob) -> contextlib.AbstractContextManager:
    """Vyper coverage measured into ``job.coverage_file``, when it names one; else nothing."""
    if job.coverage_file is None:
        return contextlib.nullcontext()
    from harness.run.vycoverage import measuring

    return measuring(job.coverage_file)


def _warmed_up(
    job: CampaignJob, machine_cls: type[RocketPoolMachine], progress: Callable | None
) -> dict[str, Any]:
    """``job``'s run after untimed warm-up examples; the deploy's seconds are the warm-up's.

    Examples of the job's size on the next seed: the caches a long campaign
    keeps warm (reading plans, handles, compiled paths) are warm, and the
    timed examples are not run twice.
    """
    warm = dataclasses.replace(
        job,
        seed=job.seed + 1,
        examples=WARM_UP_EXAMPLES,
        keep_steps=False,
        warm_up=False,
        start_together=None,
    )
    deploy_seconds = _run_worker(warm, machine_cls, None)["deploy_seconds"]
    summary = _run_worker(job, machine_cls, progress)
    summary["deploy_seconds"] = deploy_seconds
    return summary


def _run_worker(
    job: CampaignJob, machine_cls: type[RocketPoolMachine], progress: Callable | None
) -> dict[str, Any]:
    """The job's examples on a fresh count, the deploy untimed; failures written: the summary."""
    deploy_seconds = _reset_and_deploy(job, machine_cls)
    if example_db.is_redis(job.database):
        example_db.reset_outages()
    run = _WorkerRun(job, machine_cls, progress)
    run.run()
    failures = _write_failures(job, run.raised, list(run.failing), run.shortest, run.budget_reached)
    summary = run.summary(deploy_seconds, failures)
    if example_db.is_redis(job.database):
        summary["database_outages"] = example_db.outages()
    return summary


def _reset_and_deploy(job: CampaignJob, machine_cls: type[RocketPoolMachine]) -> float:
    """Point the machine class at the job's world and zero its counts; deploy: its seconds."""
    machine_cls.config = job.config
    machine_cls.contracts_dir = job.contracts_dir
    machine_cls.stats = collections.Counter()
    machine_cls.flow_stats = collections.Counter()
    machine_cls.invariant_stats = collections.Counter()
    machine_cls.examples = 0
    machine_cls.step_count = 0
    deploy_started = time.perf_counter()
    shared_protocol(job.config, job.contracts_dir)  # the one-time deploy, outside the clock
    return time.perf_counter() - deploy_started


class _WorkerRun:
    """One worker's examples under Hypothesis: the clock, the budget, progress, the failures seen.

    Hypothesis asks :meth:`new_machine` for a machine before each example
    (and its reproductions while shrinking); that is where the example
    just ended is noted, progress reported, and the budget enforced.
    """

    def __init__(
        self, job: CampaignJob, machine_cls: type[RocketPoolMachine], progress: Callable | None
    ) -> None:
        self.job, self.machine_cls, self.progress = job, machine_cls, progress
        # Failing machines, newest last: the exception Hypothesis finally raises is
        # the one its last reproduction of the shrunk example raised.
        self.failing: collections.deque = collections.deque(maxlen=64)
        # And the shortest failing example of each kind, in case shrinking is cut short.
        self.shortest: dict[str, tuple[BaseException, list, int | None]] = {}
        self.all_steps: list[list[dict[str, Any]]] = []
        self.current: RocketPoolMachine | None = None
        # (seconds, steps, examples) when the first failing example ended.
        self.first_failure: tuple[float, int, int] | None = None
        self.deadline = job.max_seconds
        self.wall_started = self.started = self.seconds = 0.0
        self.raised: BaseException | None = None  # what Hypothesis raised for a failure
        self.budget_reached = False

    def run(self) -> None:
        """Run the examples, timed once every worker is ready, until done, failed or out of time."""
        if self.job.start_together is not None:
            self.job.start_together.wait(timeout=600)
        self.wall_started = time.time()  # comparable across processes (the benchmark's workers)
        self.started = time.perf_counter()

        def machine_factory() -> RocketPoolMachine:
            return self.new_machine()

        hypothesis.seed(self.job.seed)(machine_factory)
        job = self.job
        settings = campaign_settings(
            job.profile,
            job.examples,
            job.steps,
            job.database,
            first_failure_only=job.shrink_seconds is not None,
        )
        try:
            run_state_machine_as_test(machine_factory, settings=settings)
        except _BudgetReached:
            self.budget_reached = True
        except Exception as exc:  # noqa: BLE001 - every failure becomes a replay file
            # Mid-shrink, Hypothesis can see the aborted example as flaky data
            # generation and raise that instead: it is still the budget.
            if _caused_by_budget(exc):
                self.budget_reached = True
            else:
                self.raised = exc
        finally:
            self.seconds = time.perf_counter() - self.started
            self.note_finished()
            self.report()

    def new_machine(self) -> RocketPoolMachine:
        """The next example's machine, once the last one is noted; the budget stops it here."""
        self.note_finished()
        self.report()
        # Never during Hypothesis's final reproduction of a shrunk failure: cut
        # short there, the failure would look flaky instead of being reported.
        if (
            time.perf_counter() - self.started >= self.deadline
            or (self.job.should_stop is not None and self.job.should_stop())
        ) and not current_build_context().is_final:
            raise _BudgetReached
        machine = self.machine_cls()
        self.current = machine
        if self.job.keep_steps:
            self.all_steps.append(machine.steps)
        return machine

    def note_finished(self) -> None:
        """Keep the example that just ended if it failed (and time the first failure)."""
        m = self.current
        if m is None or m.failure is None:
            return
        if self.first_failure is None:
            self._first_failed()
        record = (m.failure, list(m.steps), m.failed_step)
        self.failing.append(record)
        name = _failure_name(m.failure)
        if name not in self.shortest or len(record[1]) < len(self.shortest[name][1]):
            self.shortest[name] = record

    def _first_failed(self) -> None:
        """When the first failure ended; with ``shrink_seconds``, the deadline that leaves."""
        now = time.perf_counter() - self.started
        self.first_failure = (now, self.machine_cls.step_count, self.machine_cls.examples)
        if self.job.shrink_seconds is not None:
            self.deadline = min(self.deadline, now + self.job.shrink_seconds)

    def report(self) -> None:
        """Tell ``progress`` the counts so far."""
        if self.progress is not None:
            self.progress(
                {
                    "worker": self.job.worker,
                    "examples": self.machine_cls.examples,
                    "steps": self.machine_cls.step_count,
                    "seconds": time.perf_counter() - self.started,
                    "failures": len(self.shortest),
                }
            )

    def summary(self, deploy_seconds: float, failures: list[CampaignFailure]) -> dict[str, Any]:
        """The picklable summary a worker hands back."""
        first = self.first_failure or (None, None, None)
        return {
            "examples": self.machine_cls.examples,
            "steps": self.machine_cls.step_count,
            "seconds": self.seconds,
            "wall_started": self.wall_started,
            "wall_ended": self.wall_started + self.seconds,
            "deploy_seconds": deploy_seconds,
            "budget_reached": self.budget_reached,
            "first_failure_seconds": first[0],
            "first_failure_steps": first[1],
            "first_failure_examples": first[2],
            "failures": [asdict(f) for f in failures],
            "rules": _rules(self.machine_cls.stats),
            "flows": flow_counts(self.machine_cls.flow_stats),
            "invariants": checked_counts(self.machine_cls.invariant_stats),
            "all_steps": self.all_steps,
        }


def _rules(stats: collections.Counter) -> dict[str, dict[str, int]]:
    """Per rule, its calls, successes and reverts, from the machine's ``(rule, kind)`` counts.

    Every declared action has a row, never called or not: the rules a
    campaign missed are what its reader most needs to see.
    """
    rules = {name: {"calls": 0, "successes": 0, "reverts": 0} for name in ACTIONS}
    for (rule, kind), count in stats.items():
        rules.setdefault(rule, {"calls": 0, "successes": 0, "reverts": 0})[kind] = count
    return rules


def _write_failures(
    job: CampaignJob,
    raised: BaseException | None,
    failing: list,
    shortest: dict[str, tuple],
    budget_reached: bool,
) -> list[CampaignFailure]:
    """A replay file per failure: Hypothesis's shrunk ones, or the shortest seen if cut short."""
    chosen = _chosen_failures(raised, failing, shortest, budget_reached)
    config_raw = load_config(job.config).raw
    sha = contracts_sha256(job.contracts_dir or DEFAULT_CONTRACTS_DIR)
    # Absolute, so `rpfuzz replay` finds the sources from any directory.
    fuzzed = str(Path(job.contracts_dir).resolve()) if job.contracts_dir else None
    out = []
    for exc, steps, step, shrunk in chosen:
        name, message = _failure_name(exc), _failure_message(exc)
        path = None
        if steps:
            replay = ReplayFile(
                seed=job.seed,
                config=config_raw,
                contracts_dir=fuzzed,
                contracts_sha256=sha,
                steps=steps,
                failure={"step": step, "invariant": name, "message": message},
            )
            directory = Path(job.failures_dir) if job.failures_dir else FAILURES_DIR
            path = str(replay.write(_replay_path(name, job.worker, directory)))
        out.append(
            CampaignFailure(
                invariant=name,
                message=message,
                step=-1 if step is None else step,
                steps=len(steps),
                replay_file=path,
                shrunk=shrunk,
                crashed=not isinstance(exc, InvariantViolation),
            )
        )
    return out


def _chosen_failures(
    raised: BaseException | None,
    failing: list,
    shortest: dict[str, tuple],
    budget_reached: bool,
) -> list[tuple[BaseException, list, int | None, bool]]:
    """The failures to report: (exception, steps, failing step, shrunk) each."""
    chosen: list[tuple[BaseException, list, int | None, bool]] = []
    if raised is not None:
        by_exc = {id(exc): (exc, steps, step) for exc, steps, step in failing}
        for exc in _exceptions(raised):
            if id(exc) in by_exc:
                chosen.append((*by_exc[id(exc)], True))
            else:
                # Raised outside any step (Hypothesis itself, e.g. a flaky machine): no steps.
                chosen.append((exc, [], None, True))
    if shortest and all(not steps for _, steps, _, _ in chosen) and (raised or budget_reached):
        # The budget ran out while shrinking, or Hypothesis could not confirm the
        # shrunk example: report the shortest failing example of each kind seen.
        chosen.extend((*shortest[name], False) for name in sorted(shortest))
    return chosen


# --------------------------------------------------------------------------- display
def progress_figures(
    jobs: list[CampaignJob], latest: list[dict[str, Any]], database: int | None
) -> Figures:
    """The live line's figures from each worker's latest progress report (see ``report``)."""
    return Figures(
        profile=jobs[0].profile.name,
        examples=sum(p["examples"] for p in latest),
        target=sum(job.examples for job in jobs),
        steps=sum(p["steps"] for p in latest),
        seconds=max((p["seconds"] for p in latest), default=0.0),
        budget=jobs[0].max_seconds,
        failures=sum(p["failures"] for p in latest),
        database=database,
    )


def rules_table(rules: dict[str, dict[str, int]]) -> Table:
    """Per-rule calls, successes and reverts, like Foundry's invariant metrics.

    Every rule has a row: one never called is dimmed, its calls "never";
    one called but never successful has its successes "none", in red (the
    campaign tested only its refusals). The ``failed`` column (calls that
    raised a check, or crashed) is shown only when some call failed, so
    the table fits 80 columns.
    """
    # A call that raised a check (or crashed) is neither a success nor a revert.
    failed = {rule: r["calls"] - r["successes"] - r["reverts"] for rule, r in rules.items()}
    table = Table(title="Rule metrics", title_justify="left")
    # A rule's name is what a reader greps for: never cut or folded.
    table.add_column("rule", no_wrap=True, min_width=max(map(len, rules), default=4))
    table.add_column("calls", justify="right")
    table.add_column("successes", justify="right")
    table.add_column("reverts", justify="right")
    table.add_column("revert %", justify="right")
    if any(failed.values()):
        table.add_column("failed", justify="right")
    shown = len(table.columns)
    for rule in sorted(rules):
        row = rules[rule]
        if not row["calls"]:
            table.add_row(*[rule, "never", "-", "-", "-", "-"][:shown], style="dim")
            continue
        share = 100 * row["reverts"] / row["calls"]
        cells = [
            rule,
            str(row["calls"]),
            str(row["successes"]) if row["successes"] else "[red]none[/]",
            str(row["reverts"]),
            f"{share:.0f}%",
            f"[red]{failed[rule]}[/]" if failed[rule] else "0",
        ]
        table.add_row(*cells[:shown])
    if any(not r["calls"] or not r["successes"] for r in rules.values()):
        table.caption = "calls never: no example called it; successes none: every call reverted"
        table.caption_justify = "left"
    return table


def invariants_table(rows: dict[str, dict[str, Any]]) -> Table:
    """Per invariant (:meth:`CampaignResult.invariant_rows`): when, how often, held or failed."""
    table = Table(title="Invariants", title_justify="left")
    table.add_column("invariant")
    table.add_column("checked", justify="right")
    table.add_column("when")
    table.add_column("result")
    for name, row in rows.items():
        checked = "-" if row["checked"] is None else f"{row['checked']:,}"
        if row["failed_at_step"] is not None:
            result = f"[red]failed at step {row['failed_at_step']}[/]"
        elif name in _failed_names(rows):
            result = "[red]failed[/]"
        elif row["checked"]:
            result = "held"
        else:
            result = "[dim]never checked[/]"
        table.add_row(name, checked, row["when"] or "", result)
    return table


def _failed_names(rows: dict[str, dict[str, Any]]) -> set[str]:
    """Invariants whose row carries a failure (a replay file, or a step)."""
    return {n for n, r in rows.items() if "replay_file" in r or r["failed_at_step"] is not None}


def checked_summary(rows: dict[str, dict[str, Any]]) -> str:
    """``12 of 14 checked, 10 to 345 times each``: how many invariants ran, how often.

    Only the counted invariants (those with a count) are in it.
    """
    counted = [row["checked"] for row in rows.values() if row["checked"] is not None]
    counts = [count for count in counted if count]
    if not counts:
        return f"none of {len(counted)} was checked"
    low, high = min(counts), max(counts)
    if low == high:
        often = f"{low:,} time{'s' if low != 1 else ''}"
    else:
        often = f"{low:,} to {high:,} times"
    return f"{len(counts)} of {len(counted)} checked, {often} each"


def flows_table(flows: dict[str, dict[str, int]]) -> Table:
    """Per multi-step flow: how often it began, reached its end, and was refused at its end.

    A flow that never reached its end is shown in red: the campaign said
    nothing about the second half of that process.
    """
    table = Table(title="Flows", title_justify="left")
    table.add_column("flow")
    table.add_column("started", justify="right")
    table.add_column("ended", justify="right")
    table.add_column("refused at the end", justify="right")
    for name, row in flows.items():
        ended = str(row["ended"]) if row["ended"] else "[red]0[/]"
        table.add_row(name, str(row["started"]), ended, str(row["refused"]))
    return table


def _combine(summaries: list[dict]) -> dict[str, Any]:
    rules: dict[str, dict[str, int]] = {}
    for summary in summaries:
        for rule, row in summary["rules"].items():
            into = rules.setdefault(rule, {"calls": 0, "successes": 0, "reverts": 0})
            for key, value in row.items():
                into[key] += value
    flows = flow_counts(collections.Counter())
    for summary in summaries:
        for name, row in summary.get("flows", {}).items():
            into = flows.setdefault(name, dict.fromkeys(row, 0))
            for key, value in row.items():
                into[key] += value
    invariants: dict[str, int] = {}
    for summary in summaries:
        for name, count in summary.get("invariants", {}).items():
            invariants[name] = invariants.get(name, 0) + count
    failed = [s for s in summaries if s.get("first_failure_seconds") is not None]
    first = min(failed, key=lambda s: s["first_failure_seconds"], default=None)
    return {
        "first_failure_seconds": first and first["first_failure_seconds"],
        "first_failure_steps": first and first["first_failure_steps"],
        "first_failure_examples": first and first["first_failure_examples"],
        "examples": sum(s["examples"] for s in summaries),
        "steps": sum(s["steps"] for s in summaries),
        "seconds": max((s["seconds"] for s in summaries), default=0.0),
        "budget_reached": any(s["budget_reached"] for s in summaries),
        "failures": [CampaignFailure(**f) for s in summaries for f in s["failures"]],
        "rules": rules,
        "flows": flows,
        "invariants": invariants,
    }


# --------------------------------------------------------------------------- the campaign
def run_campaign(
    profile: str = "quick",
    seed: int | None = None,
    examples: int | None = None,
    steps: int | None = None,
    max_seconds: float | None = None,
    workers: int | None = None,
    contracts_dir: str | Path | None = None,
    json_path: str | Path | None = None,
    console: Console | None = None,
    config: Any = None,
    failures_dir: str | Path | None = None,
    coverage: bool = False,
    backend_name: str = backend.DEFAULT,
    database: str | Path | None = None,
    cluster: str | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> CampaignResult:
    """Run a campaign; flags given here override the profile's values.

    ``seed`` defaults to a random one, printed, so every run can be repeated.
    ``workers`` defaults to 1 (with ``cluster``, one per worker thread of the
    cluster). With ``workers`` > 1, worker ``i`` runs with ``seed + i`` in its own
    spawned process, all sharing the example database. Replay files go to
    ``failures_dir`` (created if missing; default ``failures/``). With
    ``coverage``, every worker measures Vyper line and branch coverage (see
    :mod:`harness.run.vycoverage`) and a per-contract table follows.
    ``backend_name`` is the EVM (see :mod:`harness.chain.backend`): ``"boa"``
    (titanoboa, the default) or ``"revm"`` (the fast lane; its failures are
    written as the same replay files, which ``rpfuzz replay`` runs on
    titanoboa). ``database`` is the example database: a directory (default
    ``.hypothesis/examples``) or ``redis://HOST:PORT/N`` (see
    :mod:`harness.run.database`). ``cluster`` runs the workers on a Dask
    cluster (``tcp://HOST:PORT`` or ``local:N``; see :mod:`harness.run.cluster`).
    ``progress``, if given, is called with the running totals (``examples``,
    ``steps``, ``seconds``, ``failures``) each time a worker reports (not on a
    cluster): ``rpfuzz run --html`` samples steps/s over time with it.
    Raises :class:`ConfigError` for a bad profile, contracts directory, JSON
    path, backend, database or cluster.
    """
    console = console or Console()
    prof = resolve_profile(profile, config)
    _check_campaign(
        contracts_dir,
        json_path,
        1 if workers is None else workers,
        backend_name,
        coverage,
        failures_dir,
    )
    _check_database_and_cluster(prof, database, cluster, coverage)
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    job = _first_job(
        prof,
        seed,
        (examples, steps, max_seconds),
        config=config,
        contracts_dir=str(contracts_dir) if contracts_dir is not None else None,
        failures_dir=str(failures_dir) if failures_dir is not None else None,
        backend=backend_name,
    )
    if database is not None:
        job.database = str(database)
    if cluster is not None:
        return _run_on_cluster(console, job, workers, cluster, contracts_dir, json_path)
    workers = 1 if workers is None else workers
    _announce(console, job, workers, contracts_dir)
    jobs = per_worker(job, workers)
    coverage_dir = _coverage_files(jobs) if coverage else None
    summaries = _run_with_progress(console, jobs, progress)
    result = CampaignResult(profile=prof.name, seed=seed, workers=workers, **_combine(summaries))
    result.database_outages = _outages(summaries)
    if coverage_dir is not None:
        result.coverage = _contract_coverage(coverage_dir, jobs, contracts_dir)
    if json_path is not None:
        Path(json_path).write_text(json.dumps(result.to_json(), indent=2) + "\n")
    _print_result(console, result, job.max_seconds)
    return result


def _run_on_cluster(
    console: Console,
    job: CampaignJob,
    workers: int | None,
    address: str,
    contracts_dir: str | Path | None,
    json_path: str | Path | None,
) -> CampaignResult:
    """:func:`run_campaign` with its workers as tasks of a Dask cluster (:mod:`.cluster`)."""
    from harness.run.cluster import run_on_cluster

    summaries, report, failures = run_on_cluster(
        console,
        lambda n: per_worker(job, n),
        workers,
        address,
        contracts_dir,
        lambda n: _announce(console, job, n, contracts_dir),
    )
    combined = _combine(summaries)
    combined["failures"] = [CampaignFailure(**f) for f in failures]
    result = CampaignResult(
        profile=job.profile.name, seed=job.seed, workers=report.workers, **combined
    )
    result.cluster = report.to_json()
    result.database_outages = report.database_outages
    if json_path is not None:
        Path(json_path).write_text(json.dumps(result.to_json(), indent=2) + "\n")
    _print_cluster_report(console, report)
    _print_result(console, result, job.max_seconds)
    return result


def _print_cluster_report(console: Console, report: Any) -> None:
    """Lost workers and what became of their seeds, and an interrupt, before the result."""
    for lost in report.lost:
        console.print(
            f"[yellow]worker {lost['worker']} (seed {lost['seed']}) lost on "
            f"{escape(str(lost['address']))} after {lost['examples']} examples: "
            f"{escape(lost['outcome'])}[/]",
            soft_wrap=True,
        )
    if report.interrupted:
        console.print("[yellow]interrupted: the figures below are what the workers sent[/]")


def _outages(summaries: list[dict]) -> list[str]:
    """Each Redis that stopped answering in some worker, with the first error."""
    return sorted(
        {f"{url}: {why}" for s in summaries for url, why in s.get("database_outages", {}).items()}
    )


def _check_database_and_cluster(
    prof: Profile, database: str | Path | None, cluster: str | None, coverage: bool
) -> None:
    """A :class:`ConfigError` for a ``--database`` or ``--cluster`` that cannot be used here."""
    if database is not None and prof.derandomize:
        raise ConfigError(
            f"--database with --profile {prof.name}: that profile is derandomised and keeps "
            "no example database; pick another profile (quick, deep) or drop --database"
        )
    if database is not None:
        example_db.check_database(str(database))
    if cluster is not None and coverage:
        raise ConfigError(
            "--coverage with --cluster: coverage is measured into this host's files; "
            "drop one of them"
        )


def _first_job(
    prof: Profile, seed: int, size: tuple[int | None, int | None, float | None], **fields: Any
) -> CampaignJob:
    """Worker 0's job: ``size`` (examples, steps, seconds) where given, else the profile's."""
    examples, steps, max_seconds = size
    return CampaignJob(
        worker=0,
        seed=seed,
        examples=prof.examples if examples is None else examples,
        steps=prof.steps if steps is None else steps,
        max_seconds=prof.max_seconds if max_seconds is None else max_seconds,
        profile=prof,
        # A derandomised profile (ci) keeps no database: the same run every time.
        database=None if prof.derandomize else str(DATABASE_DIR),
        **fields,
    )


def _check_campaign(
    contracts_dir: str | Path | None,
    json_path: str | Path | None,
    workers: int,
    backend_name: str,
    coverage: bool,
    failures_dir: str | Path | None,
) -> None:
    """A :class:`ConfigError` for the first argument of a campaign that cannot be used."""
    if contracts_dir is not None and not Path(contracts_dir).is_dir():
        raise ConfigError(
            f"{contracts_dir}: not a directory; point --contracts at a copy of contracts/"
        )
    if json_path is not None:
        parent = Path(json_path).resolve().parent
        if not parent.is_dir():
            raise ConfigError(
                f"{json_path}: directory {parent} does not exist; create it or pick another --json"
            )
    if workers < 1:
        raise ConfigError(f"--workers {workers}: must be at least 1")
    backend.check_backend(backend_name)
    if coverage and backend_name != "boa":
        raise ConfigError(
            f"--coverage with --backend {backend_name}: coverage is measured on titanoboa "
            "only; drop --backend (or use --backend boa) to measure it"
        )
    if failures_dir is not None and Path(failures_dir).exists() and not Path(failures_dir).is_dir():
        raise ConfigError(
            f"{failures_dir}: exists and is not a directory; pick another --failures-dir"
        )


def _announce(
    console: Console, job: CampaignJob, workers: int, contracts_dir: str | Path | None
) -> None:
    """The campaign's first line: profile, seed, size, budget, workers, backend, contracts."""
    console.print(
        f"rpfuzz run: profile {job.profile.name}, {job.examples} examples x "
        f"{job.steps} steps, budget {job.max_seconds:g} s, "
        f"{workers} worker{'s' if workers > 1 else ''}, backend {job.backend}"
        + (f", contracts {escape(str(contracts_dir))}" if contracts_dir else ""),
        soft_wrap=True,
    )
    print_seed(console, job.seed)


def seed_line(seed: int) -> str:
    """``seed: 123456789``: printed alone on its line, so it copies whole.

    With several workers, worker ``i`` draws with ``seed + i``; the one
    seed given here (``--seed``) repeats them all.
    """
    return f"seed: {seed}"


def print_seed(console: Console, seed: int) -> None:
    """:func:`seed_line`, unstyled and never wrapped (no markup, no number highlighting)."""
    console.print(seed_line(seed), markup=False, highlight=False, soft_wrap=True)


def _coverage_files(jobs: list[CampaignJob]) -> tempfile.TemporaryDirectory:
    """A temporary directory with a coverage data file per worker, each job told its own."""
    coverage_dir = tempfile.TemporaryDirectory(prefix="rpfuzz-coverage-")
    for job in jobs:
        job.coverage_file = str(Path(coverage_dir.name) / f"coverage.w{job.worker}")
    return coverage_dir


def _contract_coverage(
    coverage_dir: tempfile.TemporaryDirectory, jobs: list[CampaignJob], contracts_dir: Any
) -> list[Any]:
    """Every worker's coverage, per contract file; the temporary directory removed."""
    from harness.run.vycoverage import contract_coverage

    with coverage_dir:
        return contract_coverage(
            [job.coverage_file for job in jobs], contracts_dir or DEFAULT_CONTRACTS_DIR
        )


def _run_with_progress(
    console: Console,
    jobs: list[CampaignJob],
    listener: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict]:
    """The jobs' summaries: one job run here, several in spawned processes; live progress."""
    progress: dict[int, dict[str, Any]] = {}
    database = DatabaseSize(jobs[0].database)

    def view(finished: bool = False) -> ProgressView:
        figures = progress_figures(jobs, list(progress.values()), database.count())
        return ProgressView(dataclasses.replace(figures, finished=finished))

    def update(live: Live, item: dict[str, Any]) -> None:
        progress[item["worker"]] = item
        if listener is not None:
            latest = list(progress.values())
            totals = {key: sum(p[key] for p in latest) for key in ("examples", "steps", "failures")}
            listener({**totals, "seconds": max(p["seconds"] for p in latest)})
        live.update(view(), refresh=True)

    with Live(
        view(),
        console=console,
        auto_refresh=False,
        transient=False,
    ) as live:
        if len(jobs) == 1:
            summaries = [run_worker(jobs[0], progress=lambda item: update(live, item))]
        else:
            summaries = run_workers(jobs, lambda item: update(live, item))
        live.update(view(finished=True), refresh=True)
    if not console.is_terminal:
        console.line()  # Live leaves its last line open when it cannot redraw
    return summaries


def run_workers(jobs: list[CampaignJob], progress: Callable[[dict[str, Any]], None]) -> list[dict]:
    """Run each job through :func:`run_worker` in a spawned process; the summaries in order.

    See :func:`harness.run.workers.run_spawned` (progress relayed, errors raised here).
    """
    return run_spawned(run_worker, jobs, progress)


def _print_result(console: Console, result: CampaignResult, budget: float) -> None:
    console.print(rules_table(result.rules))
    if result.flows:
        console.print(flows_table(result.flows))
    invariants = result.invariant_rows()
    if invariants:
        console.print(invariants_table(invariants))
    if result.budget_reached:
        stop = f"stopped at the {budget:g} s budget"
    elif result.failures:
        stop = "stopped at the first failure, then shrank it"
    else:
        stop = "every example ran"
    console.print(
        f"{result.examples} examples, {result.steps} steps in {result.seconds:.1f} s "
        f"({result.steps_per_second:,.1f} steps/s); {stop}."
    )
    print_seed(console, result.seed)
    if result.first_failure_seconds is not None:
        console.print(
            f"First failure after {result.first_failure_seconds:.1f} s, "
            f"{result.first_failure_steps} steps, {result.first_failure_examples} examples."
        )
    for outage in result.database_outages:
        console.print(
            f"[yellow]database {escape(outage)}: it stopped answering mid-run; the campaign "
            f"went on with the local copy {example_db.LOCAL_COPY_DIR}[/]",
            soft_wrap=True,
        )
    for failure in result.failures:
        where = f" at step {failure.step} of {failure.steps}" if failure.steps else ""
        shrunk = "" if failure.shrunk else " (not fully shrunk: the budget ran out)"
        replay = (
            f"  replay file: {escape(failure.replay_file)}"
            if failure.replay_file
            else "  (raised outside any step: no replay file)"
        )
        console.print(
            Group(
                f"[red bold]FAILED[/] {escape(failure.invariant)}{where}{shrunk}",
                f"  {escape(failure.message)}",
                replay,
            ),
            soft_wrap=True,
        )
    if not result.failures:
        held = f"every invariant held: {checked_summary(invariants)}"
        console.print(f"[green]{held}[/]", soft_wrap=True)
    if result.coverage is not None:
        console.print(coverage_table(result.coverage))
        _print_unreached(console, result.coverage)


# --------------------------------------------------------------------------- coverage
def coverage_totals(files: list[Any]) -> dict[str, Any]:
    """Lines, branches and external functions over every file, hit and in all."""
    lines = sum(f.lines for f in files)
    lines_hit = sum(f.lines_hit for f in files)
    branches = sum(f.branches for f in files)
    branches_hit = sum(f.branches_hit for f in files)
    functions = sum(len(f.functions) for f in files)
    missed = sum(len(f.functions_missed) for f in files)
    return {
        "lines": lines,
        "lines_hit": lines_hit,
        "line_percent": round(100 * lines_hit / lines, 2) if lines else 100.0,
        "branches": branches,
        "branches_hit": branches_hit,
        "branch_percent": round(100 * branches_hit / branches, 2) if branches else 100.0,
        "external_functions": functions,
        "external_functions_reached": functions - missed,
    }


def coverage_json(files: list[Any]) -> dict[str, Any]:
    """The ``coverage`` part of the ``--json`` document."""
    return {
        "total": coverage_totals(files),
        "files": [
            {
                "file": Path(f.path).name,
                "lines": f.lines,
                "lines_hit": f.lines_hit,
                "branches": f.branches,
                "branches_hit": f.branches_hit,
                "missed_lines": f.missed_lines,
                "missed_branches": [list(arc) for arc in f.missed_branches],
                "external_functions": len(f.functions),
                "external_functions_missed": f.functions_missed,
            }
            for f in files
        ],
    }


def coverage_table(files: list[Any]) -> Table:
    """Per contract file: lines and branches hit, and external functions entered."""
    table = Table(title="Vyper coverage", title_justify="left")
    table.add_column("contract", no_wrap=True)
    table.add_column("lines", justify="right")
    table.add_column("line %", justify="right")
    table.add_column("branches", justify="right")
    table.add_column("branch %", justify="right")
    table.add_column("external fns", justify="right")
    for f in files:
        table.add_row(
            Path(f.path).name,
            f"{f.lines_hit}/{f.lines}",
            f"{f.line_percent:.1f}%",
            f"{f.branches_hit}/{f.branches}",
            f"{f.branch_percent:.1f}%",
            f"{len(f.functions) - len(f.functions_missed)}/{len(f.functions)}",
        )
    total = coverage_totals(files)
    table.add_row(
        "[bold]total[/]",
        f"{total['lines_hit']}/{total['lines']}",
        f"{total['line_percent']:.1f}%",
        f"{total['branches_hit']}/{total['branches']}",
        f"{total['branch_percent']:.1f}%",
        f"{total['external_functions_reached']}/{total['external_functions']}",
    )
    return table


def _print_unreached(console: Console, files: list[Any]) -> None:
    for f in files:
        if f.functions_missed:
            console.print(
                f"  never entered in {Path(f.path).name}: {', '.join(f.functions_missed)}",
                soft_wrap=True,
            )
