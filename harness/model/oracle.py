"""The oracle DAO: members, votes by consensus, balances reports and RPL price reports.

Rules modelled (``RocketDAONodeTrusted``, ``RocketNetworkBalances``,
``RocketNetworkPrices``, the ``oracle_consensus`` and ``odao_votes`` modules):

- The guardian admits and removes members (at most 64); each admission gets
  a fresh membership nonce, and a vote counts only while the membership it
  was cast under lasts.
- A member votes once per block for ``(block, slotTimestamp, totalEth,
  stakingEth, rethSupply)`` or ``(block, slotTimestamp, rplPrice)``; the
  block must be past, after the last accepted one, with ``staking <= total``
  or a positive price. A report applies when
  ``1e18 * validVotes / members >= network.consensus.threshold`` (51%), on
  the vote that reaches it or, later, by anyone's ``executeUpdate...``.
- A balances report carries the :class:`~harness.model.records.ReportMarks`
  of the moment it was first voted for, so a late one is judged by what was
  true then.
"""

from __future__ import annotations

from dataclasses import replace

from harness.model.common import (
    MAX_MEMBERS,
    MAX_VOTES,
    ZERO_ADDRESS,
    _action,
    _require,
    _swap_and_pop,
    norm,
)
from harness.model.records import Report, ReportMarks
from harness.units import ONE


