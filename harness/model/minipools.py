"""Minipools and the queue: creation, assignment, scrub, stake, dissolve, close, bond reduction.

Rules modelled (``RocketNodeDeposit``, ``RocketMinipoolQueue``,
``RocketMinipoolManager``, ``RocketMinipool``, ``RocketMinipoolBondReducer``):

- A registered node bonds 8 or 16 ETH (sent, or partly paid from deposit
  credit) to create a minipool, if its RPL covers the ``32 ETH - bond`` of
  depositor ETH it will be matched with. The minipool pre-deposits 1 ETH to
  the beacon chain; ``bond - 1 ETH`` joins the pool as node balance; the
  minipool joins the queue (status Initialised) with the network's node fee
  (the target clamped to [minimum, maximum]).
- Assignment, first in first out, gives each queued minipool 31 ETH from the
  pool (status Prelaunch, users' capital ``U = 32 ETH - bond``): at most
  ``socialised maximum + deposit / 31 ETH`` per call, no more than the pool
  pays for, ``deposit.assign.maximum`` and 90.
- In Prelaunch the oDAO may scrub (dissolve; with the penalty on, 2.4 ETH of
  the bond goes to the pool with the users' capital) until
  the scrub period ends; then the node stakes the 31 ETH (status Staking).
  After the launch timeout anyone dissolves it: the users' capital goes back
  to the pool. The node closes a dissolved minipool and takes its balance.
- Bond reduction 16 -> 8 ETH: the node announces it, the oDAO may cancel it
  by quorum, and inside the window (both ends included) the node completes
  it if its RPL covers 8 ETH more matched: rewards so far are split at the
  old ratio, ``N`` becomes 8 ETH, ``U`` 24 ETH, and the 8 ETH released
  becomes the node's deposit credit.
"""

from __future__ import annotations

from typing import Any

from harness.chain.status import DISSOLVED, INITIALISED, PRELAUNCH, STAKING
from harness.model.common import (
    FULL_EXIT_THRESHOLD,
    LARGE_BOND,
    LAUNCH_BALANCE,
    MAX_ASSIGNMENTS,
    MAX_VOTES,
    PRELAUNCH_VALUE,
    PUBKEY_LENGTH,
    SMALL_BOND,
    STAKE_VALUE,
    _action,
    _require,
    _swap_and_pop,
    norm,
)
from harness.model.limits import reduction_window_open
from harness.model.records import MinipoolState


