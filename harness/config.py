"""Loading ``boa_config.toml``: protocol settings, actors and campaign profiles."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.units import ETH_GWEI, UnitError, parse_setting, to_fraction, to_seconds, to_wei

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_NAME = "boa_config.toml"
DEFAULT_CONFIG_PATH = PROJECT_ROOT / CONFIG_NAME

# The EVM backends (harness.chain.backend), named here so that the command
# line can offer them without importing titanoboa, which takes seconds.
BACKENDS = ("boa", "revm")
DEFAULT_BACKEND = "boa"


class ConfigError(ValueError):
    """A configuration problem, with the file, the field and the fix in its message."""


@dataclass
class BeaconConfig:
    """Simulation parameters (``[beacon]`` in ``boa_config.toml``); fractions of 1e18."""

    apr: int = 4 * 10**16  # 4% a year on the effective balance
    activation_delay: int = 0  # seconds from a 32 ETH balance to activation
    skim_interval: int = 5 * 86_400  # seconds between withdrawal sweeps
    exit_delay: int = 86_400  # seconds from exit request to exit
    withdrawal_delay: int = 86_400  # seconds from exit to withdrawable
    slashing_initial_penalty: int = ETH_GWEI  # gwei
    slashing_correlation: int = 3 * 10**18  # multiplier on the recently slashed share
    slashing_window: int = 18 * 86_400  # seconds a slashing counts as recent
    slashing_withdrawal_delay: int = 36 * 86_400  # seconds from slashing to withdrawable


@dataclass
class OracleConfig:
    """``[oracle]`` in ``boa_config.toml``: the RPL price walk (fractions of 1e18)."""

    rpl_price: int = 10**16  # the starting price the oracle walks from
    rpl_volatility: int = 5 * 10**16  # largest relative move per report
    rpl_floor: int = 10**14  # the walk never goes below this price
    seed: int = 0


@dataclass
class ProposalsConfig:
    """``[proposals]`` in ``boa_config.toml``: what a live validator's block pays its fee recipient.

    Each 12-second slot gives one of the world's live validators a block
    with chance ``rate`` (a fraction of 1e18) as time passes. A block's
    priority fees are drawn up to ``priority_fee``; with chance
    ``mev_chance`` (a fraction of 1e18) it also carries MEV, up to ``mev``;
    with chance ``theft_chance`` the proposer names another fee recipient
    (the fault the MEV-theft penalty answers). Wei.
    """

    priority_fee: int = 10**17  # at most 0.1 ETH of priority fees a block
    mev: int = 2 * 10**18  # at most 2 ETH of MEV a block that has some
    mev_chance: int = 2 * 10**17  # 20% of blocks carry MEV
    theft_chance: int = 5 * 10**16  # 5% of blocks pay another fee recipient
    rate: int = 5 * 10**13  # 0.005% of slots: a block every 20,000 slots (~2.8 days)


@dataclass
class PenaltiesConfig:
    """``[penalties]`` in ``boa_config.toml``: the guardian's cap on MEV-theft penalty rates.

    ``max_rate`` (a fraction of 1e18) is what the deployment's guardian sets
    with ``RocketMinipoolPenalty.setMaxPenaltyRate``; 0 leaves it unset, as
    the reference deploys it, and no penalty then takes anything.
    """

    max_rate: int = 5 * 10**17  # a minipool's penalty rate is capped at 50%


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
    proposals: ProposalsConfig = field(default_factory=ProposalsConfig)
    penalties: PenaltiesConfig = field(default_factory=PenaltiesConfig)


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
_PROPOSALS_FIELDS = {
    "priority_fee": (to_wei, '"0.1 ether"'),
    "mev": (to_wei, '"2 ether"'),
    "mev_chance": (to_fraction, '"20%"'),
    "theft_chance": (to_fraction, '"5%"'),
    "rate": (to_fraction, '"0.005%" (of slots)'),
}
_PENALTIES_FIELDS = {
    "max_rate": (to_fraction, '"50%"'),
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


def config_path(path: str | Path | None = None, cwd: str | Path | None = None) -> Path:
    """The ``boa_config.toml`` a command reads.

    ``path`` when given (``--config``; it must be a file); otherwise
    ``boa_config.toml`` in the current directory (``cwd``) when there is one;
    otherwise the packaged :data:`DEFAULT_CONFIG_PATH`. Raises
    :class:`ConfigError` for a ``path`` that is not a file.
    """
    if path is not None:
        given = Path(path)
        if given.is_dir():
            raise ConfigError(
                f"--config {path}: is a directory; pass the path of a {CONFIG_NAME} file"
            )
        if not given.is_file():
            raise ConfigError(
                f"--config {path}: file not found; pass the path of an existing {CONFIG_NAME}, "
                f"or leave --config out to use ./{CONFIG_NAME} or the packaged one"
            )
        return given
    local = Path(cwd if cwd is not None else Path.cwd()) / CONFIG_NAME
    return local if local.is_file() else DEFAULT_CONFIG_PATH


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
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc}); pass a TOML file") from exc
    except OSError as exc:  # a directory, no permission
        raise ConfigError(
            f"{path}: cannot be read ({exc.strerror or exc}); pass a readable {CONFIG_NAME}"
        ) from exc
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
        beacon=_section(data, "beacon", _BEACON_FIELDS, BeaconConfig, source),
        oracle=_section(data, "oracle", _ORACLE_FIELDS, OracleConfig, source),
        proposals=_section(data, "proposals", _PROPOSALS_FIELDS, ProposalsConfig, source),
        penalties=_section(data, "penalties", _PENALTIES_FIELDS, PenaltiesConfig, source),
        settings=settings,
        odao_members=count("odao_members", 3, 1),
        depositors=count("depositors", 4, 0),
        node_operators=count("node_operators", 4, 0),
        eth_per_actor=eth_per_actor,
        source=source,
        raw=data,
    )
