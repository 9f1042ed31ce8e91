"""Regression test for `rate-monotonicity`, emitted by `rpfuzz replay --emit-pytest` from

    tests/data/replays/rate-monotonicity-stale-report.json

When this test was written the replay no longer failed (the file recorded
`rate-monotonicity` at step 12): it guards against the bug coming back.

Each line is one step of the file, run through the checked facade (every call must
do what the reference model says) with the invariants checked where the campaign
checked them. The test fails while the bug is there and passes once it is fixed. It
runs on the contracts in $RPFUZZ_CONTRACTS if set, else on these:

    contracts/ (the project's own)

    RPFUZZ_CONTRACTS=path/to/contracts pytest test_rate_monotonicity_stale_report.py
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
    Path(__file__).parents[1] / "data" / "replays" / "rate-monotonicity-stale-report.json"
).config
# The sources the replay ran on (None: the project's contracts/).
RECORDED_CONTRACTS = None
CONTRACTS = os.environ.get("RPFUZZ_CONTRACTS") or RECORDED_CONTRACTS


def test_rate_monotonicity_does_not_fail():
    with replaying(CONFIG, CONTRACTS) as run:
        # One rule of the campaign's machine made the steps in a `with run.rule()`
        # block: the invariants run after its last step, as they did in the campaign.
        with run.rule():
            run.register_node(node="node_operator_0")  # step 0
            run.stake_rpl(node="node_operator_0", amount=375 * ETH)  # step 1
            run.create_minipool(node="node_operator_0", bond=8, credit=False, value=None)  # step 2
        run.deposit(who="depositor_0", amount=31 * ETH)  # step 3
        with run.rule():
            run.advance(seconds=13 * HOUR)  # step 4
            run.stake(minipool=0)  # step 5
        with run.rule():
            run.beacon_penalty(minipool=0, amount=to_wei("13.5"))  # step 6
            run.vote_report(member="odao_member_2", which="balances")  # step 7
            run.set_setting(
                path="network.consensus.threshold", value=to_wei("0.666666666666666667")
            )  # step 8
            run.vote_report(member="odao_member_1", which="balances")  # step 9
        run.gift(who="stranger", minipool=0, amount=ETH // 64)  # step 10
        with run.rule():
            run.set_setting(
                path="network.consensus.threshold", value=to_wei("0.666666666666666666")
            )  # step 11
            # Step 12: the file recorded `rate-monotonicity` failing here; it did not
            #   fail when this test was written. an accepted report lowered the rETH
            #   rate from 1000000000000000000 to 822992141231906275 wei per rETH (by
            #   177007858768093725 wei), more than the 177003824492891609 wei that the
            #   users' 5.484375 ETH (5484375000000000000 wei) lost on the beacon chain
            #   over a supply of 30984500000000000000 explains; users were charged more
            #   than their loss
            # step 12
            run.execute_update(who="stranger", which="balances", pending=True)
        # The report applied is the truth at its votes, before the gift: the users'
        # 5.5 ETH loss over 30.9845 rETH. The invariant judges it by that moment.
        assert run.session.p.reth.getExchangeRate() == 822992141231906275
        marks = run.session.model.report.marks
        assert marks.world_gain - run.session.model.world_gain() == -(ETH // 64)
        # Every step passed: with the bug fixed, every invariant holds at the end too.
        run.assert_invariants()
