"""The split of a minipool's balance between node and users, and paying it out.

Rules modelled (``RocketMinipool``'s ``distributeBalance``, ``refund``,
``finalise``, ``slash``; the arithmetic is :mod:`harness.model.economics`):

- What a minipool will split is its validator's beacon balance plus its
  contract ETH less its refund balance (ETH already the node's).
- Below 8 ETH the balance is skimmed rewards: the node gets its capital's
  share ``r * N / (U + N)`` plus the fee on the rest. From 8 ETH, before the
  exit was distributed, it is the exit: above ``U + N`` the node gets ``N``
  and its rewards share of the excess; between ``U`` and ``U + N`` it gets
  ``b - U`` (its bond absorbs losses first); at or below ``U`` nothing, and
  ``U - b`` is slashed from its RPL.
- The users' part goes to the rETH contract at once; the node's part joins
  the refund balance, paid to its withdrawal address by the owner's call.
- The owner may distribute the exit at any time (and finalises); anyone else
  only inside the user-distribute window (opened by
  ``beginUserDistribute``, from 90 days for 2 days), after which the owner
  finalises. Finalising (once) splits what arrived since, releases the
  node's ETH matched and provided, slashes RPL for any shortfall, sends
  excess rETH collateral back to the pool, and pays the refund.
- A dissolved minipool's balance is all the owner's.
- The exit's node share is cut by the minipool's MEV-theft penalty rate
  (:mod:`harness.model.penalties`), the users getting what it takes.
"""

from __future__ import annotations

from typing import Any

from harness.chain.beacon import WITHDRAWN
from harness.chain.status import DISSOLVED, STAKING
from harness.model import economics as econ
from harness.model.common import FULL_EXIT_THRESHOLD, _action, _require, norm
from harness.model.records import MinipoolState
from harness.units import GWEI


