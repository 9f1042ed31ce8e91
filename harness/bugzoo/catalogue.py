"""The bug zoo's catalogue: every planted bug, as data.

Each bug is a small edit of ``contracts/`` that changes what the protocol
observably does (a bug whose effect no sequence of calls can show, such as
rounding a division that is always exact, belongs elsewhere). ``imitates``
names the finding of the reference's audits ("audit N") or the property the
bug breaks. Asserts a patch adds keep the contract's module-prefixed reason.

When the contracts change and an edit's old text no longer matches exactly
once, ``rpfuzz zoo`` stops with the bug's name: update its edit here.
"""

from __future__ import annotations

from harness.bugzoo.patch import Bug, Edit

MINIPOOL = "RocketMinipool.vy"
DEPOSIT_POOL = "RocketDepositPool.vy"
RETH = "RocketTokenRETH.vy"
DISTRIBUTOR = "RocketNodeDistributorDelegate.vy"

BUGS: tuple[Bug, ...] = (
    # ------------------------------------------------------------------ audit findings
    Bug(
        name="deposit-fee-minted",
        description="deposit() mints rETH for the whole deposit: the fee is minted too",
        imitates="audit 1 (deposit/report/burn sandwich): its mitigation, the deposit fee, is gone",
        edits=(Edit(DEPOSIT_POOL, "msg.value - fee, msg.sender", "msg.value, msg.sender"),),
    ),
    Bug(
        name="rpl-withdraw-skips-cooldown",
        description="withdrawRPL() ignores the cooldown since the node last staked",
        imitates="audit 2: a node that sees a slashing coming withdraws its RPL first",
        edits=(
            Edit(
                "RocketNodeStaking.vy",
                """    assert (
        block.timestamp - self._node_rpl_staked_time[msg.sender]
        >= staticcall settings.getRPLWithdrawalCooldown()
    ), "node staking: withdrawal cooldown has not passed"
""",
                "",
            ),
        ),
    ),
    Bug(
        name="minipool-reentrancy",
        description=(
            "minipools lose their reentrancy lock: a contract withdrawal address being paid "
            "calls distributeBalance again"
        ),
        imitates="audit 3: a contract withdrawal address re-enters the paying contract",
        edits=(Edit(MINIPOOL, "# pragma nonreentrancy on\n", ""),),
        requires="harness.chain.actors",
        note=(
            "only a contract withdrawal address that calls back can show it: needs the "
            "re-entrant actor and the reentrancy invariant (harness.chain.actors)"
        ),
    ),
    Bug(
        name="finalise-skips-rpl-slash",
        description="finalising a minipool whose exit fell short of user capital slashes no RPL",
        imitates="audit 4: losses past the bond fall on the users",
        edits=(
            Edit(
                MINIPOOL,
                """    extcall self._manager().incrementNodeFinalisedMinipoolCount()
    if self._node_slash_balance > 0:
        self._slash()
""",
                """    extcall self._manager().incrementNodeFinalisedMinipoolCount()
""",
            ),
        ),
    ),
    Bug(
        name="user-distribute-timer-reset",
        description="beginUserDistribute() restarts a running timer, so nobody can ever distribute",
        imitates="audit 5: anyone can reset the user-distribute timer",
        edits=(
            Edit(
                MINIPOOL,
                """    started: uint256 = self._user_distribute_time
    if started != 0:
        settings: IRocketDAOProtocolSettings = self._settings()
        assert block.timestamp >= (
            started
            + staticcall settings.getUserDistributeWindowStart()
            + staticcall settings.getUserDistributeWindowLength()
        ), "minipool: user distribution already pending"
    self._user_distribute_time = block.timestamp
""",
                """    self._user_distribute_time = block.timestamp
""",
            ),
        ),
    ),
    Bug(
        name="predeposit-whole-balance",
        description="the node deposit pre-deposits its whole balance instead of exactly 1 ETH",
        imitates="audit 6: a pre-deposit staked the contract's whole balance",
        edits=(
            Edit(
                "RocketNodeDeposit.vy",
                """        deposit_data_root,
        value=PRELAUNCH_VALUE,
    )""",
                """        deposit_data_root,
        value=self.balance,
    )""",
            ),
        ),
    ),
    Bug(
        name="refund-without-finalise",
        description="refund() after a user distribution pays the node without finalising",
        imitates="audit 8: a node takes its exit ETH without its counters and RPL being settled",
        edits=(
            Edit(
                MINIPOOL,
                """    assert self._node_refund_balance > 0, "minipool: no refund balance"
    if self._user_distributed and not self._finalised:
        self._finalise()
    else:
        self._refund()
""",
                """    assert self._node_refund_balance > 0, "minipool: no refund balance"
    self._refund()
""",
            ),
        ),
    ),
    Bug(
        name="reth-mint-rounds-up",
        description="getRethValue() rounds up, so a deposit mints up to 1 wei of rETH too many",
        imitates="audit 9: rounding in the wrong direction",
        edits=(
            Edit(
                RETH,
                "    return eth_amount * supply // total\n",
                "    return (eth_amount * supply + total - 1) // total\n",
            ),
        ),
    ),
    # ------------------------------------------------------------------ access and state
    Bug(
        name="reth-mint-unguarded",
        description="rETH mint() has lost its deposit-pool-only check: anyone mints rETH",
        imitates="access control: a privileged entry point open to all",
        edits=(
            Edit(
                RETH,
                """    assert rocket_base._is_contract(
        "rocketDepositPool", msg.sender
    ), "reth: caller is not the deposit pool"
    reth_amount: uint256 = self._reth_value(eth_amount)
""",
                """    reth_amount: uint256 = self._reth_value(eth_amount)
""",
            ),
        ),
    ),
    Bug(
        name="exit-distributable-by-anyone",
        description="anyone may distribute a minipool's exit, without the owner or the user window",
        imitates="access control: the owner-only exit distribution is open to all",
        edits=(
            Edit(
                MINIPOOL,
                """        if not owner_calling:
            assert (
                self._user_distribute_allowed()
            ), "minipool: only the owner can distribute right now"
""",
                "",
            ),
        ),
    ),
    Bug(
        name="dissolve-keeps-user-deposit",
        description="dissolving repays the users but leaves their deposit balance on the minipool",
        imitates="a missing state update (minipool accounting)",
        edits=(
            Edit(
                MINIPOOL,
                """    amount: uint256 = self._user_deposit_balance + penalty
    # The users are repaid here: nothing of what stays is theirs, and the
    # oracle must not count it for them.
    self._user_deposit_balance = 0
""",
                """    amount: uint256 = self._user_deposit_balance + penalty
""",
            ),
        ),
    ),
    Bug(
        name="bond-reduction-keeps-matched",
        description="a bond reduction does not add the 8 ETH it moves to the node's ETH matched",
        imitates="a missing state update (node accounting: RPL collateral is undercounted)",
        edits=(
            Edit(
                "RocketMinipoolManager.vy",
                "    self._node_eth_matched[node] += delta\n",
                "",
            ),
        ),
    ),
    Bug(
        name="node-fee-on-all-rewards",
        description="the node's commission is charged on all rewards, its own share included",
        imitates="reward split: the node fee applies to the users' share only",
        edits=(
            Edit(
                MINIPOOL,
                "    return node_portion + (rewards - node_portion) * self._node_fee // ONE\n",
                "    return node_portion + rewards * self._node_fee // ONE\n",
            ),
        ),
    ),
    # ------------------------------------------------------------------ thresholds
    Bug(
        name="consensus-off-by-one",
        description="the balances oracle counts one vote more than was cast: one member decides",
        imitates="oracle: consensus needs 51% of members, never fewer",
        edits=(
            Edit(
                "oracle_consensus.vy",
                "    return ONE * self._count(key) // members >= threshold\n",
                "    return ONE * (self._count(key) + 1) // members >= threshold\n",
            ),
        ),
    ),
    Bug(
        name="scrub-quorum-off-by-one",
        description="oDAO ballots count one vote more than was cast: one member scrubs a minipool",
        imitates="scrub and bond-reduction cancel votes need 51% of members",
        edits=(
            Edit(
                "odao_votes.vy",
                "    return 10**18 * self._count(ballot) // members >= quorum\n",
                "    return 10**18 * (self._count(ballot) + 1) // members >= quorum\n",
            ),
        ),
    ),
    Bug(
        name="user-capital-misses-predeposit",
        description="assignment records 31 ETH less the bond as user capital, forgetting the 1 ETH",
        imitates="an off-by-one (ETH) at the 32 ETH launch balance",
        edits=(
            Edit(
                MINIPOOL,
                "        msg.value + PRELAUNCH_VALUE - self._node_deposit_balance\n",
                "        msg.value - self._node_deposit_balance\n",
            ),
        ),
    ),
    Bug(
        name="queue-capacity-32-eth",
        description="the queue counts 32 ETH of capacity per minipool instead of 31",
        imitates="an off-by-one (ETH) at the 32 ETH launch balance: the pre-deposit is forgotten",
        edits=(
            Edit(
                "RocketMinipoolQueue.vy",
                "VARIABLE_DEPOSIT_AMOUNT: constant(uint256) = 31 * 10**18\n",
                "VARIABLE_DEPOSIT_AMOUNT: constant(uint256) = 32 * 10**18\n",
            ),
        ),
    ),
    Bug(
        name="pool-maximum-ignores-queue",
        description="deposits past the pool maximum are refused even when the queue needs them",
        imitates="deposit capacity: maximum pool size plus the queue's effective capacity",
        edits=(
            Edit(
                DEPOSIT_POOL,
                "            capacity_needed <= maximum + self._queue_capacity()\n",
                "            capacity_needed <= maximum\n",
            ),
        ),
    ),
    Bug(
        name="burn-ignores-collateral",
        description="burn() skips its collateral check and fails deep in the deposit pool",
        imitates="burn: requires getTotalCollateral() >= the ETH value",
        edits=(
            Edit(
                RETH,
                """    assert (
        self._total_collateral() >= eth_amount
    ), "reth: insufficient ETH collateral"
""",
                "",
            ),
        ),
    ),
    Bug(
        name="stake-during-scrub-period",
        description="stake() no longer waits for the scrub period to end",
        imitates="lifecycle: the oDAO must have its scrub period before the 31 ETH leave",
        edits=(
            Edit(
                MINIPOOL,
                """    assert (
        block.timestamp
        > self._status_time + staticcall self._settings().getScrubPeriod()
    ), "minipool: scrub period has not ended"
""",
                "",
            ),
        ),
    ),
    # ------------------------------------------------------------------ money
    Bug(
        name="collateral-sweep-takes-all",
        description="depositExcessCollateral() sends all of rETH's ETH to the pool, not the excess",
        imitates="rETH collateral: keep the target collateral rate for burns",
        edits=(
            Edit(
                RETH,
                "        ).recycleExcessCollateral(value=self.balance - keep)\n",
                "        ).recycleExcessCollateral(value=self.balance)\n",
            ),
        ),
    ),
    Bug(
        name="slash-rounds-down",
        description="slashRPL() rounds the RPL it takes down, so users are short a fraction of RPL",
        imitates="audit 9: rounding in the wrong direction (against the depositors)",
        edits=(
            Edit(
                "RocketNodeStaking.vy",
                "        eth_slash_amount, ONE, self._rpl_price(), True\n",
                "        eth_slash_amount, ONE, self._rpl_price(), False\n",
            ),
        ),
    ),
    Bug(
        name="bid-not-capped",
        description="placeBid() keeps a whole bid, beyond what the lot's RPL costs",
        imitates="auctions: a bid is capped at the remaining RPL's price, the rest refunded",
        edits=(
            Edit(
                "RocketAuctionManager.vy",
                """    bid: uint256 = min(
        msg.value, math._mul_div(remaining, block_price, ONE, True)
    )
""",
                """    bid: uint256 = msg.value
""",
            ),
        ),
    ),
    Bug(
        name="rate-from-live-supply",
        description="getEthValue() divides by the live rETH supply, not the reported one",
        imitates="rETH rate: from the oracle's last report, never from live balances",
        edits=(
            Edit(
                RETH,
                """    supply: uint256 = staticcall balances.getTotalRETHSupply()
    if supply == 0:
        return reth_amount
""",
                """    supply: uint256 = erc20.totalSupply
    if supply == 0 or staticcall balances.getTotalRETHSupply() == 0:
        return reth_amount
""",
            ),
        ),
    ),
    Bug(
        name="member-votes-twice",
        description="an oDAO member may vote again for other values in the same block",
        imitates="oracle: one vote per member per block (the reference forgot this)",
        edits=(
            Edit(
                "oracle_consensus.vy",
                """    assert previous == empty(bytes32), concat(
        prefix, ": member already voted for this block"
    )
""",
                "",
            ),
        ),
    ),
    Bug(
        name="launch-timeout-off-by-one",
        description="dissolve() needs more than the launch timeout, not at least it",
        imitates="an off-by-one at the 72 hour launch timeout",
        edits=(
            Edit(
                MINIPOOL,
                """        block.timestamp - self._status_time
        >= staticcall self._settings().getLaunchTimeout()
""",
                """        block.timestamp - self._status_time
        > staticcall self._settings().getLaunchTimeout()
""",
            ),
        ),
    ),
    Bug(
        name="penalty-applied-twice",
        description=(
            "submitPenalty() forgets to refuse a vote on a penalty already applied: a late "
            "member's vote applies it again"
        ),
        imitates="MEV-theft penalties: one penalty per minipool and block",
        edits=(
            Edit(
                "RocketNetworkPenalties.vy",
                """    assert not self._executed[
        ballot
    ], "network penalties: penalty already applied for this block"
    odao_votes._cast(ballot, msg.sender, nonce)
""",
                """    odao_votes._cast(ballot, msg.sender, nonce)
""",
            ),
        ),
    ),
    Bug(
        name="distributor-pays-node-first",
        description=(
            "distribute() pays the node before it settles its own state and gives the users"
            " what is left, without its lock: a re-entering withdrawal address splits the"
            " users' share again and again"
        ),
        imitates="the Atlas audits' fee distributor re-entrancy (users' share drained)",
        edits=(
            Edit(DISTRIBUTOR, "# pragma nonreentrancy on\n", ""),
            Edit(
                DISTRIBUTOR,
                """    payout: uint256 = held + node_amount
    self._node_held = 0
    if user_amount > 0:
        raw_call(
            rocket_base._contract("rocketTokenRETH"), b"", value=user_amount
        )
    if payout > 0:
        to: address = staticcall IRocketNodeManager(
            rocket_base._contract("rocketNodeManager")
        ).getNodeWithdrawalAddress(node)
        success: bool = raw_call(to, b"", value=payout, revert_on_failure=False)
        if not success:
            self._node_held = payout
            log NodeShareHeld(
                nodeAddress=node, amount=payout, time=block.timestamp
            )
""",
                """    payout: uint256 = held + node_amount
    if payout > 0:
        to: address = staticcall IRocketNodeManager(
            rocket_base._contract("rocketNodeManager")
        ).getNodeWithdrawalAddress(node)
        success: bool = raw_call(to, b"", value=payout, revert_on_failure=False)
        if not success:
            self._node_held = payout
            log NodeShareHeld(
                nodeAddress=node, amount=payout, time=block.timestamp
            )
        else:
            self._node_held = 0
    user_amount = self.balance - self._node_held
    if user_amount > 0:
        raw_call(
            rocket_base._contract("rocketTokenRETH"), b"", value=user_amount
        )
""",
            ),
        ),
    ),
    Bug(
        name="distributor-network-fee",
        description=(
            "the distributor splits by the network's target node fee of the moment instead"
            " of the node's average fee over its minipools"
        ),
        imitates="v1.3.1's distributor: the fee is the node's own average, not today's",
        edits=(
            Edit(
                DISTRIBUTOR,
                "from interfaces import IRocketNodeManagerFees\n",
                "from interfaces import IRocketNodeManagerFees\n"
                "from interfaces import IRocketDAOProtocolSettings\n",
            ),
            Edit(
                DISTRIBUTOR,
                """    average_fee: uint256 = staticcall IRocketNodeManagerFees(
        rocket_base._contract("rocketNodeManager")
    ).getAverageNodeFee(node)
""",
                """    average_fee: uint256 = staticcall IRocketDAOProtocolSettings(
        rocket_base._contract("rocketDAOProtocolSettings")
    ).getTargetNodeFee()
""",
            ),
        ),
    ),
    Bug(
        name="scrub-penalty-from-users",
        description=(
            "a scrub's penalty is taken from the users' deposit, not from the node's bond:"
            " the pool gets back less than the users put in"
        ),
        imitates="v1.3.1's _dissolve(scrubPenalty): the penalty comes out of the bond",
        edits=(
            Edit(
                MINIPOOL,
                "    amount: uint256 = self._user_deposit_balance + penalty\n",
                "    amount: uint256 = self._user_deposit_balance - penalty\n",
            ),
        ),
    ),
)

BY_NAME: dict[str, Bug] = {bug.name: bug for bug in BUGS}
