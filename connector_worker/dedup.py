"""Webhook dedup: one sync per (instance, entity_id, updated_at), without losing an event to a crash.

A plain "seen" key set on receipt loses the event when the enqueue after it fails. So a claim is taken
*pending* with a short TTL, confirmed (long TTL) only once the sync is enqueued, and released if the
enqueue fails: Magento's retry of the same event then goes through.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import redis

from connector_worker.redis_keys import (
    WEBHOOK_DEDUP_PENDING_TTL_SECONDS,
    WEBHOOK_DEDUP_TTL_SECONDS,
    RedisKeys,
)

CONFIRMED = "queued"
_PENDING_PREFIX = "pending:"

# Confirm / release only our own pending claim: a claim that expired and was re-taken by another request
# belongs to that request now.
_CONFIRM_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class DedupClaim:
    """The right to enqueue one event; ``key`` is None for an event without a version (never deduplicated)."""

    key: str | None
    token: str

    @property
    def pending_value(self) -> str:
        return f"{_PENDING_PREFIX}{self.token}"

    def confirm(self, client: redis.Redis) -> bool:
        """The sync is enqueued: keep the key for the full dedup window. False if the claim had expired."""
        if self.key is None:
            return True
        return bool(
            client.eval(_CONFIRM_LUA, 1, self.key, self.pending_value, CONFIRMED, WEBHOOK_DEDUP_TTL_SECONDS)
        )

    def release(self, client: redis.Redis) -> None:
        """The enqueue failed: forget the claim so a redelivery of the event is accepted."""
        if self.key is not None:
            client.eval(_RELEASE_LUA, 1, self.key, self.pending_value)


def claim(
    client: redis.Redis, key: str, *, pending_ttl_seconds: int = WEBHOOK_DEDUP_PENDING_TTL_SECONDS
) -> DedupClaim | None:
    """Claim ``key`` (SET NX EX); None when it is already claimed or confirmed, i.e. a duplicate."""
    token = secrets.token_hex(8)
    result = DedupClaim(key, token)
    if client.set(key, result.pending_value, nx=True, ex=pending_ttl_seconds):
        return result
    return None


def claim_webhook_event(
    client: redis.Redis, keys: RedisKeys, instance: str, entity_id: int | str, updated_at: str | None
) -> DedupClaim | None:
    """Claim one webhook event; None if the same (instance, entity_id, updated_at) was already taken.

    An event without ``updated_at`` is never treated as a duplicate: two such events may describe two
    different changes, and an extra sync is harmless while a dropped one waits for the next pull.
    """
    if not updated_at:
        return DedupClaim(None, secrets.token_hex(8))
    return claim(client, keys.webhook_dedup(instance, entity_id, updated_at))
