"""``rpfuzz mutate``: fuzz each mutant of the contracts and count the ones a campaign kills.

The order of a run:

1. the mutants (:func:`harness.mutate.operators.generate`), restricted by
   ``--only``, sampled by ``--sample N --seed S``, less those the
   equivalents file declares equivalent;
2. the original contracts, fuzzed with the same seed, budget and backend: a
   failure there would count as a kill on every mutant, so the command
   refuses to score (:class:`OriginalFails`);
3. each mutant, in a working copy of the contracts that only its own file
   differs in: compiled first (a mutant that does not compile is
   *stillborn* and left out of the score), then fuzzed until its first
   failure or the budget.

Where they run: each ``--workers`` lane is a warm lane
(:mod:`harness.mutate.lane`), a long-lived process that loaded the
contracts once and runs the original and every mutant of its share in a
fork of itself, which compiles only the files the mutant changed and
deploys on a fresh chain; nothing of one mutant reaches the next. A fork
that dies, or hangs past the budget and :data:`HANG_MARGIN`, is killed and
its mutant reported *crashed*. ``fresh=True`` (``--fresh``) runs each in a
freshly spawned process instead, as campaigns do (slower: every process
imports and loads every contract again).

A mutant is *killed* when an invariant fails on it, or when the contracts
revert where the harness expects none: while deploying, setting up the
world (before the first step) or outside the checked calls of a step (the
message says where). It *survived* when the budget ran out first; a harness
crash (any other exception) is reported as *crashed* and, like a stillborn
one, is not scored. The kill rate is killed / (killed + survived). Each
outcome carries its *overhead*: the seconds from its dispatch to its first
example (compiling, deploying, and on the fresh path the process start).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from harness.chain import backend
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR, NETWORK_CONTRACTS
from harness.config import ConfigError
from harness.mutate.lane import (
    DEPLOY_FAILED,
    LaneSetup,
    MutantJob,
    first_line,
    prepare,
    run_mutant,
)
from harness.mutate.lane import STILLBORN as LANE_STILLBORN
from harness.mutate.operators import Mutant, generate, sample
from harness.run.campaign import CampaignJob, resolve_profile, run_workers
from harness.run.workers import LaneError, WarmLane

DEFAULT_OUT_DIR = Path("failures") / "mutate"
DEFAULT_BUDGET = 60.0
DEFAULT_SHRINK_SECONDS = 0.0
KILLED, SURVIVED, STILLBORN, CRASHED = "killed", "survived", "stillborn", "crashed"
# Past its budget, the seconds a mutant's process may take (compiling the
# mutant's importers, deploying, finishing the example under way) before it
# counts as hung: killed, and the mutant reported crashed.
HANG_MARGIN = 120.0
COMPILE_MARGIN = 20.0  # and this much more for each contract it compiles
# What a revert raises, by name (a worker's failure names its exception's type).
_REVERTS = frozenset(kind.__name__ for kind in backend.Reverted)

# Compiling goes through one titanoboa environment, which is not thread-safe.
_COMPILE_LOCK = threading.Lock()
# The contracts a deploy compiles, besides those the facade names.
_ALWAYS_COMPILED = ("RocketStorage.vy", "RocketTokenRPL.vy", "DepositContract.vy")


class OriginalFails(ConfigError):
    """The campaign fails on the unmutated contracts: a kill would mean nothing."""


@dataclass
class MutantOutcome:
    """What fuzzing one mutant did."""

    id: str
    file: str
    line: int
    operator: str
    before: str
    after: str
    status: str = SURVIVED
    invariant: str | None = None
    message: str | None = None
    seconds: float | None = None
    steps: int | None = None
    replay_file: str | None = None
    # Seconds from the mutant's dispatch to its first example; None when none ran.
    overhead_seconds: float | None = None


@dataclass
class MutateResult:
    """Every outcome, the run's parameters, and the score."""

    outcomes: list[MutantOutcome]
    seed: int
    budget: float
    backend: str
    profile: str
    pool: int  # mutants generated before sampling
    equivalent: int  # left out as declared equivalent
    original_seconds: float = 0.0
    parameters: dict[str, Any] = field(default_factory=dict)
    wall_seconds: float = 0.0  # the whole run, the original and starting the lanes included

    def count(self, status: str) -> int:
        """How many outcomes have ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def kill_rate(self) -> float | None:
        """Killed over scored (killed + survived); None when nothing was scored."""
        scored = self.count(KILLED) + self.count(SURVIVED)
        return None if scored == 0 else self.count(KILLED) / scored

    @property
    def median_overhead(self) -> float | None:
        """The median of the mutants' overheads before their first example; None when none ran."""
        seconds = [o.overhead_seconds for o in self.outcomes if o.overhead_seconds is not None]
        return statistics.median(seconds) if seconds else None

    def to_json(self) -> dict[str, Any]:
        """The result as plain data (``--json``)."""
        return {
            "seed": self.seed,
            "budget": self.budget,
            "backend": self.backend,
            "profile": self.profile,
            "pool": self.pool,
            "equivalent": self.equivalent,
            "killed": self.count(KILLED),
            "survived": self.count(SURVIVED),
            "stillborn": self.count(STILLBORN),
            "crashed": self.count(CRASHED),
            "kill_rate": self.kill_rate,
            "original_seconds": self.original_seconds,
            "median_overhead_seconds": self.median_overhead,
            "wall_seconds": self.wall_seconds,
            "mutants": [asdict(o) for o in self.outcomes],
        }