class MinipoolsMixin:
    """A minipool from creation to staking or dissolution, the queue, and bond reduction."""

    # ---------------------------------------------------------------- the queue
    def _queue_capacity(self) -> int:
        return len(self.queue) * STAKE_VALUE

    def _assign(self, paid: int) -> bool:
        """Assign 31 ETH to each queued minipool the rules allow; False if assignment is off.

        At most ``socialised maximum + paid // 31 ETH`` minipools, no more than
        the pool's ETH pays for and no more than ``deposit.assign.maximum``.
        """
        if not self._s("deposit.assign.enabled"):
            return False
        count = self._s("deposit.assign.socialised.maximum") + paid // STAKE_VALUE
        count = min(count, self.pool_balance // STAKE_VALUE, self._s("deposit.assign.maximum"))
        count = min(count, MAX_ASSIGNMENTS)
        if count == 0 or not self.queue:
            return True
        assigned, self.queue = self.queue[:count], self.queue[count:]
        self.pool_balance -= len(assigned) * STAKE_VALUE
        for address in assigned:  # the queue dequeues them all first
            self._emit("RocketMinipoolQueue", "MinipoolDequeued", minipool=address, time=self.now)
        self._vault_ether_out(len(assigned) * STAKE_VALUE)
        pool = self.contract_address("rocketDepositPool")
        for address in assigned:
            mp = self.minipools[address]
            mp.eth += STAKE_VALUE
            # The 1 ETH pre-deposit already on the beacon chain came from the bond.
            mp.user_capital = STAKE_VALUE + PRELAUNCH_VALUE - mp.bond
            mp.assigned_time = self.now
            self._set_status(mp, PRELAUNCH)
            t = self.now
            self._emit(
                "RocketMinipool",
                "EtherDeposited",
                at=address,
                sender=pool,
                amount=STAKE_VALUE,
                time=t,
            )
            self._emit(
                "RocketDepositPool", "DepositAssigned", minipool=address, amount=STAKE_VALUE, time=t
            )
            self.pool_node_balance -= mp.bond - PRELAUNCH_VALUE
        self._move("assigned", len(assigned))
        return True

    @_action
    def assign_deposits(self, now: int | None = None) -> dict[str, int]:
        """Anyone assigns pool ETH to queued minipools (at most the socialised maximum)."""
        self._tick(now)
        self._begin()
        _require(self._assign(0), "deposit pool: deposit assignments are disabled")
        return self._done(assigned=self._moved.get("assigned", 0))

    @_action
    def maybe_assign_deposits(self, now: int | None = None) -> dict[str, int]:
        """Anyone assigns as :meth:`assign_deposits` does; disabled, nothing happens, no revert."""
        self._tick(now)
        self._begin()
        self._assign(0)
        return self._done(assigned=self._moved.get("assigned", 0))

    # ---------------------------------------------------------------- creation
    def network_node_fee(self) -> int:
        """The fee a new minipool gets: the target fee clamped to [minimum, maximum]."""
        fee = max(self._s("network.node.fee.target"), self._s("network.node.fee.minimum"))
        return min(fee, self._s("network.node.fee.maximum"))

    @_action
    def create_minipool(
        self,
        node: str,
        bond_wei: int,
        address: str,
        pubkey: bytes,
        value: int | None = None,
        credit: bool = False,
        minimum_node_fee: int = 0,
        now: int | None = None,
    ) -> dict[str, int]:
        """``node`` bonds ``bond_wei`` to create the minipool at ``address`` (given by the harness).

        ``value`` is the ETH sent (default: the bond, or nothing with
        ``credit``, where the rest comes from the node's deposit credit). In
        the contract's order: registered, deposits enabled, 8 or 16 ETH, value
        equal to the bond (or, with credit, at most the bond and the rest
        covered by usable credit), the network fee at least
        ``minimum_node_fee``, ETH matched within the RPL limit, the address
        and pubkey never used. Effects: 1 ETH pre-deposited to the beacon
        chain, bond - 1 ETH to the pool as node balance, queued, then
        assignment. Values: ``pre_deposit``, ``node_balance``,
        ``credit_used``, ``assigned``.
        """
        self._tick(now)
        self._begin()
        node, address = norm(node), norm(address)
        pubkey = bytes(pubkey)
        state = self.nodes.get(node)
        _require(state is not None, "node deposit: node not registered")
        _require(self._s("node.deposit.enabled"), "node deposit: node deposits are disabled")
        _require(bond_wei in (SMALL_BOND, LARGE_BOND), "node deposit: invalid bond amount")
        if credit:
            value = 0 if value is None else value
            _require(value <= bond_wei, "node deposit: value exceeds bond amount")
            shortfall = bond_wei - value
            _require(
                self.usable_credit(node) >= shortfall, "node deposit: insufficient deposit credit"
            )
        else:
            value = bond_wei if value is None else value
            _require(value == bond_wei, "node deposit: value does not match bond amount")
            shortfall = 0
        fee = self.network_node_fee()
        _require(fee >= minimum_node_fee, "node deposit: minimum node fee exceeds network node fee")
        matched = LAUNCH_BALANCE - bond_wei
        _require(
            state.eth_matched + matched <= self.eth_matched_limit(node),
            "node deposit: insufficient RPL stake",
        )
        used = address in self.minipools
        _require(not used, "node deposit: minipool address already used")
        _require(len(pubkey) == PUBKEY_LENGTH, "minipool manager: invalid validator pubkey")
        _require(
            pubkey not in self.pubkeys_used, "minipool manager: validator pubkey already in use"
        )
        # Effects. Credit is spent first (the contract does it before creation).
        state.deposit_credit -= shortfall
        t = self.now
        if shortfall:
            self._emit(
                "RocketNodeDeposit", "DepositCreditUsed", node=node, amount=shortfall, time=t
            )
        self._emit("RocketNodeDeposit", "DepositReceived", sender=node, amount=value, time=t)
        self._pay_in(node, value)
        mp = MinipoolState(
            address=address,
            node=node,
            pubkey=pubkey,
            bond=bond_wei,
            fee=fee,
            created_time=self.now,
            eth_matched=matched,
            eth_provided=bond_wei,
        )
        self._set_status(mp, INITIALISED)  # by the manager, before it logs the creation
        self._emit("RocketMinipoolManager", "MinipoolCreated", minipool=address, node=node, time=t)
        self.minipools[address] = mp
        self.pubkeys_used[pubkey] = address
        self.minipool_list.append(address)
        state.minipools.append(address)
        state.active_count += 1
        state.eth_matched += matched
        state.eth_provided += bond_wei
        # Unspent credit is node balance in the pool (granted at the bond
        # reduction). Spending it turns that claim into the new minipool's
        # queued bond: the node balance becomes credit left + bond - 1 ETH,
        # which is a change of exactly the ETH the pool gains or pays out.
        in_hand = value
        if in_hand < PRELAUNCH_VALUE:
            # Credit pays part of the pre-deposit, from the node balance's ETH.
            self.pool_balance -= PRELAUNCH_VALUE - in_hand
            self.pool_node_balance -= PRELAUNCH_VALUE - in_hand
            self._vault_ether_out(PRELAUNCH_VALUE - in_hand)
            in_hand = PRELAUNCH_VALUE
        mp.beacon_deposited += PRELAUNCH_VALUE
        self.beacon_deposits += PRELAUNCH_VALUE
        self.beacon_deposit_count += 1
        self.pool_balance += in_hand - PRELAUNCH_VALUE
        self.pool_node_balance += in_hand - PRELAUNCH_VALUE
        if in_hand > PRELAUNCH_VALUE:
            self._vault_ether_in(in_hand - PRELAUNCH_VALUE)
        self.queue.append(address)
        self._emit("RocketMinipoolQueue", "MinipoolEnqueued", minipool=address, time=t)
        self._assign(0)
        return self._done(
            pre_deposit=PRELAUNCH_VALUE,
            node_balance=bond_wei - PRELAUNCH_VALUE,
            credit_used=shortfall,
            assigned=self._moved.get("assigned", 0),
        )

    # ---------------------------------------------------------------- prelaunch, staking, dissolved
    @_action
    def stake(self, minipool: Any, now: int, caller: str | None = None) -> dict[str, int]:
        """The owner stakes a prelaunch minipool after the scrub period: 31 ETH to the beacon chain.

        ``caller`` defaults to the minipool's node (the only one allowed).
        """
        self._tick(now)
        mp = self._minipool(minipool)
        caller = mp.node if caller is None else norm(caller)
        _require(caller == mp.node, "minipool: caller is not the minipool owner")
        _require(mp.status == PRELAUNCH, "minipool: can only stake while in prelaunch")
        _require(
            self.now > mp.status_time + self._s("minipool.scrub.period"),
            "minipool: scrub period has not ended",
        )
        _require(mp.eth >= STAKE_VALUE, "minipool: insufficient balance to stake")
        self._set_status(mp, STAKING)
        mp.eth -= STAKE_VALUE
        mp.beacon_deposited += STAKE_VALUE
        self.beacon_deposits += STAKE_VALUE
        self.beacon_deposit_count += 1
        # The manager distributes the node's fees first, at the figures before this one stakes.
        self._try_distribute_fees(mp.node)
        mp.staking_counted = True
        self.nodes[mp.node].staking_count += 1
        return {"staked": STAKE_VALUE}

    def _dissolve(self, mp: MinipoolState, penalty: int = 0) -> int:
        """Status Dissolved; the users' capital and ``penalty`` of the bond go back to the pool.

        The pool then assigns, as for any deposit.
        """
        self._set_status(mp, DISSOLVED)
        amount = mp.user_capital + penalty
        mp.user_capital = 0
        mp.eth -= amount
        self._move("recycled", amount)
        self._emit(
            "RocketDepositPool", "DepositRecycled", sender=mp.address, amount=amount, time=self.now
        )
        self._process_deposit(amount)
        self._emit(
            "RocketMinipool",
            "EtherWithdrawn",
            at=mp.address,
            to=self.contract_address("rocketDepositPool"),
            amount=amount,
            time=self.now,
        )
        return amount

    @_action
    def dissolve(self, minipool: Any, now: int) -> dict[str, int]:
        """Anyone dissolves a minipool still in prelaunch after the launch timeout.

        Values: ``recycled`` (user ETH back to the pool), ``assigned``.
        """
        self._tick(now)
        self._begin()
        mp = self._minipool(minipool)
        _require(mp.status == PRELAUNCH, "minipool: can only dissolve while in prelaunch")
        _require(
            self.now - mp.status_time >= self._s("minipool.launch.timeout"),
            "minipool: launch timeout has not passed",
        )
        self._dissolve(mp)
        return self._done()

    @_action
    def close(self, minipool: Any, caller: str | None = None) -> dict[str, int]:
        """The node closes a dissolved minipool: its whole balance to the withdrawal address.

        The record is destroyed (the address can never host a minipool again)
        and, unless finalised, its ETH matched and provided leave the node's
        totals. Values: ``paid``.
        """
        mp = self._minipool(minipool)
        caller = mp.node if caller is None else norm(caller)
        _require(caller == mp.node, "minipool: caller is not the minipool owner")
        _require(mp.status == DISSOLVED, "minipool: can only close while dissolved")
        _require(not mp.closed, "minipool: already closed")
        self._checkpoint_payment(mp)
        mp.closed = True
        mp.bond = 0
        mp.user_capital = 0
        mp.refund = 0
        mp.destroyed = True
        if not mp.finalised:
            self._release(mp)
        node = self.nodes[mp.node]
        # The manager's sets, in the manager's order (see getMinipoolAt, getNodeMinipoolAt).
        _swap_and_pop(self.minipool_list, mp.address)
        if mp.address in node.minipools:
            _swap_and_pop(node.minipools, mp.address)
        self._emit(
            "RocketMinipoolManager",
            "MinipoolDestroyed",
            minipool=mp.address,
            node=mp.node,
            time=self.now,
        )
        paid = self._pay_owner_everything(mp)
        return {"paid": paid}

    def _release(self, mp: MinipoolState) -> None:
        node = self.nodes[mp.node]
        node.active_count -= 1
        node.eth_matched -= mp.eth_matched
        node.eth_provided -= mp.eth_provided
        mp.eth_matched = 0
        mp.eth_provided = 0

    def _pay_owner_everything(self, mp: MinipoolState) -> int:
        amount = mp.eth
        if amount:
            mp.eth = 0
            self._pay_node(mp, amount, "minipool: transfer to withdrawal address failed")
            self._emit(
                "RocketMinipool",
                "EtherWithdrawn",
                at=mp.address,
                to=self.withdrawal_address(mp.node),
                amount=amount,
                time=self.now,
            )
        return amount

    @_action
    def vote_scrub(self, member: str, minipool: Any, now: int) -> dict[str, int]:
        """An oDAO member votes to scrub a prelaunch minipool during the scrub period.

        At the scrub quorum (counting current memberships only) the minipool
        is dissolved. If the penalty is enabled (v1.3.1's
        ``_dissolve(scrubPenalty)``), ``minipool.scrub.penalty`` of the bond,
        capped at the bond left in the minipool (bond less the 1 ETH
        pre-deposit), goes to the pool with the users' capital. Values:
        ``votes``, ``scrubbed`` (0/1), ``recycled`` (capital plus penalty),
        ``assigned``.
        """
        self._tick(now)
        self._begin()
        member = norm(member)
        mp = self._minipool(minipool)
        _require(mp.status == PRELAUNCH, "minipool: can only scrub while in prelaunch")
        nonce = self.members.get(member, 0)
        _require(nonce != 0, "minipool: caller is not an oDAO member")
        _require(
            self.now <= mp.status_time + self._s("minipool.scrub.period"),
            "minipool: scrub period has ended",
        )
        _require(mp.scrub_votes.get(member) != nonce, "minipool: member has already voted to scrub")
        _require(len(mp.scrub_votes) < MAX_VOTES, "odao votes: ballot is full")
        mp.scrub_votes[member] = nonce
        self._emit("RocketMinipool", "ScrubVoted", at=mp.address, member=member, time=self.now)
        scrubbed = self._reached(mp.scrub_votes, self._s("minipool.scrub.quorum"))
        if scrubbed:
            self._dissolve(mp, self._scrub_penalty(mp))
            self._emit("RocketMinipool", "MinipoolScrubbed", at=mp.address, time=self.now)
        return self._done(votes=self._count_valid(mp.scrub_votes), scrubbed=int(scrubbed))

    def _scrub_penalty(self, mp: MinipoolState) -> int:
        """The ETH a scrub takes from ``mp``'s bond for the users (0 when the penalty is off)."""
        if not self._s("minipool.scrub.penalty.enabled"):
            return 0
        return min(self._s("minipool.scrub.penalty"), mp.bond - PRELAUNCH_VALUE)

    # ---------------------------------------------------------------- bond reduction
    def _check_reducer_owner(self, mp: MinipoolState, caller: str) -> None:
        _require(not mp.destroyed, "bond reducer: minipool does not exist")
        _require(caller == mp.node, "bond reducer: caller is not the minipool owner")
        _require(
            self._s("minipool.bond.reduction.enabled"), "bond reducer: bond reduction is disabled"
        )
        _require(not mp.reduction_cancelled, "bond reducer: bond reduction was cancelled")

    @_action
    def begin_reduce_bond(
        self, minipool: Any, node: str, now: int, new_bond: int = SMALL_BOND
    ) -> dict[str, int]:
        """The node announces a 16 -> 8 ETH bond reduction of a staking minipool (restarts it)."""
        self._tick(now)
        mp = self._minipool(minipool)
        self._check_reducer_owner(mp, norm(node))
        _require(mp.status == STAKING, "bond reducer: minipool must be staking")
        _require(new_bond in (SMALL_BOND, LARGE_BOND), "bond reducer: invalid bond amount")
        _require(new_bond < mp.bond, "bond reducer: bond must be lower than the current bond")
        mp.reduce_time = self.now
        mp.reduce_value = new_bond
        self._emit(
            "RocketMinipoolBondReducer",
            "BeginBondReduction",
            minipool=mp.address,
            newBondAmount=new_bond,
            time=self.now,
        )
        return {"time": self.now}

    def _reduction_window_open(self, mp: MinipoolState) -> bool:
        return reduction_window_open(self, mp, self.now)

    @_action
    def vote_cancel_reduction(
        self, member: str, minipool: Any, now: int | None = None
    ) -> dict[str, int]:
        """An oDAO member votes to cancel a bond reduction; at the scrub quorum it ends for good."""
        self._tick(now)
        member = norm(member)
        mp = self._minipool(minipool)
        nonce = self.members.get(member, 0)
        _require(nonce != 0, "bond reducer: caller is not an oDAO member")
        _require(not mp.destroyed, "bond reducer: minipool does not exist")
        _require(not mp.reduction_cancelled, "bond reducer: already cancelled")
        _require(
            mp.cancel_votes.get(member) != nonce,
            "bond reducer: member has already voted to cancel",
        )
        _require(len(mp.cancel_votes) < MAX_VOTES, "odao votes: ballot is full")
        mp.cancel_votes[member] = nonce
        self._emit(
            "RocketMinipoolBondReducer",
            "CancelReductionVoted",
            minipool=mp.address,
            member=member,
            time=self.now,
        )
        cancelled = self._reached(mp.cancel_votes, self._s("minipool.scrub.quorum"))
        if cancelled:
            mp.reduction_cancelled = True
            mp.reduce_time = 0
            mp.reduce_value = 0
            self._emit(
                "RocketMinipoolBondReducer",
                "ReductionCancelled",
                minipool=mp.address,
                time=self.now,
            )
        return {"votes": self._count_valid(mp.cancel_votes), "cancelled": int(cancelled)}

    @_action
    def reduce_bond(self, minipool: Any, node: str, now: int) -> dict[str, int]:
        """The node completes the announced reduction inside its window (both ends included).

        The node's ETH matched grows by 8 ETH (its RPL must cover it); skimmed
        rewards are first split at the old ratio; the bond becomes 8 ETH, the
        users' capital 24 ETH, and the 8 ETH released becomes deposit credit.
        Values: ``credit``, and ``node``/``user`` of the rewards split.
        """
        self._tick(now)
        self._begin()
        node = norm(node)
        mp = self._minipool(minipool)
        self._check_reducer_owner(mp, node)
        _require(self._reduction_window_open(mp), "bond reducer: outside the bond reduction window")
        new_bond = mp.reduce_value
        _require(new_bond < mp.bond, "bond reducer: bond must be lower than the current bond")
        delta = mp.bond - new_bond
        state = self.nodes[node]
        _require(
            state.eth_matched + delta <= self.eth_matched_limit(node),
            "bond reducer: insufficient RPL stake",
        )
        # The minipool's own checks (its revert reasons bubble up).
        _require(mp.status == STAKING, "minipool: minipool must be staking")
        _require(not mp.capital_distributed, "minipool: balance already distributed")
        _require(mp.bond == LARGE_BOND, "minipool: bond is not 16 ETH")
        balance = mp.eth - mp.refund
        _require(
            balance < FULL_EXIT_THRESHOLD,
            "minipool: cannot reduce bond with a balance of 8 ETH or more",
        )
        # The manager's update (below) distributes the node's fees first, at the figures
        # before the reduction: taken now, before the minipool's bond changes.
        figures = self._fee_figures(mp.node) if mp.staking_counted else None
        mp.reduce_time = 0
        mp.reduce_value = 0
        mp.last_reduction_time = self.now
        self._sender = self.contract_address("rocketMinipoolBondReducer")  # calls the minipool
        if balance > 0:
            self._distribute_rewards(mp, balance)
        total = self._total(mp)
        share_before = self._user_share(mp, total)
        previous, t = mp.bond, self.now
        self._emit(
            "RocketMinipool",
            "BondReduced",
            at=mp.address,
            previousBondAmount=previous,
            newBondAmount=new_bond,
            time=t,
        )
        if figures is not None:  # the manager's update distributes first
            self._try_distribute_fees(mp.node, figures)
        self._emit(
            "RocketMinipoolManager",
            "MinipoolBondUpdated",
            minipool=mp.address,
            previousBondAmount=mp.eth_provided,
            newBondAmount=new_bond,
            time=t,
        )
        self._emit("RocketNodeDeposit", "DepositCreditIncreased", node=node, amount=delta, time=t)
        self._emit(
            "RocketMinipoolBondReducer",
            "BondReductionCompleted",
            minipool=mp.address,
            previousBondAmount=previous,
            newBondAmount=new_bond,
            time=t,
        )
        mp.bond = new_bond
        mp.user_capital += delta
        # The reference leaves the validator's health to the oDAO: it must
        # cancel a reduction whose validator fell below 32 ETH or is leaving
        # (harness.world.oracle.HonestOracle.reductions_to_cancel). One it did not
        # cancel moves `delta` of the pool's user ETH (the node's credit, below)
        # into a minipool whose users' share may not grow by as much: what
        # the node's smaller bond no longer absorbs is the users' loss, booked
        # for a named outcome rather than left to look like a bug.
        grown = self._user_share(mp, total) - share_before
        self.unpoliced_losses += max(0, delta - grown)
        mp.eth_provided -= delta
        mp.eth_matched += delta
        state.eth_provided -= delta
        state.eth_matched += delta
        state.deposit_credit += delta
        # The users' capital grew with no ETH moving: the credit is the node's
        # claim on the pool until spent, so it is node balance there.
        self.pool_node_balance += delta
        return self._done(credit=delta)
