"""Beacon-chain deposit data: the arguments a minipool passes to the deposit contract.

Everything here is computed in plain Python with :mod:`hashlib`, independently of
``contracts/DepositContract.vy``, so tests can check the contract against it.
Validator keys are fakes derived by hashing a seed: the deposit contract never
verifies BLS signatures, so any 48 and 96 bytes will do, as long as distinct
seeds give distinct validators.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PUBKEY_LENGTH = 48
WITHDRAWAL_CREDENTIALS_LENGTH = 32
SIGNATURE_LENGTH = 96
WEI_PER_GWEI = 10**9
# Type 0x01 credentials: withdrawals go to an execution-layer address.
ETH1_ADDRESS_WITHDRAWAL_PREFIX = b"\x01"


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _check_length(name: str, value: bytes, length: int) -> None:
    if len(value) != length:
        raise ValueError(f"{name} must be {length} bytes, got {len(value)}")


def to_little_endian_64(value: int) -> bytes:
    """Encode ``value`` as 8 bytes, least significant first (SSZ ``uint64``)."""
    return value.to_bytes(8, "little")


def amount_to_gwei(amount_wei: int) -> int:
    """The deposit amount in gwei, as the beacon chain counts it.

    Raises ``ValueError`` for an amount that is not a whole number of gwei or
    does not fit in a ``uint64``, since such a deposit has no ``DepositData``.
    """
    if amount_wei < 0 or amount_wei % WEI_PER_GWEI:
        raise ValueError(f"{amount_wei} wei is not a whole, non-negative number of gwei")
    amount_gwei = amount_wei // WEI_PER_GWEI
    if amount_gwei >= 2**64:
        raise ValueError(f"{amount_gwei} gwei does not fit in a uint64")
    return amount_gwei


def deposit_data_root(
    pubkey: bytes, withdrawal_credentials: bytes, amount_wei: int, signature: bytes
) -> bytes:
    """The SSZ ``hash_tree_root`` of a ``DepositData``, as the consensus spec defines it.

    ``DepositData`` is a container of four fields, each merkleised to one 32-byte
    chunk: the 48-byte pubkey (two chunks, the second zero-padded), the 32-byte
    withdrawal credentials, the amount in gwei (``uint64`` little-endian, padded)
    and the 96-byte signature (three chunks padded to four). This is the value
    the deposit contract's ``deposit_data_root`` argument must equal.
    """
    _check_length("pubkey", pubkey, PUBKEY_LENGTH)
    _check_length("withdrawal_credentials", withdrawal_credentials, WITHDRAWAL_CREDENTIALS_LENGTH)
    _check_length("signature", signature, SIGNATURE_LENGTH)
    amount = to_little_endian_64(amount_to_gwei(amount_wei))

    pubkey_root = _sha256(pubkey + bytes(16))
    signature_root = _sha256(_sha256(signature[:64]) + _sha256(signature[64:] + bytes(32)))
    return _sha256(
        _sha256(pubkey_root + withdrawal_credentials) + _sha256(amount + bytes(24) + signature_root)
    )


def minipool_withdrawal_credentials(minipool_address: str) -> bytes:
    """The 0x01 withdrawal credentials pointing at ``minipool_address``.

    ``0x01 ++ 11 zero bytes ++ the 20-byte address``: the beacon chain sends the
    validator's withdrawals to that address, as Rocket Pool requires.
    """
    address = bytes.fromhex(str(minipool_address).removeprefix("0x"))
    if len(address) != 20:
        raise ValueError(f"{minipool_address!r} is not a 20-byte address")
    return ETH1_ADDRESS_WITHDRAWAL_PREFIX + bytes(11) + address


def make_validator_keys(seed: int | str) -> tuple[bytes, bytes]:
    """A deterministic fake ``(pubkey, signature)`` pair for ``seed``.

    48 and 96 bytes, derived by hashing the seed under distinct domain tags, so
    the same seed always gives the same validator and different seeds (``1`` and
    ``"1"`` included) give different ones. Not valid BLS: nothing here checks it.
    """
    tag = f"{type(seed).__name__}:{seed}".encode()

    def stream(domain: bytes, length: int) -> bytes:
        out = b""
        counter = 0
        while len(out) < length:
            out += _sha256(b"rpfuzz/" + domain + b"/" + tag + counter.to_bytes(4, "big"))
            counter += 1
        return out[:length]

    return stream(b"pubkey", PUBKEY_LENGTH), stream(b"signature", SIGNATURE_LENGTH)


@dataclass(frozen=True)
class DepositData:
    """One validator deposit: the deposit contract's arguments, plus its value.

    ``root`` is :func:`deposit_data_root` of the other fields; pass
    ``amount_wei`` as the call's ``value``.
    """

    pubkey: bytes
    withdrawal_credentials: bytes
    amount_wei: int
    signature: bytes
    root: bytes


def make_deposit_data(
    seed: int | str, withdrawal_credentials: bytes, amount_wei: int
) -> DepositData:
    """Deposit data for the fake validator ``seed`` with the given credentials and amount."""
    pubkey, signature = make_validator_keys(seed)
    root = deposit_data_root(pubkey, withdrawal_credentials, amount_wei, signature)
    return DepositData(pubkey, withdrawal_credentials, amount_wei, signature, root)


DEPOSIT_TREE_DEPTH = 32
# The root of an empty subtree at each height: zero leaves, hashed upwards.
_ZERO_HASHES = [bytes(32)]
for _ in range(DEPOSIT_TREE_DEPTH - 1):
    _ZERO_HASHES.append(_sha256(_ZERO_HASHES[-1] * 2))


class DepositTree:
    """The beacon chain's view of the deposit contract's Merkle tree, kept leaf by leaf.

    What ``get_deposit_root()`` must return after the deposits seen so far:
    the root of a depth-32 tree of ``deposit_data_root`` leaves, zero-padded,
    mixed with the leaf count (little-endian). Keeps only the rightmost
    branch, so adding a leaf and reading the root cost 32 hashes each.
    """

    def __init__(self) -> None:
        self.count = 0
        self._branch = [bytes(32)] * DEPOSIT_TREE_DEPTH

    def add(self, leaf: bytes) -> None:
        """Append one leaf (a deposit's ``deposit_data_root``)."""
        self.count += 1
        size, node = self.count, bytes(leaf)
        for height in range(DEPOSIT_TREE_DEPTH):
            if size % 2:
                self._branch[height] = node
                return
            node = _sha256(self._branch[height] + node)
            size //= 2

    def root(self) -> bytes:
        """The root the deposit contract reports now."""
        node, size = bytes(32), self.count
        for height in range(DEPOSIT_TREE_DEPTH):
            if size % 2:
                node = _sha256(self._branch[height] + node)
            else:
                node = _sha256(node + _ZERO_HASHES[height])
            size //= 2
        return _sha256(node + self.count.to_bytes(32, "little"))
