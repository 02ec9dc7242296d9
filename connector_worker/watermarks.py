"""Per-instance pull watermarks: the largest ``updated_at`` fully processed, moved forward only.

Stored as integer epoch microseconds so Redis can compare them atomically (a Lua max), which keeps two
overlapping pulls from moving the mark backwards. Aware UTC datetimes only (STYLE rule 7).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from connector_worker.redis_keys import RedisKeys

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Set only if larger than the stored value; returns 1 when moved. Epoch microseconds stay below 2**53,
# so Lua's doubles compare them exactly.
_ADVANCE_LUA = """
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


def _to_micros(value: datetime) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("watermarks take aware datetimes (UTC); got a naive one")
    return (value - _EPOCH) // timedelta(microseconds=1)


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def read_watermark(
    client: redis.Redis, keys: RedisKeys, instance: str, stream: str = "orders"
) -> datetime | None:
    """The stored watermark (aware UTC), or None if this instance was never pulled."""
    raw = client.get(keys.watermark(instance, stream))
    if raw is None:
        return None
    return _from_micros(int(raw))


def advance_watermark(
    client: redis.Redis,
    keys: RedisKeys,
    instance: str,
    value: datetime,
    *,
    not_after: datetime | None = None,
    stream: str = "orders",
) -> bool:
    """Move the watermark to ``value`` if that is later; clamp to ``not_after`` (the run start).

    Never past the run start: an order updated during the run, with an ``updated_at`` earlier than a
    page already read, would otherwise be skipped for good. Returns True when the mark moved.
    """
    micros = _to_micros(value)
    if not_after is not None:
        micros = min(micros, _to_micros(not_after))
    return bool(client.eval(_ADVANCE_LUA, 1, keys.watermark(instance, stream), micros))


def reset_watermark(
    client: redis.Redis, keys: RedisKeys, instance: str, value: datetime | None, stream: str = "orders"
) -> None:
    """Operator override: set the watermark to ``value`` even if earlier (a re-pull), or delete it."""
    key = keys.watermark(instance, stream)
    if value is None:
        client.delete(key)
    else:
        client.set(key, _to_micros(value))


def pull_window_start(
    client: redis.Redis,
    keys: RedisKeys,
    instance: str,
    *,
    overlap: timedelta,
    first_pull_from: datetime,
    stream: str = "orders",
) -> datetime:
    """Where the next pull starts: the watermark minus the overlap (late commits), or ``first_pull_from``."""
    mark = read_watermark(client, keys, instance, stream)
    if mark is None:
        _to_micros(first_pull_from)  # same awareness rule for the default
        return first_pull_from
    return mark - overlap
