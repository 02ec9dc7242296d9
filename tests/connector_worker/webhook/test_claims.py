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
    assert redis_client.mget(keys) == [f"pending:{winners[0]}".encode()] * 2
    assert 0 < redis_client.ttl(keys[0]) <= 60


def test_a_partly_taken_claim_leaves_nothing_behind(redis_client: redis.Redis, key_prefix: str) -> None:
    # Given the second key is held by an earlier delivery
    redis_client.set(f"{key_prefix}b", "queued:earlier", ex=60)
    # When a claim on both keys is attempted, it fails and gives the first key back
    assert claims.claim(redis_client, [f"{key_prefix}a", f"{key_prefix}b"], 60) is None
    assert redis_client.exists(f"{key_prefix}a") == 0
    assert redis_client.get(f"{key_prefix}b") == b"queued:earlier"


def test_a_claim_goes_from_free_to_pending_to_queued(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = [f"{key_prefix}order", f"{key_prefix}request"]
    assert claims.state(redis_client, keys) == "free"
    token = claims.claim(redis_client, keys, 60)
    assert token is not None
    assert claims.state(redis_client, keys) == "pending"
    # Only the owner confirms: then the work is known queued and kept far longer
    assert claims.confirm(redis_client, keys, "someone-else", 3600) == 0
    assert claims.state(redis_client, keys) == "pending"
    assert claims.confirm(redis_client, keys, token, 3600) == 2
    assert claims.state(redis_client, keys) == "queued"
    assert 60 < redis_client.ttl(keys[0]) <= 3600
    # A queued claim is never given back (a late release after a confirm is a no-op)
    assert claims.release(redis_client, keys, token) == 0
    assert claims.state(redis_client, keys) == "queued"
    # One queued key is enough to call a new delivery a duplicate
    redis_client.delete(keys[0])
    assert claims.state(redis_client, keys) == "queued"


def test_only_the_owner_releases_a_pending_claim(redis_client: redis.Redis, key_prefix: str) -> None:
    key = f"{key_prefix}order"
    token = claims.claim(redis_client, [key], 60)
    assert token is not None
    assert claims.release(redis_client, [key], "someone-else") == 0
    assert claims.release(redis_client, [key], token) == 1
    assert claims.state(redis_client, [key]) == "free"
    assert claims.claim(redis_client, [key], 60) is not None


def test_an_empty_claim_always_wins(redis_client: redis.Redis) -> None:
    token = claims.claim(redis_client, [], 60)
    assert token is not None
    assert claims.state(redis_client, []) == "free"
    assert claims.release(redis_client, [], token) == 0
