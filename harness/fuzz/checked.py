"""The checked facade: every flow asks the reference model first, then the contracts.

:class:`CheckedProtocol` wraps a :class:`~harness.chain.protocol.Protocol` with a
:class:`~harness.model.Model`. Each flow gets the model's prediction (an
:class:`~harness.model.Expect`: must it succeed, or revert with which
reason), makes the real call, and raises the ``outcome`` invariant
(:func:`invariants.check_outcome`) when the two disagree: a call the model accepts that
reverts is a liveness bug, a call the model refuses that succeeds is a
missing check. The stateful machine, the replayer and tests drive the
protocol through it; ``cp.p`` is the plain facade underneath.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.chain.backend import Reverted
from harness.chain.protocol import PRELAUNCH_VALUE, Protocol
from harness.chain.reverts import revert_reason
from harness.model import Expect, Model, norm
from harness.units import ETH, to_wei
from invariants import InvariantViolation, check_outcome


class _NoModel:
    """Stands in for the model when flows run unchecked: every call is 'expected to pass'."""

    def __getattr__(self, name: str) -> Callable[..., Expect]:
        return lambda *args, **kwargs: Expect(True, None, {})


class CheckedProtocol:
    """A protocol whose every flow is checked against the reference model.

    With ``check=False`` the same flows run bare: no model, no comparison,
    reverts swallowed. That is the benchmark's baseline and the way to
    replay a sequence on contracts the model does not describe.
    """

    def __init__(self, p: Protocol, check: bool = True):
        self.p = p
        self.check = check
        if not check:
            return
        p.model = Model(
            dict(p.config.settings),
            list(p.odao_members),
            p.beacon,
            reth_address=p.reth.address,
            now=p.now(),
        )
        # The guardian holds the fixed RPL supply.
        p.model.fund_rpl(p.guardian, p.rpl.balanceOf(p.guardian))

    @property
    def model(self) -> Model:
        """The model attached to the facade (rewinding the facade swaps the object)."""
        return self.p.model if self.check else _NoModel()

    # ------------------------------------------------------------------ core
    def run(self, action: str, expect: Expect, call: Callable[[], Any]) -> tuple[Expect, Any]:
        """Make ``call`` and check its outcome against ``expect``; returns both and the result.

        A disagreement raises the ``outcome`` invariant (see
        :func:`invariants.check_outcome`); in bare mode reverts are returned
        as a failed Expect instead.
        """
        try:
            result = call()
        except Reverted as exc:
            reason = revert_reason(exc)
            if not self.check:
                return Expect(False, reason, {}), None
            check_outcome(action, expect, False, reason)
            return expect, None
        if self.check:
            check_outcome(action, expect, True, None)
        return expect, result

    def _values(self, action: str, expect: Expect, actual: dict[str, int]) -> None:
        if not self.check:
            return
        for key, value in actual.items():
            if expect.values.get(key) != value:
                raise InvariantViolation(
                    "call-values",
                    f"{action}: {key} was {value}, the model expected {expect.values.get(key)}",
                    {
                        "action": action,
                        "key": key,
                        "expected": expect.values.get(key),
                        "actual": value,
                    },
                )

    def _now(self) -> int:
        return self.p.now()

    def _block(self) -> int:
        return self.p.chain.block_number

    # ------------------------------------------------------------------ depositors
    def deposit(self, depositor: str, amount: int | str) -> Expect:
        """Deposit ETH (str = ETH, int = wei); checks the minted rETH too."""
        wei = to_wei(amount)
        expect = self.model.deposit(depositor, wei, now=self._now())
        expect, minted = self.run("deposit", expect, lambda: self.p.deposit(depositor, wei))
        if expect.ok:
            self._values("deposit", expect, {"minted": minted})
        return expect

    def burn(self, holder: str, reth_amount: int | str) -> Expect:
        """Burn rETH for ETH; checks the ETH paid too."""
        wei = to_wei(reth_amount)
        expect = self.model.burn(holder, wei, now=self._now())
        expect, paid = self.run("burn", expect, lambda: self.p.burn(holder, wei))
        if expect.ok:
            self._values("burn", expect, {"eth": paid})
        return expect

    def transfer_reth(self, sender: str, to: str, amount: int) -> Expect:
        """Move rETH between holders (ERC-20 transfer)."""
        expect = self.model.transfer_reth(sender, to, amount)
        return self.run(
            "transfer_reth", expect, lambda: self.p.reth.transfer(to, amount, sender=sender)
        )[0]

    # ------------------------------------------------------------------ nodes
    def register_node(self, node: str) -> Expect:
        """Register a node operator."""
        expect = self.model.register_node(node, now=self._now())
        return self.run("register_node", expect, lambda: self.p.register_node(node))[0]

    def fund_rpl(self, node: str, amount: int | str) -> None:
        """The guardian sends RPL to ``node`` (not a protocol action; always succeeds)."""
        wei = to_wei(amount)
        self.model.fund_rpl(node, wei)
        self.p.fund_rpl(node, wei)

    def stake_rpl(self, node: str, amount: int | str) -> Expect:
        """``node`` stakes RPL it holds."""
        wei = to_wei(amount)
        expect = self.model.stake_rpl(node, wei, now=self._now())
        return self.run("stake_rpl", expect, lambda: self.p.stake_rpl(node, wei))[0]

    def withdraw_rpl(self, node: str, amount: int | str) -> Expect:
        """``node`` withdraws staked RPL above its maximum, after the cooldown."""
        wei = to_wei(amount)
        expect = self.model.withdraw_rpl(node, wei, now=self._now())
        return self.run("withdraw_rpl", expect, lambda: self.p.withdraw_rpl(node, wei))[0]

    def create_minipool(
        self, node: str, bond: int = 8, credit: bool = False, value: int | None = None
    ) -> tuple[Expect, Any]:
        """``node`` bonds ``bond`` ETH (8 or 16; others are refused); returns expect and handle."""
        p = self.p
        salt = p.free_salt(node)
        address = p.expected_minipool_address(node, salt)
        pubkey = p.deposit_data(node, address, PRELAUNCH_VALUE, salt).pubkey
        sent = value if value is not None else (0 if credit else bond * ETH)
        expect = self.model.create_minipool(
            node, bond * ETH, address, pubkey, value=sent, credit=credit, now=self._now()
        )
        expect, handle = self.run(
            "create_minipool",
            expect,
            lambda: p.create_minipool(node, bond=bond, salt=salt, credit=credit, value=sent),
        )
        return expect, handle

    def stake(self, minipool: Any) -> Expect:
        """The owner stakes a prelaunch minipool (31 ETH to the beacon deposit contract)."""
        expect = self.model.stake(minipool, self._now(), caller=minipool.getNodeAddress())
        return self.run("stake", expect, lambda: self.p.stake(minipool))[0]

    # ------------------------------------------------------------------ minipools
    def distribute(self, minipool: Any, caller: str, rewards_only: bool = False) -> Expect:
        """``caller`` distributes ``minipool``'s balance; checks the node/user split."""
        expect = self.model.distribute(minipool, caller, rewards_only, self._now())
        expect, splits = self.run(
            "distribute",
            expect,
            lambda: self.p.distribute(minipool, by=caller, rewards_only=rewards_only),
        )
        if expect.ok and splits:
            node = sum(n for n, _ in splits)
            user = sum(u for _, u in splits)
            self._values("distribute", expect, {"node": node, "user": user})
        return expect

    def _minipool_call(self, action: str, expect: Expect, minipool: Any, fn: str, caller: str):
        return self.run(action, expect, lambda: getattr(minipool, fn)(sender=caller))[0]

    def begin_user_distribute(self, minipool: Any, caller: str) -> Expect:
        """Start the user-distribute timer of an exited minipool."""
        expect = self.model.begin_user_distribute(minipool, caller, self._now())
        return self._minipool_call(
            "begin_user_distribute", expect, minipool, "beginUserDistribute", caller
        )

    def refund(self, minipool: Any, caller: str) -> Expect:
        """The owner takes its refund balance (finalising after a user distribution)."""
        expect = self.model.refund(minipool, caller, now=self._now())
        return self._minipool_call("refund", expect, minipool, "refund", caller)

    def finalise(self, minipool: Any, caller: str) -> Expect:
        """The owner finalises after a user distribution."""
        expect = self.model.finalise(minipool, caller, now=self._now())
        return self._minipool_call("finalise", expect, minipool, "finalise", caller)

    def dissolve(self, minipool: Any, caller: str) -> Expect:
        """Anyone dissolves a minipool stuck in prelaunch past the launch timeout."""
        expect = self.model.dissolve(minipool, self._now())
        return self._minipool_call("dissolve", expect, minipool, "dissolve", caller)

    def close(self, minipool: Any, caller: str) -> Expect:
        """The owner closes a dissolved minipool."""
        expect = self.model.close(minipool, caller)
        return self._minipool_call("close", expect, minipool, "close", caller)

    def vote_scrub(self, member: str, minipool: Any) -> Expect:
        """An oDAO member votes to scrub a prelaunch minipool."""
        expect = self.model.vote_scrub(member, minipool, self._now())
        return self._minipool_call("vote_scrub", expect, minipool, "voteScrub", member)

    def slash(self, minipool: Any, caller: str) -> Expect:
        """Anyone slashes a minipool's node RPL for its recorded shortfall."""
        expect = self.model.slash_minipool(minipool)
        return self._minipool_call("slash", expect, minipool, "slash", caller)

    # ------------------------------------------------------------------ bond reduction
    def begin_reduce_bond(self, minipool: Any, node: str) -> Expect:
        """The owner announces a 16 -> 8 ETH bond reduction."""
        expect = self.model.begin_reduce_bond(minipool, node, self._now())
        reducer = self.p.bond_reducer
        return self.run(
            "begin_reduce_bond",
            expect,
            lambda: reducer.beginReduceBondAmount(minipool.address, 8 * ETH, sender=node),
        )[0]

    def vote_cancel_reduction(self, member: str, minipool: Any) -> Expect:
        """An oDAO member votes to cancel a pending bond reduction."""
        expect = self.model.vote_cancel_reduction(member, minipool, now=self._now())
        reducer = self.p.bond_reducer
        return self.run(
            "vote_cancel_reduction",
            expect,
            lambda: reducer.voteCancelReduction(minipool.address, sender=member),
        )[0]

    def reduce_bond(self, minipool: Any, node: str) -> Expect:
        """The owner reduces the bond inside the window."""
        expect = self.model.reduce_bond(minipool, node, self._now())
        reducer = self.p.bond_reducer
        return self.run(
            "reduce_bond", expect, lambda: reducer.reduceBondAmount(minipool.address, sender=node)
        )[0]

    # ------------------------------------------------------------------ auctions
    def create_lot(self, caller: str) -> Expect:
        """Anyone creates an auction lot from slashed RPL."""
        expect = self.model.create_lot(self._block())
        auction = self.p.auction_manager
        return self.run("create_lot", expect, lambda: auction.createLot(sender=caller))[0]

    def place_bid(self, lot: int, bidder: str, amount: int) -> Expect:
        """``bidder`` bids ``amount`` wei on ``lot``."""
        expect = self.model.place_bid(lot, bidder, amount, self._block(), now=self._now())
        auction = self.p.auction_manager
        return self.run(
            "place_bid", expect, lambda: auction.placeBid(lot, value=amount, sender=bidder)
        )[0]

    def claim_bid(self, lot: int, bidder: str) -> Expect:
        """``bidder`` claims the RPL its bid bought."""
        expect = self.model.claim_bid(lot, bidder, self._block())
        auction = self.p.auction_manager
        return self.run("claim_bid", expect, lambda: auction.claimBid(lot, sender=bidder))[0]

    def recover_unclaimed_rpl(self, lot: int, caller: str) -> Expect:
        """Anyone returns an ended lot's unsold RPL to the auction's balance."""
        expect = self.model.recover_unclaimed_rpl(lot, self._block())
        auction = self.p.auction_manager
        return self.run(
            "recover_unclaimed_rpl",
            expect,
            lambda: auction.recoverUnclaimedRPL(lot, sender=caller),
        )[0]

    # ------------------------------------------------------------------ oracle and governance
    def report(self) -> tuple[int, int, int]:
        """The honest oDAO reports; the model must agree with the oracle on the truth.

        Returns the reported ``(total_eth, staking_eth, reth_supply)``.
        """
        p = self.p
        p.check_beacon_synced()
        try:
            truth = p.oracle.truthful_balances()
        except Reverted as exc:
            # The honest oDAO reads public views (getBalance, calculateUserShare, ...):
            # one reverting in a reachable state leaves the network without reports.
            reason = revert_reason(exc)  # before str(exc), which rewrites the error
            trace = str(exc)
            if not reason or reason.startswith("Revert("):
                reason = "no reason string: an arithmetic check or a bare assert"
            where = next((ln[4:] for ln in trace.splitlines() if ln.startswith("[E] ")), "?")
            raise InvariantViolation(
                "oracle-read",
                "the honest oDAO could not read the chain to report: a view it relies on "
                f"reverted ({reason}) at {where}",
                {"reason": reason, "trace": trace[:2_000]},
            ) from exc
        expected = self.model.truthful_report() if self.check else truth
        if truth != expected:
            raise InvariantViolation(
                "truthful-report",
                "the oracle's truthful balances, read from the contracts, differ from the model's",
                {"oracle": truth, "model": expected},
            )
        block = p.next_report_block()
        for member in p.quorum_members():
            self._submit_balances(member, block, *truth)
        return truth

    def _submit_balances(
        self, member: str, block: int, total: int, staking: int, supply: int
    ) -> Expect:
        """One member's balances vote, predicted by the model and checked."""
        expect = self.model.report_balances(
            block,
            total,
            staking,
            supply,
            member,
            slot_timestamp=self._now(),
            current_block=self._block(),
            now=self._now(),
        )
        balances = self.p.network_balances
        return self.run(
            "submit_balances",
            expect,
            lambda: balances.submitBalances(
                block, self._now(), total, staking, supply, sender=member
            ),
        )[0]

    def report_dishonest(self, member: str, inflate_wei: int) -> Expect:
        """One member votes for an inflated total; a minority must not reach consensus."""
        p = self.p
        total, staking, supply = p.oracle.truthful_balances()
        block = p.next_report_block()
        expect = self._submit_balances(member, block, total + inflate_wei, staking, supply)
        if self.check and p.network_balances.getTotalETHBalance() == total + inflate_wei:
            raise InvariantViolation(
                "dishonest-consensus",
                f"a single dishonest member's report was accepted ({inflate_wei} wei inflated)",
                {"member": member, "reported": total + inflate_wei, "truth": total},
            )
        return expect

    def vote_report(self, member: str, which: str) -> Expect:
        """One member votes for the truthful balances, or for the current RPL price, alone.

        ``which`` is ``"balances"`` or ``"prices"``. The vote is for the next
        report block, as the whole oDAO's would be; whether it brings
        consensus depends on the votes already in and the threshold.
        """
        p = self.p
        block = p.next_report_block()
        if which == "balances":
            return self._submit_balances(member, block, *p.oracle.truthful_balances())
        # The chain's price, not the model's: a bare run has no model.
        return self._submit_price(member, block, p.network_prices.getRPLPrice())

    def execute_update(self, caller: str, which: str, pending: bool = False) -> Expect:
        """``caller`` applies the last accepted balances or prices report again, or a pending one.

        ``which`` is ``"balances"`` or ``"prices"``. A report is applied once:
        its block is no longer after the last accepted one, so the call must
        be refused (before any report, the empty one is refused the same way).
        With ``pending``, the newest report voted for but not applied
        (:meth:`Model.pending_report`): it applies once its votes reach the
        threshold, say after the threshold was lowered. With none pending,
        the last accepted one is tried. Run bare (no model), the last
        accepted report is read from the chain and tried, pending or not.
        """
        m, p = self.model, self.p
        block = self._block()
        key = m.pending_report(which) if pending and self.check else None
        if which == "balances":
            if self.check:
                r = m.report
                last = (r.block, r.slot_timestamp, r.total_eth, r.staking_eth, r.reth_supply)
            else:
                balances = p.network_balances
                last = (
                    balances.getBalancesBlock(),
                    0,
                    balances.getTotalETHBalance(),
                    balances.getStakingETHBalance(),
                    balances.getTotalRETHSupply(),
                )
            args = key or last
            expect = m.execute_update_balances(
                *args[:1], *args[2:], slot_timestamp=args[1], current_block=block
            )
            contract_call = self.p.network_balances.executeUpdateBalances
        else:
            if self.check:
                last = (m.prices_block, 0, m.rpl_price)
            else:
                prices = p.network_prices
                last = (prices.getPricesBlock(), 0, prices.getRPLPrice())
            args = key or last
            expect = m.execute_update_prices(
                args[0], args[2], slot_timestamp=args[1], current_block=block
            )
            contract_call = self.p.network_prices.executeUpdatePrices
        return self.run(
            f"execute_update_{which}", expect, lambda: contract_call(*args, sender=caller)
        )[0]

    def gift(self, sender: str, minipool: Any, wei: int) -> Expect:
        """``sender`` sends ETH to a minipool in a transaction: it is kept, to be distributed.

        The minipool's ``__default__`` accepts anything; the model books it
        as ETH that arrived from outside (like a beacon sweep).
        """
        expect = Expect(True, None, {})
        expect, _ = self.run(
            "gift",
            expect,
            lambda: self.p.chain.raw_call(str(minipool.address), sender=sender, value=wei),
        )
        if self.check:
            self.model.credit(minipool.address, wei)
        return expect

    def report_price(self, price: int | None = None) -> int:
        """The honest oDAO reports an RPL price (default: the oracle's random walk)."""
        p = self.p
        price = p.oracle.next_price() if price is None else price
        block = p.next_report_block()
        for member in p.quorum_members():
            self._submit_price(member, block, price)
        return price

    def _submit_price(self, member: str, block: int, price: int) -> Expect:
        """One member's price vote, predicted by the model and checked."""
        expect = self.model.report_price(
            block,
            price,
            member,
            slot_timestamp=self._now(),
            current_block=self._block(),
            now=self._now(),
        )
        prices = self.p.network_prices
        return self.run(
            "submit_prices",
            expect,
            lambda: prices.submitPrices(block, self._now(), price, sender=member),
        )[0]

    def set_setting(self, path: str, value: int | bool) -> Expect:
        """The guardian changes a setting (refused outside its bounds)."""
        expect = self.model.set_setting(path, value)
        settings = self.p.settings
        if isinstance(value, bool):
            call = lambda: settings.setSettingBool(path, value, sender=self.p.guardian)  # noqa: E731
        else:
            call = lambda: settings.setSettingUint(path, value, sender=self.p.guardian)  # noqa: E731
        return self.run("set_setting", expect, call)[0]

    def advance(self, seconds: int = 0, **kwargs: int) -> None:
        """Move time on the EVM and the beacon chain (see :meth:`Protocol.advance`).

        Time passing is when the honest oDAO's watch runs: it then cancels
        the bond reductions it must (:meth:`watch_bond_reductions`). A node
        that reduces before any time passed after its validator failed has
        raced the oDAO; that is the named outcome
        ``"bond-reduction-not-cancelled"``, not a bug.
        """
        self.p.advance(seconds, **kwargs)
        self.watch_bond_reductions()

    def watch_bond_reductions(self) -> list[Any]:
        """The honest oDAO votes to cancel every unsafe bond reduction; returns those minipools.

        Unsafe as :meth:`HonestOracle.reductions_to_cancel` judges; each
        current member that has not voted on it yet votes (each vote
        checked against the model) until the reduction is cancelled. Run
        bare, every member tries and refusals are swallowed.
        """
        unsafe = self.p.oracle.reductions_to_cancel()
        for minipool in unsafe:
            for member in self._cancel_voters(minipool):
                self.vote_cancel_reduction(member, minipool)
        return unsafe

    def _cancel_voters(self, minipool: Any) -> Any:
        """The members still to vote on cancelling ``minipool``'s reduction, in admission order."""
        if not self.check:
            yield from self.p.odao_members
            return
        model = self.model
        mp = model.minipools[norm(minipool.address)]
        for member in self.p.odao_members:
            if mp.reduction_cancelled:
                return
            nonce = model.members.get(norm(member), 0)
            if nonce and mp.cancel_votes.get(norm(member)) != nonce:
                yield member

    def assign_deposits(self, caller: str) -> Expect:
        """Anyone assigns pool ETH to queued minipools."""
        expect = self.model.assign_deposits(now=self._now())
        pool = self.p.deposit_pool
        return self.run("assign_deposits", expect, lambda: pool.assignDeposits(sender=caller))[0]

    def set_withdrawal_address(self, node: str, caller: str, new_address: str) -> Expect:
        """``caller`` (the node or its withdrawal address) sets a new one, confirmed at once."""
        expect = self.model.set_withdrawal_address(node, caller, new_address, True)
        manager = self.p.node_manager
        return self.run(
            "set_withdrawal_address",
            expect,
            lambda: manager.setWithdrawalAddress(node, new_address, True, sender=caller),
        )[0]

    def add_member(self, member: str) -> Expect:
        """The guardian admits an oDAO member."""
        expect = self.model.add_member(member, now=self._now())
        odao = self.p.odao
        return self.run(
            "add_member", expect, lambda: odao.addMember(member, sender=self.p.guardian)
        )[0]

    def remove_member(self, member: str) -> Expect:
        """The guardian removes an oDAO member."""
        expect = self.model.remove_member(member, now=self._now())
        odao = self.p.odao
        return self.run(
            "remove_member", expect, lambda: odao.removeMember(member, sender=self.p.guardian)
        )[0]

    # ------------------------------------------------------------------ lookups
    def minipool(self, address: str) -> Any:
        """A handle on the minipool at ``address`` (as the model keys it)."""
        return self.p.minipool_at(address)

    def minipool_addresses(self) -> list[str]:
        """Every minipool the model knows, in creation order."""
        return list(self.model.minipools)

    def node_of(self, minipool: Any) -> str:
        """The owner of ``minipool``, from the model."""
        return self.model.minipools[norm(minipool)].node
