"""The campaign machine as a pytest test, at the budget of the selected Hypothesis profile.

Choose the profile with ``HYPOTHESIS_PROFILE`` or ``--hypothesis-profile``
(the profiles of ``boa_config.toml``, registered in ``tests/conftest.py``);
CI runs the ``ci`` profile. Long campaigns belong to ``rpfuzz run``.
"""

import pytest

from harness.machine import RocketPoolMachine, shared_protocol


@pytest.fixture(scope="module", autouse=True)
def _deployed_outside_any_anchor():
    # titanoboa's plugin wraps every example in an anchor: a deployment made
    # inside the first example would be rolled back after it. Deploy first.
    shared_protocol()


TestRocketPoolMachine = RocketPoolMachine.TestCase