# --------------------------------------------------------------------------- equivalents
# The checked-in declarations for the shipped contracts (see default_equivalents).
SHIPPED_EQUIVALENTS = Path(__file__).parent / "equivalents.txt"


def default_equivalents(
    contracts_dir: str | Path | None, given: str | Path | None
) -> str | Path | None:
    """The equivalents file to use: ``given``, else the checked-in one for the shipped contracts.

    A patched copy of the contracts elsewhere gets none unless the user names one:
    the shipped file's line numbers mean nothing there.
    """
    if given is not None:
        return given
    if contracts_dir is None or Path(contracts_dir).resolve() == DEFAULT_CONTRACTS_DIR.resolve():
        return SHIPPED_EQUIVALENTS
    return None


def load_equivalents(path: str | Path | None) -> dict[str, str]:
    """Mutant id -> the argument that it is equivalent, from ``path`` (none: empty).

    One mutant a line: ``ID  # why no sequence of calls can tell it apart``;
    blank lines and lines starting with ``#`` are skipped. A line without its
    argument is refused, naming the file and line.
    """
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: equivalents file not found; pass an existing file or drop it")
    out: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        ident, _, reason = line.partition("#")
        ident, reason = ident.strip(), reason.strip()
        if not reason:
            raise ConfigError(
                f"{path}:{number}: mutant {ident} has no argument; write 'ID  # why it is "
                "equivalent' (one line each)"
            )
        out[ident] = reason
    return out


def select(
    contracts_dir: Path,
    only: str | None,
    n: int | None,
    seed: int,
    equivalents: dict[str, str],
) -> tuple[list[Mutant], int, int]:
    """The mutants to fuzz, the pool size, and how many were left out as equivalent."""
    try:
        pool = generate(contracts_dir, only=only)
    except ValueError as exc:
        raise ConfigError(f"--only {only}: {exc}; name a .vy file of that directory") from exc
    chosen = pool if n is None else sample(pool, n, seed)
    kept = [m for m in chosen if m.id not in equivalents]
    return kept, len(pool), len(chosen) - len(kept)


# --------------------------------------------------------------------------- compiling
def _deployables(contracts_dir: Path) -> list[str]:
    names = {spec.source for spec in NETWORK_CONTRACTS}
    names.update(name for name in _ALWAYS_COMPILED if (contracts_dir / name).is_file())
    return sorted(names)


def _imports(source: str, module: str) -> bool:
    return any(
        line.strip() in (f"import {module}", f"from . import {module}")
        or line.strip().startswith(f"import {module} ")
        for line in source.splitlines()
    )


