"""``rpfuzz shell``: its namespace, its banner, and the REPL driven as a user drives it."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from harness.cli import main, shell
from harness.cli.shell import banner, run_repl, run_script, shell_namespace
from harness.config import PROJECT_ROOT
from harness.units import fmt_eth, to_wei

BURN_REVERT = "reth: burn amount exceeds balance"


class TtyStdin(io.StringIO):
    """Stdin that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def test_namespace_has_the_facade_actors_and_helpers(p, capsys):
    ns = shell_namespace(p)
    assert ns["p"] is p
    assert ns["boa"].__name__ == "boa"
    assert ns["guardian"] == p.guardian
    assert ns["depositors"] == p.depositors
    assert ns["node_operators"] == p.node_operators
    assert ns["odao_members"] == p.odao_members
    assert ns["depositor_0"] == p.depositors[0]
    assert ns["depositor_3"] == p.depositors[3]
    assert ns["node_operator_1"] == p.node_operators[1]
    assert ns["odao_member_2"] == p.odao_members[2]
    assert ns["to_wei"] is to_wei
    assert ns["fmt_eth"] is fmt_eth
    assert ns["ETH"] == 10**18
    ns["state"]()
    assert "Rocket Pool state" in capsys.readouterr().out


def test_banner_says_what_is_in_scope_and_how_to_start(p):
    text = banner(p)
    for line in (
        '>>> p.deposit(depositor_0, "10")',
        ">>> state()",
        ">>> help(p.create_minipool)",
    ):
        assert line in text
    assert "depositor_0, depositor_1" in text
    assert "node_operator_0" in text
    assert "p.deposit_pool" in text
    assert "Vyper source trace" in text
    assert "exit()" in text


def test_piped_console_runs_lines_and_survives_a_revert(p, monkeypatch, capsys):
    commands = [
        'p.burn(depositor_0, "1")',
        'print(p.deposit(depositor_0, "10"))',
        "1 / 0",
        "print(p.reth.totalSupply())",
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(commands) + "\n"))
    # Every line ran; two raised, so the piped session fails as a script would.
    assert run_repl(shell_namespace(p), "the banner") == 1
    out, err = capsys.readouterr()
    # Both prints ran: the revert and the ZeroDivisionError did not end the session.
    assert out.split() == ["9995000000000000000"] * 2
    assert ">>>" not in out  # no prompts when the commands are piped in
    assert "the banner" in err
    assert f"Reverted: {BURN_REVERT}" in err
    assert "RocketTokenRETH.vy:181" in err
    # A revert hides the Python frames; any other error keeps its traceback.
    assert err.count("Traceback") == 1
    assert "ZeroDivisionError" in err


def test_exit_code_of_exit_is_the_shells(p, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("exit(3)\n"))
    assert run_repl(shell_namespace(p), "") == 3


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (["print(1)"], 0),
        (["print(1)", "exit()"], 0),
        (['p.burn(depositor_0, "1")', "print(1)"], 1),
        (['p.burn(depositor_0, "1")', "exit()"], 1),
        (['p.burn(depositor_0, "1")', "exit(0)"], 0),
        (["print(1))"], 1),
        (["print(("], 1),
    ],
    ids=[
        "clean",
        "clean-exit",
        "revert",
        "revert-then-exit",
        "exit-0-says-so",
        "syntax",
        "cut-short",
    ],
)
def test_a_piped_session_exits_1_when_a_statement_raised(p, monkeypatch, capsys, lines, code):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert run_repl(shell_namespace(p), "") == code


def test_a_script_stops_at_its_first_error_and_exits_1(p, tmp_path, capsys):
    script = tmp_path / "story.py"
    script.write_text(
        'print(p.deposit(depositor_0, "10"))\n'
        "for _ in range(2):\n"
        "\n"  # a blank line inside a block: fine in a script, not in a console
        '    p.burn(depositor_0, "100")\n'
        'print("not reached")\n'
    )
    assert run_script(shell_namespace(p), script) == 1
    out, err = capsys.readouterr()
    assert out == "9995000000000000000\n"
    assert f"Reverted: {BURN_REVERT}" in err
    assert "RocketTokenRETH.vy:181" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("body", "code", "shown"),
    [
        ("print(p.reth.totalSupply())\n", 0, ""),
        ("exit(3)\n", 3, ""),
        ("x = 1 / 0\n", 1, "ZeroDivisionError"),
        ("def broken(:\n", 1, "SyntaxError"),
    ],
)
def test_script_exit_codes(p, tmp_path, capsys, body, code, shown):
    script = tmp_path / "script.py"
    script.write_text(body)
    assert run_script(shell_namespace(p), script) == code
    err = capsys.readouterr().err
    assert shown in err
    if shown:
        assert str(script) in err  # the script's own line, named


