"""The dead-letter store: a Redis stream of tasks that will not be retried, with everything needed to replay.

Each entry names the task, its kwargs, the instance and order, why it was given up and every attempt
(time, error class, message). Entries are written from Celery's ``task_failure`` signal (see
``connector_worker.app``), the one hook that also fires when a worker process was killed. A replay sends
the kwargs again, less those that describe the world as it was when the task was sent (``STALE_ON_REPLAY``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis

from config.settings import ConfigError
from connector_worker import task_names
from connector_worker.errors import ConfigurationError, PermanentError
from connector_worker.locks import RedisLock
from connector_worker.log import scrub_text
from connector_worker.redis_keys import DEAD_LETTER_DEDUP_TTL_SECONDS, DEAD_LETTER_MAX_LEN, RedisKeys

# Message header carrying the attempt history from one retry to the next (a list of Attempt dicts).
ATTEMPTS_HEADER = "connector_attempts"
# What an attempt whose process died is recorded as: it could not report anything itself.
LOST_ERROR = "WorkerLostError"
LOST_MESSAGE = "the worker process died during this attempt (SIGKILL, out of memory or a crash)"
MAX_MESSAGE_CHARS = 1000  # an error message longer than this is an HTML page or a dump: keep the head
REPLAY_LOCK_TTL_MS = 30_000  # two operators replaying one entry at once send it once
# Kwargs a replay leaves out, per task: snapshots taken when the task was sent, which a replay hours or days
# later must not apply. An ``orders.sync`` letter from a pull carries the order as Magento returned it then;
# once the order's synced marker has expired nothing tells that payload is older than Odoo's data, so the
# replayed sync reads the order from Magento again instead.
STALE_ON_REPLAY: Mapping[str, tuple[str, ...]] = {task_names.SYNC: ("order",)}


# KEYS: the task's "written" marker, the stream. ARGV: marker TTL, stream max length, then field, value, ...
_ADD_ONCE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return id
"""


def utc_now_iso() -> str:
    """Now, as the ISO-8601 UTC text every timestamp in the DLQ uses."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Attempt:
    """One run of a task that did not succeed."""

    number: int  # 1-based
    at: str  # ISO-8601 UTC, when the attempt ended (or was found lost)
    error: str  # exception class name
    message: str  # secrets scrubbed, truncated

    @classmethod
    def from_exception(cls, number: int, exc: BaseException, at: str | None = None) -> Attempt:
        """An attempt record for ``exc``; its message is scrubbed of secrets and truncated."""
        return cls(number, at or utc_now_iso(), type(exc).__name__, clean_message(str(exc)))

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "at": self.at, "error": self.error, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attempt:
        return cls(int(data["number"]), str(data["at"]), str(data["error"]), str(data["message"]))


def attempts_from_headers(headers: Any) -> list[Attempt]:
    """The history carried by a message's headers (empty for a first attempt or a foreign message)."""
    raw = headers.get(ATTEMPTS_HEADER) if isinstance(headers, dict) else None
    if not isinstance(raw, list):
        return []
    attempts = []
    for item in raw:
        try:
            attempts.append(Attempt.from_dict(item))
        except (KeyError, TypeError, ValueError):
            continue
    return attempts


def complete_history(
    recorded: list[Attempt], finished: int, exc: BaseException | None
) -> tuple[Attempt, ...]:
    """Attempts 1..``finished`` (gaps = processes that died), plus attempt ``finished + 1`` ending in ``exc``."""
    by_number = {attempt.number: attempt for attempt in recorded}
    now = utc_now_iso()
    history = [by_number.get(n) or Attempt(n, now, LOST_ERROR, LOST_MESSAGE) for n in range(1, finished + 1)]
    if exc is not None:
        history.append(Attempt.from_exception(finished + 1, exc, now))
    return tuple(history)


def failure_reason(exc: BaseException, attempts: int, *, retryable: bool) -> str:
    """A one-line, human-readable reason for giving up on a task."""
    name = type(exc).__name__
    detail = clean_message(f"{name}: {exc}")
    if name == LOST_ERROR:
        return f"worker process died on attempt {attempts} and the re-run budget is spent (poison message?)"
    if name == "TimeLimitExceeded":
        return f"hard time limit exceeded on attempt {attempts}: {detail}"
    if retryable:
        return f"gave up after {attempts} attempt{'' if attempts == 1 else 's'}: {detail}"
    if isinstance(exc, ConfigError | ConfigurationError):
        return f"configuration error: {detail}"
    if isinstance(exc, PermanentError):
        return f"permanent error: {detail}"
    return f"unexpected error, not retried: {detail}"


