"""The model's window on the world, and the helpers every area's actions use.

The world: ETH that arrives without code running (:meth:`CoreMixin.credit`:
a beacon-chain sweep raises a minipool's balance, a gift raises the rETH
contract's), and contracts at withdrawal addresses that refuse ETH (the
paying call reverts) or call the payer back (its reentrancy lock refuses the
call, so only the attempt counts).

The helpers: time that only moves forward, the values an action moved, the
ETH each address paid in and was paid, the minipool's payment to its node's
withdrawal address, record lookups, settings, ownership (the node or its
withdrawal address) and status changes (which stamp the status time and
block).
"""

from __future__ import annotations

from typing import Any

from harness.model.common import _Revert, norm
from harness.model.records import MinipoolState, NodeState


class CoreMixin:
    """The world (ETH arriving, contract payees) and the helpers the other mixins share."""

    # ---------------------------------------------------------------- the world
    def credit(self, address: str, wei: int) -> None:
        """ETH arrived at ``address`` without code running (a beacon sweep, a gift).

        A minipool's balance rises (the beacon chain's way of paying it); the
        rETH contract's ETH rises if ``address`` is ``reth_address``; a node's
        fee distributor's (a block's fees and MEV) if it is one; anything
        else is only remembered in ``other_credits``.
        """
        address = norm(address)
        if address in self.minipools:
            self.minipools[address].eth += wei
        elif address == self.reth_address:
            self.reth_eth += wei
        elif self._credit_distributor(address, wei):
            pass
        else:
            self.other_credits[address] = self.other_credits.get(address, 0) + wei

    def add_refuser(self, address: str) -> None:
        """``address`` is a contract that refuses ETH: a payment to it reverts the paying call."""
        self.refusers.add(norm(address))

    def add_reentrant(self, address: str) -> None:
        """``address`` is a contract that calls the payer back on every payment, then keeps the ETH.

        Predicted like an externally owned account: the payer's reentrancy
        lock refuses the call back, so only the attempts are counted (see
        :meth:`expected_reentries`).
        """
        self.reentrants.add(norm(address))

    def expected_reentries(self, address: str) -> tuple[int, int]:
        """``(attempts, successes)`` a re-entrant withdrawal address must have counted by now.

        One attempt per payment it received; no success ever, because every
        contract that moves ETH holds its reentrancy lock while it pays.
        """
        return self.reentry_attempts.get(norm(address), 0), 0

    # ---------------------------------------------------------------- helpers
    def at_block(self, block: int) -> None:
        """The chain is at ``block`` (the world's clock, as ``now`` is): status changes stamp it."""
        if block < self.block:
            raise ValueError(f"blocks only move forward ({block} < {self.block})")
        self.block = block

    def tell_time(self, now: int) -> None:
        """The chain's time is ``now`` (what the next call's events are stamped with)."""
        self._tick(now)

    def _emit(self, contract: str, event: str, at: str | None = None, **args: Any) -> None:
        """The call being predicted emits ``contract``'s ``event`` with ``args``.

        ``contract`` is the deployable's name (``RocketNodeDeposit``); the
        emitter is its address in the directory, or ``at`` (a minipool's).
        Addresses among ``args`` must be lower-case (:func:`norm`).
        """
        if at is None:
            name = contract[0].lower() + contract[1:]
            at = self.directory.get(name, name)
        self.events.append((contract, norm(at), event, args))

    def _tick(self, now: int | None) -> None:
        if now is not None:
            if now < self.now:
                raise ValueError(f"time only moves forward ({now} < {self.now})")
            self.now = now

    def _move(self, key: str, amount: int) -> None:
        self._moved[key] = self._moved.get(key, 0) + amount

    def _begin(self) -> None:
        self._moved = {}

    def _done(self, **values: int) -> dict[str, int]:
        out = dict(self._moved)
        out.update(values)
        self._moved = {}
        return out

    def _pay_in(self, who: str, wei: int) -> None:
        self.eth_in[who] = self.eth_in.get(who, 0) + wei

    def _pay_out(self, who: str, wei: int) -> None:
        self.eth_out[who] = self.eth_out.get(who, 0) + wei

    def _pay_node(self, mp: MinipoolState, wei: int, refused: str) -> None:
        """The minipool pays its node's withdrawal address; a refusing one reverts with ``refused``.

        A re-entrant address counts an attempt per payment.
        """
        to = self.withdrawal_address(mp.node)
        if to in self.refusers:
            if self._checkpoint is None:
                raise RuntimeError(
                    "model bug: a payment a withdrawal address can refuse, in an action that "
                    "took no checkpoint (call _checkpoint_payment first)"
                )
            raise _Revert(refused)
        self._pay_out(to, wei)
        if to in self.reentrants:
            self.reentry_attempts[to] = self.reentry_attempts.get(to, 0) + 1

    def _minipool(self, minipool: Any) -> MinipoolState:
        address = norm(minipool)
        try:
            return self.minipools[address]
        except KeyError:
            raise KeyError(f"the model knows no minipool at {address}") from None

    def _node(self, node: str) -> NodeState | None:
        return self.nodes.get(norm(node))

    def _s(self, path: str) -> Any:
        return self.settings[path]

    def _is_owner(self, mp: MinipoolState, caller: str) -> bool:
        return caller == mp.node or caller == self.withdrawal_address(mp.node)

    def _set_status(self, mp: MinipoolState, status: int) -> None:
        mp.status = status
        mp.status_time = self.now
        mp.status_block = self.block
        self._emit(
            "RocketMinipool", "StatusUpdated", at=mp.address, status=int(status), time=self.now
        )
