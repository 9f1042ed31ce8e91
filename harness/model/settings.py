"""Protocol settings: their defaults and the bounds within which the guardian may change them.

:data:`DEFAULT_SETTINGS` is the settings contract's defaults under the
reference's dotted paths; a model starts from them, overlaid with the
campaign's configuration. :class:`SettingsMixin` models
``RocketDAOProtocolSettings``: only known paths, booleans through
``setSettingBool`` and numbers through ``setSettingUint``, each number within
its bounds (a deposit fee below 1%, a consensus threshold from 51%, node fees
between 5% and 20%, a launch timeout at least an hour past the scrub period,
a minimum RPL stake not above the maximum, lot values from 1 ETH, ...).
"""

from __future__ import annotations

from harness.model.common import _action, _require
from harness.units import ETH, ONE

# The contract defaults (docs/protocol.md's table, RocketDAOProtocolSettings' paths).
DEFAULT_SETTINGS: dict[str, int | bool] = {
    "deposit.enabled": True,
    "deposit.assign.enabled": True,
    "deposit.minimum": 10**16,
    "deposit.pool.maximum": 160 * ETH,
    "deposit.fee": 5 * 10**14,
    "deposit.assign.maximum": 90,
    "deposit.assign.socialised.maximum": 2,
    "network.consensus.threshold": 51 * 10**16,
    "network.submit.balances.enabled": True,
    "network.submit.balances.frequency": 86_400,
    "network.submit.prices.enabled": True,
    "network.submit.prices.frequency": 86_400,
    "network.reth.collateral.target": 10**17,
    "network.node.fee.minimum": 14 * 10**16,
    "network.node.fee.target": 14 * 10**16,
    "network.node.fee.maximum": 14 * 10**16,
    "network.penalty.threshold": 51 * 10**16,
    "network.penalty.per.rate": 10**17,
    "minipool.launch.timeout": 72 * 3_600,
    "minipool.scrub.period": 12 * 3_600,
    "minipool.scrub.quorum": 51 * 10**16,
    "minipool.scrub.penalty.enabled": False,
    "minipool.scrub.penalty": 24 * 10**17,
    "minipool.bond.reduction.enabled": True,
    "minipool.bond.reduction.window.start": 2 * 86_400,
    "minipool.bond.reduction.window.length": 2 * 86_400,
    "minipool.user.distribute.window.start": 90 * 86_400,
    "minipool.user.distribute.window.length": 2 * 86_400,
    "node.registration.enabled": True,
    "node.deposit.enabled": True,
    "node.per.minipool.stake.minimum": 10**17,
    "node.per.minipool.stake.maximum": 15 * 10**17,
    "node.rpl.withdrawal.cooldown": 28 * 86_400,
    "auction.lot.create.enabled": True,
    "auction.lot.bidding.enabled": True,
    "auction.lot.value.minimum": ONE,
    "auction.lot.value.maximum": 10 * ONE,
    "auction.lot.duration": 50_400,
    "auction.price.start": ONE,
    "auction.price.reserve": 5 * 10**17,
}


