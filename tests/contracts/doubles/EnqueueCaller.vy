# pragma version ~=0.4.3
"""
@title Test double for the node deposit contract's queue call
@notice Registered as "rocketNodeDeposit" so tests can put minipools into the
        minipool queue before the real node deposit contract exists. It
        forwards `enqueueMinipool` to the queue it finds in the directory.
"""


# @dev Interfaces (inline, so the double compiles from tests/ without
#      contracts/ on the search path)
interface IRocketStorage:
    def getAddress(name: String[64]) -> address: view


interface IRocketMinipoolQueue:
    def enqueueMinipool(minipool: address): nonpayable


# @dev Immutables
ROCKET_STORAGE: public(immutable(IRocketStorage))


@deploy
def __init__(rocket_storage: address):
    ROCKET_STORAGE = IRocketStorage(rocket_storage)


@external
def enqueueMinipool(minipool: address):
    """
    @notice Enqueues `minipool` in the registered minipool queue.
    @param minipool Any address; the queue does not check it.
    """
    queue: IRocketMinipoolQueue = IRocketMinipoolQueue(
        staticcall ROCKET_STORAGE.getAddress("rocketMinipoolQueue")
    )
    extcall queue.enqueueMinipool(minipool)
