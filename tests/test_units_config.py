"""harness.units (amounts, fractions, durations) and harness.config (``boa_config.toml``).

Pure Python: nothing here touches the VM. Configuration errors must name the
file, the field and the fix, so the tests check all three in each message.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from harness.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config
from harness.units import UnitError, fmt_eth, parse_setting, to_fraction, to_seconds, to_wei

ETH = 10**18
GWEI = 10**9
PCT = 10**16


def _write(tmp_path: Path, text: str, name: str = "boa_config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- to_wei ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "wei"),
    [
        ("1.5", 15 * ETH // 10),
        ("1", ETH),
        ("0", 0),
        ("1_000", 1_000 * ETH),
        ("1.5 ether", 15 * ETH // 10),
        ("1.5 ETH", 15 * ETH // 10),
        ("  2 eth  ", 2 * ETH),
        ("0.000000000000000001", 1),
        (Decimal("1.5"), 15 * ETH // 10),
        (Decimal("0.01"), ETH // 100),
        ("30 gwei", 30 * GWEI),
        ("0.5 gwei", GWEI // 2),
        ("5 wei", 5),
        (0, 0),
        (5, 5),
        (123 * ETH, 123 * ETH),
    ],
)
def test_to_wei_reads_amounts(amount, wei):
    assert to_wei(amount) == wei


@pytest.mark.parametrize(
    "amount",
    [
        1.5,
        1.0,
        True,
        -1,
        Decimal("-1"),
        "-1",
        "1.5 bananas",
        "0.0000000000000000001",
        "1.5 wei",
        "0.0000000001 gwei",
        "",
        "ether",
        "1e18",
        None,
        [1],
    ],
)
def test_to_wei_refuses_what_it_cannot_read_exactly(amount):
    with pytest.raises(UnitError):
        to_wei(amount)


def test_to_wei_error_names_the_unit():
    with pytest.raises(UnitError, match="unknown unit 'bananas'"):
        to_wei("1.5 bananas")
    with pytest.raises(UnitError, match="not a whole number of wei"):
        to_wei("0.0000000000000000001")


# --- to_fraction, to_seconds -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("0.05%", 5 * 10**14),
        ("51%", 51 * PCT),
        ("100%", ETH),
        ("0.51", 51 * PCT),
        ("1", ETH),
        (Decimal("0.0005"), 5 * 10**14),
        (51 * PCT, 51 * PCT),
    ],
)
def test_to_fraction_reads_percentages_and_decimals(value, fixed):
    assert to_fraction(value) == fixed


@pytest.mark.parametrize("value", [0.5, True, "5 ether", "0.0000000000000000001%", "half"])
def test_to_fraction_refuses_other_values(value):
    with pytest.raises(UnitError):
        to_fraction(value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("72 hours", 72 * 3_600),
        ("2 days", 2 * 86_400),
        ("1 day", 86_400),
        ("90 minutes", 5_400),
        ("1 week", 604_800),
        ("30 seconds", 30),
        ("30", 30),
        ("1.5 hours", 5_400),
        (12, 12),
    ],
)
def test_to_seconds_reads_durations(value, seconds):
    assert to_seconds(value) == seconds


@pytest.mark.parametrize("value", [1.5, False, "1 fortnight", "0.5 seconds", "2 ether"])
def test_to_seconds_refuses_other_values(value):
    with pytest.raises(UnitError):
        to_seconds(value)


# --- parse_setting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        (True, True),
        (False, False),
        ("160 ether", 160 * ETH),
        ("0.01 ether", ETH // 100),
        ("30 gwei", 30 * GWEI),
        ("0.05%", 5 * 10**14),
        ("51%", 51 * PCT),
        ("72 hours", 72 * 3_600),
        ("2 days", 2 * 86_400),
        (50_400, 50_400),
        (90, 90),
    ],
)
def test_parse_setting_reads_each_kind(value, parsed):
    result = parse_setting(value)
    assert result == parsed
    assert type(result) is type(parsed)


@pytest.mark.parametrize("value", [1.5, "1.5", "3 bananas", None, "-1"])
def test_parse_setting_refuses_other_values(value):
    with pytest.raises(UnitError):
        parse_setting(value)


@pytest.mark.parametrize("value", ["1", "90", "50_400"])
def test_parse_setting_refuses_a_string_without_a_unit(value):
    # "1" could mean 1 wei or 1 ETH: the config must say which.
    with pytest.raises(UnitError, match="has no unit"):
        parse_setting(value)


# --- fmt_eth ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wei", "kwargs", "text"),
    [
        (0, {}, "0"),
        (ETH, {}, "1"),
        (15 * ETH // 10, {}, "1.5"),
        (9995 * 10**14, {}, "0.9995"),
        (-ETH // 2, {}, "-0.5"),
        (1_000 * ETH, {}, "1000"),
        (123_456_789 * GWEI, {}, "0.123456…"),
        (1, {}, "0.000000…"),
        (1, {"places": 18}, "0.000000000000000001"),
        (123_456_789 * GWEI, {"places": 9}, "0.123456789"),
    ],
)
def test_fmt_eth(wei, kwargs, text):
    assert fmt_eth(wei, **kwargs) == text


# --- load_config -----------------------------------------------------------------------


def test_project_file_parses():
    cfg = load_config()
    assert cfg.settings == {
        "deposit.pool.maximum": 160 * ETH,
        "deposit.fee": 5 * 10**14,
        "deposit.minimum": ETH // 100,
        "network.consensus.threshold": 51 * PCT,
        "network.reth.collateral.target": 10 * PCT,
    }
    assert (cfg.odao_members, cfg.depositors, cfg.node_operators) == (3, 4, 4)
    assert cfg.eth_per_actor == 10_000 * ETH
    assert cfg.source == str(DEFAULT_CONFIG_PATH)
    assert cfg.raw["actors"]["eth_per_actor"] == "10000 ether"


def test_project_file_by_path_equals_the_default(tmp_path):
    by_str = load_config(str(DEFAULT_CONFIG_PATH))
    by_path = load_config(DEFAULT_CONFIG_PATH)
    assert by_str.settings == by_path.settings == load_config().settings
    assert by_path.source == str(DEFAULT_CONFIG_PATH)


def test_a_ready_config_is_returned_as_is():
    cfg = load_config()
    assert load_config(cfg) is cfg


def test_dict_overrides_merge_over_the_file():
    cfg = load_config(
        {
            "settings": {"deposit.fee": "0.1%", "minipool.launch.timeout": "96 hours"},
            "actors": {"odao_members": 5},
        }
    )
    assert cfg.settings["deposit.fee"] == 10**15
    assert cfg.settings["minipool.launch.timeout"] == 96 * 3_600
    # untouched keys of the same tables survive the merge
    assert cfg.settings["deposit.pool.maximum"] == 160 * ETH
    assert cfg.settings["network.consensus.threshold"] == 51 * PCT
    assert (cfg.odao_members, cfg.depositors, cfg.node_operators) == (5, 4, 4)
    assert cfg.source == f"{DEFAULT_CONFIG_PATH} + overrides"


def test_overrides_do_not_leak_into_the_next_load():
    load_config({"settings": {"deposit.fee": "0.2%"}})
    assert load_config().settings["deposit.fee"] == 5 * 10**14


def test_overrides_apply_over_another_base_file(tmp_path):
    base = _write(tmp_path, '[settings]\n"deposit.fee" = "0.01%"\n[actors]\ndepositors = 1\n')
    cfg = load_config({"actors": {"node_operators": 0}}, base_path=base)
    assert cfg.settings == {"deposit.fee": 10**14}
    assert (cfg.odao_members, cfg.depositors, cfg.node_operators) == (3, 1, 0)
    assert cfg.source == f"{base} + overrides"


def test_an_empty_file_gives_the_defaults(tmp_path):
    cfg = load_config(_write(tmp_path, ""))
    assert isinstance(cfg, Config)
    assert cfg.settings == {}
    assert (cfg.odao_members, cfg.depositors, cfg.node_operators) == (3, 4, 4)
    assert cfg.eth_per_actor == 10_000 * ETH


def test_boolean_and_plain_integer_settings(tmp_path):
    path = _write(
        tmp_path,
        '[settings]\n"deposit.enabled" = false\n"deposit.assign.maximum" = 45\n',
    )
    assert load_config(path).settings == {"deposit.enabled": False, "deposit.assign.maximum": 45}


def test_toml_syntax_error_names_the_file_and_the_fix(tmp_path):
    path = _write(tmp_path, '[settings]\n"deposit.fee" = "0.05%\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not valid TOML (")
    assert "line 2" in message
    assert message.endswith("fix the syntax")


def test_missing_file_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: file not found; pass an existing boa_config.toml"


def test_missing_base_file_is_reported_for_overrides_too(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="file not found"):
        load_config({"actors": {"depositors": 1}}, base_path=path)


def test_bad_unit_names_the_file_the_field_and_the_fix(tmp_path):
    path = _write(tmp_path, '[settings]\n"deposit.fee" = "5 bananas"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: [settings] 'deposit.fee': ")
    assert "unknown unit 'bananas'" in message
    assert message.endswith('write e.g. "160 ether", "0.05%" or "72 hours"')
    assert isinstance(info.value.__cause__, UnitError)


def test_bad_unit_in_an_override_names_the_overridden_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config({"settings": {"deposit.minimum": "0.5 wei"}})
    message = str(info.value)
    assert message.startswith(f"{DEFAULT_CONFIG_PATH} + overrides: [settings] 'deposit.minimum'")
    assert "write e.g." in message


@pytest.mark.parametrize(
    ("field", "value", "minimum"),
    [
        ("odao_members", "0", 1),
        ("odao_members", "-2", 1),
        ("odao_members", '"three"', 1),
        ("odao_members", "true", 1),
        ("odao_members", "2.5", 1),
        ("depositors", "-1", 0),
        ("node_operators", '"4"', 0),
    ],
)
def test_bad_actor_count_names_the_file_the_field_and_the_fix(tmp_path, field, value, minimum):
    path = _write(tmp_path, f"[actors]\n{field} = {value}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: [actors] {field} = ")
    assert message.endswith(f"must be an integer >= {minimum}")


def test_zero_depositors_and_node_operators_are_allowed(tmp_path):
    path = _write(tmp_path, "[actors]\ndepositors = 0\nnode_operators = 0\nodao_members = 1\n")
    cfg = load_config(path)
    assert (cfg.odao_members, cfg.depositors, cfg.node_operators) == (1, 0, 0)


def test_bad_eth_per_actor_names_the_file_the_field_and_the_fix(tmp_path):
    path = _write(tmp_path, '[actors]\neth_per_actor = "lots"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: [actors] eth_per_actor: ")
    assert message.endswith('write e.g. "10000 ether"')


def test_eth_per_actor_accepts_units(tmp_path):
    path = _write(tmp_path, '[actors]\neth_per_actor = "2.5 ether"\n')
    assert load_config(path).eth_per_actor == 25 * ETH // 10


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)
