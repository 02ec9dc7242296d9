"""Per-order locks on a real Redis: exclusive, token-checked, renewed while held, lost loudly, freed within
ten seconds of a holder's death, and waited for briefly by a second copy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest
import redis

from connector_worker.errors import LockBusyError
from connector_worker.locks import RedisLock, hold_lock, order_lock
from connector_worker.redis_keys import ORDER_LOCK_BUSY_RETRY_MAX_SECONDS, ORDER_LOCK_TTL_MS, RedisKeys


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
    assert 1.0 <= busy.value.retry_after <= ORDER_LOCK_BUSY_RETRY_MAX_SECONDS <= 10.0
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


class FlakyRedis(redis.Redis):
    """A real client whose scripts (the watchdog's renewals) can be made to fail, or to hang first."""

    failing = False  # every call fails while set
    failures_left = 0  # or only the next few
    hang_seconds = 0.0  # the next call hangs this long, then times out
    calls: list[float]

    def eval(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.calls.append(time.monotonic())
        if self.hang_seconds:
            hang, self.hang_seconds = self.hang_seconds, 0.0
            time.sleep(hang)
            raise redis.TimeoutError("Timeout reading from socket")
        if self.failing or self.failures_left:
            self.failures_left = max(0, self.failures_left - 1)
            raise redis.ConnectionError("Connection refused")
        return super().eval(*args, **kwargs)


@pytest.fixture
def flaky(redis_url: str) -> Any:
    client = FlakyRedis.from_url(redis_url)
    client.calls = []
    yield client
    client.close()


def test_a_holder_whose_renewals_keep_failing_stops_trusting_its_lock(
    flaky: FlakyRedis, redis_client: redis.Redis, key_prefix: str
) -> None:
    key = f"{key_prefix}lock"
    with hold_lock(flaky, key, ttl_ms=300, renew_every_ms=100) as lock:
        # given Redis stops answering the holder's renewals (no reply, so no "lost" answer either)
        flaky.failing = True
        # when more than a TTL passes, and another worker takes the key that lapsed meanwhile
        time.sleep(0.4)
        assert redis_client.set(key, "other", nx=True, px=5000)
        # then the holder knows its lock may be gone before its next write
        assert not lock.held
        with pytest.raises(LockBusyError):
            lock.ensure_held()
        flaky.failing = False
    assert redis_client.get(key) == b"other"


def test_two_missed_renewals_in_a_row_still_keep_the_lock(flaky: FlakyRedis, key_prefix: str) -> None:
    # given the production ratio of renewal period to TTL, ten times faster
    key = f"{key_prefix}lock"
    ttl_ms, every_ms = ORDER_LOCK_TTL_MS // 10, 300
    # when the first two renewals fail
    flaky.failures_left = 2
    with hold_lock(flaky, key, ttl_ms=ttl_ms, renew_every_ms=every_ms) as lock:
        time.sleep(ttl_ms / 1000 * 1.3)
        # then the third landed in time: the holder keeps the lock past its first TTL
        assert len(flaky.calls) >= 3 and flaky.failures_left == 0
        assert lock.held and flaky.pttl(key) > 0


def test_a_renewal_that_hung_does_not_push_the_next_one_a_whole_period_away(
    flaky: FlakyRedis, key_prefix: str
) -> None:
    key = f"{key_prefix}lock"
    # given the first renewal hangs past the next one's due time (a call waiting for its socket timeout)
    flaky.hang_seconds = 0.35
    with hold_lock(flaky, key, ttl_ms=1000, renew_every_ms=200) as lock:
        while len(flaky.calls) < 3:
            time.sleep(0.01)
        # then the next renewal follows at once (it was due at 0.4 s), and the cadence resumes from there
        first, second, third = flaky.calls[:3]
        assert second - first == pytest.approx(0.35, abs=0.1)
        assert third - second < 0.15
        assert lock.held


HOLDER = textwrap.dedent(
    """
    import sys, time, redis
    from connector_worker.locks import order_lock
    from connector_worker.redis_keys import RedisKeys
    with order_lock(redis.Redis.from_url(sys.argv[1]), RedisKeys(sys.argv[2]), "shop", 9):
        print("held", flush=True)
        time.sleep(60)
    """
)


def test_a_killed_holder_frees_the_order_within_ten_seconds(
    redis_url: str, redis_client: redis.Redis, key_prefix: str
) -> None:
    # given a worker process holding an order's lock with the production TTL and renewal
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_url, key_prefix], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        # when it is SIGKILLed: no release, no more renewals
        os.kill(holder.pid, signal.SIGKILL)
    finally:
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    # then the lock it left lapses within ten seconds, and a second copy is told to come back by then
    remaining_ms = redis_client.pttl(RedisKeys(key_prefix).order_lock("shop", 9))
    assert 0 < remaining_ms <= 10_000
    with pytest.raises(LockBusyError) as busy, order_lock(redis_client, RedisKeys(key_prefix), "shop", 9):
        pass
    assert busy.value.retry_after is not None and busy.value.retry_after <= 10.0


def test_a_second_copy_waits_for_the_holder_instead_of_giving_up(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    key = f"{key_prefix}lock"
    # given a holder that finishes 0.3 s from now
    first = RedisLock(redis_client, key, renew_every_ms=None)
    assert first.acquire()
    timer = threading.Timer(0.3, first.release)
    timer.start()
    try:
        # when a second copy takes the lock with up to 3 s of patience
        started = time.monotonic()
        with hold_lock(redis_client, key, wait_seconds=3.0) as second:
            waited = time.monotonic() - started
            # then it gets the lock as soon as the holder let go, not after the wait or the holder's TTL
            assert second.held and redis_client.get(key) == second.token.encode()
        assert 0.25 <= waited < 1.0
    finally:
        timer.join()


def test_a_second_copy_gives_up_after_its_wait_with_the_holders_ttl_as_hint(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    key = f"{key_prefix}customer:secret@example.com"
    # given a holder that keeps the lock
    with hold_lock(redis_client, key):
        started = time.monotonic()
        # when a second copy waits 0.3 s, naming the locked thing without the key's personal data
        with (
            pytest.raises(LockBusyError) as busy,
            hold_lock(redis_client, key, wait_seconds=0.3, what="the customer of order 12"),
        ):
            pass
        waited = time.monotonic() - started
    # then it gave up after its wait, with a hint to come back when the holder's TTL would run out
    assert 0.3 <= waited < 1.0
    assert str(busy.value) == "the customer of order 12 is locked by another worker"
    assert busy.value.retry_after is not None and 1.0 <= busy.value.retry_after <= 10.0
    # and without a wait it gives up at once
    with hold_lock(redis_client, key), pytest.raises(LockBusyError), hold_lock(redis_client, key):
        pass
