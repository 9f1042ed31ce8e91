"""Nodes and RPL: registration, withdrawal addresses, RPL staking, its bounds and slashing.

Rules modelled (``RocketNodeManager``, ``RocketNodeStaking``):

- A node registers once, while registration is enabled, with a timezone,
  which it may change later (at least four characters each time).
  Its withdrawal address (where its ETH and RPL go; itself until set) is set
  by the node or the current withdrawal address, at once or pending until
  the new address confirms.
- RPL staked bounds the depositor ETH a node may be matched with:
  ``ethMatched <= rplStake * rplPrice / minimumStake`` (10% by default).
  Staking restarts a cooldown (28 days) before any withdrawal, and only RPL
  above ``ethProvided * maximumStake / rplPrice`` (150% of the node's bonded
  ETH, rounded up) may be withdrawn, to the withdrawal address.
- Slashing takes RPL worth an ETH amount at the oracle price (rounded up),
  at most the whole stake, to the auction manager.
- Deposit credit (from bond reductions) is usable up to the pool's balance.
"""

from __future__ import annotations

from harness.model import economics as econ
from harness.model.common import (
    LARGE_BOND,
    MIN_TIMEZONE,
    SMALL_BOND,
    ZERO_ADDRESS,
    Expect,
    _action,
    _require,
    mul_div,
    norm,
)
from harness.model.records import NodeState
from harness.model.tokens import NODE_STAKING, VAULT
from harness.units import ONE


