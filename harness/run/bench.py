"""``rpfuzz bench``: how much of the raw EVM speed the fuzzing harness keeps, per backend.

Two figures per backend from one process (one core):

* **machine**: the stateful machine under Hypothesis, with the reference
  model and the invariants, for a fixed seed and size: total steps, and
  examples, over the wall time of the run (the one-time deploy and one
  short warm-up example excluded);
* **replay**: exactly the steps that run recorded, executed straight on the
  same backend through the bare facade (``StepContext.create(p,
  check=False)``: no Hypothesis, no model, no invariants), each example
  from the deployed state inside an anchor.

machine / replay is the share of raw EVM throughput the harness keeps
(steps/s over steps/s: the same steps, so examples/s give the same ratio).
Peak memory is the process's resident high-water mark, deploy included.

Several backends (``--backend boa,revm``) are measured one after the
other on the same seed and size, each in a fresh process, and their
machines compared. The no-op
machine (``--ceiling``, :class:`NoOpMachine`) gives the steps/s Hypothesis
alone allows; ``--workers N`` runs the machine in N processes at once;
``--cluster ADDRESS`` runs it as N tasks of a Dask cluster too (N the
cluster's worker threads), beside N spawned processes and one worker
alone, all set up the same way, to show what the cluster path costs.

What lives where: :func:`run_bench` checks its arguments and runs the
measurements in turn: each backend's machine and bare replay
(:func:`_bench_backends`, one :func:`_bench_backend` each: the machine timed
by :func:`_timed`, its steps replayed by :func:`replay_bare`), their
comparison, the no-op machine (:func:`_bench_ceiling`, :func:`_paired`) and
the workers (:func:`_bench_workers`), or the workers and the cluster
(:func:`_bench_cluster`, which submits its tasks as
:mod:`harness.run.cluster` does a campaign's). The machine runs through
:func:`harness.run.campaign.run_worker`, as a campaign's workers do; fresh
processes, spawned workers, their seeds and their start barrier come from
:mod:`harness.run.workers`, shared with campaigns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hypothesis.stateful import RuleBasedStateMachine, invariant
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.chain import backend
from harness.config import ConfigError
from harness.fuzz.machine import RocketPoolMachine
from harness.fuzz.steps import StepContext, execute
from harness.run.campaign import CampaignJob, run_worker
from harness.run.profiles import Profile
from harness.run.workers import (
    fresh_process,
    per_worker,
    quiet,
    run_fresh,
    run_spawned,
    start_barrier,
)
from harness.world.deploy import shared_protocol

# The shortest time the workers run at once (see _bench_workers).
WORKERS_MIN_SECONDS = 3.0


@dataclass
class BenchResult:
    """The benchmark's figures."""

    seed: int
    examples: int
    steps_per_example: int
    machine_examples: int
    machine_steps: int
    machine_seconds: float
    machine_steps_per_second: float
    machine_examples_per_second: float
    deploy_seconds: float
    replay_steps: int
    replay_seconds: float
    replay_steps_per_second: float
    replay_examples_per_second: float
    replay_errors: int
    ratio: float
    peak_memory_mib: float
    machine_failed: bool
    load_average: float
    backend: str = backend.DEFAULT
    # Every timed run's machine steps/s (the figure above is their median).
    machine_runs: list[float] = field(default_factory=list)


def replay_bare(p: Any, examples: list[list[dict[str, Any]]]) -> tuple[int, float, int]:
    """Execute recorded examples on ``p`` with no model and no checks.

    Each example starts from the deployed state: the EVM rewinds through an
    anchor, the beacon / oracle simulation through ``python_state``. Returns
    (steps executed, seconds, steps that raised). A step that raises outside
    the EVM (e.g. an index the bare run does not have) is counted, not fatal.
    """
    steps = errors = 0
    started = time.perf_counter()
    for example in examples:
        state = p.python_state()
        try:
            with p.chain.anchor():
                ctx = StepContext.create(p, check=False)
                for step in example:
                    steps += 1
                    try:
                        execute(ctx, step["rule"], step["args"])
                    except Exception:  # noqa: BLE001 - the figure is throughput, not outcome
                        errors += 1
        finally:
            p.restore_python_state(state)
    return steps, time.perf_counter() - started, errors


def _load() -> float:
    """The 1-minute load average: figures from a busy machine are slower, say so."""
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - platforms without it
        return 0.0


