"""Deposits and rETH: the deposit pool, its maximum, the deposit fee, minting and burning.

Rules modelled (``RocketDepositPool``, ``RocketTokenRETH``):

- The rate is the last accepted report's, never live balances:
  ``ethValue(r) = r * totalEth / rethSupply`` and
  ``rethValue(e) = e * rethSupply / totalEth`` (1:1 while the reported supply
  is 0).
- A deposit must be enabled and at least the minimum. The pool may hold at
  most ``deposit.pool.maximum``, plus, while assignment is on, what the queue
  can absorb (31 ETH per queued minipool). The fee
  (``amount * deposit.fee / 1e18``) stays in the pool: the depositor is
  minted ``rethValue(amount - fee)``, the whole amount joins the pool, then
  assignment runs.
- A burn pays ``ethValue(rETH)`` from the collateral: the rETH contract's
  ETH first, then the pool's excess (its ETH beyond what the queue needs).
- The rETH contract's ETH above ``network.reth.collateral.target`` of the
  supply's value goes back to the pool, and to assignment.
"""

from __future__ import annotations

from harness.chain.deposit_data import (
    PUBKEY_LENGTH,
    SIGNATURE_LENGTH,
    WITHDRAWAL_CREDENTIALS_LENGTH,
    deposit_data_root,
)
from harness.model.common import ZERO_ADDRESS, _action, _require, _Revert, norm
from harness.model.tokens import TOKEN_CONTRACTS
from harness.units import GWEI, ONE


