"""Which ``boa_config.toml`` a command reads: ``--config``, then ``./boa_config.toml``, then ours.

And that the file in use is printed first, and what ``--max-seconds`` bounds.
"""

from __future__ import annotations

import types

import pytest

import harness.run.campaign
from harness.cli.commands import main
from harness.config import DEFAULT_CONFIG_PATH, ConfigError, config_path, load_config

# A configuration a user keeps in their own directory: one profile of their own.
LOCAL = DEFAULT_CONFIG_PATH.read_text() + (
    "\n[profiles.local]\nexamples = 3\nsteps = 4\nmax_seconds = 10\n"
)


def test_config_path_prefers_the_flag_then_the_directory_then_the_package(tmp_path):
    assert config_path(None, cwd=tmp_path) == DEFAULT_CONFIG_PATH
    (tmp_path / "boa_config.toml").write_text(LOCAL)
    assert config_path(None, cwd=tmp_path) == tmp_path / "boa_config.toml"
    other = tmp_path / "other.toml"
    other.write_text(LOCAL)
    assert config_path(other, cwd=tmp_path) == other


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: d / "missing.toml", "file not found; pass the path of an existing"),
        (lambda d: d, "is a directory; pass the path of a boa_config.toml file"),
    ],
)
def test_config_path_refuses_what_is_not_a_file(tmp_path, make, says):
    with pytest.raises(ConfigError, match=says):
        config_path(make(tmp_path))


def test_load_config_names_an_unreadable_file(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[settings]")
    with pytest.raises(ConfigError, match=r"binary\.toml: not UTF-8 text"):
        load_config(binary)
    with pytest.raises(ConfigError, match=r"cannot be read \(Is a directory\)"):
        load_config(tmp_path)


def test_run_reads_the_current_directory_s_config_and_says_so(tmp_path, monkeypatch, capsys):
    (tmp_path / "boa_config.toml").write_text(LOCAL)
    monkeypatch.chdir(tmp_path)
    # An unknown profile: refused after the file is read, before anything is deployed.
    assert main(["run", "--profile", "nightly"]) == 2
    out = capsys.readouterr().out
    local = tmp_path / "boa_config.toml"
    assert out.splitlines()[0] == f"config: {local}"
    flat = " ".join(out.split())
    assert f"{local}: no [profiles.nightly] section" in flat
    assert "one of: ci, deep, local, quick" in flat


def test_the_flag_beats_the_current_directory(tmp_path, monkeypatch, capsys):
    (tmp_path / "boa_config.toml").write_text(LOCAL)
    (tmp_path / "mine.toml").write_text(
        "[profiles.mine]\nexamples = 1\nsteps = 1\nmax_seconds = 1\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "mine.toml", "--profile", "nightly"]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("config: mine.toml")
    assert "--profile takes one of: mine" in out


@pytest.fixture
def campaign_calls(monkeypatch):
    """``run_campaign`` replaced by a stub: the keyword arguments of each call."""
    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        return types.SimpleNamespace(seconds=1.25, exit_code=0)

    monkeypatch.setattr(harness.run.campaign, "run_campaign", fake)
    return calls


def test_run_passes_the_chosen_config_on(tmp_path, monkeypatch, capsys, campaign_calls):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--examples", "1"]) == 0
    # The packaged file is passed as None: what every layer reads by default.
    assert campaign_calls[-1]["config"] is None
    assert capsys.readouterr().out.startswith(f"config: {DEFAULT_CONFIG_PATH}\n")

    (tmp_path / "boa_config.toml").write_text(LOCAL)
    assert main(["run", "--examples", "1"]) == 0
    config = campaign_calls[-1]["config"]
    assert config.source == str(tmp_path / "boa_config.toml")
    assert config.raw["profiles"]["local"] == {"examples": 3, "steps": 4, "max_seconds": 10}


def test_run_prints_the_wall_time_beside_the_fuzzing_time(
    tmp_path, monkeypatch, capsys, campaign_calls
):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--max-seconds", "5"]) == 0
    assert campaign_calls[-1]["max_seconds"] == 5.0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("Wall time ")
    assert "of which 1.2 s fuzzing (what --max-seconds bounds)" in last


def test_max_seconds_help_says_what_it_bounds(capsys):
    assert main(["run", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "the fuzzing time budget, checked between examples" in help_text
    assert "so the wall time is longer (the summary prints both)" in help_text


@pytest.mark.parametrize(
    "command", ["run", "bench", "zoo", "mutate", "replay", "minimize", "shell"]
)
def test_every_command_that_reads_the_config_takes_config(command, capsys):
    assert main([command, "--help"]) == 0
    assert "--config PATH" in capsys.readouterr().out
