"""The checked facade's own failures: what it raises when the chain cannot be read."""

import pytest

from harness.fuzz.checked import CheckedProtocol
from invariants import InvariantViolation


def test_a_view_the_oracle_needs_reverting_is_the_oracle_read_violation(protocol, monkeypatch):
    cp = CheckedProtocol(protocol)

    def truthful_balances():
        # Stands in for a share view that reverts: any reverting call will do.
        protocol.vault.withdrawEther(1, sender=protocol.depositors[0])

    monkeypatch.setattr(protocol.oracle, "truthful_balances", truthful_balances)
    with pytest.raises(InvariantViolation) as caught:
        cp.report()
    assert caught.value.name == "oracle-read"
    assert "(vault: caller is not a network contract)" in caught.value.message
    assert "RocketVault.withdrawEther" in caught.value.message
    assert caught.value.details["reason"] == "vault: caller is not a network contract"
