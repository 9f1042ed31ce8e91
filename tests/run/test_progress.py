"""The campaign's live line (``harness.run.progress``), as a pure function of its figures.

No campaign runs here and nothing is timed: the figures are given, the
database is a directory written in ``tmp_path``, the clock a counter.
"""

from __future__ import annotations

import io

import pytest
from hypothesis.database import DirectoryBasedExampleDatabase
from rich.console import Console

from harness.run.progress import (
    DatabaseSize,
    Figures,
    ProgressView,
    directory_entries,
    duration,
    eta,
    progress_line,
)

QUICK = Figures(
    "quick", examples=12, target=20, steps=1234, seconds=42.0, budget=120.0, database=57
)


def test_the_wide_line_shows_every_figure():
    assert progress_line(QUICK, 200).plain == (
        "[quick] 12/20 examples | failures 0 | 42s, ETA 28s | 29.4 steps/s | 1,234 steps | db 57"
    )


def test_at_80_columns_the_step_count_goes_first():
    assert progress_line(QUICK, 80).plain == (
        "[quick] 12/20 examples | failures 0 | 42s, ETA 28s | 29.4 steps/s | db 57"
    )


def test_examples_past_the_target_say_so_and_only_the_budget_bounds_the_eta():
    past = Figures("quick", 22, 20, 1234, 42.0, 120.0, failures=1, database=57)
    assert progress_line(past, 200).plain == (
        "[quick] 22/20 examples (past target) | failures 1 (shrinking) | "
        "42s, ETA 1m18s (budget) | 29.4 steps/s | 1,234 steps | db 57"
    )
    # Shortened to fit 80 columns, the failure count is still there, in red.
    line = progress_line(past, 80)
    assert line.plain == (
        "[quick] 22/20 ex (past target) | fail 1 | 42s ETA ≤1m18s | 29.4/s | db 57"
    )
    [red] = [span for span in line.spans if span.style == "red"]
    assert line.plain[red.start : red.end] == "fail 1"


@pytest.mark.parametrize(
    ("examples", "seconds", "budget", "expected"),
    [
        (12, 42.0, 120.0, (28.0, "examples")),  # 8 more at 3.5 s each
        (2, 40.0, 120.0, (80.0, "budget")),  # 18 more at 20 s each: the budget ends first
        (0, 5.0, 120.0, (115.0, "budget")),  # no example done yet: no rate to go by
        (20, 50.0, 120.0, (70.0, "budget")),  # target reached: replaying or shrinking
        (25, 130.0, 120.0, (0.0, "budget")),  # past the budget: nothing left
    ],
)
def test_the_eta_is_whichever_of_examples_and_budget_ends_first(
    examples, seconds, budget, expected
):
    figures = Figures("quick", examples, 20, 100, seconds, budget)
    left, until = eta(figures)
    assert (round(left, 6), until) == expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59.4, "59s"), (60, "1m00s"), (3599, "59m59s"), (3725, "1h02m")],
)
def test_durations_are_short(seconds, text):
    assert duration(seconds) == text


def test_the_database_figure_says_none_unknown_or_the_count():
    def db(value):
        return progress_line(Figures("ci", 1, 4, 10, 1.0, 300.0, database=value), 200).plain

    assert db(None).endswith("| no db")
    assert db(-1).endswith("| db ?")
    assert db(12345).endswith("| db 12,345")


def test_the_cluster_line_shows_its_workers_and_their_summed_rate():
    figures = Figures(
        "deep", 1234, 10000, 123456, 724.0, 3600.0, failures=2, database=12345,
        rate=170.5, workers=(3, 4, 1),
    )  # fmt: skip
    assert progress_line(figures, 200).plain == (
        "[deep on cluster] 3/4 workers, 1 lost | 1,234/10,000 examples | "
        "failures 2 (shrinking) | 12m04s, ETA 47m56s (budget) | 170.5 steps/s | "
        "123,456 steps | db 12,345"
    )
    # Too long for 80 columns even shortened: cut at the end, never wrapped.
    line = progress_line(figures, 80)
    assert line.plain.startswith("[deep@cluster] 3/4 w, 1 lost | 1,234/10,000 ex | fail 2 |")
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(ProgressView(figures))
    [printed] = out.getvalue().splitlines()
    assert len(printed) == 80 and printed.endswith("…")


@pytest.mark.parametrize("width", [80, 60])
def test_the_view_fits_the_console_it_is_drawn_on(width):
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(ProgressView(QUICK))
    [printed] = out.getvalue().splitlines()
    assert printed == progress_line(QUICK, width).plain
    assert len(printed) <= width


