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


def node_share(
    balance: int, user_capital: int, node_capital: int, fee: int, penalty_rate: int = 0
) -> int:
    """The node's share of a minipool balance (contract balance minus the node refund).

    Below 8 ETH the balance is skimmed rewards, split as rewards. From 8 ETH it
    is a full exit: above ``U + N`` the node gets its capital and its share of
    the excess; between ``U`` and ``U + N`` it gets ``b - U`` (it absorbs losses
    first); at or below ``U`` it gets nothing. An exit's share is then cut by
    the minipool's MEV-theft ``penalty_rate`` (:func:`penalised`); skims are not.
    """
    if balance < FULL_EXIT_THRESHOLD:
        return rewards_node_share(balance, user_capital, node_capital, fee)
    capital = user_capital + node_capital
    if balance > capital:
        share = node_capital + rewards_node_share(
            balance - capital, user_capital, node_capital, fee
        )
    elif balance > user_capital:
        share = balance - user_capital
    else:
        share = 0
    return penalised(share, penalty_rate)


def penalty_amount(share: int, rate: int) -> int:
    """What a penalty ``rate`` (fraction of 1e18) takes of a node ``share``.

    ``share * rate / 1e18``, rounded down, and never more than the share
    itself (a rate above 100% takes all of it).
    """
    return min(share * rate // ONE, share)


def penalised(share: int, rate: int) -> int:
    """The node's ``share`` after its penalty at ``rate``: the rest goes to the users."""
    return share - penalty_amount(share, rate)


def user_share(
    balance: int, user_capital: int, node_capital: int, fee: int, penalty_rate: int = 0
) -> int:
    """The users' share of a minipool balance: whatever is not the node's."""
    return balance - node_share(balance, user_capital, node_capital, fee, penalty_rate)


def node_shortfall(balance: int, user_capital: int) -> int:
    """On a full exit, what the users lost past the node's whole bond (``U - b``), else 0."""
    if balance < FULL_EXIT_THRESHOLD:
        return 0
    return max(0, user_capital - balance)


# ---------------------------------------------------------------- the fee distributor
# The ratio a node with no ETH matched is given (v1.3.1's legacy 1:1 minipools).
LEGACY_COLLATERAL_RATIO = 2 * ONE
LAUNCH_BALANCE = 32 * ETH


def average_node_fee(by_size: dict[int, tuple[int, int]]) -> int:
    """A node's average fee over its staking minipools (v1.3.1's ``getAverageNodeFee``).

    ``by_size`` maps each bond size ``s`` (wei) to ``(c_s, f_s)``: how many
    staking minipools have that bond and the sum of their fees. Each size
    weighs by the users' ETH it holds: ``w_s = (32 ETH - s) * c_s * 1e18 //
    total weight``; the average is ``sum(f_s * w_s // c_s) // 1e18``. Zero
    when nothing stakes.
    """
    weights = {size: (LAUNCH_BALANCE - size) * count for size, (count, _) in by_size.items()}
    total = sum(weights.values())
    if total == 0:
        return 0
    average = 0
    for size, (count, numerator) in by_size.items():
        if count:
            average += numerator * (weights[size] * ONE // total) // count
    return average // ONE


def collateral_ratio(eth_matched: int, active_count: int) -> int:
    """A node's capital ratio ``staked * 1e18 // (staked - matched)``, staked = active * 32 ETH.

    2e18 when nothing is matched (v1.3.1's ``getNodeETHCollateralisationRatio``).
    """
    if eth_matched == 0:
        return LEGACY_COLLATERAL_RATIO
    staked = active_count * LAUNCH_BALANCE
    return staked * ONE // (staked - eth_matched)


def distributor_node_share(balance: int, average_fee: int, ratio: int) -> int:
    """The node's part of a fee distributor's ``balance`` (v1.3.1's ``getNodeShare``).

    ``node capital part = balance * 1e18 // ratio``; the node also takes
    ``average_fee`` of the rest: ``part + (balance - part) * fee // 1e18``.
    """
    node_capital = balance * ONE // ratio
    return node_capital + (balance - node_capital) * average_fee // ONE