def _peak_memory_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_bench(
    seed: int = 0,
    examples: int = 10,
    steps: int = 30,
    contracts_dir: str | Path | None = None,
    json_path: str | Path | None = None,
    console: Console | None = None,
    config: Any = None,
    backends: tuple[str, ...] | list[str] = (backend.DEFAULT,),
    ceiling: bool = False,
    workers: int | None = None,
    repeat: int = 1,
    cluster: str | None = None,
) -> BenchResult:
    """Measure machine and bare-replay throughput on the same steps; print and return them.

    ``backends`` are measured one after the other in this process, each on
    the same seed and size (see :mod:`harness.chain.backend`); the first one's
    figures are returned and lead the JSON document. With ``ceiling``, the
    no-op machine (:class:`NoOpMachine`: the same rules, preconditions and
    draws, bodies that do nothing) runs on the same seed and size: the
    steps/s Hypothesis alone allows (:func:`_bench_ceiling`). With
    ``workers`` > 1, the machine of the last backend also runs in that many
    spawned processes at once (:func:`_bench_workers`). With ``repeat`` > 1,
    each backend's machine is timed that many times in its process and the
    median run counts, and the share of the ceiling is the median of as
    many pairs of runs made in turns (see :func:`_paired`): steadier figures
    on a shared machine, where one run of a second or two can lose several
    percent to a neighbour. With ``cluster`` (an address, as ``rpfuzz run
    --cluster`` takes), one worker alone, ``workers`` spawned processes and
    as many tasks on the cluster run in turn (``workers`` None: one per
    worker thread of the cluster), compared in one table
    (:func:`_bench_cluster`; with ``repeat`` > 1, that many rounds in
    alternating order, the ratios their medians); then there is no
    separate workers run.
    """
    console = console or Console()
    _check_bench(contracts_dir, json_path, backends, workers, repeat)
    with _connected(cluster, workers) as (client, workers):
        document, results = _measure(
            console, seed, examples, steps, contracts_dir, config, backends, ceiling, repeat
        )
        last, comparisons = results[-1], document["comparisons"]
        one_job = _bench_job(seed, 1_000_000, steps, config, contracts_dir, last.backend)
        if client is not None:
            document["cluster"], ratios = _bench_cluster(
                console, one_job, client, cluster, workers, last, rounds=repeat
            )
            comparisons.update(ratios)
        elif workers is not None and workers > 1:
            document["workers"], speedup = _bench_workers(console, one_job, workers, last)
            comparisons[f"workers_{workers}_over_1"] = speedup
    document["load_average_end"] = round(_load(), 2)
    if json_path is not None:
        Path(json_path).write_text(json.dumps(document, indent=2) + "\n")
    return results[0]


def _measure(
    console: Console,
    seed: int,
    examples: int,
    steps: int,
    contracts_dir: Any,
    config: Any,
    backends: Any,
    ceiling: bool,
    repeat: int,
) -> tuple[dict[str, Any], list[BenchResult]]:
    """Each backend's figures, their comparison and the ceiling: the JSON document so far."""
    load = _load()
    jobs = [_bench_job(seed, examples, steps, config, contracts_dir, n, repeat) for n in backends]
    _announce(console, jobs[0], backends, load)
    results = _bench_backends(console, jobs, load, isolate=len(backends) > 1 or ceiling)
    document: dict[str, Any] = dict(asdict(results[0]))
    document["backends"] = {r.backend: asdict(r) for r in results}
    comparisons = _compare_backends(console, results)
    last = results[-1]
    if ceiling:
        document["ceiling"], share = _bench_ceiling(console, jobs[-1], last)
        comparisons[f"{last.backend}_over_ceiling"] = share
    document["comparisons"] = comparisons
    return document, results


@contextlib.contextmanager
def _connected(address: str | None, workers: int | None) -> Iterator[tuple[Any, int | None]]:
    """(a Dask client on ``address``, how many tasks to run on it), or (None, ``workers``).

    Connected before anything is measured, so a bad address, or more
    workers than the cluster runs at once, fails at once (exit 2) rather
    than after minutes of measuring; the cluster then waits, idle, while
    the single-process figures are taken.
    """
    if address is None:
        yield None, workers
        return
    from harness.run import cluster

    with cluster.connect(address) as client:
        slots = cluster.cluster_slots(client)
        n = workers or slots
        if n > slots:
            raise ConfigError(
                f"--workers {n} with --cluster {address}: the cluster has {slots} worker "
                f"thread{'s' if slots != 1 else ''}, and workers that cannot run at once "
                f"measure nothing together; pass --workers {slots} or fewer"
            )
        yield client, n


