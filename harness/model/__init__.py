"""The reference model: Rocket Pool's economics in plain Python, written from docs/protocol.md.

This is the fuzzing harness's oracle of truth. It keeps its own ledger of
every ETH and rETH amount the rules move (depositors, the deposit pool and its
queue, the rETH contract, each minipool and node, the RPL auctions, the
oracle's last report) and, for every user-level action, says *before the
contracts are asked* whether the call must revert and with which reason, or
what it must return and move. The invariants compare the contracts with it.

Independence: the rules come from docs/protocol.md and ``harness.model.economics``;
the contracts were read only for revert strings, the order of their checks
and behaviours docs/protocol.md leaves open (each such place says so in a
comment). Nothing here touches the EVM: time and block numbers are passed in,
ETH that arrives without code running is told with :meth:`Model.credit`, and
validator balances are read from the simulated beacon chain
(:class:`harness.chain.beacon.BeaconChain`), the model's only window on the world.

Conventions: amounts are wei ints; fractions are of 1e18; addresses are
compared case-insensitively (stored lower-case, see :func:`norm`). Every
action returns an :class:`Expect`; a refused action changes nothing.

Layout: :class:`Model` is composed here from one mixin per area, and holds
the state (every attribute is set in ``Model.__init__``) and the checkpoint
that copies and restores it. The areas:

- :mod:`~harness.model.deposits`: the deposit pool, its maximum and fee, rETH
  minting, burning and excess collateral;
- :mod:`~harness.model.nodes`: node registration, withdrawal addresses, RPL
  staking, its bounds, slashing;
- :mod:`~harness.model.minipools`: minipool creation, the queue and
  assignment, prelaunch, scrub, stake, dissolve, close, bond reduction;
- :mod:`~harness.model.distribution`: the node/users split of a minipool's
  balance, distribution, refund, finalise;
- :mod:`~harness.model.distributor`: each node's fee distributor, its
  balance and ``distribute()``'s split;
- :mod:`~harness.model.oracle`: oDAO members and votes, balances and price
  reports;
- :mod:`~harness.model.penalties`: MEV-theft penalty votes, each minipool's
  penalty count and rate, the guardian's cap;
- :mod:`~harness.model.auctions`: RPL lots, bids, claims, recovery;
- :mod:`~harness.model.ledger`: sums the invariants judge (held for users,
  the honest report, solvency, losses, earnings);
- :mod:`~harness.model.settings`: defaults and the guardian's bounds;
- :mod:`~harness.model.tokens`: rETH and RPL balances and allowances, the
  tokens' metadata, and the directory of contracts (what their views answer);
- :mod:`~harness.model.core`: the world (ETH arriving, contract payees) and
  the helpers the areas share;
- :mod:`~harness.model.records`, :mod:`~harness.model.common`: the state's
  records, and the constants, rounding and :class:`Expect` every area uses;
- :mod:`~harness.model.economics`: the split arithmetic alone.

This package imports only :mod:`harness.units`, :mod:`harness.config` and
:mod:`harness.chain` (minipool statuses, the beacon chain it reads), and its
own modules.
"""

from __future__ import annotations

import pickle
from typing import Any

from harness.chain.beacon import BeaconChain
from harness.chain.status import (  # noqa: F401 - the model's names for them
    DISSOLVED,
    INITIALISED,
    PRELAUNCH,
    STAKING,
    WITHDRAWABLE,
    MinipoolStatus,
)
from harness.model import economics
from harness.model.auctions import AuctionsMixin
from harness.model.common import (
    FULL_EXIT_THRESHOLD,
    INITIAL_RPL_PRICE,
    LARGE_BOND,
    LAUNCH_BALANCE,
    MAX_ASSIGNMENTS,
    MAX_MEMBERS,
    MAX_VOTES,
    MIN_TIMEZONE,
    PRELAUNCH_VALUE,
    PUBKEY_LENGTH,
    SMALL_BOND,
    STAKE_VALUE,
    ZERO_ADDRESS,
    Expect,
    mul_div,
    norm,
)
from harness.model.core import CoreMixin
from harness.model.deposits import DepositsMixin
from harness.model.distribution import DistributionMixin
from harness.model.distributor import DistributorMixin
from harness.model.ledger import LedgerMixin
from harness.model.minipools import MinipoolsMixin
from harness.model.nodes import NodesMixin
from harness.model.oracle import OracleMixin
from harness.model.penalties import PenaltiesMixin
from harness.model.records import Lot, MinipoolState, NodeState, Report, ReportMarks
from harness.model.settings import DEFAULT_SETTINGS, SettingsMixin
from harness.model.tokens import RPL_TOTAL_SUPPLY, TokensMixin

