"""Campaigns on a Dask cluster and a shared Redis example database (``harness.run.cluster``).

Real parts: one ``LocalCluster`` of two worker processes for the module
(started in a temporary working directory, where the workers keep the local
copy of a Redis database), a planted bug of the zoo in a copy of the
contracts, and a real ``redis-server``: the one ``.ci/run`` starts and
names in ``RPFUZZ_TEST_REDIS``, and for the outage test one of our own.
Without a Redis the tests that need one are skipped, saying so; under
``CI=true`` they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

import harness.run.cluster as cluster_module
from harness.bugzoo import BY_NAME
from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.cli.commands import main
from harness.config import ConfigError
from harness.replay.file import ReplayFile, contracts_sha256
from harness.run.campaign import run_campaign
from harness.run.cluster import ContractsBundle, ContractsMismatch, bundle_contracts, materialize
from harness.run.database import check_database, example_database, outages, reset_outages
from tests.helpers import bug_copy

distributed = pytest.importorskip("distributed")
redis = pytest.importorskip("redis")

# The campaigns isolate their examples themselves (see test_campaign.py).
campaign_test = pytest.mark.ignore_isolation
# Small campaigns on revm.
SMALL = ["--profile", "quick", "--steps", "20", "--backend", "revm"]


def _no_redis(why: str) -> None:
    """Skip outside CI, saying why; fail under CI, where .ci/run must have started one."""
    if os.environ.get("CI"):
        pytest.fail(f"{why}; under CI .ci/run starts redis-server and exports RPFUZZ_TEST_REDIS")
    pytest.skip(f"{why}: install redis-server and set RPFUZZ_TEST_REDIS=redis://127.0.0.1:PORT/0")


@pytest.fixture
def redis_url() -> str:
    """The test Redis, emptied: its database 0 holds only what this test saves."""
    url = os.environ.get("RPFUZZ_TEST_REDIS")
    if not url:
        _no_redis("no Redis for the tests (RPFUZZ_TEST_REDIS is not set)")
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.flushdb()
    except redis.exceptions.RedisError as exc:
        _no_redis(f"RPFUZZ_TEST_REDIS={url} does not answer ({exc})")
    finally:
        client.close()
    return url


# The planted bug every cluster test fuzzes (one deploy per worker process for
# them all): with 20 steps an example, a seed finds it several examples in, a
# second or so on revm; a run that fails on its first example is replaying a
# saved one.
BUG = "rpl-withdraw-skips-cooldown"
INVARIANT = "outcome"


@pytest.fixture
def redis_server_binary() -> str:
    """``redis-server``, to start one of our own (one the test can stop)."""
    binary = shutil.which("redis-server")
    if binary is None:
        _no_redis("no redis-server binary on PATH")
    return binary


@pytest.fixture(scope="module")
def planted() -> Path:
    """A copy of the contracts with :data:`BUG` planted."""
    return bug_copy(BY_NAME[BUG])  # at a fixed path: compiled once, not on every run


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A LocalCluster of two worker processes, addressed as any remote one: (address, cwd)."""
    cwd = tmp_path_factory.mktemp("cluster-cwd")
    here = os.getcwd()
    os.chdir(cwd)  # the workers inherit it: their local database copies go there
    try:
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            memory_limit=0,
            dashboard_address=":0",
            worker_dashboard_address=":0",
        )
    finally:
        os.chdir(here)
    with cluster:
        yield cluster.scheduler_address, cwd


