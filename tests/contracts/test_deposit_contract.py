"""Unit tests for ``contracts/DepositContract.vy`` and ``harness/chain/deposit_data.py``.

The expected roots come from a small generic SSZ merkleizer written below, so
neither the contract's hand-unrolled ``DepositData`` root nor its incremental
branch algorithm is checked against a copy of itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import boa
import pytest
from eth_utils import keccak

from harness.chain.beacon import BeaconChain, BeaconConfig
from harness.chain.deposit_data import (
    DepositData,
    DepositTree,
    deposit_data_root,
    make_deposit_data,
    make_validator_keys,
    minipool_withdrawal_credentials,
)
from harness.units import ETH, GWEI

REPO_ROOT = Path(__file__).resolve().parents[2]

MAX_UINT64 = 2**64 - 1
# get_deposit_root() of the mainnet contract before its first deposit.
EMPTY_DEPOSIT_ROOT = bytes.fromhex(
    "d70a234731285c6804c2a4f56711ddb8c82c99740f207854891028af34e27e5e"
)
# keccak("DepositEvent(bytes,bytes,bytes,bytes,bytes)"), the topic the
# consensus clients filter mainnet logs on.
DEPOSIT_EVENT_TOPIC = bytes.fromhex(
    "649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5"
)
MINIPOOL = "0x00000000000000000000000000000000DeaDBeef"


# --- an independent SSZ merkleizer ---------------------------------------------------


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _chunks(data: bytes) -> list[bytes]:
    padded = data + bytes(-len(data) % 32)
    return [padded[i : i + 32] for i in range(0, len(padded), 32)]


def _merkleize(chunks: list[bytes], depth: int) -> bytes:
    """Root of ``chunks`` as the leaves of a tree of ``2**depth`` leaves, zero-padded."""
    layer, zero = list(chunks), bytes(32)
    for _ in range(depth):
        if len(layer) % 2:
            layer.append(zero)
        layer = [_sha256(layer[i] + layer[i + 1]) for i in range(0, len(layer), 2)]
        zero = _sha256(zero + zero)
    return layer[0] if layer else zero


def _ssz_deposit_data_root(
    pubkey: bytes, withdrawal_credentials: bytes, amount_gwei: int, signature: bytes
) -> bytes:
    fields = [
        _merkleize(_chunks(pubkey), 1),  # Bytes48: 2 chunks
        withdrawal_credentials,  # Bytes32: 1 chunk
        amount_gwei.to_bytes(32, "little"),  # uint64
        _merkleize(_chunks(signature), 2),  # Bytes96: 3 chunks, padded to 4
    ]
    return _merkleize(fields, 2)


def _deposit_tree_root(leaves: list[bytes]) -> bytes:
    """The deposit contract's root: a depth-32 tree mixed with its length."""
    return _sha256(_merkleize(leaves, 32) + len(leaves).to_bytes(32, "little"))


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deposit_contract():
    return boa.load_partial(str(REPO_ROOT / "contracts" / "DepositContract.vy")).deploy()


@pytest.fixture(scope="module")
def depositor() -> str:
    address = boa.env.generate_address("depositor")
    boa.env.set_balance(address, 1_000 * ETH)
    return address


@pytest.fixture(scope="module")
def credentials() -> bytes:
    return minipool_withdrawal_credentials(MINIPOOL)


def _deposit(contract, sender: str, data: DepositData) -> None:
    contract.deposit(
        data.pubkey,
        data.withdrawal_credentials,
        data.signature,
        data.root,
        value=data.amount_wei,
        sender=sender,
    )


# --- successful deposits ---------------------------------------------------------------


def test_fresh_contract_is_empty(deposit_contract):
    assert deposit_contract.depositCount() == 0
    assert deposit_contract.get_deposit_count() == bytes(8)
    assert deposit_contract.get_deposit_root() == EMPTY_DEPOSIT_ROOT
    assert _deposit_tree_root([]) == EMPTY_DEPOSIT_ROOT
    assert boa.env.get_balance(deposit_contract.address) == 0


