"""Session-wide fixtures: one real Redis-protocol server, unique key prefixes per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from connector_worker.embedded_redis import redis_url_or_embedded


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real Redis-protocol server; exported as REDIS_URL so subprocesses use it too."""
    with redis_url_or_embedded() as url:
        previous = os.environ.get("REDIS_URL")
        os.environ["REDIS_URL"] = url
        try:
            yield url
        finally:
            if previous is None:
                os.environ.pop("REDIS_URL", None)
            else:
                os.environ["REDIS_URL"] = previous


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on the session's server (decode_responses off, as the connector uses it)."""
    client = redis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def key_prefix() -> str:
    """A Redis key prefix no other test shares, so tests never see each other's keys."""
    return f"test:{uuid.uuid4().hex[:12]}:"
