"""Shared fixtures: the protocol is deployed once per test session.

titanoboa's pytest plugin wraps every test (and every Hypothesis example) in
``boa.env.anchor()``, so each test starts from the freshly deployed state
whatever the previous one did.
"""

from __future__ import annotations

import os
from dataclasses import replace

import boa
import pytest
from hypothesis import settings

from harness import deploy_protocol
from harness.run.profiles import hypothesis_settings, register_hypothesis_profiles

try:  # Hypothesis's own test for "in CI" (CI, GITHUB_ACTIONS, TF_BUILD, ...)
    from hypothesis._settings import is_in_ci
except ImportError:  # pragma: no cover - a Hypothesis that moved it

    def is_in_ci() -> bool:
        return "CI" in os.environ


# The campaign profiles of boa_config.toml, as Hypothesis profiles (chosen with
# HYPOTHESIS_PROFILE or --hypothesis-profile). Without one, the tests run at the
# `ci` profile's small budgets whether or not CI is set, so `pytest -n auto` is
# as quick on a laptop as in CI: under CI derandomised and without a database
# (a run repeats); outside it as `dev`, the same budgets but a new draw each
# run, with the example database (.hypothesis/) replaying a failure first.
# Larger budgets are opt-in: HYPOTHESIS_PROFILE=deep, `-m slow`, `rpfuzz run`.
PROFILES = register_hypothesis_profiles()
DEV_PROFILE = replace(PROFILES["ci"], name="dev", derandomize=False)
settings.register_profile("dev", hypothesis_settings(DEV_PROFILE))


def default_profile(environ: dict[str, str]) -> str:
    """The Hypothesis profile the tests run with: HYPOTHESIS_PROFILE, else ``ci`` or ``dev``."""
    if environ.get("HYPOTHESIS_PROFILE"):
        return environ["HYPOTHESIS_PROFILE"]
    return "ci" if is_in_ci() else "dev"


settings.load_profile(default_profile(os.environ))


# ------------------------------------------------------------ the slow tests
# Tests marked `slow` (the long campaigns: the soak, the whole CI subset of the
# zoo, ...) are left out of a plain `pytest`; each has a shorter version that
# checks the same behaviour by default. `-m slow` runs them (any -m expression
# decides on its own), and so does naming one by its node id.


def pytest_report_header(config: pytest.Config) -> str:
    if config.option.markexpr:
        return f"rpfuzz: slow tests run as -m {config.option.markexpr!r} says"
    return "rpfuzz: slow tests left out (-m slow runs them)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the ``slow`` tests when no ``-m`` was given, unless named by node id."""
    if config.option.markexpr:
        return
    named = [arg.replace(os.sep, "/") for arg in config.args if "::" in arg]
    keep, slow = [], []
    for item in items:
        asked = any(item.nodeid == arg or item.nodeid.startswith(arg + "[") for arg in named)
        if item.get_closest_marker("slow") and not asked:
            slow.append(item)
        else:
            keep.append(item)
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = keep


# ------------------------------------------------------- compiling, once per file
# On a cold titanoboa cache (a fresh clone) every xdist worker would compile
# the same contracts at the same moment, each paying the whole compile. Each
# worker instead starts at its own share of the shipped contracts and holds a
# lock per file while loading it: the other worker, reaching that file, waits
# and then reads the compiled output from the disk cache. With two workers the
# cold compile takes half the time; on a warm cache this only loads what the
# first deployment would load anyway (``compiled`` keeps it for the process).


def _compile_shared_contracts(worker: str, workers: int) -> None:
    import fcntl
    import hashlib
    import tempfile
    from pathlib import Path

    from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
    from harness.chain.revm import compiled
    from harness.mutate.runner import _deployables

    files = [
        Path(DEFAULT_CONTRACTS_DIR, name).resolve()
        for name in _deployables(Path(DEFAULT_CONTRACTS_DIR))
    ]
    index = int(worker.removeprefix("gw")) if worker.removeprefix("gw").isdigit() else 0
    start = index * len(files) // max(workers, 1)
    locks = Path(tempfile.gettempdir()) / "rpfuzz-compile-locks"
    locks.mkdir(exist_ok=True)
    for path in files[start:] + files[:start]:
        lock = locks / (hashlib.sha256(str(path).encode()).hexdigest()[:16] + ".lock")
        with lock.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                compiled(path)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def pytest_sessionstart(session: pytest.Session) -> None:
    """In an xdist worker, compile the shipped contracts sharing the work (see above)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        _compile_shared_contracts(worker, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


@pytest.fixture(scope="session")
def protocol():
    """The protocol deployed from the project's ``boa_config.toml``."""
    return deploy_protocol()


@pytest.fixture(autouse=True)
def _rewind_off_evm_state(request):
    """Undo what a test did to the facade's off-EVM state (beacon, oracle, model).

    titanoboa's plugin rolls the EVM back after each test; this does the same
    for the Python side, so the session-wide protocol stays consistent.
    """
    if "protocol" not in request.fixturenames:
        yield
        return
    protocol = request.getfixturevalue("protocol")
    state = protocol.python_state()
    yield
    protocol.restore_python_state(state)


@pytest.fixture
def p(protocol):
    """Short alias of :func:`protocol` for tests that use the facade heavily."""
    return protocol


@pytest.fixture
def depositor(protocol):
    """The first funded depositor."""
    return protocol.depositors[0]


@pytest.fixture
def stranger():
    """An address with ETH and no role anywhere in the protocol."""
    addr = boa.env.generate_address("stranger")
    boa.env.set_balance(addr, 1_000 * 10**18)
    return addr
