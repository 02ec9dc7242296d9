"""Wait briefly for a lock another copy of the same work holds, before giving up for a later retry.

A copy that finds its order (or the customer it would create) locked usually finds the holder done within
a moment: a sync takes well under a second, creating a contact one call. Giving up at once would bring it
back after :meth:`RedisLock.busy_for_seconds`, which follows the lock's TTL (up to 30 s) because the holder
keeps renewing it; that made a duplicate delivery cost half a minute. The hint still applies after the
wait: a holder that died frees its lock only when the TTL runs out.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

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


@dataclass(frozen=True)
class HeldLocks:
    """The keys :func:`lock_all_when_free` holds for its block, and those still busy after the wait."""

    held: list[str]
    busy: list[str]
    locks: Mapping[str, RedisLock]

    def busy_error(self, key: str, what: str) -> LockBusyError:
        """The error for work that needed the busy ``key`` (retry hint: the rest of the holder's TTL)."""
        return LockBusyError(
            f"{what} is locked by another worker", retry_after=self.locks[key].busy_for_seconds()
        )


@contextmanager
def lock_all_when_free(client: redis.Redis, keys: Sequence[str], wait_seconds: float) -> Iterator[HeldLocks]:
    """Hold every key of ``keys`` that is free or frees up within ``wait_seconds``, for the block.

    For batches (a page's new customers): the free keys are taken at once and only the busy ones are
    waited for, together, so a batch waits ``wait_seconds`` at most however many keys are busy; what is
    still busy then is reported, for the caller to leave that work to a later attempt. Keys are taken in
    sorted order, and no wait is unbounded, so two batches wanting overlapping keys cannot block each
    other for longer than the wait.
    """
    locks = {key: RedisLock(client, key) for key in sorted(set(keys))}
    deadline = time.monotonic() + wait_seconds
    held: list[str] = []
    pending = list(locks)
    try:
        while pending:
            pending = [key for key in pending if not _took(locks[key], held)]
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(LOCK_POLL_SECONDS)
        yield HeldLocks(held, pending, locks)
    finally:
        for key in held:
            locks[key].release()


def _took(lock: RedisLock, held: list[str]) -> bool:
    if not lock.acquire():
        return False
    held.append(lock.key)
    return True
