"""Claim a webhook delivery in Redis so duplicates are acknowledged but queued only once.

A claim is one ``SET key token NX EX ttl`` per dedup key, short-lived until :func:`confirm` lengthens it
once the work is queued. If queueing fails, the claim is released (token-checked, so a claim taken later by
someone else is never deleted) and the sender's retry goes through instead of being mistaken for a duplicate
(reference/celery.md §5: a plain "seen" key set on receipt loses events whose processing later fails).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import redis

from connector_worker.log import get_logger

log = get_logger(__name__)

# Sets a new TTL on each key that still holds our token (KEYS = keys, ARGV[1] = token, ARGV[2] = seconds).
_CONFIRM_SCRIPT = """
local confirmed = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    confirmed = confirmed + redis.call('EXPIRE', key, ARGV[2])
  end
end
return confirmed
"""
# Deletes each key only while it still holds our token (KEYS = keys, ARGV[1] = token).
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
            if not client.set(key, token, nx=True, ex=ttl_seconds):
                release(client, taken, token)
                return None
            taken.append(key)
    except redis.RedisError:
        if taken:
            release_quietly(client, taken, token)
        raise
    return token


def release(client: redis.Redis, keys: Sequence[str], token: str) -> int:
    """Give back the keys of a claim; returns how many were still ours and are now deleted."""
    if not keys:
        return 0
    return int(client.eval(_RELEASE_SCRIPT, len(keys), *keys, token))


def confirm(client: redis.Redis, keys: Sequence[str], token: str, ttl_seconds: int) -> int:
    """Keep a claim for ``ttl_seconds`` from now (once its work is done); how many keys were still ours."""
    if not keys:
        return 0
    return int(client.eval(_CONFIRM_SCRIPT, len(keys), *keys, token, ttl_seconds))


def confirm_quietly(client: redis.Redis, keys: Sequence[str], token: str, ttl_seconds: int) -> None:
    """:func:`confirm` after the work is done: if Redis fails now, the short pending TTL still applies,
    and a duplicate after it merely re-syncs an order (idempotent), so the error is not the sender's."""
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
