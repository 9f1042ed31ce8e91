"""``rpfuzz bench``: how much of titanoboa's raw speed the fuzzing harness keeps.

Two figures from one process (py-evm is single-threaded, so one core):

* **machine**: the stateful machine under Hypothesis, with the reference
  model and the invariants, for a fixed seed and size: total steps, and
  examples, over the wall time of the run (the one-time deploy excluded);
* **replay**: exactly the steps that run recorded, executed straight on boa
  through the bare facade (``StepContext.create(p, check=False)``: no
  Hypothesis, no model, no invariants), each example from the deployed
  state inside ``boa.env.anchor()``.

machine / replay is the share of raw EVM throughput the harness keeps
(steps/s over steps/s: the same steps, so examples/s give the same ratio).
Peak memory is the process's resident high-water mark, deploy included.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from harness.campaign import _Job, run_worker
from harness.config import ConfigError
from harness.machine import shared_protocol
from harness.profiles import Profile
from harness.steps import StepContext, execute


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
) -> BenchResult:
    """Measure machine and bare-replay throughput on the same steps; print and return them."""
    console = console or Console()
    if contracts_dir is not None and not Path(contracts_dir).is_dir():
        raise ConfigError(
            f"{contracts_dir}: not a directory; point --contracts at a copy of contracts/"
        )
    if json_path is not None and not Path(json_path).resolve().parent.is_dir():
        raise ConfigError(
            f"{json_path}: its directory does not exist; create it or pick another --json"
        )
    job = _Job(
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
    )
    load = _load()
    console.print(
        f"rpfuzz bench: seed {seed}, {examples} examples x {steps} steps, one process; "
        f"load average {load:.2f} on {os.cpu_count()} cores at the start"
    )
    summary = run_worker(job)
    recorded = [list(example) for example in summary["all_steps"]]
    p = shared_protocol(config, job.contracts_dir)
    replay_steps, replay_seconds, errors = replay_bare(p, recorded)

    machine_rate = summary["steps"] / summary["seconds"] if summary["seconds"] else 0.0
    replay_rate = replay_steps / replay_seconds if replay_seconds else 0.0
    machine_examples = summary["examples"] / summary["seconds"] if summary["seconds"] else 0.0
    replay_examples = len(recorded) / replay_seconds if replay_seconds else 0.0
    result = BenchResult(
        seed=seed,
        examples=examples,
        steps_per_example=steps,
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
    )
    _print(console, result)
    if json_path is not None:
        Path(json_path).write_text(json.dumps(asdict(result), indent=2) + "\n")
    return result


def _print(console: Console, r: BenchResult) -> None:
    table = Table(title="Throughput", title_justify="left")
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
        "replay (the same steps, bare boa)",
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
    if r.machine_failed:
        console.print(
            "[yellow]the machine found a failure: its figure includes shrinking[/]",
        )
    if r.replay_errors:
        console.print(f"[yellow]{r.replay_errors} replayed steps raised outside the EVM[/]")
