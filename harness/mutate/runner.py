"""``rpfuzz mutate``: fuzz each mutant of the contracts and count the ones a campaign kills.

The order of a run:

1. the mutants (:func:`harness.mutate.operators.generate`), restricted by
   ``--only``, sampled by ``--sample N --seed S``, less those the
   equivalents file declares equivalent;
2. the original contracts, fuzzed with the same seed, budget and backend: a
   failure there would count as a kill on every mutant, so the command
   refuses to score (:class:`OriginalFails`);
3. each mutant, in a working copy of the contracts that only its own file
   differs in (so titanoboa's compile cache, keyed on path and source,
   serves every other contract): compiled first (a mutant that does not
   compile is *stillborn* and left out of the score), then fuzzed in a fresh
   spawned process until its first failure or the budget.

A mutant is *killed* when an invariant fails on it, *survived* when the
budget ran out first; a harness crash (a failure that is not an invariant)
is reported as *crashed* and, like a stillborn one, is not scored. The kill
rate is killed / (killed + survived).
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from harness.chain import backend
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR, NETWORK_CONTRACTS
from harness.config import ConfigError
from harness.mutate.operators import Mutant, generate, sample
from harness.run.campaign import CampaignJob, resolve_profile, run_workers

DEFAULT_OUT_DIR = Path("failures") / "mutate"
DEFAULT_BUDGET = 60.0
DEFAULT_SHRINK_SECONDS = 0.0
KILLED, SURVIVED, STILLBORN, CRASHED = "killed", "survived", "stillborn", "crashed"

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

    def count(self, status: str) -> int:
        """How many outcomes have ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def kill_rate(self) -> float | None:
        """Killed over scored (killed + survived); None when nothing was scored."""
        scored = self.count(KILLED) + self.count(SURVIVED)
        return None if scored == 0 else self.count(KILLED) / scored

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
            "mutants": [asdict(o) for o in self.outcomes],
        }


# --------------------------------------------------------------------------- equivalents
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
            return f"{name}: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
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


def _campaign(settings: _Settings, contracts: Path, failures: Path) -> dict[str, Any]:
    job = CampaignJob(
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
    [summary] = run_workers([job], lambda update: None)
    return summary


def _first_failure(summary: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The failure to report and whether it is an invariant (not a harness crash)."""
    failures = summary["failures"]
    if not failures:
        return None, False
    caught = [f for f in failures if not f["crashed"]]
    return (caught or failures)[0], bool(caught)


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
    """Plant ``mutant``, compile it, fuzz it; the working copy is restored after."""
    original = workspace.plant(mutant)
    outcome = _outcome(mutant, original)
    try:
        error = compile_error(workspace.contracts, mutant.file)
        if error is not None:
            outcome.status, outcome.message = STILLBORN, error
            return outcome
        failures = out_dir / mutant.id.replace(":", "-")
        try:
            summary = _campaign(settings, workspace.contracts, failures)
        except (RuntimeError, ConfigError) as exc:  # a deploy that reverts on the mutant
            outcome.status, outcome.message = KILLED, f"deploy: {exc}"
            return outcome
        failure, caught = _first_failure(summary)
        if failure is not None:
            outcome.status = KILLED if caught else CRASHED
            outcome.invariant, outcome.message = failure["invariant"], failure["message"]
            outcome.replay_file = failure["replay_file"]
            outcome.seconds = summary["first_failure_seconds"]
            outcome.steps = summary["first_failure_steps"]
        return outcome
    finally:
        workspace.restore(mutant, original)


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
    progress: Callable[[MutantOutcome], None] | None = None,
    announce: Callable[[str], None] | None = None,
) -> MutateResult:
    """Fuzz the original, then every selected mutant; see the module docstring.

    ``progress`` hears each mutant's outcome as it lands, ``announce`` the
    run's plan and the original's verdict.
    """
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
    say(
        f"rpfuzz mutate: {len(mutants)} of {pool} mutants ({excluded} left out as equivalent), "
        f"{budget:g} s each on {backend_name}, profile {profile}, seed {seed}; "
        f"the original contracts first"
    )
    result.original_seconds = _check_original(settings, source_dir, out)
    say(f"  the original held for {result.original_seconds:.1f} s: scoring")
    result.outcomes = _fuzz_all(mutants, source_dir, out, settings, workers, progress)
    return result


def _check_original(settings: _Settings, source_dir: Path, out: Path) -> float:
    summary = _campaign(settings, source_dir, out / "original")
    failure, _ = _first_failure(summary)
    if failure is not None:
        raise OriginalFails(
            f"the original contracts in {source_dir} fail the same campaign "
            f"({failure['invariant']}: {failure['message']}; replay {failure['replay_file']}): "
            "fix that first, or choose another --seed; no mutant was scored"
        )
    return summary["seconds"]


def _fuzz_all(
    mutants: Sequence[Mutant],
    source_dir: Path,
    out: Path,
    settings: _Settings,
    workers: int,
    progress: Callable[[MutantOutcome], None] | None,
) -> list[MutantOutcome]:
    """Every mutant, ``workers`` at a time, each lane in its own working copy."""
    lanes = [_Workspace(source_dir, out / f"work-{i}") for i in range(workers)]

    def lane(i: int) -> list[MutantOutcome]:
        done = []
        for mutant in mutants[i::workers]:
            outcome = fuzz_mutant(mutant, lanes[i], settings, out)
            if progress is not None:
                progress(outcome)
            done.append(outcome)
        return done

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lane, range(workers)))
    by_id = {o.id: o for chunk in results for o in chunk}
    return [by_id[m.id] for m in mutants]


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
    """One line: killed / survived / stillborn / crashed, the kill rate, the exclusions."""
    rate = result.kill_rate
    score = "no mutant scored" if rate is None else f"kill rate {rate:.0%}"
    return (
        f"{result.count(KILLED)} killed, {result.count(SURVIVED)} survived, "
        f"{result.count(STILLBORN)} stillborn, {result.count(CRASHED)} crashed: {score} "
        f"({len(result.outcomes)} of {result.pool} mutants fuzzed, {result.equivalent} left out "
        f"as equivalent; seed {result.seed}, {result.budget:g} s each on {result.backend})"
    )


def progress_line(outcome: MutantOutcome) -> str:
    """One mutant's outcome, as it lands."""
    how = f" by {outcome.invariant} after {outcome.seconds:.1f} s" if outcome.seconds else ""
    if outcome.status == STILLBORN:
        how = f": {outcome.message}"
    return f"  {outcome.status} {outcome.id}{how}"
