"""``harness.replay.minimize``: which step arguments it may lower (the shrinking itself, on
the planted bug, is in ``test_replay.py``)."""

from __future__ import annotations

import pytest

from harness.replay.minimize import lowerable
from harness.units import DAY, ETH


@pytest.mark.parametrize(
    ("rule", "name", "value", "yes"),
    [
        ("deposit", "amount", ETH, True),
        ("deposit", "amount", 0, False),
        ("advance", "seconds", DAY, True),
        ("report_price", "price", 1, False),
        ("create_minipool", "value", ETH, True),
        ("create_minipool", "value", None, False),
        ("set_setting", "value", ETH, False),  # a setting, not an amount
        ("create_minipool", "bond", 16, False),
        ("stake", "minipool", 3, False),
        ("distribute", "rewards_only", True, False),
    ],
)
def test_minimize_lowers_amounts_and_durations_only(rule, name, value, yes):
    assert lowerable(rule, name, value) is yes