def _check_bench(
    contracts_dir: str | Path | None,
    json_path: str | Path | None,
    backends: tuple[str, ...] | list[str],
    workers: int | None,
    repeat: int,
) -> None:
    """A :class:`ConfigError` for the first argument of the benchmark that cannot be used."""
    if contracts_dir is not None and not Path(contracts_dir).is_dir():
        raise ConfigError(
            f"{contracts_dir}: not a directory; point --contracts at a copy of contracts/"
        )
    if json_path is not None and not Path(json_path).resolve().parent.is_dir():
        raise ConfigError(
            f"{json_path}: its directory does not exist; create it or pick another --json"
        )
    if not backends:
        raise ConfigError("--backend: name at least one backend (boa, revm)")
    for name in backends:
        backend.check_backend(name)
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers {workers}: must be at least 1")
    if repeat < 1:
        raise ConfigError(f"--repeat {repeat}: must be at least 1")


def _announce(console: Console, job: _BenchJob, backends: Any, load: float) -> None:
    """The benchmark's first line: seed, size, backends, repeats, and the load it starts under."""
    console.print(
        f"rpfuzz bench: seed {job.seed}, {job.examples} examples x {job.steps} steps, one core "
        f"each; backend {', '.join(backends)}; "
        + (f"median of {job.repeat} timed runs each; " if job.repeat > 1 else "")
        + f"load average {load:.2f} on {os.cpu_count()} cores at the start"
    )


def _bench_backends(
    console: Console, jobs: list[_BenchJob], load: float, isolate: bool
) -> list[BenchResult]:
    """Each backend's machine and bare replay, one after the other, each printed as it ends.

    With ``isolate``, each in a fresh process of its own, so none runs in a
    heap another one left behind (after a titanoboa run, revm's machine
    measured a quarter slower in the same process).
    """
    results = []
    for job in jobs:
        result = run_fresh(_bench_backend, job, load) if isolate else _bench_backend(job, load)
        results.append(result)
        _print(console, result)
    return results


def _compare_backends(console: Console, results: list[BenchResult]) -> dict[str, float]:
    """The last backend's machine steps/s over the first's, when there are several."""
    comparisons: dict[str, float] = {}
    if len(results) > 1:
        base, fast = results[0], results[-1]
        ratio = _ratio(fast.machine_steps_per_second, base.machine_steps_per_second)
        comparisons[f"{fast.backend}_over_{base.backend}"] = ratio
        console.print(
            f"machine steps/s, {fast.backend} / {base.backend} = {ratio:.2f}x "
            "(same seed and size, measured one after the other)"
        )
    return comparisons


def _bench_ceiling(
    console: Console, job: _BenchJob, last: BenchResult
) -> tuple[dict[str, Any], float]:
    """The no-op machine on ``job``, in a fresh process: its figures, and ``last``'s share of it.

    With ``job.repeat`` > 1 the share is the median of that many pairs of
    runs made in turns (:func:`_paired`), listed under ``pairs``.
    """
    summary = run_fresh(_run_noop, job)
    rate = _rate(summary)
    share = _ratio(last.machine_steps_per_second, rate)
    entry: dict[str, Any] = {
        "steps": summary["steps"],
        "seconds": round(summary["seconds"], 3),
        "steps_per_second": round(rate, 2),
    }
    console.print(
        f"no-op machine (same rules and draws, bodies do nothing): {summary['steps']} steps "
        f"in {summary['seconds']:.2f} s = {rate:,.1f} steps/s; the {last.backend} machine "
        f"reaches {share:.1%} of it"
    )
    if job.repeat > 1:
        pairs = _paired(job)
        share = statistics.median(_ratio(m, n) for m, n in pairs)
        entry["pairs"] = [[round(m, 2), round(n, 2)] for m, n in pairs]
        console.print(
            f"in turns, {job.repeat} times (machine, no-op machine steps/s): "
            + ", ".join(f"({m:,.1f}, {n:,.1f})" for m, n in pairs)
            + f"; the median share is {share:.1%}"
        )
    return entry, share


