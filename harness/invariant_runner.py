"""Running the invariants after a machine step.

Reads the chain once, compares with the reference model through the
functions of :mod:`invariants`, and remembers what it needs between steps
(the previous rate, the previous statuses).
"""

from __future__ import annotations

from typing import Any

from harness.model import norm
from invariants import InvariantViolation

ONE = 10**18


def check_step(machine: Any) -> None:
    """The per-step invariants for ``machine`` (a :class:`RocketPoolMachine`)."""
    p, model = machine.p, machine.model
    supply = p.reth.totalSupply()
    if supply != model.reth_supply:
        raise InvariantViolation(
            "reth-supply",
            "rETH totalSupply differs from the model's",
            {"expected": model.reth_supply, "actual": supply},
        )
    pool = p.deposit_pool.getBalance()
    if pool != model.pool_balance:
        raise InvariantViolation(
            "deposit-pool",
            "the deposit pool's balance differs from the model's",
            {"expected": model.pool_balance, "actual": pool},
        )
    rate = p.reth.getExchangeRate()
    if rate != model.rate():
        raise InvariantViolation(
            "reth-rate",
            "the rETH rate differs from the model's",
            {"expected": model.rate(), "actual": rate},
        )
    for address in machine.ctx.minipools:
        mp = model.minipools.get(norm(address))
        if mp is None:
            continue
        status = p.minipool_at(address).getStatus()
        if status != mp.status:
            raise InvariantViolation(
                "minipool-status",
                f"minipool {address} is in status {status}, the model says {mp.status}",
                {"minipool": address, "expected": mp.status, "actual": status},
            )
