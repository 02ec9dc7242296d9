"""Per-order Redis locks (SET NX PX), token-checked, renewed by a watchdog thread while held.

A lock is not a fencing token: it can lapse (GC pause, Redis failover), so the real guarantee against a
duplicate order is Odoo's unique key. The lock only makes concurrent copies of one task rare and cheap:
the second copy waits a moment for the first (``wait_seconds``), then gets :class:`LockBusyError` and is
retried later instead of racing the first.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import redis

from connector_worker.errors import LockBusyError
from connector_worker.log import get_logger
from connector_worker.redis_keys import (
    ORDER_LOCK_BUSY_RETRY_MAX_SECONDS,
    ORDER_LOCK_RENEW_EVERY_MS,
    ORDER_LOCK_TTL_MS,
    RedisKeys,
)

log = get_logger(__name__)

# Delete / extend only while the key still holds our token: never free or prolong someone else's lock.
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_EXTEND_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
MIN_BUSY_RETRY_SECONDS = 1.0  # never tell a caller to come back sooner than this: the holder is working
# How often a caller waiting for a lock looks again: a freed lock is noticed this soon, for a few Redis
# calls a second per waiter.
LOCK_POLL_SECONDS = 0.05


class RedisLock:
    """One lock on ``key``; thread-safe (the token lives on the object, not in a thread-local)."""

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        *,
        ttl_ms: int = ORDER_LOCK_TTL_MS,
        renew_every_ms: int | None = ORDER_LOCK_RENEW_EVERY_MS,
    ) -> None:
        if renew_every_ms is not None and not 0 < renew_every_ms < ttl_ms:
            raise ValueError("renew_every_ms must be between 0 and ttl_ms")
        self.client = client
        self.key = key
        self.ttl_ms = ttl_ms
        self.renew_every_ms = renew_every_ms
        self.token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(8)}"
        self._held = False
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None
        # time.monotonic() until which the lock is surely ours: one TTL after the start of the last SET or
        # PEXPIRE that succeeded (the clock is read before the call, so Redis's own deadline is later).
        self._valid_until = 0.0

    @property
    def held(self) -> bool:
        """True while acquired, not found lost by a renewal, and renewed within the last TTL.

        The last condition matters when renewals fail without an answer (Redis unreachable, a call hanging
        until its socket timeout): the key may have expired and been taken by another worker meanwhile.
        """
        return self._held and not self._lost.is_set() and time.monotonic() < self._valid_until

    def acquire(self) -> bool:
        """Take the lock if free; start the watchdog. Returns False when someone else holds it."""
        started = time.monotonic()
        if not self.client.set(self.key, self.token, nx=True, px=self.ttl_ms):
            return False
        self._valid_until = started + self.ttl_ms / 1000
        self._held = True
        self._lost.clear()
        if self.renew_every_ms is not None:
            self._stop.clear()
            self._watchdog = threading.Thread(target=self._renew_loop, name=f"lock:{self.key}", daemon=True)
            self._watchdog.start()
        return True

    def extend(self) -> bool:
        """Reset the TTL if we still hold the lock; mark it lost otherwise."""
        started = time.monotonic()
        extended = bool(self.client.eval(_EXTEND_LUA, 1, self.key, self.token, self.ttl_ms))
        if extended:
            self._valid_until = started + self.ttl_ms / 1000
        else:
            self._lost.set()
        return extended

    def ensure_held(self) -> None:
        """Raise :class:`LockBusyError` if the lock lapsed: another copy may be working on the same order.

        Call it before a write that must not race (e.g. before creating the Odoo order).
        """
        if not self.held:
            raise LockBusyError(f"lock {self.key} was lost while working; retrying later")

    def release(self) -> bool:
        """Stop renewing and delete the key if it still holds our token."""
        self._stop.set()
        if self._watchdog is not None:
            self._watchdog.join(timeout=self.ttl_ms / 1000)
            self._watchdog = None
        if not self._held:
            return False
        self._held = False
        released = bool(self.client.eval(_RELEASE_LUA, 1, self.key, self.token))
        if not released:
            log.warning("lock_lost_before_release", key=self.key)
        return released

    def busy_for_seconds(self) -> float:
        """How long the current holder's lock has left (a hint for the retry delay)."""
        remaining_ms = self.client.pttl(self.key)
        seconds = remaining_ms / 1000 if isinstance(remaining_ms, int) and remaining_ms > 0 else 0.0
        return min(max(seconds, MIN_BUSY_RETRY_SECONDS), ORDER_LOCK_BUSY_RETRY_MAX_SECONDS)

    def _renew_loop(self) -> None:
        """Renew every ``renew_every_ms`` on a fixed cadence: an attempt that was slow (a Redis call waiting
        for its socket timeout) delays the next one only until it is due, not by a full period more."""
        assert self.renew_every_ms is not None
        period = self.renew_every_ms / 1000
        due = time.monotonic() + period
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            due = max(due + period, time.monotonic())
            try:
                if not self.extend():
                    log.warning("lock_lost", key=self.key)
                    return
            except redis.RedisError as exc:
                # Keep trying: the TTL leaves room for two missed renewals (redis_keys).
                log.warning("lock_renew_failed", key=self.key, error=str(exc))

    def acquire_within(self, wait_seconds: float, poll_seconds: float = LOCK_POLL_SECONDS) -> bool:
        """:meth:`acquire`, trying again every ``poll_seconds`` until it succeeds or ``wait_seconds`` ran out.

        The last try happens at the deadline, so a lock freed just before it is still taken.
        """
        deadline = time.monotonic() + max(0.0, wait_seconds)
        while not self.acquire():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(poll_seconds, remaining))
        return True


