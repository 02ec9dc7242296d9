"""Dedup claims on the real Redis: taken once, given back only by their owner, kept once confirmed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import redis

from connector_worker.webhook import claims


def test_a_claim_is_taken_once(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = [f"{key_prefix}a", f"{key_prefix}b"]
    with ThreadPoolExecutor(max_workers=16) as pool:
        tokens = list(pool.map(lambda _: claims.claim(redis_client, keys, 60), range(64)))
    winners = [token for token in tokens if token is not None]
    assert len(winners) == 1
    assert redis_client.mget(keys) == [winners[0].encode()] * 2
    assert 0 < redis_client.ttl(keys[0]) <= 60


def test_a_partly_taken_claim_leaves_nothing_behind(redis_client: redis.Redis, key_prefix: str) -> None:
    # Given the second key is held by an earlier delivery
    redis_client.set(f"{key_prefix}b", "earlier", ex=60)
    # When a claim on both keys is attempted, it fails and gives the first key back
    assert claims.claim(redis_client, [f"{key_prefix}a", f"{key_prefix}b"], 60) is None
    assert redis_client.exists(f"{key_prefix}a") == 0
    assert redis_client.get(f"{key_prefix}b") == b"earlier"


def test_release_and_confirm_touch_only_keys_still_owned(redis_client: redis.Redis, key_prefix: str) -> None:
    key = f"{key_prefix}order"
    token = claims.claim(redis_client, [key], 60)
    assert token is not None
    assert claims.release(redis_client, [key], "someone-else") == 0
    assert claims.confirm(redis_client, [key], "someone-else", 3600) == 0
    assert redis_client.ttl(key) <= 60
    assert claims.confirm(redis_client, [key], token, 3600) == 1
    assert 60 < redis_client.ttl(key) <= 3600
    assert claims.release(redis_client, [key], token) == 1
    assert redis_client.exists(key) == 0
    assert claims.claim(redis_client, [key], 60) is not None


def test_an_empty_claim_always_wins(redis_client: redis.Redis) -> None:
    token = claims.claim(redis_client, [], 60)
    assert token is not None
    assert claims.release(redis_client, [], token) == 0