__all__ = [
    "DEFAULT_SETTINGS",
    "DISSOLVED",
    "FULL_EXIT_THRESHOLD",
    "INITIAL_RPL_PRICE",
    "INITIALISED",
    "LARGE_BOND",
    "LAUNCH_BALANCE",
    "MAX_ASSIGNMENTS",
    "MAX_MEMBERS",
    "MAX_VOTES",
    "MIN_TIMEZONE",
    "PRELAUNCH",
    "PRELAUNCH_VALUE",
    "PUBKEY_LENGTH",
    "SMALL_BOND",
    "STAKE_VALUE",
    "STAKING",
    "WITHDRAWABLE",
    "ZERO_ADDRESS",
    "Expect",
    "Lot",
    "MinipoolState",
    "MinipoolStatus",
    "Model",
    "NodeState",
    "Report",
    "ReportMarks",
    "economics",
    "mul_div",
    "norm",
]


def _deep_copy(state: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the model's state, as ``copy.deepcopy`` makes it, about three times faster.

    The state is plain data (ints, strings, bytes, containers and dataclass
    records); a pickle round trip copies it all and, like ``deepcopy``,
    keeps objects shared inside it shared. Something unpicklable raises.
    """
    return pickle.loads(pickle.dumps(state, pickle.HIGHEST_PROTOCOL))


class Model(
    DepositsMixin,
    NodesMixin,
    MinipoolsMixin,
    DistributionMixin,
    DistributorMixin,
    OracleMixin,
    PenaltiesMixin,
    AuctionsMixin,
    LedgerMixin,
    SettingsMixin,
    TokensMixin,
    CoreMixin,
):
    """The protocol's economics, independent of the contracts.

    ``settings`` overlays the contract defaults (:data:`DEFAULT_SETTINGS`);
    ``odao_members`` are admitted in order, as ``deploy_protocol`` does (each
    gets the next membership nonce); ``beacon`` is the simulated consensus
    layer, read for validator balances only. ``reth_address`` lets
    :meth:`credit` recognise ETH gifted to the rETH contract. ``guardian``
    (the deployer, who holds the whole RPL supply at the start) and
    ``directory`` (every contract name the deployment registered, with its
    address) are what the deployment did; without them the model keeps no
    guardian balance and knows no contract addresses. ``storage`` is the
    directory's own address (every network contract's ``ROCKET_STORAGE``).

    Actions take ``now`` (seconds) and, for auctions and reports, ``block``;
    the model remembers the latest ``now`` for actions that cascade into
    assignment (a minipool's status time is set then). ``block`` is the
    chain's block number as last told (by the checked facade, with every
    ``now`` it asks for; see :meth:`at_block`): a status change stamps it.
    """

    def __init__(
        self,
        settings: dict[str, int | bool] | None,
        odao_members: list[str],
        beacon: BeaconChain,
        *,
        reth_address: str | None = None,
        now: int = 0,
        block: int = 0,
        guardian: str | None = None,
        storage: str | None = None,
        directory: dict[str, str] | None = None,
        max_penalty_rate: int = 0,
    ) -> None:
        self.settings: dict[str, int | bool] = dict(DEFAULT_SETTINGS)
        for path, value in (settings or {}).items():
            if path not in DEFAULT_SETTINGS:
                raise ValueError(f"unknown setting {path!r}; the contract would refuse it")
            self.settings[path] = value
        self.beacon = beacon
        self.reth_address = norm(reth_address) if reth_address is not None else None
        self.now = now
        self.block = block
        # The directory: name -> address, and back (see harness.model.tokens).
        self.directory: dict[str, str] = {k: norm(v) for k, v in (directory or {}).items()}
        self._names: dict[str, str] = {a: k for k, a in self.directory.items()}
        self.guardian = norm(guardian) if guardian is not None else None
        self.storage = norm(storage) if storage is not None else ZERO_ADDRESS
        # oDAO: member -> membership nonce; admission order kept for display.
        self.members: dict[str, int] = {}
        self.last_nonce = 0
        # The members as the contract lists them (removal moves the last one
        # into the gap), and when each current membership began.
        self.member_list: list[str] = []
        self.member_joined: dict[str, int] = {}
        for member in odao_members:
            self._admit(norm(member))
        # rETH
        self.reth_balances: dict[str, int] = {}
        self.reth_supply = 0
        self.reth_minted = 0
        self.reth_burned = 0
        self.reth_eth = 0
        # ETH each address paid into the protocol and was paid by it.
        self.eth_in: dict[str, int] = {}
        self.eth_out: dict[str, int] = {}
        # Deposit pool and queue
        self.pool_balance = 0
        self.pool_node_balance = 0
        self.queue: list[str] = []
        self.deposit_fees = 0
        # Minipools and nodes
        self.minipools: dict[str, MinipoolState] = {}
        self.pubkeys_used: dict[bytes, str] = {}
        self.nodes: dict[str, NodeState] = {}
        self.beacon_deposits = 0
        # Deposits made to the beacon deposit contract (each one a leaf of its tree).
        self.beacon_deposit_count = 0
        # Live minipools as the manager lists them (removal moves the last one into the gap).
        self.minipool_list: list[str] = []
        # RPL
        self.rpl_balances: dict[str, int] = {}
        if self.guardian is not None:
            self.rpl_balances[self.guardian] = RPL_TOTAL_SUPPLY
        # ERC-20 allowances of rETH and RPL: (token, owner, spender) -> amount.
        self.allowances: dict[tuple[str, str, str], int] = {}
        self.total_rpl_stake = 0
        self.rpl_price = INITIAL_RPL_PRICE
        self.prices_block = 0
        # Auctions
        self.auction_rpl = 0
        self.auction_allotted = 0
        self.auction_eth_raised = 0
        self.lots: list[Lot] = []
        # Oracle
        self.report = Report()
        self._balance_votes: dict[tuple, list[tuple[str, int]]] = {}
        # Report values -> the marks when they were first voted for (see ReportMarks).
        self._balance_marks: dict[tuple, ReportMarks] = {}
        self._balance_voted: dict[tuple[str, int, int], tuple] = {}
        self._price_votes: dict[tuple, list[tuple[str, int]]] = {}
        self._price_voted: dict[tuple[str, int, int], tuple] = {}
        # Fee distributors: node -> ETH at its distributor, of which held for the
        # node (a refused payment); address -> node, once the node registered.
        self.distributor_eth: dict[str, int] = {}
        self.distributor_held: dict[str, int] = {}
        self._distributor_nodes: dict[str, str] = {}
        self._distributor_addresses: dict[str, str] = {}
        # Execution-layer income: paid to distributors, distributed so far, the last split.
        self.fees_received = 0
        self.fees_to_users = 0
        self.fees_to_nodes = 0
        self.last_fee_split: dict[str, int | str] | None = None
        # MEV-theft penalties: the guardian's cap (set at deployment), each
        # minipool's count and rate, the votes per (minipool, block) and those applied.
        self.max_penalty_rate = max_penalty_rate
        self.penalty_counts: dict[str, int] = {}
        self.penalty_rates: dict[str, int] = {}
        self._penalty_ballots: dict[tuple[str, int], list[tuple[str, int]]] = {}
        self._penalties_applied: set[tuple[str, int]] = set()
        # The last exit split with its penalty, and what penalties took in all.
        self.last_penalty: dict[str, int | str] | None = None
        self.penalties_taken = 0
        # ETH credited to addresses the model has no account for.
        self.other_credits: dict[str, int] = {}
        # Contract withdrawal addresses: those that refuse ETH, those that
        # re-enter the payer (and how many payments they have had).
        self.refusers: set[str] = set()
        self.reentrants: set[str] = set()
        self.reentry_attempts: dict[str, int] = {}
        # Values moved by the action in progress.
        self._moved: dict[str, int] = {}
        # Users' capital lost to bond reductions the oDAO did not cancel (see reduce_bond).
        self.unpoliced_losses = 0
        # Users' ETH paid to nodes by skims while their bond was under water (see
        # DistributionMixin._distribute_rewards).
        self.skim_past_bond_losses = 0
        # ETH rETH holders paid in by deposits less what burns paid them (see ReportMarks).
        self.holders_paid_in = 0
        # What the world (not the protocol) did to held_for_users(): see world_gain().
        self._world_gain = 0
        self._held_mark = 0
        self._acting = 0
        # The events the actions since the facade last cleared it emitted, in
        # order (see CoreMixin._emit and invariants.events).
        self.events: list[Any] = []
        # How many of them a refusal keeps: those of a transaction of its own
        # the action made first (the node's approval before its stake).
        self._standing = 0
        # Who called the minipool in the action being predicted (its events name it).
        self._sender = ZERO_ADDRESS
        # The model as it was before an action whose payment may be refused.
        self._checkpoint: dict[str, Any] | None = None

    # ---------------------------------------------------------------- checkpoint
    def _checkpoint_payment(self, mp: MinipoolState) -> None:
        """Before an action that may pay ``mp``'s node: checkpoint if its payee refuses ETH.

        Only then, so the common path copies nothing; the beacon chain is
        shared, not copied (the model never changes it).
        """
        if self.refusers and self.withdrawal_address(mp.node) in self.refusers:
            self._checkpoint = _deep_copy({k: v for k, v in self.__dict__.items() if k != "beacon"})

    def _restore(self, saved: dict[str, Any]) -> None:
        """Put back a checkpoint; minipool and node records keep their identity.

        So a caller holding ``model.minipools[a]`` or ``model.nodes[n]``
        across a refused action still sees the live record.
        """
        saved = dict(saved)
        for name in ("minipools", "nodes"):
            live, records = getattr(self, name), saved.pop(name)
            for key in [k for k in live if k not in records]:
                del live[key]
            for key, record in records.items():
                if key in live:
                    vars(live[key]).update(vars(record))
                else:
                    live[key] = record
        self.__dict__.update(saved)
