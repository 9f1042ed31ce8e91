"""What the model keeps for the views alone: the directory, RPL held and approved, oDAO order.

Pure Python, no EVM; each expected value is worked out in the test.
"""

from __future__ import annotations

import pytest

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.model import ZERO_ADDRESS, Model
from harness.model.tokens import RPL_TOTAL_SUPPLY
from harness.units import ETH


def addr(n: int) -> str:
    return f"0x{n:040x}"


GUARDIAN, NODE, STRANGER = addr(0x61), addr(0xB1), addr(0xE1)
MEMBERS = [addr(0xA1), addr(0xA2), addr(0xA3)]
VAULT, STAKING, STORAGE = addr(0xC1), addr(0xC2), addr(0xC0)
DIRECTORY = {"rocketVault": VAULT, "rocketNodeStaking": STAKING}


def new_model(now: int = 1_000, block: int = 7) -> Model:
    beacon = BeaconChain(BeaconConfig(apr=0), credit=lambda a, wei: None)
    return Model(
        None,
        MEMBERS,
        beacon,
        now=now,
        block=block,
        guardian=GUARDIAN,
        storage=STORAGE,
        directory=DIRECTORY,
    )


def test_the_directory_answers_names_and_addresses_both_ways():
    model = new_model()
    assert model.contract_address("rocketVault") == VAULT
    assert model.contract_address("rocketStorage") == ZERO_ADDRESS  # not registered in itself
    assert model.contract_name(VAULT.upper().replace("0X", "0x")) == "rocketVault"
    assert model.contract_name(STRANGER) == ""
    assert model.storage == STORAGE
    assert model.guardian == GUARDIAN


def test_the_guardian_holds_the_whole_rpl_supply_and_pays_what_it_funds():
    model = new_model()
    assert model.rpl_balance(GUARDIAN) == 18_000_000 * ETH == RPL_TOTAL_SUPPLY
    model.fund_rpl(NODE, 300 * ETH)
    assert model.rpl_balance(GUARDIAN) == 17_999_700 * ETH
    assert model.rpl_balance(NODE) == 300 * ETH


def test_the_vault_holds_every_stake():
    model = new_model()
    model.register_node(NODE, now=1_000)
    model.fund_rpl(NODE, 300 * ETH)
    assert model.stake_rpl(NODE, 200 * ETH, now=1_000).ok
    assert model.rpl_balance(VAULT) == 200 * ETH
    assert model.rpl_balance(NODE) == 100 * ETH


def test_a_refused_stake_leaves_its_approval_and_a_stake_spends_it():
    model = new_model()
    model.fund_rpl(NODE, 300 * ETH)
    # Not registered: the stake is refused, the approval (its own transaction) stands.
    refused = model.stake_rpl(NODE, 120 * ETH, now=1_000)
    assert refused.reason == "node staking: caller is not a registered node"
    assert model.rpl_allowance(NODE, STAKING) == 120 * ETH
    model.register_node(NODE, now=1_000)
    assert model.stake_rpl(NODE, 50 * ETH, now=1_000).ok
    assert model.rpl_allowance(NODE, STAKING) == 0
    assert model.reth_allowance(NODE, STAKING) == 0


def test_members_leave_their_place_to_the_last_one_and_their_joined_time_goes():
    model = new_model(now=1_000)
    assert model.member_list == [m.lower() for m in MEMBERS]
    assert model.member_joined == {m.lower(): 1_000 for m in MEMBERS}
    assert model.add_member(addr(0xA4), now=5_000).ok
    assert model.remove_member(MEMBERS[0], now=6_000).ok
    assert model.member_list == [addr(0xA4), MEMBERS[1], MEMBERS[2]]
    assert model.member_joined.get(MEMBERS[0], 0) == 0
    assert model.member_joined[addr(0xA4)] == 5_000


def test_the_block_only_moves_forward():
    model = new_model(block=7)
    model.at_block(9)
    assert model.block == 9
    with pytest.raises(ValueError, match=r"^blocks only move forward \(8 < 9\)$"):
        model.at_block(8)
