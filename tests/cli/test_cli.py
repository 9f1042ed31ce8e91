"""The ``rpfuzz`` command line: exit codes and what it prints."""

from harness.cli.commands import main


def test_demo_runs_the_scripted_story(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "depositor_0 deposits 10 ETH, gets 9.995 rETH (0.05% fee)" in out
    assert "oDAO reports 33 ETH for the supply: the rate rises" in out
    assert "depositor_0 burns 9.995 rETH for 11 ETH" in out
    # Then execution-layer rewards: a block, blocks as time passes, a distribute.
    out = " ".join(out.split())
    assert "its validator proposes a block: 0.5 ETH of fees to its fee distributor" in out
    assert "more blocks at the [proposals] rate" in out
    assert "depositor_2 distributes it:" in out
    assert "the users' share of the fees raises the rate" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_missing_contracts_dir_is_a_usage_error(capsys, tmp_path):
    missing = tmp_path / "nowhere"
    assert main(["demo", "--contracts", str(missing)]) == 2
    out = capsys.readouterr().out
    assert str(missing) in out
    assert "not a directory" in out