def _run(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    return code, " ".join(capsys.readouterr().out.split())


# --------------------------------------------------------------------------- without a cluster
def test_a_bundle_is_the_sources_by_content_and_materializes_to_the_same_hash(tmp_path):
    bundle = bundle_contracts(DEFAULT_CONTRACTS_DIR)
    assert bundle.sha256 == contracts_sha256(DEFAULT_CONTRACTS_DIR)
    assert "RocketDepositPool.vy" in bundle.files
    assert all(name.endswith((".vy", ".vyi")) for name in bundle.files)
    directory = materialize(bundle)
    assert directory.name == bundle.sha256
    assert contracts_sha256(directory) == bundle.sha256


def test_a_worker_refuses_other_sources_another_vyper_or_another_harness(tmp_path):
    bundle = bundle_contracts(DEFAULT_CONTRACTS_DIR)
    directory = materialize(bundle)
    # Someone edited the worker's copy: what it would compile is not what was sent.
    tampered = ContractsBundle("00" * 32, bundle.files, bundle.vyper, bundle.harness_sha256)
    shutil.copytree(directory, directory.parent / tampered.sha256, dirs_exist_ok=True)
    with pytest.raises(ContractsMismatch, match="the client sent 000000000000; delete"):
        materialize(tampered, where="tcp://10.0.0.7:40000")
    old = ContractsBundle(bundle.sha256, bundle.files, "0.3.10", bundle.harness_sha256)
    with pytest.raises(ContractsMismatch, match=r"w:1: Vyper 0\.4\.3, the client .* 0\.3\.10"):
        materialize(old, where="tcp://w:1")
    other = ContractsBundle(bundle.sha256, bundle.files, bundle.vyper, "ab" * 32)
    with pytest.raises(ContractsMismatch, match="run the same rpfuzz checkout on every host"):
        materialize(other, where="tcp://w:1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_exit_2_naming_the_address_and_the_fix(capsys, monkeypatch):
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 2.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    code, out = _run(["run", "--cluster", address, *SMALL], capsys)
    assert code == 2
    assert time.monotonic() - started < 15  # bounded, never a hang
    assert f"--cluster {address}: no Dask scheduler answered within 2 s" in out
    assert f"dask worker {address}" in out and "--cluster local:N" in out


def _profiling(dask_worker):
    import dask

    return (
        dask.config.get("distributed.worker.profile.enabled"),
        "profile" in dask_worker.periodic_callbacks,
        dask.config.get("distributed.admin.tick.interval"),
    )


def test_local_n_starts_n_single_threaded_worker_processes_and_stops_them():
    with cluster_module.connect("local:1") as client:
        assert cluster_module.cluster_slots(client) == 1
        [pid] = client.run(os.getpid).values()
        assert pid != os.getpid()
        # Dask's sampling profiler, which takes the GIL from the campaign every
        # 10 ms, is off in the worker processes (docs/scaling.md)
        assert list(client.run(_profiling).values()) == [(False, False, "1s")]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone with the cluster


@pytest.mark.parametrize("address", ["local:0", "local:two", "10.0.0.7:8786"])
def test_a_malformed_cluster_address_is_exit_2(capsys, address):
    code, out = _run(["run", "--cluster", address, *SMALL], capsys)
    assert code == 2
    assert f"--cluster {address}" in out and "write" in out


def test_a_refusing_redis_is_exit_2_naming_the_address_and_the_fix(capsys):
    url = f"redis://127.0.0.1:{_free_port()}/0"
    code, out = _run(["run", "--database", url, *SMALL], capsys)
    assert code == 2
    assert f"--database {url}: the Redis refused" in out
    assert "start redis-server there" in out


def test_database_with_a_derandomised_profile_is_refused(capsys, tmp_path):
    code, out = _run(["run", "--profile", "ci", "--database", str(tmp_path)], capsys)
    assert code == 2
    assert "--database with --profile ci: that profile is derandomised" in out


def test_a_directory_database_is_the_same_as_before(tmp_path):
    db = example_database(str(tmp_path / "db"))
    assert type(db).__name__ == "DirectoryBasedExampleDatabase"
    check_database(str(tmp_path / "db"))  # a directory that does not exist yet is fine
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="exists and is not a directory"):
        check_database(str(tmp_path / "file"))


def test_the_live_line_counts_the_examples_in_a_redis(redis_url, tmp_path, monkeypatch):
    from harness.run.progress import DatabaseSize, redis_entries

    monkeypatch.chdir(tmp_path)
    db = example_database(redis_url)
    db.save(b"test-a", b"one")
    db.save(b"test-a", b"two")
    db.save(b"test-b", b"one")
    # Not Hypothesis's: not counted.
    client = redis.Redis.from_url(redis_url)
    client.set(b"someone-else", b"x")
    client.close()
    assert redis_entries(redis_url) == 3
    assert DatabaseSize(redis_url).count() == 3
    # A Redis that is gone shows as unknown.
    assert DatabaseSize(f"redis://127.0.0.1:{_free_port()}/0").count() == -1


def test_a_redis_database_keeps_a_local_copy_and_survives_the_redis(
    redis_url, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    example_database(redis_url).save(b"key", b"failure")
    assert [p.parent.parent.name for p in (tmp_path / ".hypothesis").rglob("*") if p.is_file()]
    # Another host (an empty local copy) finds it through the Redis.
    (tmp_path / "other-host").mkdir()
    monkeypatch.chdir(tmp_path / "other-host")
    assert list(example_database(redis_url).fetch(b"key")) == [b"failure"]
    # A Redis that is gone: noted once, then nothing is asked of it; the copy answers.
    gone = f"redis://127.0.0.1:{_free_port()}/0"
    reset_outages()
    db = example_database(gone)
    db.save(b"key", b"local")
    assert list(db.fetch(b"key")) == [b"local"]
    assert list(outages()) == [gone]
    assert outages()[gone].startswith("ConnectionError")


# --------------------------------------------------------------------------- on the cluster
@campaign_test
def test_a_two_worker_cluster_finds_a_planted_bug_and_writes_its_replay_file_once(
    dask_cluster, planted, tmp_path, capsys
):
    address, _ = dask_cluster
    contracts = planted
    failures, report = tmp_path / "failures", tmp_path / "run.json"
    argv = ["run", "--cluster", address, *SMALL, "--seed", "1", "--examples", "30"]
    argv += ["--max-seconds", "15", "--contracts", str(contracts)]
    argv += ["--database", str(tmp_path / "db")]
    code, out = _run([*argv, "--failures-dir", str(failures), "--json", str(report)], capsys)
    assert code == 1, out
    document = json.loads(report.read_text())
    assert document["workers"] == 2
    assert document["cluster"]["workers"] == 2 and document["cluster"]["lost"] == []
    # Each job on a worker process of its own, at once.
    assert len(set(document["cluster"]["ran_on"].values())) == 2
    # Both workers fuzzed (each has its seed) and both found the bug: one file.
    assert document["examples"] >= 2
    [failure] = document["failures"]
    assert failure["invariant"] == INVARIANT
    [written] = sorted(failures.iterdir())
    assert failure["replay_file"] == str(written)
    replay = ReplayFile.load(written)
    assert replay.failure["invariant"] == INVARIANT
    assert replay.contracts_sha256 == contracts_sha256(contracts)
    # The client's path, not the worker's temporary copy: rpfuzz replay finds it here.
    assert replay.contracts_dir == str(contracts.resolve())
    # The live line's last state: both workers done, 30 examples each the target,
    # the failures each worker found (the same invariant: one file).
    line = r"\[quick(?: on |@)cluster\] 0/2 w(?:orkers)? \| [\d,]+/60 ex(?:amples)?"
    assert re.search(line + r".*\| fail(?:ures)? [12] \| \d+s,? done \|", out), out
    assert f"FAILED {INVARIANT}" in out


@campaign_test
def test_a_second_run_on_the_same_redis_fails_on_its_first_example(
    redis_url, dask_cluster, planted, tmp_path
):
    address, cwd = dask_cluster
    contracts = planted
    options = dict(
        profile="quick",
        seed=4,
        # The size decides the draws: with 40 examples of 20 steps, seed 4 finds
        # the bug several examples in (the 6th with today's machine; seed 1, which
        # found it in the 12th, no longer did once the machine had more rules).
        examples=40,
        steps=20,
        max_seconds=10,
        contracts_dir=contracts,
        backend_name="revm",
        database=redis_url,
        cluster=address,
    )
    shutil.rmtree(cwd / ".hypothesis", ignore_errors=True)  # what earlier tests saved there
    # One worker: with two, the second would also find the first's failure
    # (live, through the same database) and which came first is a matter of time.
    first = run_campaign(failures_dir=tmp_path / "first", workers=1, **options)
    assert [f.invariant for f in first.failures] == [INVARIANT]
    # Found by generating, several examples in (if a change to the machine makes
    # seed 4 find it at once, pick a seed that does not: the test needs one).
    assert first.first_failure_examples > 1, "seed 4 finds the bug in its first example"
    # The workers' local copies are gone: only the Redis remembers.
    shutil.rmtree(cwd / ".hypothesis", ignore_errors=True)
    second = run_campaign(failures_dir=tmp_path / "second", workers=2, **options)
    assert [f.invariant for f in second.failures] == [INVARIANT]
    assert second.first_failure_examples == 1
    assert second.database_outages == []


@campaign_test
def test_a_worker_killed_after_finding_a_failure_still_has_it_reported(
    dask_cluster, planted, tmp_path, monkeypatch, capsys
):
    address, cwd = dask_cluster
    # The nanny starts the killed worker's successor in our working directory:
    # the cluster's, so its local database copy goes there too.
    monkeypatch.chdir(cwd)
    pids: dict[int, int] = {}
    killed: list[int] = []  # the job whose process was killed
    original = cluster_module._Tracker.on_event

    def kill_the_first_worker_to_find_a_failure(self, event):
        original(self, event)
        msg = event[1]
        if msg["kind"] == "start":
            pids[msg["job"]] = msg["pid"]
        elif msg["kind"] == "progress" and msg["failures"] and not killed:
            killed.append(msg["job"])
            os.kill(pids[msg["job"]], signal.SIGKILL)

    monkeypatch.setattr(
        cluster_module._Tracker, "on_event", kill_the_first_worker_to_find_a_failure
    )
    result = run_campaign(
        profile="quick",
        seed=1,
        # Examples enough to outlast the kill: the budget ends the run.
        examples=100_000,
        steps=20,
        max_seconds=6,
        contracts_dir=planted,
        backend_name="revm",
        database=tmp_path / "db",
        cluster=address,
        failures_dir=tmp_path / "failures",
        workers=2,
    )
    [job] = killed
    [lost] = result.cluster["lost"]
    assert (lost["worker"], lost["seed"], lost["failures"]) == (job, 1 + job, 1)
    # Its seed ran again elsewhere, replaying the failure from the database first.
    assert lost["outcome"].startswith("rerun on tcp://")
    assert [f.invariant for f in result.failures] == [INVARIANT]
    assert len(list((tmp_path / "failures").iterdir())) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert f"worker {job} (seed {1 + job}) lost on" in out


@campaign_test
def test_a_redis_stopped_mid_run_leaves_the_campaign_on_its_local_copy(
    redis_server_binary, dask_cluster, planted, tmp_path, monkeypatch
):
    port = _free_port()
    server = subprocess.Popen(
        [redis_server_binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(50):
            try:
                check_database(url)
                break
            except ConfigError:
                time.sleep(0.1)
        address, cwd = dask_cluster
        # No failure saved by earlier tests in the workers' local copy: this run
        # has to find it, after the Redis is gone.
        shutil.rmtree(cwd / ".hypothesis", ignore_errors=True)
        original = cluster_module._Tracker.on_event

        def stop_redis_at_the_first_progress(self, event):
            original(self, event)
            if event[1]["kind"] == "progress" and server.poll() is None:
                server.terminate()
                server.wait(timeout=10)

        monkeypatch.setattr(cluster_module._Tracker, "on_event", stop_redis_at_the_first_progress)
        result = run_campaign(
            profile="quick",
            seed=5,
            examples=60,
            steps=20,
            max_seconds=5,
            contracts_dir=planted,
            backend_name="revm",
            database=url,
            cluster=address,
            failures_dir=tmp_path / "failures",
            workers=2,
        )
    finally:
        server.kill()
        server.wait()
    assert [f.invariant for f in result.failures] == [INVARIANT], result
    assert len(list((tmp_path / "failures").iterdir())) == 1
    # Each of the two workers notes the outage at most once (one may finish before it).
    outages = result.database_outages
    assert 1 <= len(outages) <= 2, outages
    assert all(o.startswith(f"{url}: ConnectionError") for o in outages), outages
    # The failure is in the workers' local copy, for the next run on this host.
    assert any((cwd / ".hypothesis" / "examples").rglob("*"))


# Opt-in (-m slow) for now: in one CI run of three the interrupt, sent from the
# client's event thread at the first progress, did not stop the workers and the
# run went to its 120 s budget (and with a planted bug, once both workers ended
# at their failure before it landed). To be settled: where the client loses it.
@pytest.mark.slow
@campaign_test
def test_ctrl_c_stops_the_workers_and_still_writes_the_summary(
    dask_cluster, tmp_path, monkeypatch, capsys
):
    address, _ = dask_cluster
    original = cluster_module._Tracker.on_event
    interrupted_at: list[float] = []

    def ctrl_c_after_the_first_example(self, event):
        original(self, event)
        if event[1]["kind"] == "progress" and event[1]["examples"] and not interrupted_at:
            interrupted_at.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)  # the client's main thread gets it

    monkeypatch.setattr(cluster_module._Tracker, "on_event", ctrl_c_after_the_first_example)
    report = tmp_path / "run.json"
    argv = ["run", "--cluster", address, *SMALL, "--seed", "5", "--examples", "100000"]
    # The shipped contracts: a planted bug could end the run before the Ctrl-C lands.
    argv += ["--max-seconds", "120", "--json", str(report)]
    argv += ["--workers", "2", "--database", str(tmp_path / "db")]
    code, out = _run([*argv, "--failures-dir", str(tmp_path / "failures")], capsys)
    assert interrupted_at
    document = json.loads(report.read_text())
    # Each worker stopped within a poll of the stop event (a second) and the end
    # of an example after it fuzzed its first, not at the 120 s budget. (A
    # worker still deploying, a fresh process, stops as soon as it is done; an
    # example reads every view once, so ending one can take a few seconds.)
    assert document["seconds"] < 20
    assert code == 0 and document["failures"] == []
    assert document["cluster"]["interrupted"] is True
    assert document["cluster"]["lost"] == []
    assert document["budget_reached"] is True  # each worker stopped as at a budget
    assert document["examples"] >= 1 and document["rules"]["register_node"]["calls"] > 0
    assert "interrupted: stopping the workers" in out
    assert "Rule metrics" in out
