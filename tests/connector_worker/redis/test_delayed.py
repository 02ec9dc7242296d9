"""Delayed retries: released once, when due, never lost when the send or the releaser fails."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
import redis

from connector_worker.delayed import DelayedQueue, DelayedTask
from connector_worker.redis_keys import DELAYED_CLAIM_STALE_SECONDS, RedisKeys


def _task(n: int, due: float) -> DelayedTask:
    return DelayedTask(
        task="orders.sync",
        task_id=f"t-{n}",
        kwargs={"instance": "shop", "entity_id": n},
        retries=1,
        due=due,
        queue="orders.webhook",
        headers={"connector_attempts": [{"number": 1}]},
    )


def test_only_due_retries_are_released(redis_client: redis.Redis, key_prefix: str) -> None:
    queue = DelayedQueue(redis_client, RedisKeys(key_prefix))
    now = time.time()
    queue.schedule(_task(1, now - 1))
    queue.schedule(_task(2, now + 60))
    sent: list[DelayedTask] = []
    assert queue.release_due(sent.append, now=now) == 1
    assert sent == [_task(1, now - 1)]
    assert queue.pending() == 1
    assert redis_client.zcard(RedisKeys(key_prefix).delayed_inflight) == 0


def test_two_releasers_never_send_one_retry_twice(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    now = time.time()
    for n in range(400):
        DelayedQueue(redis_client, keys).schedule(_task(n, now - 1))
    sent: list[str] = []
    lock = threading.Lock()

    def send(item: DelayedTask) -> None:
        with lock:
            sent.append(item.task_id)

    def releaser() -> None:
        client = redis.Redis(connection_pool=redis_client.connection_pool)
        queue = DelayedQueue(client, keys)
        while queue.release_due(send, limit=7):
            pass

    threads = [threading.Thread(target=releaser) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == sorted(f"t-{n}" for n in range(400))


def test_a_failed_send_puts_the_retries_back(redis_client: redis.Redis, key_prefix: str) -> None:
    queue = DelayedQueue(redis_client, RedisKeys(key_prefix))
    now = time.time()
    for n in range(3):
        queue.schedule(_task(n, now - 1))
    calls: list[str] = []

    def flaky_send(item: DelayedTask) -> None:
        calls.append(item.task_id)
        if len(calls) == 2:
            raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        queue.release_due(flaky_send)
    # the one sent is gone; the failed one and the unsent one wait again, due now
    assert queue.pending() == 2
    sent: list[DelayedTask] = []
    assert queue.release_due(sent.append) == 2
    assert {item.task_id for item in sent} | {calls[0]} == {"t-0", "t-1", "t-2"}


def test_a_releaser_that_died_after_claiming_loses_nothing(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    queue = DelayedQueue(redis_client, RedisKeys(key_prefix))
    now = time.time()
    queue.schedule(_task(1, now - 1))
    # given a releaser claimed the retry and died before sending it
    assert len(queue.claim_due(now=now)) == 1
    assert queue.release_due(lambda _: None, now=now + 1) == 0
    # when the claim is older than the stale limit
    sent: list[DelayedTask] = []
    released = queue.release_due(sent.append, now=now + DELAYED_CLAIM_STALE_SECONDS + 1)
    # then the next tick sends it
    assert released == 1
    assert sent[0].task_id == "t-1"


def test_an_unreadable_member_is_dropped_not_looped(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    redis_client.zadd(keys.delayed, {"not json": time.time() - 1})
    queue = DelayedQueue(redis_client, keys)
    assert queue.release_due(lambda _: None) == 0
    assert queue.pending() == 0
    assert redis_client.zcard(keys.delayed_inflight) == 0


def test_json_round_trip() -> None:
    item = _task(5, 123.5)
    assert DelayedTask.from_json(item.to_json()) == item


def test_an_order_payload_keeps_its_decimals_and_datetimes() -> None:
    # a pull's sync carries the order as kombu decoded it: Decimal amounts, aware datetimes
    order = {"grand_total": Decimal("12.30"), "updated_at": dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)}
    item = dataclasses.replace(_task(6, 1.0), kwargs={"instance": "shop", "entity_id": 6, "order": order})
    assert DelayedTask.from_json(item.to_json()).kwargs["order"] == order
