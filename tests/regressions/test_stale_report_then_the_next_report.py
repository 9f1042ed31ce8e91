"""Regression test for `KeyError`, emitted by `rpfuzz replay --emit-pytest` from

    tests/data/replays/stale-report-then-the-next-report.json

When this test was written the replay no longer failed (the file recorded `KeyError`
at step 8): it guards against the bug coming back.

Each line is one step of the file, run through the checked facade (every call must
do what the reference model says) with the invariants checked where the campaign
checked them. The test fails while the bug is there and passes once it is fixed. It
runs on the contracts in $RPFUZZ_CONTRACTS if set, else on these:

    contracts/ (the project's own)

    RPFUZZ_CONTRACTS=path/to/contracts pytest test_stale_report_then_the_next_report.py
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
    Path(__file__).parents[1] / "data" / "replays" / "stale-report-then-the-next-report.json"
).config
# The sources the replay ran on (None: the project's contracts/).
RECORDED_CONTRACTS = None
CONTRACTS = os.environ.get("RPFUZZ_CONTRACTS") or RECORDED_CONTRACTS


def test_the_report_after_a_stale_one_is_named_and_does_not_fail():
    with replaying(CONFIG, CONTRACTS) as run:
        run.deposit(who="depositor_0", amount=10 * ETH)  # step 0
        run.burn(who="depositor_0", amount=to_wei("0.000000000009090399"))  # step 1
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
            run.execute_update(who="stranger", which="balances", pending=True)  # step 7
        # Step 8: the file recorded `KeyError` failing here; it did not fail when this
        #   test was written. 'owed'
        report = run.report()  # step 8
        # The honest report values the rETH minted at the old rate anew: the rate
        # falls by the stale report's gain, and the watcher names it (the rate
        # check's event has no 'owed' to key its repeats on).
        assert report.events == ["stale-report"]
        # Every step passed: with the bug fixed, every invariant holds at the end too.
        run.assert_invariants()
