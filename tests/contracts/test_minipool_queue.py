"""RocketMinipoolQueue: FIFO order, capacity, and who may enqueue and dequeue.

Only RocketNodeDeposit may enqueue, so to reach the queue alone the enqueue path uses a second
protocol deployed with ``tests/contracts/doubles/EnqueueCaller.vy`` registered as
"rocketNodeDeposit"; it forwards ``enqueueMinipool`` to the queue. Minipools
here are plain addresses: the queue does not look at them. Nothing in these
tests deposits ETH, so the deposit pool never tries to fund the fake minipools.
"""

from __future__ import annotations

from pathlib import Path

import boa
import pytest

from harness.units import ETH
from harness.world.deploy import deploy_protocol
from tests.helpers import events, only_event

ENQUEUE_CALLER = Path(__file__).resolve().parent / "doubles" / "EnqueueCaller.vy"
CAPACITY_EACH = 31 * ETH
MAX_DEQUEUE = 90


@pytest.fixture(scope="module")
def pq():
    """A protocol whose "rocketNodeDeposit" is the EnqueueCaller double."""
    return deploy_protocol(replace={"rocketNodeDeposit": ENQUEUE_CALLER})


@pytest.fixture
def queue(pq):
    return pq.minipool_queue


@pytest.fixture
def node_deposit(pq):
    return pq.node_deposit


def _minipools(n: int, tag: str = "minipool") -> list[str]:
    return [boa.env.generate_address(f"{tag}_{i}") for i in range(n)]


def _dequeue(pq, n: int) -> list[str]:
    with boa.env.prank(pq.storage.getAddress("rocketDepositPool")):
        return list(pq.minipool_queue.dequeueMinipools(n))


def _contents(queue) -> list[str]:
    return [queue.getMinipoolAt(i) for i in range(queue.getLength())]


# --- the deployed (empty) queue --------------------------------------------------------


def test_empty_queue_views(p, stranger):
    queue = p.minipool_queue
    assert queue.getLength() == 0
    assert queue.getEffectiveCapacity() == 0
    assert queue.getContainsMinipool(stranger) is False
    with boa.reverts("minipool queue: index out of range"):
        queue.getMinipoolAt(0)
    assert queue.ROCKET_STORAGE() == p.storage.address


def test_stranger_cannot_enqueue(p, stranger):
    with boa.reverts("minipool queue: caller is not node deposit"):
        p.minipool_queue.enqueueMinipool(stranger, sender=stranger)
    assert p.minipool_queue.getLength() == 0
    assert p.minipool_queue.getContainsMinipool(stranger) is False


def test_other_network_contracts_cannot_enqueue(p):
    pool = p.storage.getAddress("rocketDepositPool")
    with boa.reverts("minipool queue: caller is not node deposit"):
        p.minipool_queue.enqueueMinipool(pool, sender=pool)
    assert p.minipool_queue.getLength() == 0


def test_stranger_cannot_dequeue(p, stranger, depositor):
    for caller in (stranger, depositor, p.guardian):
        with boa.reverts("minipool queue: caller is not the deposit pool"):
            p.minipool_queue.dequeueMinipools(1, sender=caller)
    assert p.minipool_queue.getLength() == 0


def test_deposit_pool_dequeues_nothing_from_an_empty_queue(p):
    with boa.env.prank(p.storage.getAddress("rocketDepositPool")):
        assert p.minipool_queue.dequeueMinipools(5) == []
    assert events(p.minipool_queue, "MinipoolDequeued") == []
    assert p.minipool_queue.getLength() == 0


def test_dequeue_of_more_than_90_reverts(p):
    with boa.env.prank(p.storage.getAddress("rocketDepositPool")):
        with boa.reverts("minipool queue: too many to dequeue"):
            p.minipool_queue.dequeueMinipools(MAX_DEQUEUE + 1)
        assert p.minipool_queue.dequeueMinipools(MAX_DEQUEUE) == []


# --- enqueue through the registered node deposit contract ------------------------------


def test_double_is_registered_as_node_deposit(pq, node_deposit):
    assert pq.storage.getAddress("rocketNodeDeposit") == node_deposit.address
    assert pq.storage.getName(node_deposit.address) == "rocketNodeDeposit"


def test_node_deposit_enqueues_a_minipool(pq, queue, node_deposit):
    (minipool,) = _minipools(1)
    boa.env.time_travel(seconds=60)
    now = boa.env.evm.patch.timestamp
    node_deposit.enqueueMinipool(minipool)
    ev = only_event(node_deposit, "MinipoolEnqueued")
    assert (ev.minipool, ev.time) == (minipool, now)
    assert ev.address == queue.address
    assert queue.getLength() == 1
    assert queue.getEffectiveCapacity() == CAPACITY_EACH
    assert queue.getMinipoolAt(0) == minipool
    assert queue.getContainsMinipool(minipool) is True
    with boa.reverts("minipool queue: index out of range"):
        queue.getMinipoolAt(1)


def test_stranger_cannot_enqueue_even_when_node_deposit_exists(queue, stranger):
    with boa.reverts("minipool queue: caller is not node deposit"):
        queue.enqueueMinipool(stranger, sender=stranger)
    assert queue.getLength() == 0