def clean_message(text: str) -> str:
    """``text`` with secrets scrubbed and cut to :data:`MAX_MESSAGE_CHARS`."""
    text = scrub_text(text)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "…"


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered task; ``id`` is the stream entry id once stored."""

    reason: str
    task: str
    task_id: str
    kwargs: dict[str, Any]
    attempts: tuple[Attempt, ...] = ()
    instance: str | None = None
    entity_id: str | None = None
    queue: str | None = None
    hostname: str | None = None
    failed_at: str = field(default_factory=utc_now_iso)
    id: str | None = None

    def to_fields(self) -> dict[str, str]:
        """Stream fields (flat strings; kwargs and attempts as JSON)."""
        fields = {
            "reason": self.reason,
            "task": self.task,
            "task_id": self.task_id,
            "kwargs": json.dumps(self.kwargs, sort_keys=True, default=_jsonable),
            "attempts": json.dumps([attempt.as_dict() for attempt in self.attempts]),
            "failed_at": self.failed_at,
        }
        optional = {"instance": self.instance, "entity_id": self.entity_id, "queue": self.queue}
        optional["hostname"] = self.hostname
        fields.update({key: value for key, value in optional.items() if value is not None})
        return fields

    @classmethod
    def from_fields(cls, entry_id: str, raw: dict[bytes | str, bytes | str]) -> DeadLetter:
        """Parse a stream entry as read by redis-py (bytes or str)."""
        data = {_text(key): _text(value) for key, value in raw.items()}
        return cls(
            reason=data.get("reason", ""),
            task=data.get("task", ""),
            task_id=data.get("task_id", ""),
            kwargs=json.loads(data.get("kwargs", "{}")),
            attempts=tuple(Attempt.from_dict(item) for item in json.loads(data.get("attempts", "[]"))),
            instance=data.get("instance"),
            entity_id=data.get("entity_id"),
            queue=data.get("queue"),
            hostname=data.get("hostname"),
            failed_at=data.get("failed_at", ""),
            id=entry_id,
        )


def _jsonable(value: Any) -> str:
    """Kwargs as a worker sees them hold Decimal and datetime values (kombu's JSON decodes both back), e.g.
    the order payload a pull hands to ``orders.sync``: stored as text, which the mappers read back as well."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _letters(batch: Any) -> list[DeadLetter]:
    """Parse an XRANGE reply."""
    return [DeadLetter.from_fields(_text(entry_id), raw or {}) for entry_id, raw in batch]


class DeadLetterStore:
    """Dead letters in the stream ``RedisKeys.dead_letters`` (XADD MAXLEN ~, oldest trimmed first)."""

    def __init__(self, client: redis.Redis, keys: RedisKeys, *, max_len: int = DEAD_LETTER_MAX_LEN) -> None:
        self.client = client
        self.keys = keys
        self.max_len = max_len

    def add(self, letter: DeadLetter) -> str:
        """Store ``letter``; returns its entry id."""
        entry_id = self.client.xadd(
            self.keys.dead_letters,
            letter.to_fields(),  # type: ignore[arg-type]
            maxlen=self.max_len,
            approximate=True,
        )
        return _text(entry_id)

    def add_once(self, letter: DeadLetter) -> str | None:
        """Store ``letter`` unless one was already stored for its task id; returns the entry id or None.

        The marker and the entry are written by one script: a process killed between two separate writes
        would leave a marker without its letter, and the second failure signal would then store nothing.
        """
        flat = [part for pair in letter.to_fields().items() for part in pair]
        entry_id = self.client.eval(
            _ADD_ONCE_LUA,
            2,
            self.keys.dead_letter_written(letter.task_id),
            self.keys.dead_letters,
            DEAD_LETTER_DEDUP_TTL_SECONDS,
            self.max_len,
            *flat,
        )
        return None if entry_id is None else _text(entry_id)

    def count(self) -> int:
        """How many dead letters are stored (alert on this)."""
        return int(self.client.xlen(self.keys.dead_letters))

    def list(self, *, count: int = 100, instance: str | None = None, after: str = "-") -> list[DeadLetter]:
        """Up to ``count`` entries, oldest first, optionally only one instance's; ``after`` pages on."""
        start = after if after == "-" else f"({after}"
        found: list[DeadLetter] = []
        while len(found) < count:
            batch = self.client.xrange(self.keys.dead_letters, min=start, max="+", count=max(count, 100))
            if not batch:
                break
            letters = _letters(batch)
            found.extend(letter for letter in letters if instance is None or letter.instance == instance)
            start = f"({letters[-1].id}"
        return found[:count]

    def get(self, entry_id: str) -> DeadLetter | None:
        """The entry with this id, or None."""
        batch = self.client.xrange(self.keys.dead_letters, min=entry_id, max=entry_id, count=1)
        letters = _letters(batch or [])
        return letters[0] if letters else None

    def remove(self, entry_id: str) -> bool:
        """Delete one entry; False if it was not there."""
        return bool(self.client.xdel(self.keys.dead_letters, entry_id))


def for_replay(letter: DeadLetter) -> DeadLetter:
    """``letter`` as a replay sends it: without the kwargs of :data:`STALE_ON_REPLAY` for its task."""
    stale = STALE_ON_REPLAY.get(letter.task, ())
    if not any(name in letter.kwargs for name in stale):
        return letter
    kwargs = {name: value for name, value in letter.kwargs.items() if name not in stale}
    return dataclasses.replace(letter, kwargs=kwargs)


def replay(store: DeadLetterStore, entry_id: str, send: Callable[[DeadLetter], object]) -> bool:
    """Re-send one dead letter with ``send`` and remove it only once the send succeeded.

    ``send`` gets the letter as :func:`for_replay` makes it: an ``orders.sync`` without the order payload
    it carried, so the sync reads the order from Magento as it is now. Returns False when the entry does
    not exist (or another operator is replaying it right now). If ``send`` raises, the entry stays and the
    exception propagates.
    """
    lock = RedisLock(
        store.client,
        store.keys.lock(f"dlq-replay:{entry_id}"),
        ttl_ms=REPLAY_LOCK_TTL_MS,
        renew_every_ms=None,
    )
    if not lock.acquire():
        return False
    try:
        letter = store.get(entry_id)
        if letter is None:
            return False
        send(for_replay(letter))
        store.remove(entry_id)
        return True
    finally:
        lock.release()