class SettingsMixin:
    """The guardian's one action on the model: :meth:`set_setting`."""

    @_action
    def set_setting(self, path: str, value: int | bool) -> dict[str, int]:
        """The guardian sets ``path`` to ``value``, within the settings contract's bounds.

        A ``bool`` goes through ``setSettingBool``, anything else through
        ``setSettingUint``; unknown paths and out-of-bounds values are refused.
        """
        if isinstance(value, bool):
            _require(
                isinstance(DEFAULT_SETTINGS.get(path), bool),
                "settings: unknown boolean setting",
            )
        else:
            known = path in DEFAULT_SETTINGS and not isinstance(DEFAULT_SETTINGS[path], bool)
            _require(known, "settings: unknown numeric setting")
            self._check_bounds(path, value)
        old = self.settings[path]
        self.settings[path] = value
        if isinstance(value, bool):
            self._emit(
                "RocketDAOProtocolSettings", "SettingBoolUpdated", path=path, new_value=value
            )
        else:
            self._emit(
                "RocketDAOProtocolSettings",
                "SettingUintUpdated",
                path=path,
                old_value=int(old),
                new_value=value,
            )
        return {"old": int(old)}

    def _check_bounds(self, path: str, val: int) -> None:
        s = self.settings
        if path == "deposit.fee":
            _require(val < 10**16, "settings: deposit fee must be below 1%")
        elif path == "deposit.minimum":
            _require(val > 0, "settings: deposit minimum must be positive")
        elif path == "deposit.assign.maximum":
            _require(1 <= val <= 90, "settings: assignments must be between 1 and 90")
        elif path == "deposit.assign.socialised.maximum":
            _require(val <= 90, "settings: socialised assignments must be at most 90")
        elif path == "network.consensus.threshold":
            _require(
                51 * 10**16 <= val <= ONE,
                "settings: consensus threshold must be between 51% and 100%",
            )
        elif path == "network.penalty.threshold":
            _require(
                51 * 10**16 <= val <= ONE,
                "settings: penalty threshold must be between 51% and 100%",
            )
        elif path == "network.penalty.per.rate":
            _require(val <= ONE, "settings: penalty rate must be at most 100%")
        elif path in ("network.submit.balances.frequency", "network.submit.prices.frequency"):
            _require(val >= 3_600, "settings: submit frequency must be at least 1 hour")
        elif path == "network.reth.collateral.target":
            _require(val <= ONE, "settings: collateral target must be at most 100%")
        elif path in (
            "network.node.fee.minimum",
            "network.node.fee.target",
            "network.node.fee.maximum",
        ):
            _require(
                5 * 10**16 <= val <= 20 * 10**16,
                "settings: node fee must be between 5% and 20%",
            )
        elif path == "minipool.launch.timeout":
            _require(
                val >= s["minipool.scrub.period"] + 3_600,
                "settings: launch timeout must exceed scrub period by 1 hour",
            )
        elif path == "minipool.scrub.period":
            _require(
                val <= s["minipool.launch.timeout"] - 3_600,
                "settings: scrub period must end 1 hour before launch timeout",
            )
        elif path == "minipool.scrub.quorum":
            _require(
                51 * 10**16 <= val <= ONE,
                "settings: scrub quorum must be between 51% and 100%",
            )
        elif path == "minipool.scrub.penalty":
            _require(val <= 8 * ONE, "settings: scrub penalty must not exceed the 8 ETH bond")
        elif path in (
            "minipool.bond.reduction.window.length",
            "minipool.user.distribute.window.length",
        ):
            _require(val >= 3_600, "settings: window must last at least 1 hour")
        elif path == "node.per.minipool.stake.maximum":
            _require(
                val >= s["node.per.minipool.stake.minimum"],
                "settings: maximum stake below minimum stake",
            )
        elif path == "node.per.minipool.stake.minimum":
            _require(
                val <= s["node.per.minipool.stake.maximum"],
                "settings: minimum stake above maximum stake",
            )
        elif path == "auction.lot.value.minimum":
            _require(val >= ONE, "settings: lot value must be at least 1 ETH")
            _require(
                val <= s["auction.lot.value.maximum"], "settings: lot minimum above lot maximum"
            )
        elif path == "auction.lot.value.maximum":
            _require(val >= ONE, "settings: lot value must be at least 1 ETH")
            _require(
                val >= s["auction.lot.value.minimum"], "settings: lot maximum below lot minimum"
            )
        elif path == "auction.lot.duration":
            _require(val >= 7_200, "settings: lot duration must be at least 7200 blocks")
        elif path == "auction.price.start":
            _require(val >= 10**17, "settings: price ratio must be at least 10%")
            _require(val >= s["auction.price.reserve"], "settings: start price below reserve price")
        elif path == "auction.price.reserve":
            _require(val >= 10**17, "settings: price ratio must be at least 10%")
            _require(val <= s["auction.price.start"], "settings: reserve price above start price")
