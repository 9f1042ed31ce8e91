"""Worker processes, shared by campaigns and the benchmark.

Everything here is plumbing, with no idea what a worker runs: a job is any
picklable object with a ``worker`` number (a campaign's ``CampaignJob``), and the
function that runs it is a module-level one, so a spawned process can find
it by name.

* :func:`per_worker`: one job per worker, the same but for the worker's
  number and its seed (``seed``, ``seed + 1``, ...), so every worker draws
  other examples and a run with the same seed draws the same ones again;
* :func:`run_spawned`: each job in a spawned process of its own, progress
  relayed as it comes, the summaries gathered in worker order, a worker's
  error raised in the parent (a :class:`ConfigError` as itself);
* :func:`run_fresh` and :func:`fresh_process`: a call in a freshly spawned
  process, so no measurement runs in a heap another one left behind;
* :func:`start_barrier`: a barrier spawned workers wait at, to start together;
* :class:`WarmLane`: a long-lived spawned process that prepares once (imports,
  compiled contracts) and runs each job in a fork of itself, so a job starts
  warm and still keeps nothing of the job before it (mutation testing).

Processes are always spawned, never forked from the caller: a fork would copy
the parent's deployed chain and caches, and the workers' figures with them.
The one fork is :class:`WarmLane`'s, of a spawned process that never runs a
job itself: what a job's fork inherits is only what ``prepare`` made.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import multiprocessing
import os
import queue as queue_module
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from harness.config import ConfigError

# What a worker reports as it goes (its ``worker`` number, examples, steps, ...).
Progress = Callable[[dict[str, Any]], None]
Job = TypeVar("Job")


def spawn_context() -> Any:
    """The multiprocessing context every worker process is started from."""
    return multiprocessing.get_context("spawn")


def per_worker(job: Job, workers: int) -> list[Job]:
    """``workers`` copies of ``job``: worker ``i`` has number ``i``, seed ``seed + i``."""
    return [dataclasses.replace(job, worker=i, seed=job.seed + i) for i in range(workers)]


def start_barrier(parties: int) -> Any:
    """A barrier for ``parties`` spawned workers to wait at, so their timed runs start together."""
    return spawn_context().Barrier(parties)


def quiet(progress: dict[str, Any]) -> None:
    """A progress sink that shows nothing (the benchmark's workers)."""


def run_spawned(target: Callable[..., dict], jobs: list[Any], progress: Progress) -> list[dict]:
    """``target(job, progress=...)`` for each job, each in a spawned process: the summaries.

    ``target`` must be a module-level function (the child finds it by name)
    returning a picklable summary. Progress is relayed to ``progress`` as it
    comes; the summaries come back in worker order. A worker that raised a
    :class:`ConfigError` raises it here; any other error, or a worker that
    died without a word, raises a :class:`RuntimeError` naming the worker.
    """
    ctx = spawn_context()
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_worker_main, args=(target, job, queue), daemon=True) for job in jobs
    ]
    for proc in procs:
        proc.start()
    try:
        summaries, errors = _collect(queue, procs, progress)
    finally:
        for proc in procs:
            proc.join(timeout=10)
    _raise_first(errors)
    return [summaries[i] for i in sorted(summaries)]