def test_queue_keeps_arrival_order_and_31_ether_each(queue, node_deposit):
    minipools = _minipools(5)
    for i, minipool in enumerate(minipools, start=1):
        node_deposit.enqueueMinipool(minipool)
        assert queue.getLength() == i
        assert queue.getEffectiveCapacity() == i * CAPACITY_EACH
    assert _contents(queue) == minipools
    assert all(queue.getContainsMinipool(m) for m in minipools)


def test_a_queued_minipool_cannot_be_enqueued_twice(queue, node_deposit):
    first, second = _minipools(2)
    node_deposit.enqueueMinipool(first)
    node_deposit.enqueueMinipool(second)
    with boa.reverts("minipool queue: minipool already queued"):
        node_deposit.enqueueMinipool(first)
    assert _contents(queue) == [first, second]
    assert queue.getEffectiveCapacity() == 2 * CAPACITY_EACH


def test_dequeue_is_first_in_first_out(pq, queue, node_deposit):
    minipools = _minipools(5)
    for minipool in minipools:
        node_deposit.enqueueMinipool(minipool)
    boa.env.time_travel(seconds=60)
    now = boa.env.evm.patch.timestamp
    assert _dequeue(pq, 2) == minipools[:2]
    logged = events(queue, "MinipoolDequeued")
    assert [(ev.minipool, ev.time) for ev in logged] == [(m, now) for m in minipools[:2]]
    assert queue.getLength() == 3
    assert queue.getEffectiveCapacity() == 3 * CAPACITY_EACH
    assert _contents(queue) == minipools[2:]
    assert queue.getMinipoolAt(0) == minipools[2]
    assert not queue.getContainsMinipool(minipools[0])
    assert not queue.getContainsMinipool(minipools[1])
    assert queue.getContainsMinipool(minipools[2])
    assert _dequeue(pq, 1) == [minipools[2]]
    assert _contents(queue) == minipools[3:]


def test_arrivals_after_a_dequeue_join_the_back(pq, queue, node_deposit):
    first, second, third = _minipools(3)
    node_deposit.enqueueMinipool(first)
    node_deposit.enqueueMinipool(second)
    assert _dequeue(pq, 1) == [first]
    node_deposit.enqueueMinipool(third)
    assert _contents(queue) == [second, third]
    assert _dequeue(pq, 2) == [second, third]


def test_dequeueing_more_than_queued_returns_only_what_is_queued(pq, queue, node_deposit):
    minipools = _minipools(3)
    for minipool in minipools:
        node_deposit.enqueueMinipool(minipool)
    assert _dequeue(pq, 10) == minipools
    assert len(events(queue, "MinipoolDequeued")) == 3
    assert queue.getLength() == 0
    assert queue.getEffectiveCapacity() == 0
    with boa.reverts("minipool queue: index out of range"):
        queue.getMinipoolAt(0)
    assert _dequeue(pq, 10) == []


def test_dequeue_of_zero_removes_nothing(pq, queue, node_deposit):
    (minipool,) = _minipools(1)
    node_deposit.enqueueMinipool(minipool)
    assert _dequeue(pq, 0) == []
    assert _contents(queue) == [minipool]


def test_too_many_to_dequeue_leaves_the_queue_unchanged(pq, queue, node_deposit):
    minipools = _minipools(3)
    for minipool in minipools:
        node_deposit.enqueueMinipool(minipool)
    pool = pq.storage.getAddress("rocketDepositPool")
    with boa.env.prank(pool), boa.reverts("minipool queue: too many to dequeue"):
        queue.dequeueMinipools(MAX_DEQUEUE + 1)
    assert _contents(queue) == minipools
    assert queue.getEffectiveCapacity() == 3 * CAPACITY_EACH


def test_stranger_cannot_dequeue_a_full_queue(queue, node_deposit, stranger):
    (minipool,) = _minipools(1)
    node_deposit.enqueueMinipool(minipool)
    with boa.reverts("minipool queue: caller is not the deposit pool"):
        queue.dequeueMinipools(1, sender=stranger)
    assert _contents(queue) == [minipool]


def test_at_most_90_are_dequeued_at_once(pq, queue, node_deposit):
    minipools = _minipools(MAX_DEQUEUE + 2)
    for minipool in minipools:
        node_deposit.enqueueMinipool(minipool)
    assert queue.getEffectiveCapacity() == (MAX_DEQUEUE + 2) * CAPACITY_EACH
    assert _dequeue(pq, MAX_DEQUEUE) == minipools[:MAX_DEQUEUE]
    assert _contents(queue) == minipools[MAX_DEQUEUE:]


def test_a_dequeued_minipool_may_be_enqueued_again(pq, queue, node_deposit):
    first, second = _minipools(2)
    node_deposit.enqueueMinipool(first)
    node_deposit.enqueueMinipool(second)
    assert _dequeue(pq, 1) == [first]
    node_deposit.enqueueMinipool(first)
    assert _contents(queue) == [second, first]
    assert queue.getContainsMinipool(first) is True
