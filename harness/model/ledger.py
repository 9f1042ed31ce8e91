"""The ledger: what is held for rETH holders, what they are owed, what each actor earned.

Not a contract's rules but their sum, which the invariants judge against:

- Held for users: the pool's user balance (its ETH less its node balance),
  the rETH contract's ETH, and the users' share of every live minipool.
  An honest oracle reports this as the total ETH, the users' share of
  Staking minipools as staking ETH, and the rETH supply.
- The solvency gap: ``supply * rate / 1e18`` minus what is held.
- The world's gain: every change in what is held between two actions is the
  beacon chain's doing (rewards, penalties, slashings), the only reason the
  rate may fall.
- Users' losses past the bonds, less the ETH RPL auctions raised.
- Each actor's earnings marked to market: ETH out less ETH in, rETH at the
  rate, and for a node its refunds, node shares and deposit credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from harness.chain.status import DISSOLVED, INITIALISED, STAKING
from harness.model.common import PRELAUNCH_VALUE, norm
from harness.units import ONE


class LedgerMixin:
    """Sums over the whole model: held for users, the honest report, solvency, losses, earnings."""

    # ---------------------------------------------------------------- what is held for users
    def world_gain(self, shares: Mapping[str, int] | None = None) -> int:
        """What the world did to :meth:`held_for_users` so far (signed wei, cumulative).

        Only actions change the protocol, so any change in what is held for
        rETH holders between two actions is the world's: beacon rewards add
        to it; penalties, leaks and slashings take from it (rewards already
        reported included: past ``U + N`` the users share a penalty, see
        docs/protocol.md's split). Comparing this figure at two reports gives
        the users' net loss to the beacon chain in between, the only reason
        the rate may fall and holders may be owed more than is held.
        ``shares``: :meth:`user_shares` taken since the model last changed,
        if the caller has it (a stale one would book a wrong gain for good).
        """
        if not self._acting:
            self._note_world(shares)
        return self._world_gain

    def _note_world(self, shares: Mapping[str, int] | None = None) -> None:
        """Book the change in :meth:`held_for_users` since the last action as the world's."""
        held = self.held_for_users(shares)
        self._world_gain += held - self._held_mark
        self._held_mark = held

    def held_for_users(self, shares: Mapping[str, int] | None = None) -> int:
        """What the protocol really holds for rETH holders (signed).

        Deposit pool user balance (may be negative while queued nodes' bond
        ETH funds users' capital) + rETH contract ETH + users' share of every
        minipool's beacon and contract balance. Fee distributor balances are
        not counted until distributed (as on mainnet: the oracle does not
        count them); their users' share then is rETH's ETH. ``shares``: :meth:`user_shares`
        taken since the model last changed, if the caller has it.
        """
        held = self.pool_balance - self.pool_node_balance + self.reth_eth  # user_balance()
        if shares is not None:
            return held + sum(shares.values())
        for mp in self.minipools.values():
            if mp.status != DISSOLVED:  # a dissolved minipool owes users nothing
                held += self._user_share(mp, self._total(mp))
        return held

    def truthful_report(self) -> tuple[int, int, int]:
        """``(total_eth, staking_eth, reth_supply)`` an honest oracle reports now.

        ``total_eth`` = :meth:`held_for_users` (at least 0); ``staking_eth`` =
        users' share of minipools in Staking status, at most ``total_eth``;
        ``reth_supply`` = the rETH total supply.

        By docs/protocol.md's formula. Unspent deposit credit (see
        :meth:`outstanding_credit`) is node balance in the pool, so it is not
        counted for users a second time next to the minipool's larger user
        capital.
        """
        total = max(0, self.held_for_users())
        staking = sum(
            self._user_share(mp, self._total(mp))
            for mp in self.minipools.values()
            if mp.status == STAKING
        )
        return total, min(max(0, staking), total), self.reth_supply

    def outstanding_credit(self) -> int:
        """Deposit credit bond reductions granted and nodes have not spent yet, summed.

        A bond reduction moves 8 ETH of the minipool to the users' capital
        with no ETH moving; the pool records the credit as node balance, so
        the users' part of the pool shrinks by as much, until the node spends
        it on a new bond.
        """
        return sum(state.deposit_credit for state in self.nodes.values())

    def solvency_gap(self) -> int:
        """Owed to rETH holders at the reported rate minus what is held for them (signed).

        ``totalSupply * rate / 1e18 - held_for_users()``: positive means
        insolvent (holders are owed more than exists), zero or negative means
        solvent (the deposit fee and rounding leave a small surplus).
        """
        return self.reth_supply * self.rate() // ONE - self.held_for_users()

    def user_losses(self, shares: Mapping[str, int] | None = None) -> dict[str, int]:
        """Per minipool, users' capital lost past the bond: ``U - capital back - pending share``.

        Capital back is the users' part of the exit already paid to rETH;
        pending share is :meth:`pending_user_share` (from ``shares``, a fresh
        :meth:`user_shares`, if given). Zero for minipools whose users are
        whole (healthy, or a loss within the bond) and for dissolved ones.
        """
        out = {}
        for address, mp in self.minipools.items():
            if mp.status != STAKING:
                continue
            if shares is not None:
                back = mp.capital_returned + shares[address]
            else:
                back = mp.capital_returned + self._user_share(mp, self._total(mp))
            loss = max(0, mp.user_capital - back)
            if loss:
                out[address] = loss
        return out

    def uncovered_losses(self, shares: Mapping[str, int] | None = None) -> int:
        """Users' losses past the bond not yet made good in ETH (for the bounded-fall rule).

        ``sum(user_losses()) - ETH raised by RPL auctions``, at least 0. RPL
        slashed but not yet sold covers nothing yet: only bids bring ETH back
        to the pool. Cumulative: compare its growth between two reports with
        the rate's fall times the supply. ``shares``: see :meth:`user_losses`.
        """
        return max(0, sum(self.user_losses(shares).values()) - self.auction_eth_raised)

    # ---------------------------------------------------------------- what each actor is owed
    def owed(self, holder: str, rate: int | None = None) -> int:
        """ETH ``holder``'s rETH is worth at the reported rate (``balance * rate / 1e18``).

        ``rate``: :meth:`rate`, when the caller already has it (checks ask for
        every actor after every step).
        """
        rate = self.rate() if rate is None else rate
        return self.reth_balances.get(norm(holder), 0) * rate // ONE

    def earned(self, actor: str) -> int:
        """What ``actor`` is entitled to have gained so far (signed wei), marked to market.

        ETH the protocol paid it minus ETH it paid in, plus its rETH at the
        reported rate, plus, for a node's withdrawal address, each live
        minipool's refund balance and node share of :meth:`minipool_total`
        (a dissolved one's whole balance), and for a node, its deposit credit.
        RPL is not counted.
        """
        return self.earned_by_actor([actor])[norm(actor)]

    def earned_by_actor(self, actors: Iterable[str]) -> dict[str, int]:
        """:meth:`earned` of each of ``actors`` (keys normalised): one pass over the minipools."""
        totals = {}
        rate = self.rate()
        nodes = self.nodes
        for actor in actors:
            actor = norm(actor)
            state = nodes.get(actor)
            totals[actor] = (
                self.eth_out.get(actor, 0)
                - self.eth_in.get(actor, 0)
                + self.owed(actor, rate)
                + (state.deposit_credit if state is not None else 0)
            )
        for mp in self.minipools.values():
            # withdrawal_address(mp.node), without normalising the stored key again.
            state = nodes.get(mp.node)
            payee = state.payee if state is not None else mp.node
            if payee not in totals:
                continue
            if mp.status == DISSOLVED:
                totals[payee] += mp.eth
                continue
            if mp.status == INITIALISED:
                # Still queued: bond less the pre-deposit waits in the pool as node balance.
                totals[payee] += mp.bond - PRELAUNCH_VALUE
            total = self._total(mp)
            totals[payee] += mp.refund + total - self._user_share(mp, total)
        return totals

    def summary(self) -> dict[str, int]:
        """The headline numbers (wei), named as the facade's ``summary()`` where they coincide."""
        total, staking, supply = self.truthful_report()
        return {
            "rate": self.rate(),
            "reth_supply": self.reth_supply,
            "deposit_pool_balance": self.pool_balance,
            "deposit_pool_node_balance": self.pool_node_balance,
            "deposit_pool_excess": self.excess_balance(),
            "reth_eth": self.reth_eth,
            "reth_collateral": self.excess_balance() + self.reth_eth,
            "reported_total_eth": self.report.total_eth,
            "reported_reth_supply": self.report.reth_supply,
            "truthful_total_eth": total,
            "truthful_staking_eth": staking,
            "queue_length": len(self.queue),
            "solvency_gap": self.solvency_gap(),
        }
