"""Loading ``boa_config.toml``: protocol settings, actors and campaign profiles."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.beacon import BeaconConfig
from harness.oracle import OracleConfig
from harness.units import UnitError, parse_setting, to_fraction, to_seconds, to_wei

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "boa_config.toml"


class ConfigError(ValueError):
    """A configuration problem, with the file, the field and the fix in its message."""


@dataclass(frozen=True)
class CampaignProfile:
    """A ``[profiles.<name>]`` section: how big a campaign is and how it draws examples.

    ``derandomize`` makes Hypothesis derive its randomness from the test
    (the same examples on every run, for CI); ``database`` keeps failing
    examples under ``.hypothesis/`` so the next run tries them first.
    """

    name: str
    examples: int
    steps: int
    max_seconds: float
    derandomize: bool = False
    database: bool = True


@dataclass
class Config:
    """The parsed configuration.

    ``settings`` maps setting paths to wei / fixed-point / seconds / bool;
    ``raw`` keeps the merged TOML data, for replay files.
    """

    settings: dict[str, int | bool]
    odao_members: int
    depositors: int
    node_operators: int
    eth_per_actor: int
    source: str
    raw: dict[str, Any] = field(default_factory=dict)
    beacon: BeaconConfig = field(default_factory=BeaconConfig)
    oracle: OracleConfig = field(default_factory=OracleConfig)
    profiles: dict[str, CampaignProfile] = field(default_factory=dict)


# How each [beacon] / [oracle] key is read, and the example shown when it is wrong.
_BEACON_FIELDS = {
    "apr": (to_fraction, '"4%"'),
    "activation_delay": (to_seconds, '"0 seconds"'),
    "skim_interval": (to_seconds, '"5 days"'),
    "exit_delay": (to_seconds, '"1 day"'),
    "withdrawal_delay": (to_seconds, '"1 day"'),
    "slashing_initial_penalty": (lambda v: to_wei(v) // 10**9, '"1 ether"'),
    "slashing_correlation": (to_fraction, '"3" (a multiplier)'),
    "slashing_window": (to_seconds, '"18 days"'),
    "slashing_withdrawal_delay": (to_seconds, '"36 days"'),
}
_ORACLE_FIELDS = {
    "rpl_price": (to_wei, '"0.01 ether" (ETH per RPL)'),
    "rpl_volatility": (to_fraction, '"5%"'),
    "rpl_floor": (to_wei, '"0.0001 ether"'),
    "seed": (int, "0"),
}


def _section(data: dict, name: str, fields: dict, target: type, source: str):
    values = {}
    for key, value in data.get(name, {}).items():
        if key not in fields:
            raise ConfigError(
                f"{source}: [{name}] {key!r} is not a known key; use one of {', '.join(fields)}"
            )
        reader, example = fields[key]
        try:
            if reader is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise UnitError(f"{value!r} is not an integer")
            values[key] = reader(value)
        except (UnitError, ValueError) as exc:
            raise ConfigError(f"{source}: [{name}] {key}: {exc}; write e.g. {example}") from exc
    return target(**values)


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(
    config: Config | dict | str | Path | None = None,
    base_path: str | Path | None = None,
) -> Config:
    """Build a :class:`Config`.

    ``config`` may be a ready ``Config``; a path to a TOML file; a dict merged
    over the project's ``boa_config.toml`` (``{"settings": {"deposit.fee": "0.1%"}}``);
    or ``None`` for the file as it is.
    """
    if isinstance(config, Config):
        return config
    path = Path(base_path) if base_path else DEFAULT_CONFIG_PATH
    if isinstance(config, (str, Path)):
        path = Path(config)
        config = None
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found; pass an existing boa_config.toml") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from exc
    source = str(path)
    if config:
        data = _merge(data, config)
        source = f"{path} + overrides"
    return _parse(data, source)


def _parse(data: dict, source: str) -> Config:
    settings: dict[str, int | bool] = {}
    for key, value in data.get("settings", {}).items():
        try:
            settings[key] = parse_setting(value)
        except UnitError as exc:
            raise ConfigError(
                f'{source}: [settings] {key!r}: {exc}; write e.g. "160 ether", "0.05%" '
                'or "72 hours"'
            ) from exc
    actors = data.get("actors", {})

    def count(name: str, default: int, minimum: int) -> int:
        value = actors.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigError(
                f"{source}: [actors] {name} = {value!r}: must be an integer >= {minimum}"
            )
        return value

    try:
        eth_per_actor = to_wei(actors.get("eth_per_actor", "10000 ether"))
    except UnitError as exc:
        raise ConfigError(
            f'{source}: [actors] eth_per_actor: {exc}; write e.g. "10000 ether"'
        ) from exc
    return Config(
        profiles=_profiles(data, source),
        beacon=_section(data, "beacon", _BEACON_FIELDS, BeaconConfig, source),
        oracle=_section(data, "oracle", _ORACLE_FIELDS, OracleConfig, source),
        settings=settings,
        odao_members=count("odao_members", 3, 1),
        depositors=count("depositors", 4, 0),
        node_operators=count("node_operators", 4, 0),
        eth_per_actor=eth_per_actor,
        source=source,
        raw=data,
    )


# [profiles.<name>] keys: type check, then the example shown when one is wrong.
_PROFILE_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "examples": (lambda v: _is_int(v) and v >= 1, "an integer >= 1, e.g. 10"),
    "steps": (lambda v: _is_int(v) and v >= 1, "an integer >= 1, e.g. 20"),
    "max_seconds": (
        lambda v: not isinstance(v, bool) and isinstance(v, (int, float)) and v > 0,
        "a number of seconds > 0, e.g. 60",
    ),
    "derandomize": (lambda v: isinstance(v, bool), "true or false"),
    "database": (lambda v: isinstance(v, bool), "true or false"),
}
_PROFILE_REQUIRED = ("examples", "steps", "max_seconds")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _profiles(data: dict, source: str) -> dict[str, CampaignProfile]:
    sections = data.get("profiles", {})
    if not isinstance(sections, dict):
        raise ConfigError(f"{source}: 'profiles' must be tables, e.g. [profiles.quick]")
    out = {}
    for name, section in sections.items():
        if not isinstance(section, dict):
            raise ConfigError(f"{source}: profiles.{name} must be a table [profiles.{name}]")
        for key, value in section.items():
            if key not in _PROFILE_FIELDS:
                raise ConfigError(
                    f"{source}: [profiles.{name}] {key!r} is not a known key; "
                    f"use one of {', '.join(_PROFILE_FIELDS)}"
                )
            valid, example = _PROFILE_FIELDS[key]
            if not valid(value):
                raise ConfigError(
                    f"{source}: [profiles.{name}] {key} = {value!r}: must be {example}"
                )
        for key in _PROFILE_REQUIRED:
            if key not in section:
                raise ConfigError(
                    f"{source}: [profiles.{name}] has no {key!r}; "
                    f"add {key} = ({_PROFILE_FIELDS[key][1]})"
                )
        out[name] = CampaignProfile(name=name, **section)
    return out