def test_directory_entries_count_saved_examples_not_the_key_index(tmp_path):
    assert directory_entries(tmp_path / "missing") == 0
    db = DirectoryBasedExampleDatabase(tmp_path / "db")
    db.save(b"test-a", b"one")
    db.save(b"test-a", b"two")
    db.save(b"test-b", b"three")
    db.save(b"test-b", b"three")  # the same example again is one entry
    # Hypothesis also indexes the two keys under a key of its own: not examples.
    assert directory_entries(tmp_path / "db") == 3


def test_the_database_is_counted_at_most_once_per_interval(tmp_path):
    now = [0.0]
    db = DirectoryBasedExampleDatabase(tmp_path / "db")
    size = DatabaseSize(str(tmp_path / "db"), clock=lambda: now[0])
    assert size.count() == 0
    db.save(b"k", b"v")
    now[0] = size.interval - 0.1
    assert size.count() == 0  # the last count, still recent
    now[0] = size.interval
    assert size.count() == 1
    assert DatabaseSize(None).count() is None


def test_a_database_that_cannot_be_counted_shows_unknown_and_is_not_asked_again():
    calls = []

    def broken() -> int:
        calls.append(1)
        raise ConnectionError("gone")

    now = [0.0]
    size = DatabaseSize("redis://localhost:1/0", clock=lambda: now[0])
    size._counter = broken
    assert size.count() == -1
    now[0] = 1000.0
    assert size.count() == -1
    assert len(calls) == 1


# --------------------------------------------------------------------------- the cluster's line
def _tracker():
    from types import SimpleNamespace

    from harness.run.cluster import _Tracker

    jobs = [SimpleNamespace(worker=i, seed=7 + i, examples=20) for i in range(3)]
    tracker = _Tracker(jobs)
    for i in range(3):
        tracker.on_event((0.0, {"kind": "start", "job": i, "seed": 7 + i, "address": f"w{i}"}))
    for i, (examples, steps, seconds, failures) in enumerate(
        [(4, 100, 10.0, 0), (6, 300, 20.0, 1)]
    ):
        tracker.on_event(
            (
                0.0,
                {
                    "kind": "progress", "job": i, "seed": 7 + i, "address": f"w{i}",
                    "worker": i, "examples": examples, "steps": steps, "seconds": seconds,
                    "failures": failures,
                },
            )
        )  # fmt: skip
    tracker.on_event((0.0, {"kind": "done", "job": 0, "seed": 7, "address": "w0"}))
    return tracker


def test_the_cluster_figures_add_up_the_workers_latest_reports():
    figures = _tracker().figures("quick", 120.0, database=5)
    assert figures == Figures(
        "quick", examples=10, target=60, steps=400, seconds=20.0, budget=120.0, failures=1,
        database=5, rate=25.0, workers=(2, 3, 0),
    )  # fmt: skip
    assert progress_line(figures, 200).plain == (
        "[quick on cluster] 2/3 workers | 10/60 examples | failures 1 (shrinking) | "
        "20s, ETA 1m40s (budget) | 25.0 steps/s | 400 steps | db 5"
    )


def test_the_cluster_counts_a_directory_database_only_where_its_workers_are():
    from types import SimpleNamespace

    from harness.run.cluster import _database_size

    def size(database, address):
        return _database_size(SimpleNamespace(database=database), address)()

    assert size(None, "tcp://scheduler:8786") is None
    # On other hosts the directory is theirs: unknown from here.
    assert size(".hypothesis/examples", "tcp://scheduler:8786") == -1
    # A local cluster's workers share this directory.
    assert size("/nonexistent/examples", "local:2") == 0


def test_a_finished_run_says_done_instead_of_an_eta():
    done = Figures("quick", 3, 3, 125, 8.6, 50.0, database=2, finished=True)
    assert progress_line(done, 200).plain == (
        "[quick] 3/3 examples | failures 0 | 9s, done | 14.5 steps/s | 125 steps | db 2"
    )


def test_a_finished_run_with_a_failure_is_no_longer_shrinking():
    # A one-example ci run that failed: the shrinker's examples on top of the target.
    done = Figures("ci", 12, 1, 142, 7.7, 300.0, failures=1, finished=True)
    assert progress_line(done, 80).plain == (
        "[ci] 12/1 examples (past target) | failures 1 | 8s, done | 18.4 steps/s | no db"
    )
