# pragma version ~=0.4.3
"""
@title Rocket Pool minipool manager
@notice Creates minipools (one contract per validator, copied from the
        "rocketMinipoolBase" blueprint at a CREATE2 address fixed by the node
        and its salt) and keeps the network's records of them: which exist,
        which were destroyed, each node's minipools and counts, and each
        node's ETH matched (depositor ETH its minipools hold) and ETH
        provided (its own bonds), which the RPL side reads.
        It also keeps, per node and bond size, the staking minipools and
        the sum of their node fees, from which the node manager computes
        the node's average fee; before any of a node's fee inputs changes
        (a minipool starts or stops staking, a bond is reduced), the node's
        fee distributor is distributed, so what arrived so far is split at
        the figures it arrived under (v1.3.1's `_tryDistribute`).
@dev Moves no ETH itself, so it carries no reentrancy lock, and it never
     calls back into a minipool while that minipool is calling it: every
     number it needs is kept here.
"""

from interfaces import IRocketMinipoolManager
from interfaces import IRocketMinipoolManagerNetwork
from interfaces import IRocketMinipoolNetwork
from interfaces import IRocketNodeDistributor
from interfaces import IRocketNodeDistributorFactory

implements: IRocketMinipoolManager
implements: IRocketMinipoolManagerNetwork

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
LAUNCH_BALANCE: constant(uint256) = 32 * 10**18
PUBKEY_LENGTH: constant(uint256) = 48


# @dev Storage
_exists: HashMap[address, bool]
_destroyed: HashMap[address, bool]
_node_of: HashMap[address, address]
_pubkey_of: HashMap[address, Bytes[48]]
# Keyed by keccak256(pubkey). A key stays taken after its minipool is
# destroyed: the beacon chain keeps the first deposit's credentials.
_minipool_by_pubkey: HashMap[bytes32, address]

# Every live minipool, and every node's, as swap-and-pop sets; the stored
# index is position + 1 so that 0 means absent.
_minipools: HashMap[uint256, address]
_minipool_count: uint256
_minipool_position: HashMap[address, uint256]
_node_minipools: HashMap[address, HashMap[uint256, address]]
_node_minipool_count: HashMap[address, uint256]
_node_minipool_position: HashMap[address, uint256]

_staking: HashMap[address, bool]
_finalised: HashMap[address, bool]
_node_staking_count: HashMap[address, uint256]
_node_active_count: HashMap[address, uint256]
_node_finalised_count: HashMap[address, uint256]
_staking_count: uint256
_active_count: uint256
_finalised_count: uint256

# What each minipool adds to its node's totals, so that finalising or
# destroying it takes off exactly what it added.
_minipool_eth_matched: HashMap[address, uint256]
_minipool_eth_provided: HashMap[address, uint256]
_node_eth_matched: HashMap[address, uint256]
_node_eth_provided: HashMap[address, uint256]

# The node fee each minipool was created with, and per node and bond size
# (8 or 16 ETH) its staking minipools and the sum of their fees.
_minipool_fee: HashMap[address, uint256]
_node_staking_count_by_size: HashMap[address, HashMap[uint256, uint256]]
_node_fee_numerator: HashMap[address, HashMap[uint256, uint256]]


# @dev Events
event MinipoolCreated:
    minipool: indexed(address)
    node: indexed(address)
    time: uint256


event MinipoolDestroyed:
    minipool: indexed(address)
    node: indexed(address)
    time: uint256


event MinipoolBondUpdated:
    minipool: indexed(address)
    previousBondAmount: uint256
    newBondAmount: uint256
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


