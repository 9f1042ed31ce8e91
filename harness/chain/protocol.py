"""The ``Protocol`` facade: every contract, every actor, and one-line flows.

Nothing above this layer touches the VM directly, so a second execution
backend can be slotted in underneath. Amounts given to the helpers follow
:func:`harness.units.to_wei`: an ``int`` is wei, a ``str`` or ``Decimal``
is ETH ("1.5", Decimal("1.5"), "30 gwei").
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

from harness.chain.beacon import BeaconChain, Validator
from harness.chain.deposit_data import (
    DepositData,
    make_deposit_data,
    minipool_withdrawal_credentials,
)
from harness.config import Config
from harness.units import ONE, WEI_PER_ETH, to_wei

# EIP-5202 blueprint preamble Vyper writes before the initcode; the manager's
# `create_from_blueprint` skips it (its default code_offset is 3).
BLUEPRINT_PREAMBLE_LENGTH = 3
PRELAUNCH_VALUE = WEI_PER_ETH
STAKE_VALUE = 31 * WEI_PER_ETH


@dataclass
class Protocol:
    """A deployed protocol and its actors.

    Contracts are attributes named after the reference contracts in
    snake_case (``p.vault``, ``p.settings``, ``p.odao``, ``p.network_balances``,
    ``p.network_prices``, ``p.reth``, ``p.deposit_pool``, ``p.minipool_queue``,
    ...); ``p.storage`` is the directory. Actors are plain addresses:
    ``p.guardian``, ``p.odao_members``, ``p.depositors``, ``p.node_operators``.
    """

    storage: Any
    contracts: dict[str, Any]
    guardian: str
    odao_members: list[str]
    depositors: list[str]
    node_operators: list[str]
    config: Config
    contracts_dir: Path
    _report_block: int = field(default=0, repr=False)
    # Validator key seed by pubkey, so `stake` can sign for the key that
    # `create_minipool` pre-deposited. A pure function of (node, salt), so
    # it stays right whatever anchors roll back.
    _validator_seeds: dict[bytes, str] = field(default_factory=dict, repr=False)
    # Lowest salt per node not yet known to be used: only a hint, checked on chain.
    _next_salt: dict[str, int] = field(default_factory=dict, repr=False)
    _minipool_deployer: Any = field(default=None, repr=False)
    # Handles by address: building one costs about 0.5 ms. Every minipool
    # runs the same blueprint code, so a handle stays right even when an
    # anchor rolls back and a later minipool reuses the address.
    _minipool_handles: dict[str, Any] = field(default_factory=dict, repr=False)
    # Minipool addresses by (node, salt): three keccaks and a checksum each, asked
    # for every salt tried. They depend only on the manager and the blueprint's
    # code, which never change (a redeploy is a new facade).
    _expected_addresses: dict[tuple[str, int], str] = field(default_factory=dict, repr=False)
    # Fee distributor handles by address (every one runs the delegate's code).
    _distributor_handles: dict[str, Any] = field(default_factory=dict, repr=False)
    # Fee recipients by minipool address: a minipool's address fixes its node
    # (CREATE2 over node and salt), so the node's distributor never changes.
    _fee_recipients: dict[str, str] = field(default_factory=dict, repr=False)
    # The simulated consensus layer and the honest oDAO (set by deploy_protocol).
    beacon: BeaconChain | None = None
    oracle: Any = None
    # The reference model, when one is attached (the campaign machine does).
    model: Any = None
    # The EVM it runs on (harness.chain.backend): titanoboa's environment or revm.
    chain: Any = field(default=None, repr=False)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: contracts by facade name.
        contracts = self.__dict__.get("contracts", {})
        if name in contracts:
            return contracts[name]
        raise AttributeError(f"Protocol has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.contracts))

    # ------------------------------------------------------------------ reads
    def balance(self, who: Any) -> int:
        """ETH balance in wei of an address or a contract."""
        return self.chain.get_balance(who if type(who) is str else getattr(who, "address", who))

    def rate(self) -> int:
        """The rETH exchange rate: wei of ETH per 1e18 rETH, from the last report."""
        return self.reth.getExchangeRate()

    # ------------------------------------------------------------------ flows
    def deposit(self, depositor: str, amount: int | str) -> int:
        """``depositor`` deposits ``amount`` (ETH as str/Decimal, wei as int).

        Returns the rETH minted to it, in wei.
        """
        wei = to_wei(amount)
        before = self.reth.balanceOf(depositor)
        self.deposit_pool.deposit(value=wei, sender=depositor)
        return self.reth.balanceOf(depositor) - before

    def burn(self, holder: str, reth_amount: int | str) -> int:
        """``holder`` burns ``reth_amount`` rETH for ETH; returns the ETH paid, in wei."""
        wei = to_wei(reth_amount)
        before = self.balance(holder)
        self.reth.burn(wei, sender=holder)
        return self.balance(holder) - before

    def fund_rpl(self, to: str, amount: int | str) -> None:
        """The guardian, who holds the fixed RPL supply, sends ``amount`` RPL to ``to``.

        RPL amounts follow the same convention as ETH: a str is whole tokens.
        """
        self.rpl.transfer(to, to_wei(amount), sender=self.guardian)

    def stake_rpl(self, node: str, amount: int | str) -> None:
        """``node`` approves node staking for ``amount`` RPL and stakes it.

        The node must already hold the RPL (see :meth:`fund_rpl`) and be
        registered. RPL amounts: a str is whole tokens, an int is wei.
        """
        wei = to_wei(amount)
        self.rpl.approve(self.node_staking.address, wei, sender=node)
        self.node_staking.stakeRPL(wei, sender=node)

    def withdraw_rpl(self, node: str, amount: int | str) -> None:
        """``node`` withdraws ``amount`` staked RPL to its withdrawal address.

        Only the stake above the node's maximum may leave, and only after the
        withdrawal cooldown since its last stake; the RPL goes to the address
        the node manager's ``getNodeWithdrawalAddress`` gives.
        """
        self.node_staking.withdrawRPL(to_wei(amount), sender=node)

    def auction_price(self, lot: int) -> int:
        """The Dutch-auction price of ``lot`` at the current block.

        In wei of ETH per 1e18 RPL: the start price at the lot's first
        block, falling to the reserve at its end block.
        """
        return self.auction_manager.getLotPriceAtCurrentBlock(lot)

    def next_report_block(self) -> int:
        """A block after the last accepted report and before the current one.

        Mines a block first if needed, since reports must be for a past block.
        """
        chain = self.chain
        last = max(
            chain.read_views(
                [
                    (self.network_balances.getBalancesBlock, ()),
                    (self.network_prices.getPricesBlock, ()),
                ]
            )
        )
        if chain.block_number <= last + 1:
            chain.time_travel(blocks=last + 2 - chain.block_number)
        return chain.block_number - 1

    def report_balances(
        self,
        total_eth: int | str,
        reth_supply: int | str,
        staking_eth: int | str = 0,
        members: list[str] | None = None,
        block: int | None = None,
    ) -> int:
        """Submit a balances report from ``members`` (default: just enough for consensus).

        Returns the report's block. ``total_eth`` / ``staking_eth`` / ``reth_supply``
        follow the amount convention (ETH as str, wei as int).
        """
        block = self.next_report_block() if block is None else block
        args = (
            block,
            self.chain.timestamp,
            to_wei(total_eth),
            to_wei(staking_eth),
            to_wei(reth_supply),
        )
        for member in members if members is not None else self.quorum_members():
            self.network_balances.submitBalances(*args, sender=member)
        return block

    def report_price(
        self,
        rpl_price: int | str,
        members: list[str] | None = None,
        block: int | None = None,
    ) -> int:
        """Submit an RPL price (ETH per RPL) from ``members``; returns the block."""
        block = self.next_report_block() if block is None else block
        for member in members if members is not None else self.quorum_members():
            self.network_prices.submitPrices(
                block, self.chain.timestamp, to_wei(rpl_price), sender=member
            )
        return block

    def quorum_members(self) -> list[str]:
        """The smallest prefix of the oDAO whose votes reach the consensus threshold."""
        # One reading (on revm, one EVM call at most): every report asks.
        *valid, threshold = self.chain.read_views(
            [(self.odao.getMemberIsValid, (m,)) for m in self.odao_members]
            + [(self.settings.getNodeConsensusThreshold, ())]
        )
        members = [m for m, ok in zip(self.odao_members, valid, strict=True) if ok]
        for n in range(1, len(members) + 1):
            if ONE * n // len(members) >= threshold:
                return members[:n]
        return members

    # ------------------------------------------------------------------ nodes
    def register_node(self, node: str, timezone: str = "Etc/UTC") -> None:
        """Register ``node`` as a node operator with the node manager."""
        self.node_manager.registerNode(timezone, sender=node)

    @staticmethod
    def validator_seed(node: str, salt: int) -> str:
        """The fake validator key seed of ``node``'s minipool made with ``salt``."""
        return f"{str(node).lower()}/{salt}"

    def deposit_data(
        self, node: str, minipool_address: str, amount_wei: int, seed: int | str
    ) -> DepositData:
        """Valid beacon deposit data for ``node``'s validator ``seed``.

        Withdrawal credentials point at ``minipool_address`` (0x01 type);
        pubkey and signature are deterministic fakes of ``(node, seed)``; the
        root is the SSZ root the deposit contract checks for ``amount_wei``.
        """
        key_seed = f"{str(node).lower()}/{seed}"
        data = make_deposit_data(
            key_seed, minipool_withdrawal_credentials(minipool_address), amount_wei
        )
        self._validator_seeds[data.pubkey] = key_seed
        return data

    def expected_minipool_address(self, node: str, salt: int) -> str:
        """The CREATE2 address the minipool manager gives ``node``'s minipool for ``salt``.

        Computed in Python: ``keccak(0xff ++ manager ++ keccak(abi(node, salt))
        ++ keccak(initcode))``, where the initcode is the blueprint's code past
        its EIP-5202 preamble (the minipool's constructor takes no arguments).
        """
        key = (str(node), salt)
        address = self._expected_addresses.get(key)
        if address is None:
            blueprint_code = bytes(self.chain.get_code(self.minipool_base.address))
            initcode = blueprint_code[BLUEPRINT_PREAMBLE_LENGTH:]
            create2_salt = keccak(abi_encode(["address", "uint256"], [str(node), salt]))
            digest = keccak(
                b"\xff"
                + bytes.fromhex(str(self.minipool_manager.address)[2:])
                + create2_salt
                + keccak(initcode)
            )
            address = self._expected_addresses[key] = to_checksum_address(digest[12:])
        return address

    def minipool_at(self, address: str) -> Any:
        """A contract handle on the minipool at ``address`` (cached per address)."""
        key = str(address).lower()
        handle = self._minipool_handles.get(key)
        if handle is None:
            if self._minipool_deployer is None:
                self._minipool_deployer = self.chain.load(self.contracts_dir / "RocketMinipool.vy")
            handle = self._minipool_handles[key] = self._minipool_deployer.at(address)
        return handle

    def distributor(self, node: str) -> Any:
        """A handle on ``node``'s fee distributor, at the factory's address for it.

        Its code is there once the node registered (registering creates it);
        before that the address only holds whatever ETH was sent to it.
        """
        address = str(self.distributor_factory.getProxyAddress(node))
        key = address.lower()
        handle = self._distributor_handles.get(key)
        if handle is None:
            deployer = self.chain.load(self.contracts_dir / "RocketNodeDistributorDelegate.vy")
            # Its code is the EIP-1167 forwarder, not the delegate's: titanoboa would say so.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "casted bytecode does not match")
                handle = self._distributor_handles[key] = deployer.at(address)
        return handle

    def free_salt(self, node: str) -> int:
        """The lowest salt (from the remembered hint on) whose address ``node`` never used."""
        salt = self._next_salt.get(str(node), 0)
        while True:
            address = self.expected_minipool_address(node, salt)
            if not (
                self.minipool_manager.getMinipoolExists(address)
                or self.minipool_manager.getMinipoolDestroyed(address)
            ):
                return salt
            salt += 1

    def create_minipool(
        self,
        node: str,
        bond: int = 8,
        salt: int | None = None,
        credit: bool = False,
        value: int | None = None,
    ) -> Any:
        """``node`` bonds ``bond`` ETH (8 or 16) and creates a minipool; returns its handle.

        Pre-deposit data is valid for the expected address; the salt is the
        lowest free one unless given. With ``credit`` the deposit goes through
        ``depositWithCredit`` and sends ``value`` wei (default: none), the rest
        of the bond coming from the node's deposit credit.
        """
        salt = self.free_salt(node) if salt is None else salt
        address = self.expected_minipool_address(node, salt)
        bond_wei = bond * WEI_PER_ETH
        data = self.deposit_data(node, address, PRELAUNCH_VALUE, salt)
        args = (bond_wei, 0, data.pubkey, data.signature, data.root, salt, address)
        if credit:
            self.node_deposit.depositWithCredit(*args, value=value or 0, sender=node)
        else:
            self.node_deposit.deposit(
                *args, value=bond_wei if value is None else value, sender=node
            )
        self._ingest(self.node_deposit)
        self._next_salt[str(node)] = salt + 1
        return self.minipool_at(address)

    def stake_deposit_data(self, minipool: Any) -> DepositData:
        """The 31 ETH deposit data for ``minipool``'s validator (the key it pre-deposited)."""
        pubkey = bytes(minipool.getValidatorPubkey())
        key_seed = self._validator_seeds.get(pubkey)
        if key_seed is None:
            raise ValueError(
                f"minipool {minipool.address} was not created through this facade, so its "
                "validator key is unknown; call minipool.stake(signature, root) yourself"
            )
        return make_deposit_data(
            key_seed, minipool_withdrawal_credentials(minipool.address), STAKE_VALUE
        )

    def stake(self, minipool: Any) -> None:
        """The owner stakes ``minipool``: 31 ETH to the beacon deposit contract.

        The scrub period must be over (advance time first, e.g.
        ``p.advance(seconds=p.settings.getScrubPeriod() + 1)``).
        """
        data = self.stake_deposit_data(minipool)
        minipool.stake(data.signature, data.root, sender=minipool.getNodeAddress())
        self._ingest(minipool)

    def _ingest(self, called: Any) -> None:
        """Give the beacon chain the deposits made by the last call on ``called``."""
        if self.beacon is not None:
            self.beacon.ingest_logs(self.chain.logs_from(called, self.deposit_contract))

    def minipools(self) -> list[Any]:
        """Handles on every live (not destroyed) minipool, in the manager's order."""
        manager = self.minipool_manager
        count = manager.getMinipoolCount()
        addresses = self.chain.read_views([(manager.getMinipoolAt, (i,)) for i in range(count)])
        return [self.minipool_at(address) for address in addresses]

    # ------------------------------------------------------------------ the world
    def now(self) -> int:
        """The chain's timestamp (the beacon clock follows it)."""
        return self.chain.timestamp

    def advance(
        self,
        seconds: int = 0,
        *,
        minutes: int = 0,
        hours: int = 0,
        days: int = 0,
        proposals: int | None = None,
    ) -> None:
        """Move time forward on the EVM and the beacon chain together.

        Rewards accrue, exits complete and withdrawal sweeps pay minipools on
        the way (their balances rise; no code runs). A block passes every 12 s.
        ``proposals``: a seed; with one, the slots passing give blocks to live
        validators at the ``[proposals]`` rate, each paying its node's fee
        distributor (:meth:`BeaconChain.draw_proposals`); None: no blocks.
        """
        total = seconds + 60 * minutes + 3_600 * hours + 86_400 * days
        if total < 0:
            raise ValueError("time only moves forward")
        self.check_beacon_synced()
        self.chain.time_travel(seconds=total)
        # Catch up from wherever the beacon clock is, so a direct
        # time_travel on the chain earlier is not lost.
        self.beacon.advance(max(0, self.now() - self.beacon.now), seed=proposals)

    def fee_recipient(self, validator: Validator) -> str | None:
        """Where ``validator``'s blocks pay: its minipool's node's fee distributor.

        None for a validator whose withdrawal credentials name no minipool
        of this deployment, or a deployment without distributors.
        """
        address = validator.withdrawal_address
        if address is None or "distributor_factory" not in self.contracts:
            return None
        recipient = self._fee_recipients.get(address)
        if recipient is None:
            if not self.minipool_manager.getMinipoolExists(address):
                return None
            node = self.minipool_at(address).getNodeAddress()
            recipient = str(self.distributor_factory.getProxyAddress(node))
            self._fee_recipients[address] = recipient
        return recipient

    def beacon_credit(self, address: str, wei: int) -> None:
        """How the beacon chain pays a withdrawal: the balance rises, no code runs.

        An attached reference model is told as well.
        """
        self.chain.set_balance(address, self.chain.get_balance(address) + wei)
        if self.model is not None:
            self.model.credit(address, wei)

    def check_beacon_synced(self) -> None:
        """Fail clearly if deposits reached the deposit contract without the beacon seeing them."""
        count = self.deposit_contract.depositCount()
        if count != self.beacon.deposits_seen:
            raise RuntimeError(
                f"the deposit contract has {count} deposits but the simulated beacon chain "
                f"saw {self.beacon.deposits_seen}: a deposit was made without the facade; "
                "after such a call, run p.beacon.ingest_logs(contract.get_logs())"
            )

    def validator(self, minipool: Any) -> Validator | None:
        """The beacon validator of ``minipool`` (a handle or address), or None before it exists."""
        if not hasattr(minipool, "getValidatorPubkey"):
            minipool = self.minipool_at(minipool)
        try:
            return self.beacon.validator(bytes(minipool.getValidatorPubkey()))
        except KeyError:
            return None

    def report(self):
        """The honest oDAO reports the truthful network balances; returns the report."""
        self.check_beacon_synced()
        return self.oracle.report()

    def distribute(self, minipool: Any, by: str | None = None, rewards_only: bool = False):
        """``by`` (default: the owner) distributes ``minipool``'s balance.

        Returns the ``EtherWithdrawalProcessed`` events' ``(nodeAmount, userAmount)``
        pairs (an owner's exit distribution may also split late ETH at finalisation).
        """
        caller = by if by is not None else minipool.getNodeAddress()
        minipool.distributeBalance(rewards_only, sender=caller)
        return [
            (log.nodeAmount, log.userAmount)
            for log in minipool.get_logs()
            if type(log).__name__ == "EtherWithdrawalProcessed"
        ]

    # ------------------------------------------------------------------ snapshots
    def python_state(self) -> Any:
        """A copy of everything the facade keeps outside the EVM (beacon, oracle, model).

        EVM anchors roll back contract state only; pair them with this and
        :meth:`restore_python_state`, or use :meth:`anchor`.
        """
        beacon, model = copy.deepcopy((self.beacon, self.model))
        oracle = self.oracle.state() if self.oracle is not None else None
        return beacon, model, oracle, dict(self._next_salt)

    def restore_python_state(self, state: Any) -> None:
        """Rewind the facade's off-EVM state to a :meth:`python_state`."""
        beacon, model, oracle, next_salt = copy.deepcopy(state[:2]) + state[2:]
        self.beacon, self.model = beacon, model
        if oracle is not None:
            self.oracle.restore(oracle)
        self._next_salt = dict(next_salt)

    @contextlib.contextmanager
    def anchor(self) -> Iterator[Protocol]:
        """Everything inside the block is undone afterwards: EVM state, beacon, oracle, model."""
        state = self.python_state()
        with self.chain.anchor():
            try:
                yield self
            finally:
                self.restore_python_state(state)

    # ------------------------------------------------------------------ display
    def summary(self) -> dict[str, int]:
        """The headline numbers, in wei: rate, rETH supply, pool and collateral."""
        return {
            "rate": self.rate(),
            "reth_supply": self.reth.totalSupply(),
            "deposit_pool_balance": self.deposit_pool.getBalance(),
            "deposit_pool_excess": self.deposit_pool.getExcessBalance(),
            "reth_collateral": self.reth.getTotalCollateral(),
            "reported_total_eth": self.network_balances.getTotalETHBalance(),
            "reported_reth_supply": self.network_balances.getTotalRETHSupply(),
        }
