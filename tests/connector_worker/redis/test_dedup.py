"""Webhook dedup: a duplicate event is dropped, a failed enqueue does not lose the event."""

from __future__ import annotations

import time

import redis

from connector_worker.dedup import CONFIRMED, claim, claim_webhook_event
from connector_worker.redis_keys import WEBHOOK_DEDUP_TTL_SECONDS, RedisKeys


def test_same_event_twice_is_a_duplicate(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    # given the first delivery was claimed and enqueued
    first = claim_webhook_event(redis_client, keys, "shop", 42, "2024-05-01 10:00:00")
    assert first is not None
    assert first.confirm(redis_client)
    # when Magento delivers the same event again
    again = claim_webhook_event(redis_client, keys, "shop", 42, "2024-05-01 10:00:00")
    # then it is dropped, and the key lives for the full dedup window
    assert again is None
    key = keys.webhook_dedup("shop", 42, "2024-05-01 10:00:00")
    assert redis_client.get(key) == CONFIRMED.encode()
    assert WEBHOOK_DEDUP_TTL_SECONDS - 5 < redis_client.ttl(key) <= WEBHOOK_DEDUP_TTL_SECONDS


def test_a_later_update_of_the_same_order_is_not_a_duplicate(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    keys = RedisKeys(key_prefix)
    assert claim_webhook_event(redis_client, keys, "shop", 42, "2024-05-01 10:00:00") is not None
    assert claim_webhook_event(redis_client, keys, "shop", 42, "2024-05-01 10:05:00") is not None


def test_failed_enqueue_releases_the_claim(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    # given a claim whose enqueue failed
    first = claim_webhook_event(redis_client, keys, "shop", 42, "2024-05-01 10:00:00")
    assert first is not None
    first.release(redis_client)
    # when Magento retries the event
    retry = claim_webhook_event(redis_client, keys, "shop", 42, "2024-05-01 10:00:00")
    # then it is accepted
    assert retry is not None


def test_a_crashed_receiver_frees_the_event_after_the_pending_ttl(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    key = f"{key_prefix}dedup"
    # given a receiver claimed the event and died before confirming
    stale = claim(redis_client, key, pending_ttl_seconds=1)
    assert stale is not None
    assert claim(redis_client, key) is None
    time.sleep(1.1)
    # then a redelivery gets through, and the dead receiver can no longer confirm or release it
    fresh = claim(redis_client, key)
    assert fresh is not None
    assert stale.confirm(redis_client) is False
    stale.release(redis_client)
    assert redis_client.get(key) == fresh.pending_value.encode()


def test_events_without_updated_at_are_never_deduplicated(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    first = claim_webhook_event(redis_client, keys, "shop", 42, None)
    second = claim_webhook_event(redis_client, keys, "shop", 42, None)
    assert first is not None and second is not None
    assert first.confirm(redis_client)
    assert redis_client.keys(f"{key_prefix}*") == []
