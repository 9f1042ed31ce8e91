"""MEV-theft penalties: the oDAO's votes, each minipool's penalty count and rate, the cap.

Rules modelled (``RocketNetworkPenalties``, ``RocketMinipoolPenalty``,
docs/protocol.md "MEV-theft penalties"):

- An oDAO member votes a penalty on a minipool the minipool manager knows
  (not closed) for a block: one vote per member, membership and
  ``(minipool, block)``. Checked in this order: membership, the minipool,
  a vote already cast, the penalty already applied.
- The penalty applies when ``1e18 * valid votes / members >=
  network.penalty.threshold``, on the vote that reaches it or, later, by
  anyone's ``executeUpdatePenalty`` (already applied is checked first, then
  consensus). Valid votes are those whose voters are still members under
  the membership they voted with.
- Each applied penalty counts against the minipool; from the third, its
  rate becomes ``(count - 2) * network.penalty.per.rate`` (the setting at
  that moment).
- The effective rate is the rate capped at the guardian's maximum, and 0
  while the maximum is 0 (:meth:`PenaltiesMixin.penalty_rate`). It cuts the
  node's share of the minipool's exit (from 8 ETH), never a skim's, by
  ``share * rate / 1e18``, capped at the share; the users get the rest
  (:func:`harness.model.economics.node_share`).
"""

from __future__ import annotations

from typing import Any

from harness.model.common import MAX_VOTES, _action, _require, norm

# The first two penalties of a minipool set no rate.
FREE_PENALTIES = 2


class PenaltiesMixin:
    """Penalty votes, counts and rates, and the guardian's maximum rate."""

    # ---------------------------------------------------------------- queries
    def penalty_count(self, minipool: Any) -> int:
        """How many penalties were applied to ``minipool`` (any address)."""
        return self.penalty_counts.get(norm(minipool), 0)

    def penalty_rate(self, minipool: Any) -> int:
        """``minipool``'s effective penalty rate: its rate capped at the maximum, 0 if none."""
        if self.max_penalty_rate == 0:
            return 0
        return min(self.penalty_rates.get(norm(minipool), 0), self.max_penalty_rate)

    def penalty_votes(self, minipool: Any, block: int) -> int:
        """The valid votes on penalising ``minipool`` for ``block``."""
        return self._count_valid(self._penalty_ballots.get((norm(minipool), block), []))

    def penalty_applied(self, minipool: Any, block: int) -> bool:
        """Whether the penalty on ``minipool`` for ``block`` was applied."""
        return (norm(minipool), block) in self._penalties_applied

    def _penalty_reached(self, key: tuple[str, int]) -> bool:
        return self._reached(
            self._penalty_ballots.get(key, []), self._s("network.penalty.threshold")
        )

    # ---------------------------------------------------------------- actions
    @_action
    def submit_penalty(self, member: str, minipool: Any, block: int) -> dict[str, int]:
        """``member`` votes a penalty on ``minipool`` for ``block``; consensus applies it.

        Values: ``votes`` (valid ones on this ballot), ``applied`` (0/1) and
        ``count`` (the minipool's penalties after this vote).
        """
        member, address = norm(member), norm(minipool)
        prefix = "network penalties"
        nonce = self.members.get(member, 0)
        _require(nonce != 0, f"{prefix}: caller is not an oDAO member")
        mp = self.minipools.get(address)
        _require(mp is not None and not mp.destroyed, f"{prefix}: invalid minipool")
        key = (address, block)
        votes = self._penalty_ballots.get(key, [])
        _require((member, nonce) not in votes, f"{prefix}: duplicate submission from member")
        _require(
            key not in self._penalties_applied,
            f"{prefix}: penalty already applied for this block",
        )
        _require(len(votes) < MAX_VOTES, "odao votes: ballot is full")
        self._penalty_ballots[key] = [*votes, (member, nonce)]
        self._emit(
            "RocketNetworkPenalties",
            "PenaltySubmitted",
            sender=member,
            minipoolAddress=address,
            block=block,
            time=self.now,
        )
        applied = self._penalty_reached(key)
        if applied:
            self._apply_penalty(key)
        return {
            "votes": self._count_valid(self._penalty_ballots[key]),
            "applied": int(applied),
            "count": self.penalty_count(address),
        }

    @_action
    def execute_update_penalty(self, minipool: Any, block: int) -> dict[str, int]:
        """Anyone applies a penalty whose votes have consensus (after members left, say)."""
        key = (norm(minipool), block)
        prefix = "network penalties"
        _require(
            key not in self._penalties_applied,
            f"{prefix}: penalty already applied for this block",
        )
        _require(self._penalty_reached(key), f"{prefix}: consensus has not been reached")
        self._apply_penalty(key)
        return {"count": self.penalty_count(key[0])}

    @_action
    def set_max_penalty_rate(self, caller: str, rate: int) -> dict[str, int]:
        """The guardian sets the cap on every minipool's penalty rate (no bound)."""
        _require(
            self.guardian is not None and norm(caller) == self.guardian,
            "minipool penalty: caller is not the guardian",
        )
        self.max_penalty_rate = rate
        self._emit("RocketMinipoolPenalty", "MaxPenaltyRateUpdated", rate=rate, time=self.now)
        return {"rate": rate}

    # ---------------------------------------------------------------- effects
    def _apply_penalty(self, key: tuple[str, int]) -> None:
        self._penalties_applied.add(key)
        address = key[0]
        count = self.penalty_counts[address] = self.penalty_counts.get(address, 0) + 1
        if count <= FREE_PENALTIES:
            return
        rate = (count - FREE_PENALTIES) * self._s("network.penalty.per.rate")
        self.penalty_rates[address] = rate
        self._emit(
            "RocketNetworkPenalties",
            "PenaltyUpdated",
            minipoolAddress=address,
            penalty=rate,
            time=self.now,
        )