def affected(contracts_dir: Path, file: str) -> list[str]:
    """The deployable contracts a change to ``file`` recompiles: itself, or its importers.

    A module imported by a module reaches the deployables through it.
    """
    deployables = _deployables(contracts_dir)
    if file in deployables:
        return [file]
    sources = {p.name: p.read_text() for p in sorted(contracts_dir.glob("*.vy"))}
    changed, todo = {file}, [file]
    while todo:
        module = Path(todo.pop()).stem
        for name, source in sources.items():
            if name not in changed and _imports(source, module):
                changed.add(name)
                todo.append(name)
    return [name for name in deployables if name in changed]


def compile_error(contracts_dir: Path, file: str) -> str | None:
    """None when every contract ``file`` affects compiles, else the first compiler message."""
    for name in affected(contracts_dir, file) or [file]:
        try:
            with _COMPILE_LOCK:
                backend.active_chain().load(contracts_dir / name)
        except Exception as exc:  # the Vyper compiler's errors share no base we can name
            return f"{name}: {type(exc).__name__}: {first_line(exc)}"
    return None


# --------------------------------------------------------------------------- fuzzing
@dataclass
class _Settings:
    seed: int
    budget: float
    steps: int
    profile: Any
    backend: str
    config: Any
    shrink_seconds: float


def _job(settings: _Settings, contracts: Path, failures: Path) -> CampaignJob:
    """The one campaign the original and every mutant run: only where they run differs."""
    return CampaignJob(
        worker=0,
        seed=settings.seed,
        examples=settings.profile.examples,
        steps=settings.steps,
        max_seconds=settings.budget,
        profile=settings.profile,
        database=None,  # the seed alone decides what is drawn
        config=settings.config,
        contracts_dir=str(contracts),
        failures_dir=str(failures),
        shrink_seconds=settings.shrink_seconds,
        backend=settings.backend,
    )


def _campaign(settings: _Settings, contracts: Path, failures: Path) -> dict[str, Any]:
    """The campaign in a freshly spawned process (``--fresh``): its worker's summary."""
    [summary] = run_workers([_job(settings, contracts, failures)], lambda update: None)
    return summary


