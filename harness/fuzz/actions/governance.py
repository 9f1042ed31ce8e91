"""Governance: the guardian changes settings.

:data:`SETTINGS` and :data:`GUARD_RAILS` are the values the machine's
``set_setting`` rule draws. Wrong callers of every entry point, the
guardian's included, are :mod:`harness.fuzz.actions.access`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import rule

from harness.fuzz.actions.base import Action, declare, machine_rule
from harness.units import DAY, ETH, HOUR

# Settings the governance rule changes: in-bounds values, then one out of bounds.
SETTINGS: dict[str, list[int | bool]] = {
    "deposit.fee": [0, 10**15, 5 * 10**15, 10**16],
    "deposit.pool.maximum": [50 * ETH, 160 * ETH, 1_000 * ETH],
    "deposit.minimum": [10**15, 10**16, ETH, 0],
    "deposit.assign.enabled": [True, False],
    "deposit.enabled": [True, True, False],
    "network.consensus.threshold": [51 * 10**16, ETH, 50 * 10**16],
    "network.reth.collateral.target": [0, 10**17, 5 * 10**17, ETH + 1],
    "minipool.scrub.penalty.enabled": [True, False],
}

# Every other setting, for the guard-rail rule: each at and just past its
# bounds, which for some are other settings' current values (``s``).
PERCENT = 10**16
_FEE = [5 * PERCENT - 1, 5 * PERCENT, 10 * PERCENT, 14 * PERCENT, 20 * PERCENT, 20 * PERCENT + 1]
_SWITCH = [True, True, True, False]
GUARD_RAILS: dict[str, Callable[[dict[str, Any]], list[int | bool]]] = {
    "deposit.assign.maximum": lambda s: [0, 1, 2, 90, 91],
    "deposit.assign.socialised.maximum": lambda s: [0, 2, 90, 91],
    "network.submit.balances.enabled": lambda s: _SWITCH,
    "network.submit.balances.frequency": lambda s: [HOUR - 1, HOUR, DAY],
    "network.submit.prices.enabled": lambda s: _SWITCH,
    "network.submit.prices.frequency": lambda s: [HOUR - 1, HOUR, DAY],
    "network.node.fee.minimum": lambda s: _FEE,
    "network.node.fee.target": lambda s: _FEE,
    "network.node.fee.maximum": lambda s: _FEE,
    "network.penalty.threshold": lambda s: [51 * PERCENT - 1, 51 * PERCENT, ETH, ETH + 1],
    "network.penalty.per.rate": lambda s: [0, 10 * PERCENT, ETH, ETH + 1],
    "minipool.launch.timeout": lambda s: [
        s["minipool.scrub.period"] + HOUR - 1,
        s["minipool.scrub.period"] + HOUR,
        72 * HOUR,
    ],
    "minipool.scrub.period": lambda s: [
        HOUR,
        12 * HOUR,
        s["minipool.launch.timeout"] - HOUR,
        s["minipool.launch.timeout"] - HOUR + 1,
    ],
    "minipool.scrub.quorum": lambda s: [51 * PERCENT - 1, 51 * PERCENT, ETH, ETH + 1],
    "minipool.scrub.penalty": lambda s: [0, 24 * 10**17, 8 * ETH, 8 * ETH + 1],
    "minipool.bond.reduction.enabled": lambda s: _SWITCH,
    "minipool.bond.reduction.window.start": lambda s: [0, 2 * DAY, 10 * DAY],
    "minipool.bond.reduction.window.length": lambda s: [HOUR - 1, HOUR, 2 * DAY],
    "minipool.user.distribute.window.start": lambda s: [0, DAY, 90 * DAY],
    "minipool.user.distribute.window.length": lambda s: [HOUR - 1, HOUR, 2 * DAY],
    "node.registration.enabled": lambda s: _SWITCH,
    "node.deposit.enabled": lambda s: _SWITCH,
    "node.per.minipool.stake.minimum": lambda s: [
        0,
        10 * PERCENT,
        s["node.per.minipool.stake.maximum"],
        s["node.per.minipool.stake.maximum"] + 1,
    ],
    "node.per.minipool.stake.maximum": lambda s: [
        s["node.per.minipool.stake.minimum"] - 1,
        s["node.per.minipool.stake.minimum"],
        150 * PERCENT,
    ],
    "node.rpl.withdrawal.cooldown": lambda s: [0, DAY, 28 * DAY],
    "auction.lot.create.enabled": lambda s: _SWITCH,
    "auction.lot.bidding.enabled": lambda s: _SWITCH,
    "auction.lot.value.minimum": lambda s: [
        ETH - 1,
        ETH,
        s["auction.lot.value.maximum"],
        s["auction.lot.value.maximum"] + 1,
    ],
    "auction.lot.value.maximum": lambda s: [
        ETH - 1,
        s["auction.lot.value.minimum"] - 1,
        s["auction.lot.value.minimum"],
        10 * ETH,
    ],
    "auction.lot.duration": lambda s: [7_199, 7_200, 50_400],
    "auction.price.start": lambda s: [
        10**17 - 1,
        s["auction.price.reserve"] - 1,
        s["auction.price.reserve"],
        ETH,
    ],
    "auction.price.reserve": lambda s: [
        10**17 - 1,
        10**17,
        s["auction.price.start"],
        s["auction.price.start"] + 1,
    ],
}


def _setting_call(p: Any, path: str, value: int | bool) -> Any:
    settings = p.settings
    if isinstance(value, bool):
        return settings.setSettingBool(path, value, sender=p.guardian)
    return settings.setSettingUint(path, value, sender=p.guardian)


declare(
    Action(
        # The guardian changes a setting (refused outside its bounds).
        "set_setting",
        step=lambda ctx, path, value: ctx.cp.set_setting(path, value),
        expect=lambda m, cp, path, value: m.set_setting(path, value),
        call=_setting_call,
        # One or the other, by the setting's type.
        entries=("settings.setSettingUint", "settings.setSettingBool"),
    )
)


# --------------------------------------------------------------------------- machine rules
@machine_rule
@rule(data=st.data())
def set_setting(self, data) -> None:
    """The guardian changes a setting, within its bounds or not.

    Two times in three one of the settings that shape most examples
    (:data:`SETTINGS`); otherwise any other at the edge of its bounds,
    or just past it (:data:`GUARD_RAILS`). Of those, about half first
    sweep every value of that setting's list, in order, so each bound is
    tried on both sides in one rule (a dropped bound shows within
    seconds, not after thousands of draws); the drawn value is set last.
    And one in four sweeps every guard rail in turn, each setting then
    put back as it was: a campaign on titanoboa draws this rule a few
    dozen times, too few for some 25 settings one at a time, and left
    half the bounds untried.
    """
    if data.draw(st.sampled_from([True, True, False]), label="shaping"):
        path = self._pick(data, sorted(SETTINGS), "path")
        value = self._pick(data, SETTINGS[path], "value")
    else:
        sweep = data.draw(st.sampled_from(["sweep", "one", "sweep", "every"]), label="sweep")
        if sweep == "every":
            sweep_every_guard_rail(self)
            return
        path = self._pick(data, sorted(GUARD_RAILS), "path")
        rails = [max(v, 0) for v in GUARD_RAILS[path](self.model.settings)]
        value = self._pick(data, rails, "value")
        if sweep == "sweep":
            for each in rails:
                self.do("set_setting", path=path, value=each)
    self.do("set_setting", path=path, value=value)


def sweep_every_guard_rail(machine: Any) -> None:
    """Every guard-rail setting at each of its edges, then back to the value it had."""
    for path in sorted(GUARD_RAILS):
        was = machine.model.settings[path]
        for value in [max(v, 0) for v in GUARD_RAILS[path](machine.model.settings)]:
            machine.do("set_setting", path=path, value=value)
        if machine.model.settings[path] != was:
            machine.do("set_setting", path=path, value=was)
