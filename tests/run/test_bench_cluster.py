"""``rpfuzz bench --cluster``: one worker, N spawned workers and N cluster tasks in one run.

Real parts, as in ``test_cluster.py``: one ``LocalCluster`` of two
single-threaded worker processes for the module, addressed as a remote one.
The figures' structure and the ratios' arithmetic are checked; their size
never is (speed is the machine's, not the code's).
"""

from __future__ import annotations

import json
import statistics

import pytest

import harness.run.bench as bench_module
from harness.cli.commands import main

distributed = pytest.importorskip("distributed")

# The smallest bench: two examples of five steps, each timed run one second.
SMALL = ["bench", "--backend", "revm", "--examples", "2", "--steps", "5"]


@pytest.fixture(scope="module")
def dask_cluster():
    """A LocalCluster of two single-threaded worker processes: its scheduler's address."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        memory_limit=0,
        dashboard_address=":0",
        worker_dashboard_address=":0",
    )
    with cluster:
        yield cluster.scheduler_address


def _out(capsys) -> str:
    return " ".join(capsys.readouterr().out.split())


# One round by default; the second round (the order alternated, the medians of
# the rounds) doubles every timed run, so it is marked slow (pytest -m slow).
@pytest.mark.parametrize("repeat", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_bench_cluster_prints_and_writes_the_three_figures_and_their_ratios(
    repeat, dask_cluster, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(bench_module, "WORKERS_MIN_SECONDS", 1.0)
    monkeypatch.setenv("COLUMNS", "200")  # the table's rows on one line each
    report = tmp_path / "bench.json"
    argv = [*SMALL, "--cluster", dask_cluster, "--repeat", str(repeat), "--json", str(report)]
    assert main(argv) == 0
    document = json.loads(report.read_text())
    figures = document["cluster"]
    # Without --workers, one task per worker thread of the cluster.
    assert (figures["address"], figures["workers"], figures["slots"]) == (dask_cluster, 2, 2)
    assert figures["budget_seconds"] == 1.0
    # The rounds in alternating order: neither side always runs later.
    rounds = figures["rounds"]
    assert [r["order"] for r in rounds] == ["spawned first", "cluster first"][:repeat]
    for r in rounds:
        for run in ("local", "cluster"):
            entry = r[run]
            assert len(entry["steps"]) == len(entry["examples"]) == 2
            assert entry["steps_total"] == sum(entry["steps"])
            # Each ran for the budget, checked between examples.
            assert min(entry["seconds"]) >= 1.0
            # Every example has its nine set-up steps.
            pairs = zip(entry["steps"], entry["examples"], strict=True)
            assert all(s >= 9 * e > 0 for s, e in pairs)
            rate = entry["steps_total"] / entry["span_seconds"]
            assert entry["steps_per_second"] == pytest.approx(rate, rel=1e-3)
            spe = sum(entry["seconds"]) / sum(entry["examples"])
            assert entry["seconds_per_example"] == pytest.approx(spe, rel=1e-2)
        # The two tasks ran at once, each in a worker process of its own.
        assert len(set(r["cluster"]["ran_on"])) == 2
        assert all(a.startswith("tcp://") for a in r["cluster"]["ran_on"])
        one, local, remote = r["one_worker_steps_per_second"], r["local"], r["cluster"]
        assert one > 0
        ratios = r["ratios"]
        assert ratios["cluster_2_over_1"] == pytest.approx(
            remote["steps_per_second"] / one, abs=1e-3
        )
        assert ratios["workers_2_over_1"] == pytest.approx(
            local["steps_per_second"] / one, abs=1e-3
        )
        over = remote["steps_per_second"] / local["steps_per_second"]
        assert ratios["cluster_over_workers_2"] == pytest.approx(over, abs=1e-3)
        overhead = remote["seconds_per_example"] / local["seconds_per_example"] - 1
        assert ratios["cluster_overhead_per_example"] == pytest.approx(overhead, abs=1e-3)
    # The comparisons are the rounds' medians (of two: their mean; of one: its figures).
    for key in rounds[0]["ratios"]:
        median = statistics.median(r["ratios"][key] for r in rounds)
        assert document["comparisons"][key] == pytest.approx(median, abs=1e-3)
    # The cluster run includes the spawned workers: no separate --workers run.
    assert "workers" not in document
    assert figures["load_average_start"] >= 0 and figures["load_average_end"] >= 0
    out = _out(capsys)
    assert f"One worker, 2 spawned processes and 2 tasks on {dask_cluster}, revm, 1 s each" in out
    assert "│ 1 (spawned first) │" in out
    assert ("│ 2 (cluster first) │" in out) == (repeat == 2)
    # Each target named, with the verdict as measured.
    median = "median of the rounds: " if repeat > 1 else ""
    assert f"{median}cluster / one worker = " in out
    assert "the 1.8x target" in out and "the 5% target" in out


def test_bench_cluster_refuses_more_workers_than_the_cluster_runs_at_once(dask_cluster, capsys):
    code = main([*SMALL, "--cluster", dask_cluster, "--workers", "3"])
    assert code == 2
    out = _out(capsys)
    assert f"--workers 3 with --cluster {dask_cluster}: the cluster has 2 worker threads" in out
    assert "pass --workers 2 or fewer" in out
    # Refused before anything was measured.
    assert "Throughput on revm" not in out


def test_bench_cluster_refuses_a_malformed_address(capsys):
    assert main([*SMALL, "--cluster", "local:0"]) == 2
    out = _out(capsys)
    assert "--cluster local:0 is not local:N" in out
    assert "Throughput on revm" not in out
