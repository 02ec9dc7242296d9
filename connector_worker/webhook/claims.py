"""Claim a webhook delivery in Redis so duplicates are acknowledged but queued only once.

A claim is one ``SET key "pending:<token>" NX EX ttl`` per dedup key, short-lived until :func:`confirm`
marks it ``queued`` for longer once the work is queued. If queueing fails, the claim is released
(token-checked, so a claim taken later by someone else is never deleted) and the sender's retry goes through
instead of being mistaken for a duplicate (reference/celery.md §5: a plain "seen" key set on receipt loses
events whose processing later fails). :func:`state` lets a duplicate tell "already queued" (acknowledge it)
from "still being queued by another request" (wait: that request may yet fail).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Literal

import redis

from connector_worker.log import get_logger

log = get_logger(__name__)

PENDING = "pending:"
QUEUED = "queued:"
ClaimState = Literal["free", "pending", "queued"]

# Marks each key that still holds our pending claim as queued, with a new TTL.
# KEYS = keys, ARGV[1] = "pending:<token>", ARGV[2] = "queued:<token>", ARGV[3] = seconds.
_CONFIRM_SCRIPT = """
local confirmed = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('SET', key, ARGV[2], 'EX', ARGV[3])
    confirmed = confirmed + 1
  end
end
return confirmed
"""
# Deletes each key only while it still holds our claim (KEYS = keys, ARGV[1] = the claim's value).
_RELEASE_SCRIPT = """
local released = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    released = released + redis.call('DEL', key)
  end
end
return released
"""


def claim(client: redis.Redis, keys: Sequence[str], ttl_seconds: int) -> str | None:
    """Take every key with ``SET NX EX``; the claim's token, or ``None`` if any key was already taken.

    Keys are taken one by one; when one is already held, the ones taken so far are given back, so a
    duplicate leaves nothing behind. Redis errors propagate (after the same clean-up, best effort).
    """
    token = secrets.token_hex(16)
    taken: list[str] = []
    try:
        for key in keys:
            if not client.set(key, PENDING + token, nx=True, ex=ttl_seconds):
                release(client, taken, token)
                return None
            taken.append(key)
    except redis.RedisError:
        if taken:
            release_quietly(client, taken, token)
        raise
    return token


def state(client: redis.Redis, keys: Sequence[str]) -> ClaimState:
    """``queued`` if any key marks queued work, else ``pending`` if any is claimed, else ``free``."""
    raw = client.mget(keys) if keys else []
    values = [
        value.decode() if isinstance(value, bytes) else str(value) for value in raw if value is not None
    ]
    if any(value.startswith(QUEUED) for value in values):
        return "queued"
    return "pending" if values else "free"


def confirm(client: redis.Redis, keys: Sequence[str], token: str, ttl_seconds: int) -> int:
    """Mark a claim's work as queued and keep it ``ttl_seconds``; how many keys were still ours."""
    if not keys:
        return 0
    return int(client.eval(_CONFIRM_SCRIPT, len(keys), *keys, PENDING + token, QUEUED + token, ttl_seconds))


def release(client: redis.Redis, keys: Sequence[str], token: str) -> int:
    """Give back the keys of a pending claim; returns how many were still ours and are now deleted."""
    if not keys:
        return 0
    return int(client.eval(_RELEASE_SCRIPT, len(keys), *keys, PENDING + token))


def confirm_quietly(client: redis.Redis, keys: Sequence[str], token: str, ttl_seconds: int) -> None:
    """:func:`confirm` once the work is queued: if Redis fails now, the claim stays pending until its short
    TTL lapses, and a copy delivered after that merely re-syncs an order (idempotent)."""
    try:
        confirm(client, keys, token, ttl_seconds)
    except redis.RedisError as exc:
        log.warning("dedup claim not confirmed", keys=len(keys), error=type(exc).__name__)


def release_quietly(client: redis.Redis, keys: Sequence[str], token: str) -> None:
    """:func:`release` for error paths: a failing Redis must not hide the error being reported."""
    try:
        release(client, keys, token)
    except redis.RedisError as exc:
        # The keys expire with their short pending TTL, after which the sender's retry is queued.
        log.warning("dedup claim not released", keys=len(keys), error=type(exc).__name__)
