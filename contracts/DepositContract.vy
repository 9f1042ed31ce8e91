# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Beacon chain deposit contract
@notice Accepts validator deposits of at least 1 ETH, checks the caller's
        SSZ `DepositData` hash tree root against one rebuilt on-chain, and
        appends it to an incremental Merkle tree of depth 32 whose root the
        beacon chain follows. Behaves as the mainnet deposit contract does,
        with the same checks, event and views; BLS signatures are not
        verified here (nor are they on mainnet: the beacon chain does that).
"""

from interfaces import IDepositContract

implements: IDepositContract


# @dev Constants
DEPOSIT_CONTRACT_TREE_DEPTH: constant(uint256) = 32
# @dev One leaf fewer than the tree holds, as in the spec, so that the
#      count mixed into the root never needs a 33rd level.
MAX_DEPOSIT_COUNT: constant(uint256) = 2**DEPOSIT_CONTRACT_TREE_DEPTH - 1
PUBKEY_LENGTH: constant(uint256) = 48
WITHDRAWAL_CREDENTIALS_LENGTH: constant(uint256) = 32
SIGNATURE_LENGTH: constant(uint256) = 96
WEI_PER_GWEI: constant(uint256) = 10**9
MIN_DEPOSIT_AMOUNT: constant(uint256) = 10**18


# @dev Storage
# @dev `_branch[h]` is the root of the last complete subtree of height `h`
#      on the left edge of the next free leaf; `_zero_hashes[h]` the root of
#      an all-zero subtree of height `h`.
_branch: bytes32[DEPOSIT_CONTRACT_TREE_DEPTH]
_deposit_count: uint256
_zero_hashes: bytes32[DEPOSIT_CONTRACT_TREE_DEPTH]


@deploy
def __init__():
    for height: uint256 in range(DEPOSIT_CONTRACT_TREE_DEPTH - 1):
        self._zero_hashes[height + 1] = sha256(
            concat(self._zero_hashes[height], self._zero_hashes[height])
        )


# @dev External functions
@external
@payable
def deposit(
    pubkey: Bytes[48],
    withdrawal_credentials: Bytes[32],
    signature: Bytes[96],
    deposit_data_root: bytes32,
):
    """
    @notice Deposits `msg.value` for the validator `pubkey`.
    @dev Inputs longer than their maximum are refused by the ABI decoder,
         without a reason; shorter ones reach the length checks below.
    @param pubkey The validator's 48-byte BLS public key.
    @param withdrawal_credentials The 32-byte withdrawal credentials.
    @param signature The 96-byte BLS signature over the deposit message.
    @param deposit_data_root The SSZ hash tree root of the `DepositData`,
           which must match the one rebuilt from the other arguments and
           `msg.value`.
    """
    assert (
        len(pubkey) == PUBKEY_LENGTH
    ), "deposit contract: invalid pubkey length"
    assert (
        len(withdrawal_credentials) == WITHDRAWAL_CREDENTIALS_LENGTH
    ), "deposit contract: invalid withdrawal credentials length"
    assert (
        len(signature) == SIGNATURE_LENGTH
    ), "deposit contract: invalid signature length"
    assert (
        msg.value >= MIN_DEPOSIT_AMOUNT
    ), "deposit contract: deposit value too low"
    assert (
        msg.value % WEI_PER_GWEI == 0
    ), "deposit contract: deposit value not multiple of gwei"
    amount_gwei: uint256 = msg.value // WEI_PER_GWEI
    assert (
        amount_gwei <= convert(max_value(uint64), uint256)
    ), "deposit contract: deposit value too high"
    assert (
        self._deposit_count < MAX_DEPOSIT_COUNT
    ), "deposit contract: merkle tree full"

    amount: Bytes[8] = self._to_little_endian_64(amount_gwei)
    node: bytes32 = self._deposit_data_root(
        pubkey, withdrawal_credentials, amount, signature
    )
    assert (
        node == deposit_data_root
    ), "deposit contract: reconstructed root does not match"

    index: Bytes[8] = self._to_little_endian_64(self._deposit_count)
    self._insert_leaf(node)

    log IDepositContract.DepositEvent(
        pubkey=pubkey,
        withdrawal_credentials=withdrawal_credentials,
        amount=amount,
        signature=signature,
        index=index,
    )


@external
@view
def get_deposit_root() -> bytes32:
    """
    @notice The root the beacon chain follows: the Merkle root of every
            deposit so far, mixed with their count.
    @return sha256(tree root ++ count as 8-byte little-endian ++ 24 zero
            bytes).
    """
    node: bytes32 = empty(bytes32)
    size: uint256 = self._deposit_count
    for height: uint256 in range(DEPOSIT_CONTRACT_TREE_DEPTH):
        if size & 1 == 1:
            node = sha256(concat(self._branch[height], node))
        else:
            node = sha256(concat(node, self._zero_hashes[height]))
        size = size >> 1
    return sha256(
        concat(
            node,
            self._to_little_endian_64(self._deposit_count),
            empty(bytes24),
        )
    )


@external
@view
def get_deposit_count() -> Bytes[8]:
    """
    @notice The number of deposits so far, as the consensus layer reads it.
    @return The count as 8-byte little-endian.
    """
    return self._to_little_endian_64(self._deposit_count)


@external
@view
def depositCount() -> uint256:
    """
    @notice The number of deposits so far, as a plain number.
    @return The count.
    """
    return self._deposit_count


# @dev Internal functions
@internal
@pure
def _to_little_endian_64(x: uint256) -> Bytes[8]:
    """
    @dev The low 8 bytes of `x`, least significant first. Callers pass
         values below 2**64 (gwei amounts checked above, counts below
         2**32), so nothing is cut off.
    """
    reversed_: uint256 = 0
    rest: uint256 = x
    for i: uint256 in range(8):
        reversed_ = (reversed_ << 8) | (rest & 255)
        rest = rest >> 8
    # @dev `convert` pads on the left, so the 8 bytes sit at the end.
    return slice(convert(reversed_, bytes32), 24, 8)


@internal
@pure
def _deposit_data_root(
    pubkey: Bytes[48],
    withdrawal_credentials: Bytes[32],
    amount: Bytes[8],
    signature: Bytes[96],
) -> bytes32:
    """
    @dev SSZ `hash_tree_root(DepositData)`: four 32-byte leaves (pubkey,
         withdrawal credentials, amount, signature), each field merkleised
         to 32 bytes first.
    """
    pubkey_root: bytes32 = sha256(concat(pubkey, empty(bytes16)))
    signature_root: bytes32 = sha256(
        concat(
            sha256(slice(signature, 0, 64)),
            sha256(concat(slice(signature, 64, 32), empty(bytes32))),
        )
    )
    return sha256(
        concat(
            sha256(concat(pubkey_root, withdrawal_credentials)),
            sha256(concat(amount, empty(bytes24), signature_root)),
        )
    )


@internal
def _insert_leaf(node: bytes32):
    """
    @dev Appends `node` as the next leaf: hashes it up with the stored
         left siblings until it completes no further subtree, and stores
         it there. The caller has checked the tree is not full, so a slot
         is always found before the loop ends.
    """
    self._deposit_count += 1
    size: uint256 = self._deposit_count
    current: bytes32 = node
    for height: uint256 in range(DEPOSIT_CONTRACT_TREE_DEPTH):
        if size & 1 == 1:
            self._branch[height] = current
            return
        current = sha256(concat(self._branch[height], current))
        size = size >> 1
    raise "deposit contract: merkle tree full"
