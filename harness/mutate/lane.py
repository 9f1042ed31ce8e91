"""One mutant's campaign in a warm lane: compile what it changed, deploy afresh, fuzz.

A lane (:class:`harness.run.workers.WarmLane`) is a long-lived spawned
process that has imported the harness and loaded every contract of the
original once (:func:`prepare`: titanoboa's disk cache makes that a
matter of unpickling, a few seconds for all of them). Each mutant then runs
in a fork of the lane (:func:`run_mutant`), which:

1. compiles only the contracts the mutant changed (its file and the
   deployables that import it, transitively): the loader it installs
   (:func:`_install_loader`) hands every other contract the deployer the
   lane loaded, and the changed ones to titanoboa's compiler; a compiler
   error is a stillborn mutant;
2. deploys on a chain of its own: the lane never deploys, so the fork's
   backend has no chain yet and creates a fresh one, and the per-process
   caches (the shared deployment, the contract actors, observation plans)
   start empty;
3. runs the campaign with :func:`harness.run.campaign.run_worker`, in the
   fork, exactly as a campaign worker does.

Nothing of one mutant reaches the next, by construction: the fork ends with
the mutant, and the lane it was forked from never ran a campaign. The
original contracts run through the same path (no file changed), so the
original and the mutants run the same campaign.
"""

from __future__ import annotations

import gc
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis.internal.entropy import deterministic_PRNG

from harness.chain import backend, revm
from harness.chain.actors import SOURCES as ACTOR_SOURCES
from harness.config import ConfigError
from harness.run.campaign import CampaignJob, run_worker
from harness.world.deploy import shared_protocol

# What a fork reports, besides the campaign's summary.
DEPLOYED, STILLBORN, DEPLOY_FAILED = "deployed", "stillborn", "deploy-failed"


@dataclass(frozen=True)
class LaneSetup:
    """What a lane prepares from: the original contracts (the working copies' source), the
    files a deployment compiles there (relative paths), and the backend."""

    contracts: str
    files: tuple[str, ...]
    backend: str


@dataclass
class LaneState:
    """What a lane holds for its forks: the deployer of every contract, by relative path."""

    contracts: Path
    deployers: dict[str, Any]
    prepare_seconds: float


@dataclass(frozen=True)
class MutantJob:
    """One campaign for a lane's fork.

    ``changed`` lists the files (relative to ``job.contracts_dir``) whose
    compiled code may differ from the lane's: the mutated file and its
    importers; empty for the original. ``compile_first`` are the ones to
    compile before deploying, a compiler error making the mutant stillborn.
    ``sent`` is when the job left the parent (``time.time()``).
    """

    job: CampaignJob
    changed: tuple[str, ...]
    compile_first: tuple[str, ...]
    sent: float


def prepare(setup: LaneSetup) -> LaneState:
    """The lane's one-time work: the deployment's contracts and the contract actors, loaded.

    Loading is all it does: no chain is made and nothing deployed, so that a
    fork starts with none.
    """
    started = time.perf_counter()
    backend.check_backend(setup.backend)
    root = Path(setup.contracts).resolve()
    deployers = {name: revm.compiled(root / name) for name in setup.files}
    # The actors' sources live outside the working copy: kept in titanoboa's
    # per-process cache, which every fork inherits.
    for source in ACTOR_SOURCES.values():
        revm.compiled(source)
    # Hypothesis makes its own PRNG on a process's first example and checks it
    # with a full garbage collection: seconds, over the compilers' syntax trees.
    # Made here once; it is reseeded from the example's seed every time.
    with deterministic_PRNG():
        pass
    # What is loaded now lives as long as the lane: out of the collector's
    # sight, a fork's collections neither walk it nor copy its pages.
    gc.freeze()
    return LaneState(root, deployers, time.perf_counter() - started)


def _install_loader(state: LaneState, contracts: Path, changed: tuple[str, ...]) -> None:
    """Make this process's compiling reuse the lane's deployers for every unchanged file.

    Everything that compiles goes through :func:`harness.chain.revm.compiled`
    (both backends' ``load``, the event decoders, the views' ABIs), whose
    own cache is keyed on a digest of the whole contracts directory (any
    mutant is a new key for every contract). Here, in a fork that ends with
    the mutant, the function is replaced by one that knows which files the
    mutant changed: those are compiled, the rest are the lane's. A file the
    lane did not load (outside the directory) is compiled as before.

    It is replaced in every module that holds it, not only in ``revm``: a
    module that imported it by name keeps the original, which would load
    every contract of the working copy again from titanoboa's disk cache
    (the event decoders did, inside the first example: seconds of the
    mutant's budget that a fresh process, whose deploy filled the cache for
    that directory, does not spend; issue 17).
    """
    compile_anew = revm.compiled
    root = contracts.resolve()

    def lane_compiled(path: str | Path) -> Any:
        resolved = Path(path).resolve()
        if resolved.is_relative_to(root):
            relative = resolved.relative_to(root).as_posix()
            if relative not in changed and relative in state.deployers:
                return state.deployers[relative]
        return compile_anew(resolved)

    for module in list(sys.modules.values()):
        if getattr(module, "__dict__", {}).get("compiled") is compile_anew:
            module.compiled = lane_compiled


def run_mutant(state: LaneState, task: MutantJob) -> dict[str, Any]:
    """In a fork of the lane: compile what changed, deploy, fuzz; what happened, as plain data.

    ``kind`` is :data:`STILLBORN` (``message``: the compiler's first line),
    :data:`DEPLOY_FAILED` (``message``: the revert or refused setting) or
    :data:`DEPLOYED` (``summary``: the campaign worker's summary). The
    seconds of each phase come along: ``compile_seconds``, ``deploy_seconds``,
    and ``overhead_seconds`` from the job leaving the parent to the first
    example starting.
    """
    job = task.job
    contracts = Path(job.contracts_dir)
    _install_loader(state, contracts, task.changed)
    out: dict[str, Any] = {"kind": DEPLOYED, "message": None, "summary": None}
    started = time.perf_counter()
    with backend.using(job.backend) as chain:
        for name in task.compile_first:
            try:
                chain.load(contracts / name)
            except Exception as exc:  # the Vyper compiler's errors share no base we can name
                out["kind"] = STILLBORN
                out["message"] = f"{name}: {type(exc).__name__}: {first_line(exc)}"
                out["compile_seconds"] = time.perf_counter() - started
                return out
        out["compile_seconds"] = time.perf_counter() - started
        deploy_started = time.perf_counter()
        try:
            # The campaign worker finds this deployment (one per process and contracts).
            shared_protocol(job.config, job.contracts_dir)
        except backend.Reverted as exc:
            out["kind"] = DEPLOY_FAILED
            out["message"] = f"deploy reverted: {type(exc).__name__}: {first_line(exc)}"
            return out
        except ConfigError as exc:  # a [settings] value the mutant's settings contract refuses
            out["kind"] = DEPLOY_FAILED
            out["message"] = f"deploy: {first_line(exc)}"
            return out
        out["deploy_seconds"] = time.perf_counter() - deploy_started
    summary = run_worker(job)
    summary.pop("all_steps", None)
    out["summary"] = summary
    out["overhead_seconds"] = summary["wall_started"] - task.sent
    return out


def first_line(exc: BaseException) -> str:
    """The exception's first line that says something (Vyper heads several errors with a
    line that does not)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("Compilation failed with the following errors"):
        lines = lines[1:]
    return lines[0] if lines else type(exc).__name__
