"""Regression test for `solvency`, emitted by `rpfuzz replay --emit-pytest` from

    tests/data/replays/solvency-bond-reduction-after-penalty.json

When this test was written the replay no longer failed (the file recorded `solvency`
at step 22): it guards against the bug coming back.

Each line is one step of the file, run through the checked facade (every call must
do what the reference model says) with the invariants checked where the campaign
checked them. The test fails while the bug is there and passes once it is fixed. It
runs on the contracts in $RPFUZZ_CONTRACTS if set, else on these:

    contracts/ (the project's own)

    RPFUZZ_CONTRACTS=path/to/contracts pytest test_solvency_bond_reduction_after_penalty.py
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
    Path(__file__).parents[1] / "data" / "replays" / "solvency-bond-reduction-after-penalty.json"
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
            run.stake_rpl(node="node_operator_0", amount=1500 * ETH)  # step 1
            run.deposit(who="depositor_0", amount=20 * ETH)  # step 2
        # step 3
        run.create_minipool(node="node_operator_0", bond=8, credit=False, value=None)
        run.deposit(who="depositor_0", amount=31 * ETH)  # step 4
        with run.rule():
            run.advance(seconds=13 * HOUR)  # step 5
            run.stake(minipool=0)  # step 6
        with run.rule():
            run.beacon_exit(minipool=0)  # step 7
            run.advance(seconds=7 * DAY)  # step 8
        run.distribute(who="owner", minipool=0, rewards_only=False)  # step 9
        run.deposit(who="depositor_0", amount=24 * ETH)  # step 10
        # step 11
        run.create_minipool(node="node_operator_0", bond=8, credit=False, value=None)
        with run.rule():
            run.advance(seconds=3 * DAY)  # step 12
            run.dissolve(who="stranger", minipool=1)  # step 13
        # step 14
        run.create_minipool(node="node_operator_0", bond=8, credit=False, value=None)
        # step 15
        run.create_minipool(node="node_operator_0", bond=8, credit=False, value=None)
        # step 16
        run.create_minipool(node="node_operator_0", bond=16, credit=False, value=None)
        with run.rule():
            run.advance(seconds=13 * HOUR)  # step 17
            run.stake(minipool=4)  # step 18
        run.beacon_penalty(minipool=4, amount=to_wei("13.5"))  # step 19
        with run.rule():
            run.begin_reduce_bond(minipool=4)  # step 20
            run.advance(seconds=2 * DAY + HOUR)  # step 21
            # Step 22: the file recorded `solvency` failing here; it did not fail when
            #   this test was written. rETH holders are owed 74.9625 ETH
            #   (74962500000000000000 wei) at the reported rate but the protocol holds
            #   69.506289… ETH (69506289314605000000 wei) for them: short by 5.456210…
            #   ETH (5456210685394999925 wei) beyond 75 wei of rounding and 0 ETH (0
            #   wei) the users lost on the beacon chain since the last report; look for
            #   ETH that left the users' side (a split paying the node too much, a burn
            #   or refund paying twice) or a report above the truth
            reduced = run.reduce_bond(minipool=4)  # step 22
        # The honest oDAO saw the 18.5 ETH validator while time passed and cancelled.
        assert reduced.reason == "bond reducer: bond reduction was cancelled"
        assert run.session.model.unpoliced_losses == 0
        # Every step passed: with the bug fixed, every invariant holds at the end too.
        run.assert_invariants()
