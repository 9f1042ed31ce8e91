"""Outsiders' flawed deposits to the beacon deposit contract: each refused as the model says."""

from __future__ import annotations

import pytest

from harness.fuzz.actions.deposit_contract import FLAWS, flawed_deposit
from harness.fuzz.steps import StepContext, execute
from harness.model import Model
from invariants import InvariantViolation

REASONS = {
    "short-pubkey": "deposit contract: invalid pubkey length",
    "short-credentials": "deposit contract: invalid withdrawal credentials length",
    "short-signature": "deposit contract: invalid signature length",
    "too-little": "deposit contract: deposit value too low",
    "not-whole-gwei": "deposit contract: deposit value not multiple of gwei",
    "wrong-root": "deposit contract: reconstructed root does not match",
}


@pytest.fixture
def ctx(p):
    return StepContext.create(p, check=True)


@pytest.mark.parametrize("flaw", FLAWS)
def test_each_flaw_is_refused_with_its_reason_and_nothing_moves(ctx, flaw):
    p, stranger = ctx.p, ctx.who("stranger")
    before = (p.balance(stranger), p.deposit_contract.depositCount(), p.beacon.deposits_seen)
    expect = execute(ctx, "beacon_deposit", {"flaw": flaw})
    assert (expect.ok, expect.reason) == (False, REASONS[flaw])
    assert (p.balance(stranger), p.deposit_contract.depositCount(), p.beacon.deposits_seen) == (
        before
    )


def test_a_model_that_misreads_the_amount_is_caught_by_the_chain(ctx, monkeypatch):
    # A model that reads half the amount predicts "too low"; the chain refuses
    # the 1 ETH + 1 wei for not being whole gwei: the outcomes differ.
    original = Model.beacon_deposit

    def misread(self, pubkey, withdrawal_credentials, signature, root, value):
        return original(self, pubkey, withdrawal_credentials, signature, root, value // 2)

    monkeypatch.setattr(Model, "beacon_deposit", misread)
    with pytest.raises(InvariantViolation, match="deposit value too low") as failure:
        execute(ctx, "beacon_deposit", {"flaw": "not-whole-gwei"})
    assert "not multiple of gwei" in str(failure.value)


def test_an_unknown_flaw_names_the_flaws():
    with pytest.raises(ValueError, match="no flaw 'none'; the flaws are short-pubkey"):
        flawed_deposit("none")
