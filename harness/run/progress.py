"""The live progress line of a campaign, and the example database's size it shows.

:func:`progress_line` is a pure function of the figures (:class:`Figures`)
and a width: the examples done of the target, the steps run, steps/s, the
time spent and the ETA against the budget (whichever of the examples and
the seconds runs out first), the example database's size and the failures.
It fits the width it is given: at 80 columns it first drops the step
count, then shortens its words, and only then is cut with an ellipsis; it
never wraps. :class:`ProgressView` renders it at the console's width, so one
worker, ``--workers N`` and ``--cluster`` show the same line.

:class:`DatabaseSize` counts the entries of an example database (a
directory, or a Redis) at most once per interval, as the live line is
redrawn far more often than the count changes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from harness.run import database as example_db

# What the live line is fitted to when the console does not say (a pipe, a log).
DEFAULT_WIDTH = 80
# Seconds between two counts of the example database: a directory is listed,
# a Redis asked once per key (SCARD), so neither is done on every redraw.
DIRECTORY_COUNT_INTERVAL = 2.0
REDIS_COUNT_INTERVAL = 10.0


@dataclass(frozen=True)
class Figures:
    """What the live line shows; every field is a number the caller already has.

    ``examples`` and ``target`` are summed over the workers (each worker
    runs the profile's examples). ``database`` is the example database's
    entry count: ``None`` when the run keeps no database, ``-1`` when it
    could not be counted. ``workers`` (running, of, lost) is the cluster's.
    """

    profile: str
    examples: int
    target: int
    steps: int
    seconds: float
    budget: float
    failures: int = 0
    database: int | None = None
    # The cluster's steps/s is the sum of its workers' rates, not steps over seconds.
    rate: float | None = None
    workers: tuple[int, int, int] | None = None
    # The run is over: the line says so instead of an ETA.
    finished: bool = False

    @property
    def steps_per_second(self) -> float:
        """Steps/s: the given rate, else steps over the seconds spent."""
        if self.rate is not None:
            return self.rate
        return self.steps / self.seconds if self.seconds > 0 else 0.0


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``: a duration in at most six characters."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def eta(figures: Figures) -> tuple[float, str]:
    """Seconds left and what ends the run first: ``"examples"`` or ``"budget"``.

    The examples' end is estimated from the rate of examples so far; with
    none done yet, or the target passed (Hypothesis is replaying or
    shrinking), only the budget is known.
    """
    left = max(0.0, figures.budget - figures.seconds)
    done, target = figures.examples, figures.target
    if done <= 0 or done >= target or figures.seconds <= 0:
        return left, "budget"
    by_examples = (target - done) * figures.seconds / done
    return (by_examples, "examples") if by_examples < left else (left, "budget")


def _examples(figures: Figures, short: bool) -> str:
    word = "ex" if short else "examples"
    text = f"{figures.examples:,}/{figures.target:,} {word}"
    if figures.examples > figures.target:
        # Hypothesis counts only valid examples to its target; replays of saved
        # failures and the shrinker's attempts come on top.
        text += " (past target)"
    return text


def _time(figures: Figures, short: bool) -> str:
    if figures.finished:
        return f"{duration(figures.seconds)}{' ' if short else ', '}done"
    left, until = eta(figures)
    mark = "" if until == "examples" else ("≤" if short else " (budget)")
    if short:
        return f"{duration(figures.seconds)} ETA {mark}{duration(left)}"
    return f"{duration(figures.seconds)}, ETA {duration(left)}{mark}"


def _database(figures: Figures, short: bool) -> str:
    if figures.database is None:
        return "no db"
    if figures.database < 0:
        return "db ?"
    return f"db {figures.database:,}"


def _segments(figures: Figures, level: int) -> list[tuple[str, str]]:
    """The line's parts as ``(text, style)``, shorter as ``level`` rises (0 to 2).

    Most telling first (examples, failures, time), so that a line cut short
    at the end loses the least.
    """
    short = level >= 2
    where = ("@cluster" if short else " on cluster") if figures.workers else ""
    parts: list[tuple[str, str]] = [(f"[{figures.profile}{where}]", "bold")]
    if figures.workers is not None:
        running, total, lost = figures.workers
        text = f"{running}/{total} {'w' if short else 'workers'}"
        parts.append((text + (f", {lost} lost" if lost else ""), "yellow" if lost else ""))
    parts.append((_examples(figures, short), ""))
    fail = "fail" if short else "failures"
    if figures.failures:
        shrinking = "" if short or figures.finished else " (shrinking)"
        parts.append((f"{fail} {figures.failures}{shrinking}", "red"))
    else:
        parts.append((f"{fail} 0", ""))
    parts.append((_time(figures, short), ""))
    rate = f"{figures.steps_per_second:,.1f}"
    parts.append((f"{rate}/s" if short else f"{rate} steps/s", ""))
    if level == 0:
        parts.append((f"{figures.steps:,} steps", ""))
    parts.append((_database(figures, short), ""))
    return parts


LEVELS = 3


def progress_line(figures: Figures, width: int = DEFAULT_WIDTH) -> Text:
    """The live line for ``figures``, fitted to ``width`` columns (see the module docstring)."""
    for level in range(LEVELS):
        parts = _segments(figures, level)
        line = Text()
        for i, (text, style) in enumerate(parts):
            # The head is followed by a space, the rest separated by bars.
            if i:
                line.append(" " if i == 1 else " | ")
            line.append(text, style=style)
        if line.cell_len <= width:
            break
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


class ProgressView:
    """:func:`progress_line` at the width of the console it is drawn on."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield progress_line(self.figures, options.max_width)


# --------------------------------------------------------------------------- database size
def directory_entries(path: str | Path) -> int:
    """Examples saved in a Hypothesis directory database: its value files, the key index aside.

    A directory that does not exist (yet) holds none.
    """
    from hypothesis.database import DirectoryBasedExampleDatabase

    index = DirectoryBasedExampleDatabase._metakeys_hash
    count = 0
    try:
        keys = list(os.scandir(path))
    except FileNotFoundError:
        return 0
    for key in keys:
        if key.name == index or not key.is_dir():
            continue
        try:
            count += sum(1 for entry in os.scandir(key.path) if entry.is_file())
        except FileNotFoundError:  # deleted while we looked (Hypothesis moves examples)
            continue
    return count


def redis_entries(url: str, prefix: bytes = b"hypothesis-example:") -> int:
    """Examples saved in a Redis example database: the members of every Hypothesis set."""
    client = example_db._redis_client(url)
    try:
        keys = list(client.scan_iter(match=prefix + b"*", count=1000))
        pipe = client.pipeline()
        for key in keys:
            pipe.scard(key)
        return sum(pipe.execute()) if keys else 0
    finally:
        client.close()


class DatabaseSize:
    """The entry count of the example database ``spec`` names, counted at most once per interval.

    ``spec`` is a campaign's ``database``: ``None`` (none kept), a directory
    or a ``redis://`` address. :meth:`count` returns ``None`` without a
    database and ``-1`` when counting failed (a Redis gone away: the
    campaign carries on, and so does the line).
    """

    def __init__(self, spec: str | None, clock: Any = time.monotonic) -> None:
        self.spec = spec
        self.clock = clock
        redis = example_db.is_redis(spec)
        self.interval = REDIS_COUNT_INTERVAL if redis else DIRECTORY_COUNT_INTERVAL
        self._counter = (
            (lambda: redis_entries(spec)) if redis else (lambda: directory_entries(spec))
        )
        self._last: int | None = None
        self._at: float | None = None

    def count(self) -> int | None:
        """The entry count, from the last count if it is recent enough."""
        if self.spec is None:
            return None
        now = self.clock()
        if self._last == -1:
            return -1  # a Redis that failed once is not asked again (each try costs a timeout)
        if self._at is None or now - self._at >= self.interval:
            self._at = now
            try:
                self._last = self._counter()
            except Exception:  # noqa: BLE001 - a count is not worth stopping a campaign for
                self._last = -1
        return self._last
