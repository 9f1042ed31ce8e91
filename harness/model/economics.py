"""Rocket Pool's split rules as plain integer arithmetic, written from docs/protocol.md.

These functions are the reference model's arithmetic: independent of the
contracts, so a test or an invariant can compare what a minipool computes
with what the rules say. Amounts are wei; ``fee`` is a fraction of 1e18.
All divisions round down, as the contracts' do.
"""

from __future__ import annotations

from harness.units import ETH, ONE

# A balance below this is treated as skimmed rewards, at or above it as a full exit.
FULL_EXIT_THRESHOLD = 8 * ETH


def rewards_node_share(rewards: int, user_capital: int, node_capital: int, fee: int) -> int:
    """The node's part of ``rewards``: its capital's share, plus its fee on the users' share.

    ``nodePortion = r * N / (U + N)``; node gets ``nodePortion + (r - nodePortion) * fee / 1e18``.
    """
    capital = user_capital + node_capital
    if capital == 0:
        return 0
    node_portion = rewards * node_capital // capital
    return node_portion + (rewards - node_portion) * fee // ONE


def node_share(balance: int, user_capital: int, node_capital: int, fee: int) -> int:
    """The node's share of a minipool balance (contract balance minus the node refund).

    Below 8 ETH the balance is skimmed rewards, split as rewards. From 8 ETH it
    is a full exit: above ``U + N`` the node gets its capital and its share of
    the excess; between ``U`` and ``U + N`` it gets ``b - U`` (it absorbs losses
    first); at or below ``U`` it gets nothing.
    """
    if balance < FULL_EXIT_THRESHOLD:
        return rewards_node_share(balance, user_capital, node_capital, fee)
    capital = user_capital + node_capital
    if balance > capital:
        return node_capital + rewards_node_share(balance - capital, user_capital, node_capital, fee)
    if balance > user_capital:
        return balance - user_capital
    return 0


def user_share(balance: int, user_capital: int, node_capital: int, fee: int) -> int:
    """The users' share of a minipool balance: whatever is not the node's."""
    return balance - node_share(balance, user_capital, node_capital, fee)


def node_shortfall(balance: int, user_capital: int) -> int:
    """On a full exit, what the users lost past the node's whole bond (``U - b``), else 0."""
    if balance < FULL_EXIT_THRESHOLD:
        return 0
    return max(0, user_capital - balance)