# @dev Network-contract entry points
@external
def createMinipool(
    node_address: address,
    salt: uint256,
    bond_amount: uint256,
    node_fee: uint256,
    validator_pubkey: Bytes[48],
) -> address:
    """
    @notice Deploys and initialises a minipool for `node_address` at the
            CREATE2 address given by the blueprint and
            `keccak256(abi_encode(node_address, salt))`, and records it:
            the node's ETH matched grows by 32 ETH less the bond, its ETH
            provided by the bond. Node deposit only.
    @param node_address The owning node.
    @param salt The node's salt.
    @param bond_amount 8 or 16 ETH, in wei.
    @param node_fee The node's commission (fraction of 1e18).
    @param validator_pubkey The validator's 48-byte key, never used before.
    @return The new minipool's address.
    """
    assert rocket_base._is_contract(
        "rocketNodeDeposit", msg.sender
    ), "minipool manager: caller is not node deposit"
    assert (
        len(validator_pubkey) == PUBKEY_LENGTH
    ), "minipool manager: invalid validator pubkey"
    pubkey_key: bytes32 = keccak256(validator_pubkey)
    assert (
        self._minipool_by_pubkey[pubkey_key] == empty(address)
    ), "minipool manager: validator pubkey already in use"
    # @dev CREATE2 fails only where code already is: a minipool that
    #      exists or existed. Say so rather than fail without a reason.
    minipool: address = create_from_blueprint(
        rocket_base._contract("rocketMinipoolBase"),
        salt=keccak256(abi_encode(node_address, salt)),
        revert_on_failure=False,
    )
    assert minipool != empty(
        address
    ), "minipool manager: minipool address already used"
    extcall IRocketMinipoolNetwork(minipool).initialise(
        node_address, node_fee, bond_amount, validator_pubkey
    )

    self._exists[minipool] = True
    self._node_of[minipool] = node_address
    self._pubkey_of[minipool] = validator_pubkey
    self._minipool_by_pubkey[pubkey_key] = minipool
    self._minipools[self._minipool_count] = minipool
    self._minipool_count += 1
    self._minipool_position[minipool] = self._minipool_count
    count: uint256 = self._node_minipool_count[node_address]
    self._node_minipools[node_address][count] = minipool
    self._node_minipool_count[node_address] = count + 1
    self._node_minipool_position[minipool] = count + 1
    self._node_active_count[node_address] += 1
    self._active_count += 1

    matched: uint256 = LAUNCH_BALANCE - bond_amount
    self._minipool_eth_matched[minipool] = matched
    self._minipool_eth_provided[minipool] = bond_amount
    self._node_eth_matched[node_address] += matched
    self._node_eth_provided[node_address] += bond_amount
    self._minipool_fee[minipool] = node_fee
    log MinipoolCreated(
        minipool=minipool, node=node_address, time=block.timestamp
    )
    return minipool


@external
def incrementNodeStakingMinipoolCount():
    """
    @notice Counts the calling minipool as staking. Registered minipools
            only, once each.
    """
    self._only_minipool()
    assert not self._staking[
        msg.sender
    ], "minipool manager: minipool already staking"
    node: address = self._node_of[msg.sender]
    self._try_distribute(node)
    self._staking[msg.sender] = True
    self._node_staking_count[node] += 1
    self._staking_count += 1
    self._add_fee(msg.sender, node, self._minipool_eth_provided[msg.sender])


@external
def incrementNodeFinalisedMinipoolCount():
    """
    @notice Records the calling minipool as finalised: no longer staking
            nor active, and its ETH matched and provided leave its node's
            totals. Registered minipools only, once each.
    """
    self._only_minipool()
    assert not self._finalised[
        msg.sender
    ], "minipool manager: minipool already finalised"
    node: address = self._node_of[msg.sender]
    if self._staking[msg.sender]:
        self._try_distribute(node)
        self._remove_fee(
            msg.sender, node, self._minipool_eth_provided[msg.sender]
        )
        self._staking[msg.sender] = False
        self._node_staking_count[node] -= 1
        self._staking_count -= 1
    self._finalised[msg.sender] = True
    self._node_finalised_count[node] += 1
    self._finalised_count += 1
    self._release(msg.sender, node)


@external
def destroyMinipool():
    """
    @notice Removes the calling (closed) minipool from the records and marks
            its address destroyed, so it can never be used again.
            Registered minipools only.
    """
    self._only_minipool()
    minipool: address = msg.sender
    node: address = self._node_of[minipool]
    self._exists[minipool] = False
    self._destroyed[minipool] = True
    if not self._finalised[minipool]:
        self._release(minipool, node)
    self._remove_from_sets(minipool, node)
    log MinipoolDestroyed(minipool=minipool, node=node, time=block.timestamp)