def _first_failure(summary: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The failure to report and whether it kills (an invariant, or a revert the harness
    expects none of), rather than being a harness crash."""
    failures = summary["failures"]
    if not failures:
        return None, False
    caught = [f for f in failures if not f["crashed"]]
    reverted = [f for f in failures if f["crashed"] and f["invariant"] in _REVERTS]
    chosen = (caught or reverted or failures)[0]
    return chosen, bool(caught or reverted)


def _where(failure: dict[str, Any]) -> str:
    """Where an unexpected revert happened: the world's setup, or which step."""
    if failure["step"] is None or failure["step"] < 0:
        return "setup (before the first step)"
    return f"step {failure['step']} (outside the checked calls)"


def _score(outcome: MutantOutcome, summary: dict[str, Any]) -> None:
    """``outcome`` from a finished campaign's summary: killed, crashed, or left survived."""
    failure, kills = _first_failure(summary)
    if failure is None:
        return
    outcome.status = KILLED if kills else CRASHED
    outcome.invariant, outcome.message = failure["invariant"], failure["message"]
    if failure["crashed"] and kills:
        outcome.message = f"{_where(failure)}: reverted: {failure['message']}"
    outcome.replay_file = failure["replay_file"]
    outcome.seconds = summary["first_failure_seconds"]
    outcome.steps = summary["first_failure_steps"]


def _outcome(mutant: Mutant, source: str) -> MutantOutcome:
    before, after = mutant.diff(source)
    return MutantOutcome(
        mutant.id, mutant.file, mutant.line, mutant.operator, before=before, after=after
    )


class _Workspace:
    """A working copy of the contracts in which one mutant at a time is planted."""

    def __init__(self, source_dir: Path, directory: Path):
        self.source_dir = source_dir
        self.contracts = directory / "contracts"
        if self.contracts.exists():
            shutil.rmtree(self.contracts)
        shutil.copytree(source_dir, self.contracts)

    def plant(self, mutant: Mutant) -> str:
        """Write ``mutant``'s file; returns the original source of that file."""
        original = (self.source_dir / mutant.file).read_text()
        (self.contracts / mutant.file).write_text(mutant.apply(original))
        return original

    def restore(self, mutant: Mutant, original: str) -> None:
        (self.contracts / mutant.file).write_text(original)


def fuzz_mutant(
    mutant: Mutant, workspace: _Workspace, settings: _Settings, out_dir: Path
) -> MutantOutcome:
    """Plant ``mutant``, compile it, fuzz it in a fresh process; the working copy is restored.

    The ``--fresh`` path; a warm lane does the same in :meth:`_Lane.fuzz`.
    """
    original = workspace.plant(mutant)
    outcome = _outcome(mutant, original)
    try:
        sent = time.time()
        error = compile_error(workspace.contracts, mutant.file)
        if error is not None:
            outcome.status, outcome.message = STILLBORN, error
            return outcome
        failures = out_dir / mutant.id.replace(":", "-")
        try:
            summary = _campaign(settings, workspace.contracts, failures)
        except ConfigError as exc:  # a [settings] value the mutant's contract refuses
            outcome.status, outcome.message = KILLED, f"deploy: {exc}"
            return outcome
        except RuntimeError as exc:  # the worker raised: a deploy that reverts, or a crash
            reverted = any(f"failed: {name}: " in str(exc) for name in _REVERTS)
            outcome.status = KILLED if reverted else CRASHED
            outcome.message = f"deploy reverted: {exc}" if reverted else str(exc)
            return outcome
        outcome.overhead_seconds = summary["wall_started"] - sent
        _score(outcome, summary)
        return outcome
    finally:
        workspace.restore(mutant, original)


class _Lane:
    """One ``--workers`` lane: a working copy and the warm process that fuzzes in it."""

    def __init__(self, source_dir: Path, directory: Path, settings: _Settings, out: Path):
        self.workspace = _Workspace(source_dir, directory)
        self.settings, self.out = settings, out
        # The lane loads from the original, never from the working copy: a lane
        # started again mid-run would otherwise load the mutant planted there.
        setup = LaneSetup(str(source_dir), tuple(_deployables(source_dir)), settings.backend)
        self.warm = WarmLane(prepare, setup, run_mutant)

    def close(self) -> None:
        self.warm.close()

    def start(self) -> None:
        """Start the lane now, so its loading does not count in its first mutant's overhead.

        A lane that fails to start is left to :meth:`fuzz`, whose mutant it crashes.
        """
        with contextlib.suppress(LaneError):
            self.warm.start()

    def _run(self, task: MutantJob) -> tuple[str, Any]:
        # Compiling a module's importers takes seconds each: they get their own allowance.
        timeout = self.settings.budget + HANG_MARGIN + COMPILE_MARGIN * len(task.compile_first)
        try:
            return self.warm.run(task, timeout)
        except LaneError as exc:  # it could not be started (again)
            return "died", str(exc)

    def original(self, source_dir: Path) -> dict[str, Any]:
        """The campaign on the unmutated contracts in ``source_dir``: its summary."""
        job = _job(self.settings, source_dir, self.out / "original")
        kind, answer = self._run(MutantJob(job, (), (), time.time()))
        if kind != "done" or answer["kind"] != "deployed":
            reason = answer["message"] if kind == "done" else answer
            raise OriginalFails(
                f"the original contracts in {source_dir} do not run the campaign ({reason}): "
                "fix that first; no mutant was scored"
            )
        return answer["summary"]

    def fuzz(self, mutant: Mutant) -> MutantOutcome:
        """Plant ``mutant``, fuzz it in a fork of the lane; the working copy is restored."""
        contracts = self.workspace.contracts
        original = self.workspace.plant(mutant)
        outcome = _outcome(mutant, original)
        try:
            importers = affected(contracts, mutant.file)
            job = _job(self.settings, contracts, self.out / mutant.id.replace(":", "-"))
            task = MutantJob(
                job,
                changed=tuple(sorted({mutant.file, *importers})),
                compile_first=tuple(importers or [mutant.file]),
                sent=time.time(),
            )
            kind, answer = self._run(task)
        finally:
            self.workspace.restore(mutant, original)
        if kind != "done":  # the fork raised, died or hung
            outcome.status, outcome.message = CRASHED, f"{kind}: {answer}"
        elif answer["kind"] == LANE_STILLBORN:
            outcome.status, outcome.message = STILLBORN, answer["message"]
        elif answer["kind"] == DEPLOY_FAILED:
            outcome.status, outcome.message = KILLED, answer["message"]
        else:
            outcome.overhead_seconds = answer["overhead_seconds"]
            _score(outcome, answer["summary"])
        return outcome


def run_mutate(
    *,
    contracts_dir: str | Path | None = None,
    out_dir: str | Path = DEFAULT_OUT_DIR,
    budget: float = DEFAULT_BUDGET,
    seed: int = 1,
    sample_size: int | None = None,
    only: str | None = None,
    workers: int = 1,
    backend_name: str = "revm",
    profile: str = "deep",
    steps: int | None = None,
    equivalents: str | Path | None = None,
    config: Any = None,
    fresh: bool = False,
    progress: Callable[[MutantOutcome], None] | None = None,
    announce: Callable[[str], None] | None = None,
) -> MutateResult:
    """Fuzz the original, then every selected mutant; see the module docstring.

    ``fresh`` runs each campaign in a freshly spawned process instead of a
    warm lane. ``progress`` hears each mutant's outcome as it lands,
    ``announce`` the run's plan and the original's verdict.
    """
    started = time.perf_counter()
    say = announce or (lambda text: None)
    source_dir = Path(contracts_dir or DEFAULT_CONTRACTS_DIR).resolve()
    backend.check_backend(backend_name)
    if workers < 1:
        raise ConfigError(f"--workers {workers}: give at least 1")
    prof = resolve_profile(profile, config)
    settings = _Settings(
        seed, budget, steps or prof.steps, prof, backend_name, config, DEFAULT_SHRINK_SECONDS
    )
    mutants, pool, excluded = select(
        source_dir, only, sample_size, seed, load_equivalents(equivalents)
    )
    out = Path(out_dir).resolve()
    result = MutateResult([], seed, budget, backend_name, profile, pool, excluded)
    how = "a fresh process each" if fresh else f"{workers} warm lane{'s' * (workers > 1)}"
    say(
        f"rpfuzz mutate: {len(mutants)} of {pool} mutants ({excluded} left out as equivalent), "
        f"{budget:g} s each on {backend_name}, profile {profile}, seed {seed}, {how}; "
        f"the original contracts first"
    )
    if fresh:
        result.original_seconds = _check_original(settings, source_dir, out)
        say(f"  the original held for {result.original_seconds:.1f} s: scoring")
        result.outcomes = _fuzz_all_fresh(mutants, source_dir, out, settings, workers, progress)
    else:
        lanes = [_Lane(source_dir, out / f"work-{i}", settings, out) for i in range(workers)]
        try:
            summary = lanes[0].original(source_dir)
            result.original_seconds = _held(summary, source_dir)
            say(f"  the original held for {result.original_seconds:.1f} s: scoring")
            result.outcomes = _fuzz_all(mutants, lanes, progress)
        finally:
            for lane in lanes:
                lane.close()
    result.wall_seconds = time.perf_counter() - started
    return result


def _held(summary: dict[str, Any], source_dir: Path) -> float:
    """The original's fuzzing seconds; :class:`OriginalFails` when anything failed on it."""
    failure, _ = _first_failure(summary)
    if failure is not None:
        raise OriginalFails(
            f"the original contracts in {source_dir} fail the same campaign "
            f"({failure['invariant']}: {failure['message']}; replay {failure['replay_file']}): "
            "fix that first, or choose another --seed; no mutant was scored"
        )
    return summary["seconds"]


def _check_original(settings: _Settings, source_dir: Path, out: Path) -> float:
    return _held(_campaign(settings, source_dir, out / "original"), source_dir)


def _in_lanes(
    mutants: Sequence[Mutant],
    lanes: int,
    fuzz: Callable[[int, Mutant], MutantOutcome],
    progress: Callable[[MutantOutcome], None] | None,
) -> list[MutantOutcome]:
    """``fuzz(lane, mutant)`` for every mutant, ``lanes`` at a time: outcomes in mutant order."""

    def lane(i: int) -> list[MutantOutcome]:
        done = []
        for mutant in mutants[i::lanes]:
            outcome = fuzz(i, mutant)
            if progress is not None:
                progress(outcome)
            done.append(outcome)
        return done

    with ThreadPoolExecutor(max_workers=lanes) as pool:
        results = list(pool.map(lane, range(lanes)))
    by_id = {o.id: o for chunk in results for o in chunk}
    return [by_id[m.id] for m in mutants]


def _fuzz_all(
    mutants: Sequence[Mutant],
    lanes: list[_Lane],
    progress: Callable[[MutantOutcome], None] | None,
) -> list[MutantOutcome]:
    """Every mutant in the warm lanes, each lane its share in turn."""
    # Lane 0 ran the original; the others start together (and before their
    # first mutant's clock does).
    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        list(pool.map(_Lane.start, lanes[1 : len(mutants)]))
    return _in_lanes(mutants, len(lanes), lambda i, m: lanes[i].fuzz(m), progress)


def _fuzz_all_fresh(
    mutants: Sequence[Mutant],
    source_dir: Path,
    out: Path,
    settings: _Settings,
    workers: int,
    progress: Callable[[MutantOutcome], None] | None,
) -> list[MutantOutcome]:
    """Every mutant in a fresh process of its own, ``workers`` at a time (``--fresh``)."""
    spaces = [_Workspace(source_dir, out / f"work-{i}") for i in range(workers)]
    return _in_lanes(
        mutants, workers, lambda i, m: fuzz_mutant(m, spaces[i], settings, out), progress
    )


def write_json(result: MutateResult, path: str | Path) -> None:
    """Write ``result`` as JSON to ``path``."""
    Path(path).write_text(json.dumps(result.to_json(), indent=2) + "\n")


# --------------------------------------------------------------------------- display
def mutate_table(result: MutateResult) -> Table:
    """The survivors (what the harness is blind to), then the totals, as a rich table."""
    table = Table(title="survivors: mutants no campaign killed", title_justify="left")
    for column in ("mutant", "line", "operator", "before", "after"):
        table.add_column(column, overflow="fold")
    for o in result.outcomes:
        if o.status == SURVIVED:
            table.add_row(o.file, str(o.line), o.operator, o.before, o.after)
    return table


def summary_line(result: MutateResult) -> str:
    """One line: killed / survived / stillborn / crashed, the kill rate, the exclusions,
    the median overhead before a mutant's first example and the run's wall time."""
    rate = result.kill_rate
    score = "no mutant scored" if rate is None else f"kill rate {rate:.0%}"
    overhead = result.median_overhead
    timing = "" if overhead is None else f"; median overhead {overhead:.1f} s"
    return (
        f"{result.count(KILLED)} killed, {result.count(SURVIVED)} survived, "
        f"{result.count(STILLBORN)} stillborn, {result.count(CRASHED)} crashed: {score} "
        f"({len(result.outcomes)} of {result.pool} mutants fuzzed, {result.equivalent} left out "
        f"as equivalent; seed {result.seed}, {result.budget:g} s each on {result.backend}"
        f"{timing}; {result.wall_seconds:.0f} s in all)"
    )


def progress_line(outcome: MutantOutcome) -> str:
    """One mutant's outcome, as it lands."""
    how = f" by {outcome.invariant} after {outcome.seconds:.1f} s" if outcome.seconds else ""
    if outcome.status in (STILLBORN, CRASHED) or (outcome.status == KILLED and not how):
        how = f": {outcome.message}"
    elif outcome.invariant in _REVERTS:  # where it reverted
        how += f" in {outcome.message}"
    if outcome.overhead_seconds is not None:
        how += f" ({outcome.overhead_seconds:.1f} s to the first example)"
    return f"  {outcome.status} {outcome.id}{how}"
