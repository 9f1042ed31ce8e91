"""Regression test for `solvency`, emitted by `rpfuzz replay --emit-pytest` from

    tests/data/replays/solvency-owed-but-nothing-held.json

When this test was written the replay no longer failed (the file recorded `solvency`
at step 26): it guards against the bug coming back.

Each line is one step of the file, run through the checked facade (every call must
do what the reference model says) with the invariants checked where the campaign
checked them. The test fails while the bug is there and passes once it is fixed. It
runs on the contracts in $RPFUZZ_CONTRACTS if set, else on these:

    contracts/ (the project's own)

    RPFUZZ_CONTRACTS=path/to/contracts pytest test_solvency_owed_but_nothing_held.py
"""

import os
from pathlib import Path

from harness.replay.file import ReplayFile
from harness.replay.session import replaying
from harness.units import to_wei

ETH = 10**18
HOUR = 3_600
DAY = 86_400

# The configuration the campaign ran with, as the replay file recorded it.
CONFIG = ReplayFile.load(
    Path(__file__).parents[1] / "data" / "replays" / "solvency-owed-but-nothing-held.json"
).config
# The sources the replay ran on (None: the project's contracts/).
RECORDED_CONTRACTS = None
CONTRACTS = os.environ.get("RPFUZZ_CONTRACTS") or RECORDED_CONTRACTS


def test_solvency_does_not_fail():
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
        # step 14
        run.create_minipool(node="node_operator_0", bond=16, credit=False, value=None)
        with run.rule():
            run.advance(seconds=13 * HOUR)  # step 15
            run.stake(minipool=0)  # step 16
        with run.rule():
            run.begin_reduce_bond(minipool=0)  # step 17
            run.advance(seconds=2 * DAY + HOUR)  # step 18
            run.reduce_bond(minipool=0)  # step 19
        with run.rule():
            run.beacon_slash(minipool=0)  # step 20
            run.advance(seconds=37 * DAY)  # step 21
            run.distribute(who="owner", minipool=0, rewards_only=False)  # step 22
        run.report()  # step 23
        run.burn(who="depositor_0", amount=to_wei("19.99"))  # step 24
        run.report()  # step 25
        # Step 26: the file recorded `solvency` failing here; it did not fail when this
        #   test was written. rETH holders are owed 0.009995 ETH (9995000000000000 wei)
        #   at the reported rate but the protocol holds 0 ETH (0 wei) for them: short by
        #   0.009994… ETH (9994999999999999 wei) beyond 1 wei of rounding and 0 ETH (0
        #   wei) the users lost on the beacon chain since the last report; look for ETH
        #   that left the users' side (a split paying the node too much, a burn or
        #   refund paying twice) or a report above the truth
        deposit = run.deposit(who="depositor_0", amount=ETH // 100)  # step 26
        # The report at step 25 said 0 ETH for a users' side below zero (the node's
        # deposit credit exceeds what is left): the new depositor meets that deficit.
        assert deposit.events == ["deficit-carried"]
        # Every step passed: with the bug fixed, every invariant holds at the end too.
        run.assert_invariants()
