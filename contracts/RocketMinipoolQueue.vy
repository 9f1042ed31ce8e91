# pragma version ~=0.4.3
"""
@title Rocket Pool minipool queue
@notice First in, first out: minipools whose node operators have bonded
        wait here for 31 ETH of deposit-pool ETH each.
"""

from interfaces import IRocketMinipoolQueue

implements: IRocketMinipoolQueue

import rocket_base

initializes: rocket_base

exports: rocket_base.ROCKET_STORAGE


# @dev Constants
# ETH a queued minipool still needs: 32 ETH less its 1 ETH pre-deposit.
VARIABLE_DEPOSIT_AMOUNT: constant(uint256) = 31 * 10**18
MAX_DEQUEUE: constant(uint256) = 90


# @dev Storage
_items: HashMap[uint256, address]
_head: uint256
_tail: uint256
_queued: HashMap[address, bool]


# @dev Events
event MinipoolEnqueued:
    minipool: indexed(address)
    time: uint256


event MinipoolDequeued:
    minipool: indexed(address)
    time: uint256


@deploy
def __init__(rocket_storage: address):
    rocket_base.__init__(rocket_storage)


@external
def enqueueMinipool(minipool: address):
    """
    @notice Appends `minipool` to the queue. Node deposit contract only.
    @param minipool A new minipool.
    """
    assert rocket_base._is_contract(
        "rocketNodeDeposit", msg.sender
    ), "minipool queue: caller is not node deposit"
    assert not self._queued[minipool], "minipool queue: minipool already queued"
    self._items[self._tail] = minipool
    self._tail += 1
    self._queued[minipool] = True
    log MinipoolEnqueued(minipool=minipool, time=block.timestamp)


@external
def dequeueMinipools(max_to_dequeue: uint256) -> DynArray[address, MAX_DEQUEUE]:
    """
    @notice Removes and returns up to `max_to_dequeue` minipools from the
            front of the queue. Deposit pool only.
    @param max_to_dequeue At most 90.
    @return The minipools, oldest first.
    """
    assert rocket_base._is_contract(
        "rocketDepositPool", msg.sender
    ), "minipool queue: caller is not the deposit pool"
    assert max_to_dequeue <= MAX_DEQUEUE, "minipool queue: too many to dequeue"
    result: DynArray[address, MAX_DEQUEUE] = []
    head: uint256 = self._head
    for i: uint256 in range(MAX_DEQUEUE):
        if i >= max_to_dequeue or head >= self._tail:
            break
        minipool: address = self._items[head]
        self._items[head] = empty(address)
        self._queued[minipool] = False
        head += 1
        result.append(minipool)
        log MinipoolDequeued(minipool=minipool, time=block.timestamp)
    self._head = head
    return result


@external
@view
def getLength() -> uint256:
    """
    @notice The number of queued minipools.
    """
    return self._tail - self._head


@external
@view
def getEffectiveCapacity() -> uint256:
    """
    @notice The ETH the queued minipools still need: 31 ETH each.
    """
    return (self._tail - self._head) * VARIABLE_DEPOSIT_AMOUNT


@external
@view
def getMinipoolAt(index: uint256) -> address:
    """
    @notice The minipool at position `index` (0 = next to be assigned).
    @param index Below `getLength()`.
    """
    assert index < self._tail - self._head, "minipool queue: index out of range"
    return self._items[self._head + index]


@external
@view
def getContainsMinipool(minipool: address) -> bool:
    """
    @notice Whether `minipool` is waiting in the queue.
    """
    return self._queued[minipool]
