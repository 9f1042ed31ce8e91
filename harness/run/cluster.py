"""Campaigns on a Dask cluster: ``rpfuzz run --cluster ADDRESS``.

The campaign's workers become tasks of a Dask ``distributed`` cluster: a
running ``dask scheduler`` with ``dask worker`` processes on any hosts
(``tcp://HOST:8786``), or a ``LocalCluster`` of N processes on this host
(``local:N``). Each task is one :class:`~harness.run.campaign.CampaignJob`
(its own seed ``SEED + i``, backend and budget) run by the same
:func:`~harness.run.campaign.run_worker` as ``--workers``.

What crosses the wire, and why:

* **the contracts, by content** (:class:`ContractsBundle`: every ``.vy`` and
  ``.vyi`` file, their sha256, the Vyper version and the sha256 of the
  harness's own sources), scattered once; a worker writes them under its
  temporary directory and refuses to start (:class:`ContractsMismatch`, exit 2)
  when what it would compile hashes otherwise, or its Vyper or harness
  differ, so every host fuzzes exactly the sources the user pointed at;
* **progress, as Dask events** (``Worker.log_event`` on a topic of the run,
  ``Client.subscribe_topic`` here): they ride the worker's existing
  connection to the scheduler, need no server of ours and no database
  (the shared example database may be a directory, which another host
  cannot see, and polling a Redis for counts would mix metrics with
  examples); each worker sends at most two a second, plus one per new
  failure, so a hundred workers cost the scheduler a few hundred small
  messages a second. The events also tell a rerun from a first start: a
  second ``start`` of the same worker means its first process was lost;
* **failures, as replay documents** in the task's result: the worker
  writes them in a temporary directory of its own, the client writes each
  under ``failures/`` here (one file per invariant: the shortest any
  worker found; one already there with the same steps is not written
  again). A failure a worker found before it died is in the shared example
  database: Dask reruns the lost task (the scheduler does, on another
  worker), and Hypothesis tries the saved example first;
* **stop**, a Dask ``Event`` of the run, set on Ctrl-C and read by every
  worker between examples (at most once a second): they stop, write what
  they found and return, and the summary is printed as usual.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import signal
import socket
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.config import ConfigError
from harness.replay.file import ReplayFile, contracts_sha256
from harness.run import database as example_db
from harness.run.progress import DatabaseSize, Figures, ProgressView

# Seconds a scheduler has to answer, and then to have at least one worker.
CONNECT_TIMEOUT = 10.0
WORKERS_TIMEOUT = 30.0
# After Ctrl-C: how long workers get to end their example and send their figures.
STOP_TIMEOUT = 30.0
# A worker's progress messages: at most one per this many seconds (and one per failure).
PROGRESS_INTERVAL = 0.5
# How often a worker asks the scheduler whether the run was stopped.
STOP_POLL_INTERVAL = 1.0
# A rerun of a lost worker gets what is left of the budget, but at least this
# (capped at the budget): enough to replay the saved failure and shrink it.
RERUN_FLOOR = 30.0
# Dask settings for the workers of a local cluster. Dask's statistical profiler
# walks every worker thread's stack every 10 ms, and its event-loop watchdog
# wakes every 20 ms, each taking the GIL the campaign thread needs; a campaign
# never reads either. The nanny hands these to the worker processes it starts.
# (Workers on other hosts take the same from environment variables:
# docs/scaling.md.)
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
}
_HARNESS_ROOT = Path(__file__).resolve().parents[2]


class ContractsMismatch(ConfigError):
    """A worker's copy of the contracts, its Vyper or its harness is not the client's."""


@dataclass(frozen=True)
class ContractsBundle:
    """The contracts by content, with what a worker must match to fuzz them."""

    sha256: str
    files: dict[str, bytes]
    vyper: str
    harness_sha256: str


def harness_sha256() -> str:
    """SHA-256 over the harness's and the invariants' Python sources (paths and contents)."""
    digest = hashlib.sha256()
    for package in ("harness", "invariants"):
        for path in sorted((_HARNESS_ROOT / package).rglob("*.py")):
            rel = path.relative_to(_HARNESS_ROOT).as_posix().encode()
            content = path.read_bytes()
            digest.update(len(rel).to_bytes(8, "big") + rel)
            digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def _vyper_version() -> str:
    import vyper

    return vyper.__version__


def bundle_contracts(directory: str | Path) -> ContractsBundle:
    """Every ``.vy`` / ``.vyi`` file of ``directory`` (the ones its hash covers), and the hashes."""
    root = Path(directory)
    files = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".vy", ".vyi")
    }
    return ContractsBundle(
        sha256=contracts_sha256(root),
        files=files,
        vyper=_vyper_version(),
        harness_sha256=harness_sha256(),
    )


def materialize(bundle: ContractsBundle, where: str = "") -> Path:
    """The bundle written under this host's temporary directory (once per hash), checked.

    Raises :class:`ContractsMismatch` when the written sources hash otherwise
    than the client's, or this host's Vyper or harness are not the client's.
    """
    who = where or socket.gethostname()
    if bundle.vyper != _vyper_version():
        raise ContractsMismatch(
            f"worker {who}: Vyper {_vyper_version()}, the client compiles with "
            f"{bundle.vyper}; install vyper=={bundle.vyper} there (pip install -e . of "
            "the same rpfuzz checkout)"
        )
    mine = harness_sha256()
    if bundle.harness_sha256 != mine:
        raise ContractsMismatch(
            f"worker {who}: its harness sources hash {mine[:12]}, the client's "
            f"{bundle.harness_sha256[:12]}; run the same rpfuzz checkout on every host"
        )
    directory = Path(tempfile.gettempdir()) / "rpfuzz-contracts" / bundle.sha256
    if not directory.is_dir():
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{bundle.sha256[:12]}-", dir=directory.parent))
        for rel, content in bundle.files.items():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_bytes(content)
        try:
            staging.rename(directory)
        except OSError:  # another worker on this host wrote it first
            _remove_tree(staging)
    written = contracts_sha256(directory)
    if written != bundle.sha256:
        raise ContractsMismatch(
            f"worker {who}: the contracts it would compile ({directory}) hash "
            f"{written[:12]}, the client sent {bundle.sha256[:12]}; delete that directory "
            "and run again"
        )
    return directory


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- the worker side
def _topic(run_id: str) -> str:
    return f"rpfuzz-{run_id}"


def _stop_name(run_id: str) -> str:
    return f"rpfuzz-{run_id}-stop"


class _StopFlag:
    """Whether the run's stop event is set, asked at most once per ``STOP_POLL_INTERVAL``."""

    def __init__(self, run_id: str) -> None:
        from distributed import Event

        self.event = Event(_stop_name(run_id))
        self.checked = 0.0
        self.stopped = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.stopped and now - self.checked >= STOP_POLL_INTERVAL:
            self.checked = now
            with contextlib.suppress(Exception):  # a scheduler gone: the budget still ends it
                self.stopped = self.event.is_set()
        return self.stopped


