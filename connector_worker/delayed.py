"""Delayed retries without Celery countdowns: a Redis sorted set of task messages scored by due time.

On Redis a countdown is held unacked by a worker, and one longer than the visibility timeout is
delivered twice (reference/celery.md §1, Experiment C). Here a retry waits in Redis instead, so backoff
can be minutes while messages in flight stay short. A beat tick (``connector.release_delayed``) moves due
members to their queue. Claiming is one Lua script, so two releasing processes never send one retry
twice; a claimed member sits in an *inflight* set until its send is confirmed, so a releaser that dies
between claim and send loses nothing (the member is put back after ``DELAYED_CLAIM_STALE_SECONDS``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import redis
from kombu.utils import json as kombu_json

from connector_worker.log import get_logger
from connector_worker.redis_keys import DELAYED_CLAIM_STALE_SECONDS, DELAYED_RELEASE_BATCH, RedisKeys

log = get_logger(__name__)

# KEYS[1] delayed, KEYS[2] inflight; ARGV now, limit, stale_before. Stale inflight members go back to the
# delayed set (due now), then due members move to inflight, scored with the claim time.
_CLAIM_LUA = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
for _, member in ipairs(stale) do
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZADD', KEYS[1], ARGV[1], member)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  redis.call('ZADD', KEYS[2], ARGV[1], member)
end
return due
"""


@dataclass(frozen=True)
class DelayedTask:
    """A task message waiting for its due time (epoch seconds); JSON only, like every Celery message."""

    task: str
    task_id: str
    kwargs: dict[str, Any]
    retries: int
    due: float
    queue: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """kombu's JSON, as the message was encoded: a pull's order payload holds Decimals and datetimes,
        which come back as such in the retry (plain ``json`` refuses them)."""
        return str(kombu_json.dumps(asdict(self), sort_keys=True, separators=(",", ":")))  # type: ignore[no-untyped-call]

    @classmethod
    def from_json(cls, raw: str | bytes) -> DelayedTask:
        data = kombu_json.loads(raw)  # type: ignore[no-untyped-call]
        return cls(
            task=str(data["task"]),
            task_id=str(data["task_id"]),
            kwargs=dict(data["kwargs"]),
            retries=int(data["retries"]),
            due=float(data["due"]),
            queue=data.get("queue"),
            headers=dict(data.get("headers") or {}),
        )


class DelayedQueue:
    """The delayed-retry set of one key prefix."""

    def __init__(self, client: redis.Redis, keys: RedisKeys) -> None:
        self.client = client
        self.keys = keys

    def schedule(self, item: DelayedTask) -> None:
        """Park ``item`` until ``item.due``."""
        self.client.zadd(self.keys.delayed, {item.to_json(): item.due})

    def pending(self) -> int:
        """How many retries are waiting (due or not)."""
        return int(self.client.zcard(self.keys.delayed))

    def claim_due(
        self, now: float | None = None, limit: int = DELAYED_RELEASE_BATCH
    ) -> list[tuple[bytes, DelayedTask | None]]:
        """Atomically take up to ``limit`` due members (raw member, parsed task or None if unreadable)."""
        now = time.time() if now is None else now
        members = self.client.eval(
            _CLAIM_LUA,
            2,
            self.keys.delayed,
            self.keys.delayed_inflight,
            now,
            limit,
            now - DELAYED_CLAIM_STALE_SECONDS,
        )
        claimed: list[tuple[bytes, DelayedTask | None]] = []
        for member in members or []:
            raw = member if isinstance(member, bytes) else str(member).encode()
            try:
                claimed.append((raw, DelayedTask.from_json(raw)))
            except (ValueError, KeyError, TypeError):
                claimed.append((raw, None))
        return claimed

    def release_due(
        self,
        send: Callable[[DelayedTask], object],
        now: float | None = None,
        limit: int = DELAYED_RELEASE_BATCH,
    ) -> int:
        """Send every due retry with ``send``; returns how many were sent.

        A send that raises puts that member and every unsent one back (due now) and re-raises, so a broker
        outage delays retries instead of dropping them.
        """
        claimed = self.claim_due(now, limit)
        sent = 0
        for index, (member, item) in enumerate(claimed):
            if item is None:
                log.error("delayed_member_unreadable", member=member[:200].decode("utf-8", "replace"))
                self.client.zrem(self.keys.delayed_inflight, member)
                continue
            try:
                send(item)
            except Exception:
                self._unclaim([raw for raw, _ in claimed[index:]])
                raise
            self.client.zrem(self.keys.delayed_inflight, member)
            sent += 1
        return sent

    def _unclaim(self, members: list[bytes]) -> None:
        now = time.time()
        with self.client.pipeline(transaction=True) as pipe:
            for member in members:
                pipe.zrem(self.keys.delayed_inflight, member)
                pipe.zadd(self.keys.delayed, {member: now})
            pipe.execute()
