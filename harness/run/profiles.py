"""Campaign profiles from ``boa_config.toml``, and the Hypothesis profiles made from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings

from harness.config import ConfigError, load_config


@dataclass(frozen=True)
class Profile:
    """How big a campaign is: examples, steps per example, a time budget."""

    name: str
    examples: int
    steps: int
    max_seconds: int
    derandomize: bool = False


def load_profiles(config: Any = None) -> dict[str, Profile]:
    """The ``[profiles.*]`` of the configuration, checked."""
    cfg = load_config(config)
    profiles = {}
    for name, table in cfg.raw.get("profiles", {}).items():
        fields = {"examples": 1, "steps": 1, "max_seconds": 1}
        values: dict[str, Any] = {}
        for key, minimum in fields.items():
            value = table.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ConfigError(
                    f"{cfg.source}: [profiles.{name}] {key} = {value!r}: "
                    f"must be an integer >= {minimum}"
                )
            values[key] = value
        derandomize = table.get("derandomize", False)
        if not isinstance(derandomize, bool):
            raise ConfigError(
                f"{cfg.source}: [profiles.{name}] derandomize = {derandomize!r}: "
                "write true or false"
            )
        unknown = set(table) - {*fields, "derandomize"}
        if unknown:
            raise ConfigError(
                f"{cfg.source}: [profiles.{name}] unknown keys {sorted(unknown)}; "
                "use examples, steps, max_seconds, derandomize"
            )
        profiles[name] = Profile(name, derandomize=derandomize, **values)
    return profiles


def hypothesis_settings(profile: Profile, **overrides: Any) -> settings:
    """Hypothesis settings for ``profile``: no deadline (the EVM is slow), its budget."""
    options: dict[str, Any] = {
        "max_examples": profile.examples,
        "stateful_step_count": profile.steps,
        "deadline": None,
        "derandomize": profile.derandomize,
        "suppress_health_check": [
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    }
    if profile.derandomize:
        options["database"] = None
    options.update(overrides)
    return settings(**options)


def register_hypothesis_profiles(config: Any = None) -> dict[str, Profile]:
    """Register every profile with Hypothesis under its own name; returns them."""
    profiles = load_profiles(config)
    for name, profile in profiles.items():
        settings.register_profile(name, hypothesis_settings(profile))
    return profiles