@pytest.mark.parametrize(
    ("amount_wei", "amount_le"),
    [
        (1 * ETH, bytes.fromhex("00ca9a3b00000000")),  # 1_000_000_000 gwei
        (31 * ETH, bytes.fromhex("0076be3707000000")),  # 31_000_000_000 gwei
    ],
    ids=["1-eth", "31-eth"],
)
def test_valid_deposit_is_accepted_and_logged(
    deposit_contract, depositor, credentials, amount_wei, amount_le
):
    data = make_deposit_data(1, credentials, amount_wei)
    sender_before = boa.env.get_balance(depositor)

    _deposit(deposit_contract, depositor, data)
    # get_logs() reads the contract's last call, so before any view call.
    logs = deposit_contract.get_logs()

    assert deposit_contract.depositCount() == 1
    assert deposit_contract.get_deposit_count() == bytes.fromhex("0100000000000000")
    assert boa.env.get_balance(deposit_contract.address) == amount_wei
    assert boa.env.get_balance(depositor) == sender_before - amount_wei
    assert deposit_contract.get_deposit_root() == _deposit_tree_root([data.root])

    assert len(logs) == 1
    event = logs[0]
    assert type(event).__name__ == "DepositEvent"
    assert event.pubkey == data.pubkey
    assert event.withdrawal_credentials == credentials
    assert event.amount == amount_le
    assert event.signature == data.signature
    assert event.index == bytes(8)


def test_event_abi_matches_mainnet_topic(deposit_contract):
    (event,) = [item for item in deposit_contract.abi if item["type"] == "event"]
    types = ",".join(field["type"] for field in event["inputs"])
    assert [field["indexed"] for field in event["inputs"]] == [False] * 5
    assert keccak(text=f"{event['name']}({types})") == DEPOSIT_EVENT_TOPIC


def test_root_and_index_follow_each_deposit(deposit_contract, depositor, credentials):
    first = make_deposit_data("validator-a", credentials, 1 * ETH)
    second = make_deposit_data("validator-b", credentials, 31 * ETH)

    _deposit(deposit_contract, depositor, first)
    root_after_one = deposit_contract.get_deposit_root()
    assert root_after_one == _deposit_tree_root([first.root])
    assert root_after_one != EMPTY_DEPOSIT_ROOT

    _deposit(deposit_contract, depositor, second)
    (event,) = deposit_contract.get_logs()
    assert event.pubkey == second.pubkey
    assert event.index == bytes.fromhex("0100000000000000")
    assert deposit_contract.get_deposit_root() == _deposit_tree_root([first.root, second.root])
    assert deposit_contract.get_deposit_root() != root_after_one
    assert deposit_contract.depositCount() == 2
    assert deposit_contract.get_deposit_count() == bytes.fromhex("0200000000000000")
    assert boa.env.get_balance(deposit_contract.address) == 32 * ETH


def test_root_over_several_deposits(deposit_contract, depositor, credentials):
    # Seven leaves fill branch levels 0, 1 and 2 and leave gaps at each.
    leaves = []
    for seed in range(7):
        data = make_deposit_data(seed, credentials, (seed + 1) * ETH)
        _deposit(deposit_contract, depositor, data)
        leaves.append(data.root)
        (event,) = deposit_contract.get_logs()
        assert event.index == seed.to_bytes(8, "little")
        assert deposit_contract.get_deposit_root() == _deposit_tree_root(leaves)
    assert deposit_contract.depositCount() == 7
    assert deposit_contract.get_deposit_count() == bytes.fromhex("0700000000000000")
    assert boa.env.get_balance(deposit_contract.address) == 28 * ETH


def test_the_deposit_tree_kept_leaf_by_leaf_has_the_independent_root():
    tree = DepositTree()
    leaves = []
    for n in range(40):  # past 32: every branch level up to 5 filled and emptied
        assert (tree.count, tree.root()) == (n, _deposit_tree_root(leaves))
        leaf = _sha256(n.to_bytes(32, "big"))
        tree.add(leaf)
        leaves.append(leaf)


def test_the_beacon_chain_rebuilds_the_contracts_root_from_its_logs(credentials):
    # A fresh contract: the module's fixture holds the other tests' deposits.
    contract = boa.load_partial(str(REPO_ROOT / "contracts" / "DepositContract.vy")).deploy()
    sender = boa.env.generate_address("tree-depositor")
    boa.env.set_balance(sender, 100 * ETH)
    beacon = BeaconChain(BeaconConfig(), credit=lambda address, wei: None)
    assert beacon.deposit_tree.root() == contract.get_deposit_root() == EMPTY_DEPOSIT_ROOT
    for seed in range(5):
        _deposit(contract, sender, make_deposit_data(f"tree-{seed}", credentials, (seed + 1) * ETH))
        beacon.ingest_logs(contract.get_logs())
        assert beacon.deposit_tree.root() == contract.get_deposit_root()
    assert beacon.deposit_tree.count == beacon.deposits_seen == 5


