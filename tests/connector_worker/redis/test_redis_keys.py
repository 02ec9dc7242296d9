"""Redis keys: one prefix for everything, no two kinds of data sharing a key."""

from __future__ import annotations

import pytest
import redis

from config.settings import Settings
from connector_worker import redis_keys
from connector_worker.redis_keys import RedisKeys, drop_prefix


def _every_key(keys: RedisKeys) -> list[str]:
    return [
        keys.celery,
        keys.redbeat,
        keys.order_lock("shop", 42),
        keys.lock("pull:shop"),
        keys.webhook_dedup("shop", 42, "2024-05-01 10:00:00"),
        keys.watermark("shop"),
        keys.dead_letters,
        keys.dead_letter_written("t-1"),
        keys.delayed,
        keys.delayed_inflight,
        keys.product_by_sku("shop", "SKU-1"),
        keys.partner_by_email("shop", "a@example.com"),
    ]


def test_every_key_lives_under_the_configured_prefix() -> None:
    # given settings with a custom prefix
    keys = RedisKeys.from_settings(Settings(key_prefix="acme:"))
    # then every key starts with it, and no two builders collide
    built = _every_key(keys)
    assert all(key.startswith("acme:") for key in built)
    assert len(set(built)) == len(built)


def test_default_prefix_is_connector() -> None:
    assert RedisKeys().order_lock("shop", 7) == "connector:lock:order:shop:7"


def test_redbeat_prefix_ends_with_a_colon() -> None:
    # redbeat concatenates without a separator (reference/celery.md §4)
    assert RedisKeys("x:").redbeat.endswith(":")


def test_webhook_dedup_differs_by_updated_at() -> None:
    keys = RedisKeys()
    first = keys.webhook_dedup("shop", 42, "2024-05-01 10:00:00")
    later = keys.webhook_dedup("shop", 42, "2024-05-01 10:05:00")
    assert first != later


def test_partner_cache_key_follows_odoos_email_normalization() -> None:
    keys = RedisKeys()
    # an ASCII address is one partner whatever its case, so it is one cache entry
    assert keys.partner_by_email("shop", "A@Example.com") == keys.partner_by_email("shop", "a@example.com")
    # a non-ASCII local part keeps its case in Odoo: two partners, so two entries (one would hand one
    # customer's orders to the other)
    upper = keys.partner_by_email("shop", "Élodie@Exämple.com")
    assert upper == "connector:cache:partner:shop:Élodie@exämple.com"
    assert upper != keys.partner_by_email("shop", "élodie@exämple.com")
    # what holds no address still gets a key of its own
    assert keys.partner_by_email("shop", "n/a") == "connector:cache:partner:shop:n/a"


def test_queue_names_are_the_documented_ones() -> None:
    assert redis_keys.ALL_QUEUES == ("orders.webhook", "orders.pull", "orders.push", "connector.control")


def test_lock_renewal_leaves_room_for_two_missed_renewals() -> None:
    assert redis_keys.ORDER_LOCK_RENEW_EVERY_MS * 3 <= redis_keys.ORDER_LOCK_TTL_MS


def test_webhook_dedup_key_tells_same_second_changes_apart() -> None:
    keys = RedisKeys()
    at = "2025-07-17 15:48:42"
    # without state and status the key is the order version alone, as before
    assert keys.webhook_dedup("shop", 7, at) == "connector:dedup:webhook:shop:7:2025-07-17 15:48:42"
    # with them, a change of either within the same second is another event
    placed = keys.webhook_dedup("shop", 7, at, "new", "pending")
    assert placed == "connector:dedup:webhook:shop:7:2025-07-17 15:48:42:state=new:status=pending"
    assert placed != keys.webhook_dedup("shop", 7, at, "processing", "pending")
    assert placed != keys.webhook_dedup("shop", 7, at, "new", "pending_review")
    assert (
        keys.webhook_dedup("shop", 7, at, status="holded")
        == f"{keys.webhook_dedup('shop', 7, at)}:status=holded"
    )
    # and no value can pose as another part of the key
    assert keys.webhook_dedup("shop", 7, at, "new:status=x") != keys.webhook_dedup("shop", 7, at, "new", "x")


def test_drop_prefix_unlinks_the_runs_keys_in_batches_and_nothing_else(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    neighbour = f"{key_prefix[:-1]}x:kept"  # shares the start of the prefix, not the prefix
    redis_client.set(neighbour, "1")
    for index in range(1203):
        redis_client.set(f"{key_prefix}k:{index}", index)
    assert drop_prefix(redis_client, key_prefix, batch=500) == 1203
    assert list(redis_client.scan_iter(match=f"{key_prefix}*")) == []
    assert redis_client.get(neighbour) == b"1"
    redis_client.delete(neighbour)
    with pytest.raises(ValueError, match="prefix is empty"):
        drop_prefix(redis_client, "")
