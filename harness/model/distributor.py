"""Each node's fee distributor: its balance, what node and users are owed, and ``distribute()``.

Rules modelled (``RocketNodeDistributorFactory``, ``RocketNodeDistributorDelegate``,
docs/protocol.md "Execution-layer rewards"):

- A node's distributor lives at a CREATE2 address fixed by the factory, the
  node and the delegate (:meth:`DistributorMixin.distributor_address`); it is
  created when the node registers. Priority fees and MEV reach it as a rising
  balance (:meth:`harness.model.core.CoreMixin.credit`), no code running.
- ``distribute()``, by anyone, splits the balance less what is held for the
  node: the node's capital part ``balance * 1e18 // collateral ratio``, plus
  the node's average fee of the rest; the users' part goes to the rETH
  contract first, then the node's part and anything held for it to the
  withdrawal address. A withdrawal address that refuses leaves that ETH held
  for the node (not split again); a re-entrant one only counts an attempt.
- The minipool manager distributes a node's distributor, when it holds any
  ETH, before one of the node's fee inputs changes: a minipool starting to
  stake, a staking minipool finalising or reducing its bond
  (:meth:`DistributorMixin._try_distribute_fees`).

Distributor balances are not users' ETH until distributed (as on mainnet,
the oracle does not count them): :meth:`Model.held_for_users` leaves them
out, and the users' share joins it as rETH's ETH when distributed.
"""

from __future__ import annotations

from eth_utils import keccak

from harness.model import economics as econ
from harness.model.common import _action, _require, norm

# Vyper's `create_minimal_proxy_to` init code around the 20-byte delegate: the
# loader and the EIP-1167 forwarder's code before and after the target.
PROXY_INIT_PREFIX = bytes.fromhex("602d3d8160093d39f3363d3d373d3d3d363d73")
PROXY_INIT_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
FACTORY = "rocketNodeDistributorFactory"
DELEGATE = "rocketNodeDistributorDelegate"


