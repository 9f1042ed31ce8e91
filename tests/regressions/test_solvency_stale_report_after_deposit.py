"""Regression test for `solvency`, emitted by `rpfuzz replay --emit-pytest` from

    tests/data/replays/solvency-stale-report-after-deposit.json

When this test was written the replay no longer failed (the file recorded `solvency`
at step 7): it guards against the bug coming back.

Each line is one step of the file, run through the checked facade (every call must
do what the reference model says) with the invariants checked where the campaign
checked them. The test fails while the bug is there and passes once it is fixed. It
runs on the contracts in $RPFUZZ_CONTRACTS if set, else on these:

    contracts/ (the project's own)

    RPFUZZ_CONTRACTS=path/to/contracts pytest test_solvency_stale_report_after_deposit.py
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
    Path(__file__).parents[1] / "data" / "replays" / "solvency-stale-report-after-deposit.json"
).config
# The sources the replay ran on (None: the project's contracts/).
RECORDED_CONTRACTS = None
CONTRACTS = os.environ.get("RPFUZZ_CONTRACTS") or RECORDED_CONTRACTS


def test_solvency_does_not_fail():
    with replaying(CONFIG, CONTRACTS) as run:
        run.deposit(who="depositor_0", amount=10 * ETH)  # step 0
        run.burn(who="depositor_0", amount=to_wei("0.000000000036361598"))  # step 1
        # One rule of the campaign's machine made the steps in a `with run.rule()`
        # block: the invariants run after its last step, as they did in the campaign.
        with run.rule():
            run.set_setting(path="network.consensus.threshold", value=ETH)  # step 2
            run.vote_report(member="odao_member_1", which="balances")  # step 3
            run.vote_report(member="odao_member_2", which="balances")  # step 4
            run.deposit(who="depositor_0", amount=ETH // 100)  # step 5
        with run.rule():
            # step 6
            run.set_setting(path="network.consensus.threshold", value=to_wei("0.51"))
            # Step 7: the file recorded `solvency` failing here; it did not fail when
            #   this test was written. rETH holders are owed 10.009999… ETH
            #   (10009999999963638420 wei) at the reported rate but the protocol holds
            #   10.009999… ETH (10009999999963638402 wei) for them: short by 0.000000…
            #   ETH (7 wei) beyond 11 wei of rounding and 0 ETH (0 wei) the users lost
            #   since the moment the last report describes (on the beacon chain, to bond
            #   reductions the oDAO did not cancel, or a deficit the report carried);
            #   look for ETH that left the users' side (a split paying the node too
            #   much, a burn or refund paying twice) or a report above the truth
            run.execute_update(who="stranger", which="balances", pending=True)  # step 7
        # The report describes the pool before the 0.01 ETH deposit; its rate (the
        # first deposit's fee, made a little larger by the dust burned at 1:1) reaches
        # the rETH minted at the old rate too: 18 wei more than that depositor paid.
        assert run.session.model.report.marks.stale == 18
        # Every step passed: with the bug fixed, every invariant holds at the end too.
        run.assert_invariants()
