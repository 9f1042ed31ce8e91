"""Reentrancy: no call back into a paying contract ever goes through.

A withdrawal address may be a contract that, when paid, calls the payer
back (``contracts/mocks/ReentrantWithdrawalAddress.vy`` counts its attempts
and their successes). Every protocol contract that moves ETH holds its
reentrancy lock while it pays, so the model expects one attempt per payment
and no success (:meth:`harness.model.Model.expected_reentries`).
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.model import Model, norm
from invariants.violation import InvariantViolation


def check_no_reentry(counters: Mapping[str, tuple[int, int]], model: Model) -> None:
    """Each re-entrant address's ``(attempts, successes)``, read from the chain, is the model's.

    ``counters`` maps the address of each re-entrant withdrawal address to
    its counters. A success means a contract was entered while it paid: a
    lock is missing. An attempt count that differs means the contract paid
    that address a different number of times than the rules say.
    """
    for address, (attempts, successes) in counters.items():
        expected_attempts, expected_successes = model.expected_reentries(address)
        details = {
            "address": norm(address),
            "attempts": attempts,
            "successes": successes,
            "expected_attempts": expected_attempts,
            "expected_successes": expected_successes,
        }
        if successes != expected_successes:
            raise InvariantViolation(
                "reentrancy",
                f"{successes} of {attempts} calls back from the re-entrant withdrawal address "
                f"{norm(address)} went through; the model expects {expected_successes}: a "
                "contract was entered while it was paying, so its reentrancy lock is missing",
                details,
            )
        if attempts != expected_attempts:
            raise InvariantViolation(
                "reentrancy",
                f"the re-entrant withdrawal address {norm(address)} was paid {attempts} times "
                f"(one call back each), but the model expects {expected_attempts} payments",
                details,
            )