def _worker_main(target: Callable[..., dict], job: Any, queue: Any) -> None:
    """Entry point of a spawned worker: progress and the summary go back through ``queue``."""
    try:
        summary = target(job, progress=lambda update: queue.put(("progress", update)))
    except ConfigError as exc:
        queue.put(("config-error", job.worker, str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the parent must hear about it
        queue.put(("error", job.worker, f"{type(exc).__name__}: {exc}"))
    else:
        queue.put(("done", job.worker, summary))


def _collect(
    queue: Any, procs: list[Any], progress: Progress
) -> tuple[dict[int, dict], list[tuple[str, int, str]]]:
    """Relay progress until each worker sent its summary or an error, or died: both, by worker."""
    summaries: dict[int, dict] = {}
    errors: list[tuple[str, int, str]] = []
    while len(summaries) + len(errors) < len(procs):
        try:
            message = queue.get(timeout=1.0)
        except queue_module.Empty:
            errors += _died_silently(queue, procs, summaries, errors)
            continue
        if message[0] == "progress":
            progress(message[1])
        elif message[0] == "done":
            summaries[message[1]] = message[2]
        else:
            errors.append(message)
    return summaries, errors


def _died_silently(
    queue: Any, procs: list[Any], summaries: dict[int, dict], errors: list[tuple[str, int, str]]
) -> list[tuple[str, int, str]]:
    """An error for each worker that died without a word (killed, crashed interpreter)."""
    dead = [
        i
        for i, proc in enumerate(procs)
        if not proc.is_alive() and i not in summaries and all(e[1] != i for e in errors)
    ]
    # Its last words may still be on their way: only an empty queue means none.
    return [("error", i, f"exit code {procs[i].exitcode}") for i in dead if queue.empty()]


def _raise_first(errors: list[tuple[str, int, str]]) -> None:
    """Raise the first worker error: a ConfigError as itself, any other as a RuntimeError."""
    for kind, worker, text in errors:
        if kind == "config-error":
            raise ConfigError(text)
        raise RuntimeError(f"campaign worker {worker} failed: {text}")


def fresh_process() -> concurrent.futures.ProcessPoolExecutor:
    """A pool of one freshly spawned process (use it with ``with``): one core, a clean heap."""
    return concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn_context())


def run_fresh(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a freshly spawned process (one core, like the rest of the run)."""
    with fresh_process() as pool:
        return pool.submit(fn, *args).result()


# --------------------------------------------------------------------------- warm lanes
# How long a lane may take to prepare (imports and loading every contract)
# before it counts as hung.
LANE_START_SECONDS = 600.0


class LaneError(RuntimeError):
    """A warm lane could not start: ``prepare`` raised, or the process died or hung."""


class WarmLane:
    """A spawned process that runs ``prepare(arg)`` once, then each job in a fork of itself.

    ``prepare`` and ``run`` must be module-level functions. ``prepare(arg)``
    returns the lane's state (loaded modules, compiled contracts); each
    :meth:`run` forks the lane, calls ``run(state, job)`` in the fork and
    hands back its picklable result. The lane itself never runs a job, so a
    job's fork starts from ``prepare``'s state and nothing else: no chain,
    no caches and no Hypothesis state of the job before (which a fork of a
    process that had run it would inherit).

    :meth:`run` returns ``("done", result)``, ``("error", text)`` when ``run``
    raised, ``("died", text)`` when the fork died without a result, or
    ``("hung", text)`` when it gave none within the timeout (the fork is
    killed). A lane that itself dies or hangs is started again, and that job
    reported as ``"died"`` or ``"hung"``. Use it in a ``with`` block, or call
    :meth:`close`.
    """

    def __init__(self, prepare: Callable[[Any], Any], arg: Any, run: Callable[[Any, Any], Any]):
        self._prepare, self._arg, self._run = prepare, arg, run
        self._proc: Any = None
        self._conn: Any = None
        self.starts = 0  # how many times the lane process was started

    @property
    def pid(self) -> int | None:
        """The lane process's id, while it runs."""
        return None if self._proc is None else self._proc.pid

    def __enter__(self) -> WarmLane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Spawn the lane and wait until it is prepared (a :class:`LaneError` if it fails).

        A lane already running is left as it is.
        """
        if self._proc is not None and self._proc.is_alive():
            return
        ctx = spawn_context()
        here, there = ctx.Pipe()
        # Not a daemon: a daemonic process may not have children, and the lane forks.
        self._proc = ctx.Process(
            target=_lane_main, args=(self._prepare, self._arg, self._run, there), daemon=False
        )
        self._proc.start()
        there.close()
        self._conn = here
        self.starts += 1
        if not here.poll(LANE_START_SECONDS):
            self.close()
            raise LaneError(f"the warm lane did not start within {LANE_START_SECONDS:g} s")
        try:
            kind, text = here.recv()
        except EOFError:
            code = self._proc.exitcode
            self.close()
            raise LaneError(f"the warm lane died while preparing (exit code {code})") from None
        if kind != "ready":
            self.close()
            raise LaneError(f"the warm lane failed to prepare: {text}")

    def run(self, job: Any, timeout: float) -> tuple[str, Any]:
        """``run(state, job)`` in a fork of the lane: ``(kind, answer)``, as the class says."""
        if self._proc is None or not self._proc.is_alive():
            self.close()  # what is left of a lane that died between jobs
            self.start()
        self._conn.send((job, timeout))
        # The lane answers by itself when the fork hangs; a lane that does not
        # answer a while after that is hung or dead itself.
        if self._conn.poll(timeout + 30.0):
            try:
                return self._conn.recv()
            except EOFError:
                reason = f"the warm lane died (exit code {self._proc.exitcode})"
        else:
            reason = f"the warm lane gave no answer within {timeout + 30.0:g} s"
        self.close()
        return ("died" if "died" in reason else "hung"), reason

    def close(self) -> None:
        """Stop the lane process (it is started again by the next :meth:`run`)."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(timeout=5)
            self._proc = None


def _lane_main(prepare: Callable, arg: Any, run: Callable, conn: Any) -> None:
    """The lane process: prepare, then fork once per job until told to stop (or orphaned)."""
    try:
        state = prepare(arg)
    except BaseException as exc:  # noqa: BLE001 - the parent must hear about it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    fork = multiprocessing.get_context("fork")
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent is gone
            return
        if message is None:
            return
        job, timeout = message
        conn.send(_forked_run(fork, run, state, job, timeout, conn))


def _forked_run(
    fork: Any, run: Callable, state: Any, job: Any, timeout: float, conn: Any
) -> tuple[str, Any]:
    """One job in a fork of this process: its answer, or why there is none."""
    reader, writer = fork.Pipe(duplex=False)
    child = fork.Process(target=_fork_main, args=(run, state, job, writer, conn), daemon=True)
    child.start()
    writer.close()
    try:
        if not reader.poll(timeout):
            return "hung", f"no result within {timeout:g} s: killed"
        try:
            return reader.recv()
        except EOFError:
            child.join(timeout=5)
            return "died", f"the worker process died (exit code {child.exitcode})"
    finally:
        reader.close()
        if child.is_alive():
            child.kill()
        child.join(timeout=5)


def _fork_main(run: Callable, state: Any, job: Any, writer: Any, lane_conn: Any) -> None:
    """The forked job: ``run(state, job)``, its result or error written back.

    The fork lets go of the lane's line to the parent (so the parent sees a
    dead lane at once) and does not outlive the lane.
    """
    lane_conn.close()
    lane = os.getppid()
    threading.Thread(target=_exit_with, args=(lane,), daemon=True).start()
    try:
        answer: tuple[str, Any] = ("done", run(state, job))
    except BaseException as exc:  # noqa: BLE001 - the lane must hear about it
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
        answer = ("error", f"{type(exc).__name__}: {exc}{where}")
    writer.send(answer)
    writer.close()


def _exit_with(lane: int) -> None:
    """End this process once ``lane``, its parent, is gone (the orphan is adopted)."""
    while os.getppid() == lane:
        time.sleep(1.0)
    os._exit(1)