def _plain_console_revert(p, monkeypatch, capsys) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO('p.burn(depositor_0, "1")\n'))
    run_repl(shell_namespace(p), "")
    return capsys.readouterr().err


def test_ipython_shows_a_revert_as_the_plain_console_does(p, monkeypatch, capsys):
    interactiveshell = pytest.importorskip(
        "IPython.core.interactiveshell", reason="IPython is not installed: only the plain console"
    )
    plain = _plain_console_revert(p, monkeypatch, capsys)
    ipython = interactiveshell.InteractiveShell.instance(user_ns=shell_namespace(p))
    try:
        shell.show_reverts_cleanly(ipython)
        result = ipython.run_cell('p.burn(depositor_0, "1")')
    finally:
        interactiveshell.InteractiveShell.clear_instance()
    out, err = capsys.readouterr()
    shown = out + err
    assert type(result.error_in_exec).__name__ == "BoaError"
    assert f"Reverted: {BURN_REVERT}" in shown
    assert "RocketTokenRETH.vy:181" in shown
    # No titanoboa internals: no Python frames at all, as in the plain console.
    assert "Traceback" not in shown
    assert "site-packages" not in shown
    assert shown.strip() == plain.strip()


def test_ipython_is_used_on_a_terminal_and_not_on_a_pipe(p, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(shell, "_ipython_available", lambda: True)
    monkeypatch.setattr(shell, "_launch_ipython", calls.append)
    ns = shell_namespace(p)

    monkeypatch.setattr(sys, "stdin", TtyStdin(""))
    monkeypatch.setattr(shell, "_enable_completion", lambda namespace: None)
    assert run_repl(ns, "the banner") == 0
    assert calls == [ns]
    assert "the banner" in capsys.readouterr().out

    # Piped: IPython would want a terminal, so the standard console reads the pipe.
    monkeypatch.setattr(sys, "stdin", io.StringIO("print('piped')\n"))
    assert run_repl(ns, "") == 0
    assert len(calls) == 1
    assert capsys.readouterr().out == "piped\n"


@pytest.mark.parametrize(
    ("option", "message"),
    [("--contracts", "not a directory"), ("--config", "file not found")],
)
def test_bad_contracts_or_config_is_a_usage_error(option, message, tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["shell", option, str(missing)]) == 2
    out = capsys.readouterr().out
    assert str(missing) in out
    assert message in out


def test_rpfuzz_shell_as_a_user_runs_it():
    """The real command, with a session piped in: deploy, revert, deposit, state, exit."""
    session = "\n".join(
        [
            'p.burn(depositor_0, "1")',
            'print(p.deposit(depositor_0, "10"))',
            "print(p.reth.totalSupply())",
            "state()",
            "exit()",
            'print("not reached")',
        ]
    )
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "shell"],
        input=session,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        timeout=120,
    )
    # The burn reverted: exit() after it still fails the piped session.
    assert result.returncode == 1, result.stderr
    assert "rpfuzz shell: Rocket Pool in Vyper" in result.stderr
    assert BURN_REVERT in result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["9995000000000000000", "9995000000000000000"]
    assert "Rocket Pool state" in result.stdout
    assert "not reached" not in result.stdout


def test_banner_shows_the_block_and_distributor_helpers(p):
    text = banner(p)
    assert "p.beacon.propose(p.validator(minipool), '0.5')" in text
    assert "p.distributor(node)" in text
    assert "proposals=SEED" in text


def test_piped_console_proposes_a_block_and_distributes_it(p, monkeypatch, capsys):
    """The shell's flow for execution-layer rewards: a staking minipool's block, then
    distribute(); the users' share reaches rETH, printed from the session."""
    commands = [
        'p.deposit(depositor_0, "24")',
        "p.register_node(node_operator_0)",
        'p.fund_rpl(node_operator_0, "3000")',
        'p.stake_rpl(node_operator_0, "3000")',
        "m = p.create_minipool(node_operator_0, bond=8)",
        "p.advance(hours=13)",
        "p.stake(m)",
        "before = p.balance(p.reth)",
        'block = p.beacon.propose(p.validator(m), "1")',
        "print(p.balance(p.distributor(node_operator_0)), block.wei, block.stolen)",
        "p.distributor(node_operator_0).distribute(sender=depositor_1)",
        "print(p.balance(p.reth) - before, p.balance(p.distributor(node_operator_0)))",
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(commands) + "\n"))
    with p.anchor():
        assert run_repl(shell_namespace(p), "the banner") == 0
    out = capsys.readouterr().out.split()[-5:]  # the deposit's value is echoed first
    assert out[:3] == [str(10**18), str(10**18), "False"]
    # One 8 ETH minipool: ratio 4, the node's 0.25 plus 14% of the rest: users 0.645 ETH.
    assert out[3:] == ["645000000000000000", "0"]