def _bench_workers(
    console: Console, job: _BenchJob, workers: int, last: BenchResult
) -> tuple[dict[str, Any], float]:
    """``job``'s machine in ``workers`` spawned processes at once: their figures, and the speedup.

    Each worker (seeds ``seed``, ``seed + 1``, ...) runs for as long as
    ``last``'s one-worker run lasted (at least ``WORKERS_MIN_SECONDS``), as
    a campaign runs for a time budget, and their steps/s add up, against one
    worker run alone the same way just before. Each worker deploys and
    warms up, then waits for the others: the timed runs start together and
    end together (with a fixed number of examples, the worker whose seed
    drew the longer examples ran on alone at the end, and the figure
    measured that).
    """
    jobs = _together_jobs(job, workers, last)
    one = _one_alone(jobs)
    entry = _together(run_spawned(run_worker, jobs, quiet))
    speedup = _ratio(entry["steps_per_second"], one)
    console.print(
        f"{workers} workers ({last.backend}, spawned processes at once): {entry['steps_total']} "
        f"steps in {entry['span_seconds']:.2f} s from the first start to the last end = "
        f"{entry['steps_per_second']:,.1f} steps/s, {speedup:.2f}x one worker ({one:,.1f} "
        "steps/s alone just before, for as long)"
    )
    return {
        "workers": workers,
        "budget_seconds": round(jobs[0].max_seconds, 3),
        "one_worker_steps_per_second": round(one, 2),
        **entry,
    }, speedup


def _together_jobs(job: _BenchJob, workers: int, last: BenchResult) -> list[_BenchJob]:
    """``workers`` copies of ``job`` (seeds ``seed``...), timed by ``last``, at a start line."""
    # Examples enough to outlast the budget (``job``'s): it ends the run, between examples.
    return per_worker(
        dataclasses.replace(
            job,
            max_seconds=max(WORKERS_MIN_SECONDS, last.machine_seconds),
            keep_steps=False,
            start_together=start_barrier(workers),
        ),
        workers,
    )


def _one_alone(jobs: list[_BenchJob]) -> float:
    """The first job's steps/s, run alone in a spawned process, set up the same way."""
    summary = run_spawned(run_worker, [dataclasses.replace(jobs[0], start_together=None)], quiet)
    return _rate(summary[0])


