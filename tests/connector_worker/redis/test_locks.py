"""Per-order locks on a real Redis: exclusive, token-checked, renewed while held, lost loudly."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from connector_worker.errors import LockBusyError
from connector_worker.locks import RedisLock, hold_lock, order_lock
from connector_worker.redis_keys import RedisKeys


def test_second_holder_is_refused_with_a_retry_hint(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    # given one worker holds the order's lock
    with order_lock(redis_client, keys, "shop", 42) as holder:
        assert holder.held
        # when a second copy of the task tries to take it
        with pytest.raises(LockBusyError) as busy, order_lock(redis_client, keys, "shop", 42):
            pass
    # then it is told to come back after roughly the holder's remaining TTL
    assert busy.value.retry_after is not None
    assert 1.0 <= busy.value.retry_after <= 30.0
    # and the lock is free again once the holder left
    assert redis_client.exists(keys.order_lock("shop", 42)) == 0


def test_release_never_deletes_someone_elses_lock(redis_client: redis.Redis, key_prefix: str) -> None:
    key = f"{key_prefix}lock"
    lock = RedisLock(redis_client, key, ttl_ms=5000, renew_every_ms=None)
    assert lock.acquire()
    # given our lock expired and another worker took the key
    redis_client.set(key, "someone-else")
    # when we release
    released = lock.release()
    # then their lock survives
    assert released is False
    assert redis_client.get(key) == b"someone-else"


def test_watchdog_keeps_the_lock_past_its_ttl(redis_client: redis.Redis, key_prefix: str) -> None:
    key = f"{key_prefix}lock"
    # given a 300 ms lock renewed every 100 ms
    with hold_lock(redis_client, key, ttl_ms=300, renew_every_ms=100) as lock:
        # when the holder works for three TTLs
        time.sleep(0.9)
        # then it still holds the lock and nobody else can take it
        assert lock.held
        assert redis_client.get(key) == lock.token.encode()
        assert not RedisLock(redis_client, key, renew_every_ms=None).acquire()
    assert redis_client.exists(key) == 0


def test_without_renewal_the_lock_lapses(redis_client: redis.Redis, key_prefix: str) -> None:
    key = f"{key_prefix}lock"
    lock = RedisLock(redis_client, key, ttl_ms=200, renew_every_ms=None)
    assert lock.acquire()
    time.sleep(0.35)
    assert redis_client.exists(key) == 0
    lock.release()


def test_a_lost_lock_is_reported_before_the_next_write(redis_client: redis.Redis, key_prefix: str) -> None:
    key = f"{key_prefix}lock"
    with hold_lock(redis_client, key, ttl_ms=300, renew_every_ms=100) as lock:
        # given the key vanished (expired during a pause, or a failover lost it) and another took it
        redis_client.set(key, "other")
        time.sleep(0.25)
        # then the holder knows before writing
        assert not lock.held
        with pytest.raises(LockBusyError):
            lock.ensure_held()
    assert redis_client.get(key) == b"other"


def test_another_thread_can_extend_the_lock(redis_client: redis.Redis, key_prefix: str) -> None:
    # redis-py's thread-local Lock fails this (reference/celery.md §5); ours keeps the token on the object
    lock = RedisLock(redis_client, f"{key_prefix}lock", ttl_ms=1000, renew_every_ms=None)
    assert lock.acquire()
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(lock.extend()))
    thread.start()
    thread.join()
    assert results == [True]
    assert lock.release()


def test_concurrent_copies_of_one_order_create_it_once(redis_client: redis.Redis, key_prefix: str) -> None:
    # given a non-atomic search-then-create, as against Odoo, and 8 concurrent deliveries of one order
    keys = RedisKeys(key_prefix)
    records = f"{key_prefix}records"
    busy: list[LockBusyError] = []

    def sync_once() -> None:
        try:
            with order_lock(redis_client, keys, "shop", 7):
                if not redis_client.exists(records):  # search
                    time.sleep(0.05)
                    redis_client.rpush(records, "order-7")  # create
        except LockBusyError as exc:
            busy.append(exc)

    threads = [threading.Thread(target=sync_once) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then exactly one record exists; the others were told to retry
    assert redis_client.lrange(records, 0, -1) == [b"order-7"]
    assert len(busy) >= 1


def test_renewal_period_must_be_shorter_than_ttl(redis_client: redis.Redis) -> None:
    with pytest.raises(ValueError, match="renew_every_ms"):
        RedisLock(redis_client, "k", ttl_ms=100, renew_every_ms=100)
