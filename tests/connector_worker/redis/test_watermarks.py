"""Pull watermarks: forward only, never past the run start, aware UTC only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis

from connector_worker.redis_keys import RedisKeys
from connector_worker.watermarks import (
    advance_watermark,
    pull_window_start,
    read_watermark,
    reset_watermark,
)

T0 = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)


def test_watermark_round_trips_to_the_microsecond(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    assert read_watermark(redis_client, keys, "shop") is None
    assert advance_watermark(redis_client, keys, "shop", T0)
    assert read_watermark(redis_client, keys, "shop") == T0


def test_watermark_never_moves_backwards(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    advance_watermark(redis_client, keys, "shop", T0)
    # when an older, overlapping pull finishes last
    moved = advance_watermark(redis_client, keys, "shop", T0 - timedelta(minutes=5))
    # then the mark stays
    assert moved is False
    assert read_watermark(redis_client, keys, "shop") == T0


def test_watermark_is_clamped_to_the_run_start(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    run_start = T0
    advance_watermark(redis_client, keys, "shop", T0 + timedelta(hours=1), not_after=run_start)
    assert read_watermark(redis_client, keys, "shop") == run_start


def test_naive_datetimes_are_refused(redis_client: redis.Redis, key_prefix: str) -> None:
    with pytest.raises(ValueError, match="aware"):
        advance_watermark(redis_client, RedisKeys(key_prefix), "shop", datetime(2024, 5, 1))  # noqa: DTZ001


def test_window_starts_one_overlap_before_the_mark(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    default = T0 - timedelta(days=30)
    overlap = timedelta(minutes=10)
    assert pull_window_start(redis_client, keys, "shop", overlap=overlap, first_pull_from=default) == default
    advance_watermark(redis_client, keys, "shop", T0)
    assert (
        pull_window_start(redis_client, keys, "shop", overlap=overlap, first_pull_from=default)
        == T0 - overlap
    )


def test_operator_can_rewind_or_clear(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    advance_watermark(redis_client, keys, "shop", T0)
    reset_watermark(redis_client, keys, "shop", T0 - timedelta(days=1))
    assert read_watermark(redis_client, keys, "shop") == T0 - timedelta(days=1)
    reset_watermark(redis_client, keys, "shop", None)
    assert read_watermark(redis_client, keys, "shop") is None


def test_instances_and_streams_are_separate(redis_client: redis.Redis, key_prefix: str) -> None:
    keys = RedisKeys(key_prefix)
    advance_watermark(redis_client, keys, "shop", T0)
    assert read_watermark(redis_client, keys, "other") is None
    assert read_watermark(redis_client, keys, "shop", stream="reconcile") is None