class DistributionMixin:
    """A minipool's node/users split: queries, distribution, refund, finalise, slash."""

    # ---------------------------------------------------------------- the split
    def validator_balance(self, minipool: Any) -> int:
        """The minipool's validator balance on the beacon chain in wei (0 if it has none)."""
        mp = self._minipool(minipool)
        try:
            return self.beacon.validator(mp.pubkey).balance * GWEI
        except KeyError:
            return 0

    def minipool_total(self, minipool: Any) -> int:
        """Beacon balance + contract ETH - refund balance: what the minipool will split.

        A deposit the minipool made that the beacon chain has not processed
        yet (between the call and the harness ingesting its log) counts as
        on the beacon chain already: the ETH is the validator's either way.
        """
        return self._total(self._minipool(minipool))

    def _total(self, mp: MinipoolState) -> int:
        """:meth:`minipool_total` of a record in hand (the sums below skip the address lookup)."""
        try:
            validator = self.beacon.validator(mp.pubkey)
        except KeyError:
            balance = seen = 0
        else:
            balance, seen = validator.balance * GWEI, validator.deposited * GWEI
        return balance + mp.beacon_deposited - seen + mp.eth - mp.refund

    def pending_user_share(self, minipool: Any) -> int:
        """The users' share of :meth:`minipool_total` under the rules that would apply now.

        A dissolved minipool owes users nothing (their capital went back to
        the pool). Once the exit was distributed, anything left is split as
        rewards, as ``distributeBalance`` would; before, by
        :func:`harness.model.economics.user_share` (skim below 8 ETH, exit above).
        """
        mp = self._minipool(minipool)
        if mp.status == DISSOLVED:
            return 0
        return self._user_share(mp, self._total(mp))

    def _user_share(self, mp: MinipoolState, total: int) -> int:
        """:meth:`pending_user_share` of a live (not dissolved) ``mp`` whose total is ``total``.

        An exit's split counts the minipool's MEV-theft penalty rate.
        """
        if mp.capital_distributed:
            return total - econ.rewards_node_share(total, mp.user_capital, mp.bond, mp.fee)
        return econ.user_share(
            total, mp.user_capital, mp.bond, mp.fee, self.penalty_rate(mp.address)
        )

    def user_shares(self) -> dict[str, int]:
        """:meth:`pending_user_share` of every minipool, keyed by address, in one pass.

        A snapshot, right only until the model or the beacon chain next
        changes: for a caller that asks several of :meth:`held_for_users`,
        :meth:`world_gain` and :meth:`uncovered_losses` at one moment (the
        checks after a step), so each minipool is split once, not once per sum.
        """
        return {
            address: 0 if mp.status == DISSOLVED else self._user_share(mp, self._total(mp))
            for address, mp in self.minipools.items()
        }

    def node_split(self, minipool: Any, balance: int) -> dict[str, int]:
        """How ``distributeBalance`` would split ``balance`` now: ``{"node", "user", "slash"}``.

        An exit (from 8 ETH, before capital was distributed) by
        :func:`harness.model.economics.node_share`, anything else as rewards; a
        dissolved minipool's balance is all the node's.
        """
        mp = self._minipool(minipool)
        if mp.status == DISSOLVED:
            return {"node": balance, "user": 0, "slash": 0}
        if balance >= FULL_EXIT_THRESHOLD and not mp.capital_distributed:
            node = econ.node_share(
                balance, mp.user_capital, mp.bond, mp.fee, self.penalty_rate(mp.address)
            )
            slash = max(0, mp.user_capital - balance)
        else:
            node = econ.rewards_node_share(balance, mp.user_capital, mp.bond, mp.fee)
            slash = 0
        return {"node": node, "user": balance - node, "slash": slash}

    # ---------------------------------------------------------------- paying out
    def _pay_split(self, mp: MinipoolState, balance: int, node_amount: int) -> int:
        user_amount = balance - node_amount
        if user_amount > 0:  # the users' share goes to rETH
            self._emit(
                "RocketTokenRETH",
                "EtherDeposited",
                sender=mp.address,
                amount=user_amount,
                time=self.now,
            )
        self._emit(
            "RocketMinipool",
            "EtherWithdrawalProcessed",
            at=mp.address,
            executed=self._sender,
            nodeAmount=node_amount,
            userAmount=user_amount,
            totalBalance=balance,
            time=self.now,
        )
        mp.refund += node_amount
        mp.node_credited += node_amount
        mp.eth -= user_amount
        mp.user_paid += user_amount
        self.reth_eth += user_amount
        self._move("node", node_amount)
        self._move("user", user_amount)
        return user_amount

    def _distribute_exit(self, mp: MinipoolState, balance: int) -> None:
        rate = self.penalty_rate(mp.address)
        node_amount = econ.node_share(balance, mp.user_capital, mp.bond, mp.fee, rate)
        unpenalised = econ.node_share(balance, mp.user_capital, mp.bond, mp.fee)
        # What the penalty moved from the node to the users, for the invariants.
        self.last_penalty = {
            "minipool": mp.address,
            "rate": rate,
            "share": unpenalised,
            "taken": unpenalised - node_amount,
            "user": balance - node_amount,
            "balance": balance,
        }
        self.penalties_taken += unpenalised - node_amount
        if balance < mp.user_capital:
            mp.slash = mp.user_capital - balance
            self._move("slash", mp.slash)
        mp.exit_balance = balance
        mp.capital_returned += self._pay_split(mp, balance, node_amount)

    def _distribute_rewards(self, mp: MinipoolState, balance: int) -> None:
        users_before = self._user_share(mp, self._total(mp))
        node_amount = econ.rewards_node_share(balance, mp.user_capital, mp.bond, mp.fee)
        user_amount = self._pay_split(mp, balance, node_amount)
        # A skim is split by its own balance alone, as v1.3.1's calculateNodeShare
        # does: it cannot see a validator whose losses went past the bond, and
        # then pays the node a share of ETH that was the users' (the RPL slashed
        # at the exit is what makes them whole). Booked as the users' loss, like
        # the beacon chain's, for solvency's allowance (see ReportMarks).
        users_after = self._user_share(mp, self._total(mp)) + user_amount
        self.skim_past_bond_losses += max(0, users_before - users_after)
        if not mp.capital_distributed and self._validator_withdrawn(mp):
            # docs/protocol.md's known weakness: an exit under 8 ETH is split as
            # rewards. It is still the users' capital coming back.
            mp.capital_returned += user_amount

    def _validator_withdrawn(self, mp: MinipoolState) -> bool:
        try:
            return self.beacon.validator(mp.pubkey).status == WITHDRAWN
        except KeyError:
            return False

    def _finalise(self, mp: MinipoolState) -> None:
        """Once: split what arrived since, update counters, slash RPL, recycle excess, refund."""
        _require(not mp.finalised, "minipool: already finalised")
        mp.finalised = True
        extra = mp.eth - mp.refund
        if extra > 0:
            self._distribute_rewards(mp, extra)
        node = self.nodes[mp.node]
        if mp.staking_counted:
            self._try_distribute_fees(mp.node)
            mp.staking_counted = False
            node.staking_count -= 1
        node.finalised_count += 1
        self._release(mp)
        if mp.slash > 0:
            self._slash(mp)
        self._deposit_excess_collateral()
        if mp.refund > 0:
            self._refund(mp)
        self._move("finalised", 1)

    def _slash(self, mp: MinipoolState) -> None:
        amount = mp.slash
        mp.slash = 0
        mp.rpl_slashed += self._slash_rpl(mp.node, amount)

    def _refund(self, mp: MinipoolState) -> None:
        amount = mp.refund
        mp.refund = 0
        mp.eth -= amount
        self._pay_node(mp, amount, "minipool: refund transfer failed")
        self._emit(
            "RocketMinipool",
            "EtherWithdrawn",
            at=mp.address,
            to=self.withdrawal_address(mp.node),
            amount=amount,
            time=self.now,
        )
        self._move("refunded", amount)

    def _user_distribute_allowed(self, mp: MinipoolState) -> bool:
        started = mp.user_distribute_time
        if started == 0:
            return False
        opens = started + self._s("minipool.user.distribute.window.start")
        closes = opens + self._s("minipool.user.distribute.window.length")
        return opens <= self.now < closes

    def user_distribute_allowed(self, minipool: Any, now: int | None = None) -> bool:
        """Whether a non-owner may distribute the exit at ``now``: [start + 90 d, + 2 d)."""
        mp = self._minipool(minipool)
        saved = self.now
        if now is not None:
            self.now = now
        try:
            return self._user_distribute_allowed(mp)
        finally:
            self.now = saved

    # ---------------------------------------------------------------- actions
    @_action
    def distribute(
        self, minipool: Any, caller: str, rewards_only: bool, now: int
    ) -> dict[str, int]:
        """``caller`` distributes the minipool's balance less its refund (``distributeBalance``).

        Dissolved: the owner takes everything. Otherwise the minipool must be
        staking. From 8 ETH, before the exit was distributed, it is the exit:
        refused with ``rewards_only``; a non-owner only inside the
        user-distribute window; the owner's call finalises at once, a
        non-owner's marks it user-distributed. Anything else is split as
        rewards, and an owner's call then finalises a user-distributed
        minipool or pays the refund. The user-distribute timer resets.
        Values: ``node`` and ``user`` (the split), ``slash`` (users' capital
        the exit did not cover), ``refunded``, ``rpl_slashed``, ``recycled``,
        ``finalised``, ``paid`` (dissolved only).
        """
        self._tick(now)
        self._begin()
        caller = self._sender = norm(caller)
        mp = self._minipool(minipool)
        owner = self._is_owner(mp, caller)
        if owner:
            self._checkpoint_payment(mp)
        if mp.status == DISSOLVED:
            _require(owner, "minipool: only the owner can distribute a dissolved minipool")
            return self._done(paid=self._pay_owner_everything(mp))
        _require(mp.status == STAKING, "minipool: minipool must be staking")
        balance = mp.eth - mp.refund
        if balance >= FULL_EXIT_THRESHOLD and not mp.capital_distributed:
            _require(not rewards_only, "minipool: balance exceeds 8 ETH")
            if not owner:
                _require(
                    self._user_distribute_allowed(mp),
                    "minipool: only the owner can distribute right now",
                )
            self._distribute_exit(mp, balance)
            if owner:
                self._finalise(mp)
            else:
                mp.user_distributed = True
        else:
            self._distribute_rewards(mp, balance)
            if owner:
                if mp.user_distributed and not mp.finalised:
                    self._finalise(mp)
                elif mp.refund > 0:
                    self._refund(mp)
        mp.user_distribute_time = 0
        out = self._done()
        for key in ("node", "user", "slash"):
            out.setdefault(key, 0)
        return out

    @_action
    def begin_user_distribute(self, minipool: Any, caller: str, now: int) -> dict[str, int]:
        """Anyone starts the user-distribute timer of an exited, undistributed minipool.

        Refused while a timer runs and its window has not passed (no one can
        keep pushing the users' distribution back).
        """
        self._tick(now)
        mp = self._minipool(minipool)
        _require(mp.status == STAKING, "minipool: minipool must be staking")
        _require(not mp.capital_distributed, "minipool: balance already distributed")
        _require(mp.eth - mp.refund >= FULL_EXIT_THRESHOLD, "minipool: balance too low")
        if mp.user_distribute_time != 0:
            _require(
                self.now
                >= mp.user_distribute_time
                + self._s("minipool.user.distribute.window.start")
                + self._s("minipool.user.distribute.window.length"),
                "minipool: user distribution already pending",
            )
        mp.user_distribute_time = self.now
        self._emit(
            "RocketMinipool",
            "UserDistributeBegun",
            at=mp.address,
            sender=norm(caller),
            time=self.now,
        )
        return {"time": self.now}

    @_action
    def refund(self, minipool: Any, caller: str, now: int | None = None) -> dict[str, int]:
        """An owner takes the refund balance; after a user distribution this finalises first.

        Values: ``refunded`` and, when finalising, what finalising moved.
        """
        self._tick(now)
        self._begin()
        mp = self._minipool(minipool)
        self._sender = norm(caller)
        _require(self._is_owner(mp, norm(caller)), "minipool: caller is not the minipool owner")
        _require(mp.refund > 0, "minipool: no refund balance")
        self._checkpoint_payment(mp)
        if mp.user_distributed and not mp.finalised:
            self._finalise(mp)
        else:
            self._refund(mp)
        return self._done()

    @_action
    def finalise(self, minipool: Any, caller: str, now: int | None = None) -> dict[str, int]:
        """An owner finalises after a user distribution (once)."""
        self._tick(now)
        self._begin()
        mp = self._minipool(minipool)
        self._sender = norm(caller)
        _require(self._is_owner(mp, norm(caller)), "minipool: caller is not the minipool owner")
        _require(mp.user_distributed, "minipool: can only finalise after a user distribution")
        self._checkpoint_payment(mp)
        self._finalise(mp)
        return self._done()

    @_action
    def slash_minipool(self, minipool: Any) -> dict[str, int]:
        """Anyone slashes the node's RPL for a minipool's pending slash balance."""
        self._begin()
        mp = self._minipool(minipool)
        _require(mp.slash > 0, "minipool: no balance to slash")
        self._slash(mp)
        return self._done()
