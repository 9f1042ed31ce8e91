"""Regression test for `outcome`, emitted by `rpfuzz replay --emit-pytest` from

    tests/data/replays/outcome-disabled-submissions-order.json

When this test was written the replay no longer failed (the file recorded `outcome`
at step 39): it guards against the bug coming back.

Each line is one step of the file, run through the checked facade (every call must
do what the reference model says) with the invariants checked where the campaign
checked them. The test fails while the bug is there and passes once it is fixed. It
runs on the contracts in $RPFUZZ_CONTRACTS if set, else on these:

    contracts/ (the project's own)

    RPFUZZ_CONTRACTS=path/to/contracts pytest test_outcome_disabled_submissions_order.py
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
    Path(__file__).parents[1] / "data" / "replays" / "outcome-disabled-submissions-order.json"
).config
# The sources the replay ran on (None: the project's contracts/).
RECORDED_CONTRACTS = None
CONTRACTS = os.environ.get("RPFUZZ_CONTRACTS") or RECORDED_CONTRACTS


def test_outcome_does_not_fail():
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
        run.advance(seconds=HOUR)  # step 14
        run.advance(seconds=HOUR)  # step 15
        run.advance(seconds=HOUR)  # step 16
        run.advance(seconds=HOUR)  # step 17
        run.advance(seconds=HOUR)  # step 18
        run.advance(seconds=HOUR)  # step 19
        run.advance(seconds=HOUR)  # step 20
        run.advance(seconds=HOUR)  # step 21
        with run.rule():
            run.remove_member(member="odao_member_0")  # step 22
            run.add_member(member="odao_member_0")  # step 23
        run.advance(seconds=HOUR)  # step 24
        run.advance(seconds=HOUR)  # step 25
        run.advance(seconds=HOUR)  # step 26
        run.advance(seconds=HOUR)  # step 27
        run.advance(seconds=HOUR)  # step 28
        run.advance(seconds=HOUR)  # step 29
        run.advance(seconds=HOUR)  # step 30
        run.advance(seconds=HOUR)  # step 31
        run.advance(seconds=HOUR)  # step 32
        run.advance(seconds=HOUR)  # step 33
        run.advance(seconds=HOUR)  # step 34
        run.advance(seconds=HOUR)  # step 35
        run.advance(seconds=HOUR)  # step 36
        run.remove_member(member="odao_member_0")  # step 37
        run.set_setting(path="network.submit.balances.enabled", value=False)  # step 38
        # Step 39: the file recorded `outcome` failing here; it did not fail when this
        #   test was written. wrong reason: submit_balances reverted with 'network
        #   balances: caller is not an oDAO member' but the rules say 'network balances:
        #   submissions are disabled'
        vote = run.report_dishonest(
            member="odao_member_0", inflate=to_wei("0.000000000000000001")
        )  # step 39
        # The reference checks membership (onlyTrustedNode) before anything else.
        assert vote.reason == "network balances: caller is not an oDAO member"
        # Every step passed: with the bug fixed, every invariant holds at the end too.
        run.assert_invariants()
