"""Wait briefly for a lock another copy of the same work holds, before giving up for a later retry.

A copy that finds its order (or the customer it would create) locked usually finds the holder done within
a moment: a sync takes well under a second, creating a contact one call. Giving up at once would bring it
back after :meth:`RedisLock.busy_for_seconds`, which follows the lock's TTL (up to 30 s) because the holder
keeps renewing it; that made a duplicate delivery cost half a minute. The hint still applies after the
wait: a holder that died frees its lock only when the TTL runs out.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from connector_worker.errors import LockBusyError
from connector_worker.locks import RedisLock

LOCK_POLL_SECONDS = 0.05  # a free lock is noticed this soon; a few Redis calls per second per waiter


@contextmanager
def lock_when_free(client: redis.Redis, key: str, wait_seconds: float, what: str) -> Iterator[RedisLock]:
    """Hold ``key`` (renewed while held) for the block, waiting up to ``wait_seconds`` for its holder.

    Raises :class:`LockBusyError` (retry hint: the rest of the holder's TTL) when still held after that.
    """
    lock = RedisLock(client, key)
    deadline = time.monotonic() + wait_seconds
    while not lock.acquire():
        if time.monotonic() >= deadline:
            raise LockBusyError(f"{what} is locked by another worker", retry_after=lock.busy_for_seconds())
        time.sleep(LOCK_POLL_SECONDS)
    try:
        yield lock
    finally:
        lock.release()
