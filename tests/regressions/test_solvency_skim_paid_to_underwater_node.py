"""Regression test for `solvency`, emitted by `rpfuzz replay --emit-pytest` from

    tests/data/replays/solvency-skim-paid-to-underwater-node.json

Replayed on the contracts below, `solvency` fails at step 29 of 30: rETH holders are
owed 51.645 ETH (51645000000000000000 wei) at the reported rate but the protocol
holds 47.645 ETH (47645000000000000000 wei) for them: short by 0.354999… ETH
(354999999999999949 wei) beyond 51 wei of rounding and 3.645 ETH
(3645000000000000000 wei) the users lost since the moment the last report describes
(on the beacon chain, to bond reductions the oDAO did not cancel, or a deficit the
report carried); look for ETH that left the users' side (a split paying the node too
much, a burn or refund paying twice) or a report above the truth

Each line is one step of the file, run through the checked facade (every call must
do what the reference model says) with the invariants checked where the campaign
checked them. The test fails while the bug is there and passes once it is fixed. It
runs on the contracts in $RPFUZZ_CONTRACTS if set, else on these:

    contracts/ (the project's own)

    RPFUZZ_CONTRACTS=path/to/contracts pytest test_solvency_skim_paid_to_underwater_node.py
"""

import os

from harness.replay.session import replaying
from harness.units import to_wei

ETH = 10**18
HOUR = 3_600
DAY = 86_400

# The configuration the campaign ran with (boa_config.toml as it was then).
CONFIG = {
    "settings": {
        "deposit.pool.maximum": "160 ether",
        "deposit.fee": "0.05%",
        "deposit.minimum": "0.01 ether",
        "network.consensus.threshold": "51%",
        "network.reth.collateral.target": "10%",
    },
    "actors": {
        "odao_members": 3,
        "depositors": 4,
        "node_operators": 4,
        "eth_per_actor": "10000 ether",
    },
    "beacon": {
        "apr": "4%",
        "skim_interval": "5 days",
        "exit_delay": "1 day",
        "withdrawal_delay": "1 day",
        "slashing_initial_penalty": "1 ether",
        "slashing_correlation": "3",
        "slashing_window": "18 days",
        "slashing_withdrawal_delay": "36 days",
    },
    "oracle": {
        "rpl_price": "0.01 ether",
        "rpl_volatility": "5%",
        "rpl_floor": "0.0001 ether",
        "seed": 0,
    },
}
# The sources the replay ran on (None: the project's contracts/).
RECORDED_CONTRACTS = None
CONTRACTS = os.environ.get("RPFUZZ_CONTRACTS") or RECORDED_CONTRACTS


# Found on the shipped contracts by a 60 s revm campaign (7 December 2026): a
# balances report voted while a 1 ETH gift sat in an 8 ETH minipool, executed
# later; the validator then loses 12 ETH (past the bond), and the owner's
# distribute splits the gift as a skim, 0.355 ETH to a node whose bond is gone.
# The reference does the same (v1.3.1's calculateNodeShare sees the contract's
# balance, not the beacon chain's), and the RPL slashed at the exit is what
# makes the users whole. The harness was wrong: solvency's allowance counted the
# whole gift as the users'. The model now books such a skim as the users' loss
# past the bond (Model.skim_past_bond_losses), and the exit's slash covers it.
def test_solvency_does_not_fail():
    model = None
    with replaying(CONFIG, CONTRACTS) as run:
        # One rule of the campaign's machine made the steps in a `with run.rule()`
        # block: the invariants run after its last step, as they did in the campaign.
        with run.rule():
            run.register_node(node="node_operator_0")  # step 0
            run.stake_rpl(node="node_operator_0", amount=3000 * ETH)  # step 1
            run.set_withdrawal_address(node="node_operator_0", to="reentrant")  # step 2
            run.register_node(node="node_operator_1")  # step 3
            run.stake_rpl(node="node_operator_1", amount=3000 * ETH)  # step 4
            run.set_withdrawal_address(node="node_operator_1", to="reentrant")  # step 5
            run.register_node(node="node_operator_2")  # step 6
            run.stake_rpl(node="node_operator_2", amount=3000 * ETH)  # step 7
            run.set_withdrawal_address(node="node_operator_2", to="reentrant")  # step 8
            run.register_node(node="node_operator_3")  # step 9
            run.stake_rpl(node="node_operator_3", amount=3000 * ETH)  # step 10
            # step 11
            run.set_withdrawal_address(node="node_operator_3", to="reentrant")
            run.report_price(price=to_wei("0.0097"))  # step 12
            run.deposit(who="depositor_0", amount=20 * ETH)  # step 13
        run.set_setting(path="deposit.assign.enabled", value=True)  # step 14
        run.stake_rpl(node="node_operator_0", amount=0)  # step 15
        # step 16
        run.create_minipool(node="node_operator_0", bond=8, credit=False, value=None)
        run.deposit(who="depositor_0", amount=31 * ETH)  # step 17
        with run.rule():
            run.advance(seconds=13 * HOUR)  # step 18
            run.stake(minipool=0)  # step 19
        run.gift(who="stranger", minipool=0, amount=ETH)  # step 20
        # step 21
        run.transfer_reth(who="depositor_0", to="depositor_0", amount=to_wei("16.9915"))
        with run.rule():
            run.set_setting(path="network.consensus.threshold", value=ETH)  # step 22
            run.vote_report(member="odao_member_1", which="balances")  # step 23
            run.vote_report(member="odao_member_2", which="balances")  # step 24
            # step 25
            run.execute_update(who="stranger", which="balances", pending=True)
            # step 26
            run.set_setting(path="network.consensus.threshold", value=to_wei("0.51"))
            # step 27
            run.execute_update(who="stranger", which="balances", pending=True)
        run.beacon_penalty(minipool=0, amount=12 * ETH)  # step 28
        # Step 29 failed `solvency` here, short by 0.355 ETH: the node's share of the
        # gift, paid as a skim while its bond was under water.
        skim = run.distribute(who="owner", minipool=0, rewards_only=False)  # step 29
        model = run.session.model
        [mp] = model.minipools.values()
        assert (mp.node_credited, mp.user_paid) == (355 * ETH // 1000, 645 * ETH // 1000)
        assert model.skim_past_bond_losses == 355 * ETH // 1000
        # the users' loss past the bond is now the 4 ETH the exit will not return
        assert model.user_losses() == {mp.address: 4 * ETH}
        assert "uncovered-loss" in skim.events
        # The exit: the 20.0022 ETH that come back are all the users'; what they
        # miss of their 24 ETH (3.9978 ETH) is slashed as RPL at 0.0097 ETH each.
        run.beacon_exit(minipool=0)
        run.advance(seconds=7 * DAY)  # exited, withdrawable, then swept (every 5 days)
        exit_ = run.distribute(who="owner", minipool=0, rewards_only=False)
        assert exit_.outcome == "ok", exit_.reason
        assert mp.capital_returned == mp.exit_balance == to_wei("20.00219178")
        assert mp.node_credited == 355 * ETH // 1000  # nothing more for the node
        assert mp.rpl_slashed == 412_145_177_319_587_628_866
        run.assert_invariants()
