"""RocketDAOProtocolSettings: defaults, lookups by path, bounds, access and events.

The defaults are checked on a settings contract deployed straight from the
source, since ``boa_config.toml`` may tune some of them on the deployed
protocol; the deployed protocol is checked to carry the configured values.
"""

from __future__ import annotations

import boa
import pytest

from harness.chain.deploy import DEFAULT_CONTRACTS_DIR
from harness.units import DAY, ETH, HOUR
from tests.helpers import events, only_event

PCT = 10**16  # 1%

# getter -> (setting path, docs/protocol.md default)
UINT_DEFAULTS = {
    "getMinimumDeposit": ("deposit.minimum", ETH // 100),
    "getMaximumDepositPoolSize": ("deposit.pool.maximum", 160 * ETH),
    "getDepositFee": ("deposit.fee", 5 * 10**14),
    "getMaximumDepositAssignments": ("deposit.assign.maximum", 90),
    "getMaximumDepositSocialisedAssignments": ("deposit.assign.socialised.maximum", 2),
    "getNodeConsensusThreshold": ("network.consensus.threshold", 51 * PCT),
    "getSubmitBalancesFrequency": ("network.submit.balances.frequency", DAY),
    "getSubmitPricesFrequency": ("network.submit.prices.frequency", DAY),
    "getTargetRethCollateralRate": ("network.reth.collateral.target", 10 * PCT),
    "getMinimumNodeFee": ("network.node.fee.minimum", 14 * PCT),
    "getTargetNodeFee": ("network.node.fee.target", 14 * PCT),
    "getMaximumNodeFee": ("network.node.fee.maximum", 14 * PCT),
    "getNodePenaltyThreshold": ("network.penalty.threshold", 51 * PCT),
    "getPerPenaltyRate": ("network.penalty.per.rate", 10 * PCT),
    "getLaunchTimeout": ("minipool.launch.timeout", 72 * HOUR),
    "getScrubPeriod": ("minipool.scrub.period", 12 * HOUR),
    "getScrubQuorum": ("minipool.scrub.quorum", 51 * PCT),
    "getScrubPenalty": ("minipool.scrub.penalty", 24 * ETH // 10),
    "getBondReductionWindowStart": ("minipool.bond.reduction.window.start", 2 * DAY),
    "getBondReductionWindowLength": ("minipool.bond.reduction.window.length", 2 * DAY),
    "getUserDistributeWindowStart": ("minipool.user.distribute.window.start", 90 * DAY),
    "getUserDistributeWindowLength": ("minipool.user.distribute.window.length", 2 * DAY),
    "getMinimumPerMinipoolStake": ("node.per.minipool.stake.minimum", 10 * PCT),
    "getMaximumPerMinipoolStake": ("node.per.minipool.stake.maximum", 150 * PCT),
    "getRPLWithdrawalCooldown": ("node.rpl.withdrawal.cooldown", 28 * DAY),
    "getLotMinimumEthValue": ("auction.lot.value.minimum", ETH),
    "getLotMaximumEthValue": ("auction.lot.value.maximum", 10 * ETH),
    "getLotDuration": ("auction.lot.duration", 50_400),
    "getStartingPriceRatio": ("auction.price.start", 100 * PCT),
    "getReservePriceRatio": ("auction.price.reserve", 50 * PCT),
}

BOOL_DEFAULTS = {
    "getDepositEnabled": ("deposit.enabled", True),
    "getAssignDepositsEnabled": ("deposit.assign.enabled", True),
    "getSubmitBalancesEnabled": ("network.submit.balances.enabled", True),
    "getSubmitPricesEnabled": ("network.submit.prices.enabled", True),
    "getScrubPenaltyEnabled": ("minipool.scrub.penalty.enabled", False),
    "getBondReductionEnabled": ("minipool.bond.reduction.enabled", True),
    "getRegistrationEnabled": ("node.registration.enabled", True),
    "getNodeDepositEnabled": ("node.deposit.enabled", True),
    "getCreateLotEnabled": ("auction.lot.create.enabled", True),
    "getBidOnLotEnabled": ("auction.lot.bidding.enabled", True),
}

FEE_REASON = "settings: node fee must be between 5% and 20%"
FREQUENCY_REASON = "settings: submit frequency must be at least 1 hour"
WINDOW_REASON = "settings: window must last at least 1 hour"
LOT_REASON = "settings: lot value must be at least 1 ETH"
PRICE_REASON = "settings: price ratio must be at least 10%"
LAUNCH_REASON = "settings: launch timeout must exceed scrub period by 1 hour"
SCRUB_REASON = "settings: scrub period must end 1 hour before launch timeout"

# (path, last accepted value, first refused value, reason), for every bound in
# _check_bounds, on each side it has; cross-setting bounds are taken against
# the other setting's default.
BOUNDS = [
    ("deposit.fee", PCT - 1, PCT, "settings: deposit fee must be below 1%"),
    ("deposit.minimum", 1, 0, "settings: deposit minimum must be positive"),
    ("deposit.assign.maximum", 1, 0, "settings: assignments must be between 1 and 90"),
    ("deposit.assign.maximum", 90, 91, "settings: assignments must be between 1 and 90"),
    (
        "deposit.assign.socialised.maximum",
        90,
        91,
        "settings: socialised assignments must be at most 90",
    ),
    (
        "network.consensus.threshold",
        51 * PCT,
        51 * PCT - 1,
        "settings: consensus threshold must be between 51% and 100%",
    ),
    (
        "network.consensus.threshold",
        ETH,
        ETH + 1,
        "settings: consensus threshold must be between 51% and 100%",
    ),
    (
        "network.penalty.threshold",
        51 * PCT,
        51 * PCT - 1,
        "settings: penalty threshold must be between 51% and 100%",
    ),
    (
        "network.penalty.threshold",
        ETH,
        ETH + 1,
        "settings: penalty threshold must be between 51% and 100%",
    ),
    ("network.penalty.per.rate", ETH, ETH + 1, "settings: penalty rate must be at most 100%"),
    ("network.submit.balances.frequency", HOUR, HOUR - 1, FREQUENCY_REASON),
    ("network.submit.prices.frequency", HOUR, HOUR - 1, FREQUENCY_REASON),
    (
        "network.reth.collateral.target",
        ETH,
        ETH + 1,
        "settings: collateral target must be at most 100%",
    ),
    ("network.node.fee.minimum", 5 * PCT, 5 * PCT - 1, FEE_REASON),
    ("network.node.fee.minimum", 20 * PCT, 20 * PCT + 1, FEE_REASON),
    ("network.node.fee.target", 5 * PCT, 5 * PCT - 1, FEE_REASON),
    ("network.node.fee.target", 20 * PCT, 20 * PCT + 1, FEE_REASON),
    ("network.node.fee.maximum", 5 * PCT, 5 * PCT - 1, FEE_REASON),
    ("network.node.fee.maximum", 20 * PCT, 20 * PCT + 1, FEE_REASON),
    # scrub period 12 h by default, launch timeout 72 h
    ("minipool.launch.timeout", 13 * HOUR, 13 * HOUR - 1, LAUNCH_REASON),
    ("minipool.scrub.period", 71 * HOUR, 71 * HOUR + 1, SCRUB_REASON),
    (
        "minipool.scrub.quorum",
        51 * PCT,
        51 * PCT - 1,
        "settings: scrub quorum must be between 51% and 100%",
    ),
    (
        "minipool.scrub.quorum",
        ETH,
        ETH + 1,
        "settings: scrub quorum must be between 51% and 100%",
    ),
    (
        "minipool.scrub.penalty",
        8 * ETH,
        8 * ETH + 1,
        "settings: scrub penalty must not exceed the 8 ETH bond",
    ),
    ("minipool.bond.reduction.window.length", HOUR, HOUR - 1, WINDOW_REASON),
    ("minipool.user.distribute.window.length", HOUR, HOUR - 1, WINDOW_REASON),
    # stake minimum 10% by default, maximum 150%
    (
        "node.per.minipool.stake.maximum",
        10 * PCT,
        10 * PCT - 1,
        "settings: maximum stake below minimum stake",
    ),
    (
        "node.per.minipool.stake.minimum",
        150 * PCT,
        150 * PCT + 1,
        "settings: minimum stake above maximum stake",
    ),
    ("auction.lot.value.minimum", ETH, ETH - 1, LOT_REASON),
    (
        "auction.lot.value.minimum",
        10 * ETH,
        10 * ETH + 1,
        "settings: lot minimum above lot maximum",
    ),
    ("auction.lot.value.maximum", ETH, ETH - 1, LOT_REASON),
    ("auction.lot.duration", 7_200, 7_199, "settings: lot duration must be at least 7200 blocks"),
    # the start price may not fall below the 50% reserve, nor the reserve rise above 100%
    ("auction.price.start", 50 * PCT, 50 * PCT - 1, "settings: start price below reserve price"),
    ("auction.price.reserve", 10 * PCT, 10 * PCT - 1, PRICE_REASON),
    (
        "auction.price.reserve",
        100 * PCT,
        100 * PCT + 1,
        "settings: reserve price above start price",
    ),
]

UNBOUNDED = [
    "deposit.pool.maximum",
    "minipool.bond.reduction.window.start",
    "minipool.user.distribute.window.start",
    "node.rpl.withdrawal.cooldown",
]


@pytest.fixture(scope="module")
def fresh(protocol):
    """A settings contract deployed from the source: the constructor's defaults, untouched."""
    source = str(DEFAULT_CONTRACTS_DIR / "RocketDAOProtocolSettings.vy")
    return boa.load_partial(source).deploy(protocol.storage.address)


# --- defaults --------------------------------------------------------------------------


@pytest.mark.parametrize("getter", UINT_DEFAULTS)
def test_numeric_getter_default_matches_the_reference(fresh, getter):
    path, default = UINT_DEFAULTS[getter]
    assert getattr(fresh, getter)() == default
    assert fresh.getSettingUint(path) == default


@pytest.mark.parametrize("getter", BOOL_DEFAULTS)
def test_boolean_getter_default_matches_the_reference(fresh, getter):
    path, default = BOOL_DEFAULTS[getter]
    assert getattr(fresh, getter)() is default
    assert fresh.getSettingBool(path) is default


def test_every_getter_is_covered(fresh):
    getters = {
        item["name"]
        for item in fresh.abi
        if item["type"] == "function"
        and item["name"].startswith("get")
        and item["name"] not in ("getSettingUint", "getSettingBool")
    }
    assert getters == set(UINT_DEFAULTS) | set(BOOL_DEFAULTS)


def test_deployed_settings_carry_the_configured_values(p):
    assert p.config.settings, "boa_config.toml configures no settings"
    for path, value in p.config.settings.items():
        if isinstance(value, bool):
            assert p.settings.getSettingBool(path) is value, path
        else:
            assert p.settings.getSettingUint(path) == value, path


def test_deployed_settings_point_at_the_directory(p):
    assert p.settings.ROCKET_STORAGE() == p.storage.address


# --- lookup by path --------------------------------------------------------------------


def test_unknown_paths_are_refused_by_the_generic_getters(p):
    with boa.reverts("settings: unknown numeric setting"):
        p.settings.getSettingUint("deposit.no.such.setting")
    with boa.reverts("settings: unknown boolean setting"):
        p.settings.getSettingBool("deposit.no.such.flag")


def test_numeric_and_boolean_paths_do_not_mix(p):
    with boa.reverts("settings: unknown numeric setting"):
        p.settings.getSettingUint("deposit.enabled")
    with boa.reverts("settings: unknown boolean setting"):
        p.settings.getSettingBool("deposit.fee")


def test_a_set_value_is_read_back_by_getter_and_by_path(p):
    p.settings.setSettingUint("deposit.pool.maximum", 1_000 * ETH, sender=p.guardian)
    assert p.settings.getMaximumDepositPoolSize() == 1_000 * ETH
    assert p.settings.getSettingUint("deposit.pool.maximum") == 1_000 * ETH
    p.settings.setSettingBool("deposit.enabled", False, sender=p.guardian)
    assert p.settings.getDepositEnabled() is False
    assert p.settings.getSettingBool("deposit.enabled") is False


# --- bounds ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accepted", "refused", "reason"),
    BOUNDS,
    ids=[f"{b[0]}={b[1]}" for b in BOUNDS],
)
def test_boundary_value_is_accepted(p, path, accepted, refused, reason):
    p.settings.setSettingUint(path, accepted, sender=p.guardian)
    assert p.settings.getSettingUint(path) == accepted


@pytest.mark.parametrize(
    ("path", "accepted", "refused", "reason"),
    BOUNDS,
    ids=[f"{b[0]}={b[2]}" for b in BOUNDS],
)
def test_first_value_outside_the_bound_is_refused(p, path, accepted, refused, reason):
    before = p.settings.getSettingUint(path)
    with boa.reverts(reason):
        p.settings.setSettingUint(path, refused, sender=p.guardian)
    assert p.settings.getSettingUint(path) == before


def test_every_bounded_path_is_covered():
    # _check_bounds names 26 paths; each must appear in BOUNDS.
    assert len({b[0] for b in BOUNDS}) == 26


@pytest.mark.parametrize("path", UNBOUNDED)
def test_unbounded_settings_accept_any_value(p, path):
    for value in (0, 1, 2**256 - 1):
        p.settings.setSettingUint(path, value, sender=p.guardian)
        assert p.settings.getSettingUint(path) == value


def test_launch_timeout_bound_follows_a_changed_scrub_period(p):
    p.settings.setSettingUint("minipool.scrub.period", 2 * HOUR, sender=p.guardian)
    p.settings.setSettingUint("minipool.launch.timeout", 3 * HOUR, sender=p.guardian)
    assert p.settings.getLaunchTimeout() == 3 * HOUR
    with boa.reverts(LAUNCH_REASON):
        p.settings.setSettingUint("minipool.launch.timeout", 3 * HOUR - 1, sender=p.guardian)
    with boa.reverts(SCRUB_REASON):
        p.settings.setSettingUint("minipool.scrub.period", 2 * HOUR + 1, sender=p.guardian)
    assert (p.settings.getScrubPeriod(), p.settings.getLaunchTimeout()) == (2 * HOUR, 3 * HOUR)


def test_a_huge_scrub_period_is_refused_with_its_reason(p):
    with boa.reverts(SCRUB_REASON):
        p.settings.setSettingUint("minipool.scrub.period", 2**256 - 1, sender=p.guardian)
    assert p.settings.getScrubPeriod() == 12 * HOUR


def test_lot_value_bounds_follow_each_other(p):
    p.settings.setSettingUint("auction.lot.value.minimum", 5 * ETH, sender=p.guardian)
    with boa.reverts("settings: lot maximum below lot minimum"):
        p.settings.setSettingUint("auction.lot.value.maximum", 5 * ETH - 1, sender=p.guardian)
    p.settings.setSettingUint("auction.lot.value.maximum", 5 * ETH, sender=p.guardian)
    assert p.settings.getLotMaximumEthValue() == 5 * ETH


def test_price_ratio_floor_applies_to_the_start_price(p):
    p.settings.setSettingUint("auction.price.reserve", 10 * PCT, sender=p.guardian)
    p.settings.setSettingUint("auction.price.start", 10 * PCT, sender=p.guardian)
    with boa.reverts(PRICE_REASON):
        p.settings.setSettingUint("auction.price.start", 10 * PCT - 1, sender=p.guardian)
    assert p.settings.getStartingPriceRatio() == 10 * PCT


def test_stake_bounds_follow_each_other(p):
    p.settings.setSettingUint("node.per.minipool.stake.maximum", 20 * PCT, sender=p.guardian)
    p.settings.setSettingUint("node.per.minipool.stake.minimum", 20 * PCT, sender=p.guardian)
    with boa.reverts("settings: minimum stake above maximum stake"):
        p.settings.setSettingUint(
            "node.per.minipool.stake.minimum", 20 * PCT + 1, sender=p.guardian
        )
    with boa.reverts("settings: maximum stake below minimum stake"):
        p.settings.setSettingUint(
            "node.per.minipool.stake.maximum", 20 * PCT - 1, sender=p.guardian
        )
    assert p.settings.getMinimumPerMinipoolStake() == 20 * PCT
    assert p.settings.getMaximumPerMinipoolStake() == 20 * PCT


# --- unknown paths and access ----------------------------------------------------------


def test_unknown_numeric_path_is_refused(p):
    with boa.reverts("settings: unknown numeric setting"):
        p.settings.setSettingUint("deposit.no.such.setting", 1, sender=p.guardian)
    with boa.reverts("settings: unknown numeric setting"):
        p.settings.setSettingUint("deposit.enabled", 1, sender=p.guardian)
    assert p.settings.getDepositEnabled() is True


def test_unknown_boolean_path_is_refused(p):
    with boa.reverts("settings: unknown boolean setting"):
        p.settings.setSettingBool("deposit.no.such.flag", True, sender=p.guardian)
    with boa.reverts("settings: unknown boolean setting"):
        p.settings.setSettingBool("deposit.fee", True, sender=p.guardian)
    assert p.settings.getDepositFee() == p.config.settings.get("deposit.fee", 5 * 10**14)


def test_non_guardian_cannot_change_a_numeric_setting(p, depositor, stranger):
    before = p.settings.getDepositFee()
    for caller in (depositor, p.odao_members[0], stranger):
        with boa.reverts("settings: caller is not the guardian"):
            p.settings.setSettingUint("deposit.fee", 0, sender=caller)
    assert p.settings.getDepositFee() == before


def test_non_guardian_cannot_change_a_boolean_setting(p, depositor, stranger):
    for caller in (depositor, p.odao_members[0], stranger):
        with boa.reverts("settings: caller is not the guardian"):
            p.settings.setSettingBool("deposit.enabled", False, sender=caller)
    assert p.settings.getDepositEnabled() is True


def test_access_is_checked_before_the_path(p, stranger):
    with boa.reverts("settings: caller is not the guardian"):
        p.settings.setSettingUint("deposit.no.such.setting", 1, sender=stranger)
    with boa.reverts("settings: caller is not the guardian"):
        p.settings.setSettingBool("deposit.no.such.flag", True, sender=stranger)


# --- events ----------------------------------------------------------------------------


def test_numeric_change_logs_old_and_new_value(p):
    p.settings.setSettingUint("deposit.assign.maximum", 45, sender=p.guardian)
    ev = only_event(p.settings, "SettingUintUpdated")
    assert (ev.path, ev.old_value, ev.new_value) == ("deposit.assign.maximum", 90, 45)
    assert ev.address == p.settings.address
    p.settings.setSettingUint("deposit.assign.maximum", 60, sender=p.guardian)
    ev = only_event(p.settings, "SettingUintUpdated")
    assert (ev.path, ev.old_value, ev.new_value) == ("deposit.assign.maximum", 45, 60)


def test_setting_the_same_value_still_logs(p):
    p.settings.setSettingUint("deposit.assign.maximum", 90, sender=p.guardian)
    ev = only_event(p.settings, "SettingUintUpdated")
    assert (ev.path, ev.old_value, ev.new_value) == ("deposit.assign.maximum", 90, 90)


def test_boolean_change_logs_the_new_value(p):
    p.settings.setSettingBool("minipool.scrub.penalty.enabled", True, sender=p.guardian)
    ev = only_event(p.settings, "SettingBoolUpdated")
    assert (ev.path, ev.new_value) == ("minipool.scrub.penalty.enabled", True)
    assert p.settings.getScrubPenaltyEnabled() is True
    p.settings.setSettingBool("minipool.scrub.penalty.enabled", False, sender=p.guardian)
    ev = only_event(p.settings, "SettingBoolUpdated")
    assert (ev.path, ev.new_value) == ("minipool.scrub.penalty.enabled", False)
    assert p.settings.getScrubPenaltyEnabled() is False


def test_a_refused_change_keeps_the_old_value_and_logs_nothing(p):
    p.settings.setSettingUint("deposit.fee", 2 * 10**15, sender=p.guardian)
    with boa.reverts("settings: deposit fee must be below 1%"):
        p.settings.setSettingUint("deposit.fee", PCT, sender=p.guardian)
    assert events(p.settings, "SettingUintUpdated") == []
    assert p.settings.getDepositFee() == 2 * 10**15
    assert p.settings.getSettingUint("deposit.fee") == 2 * 10**15
