"""A simulated beacon chain: validators, rewards, penalties, slashings, exits, withdrawals.

Validators appear from the deposit contract's ``DepositEvent`` logs. Balances
are kept in gwei, as the consensus layer keeps them. ETH leaves the beacon
chain the way the real chain does it: the withdrawal address's balance rises
and no code runs (``boa.env.set_balance``). Time moves with the EVM's clock:
:meth:`BeaconChain.advance` travels both.

The model is deliberately simple and deterministic: rewards accrue linearly
at a configured APR on the effective balance (whole ETH, at most 32), an
offline validator loses what it would have earned, a slashing costs an
initial penalty plus a correlation penalty that grows with how many
validators were slashed within the window, and withdrawals are swept at a
fixed interval: any balance above 32 ETH is skimmed, an exited validator's
whole balance is withdrawn.

Block proposals (:meth:`BeaconChain.propose`) pay the execution layer: a
proposer's priority fees and MEV go to its fee recipient (a node's fee
distributor, found by the ``fee_recipient`` callback the facade gives), a
balance rising with no code running. Time passing draws them at the
``[proposals]`` rate, per 12-second slot, when :meth:`BeaconChain.advance`
is given a seed (:meth:`BeaconChain.draw_proposals`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from harness.chain.deposit_data import DepositTree, deposit_data_root
from harness.config import BeaconConfig, ProposalsConfig
from harness.units import ETH_GWEI, GWEI, ONE, to_wei

__all__ = ["BeaconChain", "BeaconConfig", "Validator"]
MAX_EFFECTIVE_GWEI = 32 * ETH_GWEI
YEAR_SECONDS = 365 * 86_400
SLOT_SECONDS = 12

PENDING = "pending"
ACTIVE = "active"
EXITING = "exiting"  # exited, not yet withdrawable
WITHDRAWABLE = "withdrawable"
WITHDRAWN = "withdrawn"


def _gwei(amount: int | str | Decimal) -> int:
    """An amount (int wei, str/Decimal ETH) as whole gwei; refuses fractions of a gwei."""
    wei = to_wei(amount)
    if wei % GWEI:
        raise ValueError(f"{amount!r} is not a whole number of gwei")
    return wei // GWEI


@dataclass
class Validator:
    """One validator's state on the simulated beacon chain (amounts in gwei)."""

    index: int
    pubkey: bytes
    withdrawal_credentials: bytes
    balance: int = 0
    status: str = PENDING
    online: bool = True
    slashed: bool = False
    deposited: int = 0
    rewards: int = 0
    penalties: int = 0
    withdrawn: int = 0
    exit_time: int | None = None
    withdrawable_time: int | None = None

    @property
    def withdrawal_address(self) -> str | None:
        """The execution-layer address of 0x01 credentials, else None."""
        if self.withdrawal_credentials[:1] != b"\x01":
            return None
        return "0x" + self.withdrawal_credentials[12:].hex()

    @property
    def effective_balance(self) -> int:
        """Whole ETH of the balance, capped at 32 ETH, in gwei."""
        return min(self.balance // ETH_GWEI * ETH_GWEI, MAX_EFFECTIVE_GWEI)


@dataclass
class Withdrawal:
    """A withdrawal the beacon chain paid to an execution-layer address."""

    time: int
    validator: int
    address: str
    amount_gwei: int
    full: bool


@dataclass
class Proposal:
    """A block a validator proposed, and what it paid its fee recipient (wei)."""

    time: int
    validator: int
    recipient: str
    wei: int
    stolen: bool = False


@dataclass
class BeaconChain:
    """The simulated consensus layer.

    ``credit(address, wei)`` pays a withdrawal (the facade passes one that
    raises the address's EVM balance); ``now`` is the beacon clock in seconds,
    kept equal to the EVM's timestamp by whoever advances time.
    ``fee_recipient(validator)`` names the address a validator's blocks
    pay (None: it has none the world knows, and proposes nothing);
    ``proposals`` is what a block pays and how often one comes.
    """

    config: BeaconConfig
    credit: Callable[[str, int], None]
    fee_recipient: Callable[[Validator], str | None] = lambda validator: None
    proposals_config: ProposalsConfig = field(default_factory=ProposalsConfig)
    proposals: list[Proposal] = field(default_factory=list)
    now: int = 0
    validators: list[Validator] = field(default_factory=list)
    withdrawals: list[Withdrawal] = field(default_factory=list)
    slashings: list[tuple[int, int]] = field(default_factory=list)  # (time, validator)
    last_sweep: int = 0
    deposits_seen: int = 0
    total_rewards: int = 0
    total_penalties: int = 0
    _by_pubkey: dict[bytes, int] = field(default_factory=dict)
    # The deposit contract's tree as the deposits seen build it (for get_deposit_root).
    deposit_tree: DepositTree = field(default_factory=DepositTree)

    # ---------------------------------------------------------------- deposits
    def process_deposit(
        self, pubkey: bytes, withdrawal_credentials: bytes, amount_gwei: int
    ) -> Validator:
        """Apply one deposit: a new validator for a new pubkey, a top-up otherwise."""
        self.deposits_seen += 1
        index = self._by_pubkey.get(bytes(pubkey))
        if index is None:
            index = len(self.validators)
            self._by_pubkey[bytes(pubkey)] = index
            self.validators.append(Validator(index, bytes(pubkey), bytes(withdrawal_credentials)))
        validator = self.validators[index]
        validator.balance += amount_gwei
        validator.deposited += amount_gwei
        if validator.status == PENDING and validator.balance >= MAX_EFFECTIVE_GWEI:
            validator.status = ACTIVE
        return validator

    def ingest_logs(self, logs: Iterable[Any]) -> list[Validator]:
        """Feed decoded ``DepositEvent`` logs (from titanoboa's ``get_logs``) to the chain."""
        touched = []
        for log in logs:
            if type(log).__name__ != "DepositEvent":
                continue
            amount = int.from_bytes(bytes(log.amount), "little")
            self.deposit_tree.add(
                deposit_data_root(
                    bytes(log.pubkey),
                    bytes(log.withdrawal_credentials),
                    amount * GWEI,
                    bytes(log.signature),
                )
            )
            touched.append(
                self.process_deposit(bytes(log.pubkey), bytes(log.withdrawal_credentials), amount)
            )
        return touched

    def validator(self, pubkey: bytes) -> Validator:
        """The validator with ``pubkey``; KeyError if it never deposited."""
        return self.validators[self._by_pubkey[bytes(pubkey)]]

    def validators_of(self, address: str) -> list[Validator]:
        """Validators whose withdrawal credentials point at ``address``."""
        address = str(address).lower()
        return [v for v in self.validators if (v.withdrawal_address or "") == address]

    # ---------------------------------------------------------------- time
    def advance(self, seconds: int, seed: int | None = None) -> list[Proposal]:
        """Move the beacon clock by ``seconds``: rewards, penalties, exits, sweeps, proposals.

        Withdrawal sweeps happen every ``skim_interval``; rewards accrue between
        them, so a sweep sees what was earned up to its own time. With a
        ``seed``, the slots passing give blocks to validators on duty at
        the ``[proposals]`` rate (:meth:`draw_proposals`, all drawn from
        ``seed``, so the same seed gives the same blocks); returns them.
        """
        if seconds < 0:
            raise ValueError("time only moves forward")
        end = self.now + seconds
        drawn = [] if seed is None else self.draw_proposals(seconds, seed)
        while True:
            next_sweep = self.last_sweep + self.config.skim_interval
            # Stop at every exit and withdrawability time too, so a validator
            # earns exactly up to its exit.
            milestones = [
                t
                for v in self.validators
                for t in (v.exit_time, v.withdrawable_time)
                if t is not None and self.now < t < end
            ]
            step_end = min([end, next_sweep, *milestones])
            self._accrue(step_end - self.now)
            self.now = step_end
            self._update_statuses()
            if self.now == next_sweep:
                self.sweep()
            if self.now >= end:
                break
        return [self.propose(self.validators[index], wei, at=at) for at, index, wei in drawn]

    def draw_proposals(self, seconds: int, seed: int) -> list[tuple[int, int, int]]:
        """The blocks the next ``seconds`` give, as ``(time, validator index, wei)``; nothing paid.

        Each slot (every 12 s) starting in the interval gives a block with
        chance ``rate``; the number is binomial, drawn as geometric gaps
        between blocks, so the cost follows the blocks, not the slots. A
        block goes to a validator on duty at its slot (active, or exiting
        before its exit, not slashed) that has a fee recipient, chosen
        uniformly; none on duty: no block. Its pay: priority fees up to
        ``priority_fee``, plus MEV up to ``mev`` with chance
        ``mev_chance``, whole gwei. Deterministic in ``seed``.
        """
        cfg = self.proposals_config
        rng = random.Random(seed)
        first = self.now // SLOT_SECONDS + 1
        last = (self.now + seconds) // SLOT_SECONDS
        if cfg.rate <= 0 or last < first:
            return []
        duty = [v for v in self.validators if self._on_duty(v)]
        recipients = {v.index: self.fee_recipient(v) for v in duty}
        duty = [v for v in duty if recipients[v.index] is not None]
        out: list[tuple[int, int, int]] = []
        p = cfg.rate / ONE
        slot = first - 1
        while True:
            if p < 1:
                # Slots to the next block: geometric, 1 + floor(ln U / ln(1 - p)).
                u = 1.0 - rng.random()  # in (0, 1]
                slot += 1 + int(math.log(u) / math.log1p(-p))
            else:
                slot += 1
            if slot > last:
                return out
            at = slot * SLOT_SECONDS
            live = [v for v in duty if v.exit_time is None or at < v.exit_time]
            if not live:
                continue
            chosen = live[rng.randrange(len(live))]
            wei = rng.randrange(cfg.priority_fee // GWEI + 1) * GWEI
            if cfg.mev > 0 and rng.randrange(ONE) < cfg.mev_chance:
                wei += (1 + rng.randrange(cfg.mev // GWEI)) * GWEI
            out.append((at, chosen.index, wei))

    def propose(
        self,
        validator: Validator,
        amount: int | str | Decimal,
        recipient: str | None = None,
        at: int | None = None,
    ) -> Proposal:
        """``validator`` proposes a block paying ``amount`` to its fee recipient; returns it.

        ``amount``: wei as an int, ETH as a str or Decimal ("0.3"). The
        recipient is ``fee_recipient(validator)`` (its node's distributor)
        unless ``recipient`` names another (a proposer's theft: ``stolen``).
        The recipient's balance rises through ``credit``; no code runs.
        """
        wei = to_wei(amount)
        own = self.fee_recipient(validator)
        to = recipient if recipient is not None else own
        if to is None:
            raise ValueError(f"validator {validator.index} has no fee recipient the world knows")
        stolen = own is None or str(to).lower() != str(own).lower()
        record = Proposal(self.now if at is None else at, validator.index, str(to), wei, stolen)
        self.proposals.append(record)
        if wei:
            self.credit(str(to), wei)
        return record

    def _accrue(self, seconds: int) -> None:
        if seconds <= 0:
            return
        for v in self.validators:
            if not self._on_duty(v):
                continue
            amount = v.effective_balance * self.config.apr * seconds // (10**18 * YEAR_SECONDS)
            if v.online:
                v.balance += amount
                v.rewards += amount
                self.total_rewards += amount
            else:
                amount = min(amount, v.balance)
                v.balance -= amount
                v.penalties += amount
                self.total_penalties += amount

    def _on_duty(self, v: Validator) -> bool:
        """Whether ``v`` attests now: active, or exiting but not yet exited, and not slashed."""
        if v.slashed:
            return False
        if v.status == ACTIVE:
            return True
        return v.status == EXITING and v.exit_time is not None and self.now < v.exit_time

    def _update_statuses(self) -> None:
        for v in self.validators:
            if (
                v.status == EXITING
                and v.withdrawable_time is not None
                and self.now >= v.withdrawable_time
            ):
                v.status = WITHDRAWABLE

    # ---------------------------------------------------------------- events
    def reward(self, validator: Validator, amount: int | str | Decimal) -> None:
        """Credit an extra reward (a proposal, MEV) to ``validator``'s balance.

        ``amount``: ETH as a str or Decimal ("0.5"), wei as an int; a whole
        number of gwei, as the beacon chain counts.
        """
        amount_gwei = _gwei(amount)
        validator.balance += amount_gwei
        validator.rewards += amount_gwei
        self.total_rewards += amount_gwei

    def penalise(self, validator: Validator, amount: int | str | Decimal) -> int:
        """Take up to ``amount`` from ``validator`` (a leak); returns what was taken, in gwei.

        ``amount``: ETH as a str or Decimal ("3"), wei as an int, whole gwei.
        """
        return self._penalise_gwei(validator, _gwei(amount))

    def _penalise_gwei(self, validator: Validator, amount_gwei: int) -> int:
        taken = min(amount_gwei, validator.balance)
        validator.balance -= taken
        validator.penalties += taken
        self.total_penalties += taken
        return taken

    def set_online(self, validator: Validator, online: bool) -> None:
        """Take a validator offline (it leaks what it would earn) or back online."""
        validator.online = online

    def slash(self, validator: Validator) -> int:
        """Slash ``validator``: initial plus correlation penalty; it exits. Returns the penalty."""
        if validator.slashed or validator.status not in (ACTIVE, EXITING):
            raise ValueError(
                f"validator {validator.index} cannot be slashed now ({validator.status})"
            )
        self.slashings.append((self.now, validator.index))
        recent = sum(1 for t, _ in self.slashings if self.now - t < self.config.slashing_window)
        active = sum(1 for v in self.validators if v.status in (ACTIVE, EXITING)) or 1
        correlation = (
            validator.effective_balance
            * self.config.slashing_correlation
            * recent
            // (active * 10**18)
        )
        penalty = self._penalise_gwei(validator, self.config.slashing_initial_penalty + correlation)
        validator.slashed = True
        validator.status = EXITING
        validator.exit_time = self.now
        validator.withdrawable_time = self.now + self.config.slashing_withdrawal_delay
        return penalty

    def exit(self, validator: Validator) -> None:
        """A voluntary exit: the validator stops earning after ``exit_delay``."""
        if validator.status != ACTIVE:
            raise ValueError(f"validator {validator.index} is not active ({validator.status})")
        validator.status = EXITING
        validator.exit_time = self.now + self.config.exit_delay
        validator.withdrawable_time = validator.exit_time + self.config.withdrawal_delay

    def sweep(self) -> list[Withdrawal]:
        """One withdrawal sweep: skim above 32 ETH, withdraw the withdrawable in full."""
        self.last_sweep = self.now
        paid = []
        for v in self.validators:
            address = v.withdrawal_address
            if address is None:
                continue
            if v.status == WITHDRAWABLE and v.balance > 0:
                amount, full = v.balance, True
                v.status = WITHDRAWN
            elif v.status == ACTIVE and v.balance > MAX_EFFECTIVE_GWEI:
                amount, full = v.balance - MAX_EFFECTIVE_GWEI, False
            else:
                continue
            v.balance -= amount
            v.withdrawn += amount
            self.credit(address, amount * GWEI)
            w = Withdrawal(self.now, v.index, address, amount, full)
            self.withdrawals.append(w)
            paid.append(w)
        return paid

    # ---------------------------------------------------------------- totals
    def total_balance_gwei(self) -> int:
        """Sum of every validator's balance, in gwei."""
        return sum(v.balance for v in self.validators)