class OracleMixin:
    """oDAO membership and vote counting, balances reports, RPL price reports."""

    # ---------------------------------------------------------------- members and votes
    def _admit(self, member: str) -> None:
        self.last_nonce += 1
        self.members[member] = self.last_nonce
        self.member_list.append(member)
        self.member_joined[member] = self.now

    def _nonce(self, member: str) -> int:
        return self.members.get(norm(member), 0)

    def _count_valid(self, votes: list[tuple[str, int]] | dict[str, int]) -> int:
        items = votes.items() if isinstance(votes, dict) else votes
        return sum(1 for voter, nonce in items if self.members.get(voter) == nonce)

    def _reached(self, votes: list[tuple[str, int]] | dict[str, int], quorum: int) -> bool:
        members = len(self.members)
        if members == 0:
            return False
        return ONE * self._count_valid(votes) // members >= quorum

    def _record_vote(
        self,
        votes: dict[tuple, list[tuple[str, int]]],
        voted: dict[tuple[str, int, int], tuple],
        member: str,
        block: int,
        key: tuple,
        prefix: str,
    ) -> None:
        nonce = self.members.get(member, 0)
        _require(nonce != 0, f"{prefix}: caller is not an oDAO member")
        previous = voted.get((member, nonce, block))
        _require(previous != key, f"{prefix}: duplicate submission from member")
        _require(previous is None, f"{prefix}: member already voted for this block")
        _require(len(votes.get(key, [])) < MAX_VOTES, f"{prefix}: too many votes for this report")
        voted[(member, nonce, block)] = key
        votes.setdefault(key, []).append((member, nonce))

    @_action
    def add_member(self, member: str, now: int | None = None) -> dict[str, int]:
        """The guardian admits ``member`` to the oDAO with a fresh membership nonce."""
        self._tick(now)
        member = norm(member)
        _require(member != ZERO_ADDRESS, "odao: zero address")
        _require(member not in self.members, "odao: already a member")
        _require(len(self.members) < MAX_MEMBERS, "odao: member limit reached")
        self._admit(member)
        self._emit(
            "RocketDAONodeTrusted",
            "MemberJoined",
            nodeAddress=member,
            nonce=self.last_nonce,
            time=self.now,
        )
        return {"nonce": self.last_nonce}

    @_action
    def remove_member(self, member: str, now: int | None = None) -> dict[str, int]:
        """The guardian removes ``member``; its votes on open reports and ballots stop counting."""
        self._tick(now)
        member = norm(member)
        _require(member in self.members, "odao: not a member")
        del self.members[member]
        del self.member_joined[member]
        _swap_and_pop(self.member_list, member)
        self._emit("RocketDAONodeTrusted", "MemberLeft", nodeAddress=member, time=self.now)
        return {"members": len(self.members)}

    # ---------------------------------------------------------------- balances
    @_action
    def report_balances(
        self,
        block: int,
        total_eth: int,
        staking_eth: int,
        reth_supply: int,
        member: str,
        *,
        slot_timestamp: int = 0,
        current_block: int | None = None,
        now: int | None = None,
    ) -> dict[str, int]:
        """``member`` votes for a balances report; the vote that brings consensus applies it.

        Checks: membership (first, as the reference's ``onlyTrustedNode``),
        submissions enabled, ``block`` before ``current_block`` (skipped when
        not given), after the last accepted report, ``staking <= total``, then
        the vote itself (one vote per member and block, the same values twice
        called a duplicate). Consensus: ``1e18 * valid votes /
        members >= threshold``, counting only votes of current memberships.
        ``slot_timestamp`` is part of what is voted on, as in the contract.
        Values: ``votes`` (valid ones for these values), ``accepted`` (0/1).
        """
        self._tick(now)
        prefix = "network balances"
        # Membership first, as the reference's onlyTrustedNode modifier runs before the body.
        _require(self.members.get(norm(member), 0) != 0, f"{prefix}: caller is not an oDAO member")
        self._check_balances_report(block, total_eth, staking_eth, current_block)
        key = (block, slot_timestamp, total_eth, staking_eth, reth_supply)
        self._record_vote(
            self._balance_votes, self._balance_voted, norm(member), block, key, prefix
        )
        self._emit(
            "RocketNetworkBalances",
            "BalancesSubmitted",
            sender=norm(member),
            block=block,
            slotTimestamp=slot_timestamp,
            totalEth=total_eth,
            stakingEth=staking_eth,
            rethSupply=reth_supply,
            time=self.now,
        )
        if key not in self._balance_marks:
            self._balance_marks[key] = ReportMarks.of(self)
        accepted = self._reached(self._balance_votes[key], self._s("network.consensus.threshold"))
        if accepted:
            self._accept_balances(key)
        return {"votes": self._count_valid(self._balance_votes[key]), "accepted": int(accepted)}

    @_action
    def execute_update_balances(
        self,
        block: int,
        total_eth: int,
        staking_eth: int,
        reth_supply: int,
        *,
        slot_timestamp: int = 0,
        current_block: int | None = None,
    ) -> dict[str, int]:
        """Anyone applies a balances report that has consensus (e.g. after members left)."""
        self._check_balances_report(block, total_eth, staking_eth, current_block)
        key = (block, slot_timestamp, total_eth, staking_eth, reth_supply)
        _require(
            self._reached(self._balance_votes.get(key, []), self._s("network.consensus.threshold")),
            "network balances: consensus has not been reached",
        )
        self._accept_balances(key)
        return {"accepted": 1}

    def _accept_balances(self, key: tuple) -> None:
        """Apply the balances report ``key`` with the marks of the moment it was voted for.

        Accepted late (anyone may execute a report with consensus, as in the
        reference), the report's rate also reaches rETH minted and burned
        since that moment at the old rate: what it values them at beyond the
        ETH they paid in is the marks' ``stale``, a gain those holders take
        from the others until the next report (a deposit before a rate rise,
        a burn before a fall: the sandwich the deposit fee mitigates).
        """
        marks = self._balance_marks[key]
        total, supply = key[2], key[4]
        moved = self.reth_supply - marks.supply
        value = moved * total // supply if supply else moved
        stale = max(0, value - (self.holders_paid_in - marks.paid_in))
        self.report = Report(*key, marks=replace(marks, stale=stale))
        block, slot_timestamp, total_eth, staking_eth, reth_supply = key
        self._emit(
            "RocketNetworkBalances",
            "BalancesUpdated",
            block=block,
            slotTimestamp=slot_timestamp,
            totalEth=total_eth,
            stakingEth=staking_eth,
            rethSupply=reth_supply,
            time=self.now,
        )

    def pending_report(self, which: str) -> tuple | None:
        """The newest ``"balances"`` or ``"prices"`` report voted for but not applied, or None.

        Its key is what was voted on: ``(block, slot_timestamp, total_eth,
        staking_eth, reth_supply)`` or ``(block, slot_timestamp, rpl_price)``.
        Of several for the newest block, the one with the most valid votes.
        """
        votes = self._balance_votes if which == "balances" else self._price_votes
        last = self.report.block if which == "balances" else self.prices_block
        pending = [key for key in votes if key[0] > last]
        if not pending:
            return None
        return max(pending, key=lambda key: (key[0], self._count_valid(votes[key])))

    def _check_balances_report(
        self, block: int, total_eth: int, staking_eth: int, current_block: int | None
    ) -> None:
        prefix = "network balances"
        _require(self._s("network.submit.balances.enabled"), f"{prefix}: submissions are disabled")
        if current_block is not None:
            _require(block < current_block, f"{prefix}: block is in the future")
        _require(
            block > self.report.block, f"{prefix}: block is not after the last accepted report"
        )
        _require(staking_eth <= total_eth, f"{prefix}: staking balance exceeds total balance")

    # ---------------------------------------------------------------- prices
    @_action
    def report_price(
        self,
        block: int,
        rpl_price: int,
        member: str,
        *,
        slot_timestamp: int = 0,
        current_block: int | None = None,
        now: int | None = None,
    ) -> dict[str, int]:
        """``member`` votes for an RPL price (wei of ETH per 1e18 RPL); same rules as balances.

        Values: ``votes``, ``accepted`` (0/1).
        """
        self._tick(now)
        _require(
            self.members.get(norm(member), 0) != 0, "network prices: caller is not an oDAO member"
        )
        self._check_price_report(block, rpl_price, current_block)
        key = (block, slot_timestamp, rpl_price)
        self._record_vote(
            self._price_votes, self._price_voted, norm(member), block, key, "network prices"
        )
        self._emit(
            "RocketNetworkPrices",
            "PricesSubmitted",
            sender=norm(member),
            block=block,
            slotTimestamp=slot_timestamp,
            rplPrice=rpl_price,
            time=self.now,
        )
        accepted = self._reached(self._price_votes[key], self._s("network.consensus.threshold"))
        if accepted:
            self._apply_prices(block, slot_timestamp, rpl_price)
        return {"votes": self._count_valid(self._price_votes[key]), "accepted": int(accepted)}

    @_action
    def execute_update_prices(
        self,
        block: int,
        rpl_price: int,
        *,
        slot_timestamp: int = 0,
        current_block: int | None = None,
    ) -> dict[str, int]:
        """Anyone applies a price report that has consensus."""
        self._check_price_report(block, rpl_price, current_block)
        key = (block, slot_timestamp, rpl_price)
        _require(
            self._reached(self._price_votes.get(key, []), self._s("network.consensus.threshold")),
            "network prices: consensus has not been reached",
        )
        self._apply_prices(block, slot_timestamp, rpl_price)
        return {"accepted": 1}

    def _apply_prices(self, block: int, slot_timestamp: int, rpl_price: int) -> None:
        """A price report with consensus takes effect (on the vote that reaches it, or executed)."""
        self.rpl_price = rpl_price
        self.prices_block = block
        self._emit(
            "RocketNetworkPrices",
            "PricesUpdated",
            block=block,
            slotTimestamp=slot_timestamp,
            rplPrice=rpl_price,
            time=self.now,
        )

    def _check_price_report(self, block: int, rpl_price: int, current_block: int | None) -> None:
        prefix = "network prices"
        _require(self._s("network.submit.prices.enabled"), f"{prefix}: submissions are disabled")
        if current_block is not None:
            _require(block < current_block, f"{prefix}: block is in the future")
        _require(
            block > self.prices_block, f"{prefix}: block is not after the last accepted report"
        )
        _require(rpl_price > 0, f"{prefix}: price must be positive")
