"""Per-order Redis locks (SET NX PX), token-checked, renewed by a watchdog thread while held.

A lock is not a fencing token: it can lapse (GC pause, Redis failover), so the real guarantee against a
duplicate order is Odoo's unique key. The lock only makes concurrent copies of one task rare and cheap:
the second copy gets :class:`LockBusyError` and is retried later instead of racing the first.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

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

    @property
    def held(self) -> bool:
        """True while acquired and not found lost by a renewal."""
        return self._held and not self._lost.is_set()

    def acquire(self) -> bool:
        """Take the lock if free; start the watchdog. Returns False when someone else holds it."""
        if not self.client.set(self.key, self.token, nx=True, px=self.ttl_ms):
            return False
        self._held = True
        self._lost.clear()
        if self.renew_every_ms is not None:
            self._stop.clear()
            self._watchdog = threading.Thread(target=self._renew_loop, name=f"lock:{self.key}", daemon=True)
            self._watchdog.start()
        return True

    def extend(self) -> bool:
        """Reset the TTL if we still hold the lock; mark it lost otherwise."""
        extended = bool(self.client.eval(_EXTEND_LUA, 1, self.key, self.token, self.ttl_ms))
        if not extended:
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
        assert self.renew_every_ms is not None
        while not self._stop.wait(self.renew_every_ms / 1000):
            try:
                if not self.extend():
                    log.warning("lock_lost", key=self.key)
                    return
            except redis.RedisError as exc:
                # Keep trying: the TTL leaves room for two missed renewals (redis_keys).
                log.warning("lock_renew_failed", key=self.key, error=str(exc))


@contextmanager
def hold_lock(
    client: redis.Redis,
    key: str,
    *,
    ttl_ms: int = ORDER_LOCK_TTL_MS,
    renew_every_ms: int | None = ORDER_LOCK_RENEW_EVERY_MS,
) -> Iterator[RedisLock]:
    """Hold ``key`` for the block, renewed while held; :class:`LockBusyError` if someone else has it."""
    lock = RedisLock(client, key, ttl_ms=ttl_ms, renew_every_ms=renew_every_ms)
    if not lock.acquire():
        raise LockBusyError(f"{key} is held by another worker", retry_after=lock.busy_for_seconds())
    try:
        yield lock
    finally:
        lock.release()


def order_lock(
    client: redis.Redis, keys: RedisKeys, instance: str, entity_id: int | str
) -> AbstractContextManager[RedisLock]:
    """The per-order lock of (instance, Magento entity_id), as a context manager."""
    return hold_lock(client, keys.order_lock(instance, entity_id))
