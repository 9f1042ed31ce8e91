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
* :func:`start_barrier`: a barrier spawned workers wait at, to start together.

Processes are always spawned, never forked: a fork would copy the parent's
deployed chain and caches, and the workers' figures with them.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import queue as queue_module
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
