"""Amounts, fractions and durations: parsing what people type into wei and seconds.

The convention everywhere in the harness: a Python ``int`` is already wei (or
seconds); a ``str`` or ``Decimal`` is in ETH unless it names a unit.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

ETH = 10**18  # wei per ETH
WEI_PER_ETH = ETH
GWEI = 10**9  # wei per gwei
ETH_GWEI = 10**9  # gwei per ETH
HOUR = 3_600
DAY = 86_400
ONE = 10**18  # fixed-point 1.0, as the contracts use it

_UNITS = {"wei": 1, "gwei": 10**9, "ether": WEI_PER_ETH, "eth": WEI_PER_ETH}
_DURATIONS = {
    "second": 1,
    "seconds": 1,
    "minute": 60,
    "minutes": 60,
    "hour": 3_600,
    "hours": 3_600,
    "day": 86_400,
    "days": 86_400,
    "week": 604_800,
    "weeks": 604_800,
}
_AMOUNT = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9_]+)?)\s*([a-zA-Z%]*)\s*$")


class UnitError(ValueError):
    """A value that cannot be read as an amount, fraction or duration."""


def _split(text: str) -> tuple[Decimal, str]:
    match = _AMOUNT.match(text)
    if not match:
        raise UnitError(f"cannot read {text!r}: expected a number and an optional unit")
    try:
        number = Decimal(match.group(1).replace("_", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise UnitError(f"cannot read {text!r} as a number") from exc
    return number, match.group(2).lower()


def _exact(number: Decimal, scale: int, text: object) -> int:
    scaled = number * scale
    if scaled != scaled.to_integral_value():
        raise UnitError(f"{text!r} is not a whole number of wei")
    return int(scaled)


def to_wei(amount: int | str | Decimal) -> int:
    """Read an amount as wei.

    ``int`` is wei; ``Decimal`` is ETH; ``str`` is ETH unless it ends with a
    unit (``"30 gwei"``, ``"5 wei"``, ``"1.5 ether"``). Floats are refused,
    since they cannot hold most ETH amounts exactly.
    """
    if isinstance(amount, (bool, float)):
        raise UnitError(f"{amount!r}: give ETH as a str or Decimal, or wei as an int")
    if isinstance(amount, int):
        if amount < 0:
            raise UnitError(f"{amount}: amounts cannot be negative")
        return amount
    if isinstance(amount, Decimal):
        if amount < 0:
            raise UnitError(f"{amount}: amounts cannot be negative")
        return _exact(amount, WEI_PER_ETH, amount)
    if isinstance(amount, str):
        number, unit = _split(amount)
        if unit == "":
            unit = "ether"
        if unit not in _UNITS:
            raise UnitError(f"{amount!r}: unknown unit {unit!r} (use ether, gwei or wei)")
        return _exact(number, _UNITS[unit], amount)
    raise UnitError(f"{amount!r}: expected an int (wei), a str or a Decimal (ETH)")


def to_fraction(value: int | str | Decimal) -> int:
    """Read a fraction as a fixed-point integer of 1e18.

    ``"0.05%"`` and ``Decimal("0.0005")`` are both ``5 * 10**14``; an ``int``
    is taken as already scaled.
    """
    if isinstance(value, (bool, float)):
        raise UnitError(f"{value!r}: give a fraction as a str such as '0.05%'")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return _exact(value, ONE, value)
    number, unit = _split(value)
    if unit == "%":
        return _exact(number, ONE // 100, value)
    if unit == "":
        return _exact(number, ONE, value)
    raise UnitError(f"{value!r}: a fraction is a percentage ('51%') or a decimal ('0.51')")


def to_seconds(value: int | str) -> int:
    """Read a duration as seconds: ``"72 hours"``, ``"2 days"``, or an int."""
    if isinstance(value, (bool, float)):
        raise UnitError(f"{value!r}: give a duration as an int or a str such as '2 days'")
    if isinstance(value, int):
        return value
    number, unit = _split(value)
    if unit == "":
        unit = "seconds"
    if unit not in _DURATIONS:
        raise UnitError(f"{value!r}: unknown duration unit {unit!r}")
    return _exact(number, _DURATIONS[unit], value)


def parse_setting(value: int | str | bool) -> int | bool:
    """Read a setting value from the config: a bool, an amount, a fraction or a duration.

    A string must name its unit ("160 ether", "0.05%", "72 hours", "5 wei"):
    a bare "1" could mean 1 wei or 1 ETH, so it is refused. Plain integers are
    taken as they are (wei, seconds, blocks or counts).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise UnitError(f"{value!r}: expected a bool, an int or a str")
    _, unit = _split(value)
    if unit == "%":
        return to_fraction(value)
    if unit in _DURATIONS:
        return to_seconds(value)
    if unit in _UNITS:
        return to_wei(value)
    if unit == "":
        raise UnitError(
            f"{value!r} has no unit: write e.g. '{value} ether', '{value} wei', "
            f"'{value}%' or '{value} days', or a plain integer"
        )
    raise UnitError(f"{value!r}: unknown unit {unit!r}")


def fmt_eth(wei: int, places: int = 6) -> str:
    """Format wei as ETH with up to ``places`` decimals, exact when it fits."""
    sign = "-" if wei < 0 else ""
    whole, frac = divmod(abs(wei), WEI_PER_ETH)
    digits = f"{frac:018d}".rstrip("0")
    if len(digits) > places:
        digits = digits[:places] + "…"
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"