@external
def updateMinipoolBond(minipool: address, new_bond_amount: uint256):
    """
    @notice Moves a bond reduction into the node's totals: ETH matched grows
            and ETH provided shrinks by the reduction. Bond reducer only.
    @param minipool A registered, unfinalised minipool.
    @param new_bond_amount The new, lower bond, in wei.
    """
    assert rocket_base._is_contract(
        "rocketMinipoolBondReducer", msg.sender
    ), "minipool manager: caller is not the bond reducer"
    assert self._exists[minipool], "minipool manager: minipool does not exist"
    assert not self._finalised[
        minipool
    ], "minipool manager: minipool already finalised"
    previous: uint256 = self._minipool_eth_provided[minipool]
    assert (
        new_bond_amount < previous
    ), "minipool manager: bond must be lower than the current bond"
    delta: uint256 = previous - new_bond_amount
    node: address = self._node_of[minipool]
    if self._staking[minipool]:
        self._try_distribute(node)
        self._remove_fee(minipool, node, previous)
        self._add_fee(minipool, node, new_bond_amount)
    self._minipool_eth_provided[minipool] = new_bond_amount
    self._minipool_eth_matched[minipool] += delta
    self._node_eth_provided[node] -= delta
    self._node_eth_matched[node] += delta
    log MinipoolBondUpdated(
        minipool=minipool,
        previousBondAmount=previous,
        newBondAmount=new_bond_amount,
        time=block.timestamp,
    )


# @dev Views
@external
@view
def getMinipoolExists(minipool: address) -> bool:
    """
    @notice Whether `minipool` is a registered, not destroyed, minipool.
    @param minipool An address.
    @return True for a live minipool.
    """
    return self._exists[minipool]


@external
@view
def getMinipoolDestroyed(minipool: address) -> bool:
    """
    @notice Whether `minipool` was closed and destroyed.
    @param minipool An address.
    @return True once destroyed.
    """
    return self._destroyed[minipool]


@external
@view
def getMinipoolNode(minipool: address) -> address:
    """
    @notice The node that owns (or owned) `minipool`.
    @param minipool A minipool.
    @return The node, zero if never a minipool.
    """
    return self._node_of[minipool]


@external
@view
def getMinipoolPubkey(minipool: address) -> Bytes[48]:
    """
    @notice The validator key of `minipool`.
    @param minipool A minipool.
    @return 48 bytes, empty if never a minipool.
    """
    return self._pubkey_of[minipool]


@external
@view
def getMinipoolByPubkey(pubkey: Bytes[48]) -> address:
    """
    @notice The minipool that used validator key `pubkey`.
    @param pubkey A 48-byte validator key.
    @return The minipool, zero if none.
    """
    return self._minipool_by_pubkey[keccak256(pubkey)]


@external
@view
def getMinipoolWithdrawalCredentials(minipool: address) -> Bytes[32]:
    """
    @notice 0x01 ++ 11 zero bytes ++ `minipool`: where its validator pays.
    @param minipool An address.
    @return 32 bytes.
    """
    return concat(b"\x01", empty(bytes11), convert(minipool, bytes20))


@external
@view
def getMinipoolCount() -> uint256:
    """
    @notice The number of live (not destroyed) minipools.
    @return The count.
    """
    return self._minipool_count


@external
@view
def getMinipoolAt(index: uint256) -> address:
    """
    @notice The live minipool at `index` (order changes on destruction).
    @param index Below `getMinipoolCount()`.
    @return The minipool.
    """
    assert index < self._minipool_count, "minipool manager: index out of range"
    return self._minipools[index]


@external
@view
def getStakingMinipoolCount() -> uint256:
    """
    @notice The number of staking, unfinalised minipools.
    @return The count.
    """
    return self._staking_count


@external
@view
def getActiveMinipoolCount() -> uint256:
    """
    @notice The number of minipools neither finalised nor destroyed.
    @return The count.
    """
    return self._active_count


@external
@view
def getFinalisedMinipoolCount() -> uint256:
    """
    @notice The number of finalised minipools.
    @return The count.
    """
    return self._finalised_count


@external
@view
def getNodeMinipoolCount(node_address: address) -> uint256:
    """
    @notice The number of live minipools of `node_address`.
    @param node_address The node.
    @return The count.
    """
    return self._node_minipool_count[node_address]


@external
@view
def getNodeMinipoolAt(node_address: address, index: uint256) -> address:
    """
    @notice The node's live minipool at `index`.
    @param node_address The node.
    @param index Below `getNodeMinipoolCount(node_address)`.
    @return The minipool.
    """
    assert (
        index < self._node_minipool_count[node_address]
    ), "minipool manager: index out of range"
    return self._node_minipools[node_address][index]


@external
@view
def getNodeStakingMinipoolCount(node_address: address) -> uint256:
    """
    @notice The node's staking, unfinalised minipools.
    @param node_address The node.
    @return The count.
    """
    return self._node_staking_count[node_address]


@external
@view
def getNodeActiveMinipoolCount(node_address: address) -> uint256:
    """
    @notice The node's minipools neither finalised nor destroyed.
    @param node_address The node.
    @return The count.
    """
    return self._node_active_count[node_address]


