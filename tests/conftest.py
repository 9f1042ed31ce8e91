"""Shared fixtures: the protocol is deployed once per test session.

titanoboa's pytest plugin wraps every test (and every Hypothesis example) in
``boa.env.anchor()``, so each test starts from the freshly deployed state
whatever the previous one did.
"""

from __future__ import annotations

import os

import boa
import pytest
from hypothesis import settings

from harness import deploy_protocol
from harness.run.profiles import register_hypothesis_profiles

# The campaign profiles of boa_config.toml, as Hypothesis profiles. Chosen with
# HYPOTHESIS_PROFILE or --hypothesis-profile; under CI (Hypothesis would pick
# its own "ci" profile) ours of that name is registered, so it is the one used.
register_hypothesis_profiles()
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif os.environ.get("CI"):
    settings.load_profile("ci")


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