class DistributorMixin:
    """Fee distributors: addresses, balances, the split and its payments."""

    # ---------------------------------------------------------------- queries
    def has_distributors(self) -> bool:
        """Whether the deployment has the factory and delegate (so nodes get distributors)."""
        return FACTORY in self.directory and DELEGATE in self.directory

    def distributor_address(self, node: str) -> str:
        """``node``'s distributor address: CREATE2 of the factory, salt ``keccak(abi(node))``.

        Lower-case, as the model keeps addresses.
        """
        if not self.has_distributors():
            raise KeyError("the deployment has no node distributor factory")
        cached = self._distributor_addresses.get(norm(node))
        if cached is not None:
            return cached
        salt = keccak(bytes(12) + bytes.fromhex(norm(node)[2:]))
        init = PROXY_INIT_PREFIX + bytes.fromhex(self.directory[DELEGATE][2:]) + PROXY_INIT_SUFFIX
        digest = keccak(b"\xff" + bytes.fromhex(self.directory[FACTORY][2:]) + salt + keccak(init))
        address = self._distributor_addresses[norm(node)] = "0x" + digest[12:].hex()
        return address

    def distributor_balance(self, node: str) -> int:
        """The ETH at ``node``'s distributor (with what is held for the node)."""
        return self.distributor_eth.get(norm(node), 0)

    def distributor_shares(self, node: str) -> tuple[int, int]:
        """``(node share, user share)`` of ``node``'s distributor now (its two views).

        The node's share includes what is held for it; the users' is the
        rest of the balance less the node's part of it.
        """
        node = norm(node)
        held = self.distributor_held.get(node, 0)
        balance = self.distributor_balance(node) - held
        part = self._distributor_node_part(node, balance)
        return held + part, balance - part

    def _fee_figures(self, node: str) -> tuple[int, int]:
        """``(average fee, collateral ratio)`` ``node``'s distributor splits by now."""
        state = self._node(node)
        matched = state.eth_matched if state else 0
        active = state.active_count if state else 0
        return self.average_node_fee(node), econ.collateral_ratio(matched, active)

    def _distributor_node_part(
        self, node: str, balance: int, figures: tuple[int, int] | None = None
    ) -> int:
        if balance == 0:
            return 0
        fee, ratio = figures if figures is not None else self._fee_figures(node)
        return econ.distributor_node_share(balance, fee, ratio)

    # ---------------------------------------------------------------- the world
    def _open_distributor(self, node: str) -> None:
        """``node`` registered: its distributor now exists (ETH sent there before is its own)."""
        if not self.has_distributors():
            return
        node = norm(node)
        address = self.distributor_address(node)
        self._distributor_nodes[address] = node
        self._emit(
            "RocketNodeDistributorFactory", "ProxyCreated", proxyAddress=address, nodeAddress=node
        )
        early = self.other_credits.pop(address, 0)
        if early:
            self.distributor_eth[node] = self.distributor_eth.get(node, 0) + early
            self.fees_received += early

    def _credit_distributor(self, address: str, wei: int) -> bool:
        """ETH arrived at ``address``: True if it is a node's distributor (its balance rises)."""
        node = self._distributor_nodes.get(address)
        if node is None:
            return False
        self.distributor_eth[node] = self.distributor_eth.get(node, 0) + wei
        self.fees_received += wei
        return True

    # ---------------------------------------------------------------- paying out
    def _distribute_fees(
        self, node: str, figures: tuple[int, int] | None = None
    ) -> tuple[int, int]:
        """Split ``node``'s distributor: users first, then the node. ``(user, node)`` amounts.

        ``node`` is the node's part of this split only (what it is paid may
        also include what was held for it). ``figures``: the
        :meth:`_fee_figures` to split by, when taken before a change.
        """
        held = self.distributor_held.get(node, 0)
        balance = self.distributor_balance(node) - held
        node_amount = self._distributor_node_part(node, balance, figures)
        user_amount = balance - node_amount
        payout = held + node_amount
        self.distributor_eth[node] = self.distributor_balance(node) - user_amount
        self.reth_eth += user_amount
        self.fees_to_users += user_amount
        at = self.distributor_address(node)
        if user_amount > 0:
            self._emit(
                "RocketTokenRETH", "EtherDeposited", sender=at, amount=user_amount, time=self.now
            )
        if payout:
            to = self.withdrawal_address(node)
            if to in self.refusers:
                self.distributor_held[node] = payout
                self._emit(
                    "RocketNodeDistributorDelegate",
                    "NodeShareHeld",
                    at=at,
                    nodeAddress=node,
                    amount=payout,
                    time=self.now,
                )
            else:
                self.distributor_held[node] = 0
                self.distributor_eth[node] -= payout
                self._pay_out(to, payout)
                self.fees_to_nodes += payout
                if to in self.reentrants:
                    self.reentry_attempts[to] = self.reentry_attempts.get(to, 0) + 1
        self._emit(
            "RocketNodeDistributorDelegate",
            "FeesDistributed",
            at=at,
            nodeAddress=node,
            userAmount=user_amount,
            nodeAmount=node_amount,
            time=self.now,
        )
        self.last_fee_split = {"node": norm(node), "user": user_amount, "node_amount": node_amount}
        return user_amount, node_amount

    def _try_distribute_fees(self, node: str, figures: tuple[int, int] | None = None) -> None:
        """The minipool manager's rule: distribute first, if the distributor holds any ETH."""
        if self.has_distributors() and self.distributor_balance(node) > 0:
            self._distribute_fees(norm(node), figures)

    # ---------------------------------------------------------------- actions
    @_action
    def distribute_fees(self, node: str) -> dict[str, int]:
        """Anyone distributes ``node``'s fee distributor (the node must have one: registered).

        Values: ``user`` (to rETH) and ``node`` (the node's part of this
        split; a refusing withdrawal address leaves it held).
        """
        node = norm(node)
        _require(
            self.has_distributors() and node in self.nodes, "node distributor: not initialised"
        )
        user_amount, node_amount = self._distribute_fees(node)
        return {"user": user_amount, "node": node_amount}
