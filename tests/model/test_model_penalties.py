"""The model's MEV-theft penalties on their own: votes, counts, rates, the cap, the cut share.

Pure Python. Expected numbers are worked out here from the rules.
"""

from __future__ import annotations

from harness.model import economics
from harness.units import ETH
from tests.model.test_model import (
    MEMBERS,
    STRANGER,
    addr,
    create,
    new_model,
    node_with_rpl,
    ok,
    refused,
)

PERCENT = 10**16
GUARDIAN = addr(0x6A)


def model_with_minipool(max_rate: int = 50 * PERCENT):
    model, beacon = new_model()
    model.max_penalty_rate = max_rate
    node_with_rpl(model)
    model.guardian = GUARDIAN  # after the RPL funding, which this model's guardian cannot give
    return model, create(model, beacon)


def penalise(model, minipool, block: int) -> None:
    for member in MEMBERS[:2]:
        ok(model.submit_penalty(member, minipool, block))


def test_votes_apply_at_the_threshold_and_refusals_come_in_the_contracts_order():
    model, minipool = model_with_minipool()
    refused(
        model.submit_penalty(STRANGER, minipool, 5),
        "network penalties: caller is not an oDAO member",
    )
    refused(model.submit_penalty(MEMBERS[0], STRANGER, 5), "network penalties: invalid minipool")
    assert ok(model.submit_penalty(MEMBERS[0], minipool, 5)) == {
        "votes": 1,
        "applied": 0,
        "count": 0,
    }
    refused(
        model.submit_penalty(MEMBERS[0], minipool, 5),
        "network penalties: duplicate submission from member",
    )
    refused(
        model.execute_update_penalty(minipool, 5),
        "network penalties: consensus has not been reached",
    )
    assert ok(model.submit_penalty(MEMBERS[1], minipool, 5))["applied"] == 1
    refused(
        model.submit_penalty(MEMBERS[2], minipool, 5),
        "network penalties: penalty already applied for this block",
    )
    refused(
        model.execute_update_penalty(minipool, 5),
        "network penalties: penalty already applied for this block",
    )
    assert model.penalty_count(minipool) == 1


def test_rates_from_the_third_penalty_capped_by_the_guardian():
    model, minipool = model_with_minipool()
    rates = []
    for block in range(1, 8):
        penalise(model, minipool, block)
        rates.append(model.penalty_rate(minipool))
    # (count - 2) * 10%, capped at 50%.
    assert rates == [0, 0, 10 * PERCENT, 20 * PERCENT, 30 * PERCENT, 40 * PERCENT, 50 * PERCENT]
    refused(model.set_max_penalty_rate(STRANGER, 0), "minipool penalty: caller is not the guardian")
    ok(model.set_max_penalty_rate(GUARDIAN, 0))
    assert model.penalty_rate(minipool) == 0


def test_the_exit_share_is_cut_and_capped_skims_are_not():
    share = 8 * ETH + ETH // 4 + (3 * ETH // 4) * 14 * PERCENT // ETH
    assert economics.node_share(33 * ETH, 24 * ETH, 8 * ETH, 14 * PERCENT, 10 * PERCENT) == (
        share - share // 10
    )
    assert economics.node_share(33 * ETH, 24 * ETH, 8 * ETH, 14 * PERCENT, 3 * ETH) == 0
    skim = ETH // 4 + (3 * ETH // 4) * 14 * PERCENT // ETH
    assert economics.node_share(ETH, 24 * ETH, 8 * ETH, 14 * PERCENT, 10 * PERCENT) == skim
