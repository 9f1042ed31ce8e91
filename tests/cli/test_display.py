"""harness.cli.display: the state tables, rendered to text as a reader sees them."""

from __future__ import annotations

import io

import boa
import pytest
from rich.console import Console

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.cli.display import address_name, print_state, short_address, state_table


def render(p) -> str:
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(state_table(p))
    return console.export_text()


def cells(text: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is ``first``."""
    for line in text.splitlines():
        row = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if row and row[0] == first:
            return row
    raise AssertionError(f"no row starting with {first!r} in:\n{text}")


def minipool_row(text: str, minipool) -> list[str]:
    return cells(text, short_address(minipool.address))


@pytest.fixture
def node(p):
    """A registered node operator with RPL staked for three 8 ETH minipools."""
    operator = p.node_operators[0]
    p.register_node(operator)
    p.fund_rpl(operator, "5000")
    p.stake_rpl(operator, "1000")
    return operator


def test_fresh_protocol_shows_rate_one_and_no_reports(p):
    text = render(p)
    assert cells(text, "rETH rate") == ["rETH rate", "1", "ETH per rETH"]
    assert cells(text, "rETH supply")[1] == "0"
    assert cells(text, "rETH collateral rate")[1] == "100%"
    assert cells(text, "balances report block")[1] == "none yet"
    assert cells(text, "RPL price")[1:] == ["0.01", "ETH per RPL"]
    assert "Minipools (0)" in text
    assert "no minipools yet" in text


def test_deposit_shows_in_supply_and_pool(p):
    p.deposit(p.depositors[0], "10")
    text = render(p)
    assert cells(text, "rETH supply")[1:] == ["9.995", "rETH"]
    assert cells(text, "deposit pool balance")[1] == "10"
    assert cells(text, "user balance")[1] == "10"
    assert cells(text, "node balance")[1] == "0"
    # All of it sits in the pool, none in rETH itself.
    assert cells(text, "rETH contract ETH")[1] == "0"
    assert cells(text, "rETH collateral rate")[1] == "0%"


def test_report_shows_reported_numbers_and_block(p):
    p.deposit(p.depositors[0], "10")
    block = p.report_balances(total_eth="11", reth_supply=p.reth.totalSupply())
    text = render(p)
    assert cells(text, "reported total ETH")[1] == "11"
    assert cells(text, "reported rETH supply")[1] == "9.995"
    assert cells(text, "balances report block")[1] == str(block)
    # 11 / 9.995, cut at six decimals
    assert cells(text, "rETH rate")[1] == "1.100550…"


def test_minipools_show_node_alias_status_and_balances(p, node):
    minipool = p.create_minipool(node, bond=8)
    text = render(p)
    assert "Minipools (1)" in text
    row = minipool_row(text, minipool)
    # the 1 ETH pre-deposit is on the (simulated) beacon chain
    assert row[1:] == ["node_operator_0", "Initialised", "8", "0", "0", "0", "no", "1"]
    assert cells(text, "node balance")[1] == "7"

    # A depositor's 24 ETH plus the node's 7 in the pool are assigned: 31 ETH arrive.
    p.deposit(p.depositors[0], "24")
    row = minipool_row(render(p), minipool)
    assert row[2:7] == ["Prelaunch", "8", "24", "31", "0"]


def test_beacon_balance_shows_when_the_chain_knows_the_validator(p, node, monkeypatch):
    known = p.create_minipool(node, bond=8)
    unknown = p.create_minipool(node, bond=8)
    # A chain that has seen only the first minipool's 1 ETH pre-deposit.
    chain = BeaconChain(BeaconConfig(), credit=lambda address, wei: None)
    credentials = b"\x01" + b"\x00" * 11 + bytes.fromhex(str(known.address)[2:])
    validator = chain.process_deposit(bytes(known.getValidatorPubkey()), credentials, 10**9)
    chain.reward(validator, "0.25")
    monkeypatch.setattr(p, "beacon", chain)
    text = render(p)
    assert minipool_row(text, known)[-1] == "1.25"
    assert minipool_row(text, unknown)[-1] == "-"


def test_address_name_prefers_alias_then_contract_then_short_address(p):
    assert address_name(p.depositors[0]) == "depositor_0"
    assert address_name(p.reth.address, p) == "p.reth"
    nobody = "0x" + "ab" * 20
    assert address_name(nobody, p) == "0xabab…abab"
    assert boa.env.lookup_alias(p.guardian) == address_name(p.guardian) == "guardian"


def test_print_state_to_a_pipe_is_wide_enough_not_to_fold(p, node, capsys):
    p.create_minipool(node, bond=8)
    print_state(p)
    out = capsys.readouterr().out
    assert "Rocket Pool state" in out
    assert "node_operator_0" in out
    assert "Initialised" in out