def cluster_task(job: Any, bundle: ContractsBundle, run_id: str) -> dict[str, Any]:
    """One campaign worker as a Dask task: its summary, with its replay documents.

    Runs on a Dask worker. Publishes ``start``, ``progress`` and ``done``
    events on the run's topic. A rerun (the first attempt's process was
    lost) gets what is left of the budget, at least :data:`RERUN_FLOOR`.
    """
    from distributed import get_client, get_worker
    from hypothesis.errors import HypothesisDeprecationWarning

    from harness.run.campaign import run_worker

    worker = get_worker()
    topic = _topic(run_id)
    # "job", not "worker": Dask writes the worker's address into an event's "worker".
    base = {"job": job.worker, "seed": job.seed, "address": worker.address}

    def publish(kind: str, **fields: Any) -> None:
        worker.log_event(topic, {**fields, **base, "kind": kind})

    earlier = [
        stamp
        for stamp, msg in get_client().get_events(topic)
        if msg.get("kind") == "start" and msg.get("job") == job.worker
    ]
    if earlier:
        left = job.max_seconds - (time.time() - min(earlier))
        job = dataclasses.replace(job, max_seconds=max(left, min(job.max_seconds, RERUN_FLOOR)))
    publish("start", host=socket.gethostname(), pid=os.getpid(), attempt=len(earlier) + 1)
    contracts = materialize(bundle, where=f"{worker.address} ({socket.gethostname()})")
    example_db.reset_outages()
    # The Dask worker's own threads (heartbeats, comms) draw from the global
    # `random` while this thread is inside a Hypothesis draw, which Hypothesis
    # takes for a strategy using `random` and warns about, once per draw text.
    # Nothing of ours uses it (the spawned workers never warn): silence it here.
    warnings.filterwarnings(
        "ignore", message="Do not use the `random` module", category=HypothesisDeprecationWarning
    )
    last = {"at": 0.0, "failures": 0}

    def progress(item: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - last["at"] >= PROGRESS_INTERVAL or item["failures"] != last["failures"]:
            last.update(at=now, failures=item["failures"])
            publish("progress", **item)

    with tempfile.TemporaryDirectory(prefix="rpfuzz-failures-") as failures:
        job = dataclasses.replace(
            job, contracts_dir=str(contracts), failures_dir=failures, should_stop=_StopFlag(run_id)
        )
        summary = run_worker(job, progress=progress)
        summary["replays"] = {
            f["replay_file"]: json.loads(Path(f["replay_file"]).read_text())
            for f in summary["failures"]
            if f["replay_file"]
        }
    summary.update(
        worker=job.worker,
        address=worker.address,
        host=socket.gethostname(),
        database_outages=example_db.outages(),
    )
    publish("done", examples=summary["examples"], steps=summary["steps"])
    return summary


class ClusterBarrier:
    """A start line for ``parties`` tasks of one run, as ``CampaignJob.start_together``.

    The benchmark's spawned workers wait at a multiprocessing barrier, which
    cannot cross to a Dask worker; this one rides in the job itself. Each
    party logs an event on a topic of the run's own (not the progress
    topic, which the client's tracker reads), then asks the scheduler for
    that topic's events every ``poll`` seconds until all ``parties`` are
    there: the timed runs start within a poll (and a scheduler round trip)
    of each other. A party that is still alone after ``timeout`` seconds
    goes on by itself (a task queued behind a busy worker thread never
    arrives), which the caller's span from first start to last end shows.
    """

    def __init__(self, run_id: str, parties: int, poll: float = 0.01) -> None:
        self.run_id, self.parties, self.poll = run_id, parties, poll

    def wait(self, timeout: float | None = None) -> None:
        """Log this party ready, then wait for the others (at most ``timeout`` seconds)."""
        from distributed import get_client, get_worker

        topic = f"{_topic(self.run_id)}-ready"
        get_worker().log_event(topic, {"pid": os.getpid()})
        client = get_client()
        deadline = time.monotonic() + (timeout if timeout is not None else 600.0)
        while time.monotonic() < deadline:
            if len(client.get_events(topic)) >= self.parties:
                return
            time.sleep(self.poll)


def submit_jobs(client: Any, jobs: list[Any], bundle: ContractsBundle, run_id: str) -> dict:
    """Each job as a :func:`cluster_task` on ``client``'s cluster: job number to its future.

    The bundle (0.2 MB) goes in each task itself: scattered, it was lost
    with the worker holding it, and as the result of a task of its own it
    drew every task to that worker (Dask schedules near the data).
    """
    return {
        job.worker: client.submit(
            cluster_task, job, bundle, run_id, key=f"rpfuzz-{run_id}-w{job.worker}", pure=False
        )
        for job in jobs
    }


def new_run_id() -> str:
    """A run's name on the cluster: its event topic and its stop event derive from it."""
    return uuid.uuid4().hex[:12]


# --------------------------------------------------------------------------- the client side
@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while a local cluster's worker processes start, so they keep ignoring it.

    Ctrl-C in a terminal interrupts the whole process group: the workers of
    ``local:N`` would die with it, mid-example, instead of being stopped by
    the client between examples. (A process started with SIGINT ignored
    keeps it ignored; Python installs its KeyboardInterrupt handler only over
    the default one.) Off the main thread, signals cannot be changed: nothing.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def connect(address: str) -> Iterator[Any]:
    """A Dask client on ``address`` (``tcp://HOST:PORT`` or ``local:N``), closed after.

    An address that cannot be used, a scheduler that does not answer within
    :data:`CONNECT_TIMEOUT` or has no worker within :data:`WORKERS_TIMEOUT`
    is a :class:`ConfigError` naming the address and the fix.
    """
    import dask
    from distributed import Client, LocalCluster

    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            # "ADDRESS:" is not written after it: rich reads "local:two:" as an emoji code.
            raise ConfigError(
                f"--cluster {address} is not local:N; write local:N with N (1 or more) the "
                "number of worker processes"
            )
        with _sigint_ignored(), dask.config.set(LOCAL_WORKER_CONFIG):
            cluster = LocalCluster(
                n_workers=int(count),
                threads_per_worker=1,
                processes=True,
                memory_limit=0,  # a campaign's memory is its own business, not the nanny's
                # No fixed port (8787) to collide with another cluster on this host.
                dashboard_address=":0",
                worker_dashboard_address=":0",
                silence_logs=logging.CRITICAL,  # task errors are reported here, once
            )
        try:
            with Client(cluster, timeout=CONNECT_TIMEOUT) as client:
                yield client
        finally:
            cluster.close()
        return
    if "://" not in address:
        raise ConfigError(
            f"--cluster {address}: write tcp://HOST:PORT (a running `dask scheduler`) or "
            "local:N (N worker processes on this host)"
        )
    from distributed.comm.registry import backends

    scheme = address.split("://", 1)[0]
    if scheme not in backends:
        raise ConfigError(
            f"--cluster {address}: Dask has no transport called {scheme!r} (it has "
            f"{', '.join(sorted(backends))}); write tcp://HOST:PORT, or local:N"
        )
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"--cluster {address}: no Dask scheduler answered within {CONNECT_TIMEOUT:g} s "
            f"({type(exc).__name__}); start one there (`dask scheduler`, then "
            f"`dask worker {address}` on each host), check the address, or use --cluster local:N"
        ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except (TimeoutError, OSError):
            raise ConfigError(
                f"--cluster {address}: the scheduler has no worker after "
                f"{WORKERS_TIMEOUT:g} s; start `dask worker {address}` on each host"
            ) from None
        yield client
    finally:
        client.close()


@dataclass
class ClusterReport:
    """What the cluster did besides fuzzing: where, who was lost, what was rerun or stopped."""

    address: str
    slots: int
    workers: int = 0
    hosts: list[str] = field(default_factory=list)
    # One line per lost worker process (and what became of its seed).
    lost: list[dict[str, Any]] = field(default_factory=list)
    # Where each job's summary came from: job number to worker address.
    ran_on: dict[int, str] = field(default_factory=dict)
    interrupted: bool = False
    # Redis addresses that stopped answering mid-run, per worker.
    database_outages: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``cluster`` part of the ``--json`` document."""
        return dataclasses.asdict(self)


class _Tracker:
    """The client's view of the run, fed by the workers' events (on Dask's event loop)."""

    def __init__(self, jobs: list[Any]) -> None:
        self.lock = threading.Lock()
        self.jobs = {job.worker: job for job in jobs}
        self.latest: dict[int, dict[str, Any]] = {}
        self.attempts: dict[int, list[dict[str, Any]]] = {}
        self.done: set[int] = set()
        self.lost: list[dict[str, Any]] = []
        self.news: list[str] = []

    def on_event(self, event: Any) -> None:
        _, msg = event
        if not isinstance(msg, dict) or "kind" not in msg:
            return
        worker = msg["job"]
        with self.lock:
            if msg["kind"] == "start":
                before = self.attempts.setdefault(worker, [])
                if before and worker not in self.done:
                    lost = {
                        "worker": worker,
                        "seed": msg["seed"],
                        "address": before[-1]["address"],
                        "examples": self.latest.get(worker, {}).get("examples", 0),
                        "steps": self.latest.get(worker, {}).get("steps", 0),
                        "failures": self.latest.get(worker, {}).get("failures", 0),
                        "outcome": f"rerun on {msg['address']}",
                    }
                    self.lost.append(lost)
                    self.news.append(
                        f"worker {worker} (seed {msg['seed']}) lost on {lost['address']} "
                        f"after {lost['examples']} examples; its seed is rerun on "
                        f"{msg['address']}, the shared database's failures first"
                    )
                    self.latest.pop(worker, None)
                before.append(msg)
            elif msg["kind"] == "progress":
                self.latest[worker] = msg
            elif msg["kind"] == "done":
                self.done.add(worker)

    def figures(
        self, profile: str, budget: float, database: int | None = None, finished: bool = False
    ) -> Figures:
        """The live line's figures: workers running, examples of the target, steps/s, failures.

        ``database`` is the example database's entry count as the client
        sees it (:class:`harness.run.progress.DatabaseSize`).
        """
        with self.lock:
            running = len(set(self.attempts) - self.done)
            latest = list(self.latest.values())
            lost = len(self.lost)
        return Figures(
            profile=profile,
            examples=sum(p["examples"] for p in latest),
            target=sum(job.examples for job in self.jobs.values()),
            steps=sum(p["steps"] for p in latest),
            seconds=max((p["seconds"] for p in latest), default=0.0),
            budget=budget,
            failures=sum(p["failures"] for p in latest),
            database=database,
            # Every worker fuzzes at once: the cluster's rate is the sum of theirs.
            rate=sum(p["steps"] / p["seconds"] for p in latest if p["seconds"] > 0),
            workers=(running, len(self.jobs), lost),
            finished=finished,
        )

    def view(
        self, profile: str, budget: float, database: int | None = None, finished: bool = False
    ) -> ProgressView:
        """The one live line (:func:`harness.run.progress.progress_line` of :meth:`figures`)."""
        return ProgressView(self.figures(profile, budget, database, finished))

    def settle(self, finished: list[int], timeout: float = 2.0) -> None:
        """Wait (briefly) for the ``done`` events of tasks whose results are already here.

        Events and results reach the client by different paths; the last
        progress of a worker may trail its result by a few milliseconds.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.done.issuperset(finished):
                    return
            time.sleep(0.02)

    def take_news(self) -> list[str]:
        with self.lock:
            news, self.news = self.news, []
        return news


def cluster_slots(client: Any) -> int:
    """Threads across the cluster's workers: how many campaign workers run at once."""
    return sum(client.nthreads().values())


def run_on_cluster(
    console: Console,
    jobs_from: Any,
    workers: int | None,
    address: str,
    contracts_dir: str | Path | None,
    announce: Any,
) -> tuple[list[dict[str, Any]], ClusterReport, list[dict[str, Any]]]:
    """Run the campaign's workers on the cluster: (summaries, report, merged failures).

    ``jobs_from(n)`` makes the n jobs (seeds ``SEED``..``SEED+n-1``); with
    ``workers`` None, one per thread of the cluster. ``announce(n)`` prints
    the campaign's first line once the cluster is known. Replay files are
    written here, under the jobs' ``failures_dir`` (default ``failures/``),
    and the merged failures point at them.
    """
    from distributed import Event

    bundle = bundle_contracts(contracts_dir or DEFAULT_CONTRACTS_DIR)
    with connect(address) as client:
        slots = cluster_slots(client)
        jobs = jobs_from(workers or slots)
        announce(len(jobs))
        hosts = sorted({_host(a) for a in client.nthreads()})
        console.print(
            f"cluster {escape(address)}: {slots} worker thread{'s' if slots != 1 else ''} on "
            f"{len(hosts)} host{'s' if len(hosts) != 1 else ''}; contracts "
            f"{bundle.sha256[:12]} shipped by content",
            soft_wrap=True,
        )
        report = ClusterReport(address=address, slots=slots, workers=len(jobs), hosts=hosts)
        run_id = new_run_id()
        tracker = _Tracker(jobs)
        client.subscribe_topic(_topic(run_id), tracker.on_event)
        stop = Event(_stop_name(run_id), client=client)
        futures = submit_jobs(client, jobs, bundle, run_id)
        try:
            _watch(console, futures, tracker, jobs[0], stop, report)
            tracker.settle([w for w, f in futures.items() if f.status == "finished"])
            summaries = _gather(futures, tracker, report)
        finally:
            client.cancel(list(futures.values()), force=True)
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(_topic(run_id))
    for line in tracker.take_news():
        console.print(f"[yellow]{escape(line)}[/]", soft_wrap=True)
    report.lost = tracker.lost + report.lost
    report.ran_on = {s["worker"]: s["address"] for s in summaries}
    report.database_outages = sorted(
        {f"{url}: {why}" for s in summaries for url, why in s.get("database_outages", {}).items()}
    )
    failures = _write_replays(summaries, jobs[0], contracts_dir)
    return summaries, report, failures


def _host(address: str) -> str:
    return address.split("://")[-1].rsplit(":", 1)[0]


def _database_size(job: Any, address: str) -> Callable[[], int | None]:
    """The example database's entry count as this client can see it.

    A Redis is asked (now and then); a directory is counted here only for a
    ``local:N`` cluster, whose workers share this working directory; on
    other hosts it is theirs, unseen from here (``-1``: shown as unknown).
    """
    if job.database is None or example_db.is_redis(job.database) or address.startswith("local:"):
        return DatabaseSize(job.database).count
    return lambda: -1


def _watch(
    console: Console, futures: dict[int, Any], tracker: _Tracker, job: Any, stop: Any, report: Any
) -> None:
    """The live line until every task is done; Ctrl-C sets the stop event and waits a while."""
    profile, budget = job.profile.name, job.max_seconds
    database = _database_size(job, report.address)

    def view(finished: bool = False) -> ProgressView:
        return tracker.view(profile, budget, database(), finished)

    with Live(view(), console=console, auto_refresh=False, transient=False) as live:
        try:
            while not all(f.done() for f in futures.values()):
                time.sleep(0.25)
                for line in tracker.take_news():
                    live.console.print(f"[yellow]{escape(line)}[/]", soft_wrap=True)
                live.update(view(), refresh=True)
        except KeyboardInterrupt:
            report.interrupted = True
            with _sigint_ignored():  # a second Ctrl-C must not cut the message short
                stop.set()
            live.console.print(
                f"[yellow]interrupted: stopping the workers (at most {STOP_TIMEOUT:g} s; "
                "Ctrl-C again to stop waiting)[/]"
            )
            deadline = time.monotonic() + STOP_TIMEOUT
            with contextlib.suppress(KeyboardInterrupt):
                while time.monotonic() < deadline and not all(f.done() for f in futures.values()):
                    time.sleep(0.25)
                    live.update(view(), refresh=True)
        live.update(view(finished=True), refresh=True)
    if not console.is_terminal:
        console.line()


def _gather(futures: dict[int, Any], tracker: _Tracker, report: ClusterReport) -> list[dict]:
    """The finished tasks' summaries; a lost or unfinished task accounted for in ``report``."""
    from distributed import KilledWorker

    summaries = []
    for worker, future in sorted(futures.items()):
        if future.status == "finished":
            summaries.append(future.result())
            continue
        exc = future.exception() if future.status == "error" else None
        if isinstance(exc, ConfigError):
            raise exc
        if exc is not None and not isinstance(exc, KilledWorker):
            raise RuntimeError(f"campaign worker {worker} failed on the cluster: {exc!r}")
        with tracker.lock:
            last = tracker.latest.get(worker, {})
        job = tracker.jobs[worker]
        report.lost.append(
            {
                "worker": worker,
                "seed": job.seed,
                "address": last.get("address"),
                "examples": last.get("examples", 0),
                "steps": last.get("steps", 0),
                "failures": last.get("failures", 0),
                "outcome": "killed too often: not rerun (its failures, if any, are in the "
                "shared database; the next run replays them first)"
                if exc is not None
                else "stopped before it reported",
            }
        )
    return summaries


def _write_replays(
    summaries: list[dict], job: Any, contracts_dir: str | Path | None
) -> list[dict[str, Any]]:
    """The campaign's failures, one replay file per invariant written here: the shortest found.

    Two workers that find the same invariant make one file (the shorter
    example); a file with the same invariant, steps and contracts already in
    the failures directory (a failure replayed from the shared database by
    a later run) is not written again: the failure points at it. Failures
    without steps (raised outside any step) are kept as they are.
    """
    from harness.run.campaign import FAILURES_DIR, _replay_path

    directory = Path(job.failures_dir) if job.failures_dir else FAILURES_DIR
    fuzzed = str(Path(contracts_dir).resolve()) if contracts_dir else None
    best: dict[str, tuple[int, dict, dict]] = {}
    bare = []
    for summary in summaries:
        for failure in summary["failures"]:
            document = summary.get("replays", {}).get(failure["replay_file"])
            if document is None:
                bare.append(failure)
                continue
            name = failure["invariant"]
            if name not in best or len(document["steps"]) < len(best[name][1]["steps"]):
                best[name] = (summary["worker"], document, failure)
    failures = []
    for name, (worker, document, failure) in sorted(best.items()):
        document = {**document, "contracts_dir": fuzzed}
        replay = ReplayFile(**{k: document[k] for k in document if k != "format"})
        path = _same_replay(directory, replay)
        path = path or replay.write(_replay_path(name, worker, directory))
        failures.append({**failure, "replay_file": str(path)})
    return failures + bare


def _same_replay(directory: Path, replay: ReplayFile) -> Path | None:
    """A replay file in ``directory`` with the same invariant, steps and contracts, if any."""
    if not directory.is_dir():
        return None
    for path in sorted(directory.glob("*.json")):
        try:
            other = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if (
            isinstance(other, dict)
            and other.get("steps") == replay.steps
            and other.get("contracts_sha256") == replay.contracts_sha256
            and (other.get("failure") or {}).get("invariant") == replay.failure.get("invariant")
        ):
            return path
    return None