@contextmanager
def hold_lock(
    client: redis.Redis,
    key: str,
    *,
    ttl_ms: int = ORDER_LOCK_TTL_MS,
    renew_every_ms: int | None = ORDER_LOCK_RENEW_EVERY_MS,
    wait_seconds: float = 0.0,
    what: str | None = None,
) -> Iterator[RedisLock]:
    """Hold ``key`` for the block, renewed while held.

    A copy of the same work usually finds the holder done within a moment, so ``wait_seconds`` polls for
    the lock that long before giving up; giving up at once would bring the caller back only after the
    holder's TTL. Still held after the wait: :class:`LockBusyError`, whose ``retry_after`` is the rest of
    the holder's TTL (a holder that died frees its lock only then). ``what`` names the locked thing in
    that error's message (default: the key; pass a description when the key holds personal data).
    """
    lock = RedisLock(client, key, ttl_ms=ttl_ms, renew_every_ms=renew_every_ms)
    if not lock.acquire_within(wait_seconds):
        raise LockBusyError(f"{what or key} is locked by another worker", retry_after=lock.busy_for_seconds())
    try:
        yield lock
    finally:
        lock.release()


@dataclass(frozen=True)
class HeldLocks:
    """The keys :func:`hold_free_locks` holds for its block, and those still busy after the wait."""

    held: list[str]
    busy: list[str]
    locks: Mapping[str, RedisLock]

    def busy_error(self, key: str, what: str) -> LockBusyError:
        """The error for work that needed the busy ``key`` (retry hint: the rest of the holder's TTL)."""
        return LockBusyError(
            f"{what} is locked by another worker", retry_after=self.locks[key].busy_for_seconds()
        )


@contextmanager
def hold_free_locks(client: redis.Redis, keys: Sequence[str], wait_seconds: float) -> Iterator[HeldLocks]:
    """Hold every key of ``keys`` that is free or frees up within ``wait_seconds``, for the block.

    For batches (a page's new customers): the free keys are taken at once and only the busy ones are
    waited for, together, so a batch waits ``wait_seconds`` at most however many keys are busy; what is
    still busy then is reported, for the caller to leave that work to a later attempt. Keys are taken in
    sorted order and no wait is unbounded, so two batches wanting overlapping keys cannot block each other
    for longer than the wait.
    """
    locks = {key: RedisLock(client, key) for key in sorted(set(keys))}
    deadline = time.monotonic() + wait_seconds
    held: list[str] = []
    pending = list(locks)
    try:
        while pending:
            still = []
            for key in pending:
                if locks[key].acquire():
                    held.append(key)
                else:
                    still.append(key)
            pending = still
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(LOCK_POLL_SECONDS)
        yield HeldLocks(held, pending, locks)
    finally:
        for key in held:
            locks[key].release()


def order_lock(
    client: redis.Redis, keys: RedisKeys, instance: str, entity_id: int | str, *, wait_seconds: float = 0.0
) -> AbstractContextManager[RedisLock]:
    """The per-order lock of (instance, Magento entity_id), as a context manager (``hold_lock``)."""
    what = f"order {entity_id} of {instance}"
    return hold_lock(client, keys.order_lock(instance, entity_id), wait_seconds=wait_seconds, what=what)