def test_largest_uint64_gwei_amount_is_accepted(deposit_contract, credentials):
    large_depositor = boa.env.generate_address("large_depositor")
    amount_wei = MAX_UINT64 * GWEI
    boa.env.set_balance(large_depositor, amount_wei)
    data = make_deposit_data(1, credentials, amount_wei)

    _deposit(deposit_contract, large_depositor, data)

    (event,) = deposit_contract.get_logs()
    assert event.amount == b"\xff" * 8
    assert boa.env.get_balance(deposit_contract.address) == amount_wei


# --- rejected deposits -----------------------------------------------------------------


def _with_amount(data: DepositData, amount_wei: int) -> dict:
    """Overrides sending ``amount_wei`` with a root that is correct for it."""
    root = deposit_data_root(data.pubkey, data.withdrawal_credentials, amount_wei, data.signature)
    return {"value": amount_wei, "deposit_data_root": root}


REVERT_CASES = [
    pytest.param(
        lambda d: {"pubkey": d.pubkey[:47]},
        "deposit contract: invalid pubkey length",
        id="pubkey-47-bytes",
    ),
    pytest.param(
        lambda d: {"pubkey": b""},
        "deposit contract: invalid pubkey length",
        id="pubkey-empty",
    ),
    pytest.param(
        lambda d: {"withdrawal_credentials": d.withdrawal_credentials[:31]},
        "deposit contract: invalid withdrawal credentials length",
        id="credentials-31-bytes",
    ),
    pytest.param(
        lambda d: {"signature": d.signature[:95]},
        "deposit contract: invalid signature length",
        id="signature-95-bytes",
    ),
    pytest.param(
        lambda d: _with_amount(d, ETH // 2),
        "deposit contract: deposit value too low",
        id="half-eth",
    ),
    pytest.param(
        lambda d: _with_amount(d, ETH - GWEI),
        "deposit contract: deposit value too low",
        id="one-gwei-below-one-eth",
    ),
    pytest.param(
        lambda d: {"value": ETH + 1},
        "deposit contract: deposit value not multiple of gwei",
        id="one-eth-plus-one-wei",
    ),
    pytest.param(
        lambda d: {"value": 2**64 * GWEI},
        "deposit contract: deposit value too high",
        id="two-to-the-64-gwei",
    ),
    pytest.param(
        lambda d: {"deposit_data_root": b"\x11" * 32},
        "deposit contract: reconstructed root does not match",
        id="wrong-root",
    ),
    pytest.param(
        lambda d: {"value": 32 * ETH},
        "deposit contract: reconstructed root does not match",
        id="root-for-other-amount",
    ),
    pytest.param(
        lambda d: {"pubkey": make_validator_keys("someone else")[0]},
        "deposit contract: reconstructed root does not match",
        id="root-for-other-pubkey",
    ),
    pytest.param(
        lambda d: {"withdrawal_credentials": minipool_withdrawal_credentials("0x" + "ab" * 20)},
        "deposit contract: reconstructed root does not match",
        id="root-for-other-credentials",
    ),
]


@pytest.mark.parametrize(("override", "reason"), REVERT_CASES)
def test_invalid_deposit_reverts_and_changes_nothing(
    deposit_contract,
    depositor,
    credentials,
    override: Callable[[DepositData], dict],
    reason: str,
):
    boa.env.set_balance(depositor, 2**65 * GWEI)  # enough for the too-high case
    _deposit(deposit_contract, depositor, make_deposit_data(0, credentials, 1 * ETH))
    data = make_deposit_data(1, credentials, 1 * ETH)
    call = {
        "pubkey": data.pubkey,
        "withdrawal_credentials": data.withdrawal_credentials,
        "signature": data.signature,
        "deposit_data_root": data.root,
        "value": data.amount_wei,
    } | override(data)
    root_before = deposit_contract.get_deposit_root()
    sender_before = boa.env.get_balance(depositor)

    with boa.reverts(reason):
        deposit_contract.deposit(
            call["pubkey"],
            call["withdrawal_credentials"],
            call["signature"],
            call["deposit_data_root"],
            value=call["value"],
            sender=depositor,
        )

    assert deposit_contract.depositCount() == 1
    assert deposit_contract.get_deposit_count() == bytes.fromhex("0100000000000000")
    assert deposit_contract.get_deposit_root() == root_before
    assert boa.env.get_balance(deposit_contract.address) == 1 * ETH
    assert boa.env.get_balance(depositor) == sender_before


@pytest.mark.parametrize(
    ("field", "length", "check"),
    [
        ("pubkey", 49, "Bytes[48] bounds check"),
        ("withdrawal_credentials", 33, "Bytes[32] bounds check"),
        ("signature", 97, "Bytes[96] bounds check"),
    ],
)
def test_overlong_input_is_refused_by_the_abi_decoder(
    deposit_contract, depositor, credentials, field, length, check
):
    # Unlike mainnet's unbounded `bytes`, a Bytes[N] argument longer than N
    # never reaches the length assert: the decoder reverts without a reason.
    data = make_deposit_data(1, credentials, 1 * ETH)
    args = {
        "pubkey": data.pubkey,
        "withdrawal_credentials": data.withdrawal_credentials,
        "signature": data.signature,
    }
    args[field] = args[field] + bytes(length - len(args[field]))

    with boa.reverts(compiler=check):
        deposit_contract.deposit(
            args["pubkey"],
            args["withdrawal_credentials"],
            args["signature"],
            data.root,
            value=data.amount_wei,
            sender=depositor,
        )
    assert deposit_contract.depositCount() == 0
    assert boa.env.get_balance(deposit_contract.address) == 0


# --- harness.chain.deposit_data --------------------------------------------------------------


def test_minipool_withdrawal_credentials_layout():
    creds = minipool_withdrawal_credentials(MINIPOOL)
    assert creds == bytes.fromhex(
        "010000000000000000000000" + "00000000000000000000000000000000deadbeef"
    )
    assert len(creds) == 32


def test_minipool_withdrawal_credentials_accepts_boa_addresses():
    address = boa.env.generate_address("minipool")
    creds = minipool_withdrawal_credentials(address)
    assert creds[:12] == b"\x01" + bytes(11)
    assert creds[12:] == bytes.fromhex(str(address)[2:])


def test_minipool_withdrawal_credentials_rejects_short_address():
    with pytest.raises(ValueError, match="20-byte address"):
        minipool_withdrawal_credentials("0x1234")


def test_validator_keys_are_deterministic_and_distinct():
    pubkey, signature = make_validator_keys(7)
    assert (len(pubkey), len(signature)) == (48, 96)
    assert make_validator_keys(7) == (pubkey, signature)
    seeds = [0, 1, 2, 7, "0", "1", "7", "validator-a"]
    pubkeys = {make_validator_keys(seed)[0] for seed in seeds}
    signatures = {make_validator_keys(seed)[1] for seed in seeds}
    assert len(pubkeys) == len(seeds)
    assert len(signatures) == len(seeds)
    assert pubkey not in signatures  # no accidental overlap between the two streams


@pytest.mark.parametrize("amount_wei", [1 * ETH, 31 * ETH, 32 * ETH, MAX_UINT64 * GWEI])
@pytest.mark.parametrize("seed", [0, "validator-a"])
def test_deposit_data_root_matches_generic_ssz(seed, amount_wei, credentials):
    pubkey, signature = make_validator_keys(seed)
    expected = _ssz_deposit_data_root(pubkey, credentials, amount_wei // GWEI, signature)
    assert deposit_data_root(pubkey, credentials, amount_wei, signature) == expected
    data = make_deposit_data(seed, credentials, amount_wei)
    assert data == DepositData(pubkey, credentials, amount_wei, signature, expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pubkey": bytes(47)}, "pubkey must be 48 bytes"),
        ({"withdrawal_credentials": bytes(33)}, "withdrawal_credentials must be 32 bytes"),
        ({"signature": bytes(95)}, "signature must be 96 bytes"),
        ({"amount_wei": ETH + 1}, "whole, non-negative number of gwei"),
        ({"amount_wei": 2**64 * GWEI}, "does not fit in a uint64"),
    ],
)
def test_deposit_data_root_rejects_malformed_input(kwargs, message):
    args = {
        "pubkey": bytes(48),
        "withdrawal_credentials": bytes(32),
        "amount_wei": ETH,
        "signature": bytes(96),
    } | kwargs
    with pytest.raises(ValueError, match=message):
        deposit_data_root(**args)