def _together(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Workers that ran at once: every step over the wall time from the first start to the last end.

    Workers that did not overlap gain nothing. Seconds per example is the
    workers' timed seconds over their examples: what one example cost a
    worker, whatever ran it.
    """
    span = max(s["wall_ended"] for s in summaries) - min(s["wall_started"] for s in summaries)
    steps_total = sum(s["steps"] for s in summaries)
    examples = sum(s["examples"] for s in summaries)
    seconds = sum(s["seconds"] for s in summaries)
    return {
        "steps": [s["steps"] for s in summaries],
        "examples": [s["examples"] for s in summaries],
        "seconds": [round(s["seconds"], 3) for s in summaries],
        "steps_total": steps_total,
        "span_seconds": round(span, 3),
        "steps_per_second": round(steps_total / span if span > 0 else 0.0, 2),
        "seconds_per_example": round(seconds / examples, 5) if examples else 0.0,
    }


def _bench_cluster(
    console: Console,
    job: _BenchJob,
    client: Any,
    address: str,
    n: int,
    last: BenchResult,
    rounds: int = 1,
) -> tuple[dict[str, Any], dict[str, float]]:
    """One worker alone, ``n`` spawned workers and ``n`` cluster tasks: figures and ratios.

    The three are set up alike (:func:`_together_jobs`: the same seeds,
    budget, warm-up and start line), so the cluster's figure differs from
    the spawned workers' only by the cluster path: the task's submission,
    the contracts written and checked on the worker, progress events and
    the stop flag it polls. The tasks are submitted as a campaign's are
    (:func:`harness.run.cluster.submit_jobs`).

    Each of ``rounds`` rounds runs one worker alone, then the spawned
    workers and the cluster tasks, the spawned ones first in the first
    round, the cluster first in the next, and so on: on a shared machine
    the later of two runs a minute apart measured up to 30% faster either
    way, so one order alone favours one side. Each ratio is the median of
    the rounds' (with one round, that round's).
    """
    from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
    from harness.run import cluster

    bundle = cluster.bundle_contracts(job.contracts_dir or DEFAULT_CONTRACTS_DIR)
    load = _load()
    jobs = _together_jobs(job, n, last)

    def on_cluster() -> dict[str, Any]:
        run_id = cluster.new_run_id()
        barrier = cluster.ClusterBarrier(run_id, n)
        tasks = [dataclasses.replace(j, start_together=barrier) for j in jobs]
        futures = cluster.submit_jobs(client, tasks, bundle, run_id)
        summaries = client.gather([futures[j.worker] for j in tasks])
        return {**_together(summaries), "ran_on": [s["address"] for s in summaries]}

    def spawned() -> dict[str, Any]:
        return _together(run_spawned(run_worker, jobs, quiet))

    measured = []
    for i in range(rounds):
        one = _one_alone(jobs)
        if i % 2 == 0:
            local, remote = spawned(), on_cluster()
        else:
            remote, local = on_cluster(), spawned()
        measured.append(_round(n, i, one, local, remote))
    ratios = {
        key: round(statistics.median(r["ratios"][key] for r in measured), 4)
        for key in measured[0]["ratios"]
    }
    entry = {
        "address": address,
        "workers": n,
        "slots": cluster.cluster_slots(client),
        "budget_seconds": round(jobs[0].max_seconds, 3),
        "rounds": measured,
        "load_average_start": round(load, 2),
        "load_average_end": round(_load(), 2),
    }
    _print_cluster(console, entry, ratios, last.backend)
    return entry, ratios


def _round(
    n: int, i: int, one: float, local: dict[str, Any], remote: dict[str, Any]
) -> dict[str, Any]:
    """One round's figures and ratios (see :func:`_bench_cluster`)."""
    overhead = _ratio(remote["seconds_per_example"], local["seconds_per_example"]) - 1
    return {
        "order": "spawned first" if i % 2 == 0 else "cluster first",
        "one_worker_steps_per_second": round(one, 2),
        "local": local,
        "cluster": remote,
        "ratios": {
            f"cluster_{n}_over_1": _ratio(remote["steps_per_second"], one),
            f"workers_{n}_over_1": _ratio(local["steps_per_second"], one),
            f"cluster_over_workers_{n}": _ratio(
                remote["steps_per_second"], local["steps_per_second"]
            ),
            # Above 0: an example costs a cluster worker that much more than a spawned one.
            "cluster_overhead_per_example": round(overhead, 4)
            if local["seconds_per_example"]
            else 0.0,
        },
    }


def _print_cluster(
    console: Console, entry: dict[str, Any], ratios: dict[str, float], backend_name: str
) -> None:
    """Each round's figures, the (median) ratios, and each against its target, as measured."""
    n = entry["workers"]
    table = Table(
        title=f"One worker, {n} spawned processes and {n} tasks on "
        f"{escape(entry['address'])}, {backend_name}, {entry['budget_seconds']:g} s each "
        "(steps/s)",
        title_justify="left",
    )
    for column in ("round", "one", f"{n} spawned", f"{n} cluster", "x one", "s / example"):
        table.add_column(column, justify="left" if column == "round" else "right")
    for i, r in enumerate(entry["rounds"], 1):
        local, remote = r["local"], r["cluster"]
        table.add_row(
            f"{i} ({r['order']})",
            f"{r['one_worker_steps_per_second']:,.1f}",
            f"{local['steps_per_second']:,.1f}",
            f"{remote['steps_per_second']:,.1f}",
            f"{r['ratios'][f'workers_{n}_over_1']:.2f} / {r['ratios'][f'cluster_{n}_over_1']:.2f}",
            f"{local['seconds_per_example']:.4f} / {remote['seconds_per_example']:.4f}",
        )
    console.print(table)
    speedup, overhead = ratios[f"cluster_{n}_over_1"], ratios["cluster_overhead_per_example"]
    target = 0.9 * n  # the 1.8x for two workers: 90% of linear
    median = "median of the rounds: " if len(entry["rounds"]) > 1 else ""
    console.print(
        f"{median}cluster / one worker = {speedup:.2f}x "
        f"({'meets' if speedup >= target else 'is below'} the {target:.1f}x target); "
        f"cluster / {n} spawned processes = {ratios[f'cluster_over_workers_{n}']:.2f}x in "
        f"steps/s; overhead per example of the cluster path {overhead:+.1%} "
        f"({'meets' if overhead < 0.05 else 'is above'} the 5% target); load average "
        f"{entry['load_average_start']:.2f} before, {entry['load_average_end']:.2f} after, "
        f"on {os.cpu_count()} cores",
        soft_wrap=True,
    )