class NodesMixin:
    """Node registration, withdrawal addresses, and RPL: funding, staking, withdrawing, slashing."""

    # ---------------------------------------------------------------- queries
    def eth_matched_limit(self, node: str) -> int:
        """The most depositor ETH ``node``'s RPL supports: stake value / minimum fraction."""
        state = self._node(node)
        minimum = self._s("node.per.minipool.stake.minimum")
        if minimum == 0:
            return 2**256 - 1
        stake = state.rpl_stake if state else 0
        return mul_div(stake, self.rpl_price, minimum)

    def staking_by_size(self, node: str) -> dict[int, tuple[int, int]]:
        """Per bond size, ``node``'s staking, unfinalised minipools and the sum of their fees."""
        node = norm(node)
        out = {SMALL_BOND: (0, 0), LARGE_BOND: (0, 0)}
        for mp in self.minipools.values():
            if mp.node == node and mp.staking_counted and mp.bond in out:
                count, numerator = out[mp.bond]
                out[mp.bond] = (count + 1, numerator + mp.fee)
        return out

    def average_node_fee(self, node: str) -> int:
        """``node``'s average fee over its staking minipools, as its fee distributor splits by."""
        return econ.average_node_fee(self.staking_by_size(node))

    def maximum_rpl_stake(self, node: str, round_up: bool = True) -> int:
        """The stake above which RPL may be withdrawn: 150% of bonded ETH, in RPL."""
        state = self._node(node)
        provided = state.eth_provided if state else 0
        return mul_div(
            provided, self._s("node.per.minipool.stake.maximum"), self.rpl_price, round_up
        )

    def usable_credit(self, node: str) -> int:
        """The node's deposit credit usable now: at most the deposit pool's balance."""
        state = self._node(node)
        return min(state.deposit_credit if state else 0, self.pool_balance)

    def withdrawal_address(self, node: str) -> str:
        """Where ``node``'s ETH goes: its withdrawal address, or itself."""
        state = self._node(node)
        return state.payee if state else norm(node)

    def node_eth_matched(self, node: str) -> int:
        """Depositor ETH matched to ``node``'s active minipools (the manager's record)."""
        state = self._node(node)
        return state.eth_matched if state else 0

    # ---------------------------------------------------------------- actions
    @_action
    def register_node(
        self, node: str, timezone: str = "Etc/UTC", now: int | None = None
    ) -> dict[str, int]:
        """``node`` registers as a node operator (registration enabled, once, a real timezone)."""
        self._tick(now)
        node = norm(node)
        _require(self._s("node.registration.enabled"), "node manager: registration is disabled")
        _require(node not in self.nodes, "node manager: node already registered")
        _require(len(timezone) >= MIN_TIMEZONE, "node manager: invalid timezone location")
        self.nodes[node] = NodeState(node, self.now, timezone=timezone)
        self._emit("RocketNodeManager", "NodeRegistered", node=node, time=self.now)
        self._open_distributor(node)
        return {}

    @_action
    def set_timezone_location(self, node: str, timezone: str) -> dict[str, int]:
        """A registered ``node`` changes its timezone location (a real one: 4+ characters)."""
        node = norm(node)
        _require(node in self.nodes, "node manager: node not registered")
        _require(len(timezone) >= MIN_TIMEZONE, "node manager: invalid timezone location")
        self.nodes[node].timezone = timezone
        self._emit("RocketNodeManager", "NodeTimezoneLocationSet", node=node, time=self.now)
        return {}

    @_action
    def set_withdrawal_address(
        self, node: str, caller: str, new_address: str, confirm: bool
    ) -> dict[str, int]:
        """The node or its withdrawal address sets a new one: pending, or now with ``confirm``."""
        node, caller, new_address = norm(node), norm(caller), norm(new_address)
        state = self.nodes.get(node)
        _require(state is not None, "node manager: node not registered")
        _require(
            caller == node or caller == state.payee,
            "node manager: caller is not the node or its withdrawal address",
        )
        _require(new_address != ZERO_ADDRESS, "node manager: invalid withdrawal address")
        if confirm:
            state.withdrawal_address = new_address
            state.pending_withdrawal_address = None
            self._emit(
                "RocketNodeManager",
                "NodeWithdrawalAddressSet",
                node=node,
                withdrawalAddress=new_address,
                time=self.now,
            )
        else:
            state.pending_withdrawal_address = new_address
            self._emit(
                "RocketNodeManager",
                "NodePendingWithdrawalAddressSet",
                node=node,
                pendingAddress=new_address,
                time=self.now,
            )
        return {}

    @_action
    def confirm_withdrawal_address(self, node: str, caller: str) -> dict[str, int]:
        """The pending withdrawal address confirms itself."""
        node, caller = norm(node), norm(caller)
        state = self.nodes.get(node)
        _require(state is not None, "node manager: node not registered")
        _require(
            caller == (state.pending_withdrawal_address or ZERO_ADDRESS),
            "node manager: caller is not the pending withdrawal address",
        )
        state.withdrawal_address = caller
        state.pending_withdrawal_address = None
        self._emit(
            "RocketNodeManager",
            "NodeWithdrawalAddressSet",
            node=node,
            withdrawalAddress=caller,
            time=self.now,
        )
        return {}

    def fund_rpl(self, to: str, amount: int) -> Expect:
        """The guardian (holder of the fixed RPL supply) sends ``amount`` RPL to ``to``.

        The model tracks RPL balances to predict stake refusals and the token's views.
        """
        to = norm(to)
        if self.guardian is not None:
            self.rpl_balances[self.guardian] -= amount
        self.rpl_balances[to] = self.rpl_balances.get(to, 0) + amount
        return Expect(True, None, {"rpl": amount})

    @_action
    def transfer_rpl(self, sender: str, to: str, amount: int) -> dict[str, int]:
        """``sender`` transfers ``amount`` RPL to ``to`` (plain ERC-20, snekmate's reasons)."""
        return self._token_transfer("rpl", norm(sender), norm(to), amount)

    @_action
    def stake_rpl(self, node: str, amount: int, now: int | None = None) -> dict[str, int]:
        """``node`` stakes ``amount`` RPL (it must hold it; the facade approves exactly ``amount``).

        Restarts the node's withdrawal cooldown.
        """
        self._tick(now)
        node = norm(node)
        # The approval is a transaction of its own: it stands even when the stake is refused.
        self._approve_rpl_stake(node, amount)
        _require(amount > 0, "node staking: amount must be positive")
        _require(node in self.nodes, "node staking: caller is not a registered node")
        _require(self.rpl_balances.get(node, 0) >= amount, "erc20: transfer amount exceeds balance")
        self.rpl_balances[node] -= amount
        self._emit("RocketNodeStaking", "RPLStaked", node=node, amount=amount, time=self.now)
        self._spend_rpl_allowance(node, amount)
        # Node staking takes the RPL, approves the vault for it, and the vault's deposit
        # spends that approval to take it in turn.
        staking, vault = self.contract_address(NODE_STAKING), self.contract_address(VAULT)
        self._emit("RocketTokenRPL", "Transfer", sender=node, receiver=staking, value=amount)
        self._emit("RocketTokenRPL", "Approval", owner=staking, spender=vault, value=amount)
        self._emit(
            "RocketVault",
            "TokenDeposited",
            by=NODE_STAKING,
            token=self._rpl_token(),
            amount=amount,
            time=self.now,
        )
        self._emit("RocketTokenRPL", "Approval", owner=staking, spender=vault, value=0)
        self._emit("RocketTokenRPL", "Transfer", sender=staking, receiver=vault, value=amount)
        state = self.nodes[node]
        state.rpl_stake += amount
        state.rpl_staked_time = self.now
        self.total_rpl_stake += amount
        return {"stake": state.rpl_stake}

    @_action
    def withdraw_rpl(self, node: str, amount: int, now: int | None = None) -> dict[str, int]:
        """``node`` withdraws ``amount`` RPL to its withdrawal address.

        Only after the cooldown since its last stake, and only what lies above
        its maximum stake (150% of bonded ETH, rounded up against the node).
        """
        self._tick(now)
        node = norm(node)
        _require(amount > 0, "node staking: amount must be positive")
        _require(node in self.nodes, "node staking: caller is not a registered node")
        state = self.nodes[node]
        _require(
            self.now - state.rpl_staked_time >= self._s("node.rpl.withdrawal.cooldown"),
            "node staking: withdrawal cooldown has not passed",
        )
        _require(amount <= state.rpl_stake, "node staking: amount exceeds the node's stake")
        _require(
            state.rpl_stake - amount >= self.maximum_rpl_stake(node, True),
            "node staking: remaining stake would be below the maximum",
        )
        state.rpl_stake -= amount
        self.total_rpl_stake -= amount
        self._emit(
            "RocketNodeStaking",
            "RPLWithdrawn",
            node=node,
            to=state.payee,
            amount=amount,
            time=self.now,
        )
        self._emit(
            "RocketVault",
            "TokenWithdrawn",
            by=NODE_STAKING,
            token=self._rpl_token(),
            amount=amount,
            time=self.now,
        )
        self._emit(
            "RocketTokenRPL",
            "Transfer",
            sender=self.contract_address(VAULT),
            receiver=state.payee,
            value=amount,
        )
        self.rpl_balances[state.payee] = self.rpl_balances.get(state.payee, 0) + amount
        return {"rpl": amount}

    def _rpl_token(self) -> str:
        return self.contract_address("rocketTokenRPL")

    def _slash_rpl(self, node: str, eth_amount: int) -> int:
        """RPL worth ``eth_amount`` at the price (rounded up), capped at the stake, to auction."""
        state = self.nodes[node]
        rpl = min(mul_div(eth_amount, ONE, self.rpl_price, True), state.rpl_stake)
        self._emit(
            "RocketNodeStaking",
            "RPLSlashed",
            node=state.address,
            amount=rpl,
            ethValue=eth_amount,
            time=self.now,
        )
        if rpl > 0:  # inside the vault, from node staking's RPL to the auction manager's
            self._emit(
                "RocketVault",
                "TokenTransfer",
                by=NODE_STAKING,
                to="rocketAuctionManager",
                token=self._rpl_token(),
                amount=rpl,
                time=self.now,
            )
        state.rpl_stake -= rpl
        state.rpl_slashed += rpl
        self.total_rpl_stake -= rpl
        self.auction_rpl += rpl
        self._move("rpl_slashed", rpl)
        return rpl