class DepositsMixin:
    """The deposit pool and rETH: the rate, deposits, burns, transfers and excess collateral."""

    # ---------------------------------------------------------------- the rate
    def eth_value(self, reth_amount: int) -> int:
        """ETH value of ``reth_amount`` at the last report, rounded down."""
        if self.report.reth_supply == 0:
            return reth_amount
        return reth_amount * self.report.total_eth // self.report.reth_supply

    def _reth_value(self, eth_amount: int) -> int:
        if self.report.reth_supply == 0:
            return eth_amount
        # Contract-defined refusal: docs/protocol.md leaves a zero total open.
        _require(self.report.total_eth > 0, "reth: network ETH balance is zero")
        return eth_amount * self.report.reth_supply // self.report.total_eth

    def reth_value(self, eth_amount: int) -> int:
        """rETH minted for ``eth_amount`` at the last report, rounded down (0 if total is 0)."""
        try:
            return self._reth_value(eth_amount)
        except _Revert:
            return 0

    def rate(self) -> int:
        """ETH (wei) per 1e18 rETH at the last accepted report; 1e18 while supply is 0."""
        return self.eth_value(ONE)

    # ---------------------------------------------------------------- the pool
    def excess_balance(self) -> int:
        """The deposit pool's ETH beyond what the queued minipools need (31 ETH each)."""
        return max(0, self.pool_balance - self._queue_capacity())

    def user_balance(self) -> int:
        """The deposit pool's balance minus its node balance (negative while users owe nodes)."""
        return self.pool_balance - self.pool_node_balance

    def _process_deposit(self, amount: int) -> None:
        """ETH joins the pool (user deposit or recycled), then assignment runs."""
        self.pool_balance += amount
        if amount > 0:
            self._vault_ether_in(amount)
        self._assign(amount)

    # The vault's ETH is the deposit pool's alone: each move logs under that name.
    def _vault_ether_in(self, amount: int) -> None:
        self._emit(
            "RocketVault", "EtherDeposited", by="rocketDepositPool", amount=amount, time=self.now
        )

    def _vault_ether_out(self, amount: int) -> None:
        self._emit(
            "RocketVault", "EtherWithdrawn", by="rocketDepositPool", amount=amount, time=self.now
        )

    def _deposit_excess_collateral(self) -> None:
        """rETH ETH above the collateral target goes back to the pool (and assignment)."""
        keep = self.eth_value(self.reth_supply) * self._s("network.reth.collateral.target") // ONE
        if self.reth_eth > keep:
            amount = self.reth_eth - keep
            self.reth_eth = keep
            self._move("recycled", amount)
            self._emit(
                "RocketDepositPool",
                "DepositRecycled",
                sender=self.reth_address,
                amount=amount,
                time=self.now,
            )
            self._process_deposit(amount)

    # ---------------------------------------------------------------- actions
    @_action
    def deposit(self, depositor: str, amount: int, now: int | None = None) -> dict[str, int]:
        """``depositor`` deposits ``amount`` wei into the deposit pool.

        Refused (in this order) when deposits are disabled, below the minimum,
        above the maximum pool size (while assignment is off, or beyond the
        queue's capacity), or when the rETH to mint is zero. Mints
        ``rethValue(amount - fee)``; the whole amount joins the pool, then
        deposits are assigned. Values: ``minted``, ``fee``, ``assigned``.
        """
        self._tick(now)
        self._begin()
        depositor = norm(depositor)
        _require(self._s("deposit.enabled"), "deposit pool: deposits are disabled")
        _require(amount >= self._s("deposit.minimum"), "deposit pool: deposit below minimum")
        needed = self.pool_balance + amount
        maximum = self._s("deposit.pool.maximum")
        if needed > maximum:
            _require(
                self._s("deposit.assign.enabled"),
                "deposit pool: deposit exceeds the maximum pool size",
            )
            _require(
                needed <= maximum + self._queue_capacity(),
                "deposit pool: deposit exceeds the maximum pool size and queue capacity",
            )
        fee = amount * self._s("deposit.fee") // ONE
        minted = self._reth_value(amount - fee)
        _require(minted > 0, "reth: mint amount is zero")
        self._mint(depositor, minted)
        t = self.now
        self._emit(
            "RocketTokenRETH",
            "TokensMinted",
            to=depositor,
            amount=minted,
            ethAmount=amount - fee,
            time=t,
        )
        self._emit("RocketDepositPool", "DepositReceived", sender=depositor, amount=amount, time=t)
        self.deposit_fees += fee
        self.holders_paid_in += amount
        self._pay_in(depositor, amount)
        self._process_deposit(amount)
        return self._done(minted=minted, fee=fee, assigned=self._moved.get("assigned", 0))

    def _mint(self, to: str, amount: int) -> None:
        self.reth_balances[to] = self.reth_balances.get(to, 0) + amount
        self.reth_supply += amount
        self.reth_minted += amount
        self._emit("RocketTokenRETH", "Transfer", sender=ZERO_ADDRESS, receiver=to, value=amount)

    @_action
    def burn(self, holder: str, reth_amount: int, now: int | None = None) -> dict[str, int]:
        """``holder`` burns ``reth_amount`` rETH for its ETH value at the reported rate.

        Refused for zero, for more than the holder's balance, or when the
        collateral (pool excess + rETH's ETH) is short. The rETH contract's
        ETH pays first, the pool's excess the rest. Values: ``eth`` (paid),
        ``from_pool``.
        """
        self._tick(now)
        holder = norm(holder)
        _require(reth_amount > 0, "reth: burn amount is zero")
        _require(
            self.reth_balances.get(holder, 0) >= reth_amount, "reth: burn amount exceeds balance"
        )
        eth = self.eth_value(reth_amount)
        _require(self.excess_balance() + self.reth_eth >= eth, "reth: insufficient ETH collateral")
        self.reth_balances[holder] -= reth_amount
        self.reth_supply -= reth_amount
        self.reth_burned += reth_amount
        from_pool = max(0, eth - self.reth_eth)
        self._emit(
            "RocketTokenRETH", "Transfer", sender=holder, receiver=ZERO_ADDRESS, value=reth_amount
        )
        if from_pool:  # the pool takes it from the vault and hands it to rETH
            self._vault_ether_out(from_pool)
            self._emit(
                "RocketTokenRETH",
                "EtherDeposited",
                sender=self.contract_address("rocketDepositPool"),
                amount=from_pool,
                time=self.now,
            )
            self._emit(
                "RocketDepositPool",
                "ExcessWithdrawn",
                to=self.reth_address,
                amount=from_pool,
                time=self.now,
            )
        self._emit(
            "RocketTokenRETH",
            "TokensBurned",
            sender=holder,
            amount=reth_amount,
            ethAmount=eth,
            time=self.now,
        )
        self.pool_balance -= from_pool
        self.reth_eth += from_pool - eth
        self.holders_paid_in -= eth
        self._pay_out(holder, eth)
        return {"eth": eth, "from_pool": from_pool}

    @_action
    def transfer_reth(self, sender: str, to: str, amount: int) -> dict[str, int]:
        """``sender`` transfers ``amount`` rETH to ``to`` (plain ERC-20, snekmate's reasons)."""
        sender, to = norm(sender), norm(to)
        _require(to != ZERO_ADDRESS, "erc20: transfer to the zero address")
        _require(
            self.reth_balances.get(sender, 0) >= amount, "erc20: transfer amount exceeds balance"
        )
        self.reth_balances[sender] = self.reth_balances.get(sender, 0) - amount
        self.reth_balances[to] = self.reth_balances.get(to, 0) + amount
        self._emit("RocketTokenRETH", "Transfer", sender=sender, receiver=to, value=amount)
        return {"amount": amount}

    @_action
    def approve_token(self, token: str, owner: str, spender: str, amount: int) -> dict[str, int]:
        """``owner`` lets ``spender`` move ``amount`` of its ``token`` ("reth" or "rpl").

        snekmate's ERC-20: the allowance is set, not added to; only the zero
        spender is refused.
        """
        owner, spender = norm(owner), norm(spender)
        _require(spender != ZERO_ADDRESS, "erc20: approve to the zero address")
        self.allowances[(token, owner, spender)] = amount
        self._emit(TOKEN_CONTRACTS[token], "Approval", owner=owner, spender=spender, value=amount)
        return {}

    @_action
    def transfer_from_token(
        self, token: str, spender: str, owner: str, to: str, amount: int
    ) -> dict[str, int]:
        """``spender`` moves ``amount`` of ``owner``'s ``token`` to ``to`` within its allowance.

        The allowance is spent first (an unlimited one, 2**256 - 1, is not),
        then the balance checked: snekmate's order and reasons.
        """
        spender, owner, to = norm(spender), norm(owner), norm(to)
        key = (token, owner, spender)
        allowed = self.allowances.get(key, 0)
        if allowed < 2**256 - 1:
            _require(allowed >= amount, "erc20: insufficient allowance")
            self._emit(
                TOKEN_CONTRACTS[token],
                "Approval",
                owner=owner,
                spender=spender,
                value=allowed - amount,
            )
        values = self._token_transfer(token, owner, to, amount)
        if allowed < 2**256 - 1:
            self.allowances[key] = allowed - amount
        return values

    def _token_transfer(self, token: str, sender: str, to: str, amount: int) -> dict[str, int]:
        """Move ``amount`` of ``token`` between holders (the checks of snekmate's ``_transfer``)."""
        balances = self.reth_balances if token == "reth" else self.rpl_balances
        _require(to != ZERO_ADDRESS, "erc20: transfer to the zero address")
        _require(balances.get(sender, 0) >= amount, "erc20: transfer amount exceeds balance")
        balances[sender] = balances.get(sender, 0) - amount
        balances[to] = balances.get(to, 0) + amount
        self._emit(TOKEN_CONTRACTS[token], "Transfer", sender=sender, receiver=to, value=amount)
        return {"amount": amount}

    @_action
    def deposit_excess_collateral(self, now: int | None = None) -> dict[str, int]:
        """Anyone sends rETH's ETH above the collateral target back to the pool."""
        self._tick(now)
        self._begin()
        self._deposit_excess_collateral()
        return self._done()

    @_action
    def beacon_deposit(
        self,
        pubkey: bytes,
        withdrawal_credentials: bytes,
        signature: bytes,
        root: bytes,
        value: int,
    ) -> dict[str, int]:
        """Someone other than a minipool calls the beacon deposit contract's ``deposit``.

        The contract's checks, in its order: the three lengths, at least
        1 ETH, a whole number of gwei that fits 64 bits, and the
        ``deposit_data_root`` rebuilt from the other arguments. Only
        refusals are modelled: a deposit that passes would make a
        validator no minipool owns, which the simulated world has no place
        for, so asking for one is a harness error.
        """
        _require(len(pubkey) == PUBKEY_LENGTH, "deposit contract: invalid pubkey length")
        _require(
            len(withdrawal_credentials) == WITHDRAWAL_CREDENTIALS_LENGTH,
            "deposit contract: invalid withdrawal credentials length",
        )
        _require(len(signature) == SIGNATURE_LENGTH, "deposit contract: invalid signature length")
        _require(value >= ONE, "deposit contract: deposit value too low")
        _require(value % GWEI == 0, "deposit contract: deposit value not multiple of gwei")
        _require(value // GWEI < 2**64, "deposit contract: deposit value too high")
        rebuilt = deposit_data_root(pubkey, withdrawal_credentials, value, signature)
        _require(rebuilt == root, "deposit contract: reconstructed root does not match")
        raise ValueError(
            "beacon_deposit: a valid deposit by an outsider is not modelled (it would make a "
            "validator no minipool owns); give it a flaw"
        )