def _run_noop(job: CampaignJob) -> dict[str, Any]:
    return run_worker(job, machine_cls=NoOpMachine)


def _paired(job: _BenchJob) -> list[tuple[float, float]]:
    """The machine's and the no-op machine's steps/s, timed in turns ``job.repeat`` times.

    Each runs in a process of its own, deployed and warmed up once; then
    one timed run of the machine, one of the no-op machine, and again. A
    neighbour that slows the shared machine for a while slows both runs of
    a pair, so the pairs' shares stay steadier than figures taken a minute
    apart (one run's no-op machine measured 8% slower than the next's).
    """
    with fresh_process() as machine, fresh_process() as noop:
        warm = [machine.submit(_one_run, job, False), noop.submit(_one_run, job, True)]
        for future in warm:
            future.result()
        timed = dataclasses.replace(job, warm_up=False)
        return [
            (
                machine.submit(_one_run, timed, False).result(),
                noop.submit(_one_run, timed, True).result(),
            )
            for _ in range(job.repeat)
        ]


def _one_run(job: CampaignJob, noop: bool) -> float:
    """One run of the machine (or the no-op machine) in this process: its steps/s."""
    return _rate(run_worker(job, machine_cls=NoOpMachine if noop else RocketPoolMachine))


def _timed(
    job: CampaignJob, machine_cls: type[RocketPoolMachine] = RocketPoolMachine
) -> dict[str, Any]:
    """``run_worker(job)``, timed ``job.repeat`` times in this process: the median run's summary.

    The first run warms up as the job says; the others find everything
    deployed and warm already. ``runs`` lists every run's steps/s.
    """
    summaries = [run_worker(job, machine_cls=machine_cls)]
    again = dataclasses.replace(job, warm_up=False)
    summaries += [run_worker(again, machine_cls=machine_cls) for _ in range(job.repeat - 1)]
    ranked = sorted(summaries, key=_rate)
    median = dict(ranked[len(ranked) // 2])
    median["deploy_seconds"] = summaries[0]["deploy_seconds"]
    median["runs"] = [round(_rate(s), 2) for s in summaries]
    return median


def _rate(summary: dict[str, Any]) -> float:
    return summary["steps"] / summary["seconds"] if summary["seconds"] else 0.0


def _ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else 0.0


def _bench_job(
    seed: int,
    examples: int,
    steps: int,
    config: Any,
    contracts_dir: Any,
    name: str,
    repeat: int = 1,
) -> _BenchJob:
    return _BenchJob(
        worker=0,
        seed=seed,
        examples=examples,
        steps=steps,
        max_seconds=math.inf,
        profile=Profile("bench", examples, steps, max_seconds=0),
        database=None,  # the same examples every time: no failures replayed from disk
        config=config,
        contracts_dir=str(contracts_dir) if contracts_dir is not None else None,
        keep_steps=True,
        backend=name,
        # The first example in a process pays for the deploy, for loading the
        # minipool's compiled code and for Hypothesis's first-run set-up (a
        # full garbage collection when it registers its random generators):
        # most of a second, half a small run on revm. The next few still fill
        # caches a campaign keeps (reading plans, handles): a first timed run
        # measured 3 to 10% slower than the ones after it. All of that is kept
        # out of the figures (see campaign.WARM_UP_EXAMPLES).
        warm_up=True,
        repeat=repeat,
    )


@dataclass
class _BenchJob(CampaignJob):
    """A worker's job, timed ``repeat`` times (see :func:`_timed`)."""

    repeat: int = 1


def _bench_backend(job: CampaignJob, load: float) -> BenchResult:
    """The machine (the median of ``job.repeat`` runs), then the bare replay of its steps."""
    summary = _timed(job)
    recorded = [list(example) for example in summary["all_steps"]]
    with backend.using(job.backend):
        p = shared_protocol(job.config, job.contracts_dir)
    replay_steps, replay_seconds, errors = replay_bare(p, recorded)

    machine_rate = summary["steps"] / summary["seconds"] if summary["seconds"] else 0.0
    replay_rate = replay_steps / replay_seconds if replay_seconds else 0.0
    machine_examples = summary["examples"] / summary["seconds"] if summary["seconds"] else 0.0
    replay_examples = len(recorded) / replay_seconds if replay_seconds else 0.0
    return BenchResult(
        seed=job.seed,
        examples=job.examples,
        steps_per_example=job.steps,
        machine_examples=summary["examples"],
        machine_steps=summary["steps"],
        machine_seconds=round(summary["seconds"], 3),
        machine_steps_per_second=round(machine_rate, 2),
        machine_examples_per_second=round(machine_examples, 3),
        deploy_seconds=round(summary["deploy_seconds"], 3),
        replay_steps=replay_steps,
        replay_seconds=round(replay_seconds, 3),
        replay_steps_per_second=round(replay_rate, 2),
        replay_examples_per_second=round(replay_examples, 3),
        replay_errors=errors,
        ratio=round(machine_rate / replay_rate, 4) if replay_rate else 0.0,
        peak_memory_mib=round(_peak_memory_mib(), 1),
        machine_failed=bool(summary["failures"]),
        load_average=round(load, 2),
        backend=job.backend,
        machine_runs=summary["runs"],
    )


class NoOpMachine(RocketPoolMachine):
    """The machine's rules, preconditions and draws, with bodies that do nothing.

    Every rule draws what it draws and records its steps, but no step runs
    and no invariant is checked, so the world (and the model the
    preconditions read) stays as deployed. Its steps/s is the ceiling
    Hypothesis itself allows a machine of this shape.
    """

    _context: ClassVar[Any] = None
    _model: ClassVar[Any] = None

    def __init__(self) -> None:
        RuleBasedStateMachine.__init__(self)
        self.p = shared_protocol(self.config, self.contracts_dir)
        if NoOpMachine._context is None or NoOpMachine._context.p is not self.p:
            # Built once, inside an anchor: the stranger it funds leaves no trace.
            state = self.p.python_state()
            with self.p.chain.anchor():
                NoOpMachine._context = StepContext.create(self.p, check=True)
                # Kept here: restoring the facade's state detaches it from the facade.
                NoOpMachine._model = self.p.model
            self.p.restore_python_state(state)
        self.ctx = NoOpMachine._context
        self._begin_example()

    @property
    def model(self) -> Any:
        return NoOpMachine._model

    def teardown(self) -> None:
        """Nothing ran, so nothing to undo."""

    def do(self, rule: str, **args: Any) -> Any:
        """Record the step, as the machine does, and run nothing."""
        self.steps.append({"rule": rule, "args": args})
        type(self).step_count += 1
        type(self).stats[(rule, "calls")] += 1

    @invariant()
    def protocol_agrees_with_the_model(self) -> None:
        """No invariant runs: only the bookkeeping the machine's does."""
        self._rule_open = False


def _print(console: Console, r: BenchResult) -> None:
    table = Table(title=f"Throughput on {r.backend}", title_justify="left")
    table.add_column("run")
    table.add_column("examples", justify="right")
    table.add_column("steps", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("steps/s", justify="right")
    table.add_column("examples/s", justify="right")
    table.add_row(
        "machine (Hypothesis + model + invariants)",
        str(r.machine_examples),
        str(r.machine_steps),
        f"{r.machine_seconds:.2f}",
        f"{r.machine_steps_per_second:,.1f}",
        f"{r.machine_examples_per_second:,.2f}",
    )
    table.add_row(
        f"replay (the same steps, bare {r.backend})",
        str(r.machine_examples),
        str(r.replay_steps),
        f"{r.replay_seconds:.2f}",
        f"{r.replay_steps_per_second:,.1f}",
        f"{r.replay_examples_per_second:,.2f}",
    )
    console.print(table)
    verdict = "meets" if r.ratio >= 0.40 else "is below"
    console.print(
        f"machine / replay = {r.ratio:.1%} ({verdict} the 40% target); "
        f"peak memory {r.peak_memory_mib:,.0f} MiB; deploy {r.deploy_seconds:.1f} s (not timed)"
    )
    if len(r.machine_runs) > 1:
        runs = ", ".join(f"{rate:,.1f}" for rate in r.machine_runs)
        console.print(f"machine runs: {runs} steps/s; the median counts")
    if r.machine_failed:
        console.print(
            "[yellow]the machine found a failure: its figure includes shrinking[/]",
        )
    if r.replay_errors:
        console.print(f"[yellow]{r.replay_errors} replayed steps raised outside the EVM[/]")
