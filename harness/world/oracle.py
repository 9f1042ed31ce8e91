"""The honest oracle DAO: truthful balance reports, an RPL price random walk, and its watch.

The report is computed the way docs/protocol.md defines the truth, from what
anyone can observe at a block: the deposit pool's user balance, the rETH
contract's ETH, and for every minipool the users' share (by the minipool's
own ``calculateUserShare``) of its validator's beacon balance plus its
contract ETH minus the node's refund balance. The independent check of that
truth is the reference model's job, not the oracle's.

The oDAO also keeps watch over bond reductions, a duty the reference leaves
off-chain: the contracts let a node reduce its bond on any staking
validator, and count on the oDAO to cancel a reduction whose validator is
unhealthy (:meth:`HonestOracle.reductions_to_cancel`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.chain.beacon import ACTIVE, PENDING
from harness.chain.status import STAKING
from harness.config import OracleConfig
from harness.units import ETH_GWEI, GWEI, ONE

if TYPE_CHECKING:  # pragma: no cover
    from harness.chain.protocol import Protocol

# The oDAO cancels a bond reduction whose live validator holds less than this:
# 32 ETH less a margin of 0.001 ETH (the reference oDAO's watchtower rule).
REDUCTION_CANCEL_BELOW_GWEI = 32 * ETH_GWEI - 1_000_000


@dataclass(frozen=True)
class BalancesReport:
    """One network balances report, as submitted."""

    block: int
    slot_timestamp: int
    total_eth: int
    staking_eth: int
    reth_supply: int


class HonestOracle:
    """Computes truthful reports and submits them from just enough oDAO members."""

    def __init__(self, protocol: Protocol, config: OracleConfig | None = None):
        self.p = protocol
        self.config = config or OracleConfig()
        self.rng = random.Random(self.config.seed)
        self.rpl_price = self.config.rpl_price
        self.reports: list[BalancesReport] = []

    # ----------------------------------------------------------- the truth
    def minipool_user_share(self, minipool) -> int:
        """The users' share of ``minipool``'s balance: beacon + contract − refund."""
        return self._user_share(minipool, minipool.getNodeRefundBalance())

    def _user_share(self, minipool, refund: int) -> int:
        balance = self.p.balance(minipool) - refund
        validator = self.p.validator(minipool)
        if validator is not None:
            balance += validator.balance * GWEI
        return minipool.calculateUserShare(balance)

    def truthful_balances(self) -> tuple[int, int, int]:
        """``(total_eth, staking_eth, reth_supply)`` as they are now, in wei.

        ``staking_eth`` is the users' part of minipools that are staking,
        capped at ``total_eth``; a negative pool user balance (node ETH lent
        to assignment) is counted as it is.
        """
        p = self.p
        minipools = p.minipools()
        # One reading of the views that take no balance (on revm, storage
        # words and one EVM call); the validator keys (bytes) and each user
        # share (its argument is the balance just read) are called one by one.
        user_balance, supply, *records = p.chain.read_views(
            [(p.deposit_pool.getUserBalance, ()), (p.reth.totalSupply, ())]
            + [
                (view, ())
                for minipool in minipools
                for view in (
                    minipool.getNodeRefundBalance,
                    minipool.getStatus,
                    minipool.getFinalised,
                )
            ]
        )
        total = user_balance + p.balance(p.reth)
        staking = 0
        for i, minipool in enumerate(minipools):
            refund, status, finalised = records[3 * i : 3 * i + 3]
            share = self._user_share(minipool, refund)
            total += share
            if status == STAKING and not finalised:
                staking += share
        total = max(total, 0)
        return total, min(staking, total), supply

    # ----------------------------------------------------------- submitting
    def report(self) -> BalancesReport:
        """Submit the truthful report for the last block from a quorum of members."""
        p = self.p
        total, staking, supply = self.truthful_balances()
        block = p.report_balances(total_eth=total, staking_eth=staking, reth_supply=supply)
        report = BalancesReport(block, p.now(), total, staking, supply)
        self.reports.append(report)
        return report

    def next_price(self) -> int:
        """One step of the RPL price walk: a uniform relative move within the volatility."""
        move = self.rng.randint(-self.config.rpl_volatility, self.config.rpl_volatility)
        self.rpl_price = max(self.config.rpl_floor, self.rpl_price * (ONE + move) // ONE)
        return self.rpl_price

    def report_price(self, price: int | None = None) -> int:
        """Report ``price`` (default: the walk's next step) from a quorum; returns it."""
        price = self.next_price() if price is None else price
        self.rpl_price = price
        self.p.report_price(price)
        return price

    # ----------------------------------------------------------- the watch
    def reductions_to_cancel(self) -> list:
        """Minipools whose announced bond reduction the honest oDAO must vote to cancel now.

        As the reference oDAO's watchtower judges them: a minipool with a
        reduction pending (``getReduceBondTime`` not 0) whose validator has
        begun (not pending) and is slashed, exiting or gone, or holds less
        than 32 ETH less 0.001 ETH. A reduction over such a validator would
        move the node's bond out from under a loss, onto the users.
        """
        p = self.p
        minipools = p.minipools()
        if not minipools:
            return []
        reducer = p.bond_reducer
        started = p.chain.read_views(
            [(reducer.getReduceBondTime, (minipool.address,)) for minipool in minipools]
        )
        unsafe = []
        for minipool, time in zip(minipools, started, strict=True):
            if time == 0:
                continue
            validator = p.validator(minipool)
            if validator is None or validator.status == PENDING:
                continue
            healthy = validator.status == ACTIVE and not validator.slashed
            if healthy and validator.balance >= REDUCTION_CANCEL_BELOW_GWEI:
                continue
            unsafe.append(minipool)
        return unsafe

    # ----------------------------------------------------------- snapshots
    def state(self) -> tuple:
        """What :meth:`restore` needs to rewind the oracle (for anchors)."""
        return (self.rng.getstate(), self.rpl_price, list(self.reports))

    def restore(self, state: tuple) -> None:
        """Rewind to a :meth:`state`."""
        rng_state, self.rpl_price, reports = state
        self.rng.setstate(rng_state)
        self.reports = list(reports)