@external
@view
def getNodeFinalisedMinipoolCount(node_address: address) -> uint256:
    """
    @notice The node's finalised minipools.
    @param node_address The node.
    @return The count.
    """
    return self._node_finalised_count[node_address]


@external
@view
def getNodeETHMatched(node_address: address) -> uint256:
    """
    @notice Depositor ETH matched to the node's active minipools: 32 ETH
            less the bond each, from creation until finalised or destroyed,
            plus what bond reductions moved to the users.
    @param node_address The node.
    @return Wei.
    """
    return self._node_eth_matched[node_address]


@external
@view
def getNodeETHProvided(node_address: address) -> uint256:
    """
    @notice The node's own bonds in its active minipools.
    @param node_address The node.
    @return Wei.
    """
    return self._node_eth_provided[node_address]


@external
@view
def getNodeStakingMinipoolCountBySize(
    node_address: address, deposit_size: uint256
) -> uint256:
    """
    @notice The node's staking, unfinalised minipools with a `deposit_size`
            bond.
    @param node_address The node.
    @param deposit_size A bond: 8 or 16 ETH, in wei (others count none).
    @return The count.
    """
    return self._node_staking_count_by_size[node_address][deposit_size]


@external
@view
def getNodeAverageFeeNumerator(
    node_address: address, deposit_size: uint256
) -> uint256:
    """
    @notice The sum of the node fees of the node's staking, unfinalised
            minipools with a `deposit_size` bond (v1.3.1's
            "node.average.fee.numerator").
    @param node_address The node.
    @param deposit_size A bond: 8 or 16 ETH, in wei.
    @return A sum of fractions of 1e18.
    """
    return self._node_fee_numerator[node_address][deposit_size]


# @dev Internal functions
@internal
def _add_fee(minipool: address, node: address, size: uint256):
    self._node_staking_count_by_size[node][size] += 1
    self._node_fee_numerator[node][size] += self._minipool_fee[minipool]


@internal
def _remove_fee(minipool: address, node: address, size: uint256):
    self._node_staking_count_by_size[node][size] -= 1
    self._node_fee_numerator[node][size] -= self._minipool_fee[minipool]


@internal
def _try_distribute(node: address):
    """
    @dev Distributes the node's fee distributor if it holds anything, so the
         split uses the figures about to change. A deployment without a
         distributor factory has no distributors, and nothing to do.
    """
    factory: address = staticcall rocket_base.ROCKET_STORAGE.getAddress(
        "rocketNodeDistributorFactory"
    )
    if factory == empty(address):
        return
    distributor: address = staticcall IRocketNodeDistributorFactory(
        factory
    ).getProxyAddress(node)
    if distributor.balance == 0:
        return
    assert (
        distributor.is_contract
    ), "minipool manager: distributor not initialised"
    extcall IRocketNodeDistributor(distributor).distribute()


@internal
@view
def _only_minipool():
    assert self._exists[
        msg.sender
    ], "minipool manager: caller is not a registered minipool"


@internal
def _release(minipool: address, node: address):
    """
    @dev Takes an active minipool out of its node's active count and ETH
         totals; called exactly once per minipool, when it is finalised or,
         if never finalised, destroyed.
    """
    self._node_active_count[node] -= 1
    self._active_count -= 1
    self._node_eth_matched[node] -= self._minipool_eth_matched[minipool]
    self._node_eth_provided[node] -= self._minipool_eth_provided[minipool]
    self._minipool_eth_matched[minipool] = 0
    self._minipool_eth_provided[minipool] = 0


@internal
def _remove_from_sets(minipool: address, node: address):
    # Global set: move the last entry into the freed slot.
    position: uint256 = self._minipool_position[minipool]
    last: uint256 = self._minipool_count
    if position != last:
        moved: address = self._minipools[last - 1]
        self._minipools[position - 1] = moved
        self._minipool_position[moved] = position
    self._minipools[last - 1] = empty(address)
    self._minipool_position[minipool] = 0
    self._minipool_count = last - 1
    # The node's set, the same way.
    position = self._node_minipool_position[minipool]
    last = self._node_minipool_count[node]
    if position != last:
        moved: address = self._node_minipools[node][last - 1]
        self._node_minipools[node][position - 1] = moved
        self._node_minipool_position[moved] = position
    self._node_minipools[node][last - 1] = empty(address)
    self._node_minipool_position[minipool] = 0
    self._node_minipool_count[node] = last - 1
