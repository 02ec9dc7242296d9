"""The suite's Redis is a real server: it speaks the protocol, blocks, and expires keys."""

from __future__ import annotations

import redis

from connector_worker.embedded_redis import embedded_redis_url


def test_session_server_answers(redis_client: redis.Redis, key_prefix: str) -> None:
    assert redis_client.ping()
    assert redis_client.set(f"{key_prefix}k", "v", nx=True, px=5000)
    assert not redis_client.set(f"{key_prefix}k", "w", nx=True, px=5000)


def test_embedded_server_starts_and_stops() -> None:
    with embedded_redis_url() as url:
        client = redis.Redis.from_url(url)
        client.lpush("q", "a")
        assert client.brpop(["q"], timeout=1) == (b"q", b"a")
        client.close()
